/**
 * The environment commands see. By default every variable is inherited except those whose names
 * look like credentials (KEY, SECRET, TOKEN, PASSWORD): whatever a command prints reaches the model,
 * so an inherited `OPENAI_API_KEY` would too.
 */
export interface ShellEnvironmentPolicy {
  /** `all` (default), `core` (PATH, HOME, …) or `none`. */
  inherit: 'all' | 'core' | 'none';
  /** Drop credential-looking names (default true). */
  excludeSecrets: boolean;
  /** Extra name patterns to drop (case-insensitive globs with `*`). */
  exclude: string[];
  /** Variables to set (win over everything). */
  set: Record<string, string>;
  /** If non-empty, keep only names matching one of these globs. */
  includeOnly: string[];
}

export const DEFAULT_SHELL_ENVIRONMENT_POLICY: ShellEnvironmentPolicy = {
  inherit: 'all',
  excludeSecrets: true,
  exclude: [],
  set: {},
  includeOnly: [],
};

const SECRET_PATTERNS = ['*KEY*', '*SECRET*', '*TOKEN*', '*PASSWORD*'];
const CORE_NAMES = [
  'HOME',
  'LOGNAME',
  'PATH',
  'SHELL',
  'USER',
  'USERNAME',
  'TMPDIR',
  'TEMP',
  'TMP',
  'LANG',
  'LC_ALL',
  'TERM',
];

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

export function filterShellEnvironment(
  env: NodeJS.ProcessEnv,
  policy: ShellEnvironmentPolicy = DEFAULT_SHELL_ENVIRONMENT_POLICY,
): NodeJS.ProcessEnv {
  const drop = [...(policy.excludeSecrets ? SECRET_PATTERNS : []), ...policy.exclude].map(globToRegExp);
  const only = policy.includeOnly.map(globToRegExp);
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (policy.inherit === 'none') continue;
    if (policy.inherit === 'core' && !CORE_NAMES.includes(name)) continue;
    if (drop.some((re) => re.test(name))) continue;
    if (only.length > 0 && !only.some((re) => re.test(name))) continue;
    result[name] = value;
  }
  return { ...result, ...policy.set };
}

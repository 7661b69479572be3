/**
 * The environment commands see (and bwrap itself, and MCP servers). Whatever a command prints
 * reaches the model, and any process in the sandbox can read `/proc/<pid>/environ`, so credentials are
 * dropped by name before anything is spawned: every name that matches a rule of
 * `SECRET_ENV_RULES` (one table, below) is removed unless the configuration names that variable
 * explicitly — a key of `shell_environment_policy.set`, or an exact (wildcard-free) name in
 * `include_only`. Plain variables (PATH, HOME, LANG, the user's own FOO) stay.
 */
interface ShellEnvironmentPolicy {
  /** `all` (default), `core` (PATH, HOME, …) or `none`. */
  inherit: 'all' | 'core' | 'none';
  /**
   * Codex's default excludes (`*KEY*`, `*SECRET*`, `*TOKEN*`), kept for its key
   * `ignore_default_excludes`; the credential rules below apply whatever this says.
   */
  excludeSecrets: boolean;
  /** Extra name patterns to drop (case-insensitive globs with `*`). */
  exclude: string[];
  /** Variables to set (win over everything). */
  set: Record<string, string>;
  /** If non-empty, keep only names matching one of these globs. */
  includeOnly: string[];
  /** More names that hold credentials here (a custom provider's `env_key`, an MCP bearer token variable). */
  secretNames?: string[];
}

const DEFAULT_SHELL_ENVIRONMENT_POLICY: ShellEnvironmentPolicy = {
  inherit: 'all',
  excludeSecrets: true,
  exclude: [],
  set: {},
  includeOnly: [],
};

interface SecretEnvRule {
  /** `contains`: the name contains `text` anywhere; `prefix`: the name starts with it. Case-insensitive. */
  match: 'contains' | 'prefix';
  text: string;
  why: string;
}

/** Which variable names are credentials (or Spool's own settings), never passed to what Spool runs. */
export const SECRET_ENV_RULES: readonly SecretEnvRule[] = [
  { match: 'contains', text: 'KEY', why: 'API and SSH keys' },
  { match: 'contains', text: 'SECRET', why: 'client secrets' },
  { match: 'contains', text: 'TOKEN', why: 'access tokens' },
  { match: 'contains', text: 'PASSWORD', why: 'passwords' },
  { match: 'contains', text: 'PASSWD', why: 'passwords' },
  { match: 'contains', text: 'AUTH', why: 'authorization headers, auth sockets and files' },
  { match: 'contains', text: 'CREDENTIAL', why: 'credential files and helpers' },
  { match: 'contains', text: 'PRIVATE', why: 'private keys' },
  { match: 'contains', text: 'COOKIE', why: 'session cookies' },
  { match: 'prefix', text: 'SPOOL_', why: "Spool's own namespace (its home, its settings)" },
  { match: 'prefix', text: 'CODEX_', why: "Codex's namespace (CODEX_API_KEY, its home)" },
  { match: 'prefix', text: 'OPENAI_', why: "the OpenAI provider's settings and key" },
  { match: 'prefix', text: 'AZURE_OPENAI_', why: "the Azure OpenAI provider's endpoint and key" },
  { match: 'prefix', text: 'OPENROUTER_', why: "the OpenRouter provider's key" },
  { match: 'prefix', text: 'ANTHROPIC_', why: "a provider's key" },
  { match: 'prefix', text: 'GEMINI_', why: "a provider's key" },
  { match: 'prefix', text: 'MISTRAL_', why: "a provider's key" },
  { match: 'prefix', text: 'GROQ_', why: "a provider's key" },
  { match: 'prefix', text: 'DEEPSEEK_', why: "a provider's key" },
  { match: 'prefix', text: 'XAI_', why: "a provider's key" },
];

const CODEX_DEFAULT_EXCLUDES = ['*KEY*', '*SECRET*', '*TOKEN*'];

/** Who and where: the names every process Spool starts may inherit. */
const IDENTITY_AND_LOCALE = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'USER', 'TMPDIR', 'LANG', 'LC_ALL', 'TERM'];

/**
 * What a process inherits from Spool's environment, per kind of process (Codex's tables):
 * `shell_environment_policy.inherit = "core"` for commands, and the default environment of a stdio
 * MCP server (not Spool's whole environment: API keys stay with Spool).
 */
export const INHERITED_ENV = {
  core: [...IDENTITY_AND_LOCALE, 'USERNAME', 'TEMP', 'TMP'],
  mcpServer: [...IDENTITY_AND_LOCALE, '__CF_USER_TEXT_ENCODING', 'TZ'],
} as const satisfies Record<string, readonly string[]>;

const CORE_NAMES: readonly string[] = INHERITED_ENV.core;

/** The rule that makes `name` a secret, if any. Pure. */
export function secretRuleFor(name: string): SecretEnvRule | undefined {
  const upper = name.toUpperCase();
  return SECRET_ENV_RULES.find((rule) =>
    rule.match === 'prefix' ? upper.startsWith(rule.text) : upper.includes(rule.text),
  );
}

/**
 * `env` without secrets (by `SECRET_ENV_RULES` and `secretNames`), except the names in `allowed`
 * (named explicitly by the configuration). For every environment Spool hands to a process it
 * starts: commands, the sandbox launcher, MCP servers.
 */
export function scrubSecretEnv(
  env: NodeJS.ProcessEnv | Record<string, string>,
  options: { allowed?: Iterable<string>; secretNames?: Iterable<string> } = {},
): Record<string, string> {
  const allowed = new Set(options.allowed ?? []);
  const extra = new Set(options.secretNames ?? []);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (!allowed.has(name) && (extra.has(name) || secretRuleFor(name))) continue;
    out[name] = value;
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

export function filterShellEnvironment(
  env: NodeJS.ProcessEnv,
  policy: ShellEnvironmentPolicy = DEFAULT_SHELL_ENVIRONMENT_POLICY,
): NodeJS.ProcessEnv {
  const drop = [...(policy.excludeSecrets ? CODEX_DEFAULT_EXCLUDES : []), ...policy.exclude].map(
    globToRegExp,
  );
  const only = policy.includeOnly.map(globToRegExp);
  // Only a name written out in full counts as naming a secret explicitly; `*` does not.
  const explicit = policy.includeOnly.filter((name) => !name.includes('*'));
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (policy.inherit === 'none') continue;
    if (policy.inherit === 'core' && !CORE_NAMES.includes(name)) continue;
    if (drop.some((re) => re.test(name)) && !explicit.includes(name)) continue;
    if (only.length > 0 && !only.some((re) => re.test(name))) continue;
    result[name] = value;
  }
  const scrubbed = scrubSecretEnv(result, {
    allowed: explicit,
    secretNames: policy.secretNames ?? [],
  });
  return { ...scrubbed, ...policy.set };
}

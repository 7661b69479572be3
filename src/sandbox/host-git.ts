/**
 * Running `git` on the host, safely: the one way Spool runs git itself (the TUI's `/diff` and file
 * mentions; anything that shows the user the repository). The repository's files may have been
 * written by sandboxed commands, so git must run nothing they could have planted:
 *
 * - the `git` binary comes from a trusted system directory, never `PATH` (trusted-binaries.ts);
 * - the repository is the one pinned when the session started (`--git-dir`, `--work-tree`), so a
 *   planted `../.git` or a replaced `.git` symlink is never discovered;
 * - every repository-configured program is switched off on the command line, which overrides all
 *   configuration files and whatever they include: `core.fsmonitor`, `core.hooksPath`, pagers
 *   (`--no-pager`), `diff.external`, and for every driver name the configuration defines, its
 *   `filter.<name>.clean/smudge/process`, `diff.<name>.command/textconv` and `merge.<name>.driver`
 *   (a `.gitattributes` in the work tree may name any of them); transports, credential helpers,
 *   askpass and ssh programs too;
 * - the environment has no `GIT_*` variable of the caller's, only those set here.
 */
import { execFile } from 'node:child_process';
import { discoverRepository, type PinnedRepository } from '../git/repository.js';
import { resolveTrustedBinary } from './trusted-binaries.js';

interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

interface HostGitOptions {
  /** Directories a sandbox may write (the session's writable roots): no `git` from below them. */
  untrustedRoots?: readonly string[];
  /** A configured absolute path of git (checked like the search). */
  gitPath?: string;
  /** The environment to start from (default `process.env`); its `GIT_*` variables are dropped. */
  env?: NodeJS.ProcessEnv;
}

interface GitRunOptions {
  /** Where git runs (inside the work tree; default its top): relative paths in its output follow. */
  cwd?: string;
  maxBuffer?: number;
  timeoutMs?: number;
}

/** Settings no repository may change for Spool's git (`-c` wins over every config file). */
const SAFE_GIT_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'diff.external=',
  'core.sshCommand=',
  'core.gitProxy=',
  'core.askPass=',
  'core.alternateRefsCommand=',
  'credential.helper=',
  'protocol.allow=never',
  'uploadpack.packObjectsHook=',
  'gpg.program=',
  'log.showSignature=false',
];

/** The driver names (`filter.<name>.*`, `diff.<name>.*`, `merge.<name>.*`) in `git config -z --list` output. */
function driverNames(listing: string): { filter: string[]; diff: string[]; merge: string[] } {
  const names = { filter: new Set<string>(), diff: new Set<string>(), merge: new Set<string>() };
  for (const record of listing.split('\0')) {
    const key = record.split('\n', 1)[0] ?? '';
    const first = key.indexOf('.');
    const last = key.lastIndexOf('.');
    if (first <= 0 || last <= first) continue;
    const section = key.slice(0, first).toLowerCase();
    if (section === 'filter' || section === 'diff' || section === 'merge')
      names[section].add(key.slice(first + 1, last));
  }
  return { filter: [...names.filter], diff: [...names.diff], merge: [...names.merge] };
}

/** `-c` pairs that switch off every program the named drivers would run. */
function driverOverrides(names: ReturnType<typeof driverNames>): string[] {
  return [
    ...names.filter.flatMap((n) => [
      `filter.${n}.clean=`,
      `filter.${n}.smudge=`,
      `filter.${n}.process=`,
      `filter.${n}.required=false`,
    ]),
    ...names.diff.flatMap((n) => [`diff.${n}.command=`, `diff.${n}.textconv=`]),
    ...names.merge.map((n) => `merge.${n}.driver=`),
  ];
}

function cleanEnvironment(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) if (!name.startsWith('GIT_')) env[name] = value;
  return {
    ...env,
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
  };
}

/** git for one pinned repository. Holds no state beyond what it was made with. */
export class HostGit {
  constructor(
    readonly repository: PinnedRepository,
    private readonly options: HostGitOptions = {},
  ) {}

  /** The repository enclosing `cwd`, pinned now; undefined outside a repository. */
  static pin(cwd: string, options: HostGitOptions = {}): HostGit | undefined {
    const repository = discoverRepository(cwd);
    return repository ? new HostGit(repository, options) : undefined;
  }

  /** Runs `git ARGS` with the protections above; never throws (failures are a non-zero code). */
  async run(args: readonly string[], options: GitRunOptions = {}): Promise<GitRun> {
    const git = resolveTrustedBinary('git', {
      ...(this.options.gitPath ? { configured: this.options.gitPath } : {}),
      untrustedRoots: this.options.untrustedRoots ?? [],
    });
    if (!git.ok) return { code: 127, stdout: '', stderr: git.reason };
    const listing = await this.exec(git.path, ['config', '-z', '--list', '--includes'], {
      maxBuffer: 4 * 1024 * 1024,
    });
    const overrides = driverOverrides(driverNames(listing.code === 0 ? listing.stdout : ''));
    return this.exec(git.path, args, options, overrides);
  }

  private exec(
    git: string,
    args: readonly string[],
    options: GitRunOptions,
    overrides: string[] = [],
  ): Promise<GitRun> {
    const { gitDir, workTree } = this.repository;
    const argv = [
      '--no-pager',
      `--git-dir=${gitDir}`,
      `--work-tree=${workTree}`,
      ...[...SAFE_GIT_CONFIG, ...overrides].flatMap((setting) => ['-c', setting]),
      ...args,
    ];
    const env = cleanEnvironment(this.options.env ?? process.env);
    return new Promise((resolve) => {
      execFile(
        git,
        argv,
        {
          cwd: options.cwd ?? workTree,
          env,
          maxBuffer: options.maxBuffer ?? 32 * 1024 * 1024,
          timeout: options.timeoutMs ?? 15_000,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
  }
}

/**
 * How each harness is started for the bench: its `--version`, and one non-interactive session
 * pointed at the emulator with a placeholder key. Every harness gets the same HOME (a scratch folder
 * of its own, so no user config leaks in), the same PATH, no sandbox, its machine-readable output,
 * and a config written the way its own docs say:
 *
 * - Spool: `spool exec --json -s danger-full-access`, `OPENAI_BASE_URL` + `OPENAI_API_KEY`.
 * - pi: `pi --mode json -p`, a provider in `$PI_CODING_AGENT_DIR/models.json` with
 *   `api: "openai-responses"`; `PI_OFFLINE=1` (no update checks).
 * - Codex: the native binary from the npm package run directly (the npm `codex.js` launcher only
 *   finds and execs it), `codex exec --json -s danger-full-access`, a `model_providers.bench`
 *   entry with `wire_api = "responses"` in `$CODEX_HOME/config.toml`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PeerInstall } from './install.js';

/** The model every harness asks for: one that Codex's catalog knows (so it uses its real tool set). */
export const MODEL = 'gpt-5.5';
export const PROMPT = 'Run the commands you are given, one at a time, then say you are done.';

export interface Launch {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Harness {
  id: string;
  /** Name and version, for the table. */
  label: string;
  /** Why it cannot run (not installed, …); undefined when it can. */
  unavailable?: string;
  version(cwd: string): Launch;
  /** Writes any per-session config and returns how to start a session against `baseUrl`. */
  session(baseUrl: string, workdir: string): Launch;
}

function baseEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', NO_COLOR: '1' };
}

export function spoolHarness(binary: string, label: string, scratch: string): Harness {
  const home = path.join(scratch, 'spool');
  const spoolHome = path.join(home, '.spool');
  mkdirSync(spoolHome, { recursive: true });
  const env = { ...baseEnv(home), SPOOL_HOME: spoolHome };
  return {
    id: 'spool',
    label,
    version: (cwd) => ({ file: binary, args: ['--version'], env, cwd }),
    session: (baseUrl, workdir) => ({
      file: binary,
      args: ['exec', '--skip-git-repo-check', '--json', '-s', 'danger-full-access', '-m', MODEL, PROMPT],
      env: { ...env, OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'bench-placeholder-key' },
      cwd: workdir,
    }),
  };
}

export function piHarness(install: PeerInstall, scratch: string): Harness {
  const home = path.join(scratch, 'pi');
  const agentDir = path.join(home, '.pi', 'agent');
  mkdirSync(agentDir, { recursive: true });
  const env = { ...baseEnv(home), PI_CODING_AGENT_DIR: agentDir, PI_OFFLINE: '1' };
  const binary = install.binary ?? '';
  return {
    id: 'pi',
    label: `pi ${install.version}`,
    ...(install.error ? { unavailable: install.error } : {}),
    version: (cwd) => ({ file: binary, args: ['--version'], env, cwd }),
    session: (baseUrl, workdir) => {
      const models = {
        providers: {
          bench: {
            baseUrl,
            api: 'openai-responses',
            apiKey: 'bench-placeholder-key',
            models: [{ id: MODEL, reasoning: true, contextWindow: 400_000, maxTokens: 128_000 }],
          },
        },
      };
      writeFileSync(path.join(agentDir, 'models.json'), JSON.stringify(models, null, 2));
      return {
        file: binary,
        args: ['--mode', 'json', '-p', '--model', `bench/${MODEL}`, PROMPT],
        env,
        cwd: workdir,
      };
    },
  };
}

export function codexHarness(install: PeerInstall, scratch: string): Harness {
  const home = path.join(scratch, 'codex');
  const codexHome = path.join(home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(home),
    CODEX_HOME: codexHome,
    BENCH_MODEL_KEY: 'bench-placeholder-key',
    // What the npm launcher sets before it execs the binary.
    ...(install.packageRoot
      ? { CODEX_MANAGED_PACKAGE_ROOT: install.packageRoot, CODEX_MANAGED_BY_NPM: '1' }
      : {}),
  };
  const binary = install.binary ?? '';
  return {
    id: 'codex',
    label: `Codex ${install.version}`,
    ...(install.error ? { unavailable: install.error } : {}),
    version: (cwd) => ({ file: binary, args: ['--version'], env, cwd }),
    session: (baseUrl, workdir) => {
      writeFileSync(
        path.join(codexHome, 'config.toml'),
        [
          `model = "${MODEL}"`,
          'model_provider = "bench"',
          'check_for_update_on_startup = false',
          '',
          '[analytics]',
          'enabled = false',
          '',
          '[model_providers.bench]',
          'name = "bench emulator"',
          `base_url = "${baseUrl}"`,
          'wire_api = "responses"',
          'env_key = "BENCH_MODEL_KEY"',
          '',
        ].join('\n'),
      );
      return {
        file: binary,
        args: ['exec', '--json', '--skip-git-repo-check', '-s', 'danger-full-access', PROMPT],
        env,
        cwd: workdir,
      };
    },
  };
}

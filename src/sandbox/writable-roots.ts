/**
 * The writable roots a sandbox policy grants, from the session's configuration only (never from a
 * path the model names): the cwd and configured roots in workspace-write, plus /tmp and $TMPDIR
 * unless excluded.
 */
import path from 'node:path';
import type { SandboxPolicy } from '../protocol/policy.js';

export function effectiveWritableRoots(policy: SandboxPolicy, cwd: string, env: NodeJS.ProcessEnv): string[] {
  if (policy.mode !== 'workspace-write') return [];
  const roots = [path.resolve(cwd), ...policy.writableRoots.map((root) => path.resolve(cwd, root))];
  if (!policy.excludeSlashTmp) roots.push('/tmp');
  const tmpdir = env.TMPDIR;
  if (!policy.excludeTmpdirEnvVar && tmpdir && path.isAbsolute(tmpdir)) roots.push(path.resolve(tmpdir));
  return [...new Set(roots)];
}

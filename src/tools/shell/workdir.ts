/** Resolving the `workdir` a model names against the turn's cwd. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

type WorkdirResult = { ok: true; cwd: string } | { ok: false; error: string };

/** An absolute, existing directory; relative paths are taken from `turnCwd`, empty means `turnCwd`. */
export async function resolveWorkdir(turnCwd: string, workdir: string | undefined): Promise<WorkdirResult> {
  const cwd = workdir === undefined || workdir === '' ? turnCwd : resolve(turnCwd, workdir);
  try {
    const info = await stat(cwd);
    if (!info.isDirectory())
      return { ok: false, error: `workdir ${describe(workdir, cwd)} is not a directory.` };
    return { ok: true, cwd };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'does not exist' : `cannot be used (${code ?? (err as Error).message})`;
    return { ok: false, error: `workdir ${describe(workdir, cwd)} ${reason}.` };
  }
}

function describe(workdir: string | undefined, resolved: string): string {
  return workdir === undefined || workdir === '' || workdir === resolved
    ? `"${resolved}"`
    : `"${workdir}" (resolved to "${resolved}")`;
}

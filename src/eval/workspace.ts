/**
 * The scratch copy of a workspace a replay's tools run in, so re-running them changes nothing the
 * person owns. A copy of the directory as it is now (git metadata included); removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ScratchWorkspace {
  /** The copy (a real path: no symlink in it, so it can be mapped back exactly). */
  dir: string;
  remove(): void;
}

export function copyWorkspace(source: string): ScratchWorkspace {
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (!stat?.isDirectory())
    throw new Error(`the recorded working directory ${source} does not exist here (pass --workspace DIR)`);
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-replay-')));
  const dir = path.join(root, path.basename(source) || 'workspace');
  fs.cpSync(source, dir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  return { dir, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

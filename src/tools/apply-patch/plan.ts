/**
 * Verification: computes every file's new contents in memory before anything is written.
 *
 * Hunks are applied in order to an overlay over the disk, so a patch behaves exactly as if its hunks
 * ran one after another (an update may follow an add of the same file), yet the disk is untouched
 * until the whole patch has been verified. Every target is checked against the write policy here.
 */
import path from 'node:path';
import { expectTypeError } from '../../protocol/errors.js';
import { checkWritePath, type WriteCheck, type WritePolicy } from '../../sandbox/write-policy.js';
import type { AnchoredFs } from './anchored-fs.js';
import { describeFsError } from './fs-errors.js';
import { forEachLimited } from './limited.js';
import { DEFAULT_MAX_FILE_BYTES, type DiskState, readTarget } from './read-target.js';
import type { PatchHunk } from './types.js';
import { applyChunks, type ChangedRegion } from './update.js';

export type ChangeKind = 'add' | 'delete' | 'update';

/** One hunk's effect, for display: contents before and after that hunk. */
export interface PlannedChange {
  kind: ChangeKind;
  /** As written in the patch. */
  displayPath: string;
  /** Absolute (lexically resolved against the cwd). */
  absPath: string;
  displayMovePath?: string;
  absMovePath?: string;
  before: string;
  after: string;
  /** For updates: where the lines changed, so a diff need not compare the whole file. */
  regions?: ChangedRegion[];
}

export interface FileWrite {
  kind: 'write';
  /** Physical path. */
  path: string;
  content: string;
  /** Permission bits to give the file; undefined for a new file (default mode, umask applies). */
  mode?: number;
}

export interface FileDelete {
  kind: 'delete';
  path: string;
}

export type FileOperation = FileWrite | FileDelete;

interface Plan {
  changes: PlannedChange[];
  /** The net effect on disk, one operation per physical path, in first-touched order. */
  operations: FileOperation[];
  summary: { added: string[]; modified: string[]; deleted: string[] };
}

type PlanResult =
  | { ok: true; plan: Plan }
  /** `rejected`: the write policy refused a path (as opposed to a patch that does not apply). */
  | { ok: false; error: string; rejected: boolean };

type Entry = { kind: 'absent' } | { kind: 'file'; content: string; mode?: number };

class PlanFailure extends Error {
  constructor(
    message: string,
    readonly rejected = false,
  ) {
    super(message);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(bytes: Buffer): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch (err) {
    expectTypeError(err);
    // Not UTF-8 (the fatal decoder refuses it).
    return undefined;
  }
}

class Overlay {
  constructor(
    private readonly anchors: AnchoredFs,
    private readonly maxFileBytes: number,
  ) {}

  private readonly entries = new Map<string, Entry>();
  /** What each path held before the patch (read once, possibly ahead of time). */
  private readonly disk = new Map<string, Promise<DiskState>>();
  private readonly settled = new Map<string, DiskState>();

  /** Starts reading a path's original state (the same path is read once). */
  original(realPath: string, followSymlink = true): Promise<DiskState> {
    let disk = this.disk.get(realPath);
    if (!disk) {
      disk = readTarget(this.anchors, realPath, followSymlink, this.maxFileBytes).then((state) => {
        this.settled.set(realPath, state);
        return state;
      });
      this.disk.set(realPath, disk);
    }
    return disk;
  }

  async state(realPath: string, followSymlink = true): Promise<Entry | DiskState> {
    return this.entries.get(realPath) ?? this.original(realPath, followSymlink);
  }

  set(realPath: string, entry: Entry): void {
    this.entries.set(realPath, entry);
  }

  /** A file this patch wrote that is an ancestor of `realPath` (so its directory cannot be made). */
  fileAncestor(realPath: string): string | undefined {
    for (let dir = path.dirname(realPath); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (this.entries.get(dir)?.kind === 'file') return dir;
    }
    return undefined;
  }

  operations(): FileOperation[] {
    const ops: FileOperation[] = [];
    for (const [realPath, entry] of this.entries) {
      const original = this.settled.get(realPath);
      if (entry.kind === 'absent') {
        if (original?.kind === 'file') ops.push({ kind: 'delete', path: realPath });
        continue;
      }
      if (
        original?.kind === 'file' &&
        original.mode === entry.mode &&
        decode(original.bytes) === entry.content
      ) {
        continue; // unchanged: leave the file (and its mtime) alone
      }
      const op: FileWrite = { kind: 'write', path: realPath, content: entry.content };
      if (entry.mode !== undefined) op.mode = entry.mode;
      ops.push(op);
    }
    return ops;
  }
}

function textOf(state: Entry | DiskState): string {
  if (state.kind !== 'file') return '';
  if ('content' in state) return state.content;
  return decode(state.bytes) ?? '';
}

/** Why a path that should hold a file does not, in io::Error wording. */
function notAFile(state: Exclude<Entry | DiskState, { kind: 'file' }>): string {
  if (state.kind === 'directory') return 'Is a directory (os error 21)';
  if (state.kind === 'blocked') return describeFsError(state.error);
  if (state.kind === 'refused') return `refused: ${state.reason}`;
  return 'No such file or directory (os error 2)';
}

function modeOf(state: Entry | DiskState): number | undefined {
  return state.kind === 'file' ? state.mode : undefined;
}

/** Every path the hunks will check, with whether its final symlink is followed. */
export function targetsOf(hunks: readonly PatchHunk[]): Array<{ target: string; follow: boolean }> {
  const targets: Array<{ target: string; follow: boolean }> = [];
  for (const hunk of hunks) {
    targets.push({ target: hunk.path, follow: hunk.type !== 'delete' });
    if (hunk.type === 'update' && hunk.movePath !== undefined) {
      targets.push({ target: hunk.movePath, follow: true }, { target: hunk.path, follow: false });
    }
  }
  return targets;
}

interface PlanOptions {
  /** Where files are read (and later written) through; see anchored-fs.ts. */
  anchors: AnchoredFs;
  /** Targets larger than this are refused before they are read. */
  maxFileBytes?: number;
}

export async function planPatch(
  hunks: readonly PatchHunk[],
  cwd: string,
  policy: WritePolicy,
  options: PlanOptions,
): Promise<PlanResult> {
  const overlay = new Overlay(options.anchors, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const changes: PlannedChange[] = [];
  const summary: Plan['summary'] = { added: [], modified: [], deleted: [] };

  const checks = new Map<string, Promise<WriteCheck>>();
  const checkPath = (target: string, followFinalSymlink: boolean): Promise<WriteCheck> => {
    const key = `${followFinalSymlink}:${target}`;
    let check = checks.get(key);
    if (!check) {
      check = checkWritePath(policy, target, { cwd, followFinalSymlink });
      checks.set(key, check);
    }
    return check;
  };
  // Resolve and read every path ahead, concurrently; the hunks below then apply in order.
  await forEachLimited(targetsOf(hunks), async ({ target, follow }) => {
    const check = await checkPath(target, follow);
    if (check.allowed) await overlay.original(check.realPath, follow);
  });

  const allowed = async (target: string, followFinalSymlink = true): Promise<string> => {
    const check = await checkPath(target, followFinalSymlink);
    if (!check.allowed) throw new PlanFailure(`Patch rejected: ${check.message}.`, true);
    return check.realPath;
  };
  const writable = async (display: string, realPath: string): Promise<Entry | DiskState> => {
    const state = await overlay.state(realPath);
    const blocker = overlay.fileAncestor(realPath);
    if (state.kind === 'refused') throw new PlanFailure(`Refused to write ${display}: ${state.reason}`);
    if (blocker || state.kind === 'blocked') {
      const reason =
        state.kind === 'blocked' ? describeFsError(state.error) : 'Not a directory (os error 20)';
      throw new PlanFailure(`Failed to create parent directories for ${display}: ${reason}`);
    }
    if (state.kind === 'directory')
      throw new PlanFailure(`Failed to write file ${display}: Is a directory (os error 21)`);
    return state;
  };

  try {
    for (const hunk of hunks) {
      const absPath = path.resolve(cwd, hunk.path);
      if (hunk.type === 'add') {
        const real = await allowed(hunk.path);
        const state = await writable(hunk.path, real);
        changes.push({
          kind: 'add',
          displayPath: hunk.path,
          absPath,
          before: textOf(state),
          after: hunk.contents,
        });
        const mode = modeOf(state);
        overlay.set(
          real,
          mode === undefined
            ? { kind: 'file', content: hunk.contents }
            : { kind: 'file', content: hunk.contents, mode },
        );
        summary.added.push(hunk.path);
      } else if (hunk.type === 'delete') {
        const real = await allowed(hunk.path, false);
        const state = await overlay.state(real, false);
        if (state.kind !== 'file') {
          const reason = notAFile(state);
          throw new PlanFailure(`Failed to delete file ${hunk.path}: ${reason}`);
        }
        changes.push({ kind: 'delete', displayPath: hunk.path, absPath, before: textOf(state), after: '' });
        overlay.set(real, { kind: 'absent' });
        summary.deleted.push(hunk.path);
      } else {
        const real = await allowed(hunk.path);
        const state = await overlay.state(real);
        if (state.kind !== 'file') {
          const reason = notAFile(state);
          throw new PlanFailure(`Failed to read file to update ${hunk.path}: ${reason}`);
        }
        const before = 'content' in state ? state.content : decode(state.bytes);
        if (before === undefined) {
          throw new PlanFailure(
            `Failed to read file to update ${hunk.path}: stream did not contain valid UTF-8`,
          );
        }
        const updated = applyChunks(before, hunk.chunks, hunk.path);
        if (!updated.ok) throw new PlanFailure(updated.error);
        const mode = modeOf(state);
        const entry: Entry =
          mode === undefined
            ? { kind: 'file', content: updated.content }
            : { kind: 'file', content: updated.content, mode };
        const change: PlannedChange = {
          kind: 'update',
          displayPath: hunk.path,
          absPath,
          before,
          after: updated.content,
          regions: updated.regions,
        };
        if (hunk.movePath !== undefined && hunk.movePath !== hunk.path) {
          const destReal = await allowed(hunk.movePath);
          const sourceLink = await allowed(hunk.path, false);
          await overlay.state(sourceLink, false);
          await writable(hunk.movePath, destReal);
          change.displayMovePath = hunk.movePath;
          change.absMovePath = path.resolve(cwd, hunk.movePath);
          if (destReal === real || destReal === sourceLink) {
            overlay.set(real, entry);
          } else {
            // The moved file keeps its own mode; the source (or the link naming it) goes away.
            overlay.set(destReal, entry);
            overlay.set(sourceLink, { kind: 'absent' });
          }
          summary.modified.push(hunk.movePath);
        } else {
          overlay.set(real, entry);
          summary.modified.push(hunk.path);
        }
        changes.push(change);
      }
    }
  } catch (err) {
    if (err instanceof PlanFailure) return { ok: false, error: err.message, rejected: err.rejected };
    throw err;
  }
  return { ok: true, plan: { changes, operations: overlay.operations(), summary } };
}

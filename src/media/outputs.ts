/**
 * The output folder (`--out`, default `media/`): every asset is written inside it and nowhere else,
 * under a fresh name (exclusive create, so an existing file or a planted symlink is never written
 * through), and `manifest.json` there holds one entry per asset. The manifest is rewritten whole
 * through a temporary file and a rename, so a crash leaves the old one or the new one, under a lock
 * file (folder-lock.ts), so runs writing into the same folder at once never lose each other's entries.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withFileLock } from './folder-lock.js';

export interface Critique {
  verdict: 'accepted' | 'rejected' | 'revise';
  notes: string;
}

export interface ManifestEntry {
  /** Relative to the output folder. */
  file: string;
  kind: 'image' | 'video';
  prompt: string;
  model: string;
  params: Record<string, unknown>;
  cost_usd: number | null;
  cost_basis: string;
  /** How long the generation took, submission to file on disk. */
  duration_ms: number;
  critique: Critique | null;
  session_id: string;
  call_id: string;
  task_id?: string;
  created_at: string;
}

export interface Manifest {
  assets: ManifestEntry[];
}

const MANIFEST_FILE = 'manifest.json';
/** Held by a process while it reads, changes and writes back the manifest. */
const MANIFEST_LOCK = `.${MANIFEST_FILE}.lock`;

/** A file name part made from free text: lower-case letters, digits and dashes, at most 40. */
function slug(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return cleaned || 'asset';
}

export class OutputFolder {
  /** The folder's real path (symlinks resolved once, when it is made). */
  readonly root: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.root = fs.realpathSync(dir);
  }

  /** Whether `file` (absolute, real) lies inside the folder. */
  contains(file: string): boolean {
    const relative = path.relative(this.root, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  }

  /** Writes `bytes` as a new file `<stem>-<n><ext>` in the folder; returns its absolute path. */
  writeNew(stem: string, ext: string, bytes: Buffer): string {
    const base = slug(stem);
    for (let n = 1; ; n++) {
      const file = path.join(this.root, `${base}-${n}${ext}`);
      try {
        fs.writeFileSync(file, bytes, { flag: 'wx', mode: 0o644 });
        return file;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  /** `file` (inside the folder) relative to it: how the manifest names it. */
  relative(file: string): string {
    return path.relative(this.root, file);
  }

  readManifest(): Manifest {
    const read = this.readManifestFile();
    return read === 'corrupt' ? { assets: [] } : read;
  }

  private readManifestFile(): Manifest | 'corrupt' {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.root, MANIFEST_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { assets: [] };
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as Manifest;
      return parsed && Array.isArray(parsed.assets) ? parsed : 'corrupt';
    } catch (err) {
      if (err instanceof SyntaxError) return 'corrupt';
      throw err;
    }
  }

  /**
   * Applies `change` to the manifest and writes it back atomically, holding the folder's manifest
   * lock from the read to the rename (other processes may be adding entries too).
   */
  updateManifest(change: (manifest: Manifest) => void): Manifest {
    return withFileLock(path.join(this.root, MANIFEST_LOCK), () => {
      const target = path.join(this.root, MANIFEST_FILE);
      let manifest = this.readManifestFile();
      if (manifest === 'corrupt') {
        // Not ours to drop: kept beside the new manifest for a person to look at.
        fs.renameSync(target, path.join(this.root, `${MANIFEST_FILE}.unreadable-${Date.now()}`));
        manifest = { assets: [] };
      }
      change(manifest);
      // A fresh name, created exclusively: a file planted under a predictable name is never written through.
      const temporary = path.join(this.root, `.${MANIFEST_FILE}.${randomBytes(8).toString('hex')}.tmp`);
      fs.writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
      fs.renameSync(temporary, target);
      return manifest;
    });
  }
}

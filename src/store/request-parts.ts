/**
 * The large parts of recorded requests (instructions, tool specs), kept once per Spool home by
 * their sha256, so a rollout's `request` lines carry digests only (protocol/request-record.ts):
 *
 *   $SPOOL_HOME/requests/<sha256>.json   the part's JSON text, written once (temp file + rename)
 *
 * Nearly every session of one Spool version shares them, so they cost a few files in all. A part
 * that cannot be kept (a full disk) is only missing later from a replay's diff; it never stops a turn.
 */
import fs from 'node:fs';
import path from 'node:path';

function requestPartsDir(home: string): string {
  return path.join(home, 'requests');
}

function partPath(home: string, digest: string): string {
  return path.join(requestPartsDir(home), `${digest}.json`);
}

/** Keeps `text` under its digest unless it is there already. Returns false when it could not be written. */
export function keepRequestPart(home: string, digest: string, text: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(digest)) return false;
  const file = partPath(home, digest);
  if (fs.existsSync(file)) return true;
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    fs.rmSync(temp, { force: true });
    return false;
  }
}

/** The part kept under `digest`, or undefined when this home does not have it. */
export function readRequestPart(home: string, digest: string): string | undefined {
  if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
  try {
    return fs.readFileSync(partPath(home, digest), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * An incident corpus: one folder per case, each with a `case.toml` (docs/eval.md):
 *
 *   title, what_went_wrong, severity      the incident, for people and the judge
 *   repository                            a git bundle or a repository path (relative to the case folder)
 *   base, culprit                         two commits: before the change, and the change that caused it
 *   [[culprit_locations]] path, lines     where the culprit change went wrong: [start, end], 1-based
 *   [provenance]                          where the case comes from (free-form keys)
 *
 * and `recordings/` (the model exchanges of earlier runs, for `--offline`). A case that cannot be
 * read is a failed case in the report, never a reason to stop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';

const Line = z.number().int().min(1);

const CaseFile = z
  .object({
    title: z.string().min(1),
    what_went_wrong: z.string().min(1),
    severity: z.string().min(1),
    repository: z.string().min(1),
    base: z.string().min(1),
    culprit: z.string().min(1),
    culprit_locations: z
      .array(
        z.object({
          path: z.string().min(1),
          lines: z.tuple([Line, Line]).refine(([start, end]) => end >= start, 'lines: end is before start'),
        }),
      )
      .min(1),
    provenance: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export interface CulpritLocation {
  path: string;
  start: number;
  end: number;
}

export interface IncidentCase {
  id: string;
  dir: string;
  title: string;
  whatWentWrong: string;
  severity: string;
  /** Absolute: a bundle file or a repository directory. */
  repository: string;
  base: string;
  culprit: string;
  locations: CulpritLocation[];
  provenance: Record<string, unknown>;
}

/** A case folder that could not be read, and why. */
export interface UnreadableCase {
  id: string;
  dir: string;
  error: string;
}

export function readCase(dir: string): IncidentCase {
  const file = path.join(dir, 'case.toml');
  let raw: unknown;
  try {
    raw = parseToml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const parsed = CaseFile.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ')}`,
    );
  const c = parsed.data;
  const repository = path.resolve(dir, c.repository);
  if (!fs.existsSync(repository)) throw new Error(`${file}: repository ${c.repository} does not exist`);
  return {
    id: path.basename(dir),
    dir,
    title: c.title,
    whatWentWrong: c.what_went_wrong,
    severity: c.severity,
    repository,
    base: c.base,
    culprit: c.culprit,
    locations: c.culprit_locations.map((l) => ({ path: l.path, start: l.lines[0], end: l.lines[1] })),
    provenance: c.provenance ?? {},
  };
}

/** Every case folder of a corpus (folders with a case.toml), sorted by name. */
export function readCorpus(corpusDir: string): Array<IncidentCase | UnreadableCase> {
  if (!fs.statSync(corpusDir, { throwIfNoEntry: false })?.isDirectory())
    throw new Error(`${corpusDir} is not a directory`);
  return fs
    .readdirSync(corpusDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(corpusDir, entry.name, 'case.toml')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = path.join(corpusDir, name);
      try {
        return readCase(dir);
      } catch (err) {
        return { id: name, dir, error: (err as Error).message };
      }
    });
}

export function isReadable(c: IncidentCase | UnreadableCase): c is IncidentCase {
  return !('error' in c);
}

/**
 * What one test of a file makes and the next must not see: temporary directories (removed) and
 * servers such as the emulator (closed), after each test. Call once at a test file's top level.
 */
import fs from 'node:fs';
import { afterEach } from 'vitest';
import { tempDir } from './thread.js';

export function perTestScratch(): {
  /** A temporary directory, removed after the test. */
  dir(prefix: string): string;
  /** `path` (a file or a directory the test made elsewhere), removed after the test. */
  removeAfter(path: string): string;
  /** `resource`, closed after the test. */
  use<T extends { close(): Promise<unknown> }>(resource: T): T;
} {
  const dirs: string[] = [];
  const resources: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    for (const resource of resources.splice(0)) await resource.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir(prefix) {
      const made = tempDir(prefix);
      dirs.push(made);
      return made;
    },
    removeAfter(path) {
      dirs.push(path);
      return path;
    },
    use(resource) {
      resources.push(resource);
      return resource;
    },
  };
}

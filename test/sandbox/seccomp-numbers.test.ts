/**
 * The seccomp filter's system call numbers against an independent source: the kernel's own headers
 * on this machine (Debian's linux-libc-dev, installed by .ci/run), not Spool's table read back. A
 * wrong number in the table would deny some other call and let the dangerous one through.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYSCALLS } from '../../src/sandbox/linux/seccomp.js';

/** Where each architecture's numbers are defined (x86_64's own table; aarch64 uses the generic one). */
const HEADERS = {
  x86_64: ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/include/asm/unistd_64.h'],
  aarch64: ['/usr/include/asm-generic/unistd.h'],
} as const;

/** `#define __NR_name 123` lines of a header, as name → number. */
function kernelNumbers(candidates: readonly string[]): Map<string, number> {
  const file = candidates.find((candidate) => fs.existsSync(candidate));
  if (!file) throw new Error(`no kernel header at ${candidates.join(' or ')}: install linux-libc-dev`);
  const numbers = new Map<string, number>();
  for (const match of fs.readFileSync(file, 'utf8').matchAll(/^#define __NR_(\w+)\s+(\d+)\s*$/gm))
    numbers.set(match[1]!, Number(match[2]));
  return numbers;
}

describe('seccomp system call numbers', () => {
  for (const arch of ['x86_64', 'aarch64'] as const) {
    it(`match the kernel headers for ${arch}`, () => {
      const kernel = kernelNumbers(HEADERS[arch]);
      const ours = Object.entries(SYSCALLS[arch]) as Array<[string, number]>;
      expect(ours.length).toBeGreaterThan(20);
      for (const [name, number] of ours) expect({ name, number }).toEqual({ name, number: kernel.get(name) });
    });
  }
});

import { describe, expect, it } from 'vitest';
import {
  ALWAYS_DENIED,
  AUDIT_ARCH,
  buildSeccompProgram,
  CLONE_NEWUSER,
  decodeSeccompProgram,
  MODE_SYSCALLS,
  NETWORK_DENIED,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  type SeccompArch,
  SYSCALLS,
  seccompArchFor,
  seccompInstructions,
} from '../../src/sandbox/linux/seccomp.js';
import { runFilter } from './bpf.js';

const DENY = SECCOMP_RET_ERRNO | 1;
const ENOSYS = SECCOMP_RET_ERRNO | 38;
const AF_UNIX = 1n;
const AF_INET = 2n;
const AF_INET6 = 10n;
const AF_NETLINK = 16n;

function filter(arch: SeccompArch, networkAccess: boolean) {
  // Through the binary form, as bwrap reads it.
  const program = decodeSeccompProgram(buildSeccompProgram({ arch, networkAccess }));
  const nr = SYSCALLS[arch];
  return (name: keyof typeof nr | number, args: bigint[] = [], callArch = AUDIT_ARCH[arch]) =>
    runFilter(program, { nr: typeof name === 'number' ? name : nr[name], arch: callArch, args });
}

describe('seccomp program', () => {
  it('encodes 8 bytes per instruction, little-endian, and decodes back', () => {
    const instructions = seccompInstructions({ arch: 'x86_64', networkAccess: false });
    const bytes = buildSeccompProgram({ arch: 'x86_64', networkAccess: false });
    expect(bytes.length).toBe(instructions.length * 8);
    expect(decodeSeccompProgram(bytes)).toEqual(instructions);
    // The first instruction loads the arch field: BPF_LD|BPF_W|BPF_ABS (0x20), k = 4.
    expect([...bytes.subarray(0, 8)]).toEqual([0x20, 0, 0, 0, 4, 0, 0, 0]);
    // Every jump lands inside the program (the interpreter would throw otherwise).
    instructions.forEach((ins, pc) => {
      if ((ins.code & 0x07) === 0x05) {
        expect(pc + 1 + ins.jt).toBeLessThan(instructions.length);
        expect(pc + 1 + ins.jf).toBeLessThan(instructions.length);
      }
    });
  });

  it('maps Node architectures and refuses others', () => {
    expect(seccompArchFor('x64')).toBe('x86_64');
    expect(seccompArchFor('arm64')).toBe('aarch64');
    expect(seccompArchFor('ia32')).toBeUndefined();
    expect(() => decodeSeccompProgram(Buffer.alloc(9))).toThrow(/multiple of 8/);
  });

  for (const arch of ['x86_64', 'aarch64'] as const) {
    describe(arch, () => {
      it('kills a call made with another architecture', () => {
        const call = filter(arch, true);
        const other = arch === 'x86_64' ? AUDIT_ARCH.aarch64 : AUDIT_ARCH.x86_64;
        expect(call('ptrace', [], other)).toBe(SECCOMP_RET_KILL_PROCESS);
        expect(call('socket', [AF_INET], 0x40000003 /* AUDIT_ARCH_I386 */)).toBe(SECCOMP_RET_KILL_PROCESS);
      });

      it('always denies ptrace, io_uring, bpf and friends, network on or off', () => {
        for (const networkAccess of [true, false]) {
          const call = filter(arch, networkAccess);
          for (const name of ALWAYS_DENIED) expect(call(name), `${name}`).toBe(DENY);
        }
      });

      it('denies new user namespaces and answers clone3 with ENOSYS', () => {
        const call = filter(arch, true);
        expect(call('unshare', [BigInt(CLONE_NEWUSER)])).toBe(DENY);
        expect(call('clone', [BigInt(CLONE_NEWUSER | 0x11 /* SIGCHLD */)])).toBe(DENY);
        expect(call('clone', [0x1200011n /* fork: CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD */])).toBe(
          SECCOMP_RET_ALLOW,
        );
        expect(call('unshare', [0x20000n /* CLONE_NEWNS */])).toBe(SECCOMP_RET_ALLOW);
        expect(call('clone3')).toBe(ENOSYS);
      });

      it('refuses setuid and setgid modes to every call that sets or creates with a mode', () => {
        for (const networkAccess of [true, false]) {
          const call = filter(arch, networkAccess);
          for (const { name, nr, modeArg } of MODE_SYSCALLS[arch]) {
            const withMode = (mode: number) =>
              Array.from({ length: 6 }, (_, i) => (i === modeArg ? BigInt(mode) : 0n));
            for (const mode of [0o4755, 0o2755, 0o6777, 0o104755 /* S_IFREG|S_ISUID */])
              expect(call(nr, withMode(mode)), `${name} ${mode.toString(8)}`).toBe(DENY);
            for (const mode of [0o755, 0o644, 0o1777, 0o100644])
              expect(call(nr, withMode(mode)), `${name} ${mode.toString(8)}`).toBe(SECCOMP_RET_ALLOW);
          }
          expect(call(437 /* openat2 */)).toBe(ENOSYS);
        }
      });

      it('with the network on, allows sockets of every family', () => {
        const call = filter(arch, true);
        for (const family of [AF_UNIX, AF_INET, AF_INET6])
          expect(call('socket', [family, 1n, 0n])).toBe(SECCOMP_RET_ALLOW);
        for (const name of NETWORK_DENIED) expect(call(name)).toBe(SECCOMP_RET_ALLOW);
        expect(call('sendto', [3n, 0n, 0n, 0n, 0x7fff0000n, 16n])).toBe(SECCOMP_RET_ALLOW);
      });

      it('with the network off, allows only unix sockets and no way to reach one by name', () => {
        const call = filter(arch, false);
        expect(call('socket', [AF_UNIX, 1n, 0n])).toBe(SECCOMP_RET_ALLOW);
        expect(call('socketpair', [AF_UNIX, 1n, 0n])).toBe(SECCOMP_RET_ALLOW);
        for (const family of [AF_INET, AF_INET6, AF_NETLINK, 0n, AF_UNIX + (1n << 32n)]) {
          expect(call('socket', [family, 1n, 0n]), `family ${family}`).toBe(DENY);
          expect(call('socketpair', [family, 1n, 0n])).toBe(DENY);
        }
        for (const name of NETWORK_DENIED) expect(call(name), name).toBe(DENY);
        // send() on a connected socket (glibc: sendto with a NULL destination) still works.
        expect(call('sendto', [3n, 0x1000n, 10n, 0n, 0n, 0n])).toBe(SECCOMP_RET_ALLOW);
        expect(call('sendto', [3n, 0x1000n, 10n, 0n, 0x7ffd0000n, 110n])).toBe(DENY);
        expect(call('sendto', [3n, 0x1000n, 10n, 0n, 1n << 40n, 110n])).toBe(DENY);
      });

      it('allows ordinary system calls', () => {
        const call = filter(arch, false);
        for (const nr of [0, 1, 3, 56 + 1, 59, 60, 63, 200 + 50]) {
          const known = [
            ...(Object.values(SYSCALLS[arch]) as number[]),
            ...MODE_SYSCALLS[arch].map((c) => c.nr),
          ];
          if (known.includes(nr)) continue;
          expect(call(nr), `nr ${nr}`).toBe(SECCOMP_RET_ALLOW);
        }
      });
    });
  }

  it('refuses x32 system calls on x86_64', () => {
    const call = filter('x86_64', true);
    expect(call(0x40000000 + 101)).toBe(ENOSYS);
    expect(call(0x40000000)).toBe(ENOSYS);
  });
});

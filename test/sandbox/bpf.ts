/**
 * A classic-BPF interpreter for seccomp programs (the subset the kernel accepts for seccomp:
 * absolute word loads from seccomp_data, jumps, returns), to run the filter the sandbox installs
 * against synthetic system calls, as the kernel would.
 */
import type { SockFilter } from '../../src/sandbox/linux/seccomp.js';

export interface SyscallData {
  nr: number;
  arch: number;
  args?: bigint[];
}

function seccompData(call: SyscallData): Buffer {
  const data = Buffer.alloc(64);
  data.writeInt32LE(call.nr, 0);
  data.writeUInt32LE(call.arch >>> 0, 4);
  (call.args ?? []).forEach((arg, i) => {
    data.writeBigUInt64LE(BigInt.asUintN(64, arg), 16 + 8 * i);
  });
  return data;
}

/** The filter's return value for `call`. Throws on instructions seccomp would reject. */
export function runFilter(program: readonly SockFilter[], call: SyscallData): number {
  const data = seccompData(call);
  let acc = 0;
  let pc = 0;
  for (let steps = 0; steps < 10_000; steps++) {
    const ins = program[pc];
    if (!ins) throw new Error(`fell off the program at ${pc}`);
    switch (ins.code) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS
        if (ins.k % 4 !== 0 || ins.k + 4 > 64) throw new Error(`bad load offset ${ins.k}`);
        acc = data.readUInt32LE(ins.k);
        pc++;
        break;
      case 0x15: // JEQ K
        pc += 1 + (acc === ins.k >>> 0 ? ins.jt : ins.jf);
        break;
      case 0x35: // JGE K
        pc += 1 + (acc >>> 0 >= ins.k >>> 0 ? ins.jt : ins.jf);
        break;
      case 0x45: // JSET K
        pc += 1 + ((acc & ins.k) >>> 0 !== 0 ? ins.jt : ins.jf);
        break;
      case 0x06: // RET K
        return ins.k >>> 0;
      default:
        throw new Error(`unsupported opcode 0x${ins.code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('no return');
}

/**
 * The seccomp filter every Linux sandbox installs (through `bwrap --seccomp FD`), built here as a
 * classic BPF program: an array of `struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }`,
 * little-endian, evaluated by the kernel against `struct seccomp_data` for every system call.
 *
 * Always denied (EPERM): ptrace, process_vm_readv/writev, io_uring, bpf, perf_event_open,
 * userfaultfd, kexec and the kernel keyring calls; a new user namespace (`clone`/`unshare` with
 * CLONE_NEWUSER; `clone3`, whose flags sit in memory the filter cannot read, answers ENOSYS so
 * libc falls back to `clone`), which would hand the command a fresh set of capabilities inside
 * it. No setuid or setgid bit can be set (EPERM): `chmod`, `fchmod`, `fchmodat`, `fchmodat2`, and
 * the creating calls `open`, `openat`, `creat`, `mknod(at)` and `mkdir(at)`, are refused when their
 * mode carries S_ISUID or S_ISGID — files a command creates in a writable root belong to host root
 * when Spool runs as root, and a setuid-root file left there would give root to whoever runs it
 * later (`openat2`, whose mode sits in memory the filter cannot read, answers ENOSYS). File
 * capabilities need CAP_SETFCAP, which no sandbox holds. A call made with another architecture's
 * calling convention (i386 `int 0x80` on x86_64) kills the process, and x32 system calls are
 * refused, so no numbering can slip past the table.
 *
 * With the network off, on top of `--unshare-net` (which leaves only a private loopback):
 * `socket`/`socketpair` only for AF_UNIX; `connect`, `bind`, `listen`, `accept`, `accept4`,
 * `sendmsg` and `sendmmsg` denied outright; `sendto` only without a destination address (glibc's
 * `send()`). A unix socket file visible in the filesystem (a docker or ssh-agent socket) lives
 * outside any network namespace, so without these rules it would stay reachable: connecting needs
 * `connect`, and reaching a datagram socket needs a destination in `sendto`/`sendmsg`. What remains
 * is what pipes and `socketpair` give (the shells and build tools that talk to their own children).
 * Pure: no I/O.
 */

export type SeccompArch = 'x86_64' | 'aarch64';

/** `AUDIT_ARCH_*` values (EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE). */
export const AUDIT_ARCH: Record<SeccompArch, number> = {
  x86_64: 0xc000003e,
  aarch64: 0xc00000b7,
};

/** System call numbers the filter names, per architecture (asm/unistd_64.h, asm-generic/unistd.h). */
export const SYSCALLS = {
  x86_64: {
    socket: 41,
    clone: 56,
    unshare: 272,
    clone3: 435,
    connect: 42,
    accept: 43,
    sendto: 44,
    sendmsg: 46,
    bind: 49,
    listen: 50,
    socketpair: 53,
    ptrace: 101,
    kexec_load: 246,
    add_key: 248,
    request_key: 249,
    keyctl: 250,
    accept4: 288,
    perf_event_open: 298,
    sendmmsg: 307,
    process_vm_readv: 310,
    process_vm_writev: 311,
    kexec_file_load: 320,
    bpf: 321,
    userfaultfd: 323,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
  },
  aarch64: {
    socket: 198,
    clone: 220,
    unshare: 97,
    clone3: 435,
    connect: 203,
    accept: 202,
    sendto: 206,
    sendmsg: 211,
    bind: 200,
    listen: 201,
    socketpair: 199,
    ptrace: 117,
    kexec_load: 104,
    add_key: 217,
    request_key: 218,
    keyctl: 219,
    accept4: 242,
    perf_event_open: 241,
    sendmmsg: 269,
    process_vm_readv: 270,
    process_vm_writev: 271,
    kexec_file_load: 294,
    bpf: 280,
    userfaultfd: 282,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
  },
} as const satisfies Record<SeccompArch, Record<string, number>>;

type SyscallName = keyof (typeof SYSCALLS)['x86_64'];

/** Calls that take a file mode, and which argument holds it (aarch64 has only the `*at` forms). */
export const MODE_SYSCALLS: Record<
  SeccompArch,
  ReadonlyArray<{ name: string; nr: number; modeArg: number }>
> = {
  x86_64: [
    { name: 'open', nr: 2, modeArg: 2 },
    { name: 'creat', nr: 85, modeArg: 1 },
    { name: 'openat', nr: 257, modeArg: 3 },
    { name: 'chmod', nr: 90, modeArg: 1 },
    { name: 'fchmod', nr: 91, modeArg: 1 },
    { name: 'fchmodat', nr: 268, modeArg: 2 },
    { name: 'fchmodat2', nr: 452, modeArg: 2 },
    { name: 'mknod', nr: 133, modeArg: 1 },
    { name: 'mknodat', nr: 259, modeArg: 2 },
    { name: 'mkdir', nr: 83, modeArg: 1 },
    { name: 'mkdirat', nr: 258, modeArg: 2 },
  ],
  aarch64: [
    { name: 'openat', nr: 56, modeArg: 3 },
    { name: 'fchmod', nr: 52, modeArg: 1 },
    { name: 'fchmodat', nr: 53, modeArg: 2 },
    { name: 'fchmodat2', nr: 452, modeArg: 2 },
    { name: 'mknodat', nr: 33, modeArg: 2 },
    { name: 'mkdirat', nr: 34, modeArg: 2 },
  ],
};

/** `openat2(dfd, path, struct open_how *, size)`: its mode cannot be read by the filter. */
const OPENAT2 = 437;

/** S_ISUID | S_ISGID. */
const SETID_BITS = 0o6000;

/** Denied in every sandbox: debugging other processes, kernel attack surface, the keyring. */
export const ALWAYS_DENIED: readonly SyscallName[] = [
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'kexec_load',
  'kexec_file_load',
  'add_key',
  'request_key',
  'keyctl',
];

/** Denied outright when the network is off. */
export const NETWORK_DENIED: readonly SyscallName[] = [
  'connect',
  'bind',
  'listen',
  'accept',
  'accept4',
  'sendmsg',
  'sendmmsg',
];

const AF_UNIX = 1;
export const CLONE_NEWUSER = 0x10000000;
const EPERM = 1;
const ENOSYS = 38;
/** Set in x32 system call numbers on x86_64. */
const X32_SYSCALL_BIT = 0x40000000;

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

/** Classic BPF opcodes used here. */
const BPF = {
  LD_W_ABS: 0x20,
  JEQ_K: 0x15,
  JGE_K: 0x35,
  JSET_K: 0x45,
  RET_K: 0x06,
} as const;

/** Offsets into `struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; }`. */
const SECCOMP_DATA = {
  nr: 0,
  arch: 4,
  argLow: (i: number) => 16 + 8 * i,
  argHigh: (i: number) => 20 + 8 * i,
} as const;

export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

interface SeccompOptions {
  arch: SeccompArch;
  /** False: add the network rules above. */
  networkAccess: boolean;
}

/** The architecture of this Node process, when the filter supports it. */
export function seccompArchFor(nodeArch: string): SeccompArch | undefined {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  return undefined;
}

/** An instruction, or a conditional jump to named labels (resolved to offsets at assembly). */
type Step =
  | { op: 'ins'; ins: SockFilter }
  | { op: 'jump'; code: number; k: number; onTrue: string; onFalse: string }
  | { op: 'label'; name: string };

class Program {
  readonly steps: Step[] = [];
  load(offset: number): this {
    this.steps.push({ op: 'ins', ins: { code: BPF.LD_W_ABS, jt: 0, jf: 0, k: offset } });
    return this;
  }
  ret(value: number): this {
    this.steps.push({ op: 'ins', ins: { code: BPF.RET_K, jt: 0, jf: 0, k: value >>> 0 } });
    return this;
  }
  jump(code: number, k: number, onTrue: string, onFalse: string): this {
    this.steps.push({ op: 'jump', code, k: k >>> 0, onTrue, onFalse });
    return this;
  }
  label(name: string): this {
    this.steps.push({ op: 'label', name });
    return this;
  }
  assemble(): SockFilter[] {
    const at = new Map<string, number>();
    let count = 0;
    for (const step of this.steps) {
      if (step.op === 'label') at.set(step.name, count);
      else count++;
    }
    const out: SockFilter[] = [];
    for (const step of this.steps) {
      if (step.op === 'label') continue;
      if (step.op === 'ins') {
        out.push(step.ins);
        continue;
      }
      const here = out.length;
      const offset = (name: string): number => {
        if (name === 'next') return 0;
        const target = at.get(name);
        if (target === undefined) throw new Error(`seccomp: unknown label ${name}`);
        const delta = target - here - 1;
        // Jump offsets are u8 and forward only.
        if (delta < 0 || delta > 255) throw new Error(`seccomp: jump to ${name} out of range`);
        return delta;
      };
      out.push({ code: step.code, jt: offset(step.onTrue), jf: offset(step.onFalse), k: step.k });
    }
    return out;
  }
}

/** The filter as instructions (for inspection and tests). */
export function seccompInstructions(options: SeccompOptions): SockFilter[] {
  const numbers = SYSCALLS[options.arch];
  const p = new Program();
  p.load(SECCOMP_DATA.arch).jump(BPF.JEQ_K, AUDIT_ARCH[options.arch], 'next', 'kill');
  p.load(SECCOMP_DATA.nr);
  if (options.arch === 'x86_64') p.jump(BPF.JGE_K, X32_SYSCALL_BIT, 'enosys', 'next');
  for (const name of ALWAYS_DENIED) p.jump(BPF.JEQ_K, numbers[name], 'deny', 'next');
  p.jump(BPF.JEQ_K, numbers.clone3, 'enosys', 'next');
  p.jump(BPF.JEQ_K, OPENAT2, 'enosys', 'next');
  const modeArgs = new Set<number>();
  for (const call of MODE_SYSCALLS[options.arch]) {
    p.jump(BPF.JEQ_K, call.nr, `mode_arg${call.modeArg}`, 'next');
    modeArgs.add(call.modeArg);
  }
  p.jump(BPF.JEQ_K, numbers.clone, 'no_new_user', 'next');
  p.jump(BPF.JEQ_K, numbers.unshare, 'no_new_user', 'next');
  if (!options.networkAccess) {
    for (const name of NETWORK_DENIED) p.jump(BPF.JEQ_K, numbers[name], 'deny', 'next');
    p.jump(BPF.JEQ_K, numbers.socket, 'unix_only', 'next');
    p.jump(BPF.JEQ_K, numbers.socketpair, 'unix_only', 'next');
    p.jump(BPF.JEQ_K, numbers.sendto, 'no_destination', 'next');
  }
  p.ret(SECCOMP_RET_ALLOW);
  // clone(flags, …) and unshare(flags): no CLONE_NEWUSER (flags fit in the low word).
  p.label('no_new_user').load(SECCOMP_DATA.argLow(0)).jump(BPF.JSET_K, CLONE_NEWUSER, 'deny', 'allow');
  // A mode (in the low word) with S_ISUID or S_ISGID.
  for (const arg of [...modeArgs].sort())
    p.label(`mode_arg${arg}`).load(SECCOMP_DATA.argLow(arg)).jump(BPF.JSET_K, SETID_BITS, 'deny', 'allow');
  if (!options.networkAccess) {
    // socket(domain, …): the whole 64-bit argument must equal AF_UNIX.
    p.label('unix_only')
      .load(SECCOMP_DATA.argLow(0))
      .jump(BPF.JEQ_K, AF_UNIX, 'next', 'deny')
      .load(SECCOMP_DATA.argHigh(0))
      .jump(BPF.JEQ_K, 0, 'allow', 'deny');
    // sendto(fd, buf, len, flags, dest_addr, addrlen): dest_addr must be NULL.
    p.label('no_destination')
      .load(SECCOMP_DATA.argLow(4))
      .jump(BPF.JEQ_K, 0, 'next', 'deny')
      .load(SECCOMP_DATA.argHigh(4))
      .jump(BPF.JEQ_K, 0, 'allow', 'deny');
  }
  p.label('allow').ret(SECCOMP_RET_ALLOW);
  p.label('deny').ret(SECCOMP_RET_ERRNO | EPERM);
  p.label('enosys').ret(SECCOMP_RET_ERRNO | ENOSYS);
  p.label('kill').ret(SECCOMP_RET_KILL_PROCESS);
  return p.assemble();
}

/** The filter in the binary form `bwrap --seccomp` reads (8 bytes per instruction). */
function encodeSeccompProgram(instructions: readonly SockFilter[]): Buffer {
  const out = Buffer.alloc(instructions.length * 8);
  instructions.forEach((ins, i) => {
    out.writeUInt16LE(ins.code, i * 8);
    out.writeUInt8(ins.jt, i * 8 + 2);
    out.writeUInt8(ins.jf, i * 8 + 3);
    out.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return out;
}

export function decodeSeccompProgram(bytes: Buffer): SockFilter[] {
  if (bytes.length % 8 !== 0) throw new Error('seccomp program length is not a multiple of 8');
  const out: SockFilter[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    out.push({
      code: bytes.readUInt16LE(at),
      jt: bytes.readUInt8(at + 2),
      jf: bytes.readUInt8(at + 3),
      k: bytes.readUInt32LE(at + 4),
    });
  }
  return out;
}

export function buildSeccompProgram(options: SeccompOptions): Buffer {
  return encodeSeccompProgram(seccompInstructions(options));
}

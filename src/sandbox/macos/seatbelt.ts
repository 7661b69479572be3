/**
 * The macOS Seatbelt profile for one sandboxed command, run by `/usr/bin/sandbox-exec -p PROFILE
 * -D NAME=VALUE … -- command`. Pure.
 *
 * Deny by default; allow process creation, signals within the sandbox, reading every file, the
 * sysctls, device files and system services ordinary command-line tools need; allow writes only
 * under the writable roots, minus the protected paths inside them (`.git`, `.spool`, `.agents`, a
 * `gitdir:` target, the Spool home — whether they exist or not, since Seatbelt matches paths, not
 * files); allow the network only when the policy does (unix sockets included: with the network
 * off, a socket file in the filesystem is not reachable either).
 *
 * Paths never appear in the profile text: each is a parameter (`(param "WRITABLE_ROOT_0")`), so no
 * path can change the profile's meaning whatever characters it holds.
 */

interface SeatbeltPolicy {
  /** Per writable root (absolute, physical): the paths inside it that stay read-only. */
  writableRoots: ReadonlyArray<{ root: string; excluded: readonly string[] }>;
  networkAccess: boolean;
  /** Directories nothing in the sandbox may read (the Spool home). */
  unreadable?: readonly string[];
}

interface SeatbeltProfile {
  profile: string;
  /** `-D` parameters, in order. */
  params: Array<[name: string, value: string]>;
}

export const SANDBOX_EXEC = '/usr/bin/sandbox-exec';

const BASE = `(version 1)
(deny default)

; Processes: run and fork programs; signal and inspect only processes of this sandbox.
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))

; Reading is not restricted.
(allow file-read*)

; Device files every shell uses.
(allow file-write-data
  (require-all
    (vnode-type CHARACTER-DEVICE)
    (literal "/dev/null" "/dev/zero" "/dev/dtracehelper" "/dev/tty" "/dev/stdout" "/dev/stderr")))
(allow file-ioctl (literal "/dev/dtracehelper" "/dev/tty"))
(allow pseudo-tty)

; System information and services ordinary tools ask for.
(allow sysctl-read)
(allow mach-lookup
  (global-name "com.apple.system.opendirectoryd.libinfo")
  (global-name "com.apple.system.logger")
  (global-name "com.apple.system.notification_center")
  (global-name "com.apple.bsd.dirhelper")
  (global-name "com.apple.SecurityServer")
  (global-name "com.apple.trustd.agent")
  (global-name "com.apple.coreservices.launchservicesd")
  (global-name "com.apple.CoreServices.coreservicesd")
  (global-name "com.apple.logd")
  (global-name "com.apple.diagnosticd"))
(allow ipc-posix-sem)
(allow ipc-posix-shm-read-data (ipc-posix-name "apple.shm.notification_center"))
(allow user-preference-read)
`;

const NETWORK = `
; Network: on.
(allow network-outbound)
(allow network-inbound)
(allow network-bind)
(allow system-socket)
`;

function param(name: string): string {
  return `(param "${name}")`;
}

export function buildSeatbeltProfile(policy: SeatbeltPolicy): SeatbeltProfile {
  const params: Array<[string, string]> = [];
  const rules: string[] = [];
  policy.writableRoots.forEach(({ root, excluded }, i) => {
    const rootName = `WRITABLE_ROOT_${i}`;
    params.push([rootName, root]);
    const parts = [`(subpath ${param(rootName)})`];
    excluded.forEach((p, j) => {
      const name = `WRITABLE_ROOT_${i}_RO_${j}`;
      params.push([name, p]);
      parts.push(`(require-not (subpath ${param(name)}))`);
    });
    rules.push(parts.length === 1 ? `  ${parts[0]}` : `  (require-all\n    ${parts.join('\n    ')})`);
  });
  let profile = BASE;
  const hidden = (policy.unreadable ?? []).map((p, i) => {
    params.push([`UNREADABLE_${i}`, p]);
    return `  (subpath ${param(`UNREADABLE_${i}`)})`;
  });
  if (hidden.length > 0)
    profile += `\n; Never read: Spool's home.\n(deny file-read*\n${hidden.join('\n')})\n`;
  if (rules.length > 0)
    profile += `\n; Writes: the writable roots, minus protected paths.\n(allow file-write*\n${rules.join('\n')})\n`;
  if (policy.networkAccess) profile += NETWORK;
  return { profile, params };
}

/** The sandbox-exec argument list (without the command's own check wrapper). */
export function seatbeltArgv(profile: SeatbeltProfile, command: readonly string[]): string[] {
  return [
    SANDBOX_EXEC,
    '-p',
    profile.profile,
    ...profile.params.map(([name, value]) => `-D${name}=${value}`),
    '--',
    ...command,
  ];
}

/**
 * The first thing that runs inside every sandbox, before the command: a POSIX sh script run as
 * `sh -c SCRIPT spool-sandbox COMMAND…`. On Linux it verifies from inside that every capability
 * set is empty and the seccomp filter is active, and refuses to start the command otherwise. It
 * reports over a status descriptor (never over the command's output), closes it, and execs the
 * command, so the command is the process the sandbox watches. Pure.
 */

/** What the check writes to the status descriptor. */
export const STATUS = {
  /** Set up and verified; the command is about to be exec'd. */
  ready: 'ready',
  /** Prefix: a capability set was not empty (`caps CapEff: 0000…`). */
  capabilities: 'caps',
  /** Prefix: the seccomp filter was not active (`seccomp 0`). */
  seccomp: 'seccomp',
  /** The program was not found inside the sandbox. */
  notFound: 'notfound',
} as const;

/** Exit status of the check when it refuses to run the command. */
export const CHECK_FAILED_EXIT = 125;
export const NOT_FOUND_EXIT = 127;

/** The /proc/self/status lines the Linux check reads, in the kernel's order. */
const EXPECTED_LINES = 'CapInh:CapPrm:CapEff:CapBnd:CapAmb:Seccomp:';

interface CheckOptions {
  /** The descriptor to report on. */
  statusFd: number;
  /** Linux: require empty capability sets and an active seccomp filter (from /proc/self/status). */
  verifyLinux: boolean;
}

export function sandboxCheckScript(options: CheckOptions): string {
  const fd = String(options.statusFd);
  const lines: string[] = [];
  if (options.verifyLinux) {
    lines.push(
      'seen=',
      'while read -r k v; do',
      '  case "$k" in',
      '    CapInh:|CapPrm:|CapEff:|CapBnd:|CapAmb:)',
      `      case "$v" in *[!0]*) printf '${STATUS.capabilities} %s %s\\n' "$k" "$v" >&${fd}; exit ${CHECK_FAILED_EXIT};; esac`,
      '      seen="$seen$k";;',
      `    Seccomp:) [ "$v" = 2 ] || { printf '${STATUS.seccomp} %s\\n' "$v" >&${fd}; exit ${CHECK_FAILED_EXIT}; }`,
      '      seen="$seen$k";;',
      '  esac',
      'done < /proc/self/status',
      // Every line must have been seen: a missing line is not an empty set.
      `[ "$seen" = "${EXPECTED_LINES}" ] || { printf '${STATUS.capabilities} unreadable\\n' >&${fd}; exit ${CHECK_FAILED_EXIT}; }`,
    );
  }
  lines.push(
    `command -v -- "$1" >/dev/null 2>&1 || { printf '${STATUS.notFound}\\n' >&${fd}; exit ${NOT_FOUND_EXIT}; }`,
    `printf '${STATUS.ready}\\n' >&${fd}`,
    `exec "$@" ${fd}>&-`,
  );
  return lines.join('\n');
}

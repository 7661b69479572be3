/**
 * Did a sandboxed command fail because of the sandbox? `on-failure` (and `untrusted`) then offer
 * to re-run it outside. The sandbox makes the kernel refuse (EROFS, EPERM, EACCES, ENETUNREACH,
 * a denied socket), and programs report those refusals in words; a non-zero exit whose output
 * carries one of them counts, as does death by SIGSYS. A false positive costs a question; a false
 * negative leaves the failure with the model, which can ask for escalation under on-request. Pure.
 */

const DENIAL_PATTERNS: readonly RegExp[] = [
  /read-only file system/i,
  /operation not permitted/i,
  /permission denied/i,
  /\bE(ROFS|PERM|ACCES)\b/,
  /network is unreachable/i,
  /temporary failure in name resolution/i,
  /could not resolve host/i,
  /name or service not known/i,
  /getaddrinfo/i,
  /failed to (establish|open) a (new )?(connection|socket)/i,
  /address family not supported/i,
];

/** Exit statuses that mean something else: command not found, not executable by usage. */
const NOT_DENIAL_EXITS = new Set([0, 127]);

export function looksLikeSandboxDenial(result: {
  exitCode: number;
  signal: NodeJS.Signals | null;
  outputText: string;
}): boolean {
  if (result.signal === 'SIGSYS' || result.exitCode === 128 + 31) return true;
  if (NOT_DENIAL_EXITS.has(result.exitCode)) return false;
  return DENIAL_PATTERNS.some((pattern) => pattern.test(result.outputText));
}

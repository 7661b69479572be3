/**
 * When the sandbox cannot be set up, nothing runs: the command is refused (never run without the
 * sandbox instead), and the model and the user are told what is missing, how to fix it, and how
 * to turn the sandbox off knowingly. Pure.
 */
export type UnavailableReason =
  | 'bwrap-missing'
  | 'bwrap-untrusted'
  | 'bwrap-too-old'
  | 'user-namespaces'
  | 'capabilities'
  | 'seccomp'
  | 'unsupported-platform'
  | 'unsupported-arch'
  | 'sandbox-exec-missing'
  | 'setup-failed';

export interface SandboxUnavailable {
  reason: UnavailableReason;
  /** What the platform said (bwrap's error, the capability line, …), if anything. */
  detail?: string;
}

const OPT_OUT =
  'Or, knowingly, run without any sandbox: restart with `--sandbox danger-full-access` (commands then run with ' +
  "all of the user's own permissions, network included; only do this in a disposable environment).";

function describeUnavailable(unavailable: SandboxUnavailable): { what: string; fix: string } {
  switch (unavailable.reason) {
    case 'bwrap-missing':
      return {
        what: 'bubblewrap (`bwrap`) is not installed',
        fix:
          'Install it: `sudo apt-get install bubblewrap` (Debian, Ubuntu), `sudo dnf install bubblewrap` (Fedora), ' +
          '`sudo pacman -S bubblewrap` (Arch), `apk add bubblewrap` (Alpine).',
      };
    case 'bwrap-untrusted':
      return {
        what: 'the only bubblewrap found is in a place a sandboxed command or another user could change, so it cannot be trusted',
        fix: 'Install bubblewrap from your distribution (it goes to /usr/bin, owned by root); Spool never looks bwrap up through PATH.',
      };
    case 'bwrap-too-old':
      return {
        what: 'the installed bubblewrap is too old for the options Spool needs',
        fix: 'Install a newer bubblewrap (0.4 or later) from your distribution.',
      };
    case 'user-namespaces':
      return {
        what: 'unprivileged user namespaces are not available, so bubblewrap cannot create its sandbox',
        fix:
          'Allow them: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (Debian), ' +
          '`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu 24.04 and later) or ' +
          '`sudo sysctl -w user.max_user_namespaces=15000`; in a container, run it with user namespaces ' +
          'permitted (for Docker, a seccomp profile that allows `unshare`/`clone` of user namespaces).',
      };
    case 'capabilities':
      return {
        what: 'the sandbox started, but its processes still held Linux capabilities, so it would not hold',
        fix: 'Check that the kernel supports user namespaces and that `bwrap --cap-drop ALL` works for this user.',
      };
    case 'seccomp':
      return {
        what: 'the sandbox started, but its seccomp filter was not active, so network and ptrace rules would not hold',
        fix: 'Use a kernel with seccomp filters (CONFIG_SECCOMP_FILTER) and a bubblewrap that supports `--seccomp`.',
      };
    case 'unsupported-platform':
      return {
        what: `Spool has no sandbox for this platform (${unavailable.detail ?? 'unknown'})`,
        fix: 'Sandboxed commands are supported on Linux (bubblewrap) and macOS (Seatbelt).',
      };
    case 'unsupported-arch':
      return {
        what: `Spool's seccomp filter does not know this CPU architecture (${unavailable.detail ?? 'unknown'})`,
        fix: 'Sandboxed commands are supported on x86_64 and aarch64 Linux.',
      };
    case 'sandbox-exec-missing':
      return {
        what: '`/usr/bin/sandbox-exec` (macOS Seatbelt) is not available',
        fix: 'It ships with macOS; check that /usr/bin/sandbox-exec exists and is executable.',
      };
    case 'setup-failed':
      return {
        what: 'bubblewrap could not set up the sandbox',
        fix: 'Check that `bwrap --unshare-user --ro-bind / / true` works for this user.',
      };
  }
}

/** The text the model gets (and the user sees on the refused command). */
export function sandboxUnavailableMessage(unavailable: SandboxUnavailable, command: string): string {
  const { what, fix } = describeUnavailable(unavailable);
  const detail = unavailable.detail?.trim();
  const said =
    detail && unavailable.reason !== 'unsupported-platform' && unavailable.reason !== 'unsupported-arch'
      ? `\nThe platform said: ${detail}`
      : '';
  return (
    `Command not run: ${command}\n` +
    `The sandbox could not be set up: ${what}.${said}\n` +
    `Nothing was run: Spool does not fall back to running commands without the sandbox.\n` +
    `To fix it: ${fix}\n${OPT_OUT}\n` +
    'Do not retry commands until the user has fixed this; tell the user what is needed.'
  );
}

/** Classifies bwrap's own error output (it ran, but the sandbox never started). Pure. */
export function classifyBwrapFailure(output: string): SandboxUnavailable {
  const detail = output.trim().split('\n').slice(-3).join('\n');
  if (/unrecognized option|unknown option/i.test(output)) return { reason: 'bwrap-too-old', detail };
  if (
    /user namespace|setting up uid map|No permissions to creat|Creating new namespace failed|unshare.*(not permitted|denied)|clone.*(not permitted|denied)/i.test(
      output,
    )
  )
    return { reason: 'user-namespaces', detail };
  if (/seccomp/i.test(output)) return { reason: 'seccomp', detail };
  return { reason: 'setup-failed', detail };
}

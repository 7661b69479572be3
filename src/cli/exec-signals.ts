/**
 * How `spool exec` ends on Ctrl-C or a job runner's SIGTERM: the first signal stops the run cleanly
 * (commands killed, the log flushed) and the process exits 130 / 143; a second signal exits at once;
 * and a clean stop that hangs (a tool stuck in a system call) cannot keep Spool alive past
 * STOP_GRACE_MS.
 */
import { EXIT } from './exit-codes.js';

const STOP_GRACE_MS = 5_000;

type StopSignal = 'SIGINT' | 'SIGTERM';

export function exitCodeFor(signal: StopSignal): number {
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

/** Listens on `signals` (the process, or a test's emitter) until `dispose`; `stop` stops the run. */
export function stopOnSignals(
  signals: NodeJS.EventEmitter,
  stop: () => void,
): { stoppedBy(): StopSignal | undefined; dispose(): void } {
  let interrupts = 0;
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal) => () => {
    interrupts++;
    stoppedBy ??= signal;
    if (interrupts > 1) process.exit(exitCodeFor(signal));
    if (signals === process) setTimeout(() => process.exit(exitCodeFor(signal)), STOP_GRACE_MS).unref();
    stop();
  };
  const onSigint = onSignal('SIGINT');
  const onSigterm = onSignal('SIGTERM');
  signals.on('SIGINT', onSigint);
  signals.on('SIGTERM', onSigterm);
  return {
    stoppedBy: () => stoppedBy,
    dispose() {
      signals.off('SIGINT', onSigint);
      signals.off('SIGTERM', onSigterm);
    },
  };
}

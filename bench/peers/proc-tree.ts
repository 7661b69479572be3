/**
 * Peak resident memory of a process tree, sampled from /proc (Linux).
 *
 * Each tick walks the tree from the root through `/proc/<pid>/task/<tid>/children` (children hang
 * off the thread that forked them, so every thread is read) and sums `VmRSS`. The peak is the
 * largest sum seen, but never less than the largest `VmHWM` (the kernel's own per-process peak) of
 * any process in the tree, so a spike of the main process between two ticks still counts.
 *
 * A child caught between fork and exec still maps its parent's pages (its RSS counts them again), so
 * a child whose command line is still its parent's is left out of the sum until it has exec'd.
 */
import { readdirSync, readFileSync } from 'node:fs';

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    // The process (or thread) exited between listing and reading it: it holds no memory now.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH')
      return undefined;
    throw err;
  }
}

function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch (err) {
    // A process that exits while it is read: ENOENT, or ESRCH once its task list is gone.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return [];
    throw err;
  }
  const out: number[] = [];
  for (const tid of tasks) {
    const text = readText(`/proc/${pid}/task/${tid}/children`);
    if (!text) continue;
    for (const word of text.split(' ')) if (word.trim() !== '') out.push(Number(word));
  }
  return out;
}

/** `VmRSS` and `VmHWM` of one process, in kB, or undefined once it is gone. */
function memoryOf(pid: number): { rssKb: number; hwmKb: number } | undefined {
  const status = readText(`/proc/${pid}/status`);
  if (!status) return undefined;
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

export interface TreeMemory {
  /** max(largest summed VmRSS of the tree seen at a tick, largest VmHWM of any one process). */
  peakKb: number;
  /** The root process's own VmHWM as last seen. */
  rootHwmKb: number;
  samples: number;
}

export class TreeSampler {
  private peakSumKb = 0;
  private peakHwmKb = 0;
  private rootHwmKb = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly root: number,
    intervalMs = 10,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    let sum = 0;
    const pending: Array<{ pid: number; parentCmdline?: string }> = [{ pid: this.root }];
    const seen = new Set<number>();
    while (pending.length > 0) {
      const { pid, parentCmdline } = pending.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const cmdline = readText(`/proc/${pid}/cmdline`);
      if (cmdline === undefined || cmdline === parentCmdline) continue;
      const memory = memoryOf(pid);
      if (!memory) continue;
      sum += memory.rssKb;
      this.peakHwmKb = Math.max(this.peakHwmKb, memory.hwmKb);
      if (pid === this.root) this.rootHwmKb = Math.max(this.rootHwmKb, memory.hwmKb);
      for (const child of childrenOf(pid)) pending.push({ pid: child, parentCmdline: cmdline });
    }
    this.peakSumKb = Math.max(this.peakSumKb, sum);
    this.samples++;
  }

  stop(): TreeMemory {
    clearInterval(this.timer);
    return {
      peakKb: Math.max(this.peakSumKb, this.peakHwmKb),
      rootHwmKb: this.rootHwmKb,
      samples: this.samples,
    };
  }
}

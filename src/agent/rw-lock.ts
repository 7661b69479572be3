/**
 * A fair read/write lock for tool calls: parallel-safe tools share it, the others hold it alone.
 * Waiters are served in arrival order, so a writer is never starved and calls start in call order.
 */
type Waiter = { write: boolean; grant: () => void };

export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];

  read(): Promise<() => void> {
    return this.acquire(false);
  }

  write(): Promise<() => void> {
    return this.acquire(true);
  }

  private acquire(write: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      this.queue.push({ write, grant: () => resolve(this.releaser(write)) });
      this.drain();
    });
  }

  private releaser(write: boolean): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (write) this.writer = false;
      else this.readers--;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (next.write) {
        if (this.writer || this.readers > 0) return;
        this.writer = true;
      } else {
        if (this.writer) return;
        this.readers++;
      }
      this.queue.shift();
      next.grant();
    }
  }
}

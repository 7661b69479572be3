/**
 * A job's one result: stored in Redis with SET NX (the first run to finish wins; any later run of
 * the same job gets that result back), and written to the results directory as `<id>.json`, created
 * exclusively, so neither store ever holds two results for one job id.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { JobResult } from './job.js';
import type { FleetKeys } from './keys.js';

export class ResultStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly dir?: string,
  ) {}

  async get(jobId: string): Promise<JobResult | undefined> {
    const text = await this.redis.get(this.keys.result(jobId));
    return text === null ? undefined : JobResult.parse(JSON.parse(text));
  }

  /** Stores `result` unless the job has one already; returns the job's result either way. */
  async store(result: JobResult): Promise<JobResult> {
    const key = this.keys.result(result.job_id);
    const stored = await this.redis.set(key, JSON.stringify(result), 'NX');
    const kept = stored === 'OK' ? result : ((await this.get(result.job_id)) ?? result);
    if (this.dir) this.writeFile(kept);
    return kept;
  }

  private writeFile(result: JobResult): void {
    fs.mkdirSync(this.dir as string, { recursive: true });
    const file = path.join(this.dir as string, `${result.job_id}.json`);
    try {
      fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      // Written already (by an earlier run of this job that lost its claim afterwards): keep that one.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

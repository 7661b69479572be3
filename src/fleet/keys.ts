/**
 * Redis keys the fleet keeps beside BullMQ's own (which live under `<prefix>:<queue>:…`). Ours are
 * under `<prefix>:<queue>:spool:…`, so one prefix and queue name hold everything of one fleet.
 */
export interface FleetKeys {
  /** Hash: a job's checkpoint (owner, session id, rollout path, bytes, worktree patch, result). */
  checkpoint(jobId: string): string;
  /** List: the job's rollout, in chunks of complete lines. */
  rollout(jobId: string): string;
  /** String: the job's one result (JSON), written once. */
  result(jobId: string): string;
  /** String: present while a cancellation of the job is requested. */
  cancel(jobId: string): string;
  /** Sorted set: a provider's recent requests (the fleet-wide requests-per-minute cap). */
  providerWindow(provider: string): string;
  /** String with a TTL: a provider is paused (a 429 with Retry-After) until it expires. */
  providerPause(provider: string): string;
}

export function fleetKeys(prefix: string, queue: string): FleetKeys {
  const base = `${prefix}:${queue}:spool`;
  return {
    checkpoint: (id) => `${base}:ckpt:${id}`,
    rollout: (id) => `${base}:ckpt:${id}:rollout`,
    result: (id) => `${base}:result:${id}`,
    cancel: (id) => `${base}:cancel:${id}`,
    providerWindow: (provider) => `${base}:rate:${provider}:window`,
    providerPause: (provider) => `${base}:rate:${provider}:pause`,
  };
}

/**
 * A model client whose every request is first kept in the rollout as a `request` line
 * (protocol/request-record.ts), so a replay can check today's requests against it byte for byte.
 * Clients that cannot say what they send (test doubles) are used as they are.
 */
import { type RecordedParts, RequestRecords } from '../model/request-digest.js';
import type { ModelClient } from '../model/types.js';

/** `write` keeps one record; a failure to write is the log's to report (it stops the turn), not the stream's. */
export function recordingRequests(
  client: ModelClient,
  write: (recorded: RecordedParts) => void,
): ModelClient {
  const describe = client.requestBody?.bind(client);
  if (!describe) return client;
  const records = new RequestRecords();
  return {
    stream(request, signal) {
      const { wire, body, digests } = describe(request);
      write(records.record(wire, body, digests));
      return client.stream(request, signal);
    },
    requestBody: describe,
    ...(client.compact ? { compact: client.compact.bind(client) } : {}),
  };
}

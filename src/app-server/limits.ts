/** The bounds that keep one app-server process safe from a misbehaving or slow client. */

export interface ServerLimits {
  /** The largest message a client may send (bytes); larger ones are answered with an error. */
  maxMessageBytes: number;
  /**
   * Bytes waiting for a slow client above which its deltas are merged and then dropped, and its
   * incoming messages are no longer read (until the queue is below half of this again).
   */
  outboundSoftBytes: number;
  /** Bytes waiting for a client above which it is disconnected (it is not reading at all). */
  outboundHardBytes: number;
  /** Requests of one connection being worked on at once; more are refused as "overloaded". */
  maxInFlightRequests: number;
  /** The most `fs/readFile` returns (bytes of the file). */
  maxReadFileBytes: number;
  /** Output `command/exec` keeps per stream unless the request says otherwise. */
  commandOutputBytes: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  outboundSoftBytes: 4 * 1024 * 1024,
  outboundHardBytes: 64 * 1024 * 1024,
  maxInFlightRequests: 64,
  maxReadFileBytes: 8 * 1024 * 1024,
  commandOutputBytes: 1024 * 1024,
};

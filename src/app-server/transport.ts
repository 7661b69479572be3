/** What a connection needs from a transport (stdio, WebSocket, in process). */

export interface Transport {
  /** Sends one serialized message; false when the peer is behind (the message is still sent). */
  write(text: string): boolean;
  /** Called when a transport that returned false can take more. */
  onDrain(callback: () => void): void;
  /** Stop delivering incoming messages (the client is not reading what we send). */
  pause(): void;
  resume(): void;
  /** Ends the connection (the server is shutting down, or the client is hopelessly behind). */
  close(reason: string): void;
}

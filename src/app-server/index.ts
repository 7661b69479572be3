/** Spool's app-server: Codex's v2 app-server protocol (JSON-RPC) over stdio, WebSocket or in process. */
export type { ClientInfo, Connection } from './connection.js';
export {
  createInProcessConnection,
  type InProcessClient,
  JsonRpcError,
  type ServerNotification,
  type ServerRequest,
} from './in-process.js';
export { ErrorCode, type RequestId, RpcError } from './jsonrpc.js';
export { DEFAULT_LIMITS, type ServerLimits } from './limits.js';
export { parseListen, type RunAppServerOptions, runAppServer, TOKEN_ENV } from './run.js';
export { AppServer, type AppServerOptions } from './server.js';
export { type StreamServing, serveStreams } from './stdio-transport.js';
export type { Transport } from './transport.js';
export { listenWebSocket, type WebSocketListener, type WebSocketListenOptions } from './ws-transport.js';

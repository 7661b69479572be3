/**
 * The model emulator: an HTTP server on a random loopback port that speaks OpenAI's Responses and
 * Chat Completions wire formats, scripted per test, recording every request. See README.md.
 */
export * from './builders.js';
export { byConversation, type ConversationRoute, type ConversationScript } from './conversations.js';
export type {
  CompactStep,
  HttpFaultStep,
  OutputSpec,
  ResponseStep,
  Step,
  StreamFault,
  TerminalSpec,
} from './script.js';
export { startEmulator } from './server.js';
export {
  CACHE_MIN_TOKENS,
  CACHE_STEP_TOKENS,
  cachedTokensForPrefix,
  canonicalJson,
  estimateTokens,
  PrefixCache,
} from './tokens.js';
export type {
  Emulator,
  EmulatorOptions,
  RecordedRequest,
  RequestBody,
  RequestOutcome,
  ScriptFn,
  Wire,
} from './types.js';

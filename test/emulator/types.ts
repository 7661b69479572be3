/** The emulator's public contract: options, the recorded requests, the running handle. */
import type { MediaEmulator } from './media-server.js';
import type { CompactStep, Step } from './script.js';

export type Wire = 'responses' | 'chat' | 'compact' | 'models' | 'media' | 'unknown';

/** What happened to a request, for assertions and for the CLI's record. */
export type RequestOutcome =
  | 'response' // a scripted response was sent (streamed or not)
  | 'http_fault' // a scripted HTTP fault step
  | 'script_exhausted' // no step was left: HTTP 500
  | 'context_length_exceeded' // the input exceeded `contextWindow`
  | 'rejected' // failed OpenAI's request checks (see validate.ts)
  | 'compacted' // `/responses/compact` answered
  | 'models' // `/models` answered
  | 'media' // answered by the media emulator (media-server.ts)
  | 'not_found'; // no such endpoint

/** The fields of a request body the tests look at most; everything else is there too. */
export interface RequestBody {
  model?: string;
  stream?: boolean;
  instructions?: string;
  input?: unknown;
  tools?: unknown[];
  messages?: unknown[];
  prompt_cache_key?: string;
  [key: string]: unknown;
}

export interface RecordedRequest {
  /** 0-based position among all requests this emulator received. */
  seq: number;
  /**
   * When the request's headers arrived, before its body was read and answered: milliseconds since
   * the epoch with sub-millisecond resolution (`performance.timeOrigin + performance.now()`), so
   * benchmarks can tell a client's time from the emulator's.
   */
  receivedAt: number;
  method: string;
  /** The path as received (with `/v1` when the client sent it). */
  path: string;
  wire: Wire;
  headers: Record<string, string>;
  bodyText: string;
  /** The parsed JSON body; undefined for GET or unparsable bodies. */
  body: RequestBody | undefined;
  /** Estimated prompt tokens (responses, chat, compact); 0 otherwise. */
  inputTokens: number;
  /** Prompt-cache hit, as reported in usage. */
  cachedTokens: number;
  /** Index of the script step this request consumed, if any. */
  stepIndex?: number;
  outcome: RequestOutcome;
  /** `websocket` for a `response.create` message of the WebSocket mode (ws-wire.ts); else HTTP. */
  transport?: 'websocket';
  /**
   * WebSocket mode: the body the server acted on — the kept context of `previous_response_id`
   * followed by the message's own input (`body` is the message as sent).
   */
  effectiveBody?: RequestBody;
}

/** An adaptive script: called once per model request with that request and the step index. */
export type ScriptFn = (request: RecordedRequest, index: number) => Step | undefined;

export interface EmulatorOptions {
  /** The model's answers, one per `/responses` or `/chat/completions` request. */
  script?: Step[] | ScriptFn;
  /** Answers of `/responses/compact`, in order; when empty, the default compaction answers. */
  compact?: CompactStep[];
  /** Prompt tokens a request may have; larger requests fail with `context_length_exceeded`. */
  contextWindow?: number;
  /**
   * How an oversized *streaming* `/responses` request fails: `'stream'` (default) sends
   * `response.created`, `response.in_progress`, then `response.failed` with code
   * `context_length_exceeded`, as OpenAI's streaming endpoint does; `'http'` answers HTTP 400.
   * Non-streaming and chat requests always get HTTP 400.
   */
  contextWindowError?: 'stream' | 'http';
  /** Ids listed by `GET /models`. */
  models?: string[];
  /** Answer 404 `model_not_found` for a model not in `models`. */
  rejectUnknownModels?: boolean;
  /** Apply OpenAI's request checks (tool call/output pairing, ids with `store: false`). Default true. */
  validateRequests?: boolean;
  /** Image models, video tasks and downloads (media-server.ts): answered before the script. */
  media?: MediaEmulator;
  /** Accept the Responses WebSocket mode on `/v1/responses` (default true; false answers 404). */
  websockets?: boolean;
  /** Port to listen on (default: a random free port). */
  port?: number;
  /** Unix seconds for `created_at`/`created` (default: the real clock). */
  clock?: () => number;
  /** Called when a request has been recorded, before it is answered. */
  onRequest?: (request: RecordedRequest) => void;
  /** Called when the answer to a request has ended (sent, failed, or its socket closed). */
  onResponseEnd?: (request: RecordedRequest) => void;
}

export interface Emulator {
  /** Base URL for an OpenAI client: `http://127.0.0.1:PORT/v1`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Human-readable problems: requests beyond the script, requests OpenAI would reject. */
  problems: string[];
  /** Steps not yet consumed (Infinity for a script function). */
  remainingSteps(): number;
  /** Appends steps to an array script. */
  addSteps(...steps: Step[]): void;
  addCompactSteps(...steps: CompactStep[]): void;
  /** Resolves once `count` requests have been recorded (rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** WebSocket mode: every connection forgets its kept response (the next continuation fails). */
  forgetResponses(): void;
  /** Stops listening and destroys every open socket, stalled streams included. */
  close(): Promise<void>;
}

/**
 * OpenTelemetry against a real OTLP/HTTP receiver started here: the built binary exports to it,
 * and the test decodes what arrives (JSON encoding, as `protocol = "json"` sends it, and protobuf
 * for the default `binary`) into the span tree, attributes and metric values; a gRPC collector
 * (grpc-js serving the OTLP services' Export methods) sees both signals with their metadata; a
 * collector that refuses batches is reported, never silently lost.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServer } from '../../src/app-server/server.js';
import { serverEnv, streamClient } from '../app-server/support/harness.js';
import {
  call,
  type Emulator,
  rateLimit429,
  respond,
  say,
  shellCall,
  startEmulator,
} from '../emulator/index.js';
import { startTree } from '../support/agents.js';
import { runSpool } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A root that spawns /root/helper, waits for it, and ends; the helper answers at once. */
function delegatingTree() {
  return startTree([
    {
      name: '/root',
      steps: [
        respond(call('spawn_agent', { task_name: 'helper', message: 'Look it up' })),
        respond(call('wait_agent', { timeout_ms: 60_000 })),
        respond(say('Both done.')),
      ],
    },
    { name: '/root/helper', steps: [respond(say('Looked it up.'))] },
  ]);
}

/** An OTLP/HTTP receiver: accepts /v1/traces and /v1/metrics, answers as a collector does. */
async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: String(req.headers['content-type']),
        body: Buffer.concat(chunks),
      });
      const json = String(req.headers['content-type']).includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : Buffer.alloc(0));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: decoded OTLP JSON, walked by field name
type Json = Record<string, any>;

/** OTLP JSON attribute lists → a plain object. */
function attributes(list: Json[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] =
      value.stringValue ??
      value.boolValue ??
      value.doubleValue ??
      (value.intValue !== undefined ? Number(value.intValue) : undefined);
  }
  return out;
}

function spansOf(receiver: Receiver): Json[] {
  return receiver.received
    .filter((r) => r.path === '/v1/traces')
    .flatMap((r) => JSON.parse(r.body.toString('utf8')).resourceSpans as Json[])
    .flatMap((rs) => rs.scopeSpans.flatMap((ss: Json) => ss.spans))
    .map((span: Json) => ({ ...span, attrs: attributes(span.attributes) }));
}

function metricsOf(receiver: Receiver): Map<string, Json> {
  const metrics = new Map<string, Json>();
  for (const r of receiver.received.filter((x) => x.path === '/v1/metrics')) {
    for (const rm of JSON.parse(r.body.toString('utf8')).resourceMetrics as Json[])
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) metrics.set(m.name, m);
  }
  return metrics;
}

/** Sum of a counter's data points whose attributes include `where`. */
function sum(metric: Json | undefined, where: Record<string, unknown> = {}): number {
  if (!metric) return 0;
  return (metric.sum.dataPoints as Json[])
    .filter((p) => Object.entries(where).every(([k, v]) => attributes(p.attributes)[k] === v))
    .reduce((total, p) => total + Number(p.asDouble ?? p.asInt ?? 0), 0);
}

let emulator: Emulator | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await emulator?.close();
  await receiver?.close();
  emulator = undefined;
  receiver = undefined;
});

function homeWith(config: string): string {
  const home = tempDir('spool-home-');
  fs.writeFileSync(path.join(home, 'config.toml'), config);
  return home;
}

describe('OpenTelemetry export', () => {
  it('sends a turn span with request and tool spans under it, and the metrics, without content', async () => {
    receiver = await startReceiver();
    emulator = await startEmulator({
      script: [rateLimit429(0), respond(shellCall('echo secret-output')), respond(say('secret answer'))],
    });
    const home = homeWith(
      `[model_prices.gpt-test]\ninput = 2\ncached_input = 0.5\noutput = 8\n\n[otel]\nenvironment = "ci"\nexporter = { otlp-http = { endpoint = "${receiver.url}/v1/logs", protocol = "json" } }\n`,
    );
    const run = await runSpool(
      [
        'exec',
        '--skip-git-repo-check',
        '-m',
        'gpt-test',
        '-s',
        'workspace-write',
        '-C',
        tempDir(),
        'secret prompt',
      ],
      { env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home } },
    );
    expect(run.code, run.stderr).toBe(0);

    const spans = spansOf(receiver);
    const turn = spans.find((s) => s.name === 'spool.turn')!;
    expect(turn.attrs).toMatchObject({
      'spool.model': 'gpt-test',
      'spool.turn.status': 'completed',
      'spool.sandbox.mode': 'workspace-write',
      'spool.turn.retries': 1,
    });
    const requests = spans.filter((s) => s.name === 'spool.model_request');
    expect(requests).toHaveLength(3);
    for (const r of requests) {
      expect(r.traceId).toBe(turn.traceId);
      expect(r.parentSpanId).toBe(turn.spanId);
    }
    const [refused, first, second] = requests.sort(
      (a, b) => Number(a.startTimeUnixNano) - Number(b.startTimeUnixNano),
    );
    expect(refused!.attrs).toMatchObject({
      'spool.error.kind': 'rate_limit',
      'http.response.status_code': 429,
    });
    expect(first!.attrs).toMatchObject({
      'spool.provider': 'openai',
      'spool.request.retries': 1,
      'spool.tokens.input': emulator.requests[1]!.inputTokens,
      'spool.tokens.cached_input': emulator.requests[1]!.cachedTokens,
      'http.response.status_code': 200,
    });
    expect(first!.attrs['spool.cost_usd']).toBeGreaterThan(0);
    // Time to first token: the start of the tool call (a response without text), the first
    // streamed text of the answer; none for the refused request.
    expect(first!.attrs['spool.time_to_first_token_ms']).toBeGreaterThanOrEqual(0);
    expect(second!.attrs['spool.time_to_first_token_ms']).toBeGreaterThanOrEqual(0);
    expect(refused!.attrs['spool.time_to_first_token_ms']).toBeUndefined();
    expect(second!.attrs['spool.tokens.output']).toBeGreaterThan(0);
    const tool = spans.find((s) => s.name === 'spool.tool_call')!;
    expect(tool.parentSpanId).toBe(turn.spanId);
    expect(tool.attrs).toMatchObject({
      'spool.tool.name': 'shell',
      'process.exit.code': 0,
      'spool.tool.truncated': false,
      'spool.sandbox.mode': 'workspace-write',
    });
    expect(tool.attrs['spool.tool.duration_ms']).toBeGreaterThanOrEqual(0);

    const metrics = metricsOf(receiver);
    expect(sum(metrics.get('spool.requests'), { 'spool.request.status': 'ok' })).toBe(2);
    expect(sum(metrics.get('spool.retries'), { 'spool.error.kind': 'rate_limit' })).toBe(1);
    expect(sum(metrics.get('spool.tokens'), { 'spool.token.type': 'output' })).toBe(
      Number(first!.attrs['spool.tokens.output']) + Number(second!.attrs['spool.tokens.output']),
    );
    expect(sum(metrics.get('spool.tool_calls'), { 'spool.tool.name': 'shell' })).toBe(1);
    expect(sum(metrics.get('spool.cost'))).toBeCloseTo(
      Number(first!.attrs['spool.cost_usd']) + Number(second!.attrs['spool.cost_usd']),
      10,
    );
    const durations = metrics.get('spool.turn.duration')!.histogram.dataPoints as Json[];
    expect(durations.map((p) => [attributes(p.attributes)['spool.turn.status'], Number(p.count)])).toEqual([
      ['completed', 1],
    ]);

    // No content left the machine: not the prompt, the command's output or the answer.
    const everything = receiver.received.map((r) => r.body.toString('utf8')).join('\n');
    expect(everything).not.toContain('secret');
  });

  it('exports the prompt only with log_user_prompt, and flushes when stopped by SIGTERM', async () => {
    receiver = await startReceiver();
    emulator = await startEmulator({ script: [respond(shellCall('sleep 30'))] });
    const home = homeWith(
      `[otel]\nlog_user_prompt = true\nexporter = "otlp-http"\nendpoint = "${receiver.url}"\nprotocol = "json"\n`,
    );
    const run = await runSpool(
      ['exec', '--skip-git-repo-check', '-s', 'workspace-write', '-C', tempDir(), 'the visible prompt'],
      {
        env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
        onSpawn: (child) => {
          void emulator!.waitForRequests(1).then(() => setTimeout(() => child.kill('SIGTERM'), 1500));
        },
      },
    );
    expect(run.code, run.stderr).toBe(143);
    const turn = spansOf(receiver).find((s) => s.name === 'spool.turn')!;
    expect(turn.attrs).toMatchObject({
      'spool.user_prompt': 'the visible prompt',
      'spool.turn.status': 'interrupted',
    });
    expect(metricsOf(receiver).has('spool.turn.duration')).toBe(true);
  });

  it('sends OTLP protobuf by default', async () => {
    receiver = await startReceiver();
    emulator = await startEmulator({ script: [respond(say('hi'))] });
    const home = homeWith(`[otel]\nexporter = "otlp-http"\nendpoint = "${receiver.url}"\n`);
    const run = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'hi'], {
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
    });
    expect(run.code, run.stderr).toBe(0);
    const traces = receiver.received.find((r) => r.path === '/v1/traces')!;
    expect(traces.contentType).toBe('application/x-protobuf');
    // The span's name travels as a protobuf string field.
    expect(traces.body.includes(Buffer.from('spool.turn'))).toBe(true);
  });

  it('exports from a second run, whose code comes from the code cache (the exporter loads http by import())', async () => {
    receiver = await startReceiver();
    emulator = await startEmulator({ script: [respond(say('one')), respond(say('two'))] });
    const home = homeWith(
      `[otel]\nexporter = "otlp-http"\nendpoint = "${receiver.url}"\nprotocol = "json"\n`,
    );
    const env = {
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'k',
      SPOOL_HOME: home,
      SPOOL_DEBUG_CODE_CACHE: '1',
    };
    const first = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'hi'], { env });
    expect(first.code, first.stderr).toBe(0);
    const afterFirst = receiver.received.filter((r) => r.path === '/v1/traces').length;
    expect(afterFirst).toBeGreaterThan(0);
    const second = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'hi'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('spool: code cache used');
    expect(second.stderr).not.toMatch(/export|import/i);
    const traces = receiver.received.filter((r) => r.path === '/v1/traces').slice(afterFirst);
    expect(traces.map((t) => t.body.toString()).join('')).toContain('spool.turn');
  });

  it('exports the threads of the app-server (and of the TUI, which runs on it), flushed when it closes', async () => {
    receiver = await startReceiver();
    emulator = await startEmulator({ script: [respond(say('served'))] });
    const home = homeWith(
      `[otel]\nexporter = { otlp-http = { endpoint = "${receiver.url}/v1/logs", protocol = "json" } }\n`,
    );
    const server = new AppServer({ env: serverEnv(emulator, { SPOOL_HOME: home }) });
    const { client } = streamClient(server);
    await client.initialize();
    const threadId = (await client.call('thread/start', { cwd: tempDir() })).thread.id;
    const { turn } = await client.call('turn/start', { threadId, input: [{ type: 'text', text: 'hi' }] });
    await client.turnCompleted(turn.id);
    await server.close();
    const spans = spansOf(receiver);
    const turnSpan = spans.find((s) => s.name === 'spool.turn')!;
    expect(turnSpan.attrs).toMatchObject({ 'spool.thread.id': threadId, 'spool.turn.status': 'completed' });
    expect(spans.filter((s) => s.name === 'spool.model_request').map((s) => s.parentSpanId)).toEqual([
      turnSpan.spanId,
    ]);
    expect(sum(metricsOf(receiver).get('spool.requests'))).toBe(1);
  });

  it("nests a sub-agent's turn under its parent's in the app-server too", async () => {
    receiver = await startReceiver();
    emulator = (await delegatingTree()).emulator;
    const home = homeWith(
      `[agents]\nresume_parent = false\n\n[otel]\nexporter = "otlp-http"\nendpoint = "${receiver.url}"\nprotocol = "json"\n`,
    );
    const server = new AppServer({ env: serverEnv(emulator, { SPOOL_HOME: home }) });
    const { client } = streamClient(server);
    await client.initialize();
    const threadId = (await client.call('thread/start', { cwd: tempDir() })).thread.id;
    const { turn } = await client.call('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'delegate it' }],
    });
    await client.turnCompleted(turn.id);
    await server.close();
    const turns = spansOf(receiver).filter((s) => s.name === 'spool.turn');
    const rootTurn = turns.find((t) => t.attrs['spool.thread.id'] === threadId)!;
    const childTurn = turns.find((t) => t.attrs['spool.thread.id'] !== threadId)!;
    expect(rootTurn.parentSpanId ?? '').toBe('');
    expect(childTurn.traceId).toBe(rootTurn.traceId);
    expect(childTurn.parentSpanId).toBe(rootTurn.spanId);
  });

  it('exports over gRPC (otlp-grpc) with its headers as metadata', async () => {
    const seen: { service: string; body: Buffer; token: string }[] = [];
    const server = new grpc.Server();
    for (const signal of ['trace', 'metrics']) {
      const service = signal === 'trace' ? 'TraceService' : 'MetricsService';
      const method = `/opentelemetry.proto.collector.${signal}.v1.${service}/Export`;
      server.addService(
        {
          Export: {
            path: method,
            requestStream: false,
            responseStream: false,
            // The raw protobuf request; an empty Export*ServiceResponse is an empty message.
            requestDeserialize: (bytes: Buffer) => bytes,
            requestSerialize: (bytes: Buffer) => bytes,
            responseSerialize: () => Buffer.alloc(0),
            responseDeserialize: (bytes: Buffer) => bytes,
          },
        },
        {
          Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
            seen.push({ service, body: call.request, token: String(call.metadata.get('x-token')[0] ?? '') });
            done(null, Buffer.alloc(0));
          },
        },
      );
    }
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
    try {
      emulator = await startEmulator({ script: [respond(say('over grpc'))] });
      const home = homeWith(
        `[otel]\nexporter = { otlp-grpc = { endpoint = "http://127.0.0.1:${port}", headers = { x-token = "t0k" } } }\n`,
      );
      const run = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'hi'], {
        env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toContain('telemetry');
      const traces = seen.filter((s) => s.service === 'TraceService');
      const metrics = seen.filter((s) => s.service === 'MetricsService');
      expect(traces.length).toBeGreaterThan(0);
      expect(metrics.length).toBeGreaterThan(0);
      expect(seen.every((s) => s.token === 't0k')).toBe(true);
      // Names travel as protobuf strings.
      expect(traces.some((t) => t.body.includes(Buffer.from('spool.turn')))).toBe(true);
      expect(metrics.some((m) => m.body.includes(Buffer.from('spool.turn.duration')))).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    }
  });

  it('says when the collector refuses exports (at once, and what was lost at the end); the run itself succeeds', async () => {
    const refused: string[] = [];
    const refusing = http.createServer((req, res) => {
      refused.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"code":3,"message":"bad batch"}');
      });
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    try {
      emulator = await startEmulator({ script: [respond(say('done anyway'))] });
      const home = homeWith(`[otel]\nexporter = "otlp-http"\nendpoint = "${url}"\nprotocol = "json"\n`);
      const run = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'hi'], {
        env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('done anyway');
      expect(refused).toContain('/v1/traces');
      expect(run.stderr).toMatch(new RegExp(`telemetry: exporting traces to ${url}/v1/traces failed: .+`));
      expect(run.stderr).toMatch(
        /telemetry export failed — .*traces to \S+\/v1\/traces: \d+ batch(es)? lost/,
      );
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it("nests a sub-agent's turn under its parent's running turn, in the same trace", async () => {
    receiver = await startReceiver();
    emulator = (await delegatingTree()).emulator;
    const home = homeWith(
      `[agents]\nresume_parent = false\n\n[otel]\nexporter = "otlp-http"\nendpoint = "${receiver.url}"\nprotocol = "json"\n`,
    );
    const run = await runSpool(['exec', '--skip-git-repo-check', '-C', tempDir(), 'delegate it'], {
      env: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'k', SPOOL_HOME: home },
    });
    expect(run.code, run.stderr).toBe(0);
    const turns = spansOf(receiver).filter((s) => s.name === 'spool.turn');
    expect(turns).toHaveLength(2);
    const rootTurn = turns.find((t) => !t.parentSpanId)!;
    const childTurn = turns.find((t) => t !== rootTurn)!;
    expect(rootTurn).toBeDefined();
    expect(childTurn.traceId).toBe(rootTurn.traceId);
    expect(childTurn.parentSpanId).toBe(rootTurn.spanId);
    // The child's own requests are under its turn.
    const childRequests = spansOf(receiver).filter(
      (s) => s.name === 'spool.model_request' && s.parentSpanId === childTurn.spanId,
    );
    expect(childRequests).toHaveLength(1);
  });
});

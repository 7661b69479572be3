import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI, { type APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
/** One process (node with tsx's loader), not the `tsx` wrapper: killing it leaves no child behind. */
const NODE_TSX = [process.execPath, '--import', 'tsx'] as const;
const CLI = join(ROOT, 'test', 'emulator', 'cli.ts');
const DEMO = join(ROOT, 'test', 'emulator', 'scripts', 'demo.json');

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spool-emulator-cli-'));
  dirs.push(dir);
  return dir;
}

/** Starts the CLI and resolves with its URL once the first stdout line arrives. */
function startCli(
  args: string[],
): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(NODE_TSX[0], [...NODE_TSX.slice(1), CLI, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((resolveStart, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline === -1) return;
      const match = /^emulator listening on (http:\/\/127\.0\.0\.1:\d+\/v1)$/.exec(out.slice(0, newline));
      if (match?.[1]) resolveStart({ child, url: match[1], exited });
      else reject(new Error(`unexpected first line: ${out.slice(0, newline)}`));
    });
    void exited.then((code) => reject(new Error(`cli exited with ${code} before listening: ${err}`)));
  });
}

describe('emulator CLI', () => {
  it('serves the demo script, records each request, and exits when done', async () => {
    const record = join(tempDir(), 'requests.jsonl');
    const { url, exited } = await startCli(['--script', DEMO, '--record', record, '--exit-when-done']);
    const client = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 });
    const user = { type: 'message' as const, role: 'user' as const, content: 'what is here?' };

    const first = await client.responses
      .stream({ model: 'gpt-5-codex', input: [user], store: false })
      .finalResponse();
    const shell = first.output.find((item) => item.type === 'function_call');
    expect(shell).toMatchObject({ name: 'shell' });
    if (shell?.type !== 'function_call') throw new Error('no shell call');
    expect(JSON.parse(shell.arguments).command.slice(0, 2)).toEqual(['bash', '-lc']);

    const second = await client.responses
      .stream({
        model: 'gpt-5-codex',
        store: false,
        input: [
          user,
          { type: 'function_call', call_id: shell.call_id, name: 'shell', arguments: shell.arguments },
          { type: 'function_call_output', call_id: shell.call_id, output: '/work\nREADME.md' },
        ],
      })
      .finalResponse();
    expect(second.output_text).toMatch(/I ran `pwd && ls -1`/);

    expect(await exited).toBe(0);
    const lines = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((r) => [r.seq, r.wire, r.outcome, r.stepIndex])).toEqual([
      [0, 'responses', 'response', 0],
      [1, 'responses', 'response', 1],
    ]);
    expect(lines[1].body.input[2].output).toBe('/work\nREADME.md');
  });

  it('takes a bare array of steps, a fixed port and a context window', async () => {
    const dir = tempDir();
    const script = join(dir, 'script.json');
    writeFileSync(script, JSON.stringify([{ output: [{ type: 'message', text: 'hello from a file' }] }]));
    const { url, child } = await startCli(['--script', script, '--context-window', '50', '--port', '0']);
    const client = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 });
    const tooBig = await client.responses
      .create({ model: 'm', input: 'x'.repeat(400) })
      .catch((e: unknown) => e);
    expect((tooBig as APIError).code).toBe('context_length_exceeded');
    const ok = await client.responses.create({ model: 'm', input: 'hi' });
    expect(ok.output_text).toBe('hello from a file');
    child.kill('SIGTERM');
  });

  it('fails with a message for a script it cannot use', async () => {
    const dir = tempDir();
    const script = join(dir, 'bad.json');
    writeFileSync(script, JSON.stringify({ steps: [{ output: [{ type: 'nonsense' }] }] }));
    const child = spawn(NODE_TSX[0], [...NODE_TSX.slice(1), CLI, '--script', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(1);
    expect(err).toMatch(/unknown output type "nonsense"/);
  });
});

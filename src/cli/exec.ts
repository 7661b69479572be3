/**
 * `spool exec`: one non-interactive turn. The prompt comes from the argument or stdin; the final
 * assistant message goes to stdout (or, with `--json`, every event as a JSON line); progress goes
 * to stderr. Exit codes: 0 success, 1 turn failed, 2 usage error, 130 interrupted.
 */
import fs from 'node:fs';
import { Thread } from '../agent/thread.js';
import { missingKeyMessage } from '../config/providers.js';
import { type CliFlags, ConfigError, loadRuntime, type Runtime } from '../config/runtime.js';
import { findGitRoot } from '../context/project-docs.js';
import { createModelClient } from '../model/client-factory.js';
import type { SpoolEvent } from '../protocol/events.js';
import { createDefaultTools } from '../tools/default-tools.js';
import { askOnTerminal, NON_INTERACTIVE_REASON } from './exec-approvals.js';
import { formatHumanEvent } from './exec-human.js';
import { ExecJsonProjector } from './exec-jsonl.js';

export interface ExecOptions extends CliFlags {
  prompt?: string;
  json?: boolean;
  outputLastMessage?: string;
  skipGitRepoCheck?: boolean;
  outputSchemaFile?: string;
}

export interface ExecIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function readPrompt(options: ExecOptions, io: ExecIo): Promise<string | undefined> {
  if (options.prompt !== undefined && options.prompt !== '-') return options.prompt;
  if (options.prompt === undefined && io.stdin.isTTY) return undefined;
  return (await readAll(io.stdin)).replace(/\r?\n$/, '');
}

function readOutputSchema(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read --output-schema ${file}: ${(err as Error).message}`);
  }
  try {
    const schema = JSON.parse(text) as unknown;
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema))
      throw new Error('not a JSON object');
    return schema as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`--output-schema ${file} is not a JSON Schema object: ${(err as Error).message}`);
  }
}

export async function runExec(
  options: ExecOptions,
  io: ExecIo,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let runtime: Runtime;
  try {
    const outputSchema = options.outputSchemaFile ? readOutputSchema(options.outputSchemaFile) : undefined;
    runtime = loadRuntime({ ...options, outputSchema }, io.env, { approvalPolicy: 'never' });
  } catch (err) {
    if (err instanceof ConfigError) {
      say(`spool: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
  if (!fs.existsSync(runtime.settings.cwd) || !fs.statSync(runtime.settings.cwd).isDirectory()) {
    say(`spool: working directory ${runtime.settings.cwd} does not exist`);
    return EXIT.usage;
  }

  const prompt = await readPrompt(options, io);
  if (prompt === undefined || prompt.trim() === '') {
    say(
      'spool exec: no prompt given. Pass it as an argument, or pipe it on stdin (use `-` to read stdin explicitly).',
    );
    return EXIT.usage;
  }
  if (!runtime.endpoint.apiKey && runtime.endpoint.baseURL === 'https://api.openai.com/v1') {
    say(
      `spool: no API key. Set ${runtime.endpoint.errorContext.apiKeyEnvVar} (or point OPENAI_BASE_URL at a server that needs none).`,
    );
    return EXIT.failed;
  }
  if (!options.skipGitRepoCheck && !findGitRoot(runtime.settings.cwd) && !options.json) {
    say(
      `spool: note: ${runtime.settings.cwd} is not inside a git repository; changes cannot be reviewed or undone with git.`,
    );
  }

  const tools = createDefaultTools(runtime.settings);
  const thread = new Thread({
    client: createModelClient(runtime),
    settings: runtime.settings,
    tools: tools.registry,
    onClose: tools.close,
  });

  const projector = new ExecJsonProjector();
  // A person can answer only on a terminal, and only when stdin was not the prompt.
  const interactive =
    !options.json && io.stdin.isTTY === true && options.prompt !== undefined && options.prompt !== '-';
  thread.subscribe((event: SpoolEvent) => {
    if (event.type === 'approval.requested') {
      const { id } = event.request;
      if (interactive) {
        void askOnTerminal(event.request, io.stdin, io.stderr).then((decision) =>
          thread.resolveApproval(id, decision),
        );
      } else {
        say(`spool: declined (non-interactive): ${event.request.display}`);
        thread.resolveApproval(id, 'denied', NON_INTERACTIVE_REASON);
      }
      return;
    }
    if (options.json) {
      for (const line of projector.project(event)) io.stdout.write(`${JSON.stringify(line)}\n`);
      if (event.type === 'warning') say(`warning: ${event.message}`);
    } else {
      const text = formatHumanEvent(event);
      if (text !== undefined) say(text);
    }
  });

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    thread.interrupt();
  };
  signals.on('SIGINT', onSigint);
  try {
    thread.announce();
    const outcome = await thread.runTurn(prompt);
    if (outcome.status === 'completed') {
      const message = outcome.finalMessage ?? '';
      if (!options.json) io.stdout.write(message.endsWith('\n') || message === '' ? message : `${message}\n`);
      if (options.outputLastMessage) fs.writeFileSync(options.outputLastMessage, message);
      return EXIT.ok;
    }
    return outcome.status === 'interrupted' ? EXIT.interrupted : EXIT.failed;
  } finally {
    signals.off('SIGINT', onSigint);
    await thread.close();
  }
}

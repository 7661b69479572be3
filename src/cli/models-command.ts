/** `spool models`: the models the configured provider offers (`GET /models`), with known context windows. */
import type { CliFlags } from '../config/runtime.js';
import { knownContextWindow } from '../model/catalog.js';
import { classifyException } from '../model/errors.js';
import { sdkClient } from '../model/sdk-client.js';
import { type CommandIo, runtimeForCommand } from './command-runtime.js';

export async function runModels(flags: CliFlags & { json?: boolean }, io: CommandIo): Promise<number> {
  const runtime = runtimeForCommand(flags, io);
  if (typeof runtime === 'number') return runtime;
  const client = sdkClient({ ...runtime.endpoint, idleTimeoutMs: 30_000 });
  const ids: string[] = [];
  try {
    for await (const model of client.models.list()) ids.push(model.id);
  } catch (err) {
    io.stderr.write(
      `spool: cannot list models of ${runtime.provider.name}: ${classifyException(err, runtime.endpoint.errorContext).message}\n`,
    );
    return 1;
  }
  ids.sort();
  const rows = ids.map((id) => ({ id, context_window: knownContextWindow(id) ?? null }));
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  const width = Math.max(5, ...rows.map((r) => r.id.length));
  io.stdout.write(`${'MODEL'.padEnd(width)}  CONTEXT\n`);
  for (const row of rows) {
    io.stdout.write(
      `${row.id.padEnd(width)}  ${row.context_window ? row.context_window.toLocaleString('en-US') : '-'}\n`,
    );
  }
  return 0;
}

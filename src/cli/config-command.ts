/** `spool config show`: the effective configuration, and where each value came from. */
import { stringify } from 'smol-toml';
import type { CliFlags } from '../config/runtime.js';
import { type CommandIo, runtimeForCommand } from './command-runtime.js';

function flatten(value: unknown, prefix: string, out: Array<[string, unknown]>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.push([prefix, {}]);
    for (const [key, child] of entries) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out.push([prefix, value]);
  }
}

function tomlValue(value: unknown): string {
  // smol-toml stringifies tables; wrap the value to render it as TOML inline syntax.
  const line = stringify({ v: value }).trim();
  return line.startsWith('v = ') ? line.slice(4) : JSON.stringify(value);
}

export function runConfigShow(flags: CliFlags & { json?: boolean }, io: CommandIo): number {
  const runtime = runtimeForCommand(flags, io);
  if (typeof runtime === 'number') return runtime;
  const entries: Array<[string, unknown]> = [];
  const { profiles: _profiles, ...shown } = runtime.config;
  flatten(shown, '', entries);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const provider = runtime.provider;
  if (flags.json) {
    const values = Object.fromEntries(
      entries.map(([key, value]) => [key, { value, source: runtime.sources.get(key) ?? 'default' }]),
    );
    const summary = {
      config_file: runtime.configFile,
      profile: runtime.profile ?? null,
      values,
      provider: {
        id: provider.id,
        name: provider.name,
        base_url: provider.baseURL,
        wire_api: provider.wireApi,
        env_key: provider.envKey ?? null,
        api_key_set: provider.apiKey !== undefined,
      },
    };
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  }
  const lines = [`# config file: ${runtime.configFile}`, `# profile: ${runtime.profile ?? '(none)'}`, ''];
  const width = Math.min(60, Math.max(...entries.map(([k, v]) => k.length + tomlValue(v).length + 3)));
  for (const [key, value] of entries) {
    const line = `${key} = ${tomlValue(value)}`;
    lines.push(`${line.padEnd(width)}  # ${runtime.sources.get(key) ?? 'default'}`);
  }
  lines.push(
    '',
    `# provider ${provider.id}: ${provider.name}, ${provider.wireApi} wire at ${provider.baseURL}` +
      (provider.envKey
        ? `, key from ${provider.envKey} (${provider.apiKey ? 'set' : 'not set'})`
        : ', no key'),
  );
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/**
 * `spool mcp list | get | add | remove`: the MCP servers in `$SPOOL_HOME/config.toml`, and
 * `spool mcp-server`: Spool itself as an MCP server (src/cli/mcp-server.ts).
 *
 * `add` and `remove` edit config.toml as text (src/tools/mcp/config-edit.ts): the rest of the file,
 * comments included, is left exactly as it was. The file is replaced atomically.
 *
 *   spool mcp add github --env GITHUB_TOKEN=… -- npx -y @modelcontextprotocol/server-github
 *   spool mcp add docs --url https://example.com/mcp --bearer-token-env-var DOCS_TOKEN
 *
 * Commands are registered with `addMcpCommands(program, io)`; their modules load only when run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { McpServerConfig } from '../config/schema.js';
import { ABSENT, expectErrno } from '../protocol/errors.js';
import type { ApprovalPolicy, SandboxMode } from '../protocol/policy.js';
import { approvalOption, collect, sandboxOption } from './options.js';

interface McpCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Receives the exit code (default: `process.exitCode`). */
  exit?: (code: number) => void;
}

interface McpAddOptions {
  name: string;
  /** The command and its arguments (stdio). */
  command?: string[];
  url?: string;
  bearerTokenEnvVar?: string;
  /** `KEY=VALUE` strings. */
  env?: string[];
  headers?: string[];
  cwd?: string;
  startupTimeoutSec?: number;
  toolTimeoutSec?: number;
  enabledTools?: string[];
  disabledTools?: string[];
  disabled?: boolean;
}

const MASK = '*****';

class UsageError extends Error {}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`expected a positive number of seconds, got "${value}"`);
  return n;
}

function keyValues(pairs: string[] | undefined, what: string): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${what} must be KEY=VALUE, got "${pair}"`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

async function configFileOf(env: NodeJS.ProcessEnv): Promise<string> {
  const { spoolHome } = await import('../config/home.js');
  const { configPath } = await import('../config/load.js');
  return configPath(spoolHome(env));
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Writes through a temporary file and a rename: a crash leaves the old file or the new one. */
function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let mode = 0o600;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch (err) {
    expectErrno(err, ABSENT);
    // a new file
  }
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode });
  fs.renameSync(temp, file);
}

/** The server as shown: env and header values (often secrets) masked. */
function shown(server: McpServerConfig): McpServerConfig {
  const mask = (record?: Record<string, string>) =>
    record ? Object.fromEntries(Object.keys(record).map((k) => [k, MASK])) : undefined;
  return {
    ...server,
    ...(server.env ? { env: mask(server.env) } : {}),
    ...(server.http_headers ? { http_headers: mask(server.http_headers) } : {}),
  };
}

async function loadServers(io: McpCommandIo): Promise<Record<string, McpServerConfig> | number> {
  const { loadConfigFile, ConfigError } = await import('../config/load.js');
  const { spoolHome } = await import('../config/home.js');
  try {
    return loadConfigFile(spoolHome(io.env)).config.mcp_servers ?? {};
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`spool: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

async function target(server: McpServerConfig): Promise<{ transport: string; target: string }> {
  if (server.url !== undefined) return { transport: 'http', target: server.url };
  const { displayCommand } = await import('../tools/shell/command-line.js');
  return { transport: 'stdio', target: displayCommand([server.command ?? '', ...(server.args ?? [])]) };
}

async function runMcpList(options: { json?: boolean }, io: McpCommandIo): Promise<number> {
  const servers = await loadServers(io);
  if (typeof servers === 'number') return servers;
  const names = Object.keys(servers).sort();
  if (options.json) {
    const list = names.map((name) => ({ name, ...shown(servers[name]!) }));
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  if (names.length === 0) {
    io.stdout.write(
      'No MCP servers configured. Add one with `spool mcp add <name> -- <command> [args...]`.\n',
    );
    return 0;
  }
  const rows = [['NAME', 'TRANSPORT', 'STATUS', 'COMMAND / URL']];
  for (const name of names) {
    const server = servers[name]!;
    const t = await target(server);
    rows.push([name, t.transport, server.enabled === false ? 'disabled' : 'enabled', t.target]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  for (const row of rows) {
    io.stdout.write(
      `${row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')}\n`,
    );
  }
  return 0;
}

async function runMcpGet(name: string, options: { json?: boolean }, io: McpCommandIo): Promise<number> {
  const servers = await loadServers(io);
  if (typeof servers === 'number') return servers;
  const server = servers[name];
  if (!server) {
    io.stderr.write(`spool mcp get: no MCP server named "${name}" in ${await configFileOf(io.env)}\n`);
    return 1;
  }
  const { spoolHome } = await import('../config/home.js');
  const [{ mcpLogFile }, { DEFAULT_STARTUP_TIMEOUT_SEC, DEFAULT_TOOL_TIMEOUT_SEC }] = await Promise.all([
    import('../tools/mcp/manager.js'),
    import('../tools/mcp/server-config.js'),
  ]);
  const logFile = mcpLogFile(spoolHome(io.env), name);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ name, ...shown(server), log_file: logFile }, null, 2)}\n`);
    return 0;
  }
  const t = await target(server);
  const lines = [name, `  enabled: ${server.enabled !== false}`, `  transport: ${t.transport}`];
  if (t.transport === 'stdio') {
    lines.push(`  command: ${t.target}`);
    if (server.cwd !== undefined) lines.push(`  cwd: ${server.cwd}`);
  } else {
    lines.push(`  url: ${t.target}`);
    if (server.bearer_token_env_var) lines.push(`  bearer_token_env_var: ${server.bearer_token_env_var}`);
  }
  for (const [key, record] of [
    ['env', server.env],
    ['http_headers', server.http_headers],
  ] as const) {
    if (record)
      lines.push(
        `  ${key}: ${Object.keys(record)
          .map((k) => `${k}=${MASK}`)
          .join(' ')}`,
      );
  }
  if (server.enabled_tools) lines.push(`  enabled_tools: ${server.enabled_tools.join(', ')}`);
  if (server.disabled_tools) lines.push(`  disabled_tools: ${server.disabled_tools.join(', ')}`);
  lines.push(
    `  startup_timeout_sec: ${server.startup_timeout_sec ?? `${DEFAULT_STARTUP_TIMEOUT_SEC} (default)`}`,
    `  tool_timeout_sec: ${server.tool_timeout_sec ?? `${DEFAULT_TOOL_TIMEOUT_SEC} (default)`}`,
    `  log: ${logFile}`,
    `  remove with: spool mcp remove ${name}`,
  );
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function serverFromOptions(options: McpAddOptions): McpServerConfig {
  const command = options.command ?? [];
  if (command.length > 0 && options.url !== undefined) {
    throw new UsageError('give either a command (after --) or --url, not both');
  }
  if (command.length === 0 && options.url === undefined) {
    throw new UsageError('give the server command after -- (stdio), or --url (streamable HTTP)');
  }
  const stdioOnly = options.env?.length || options.cwd !== undefined;
  const httpOnly = options.bearerTokenEnvVar !== undefined || options.headers?.length;
  if (options.url !== undefined && stdioOnly) throw new UsageError('--env and --cwd are for stdio servers');
  if (command.length > 0 && httpOnly)
    throw new UsageError('--bearer-token-env-var and --header are for --url servers');
  const env = keyValues(options.env, '--env');
  const headers = keyValues(options.headers, '--header');
  return {
    ...(command.length > 0
      ? { command: command[0]!, ...(command.length > 1 ? { args: command.slice(1) } : {}) }
      : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.url !== undefined ? { url: options.url } : {}),
    ...(options.bearerTokenEnvVar !== undefined ? { bearer_token_env_var: options.bearerTokenEnvVar } : {}),
    ...(options.disabled ? { enabled: false } : {}),
    ...(options.enabledTools ? { enabled_tools: options.enabledTools } : {}),
    ...(options.disabledTools ? { disabled_tools: options.disabledTools } : {}),
    ...(options.startupTimeoutSec !== undefined ? { startup_timeout_sec: options.startupTimeoutSec } : {}),
    ...(options.toolTimeoutSec !== undefined ? { tool_timeout_sec: options.toolTimeoutSec } : {}),
    ...(env ? { env } : {}),
    ...(headers ? { http_headers: headers } : {}),
  };
}

/** Applies `edit` to config.toml, checks the result against the schema, and writes it. */
async function editConfig(
  io: McpCommandIo,
  command: string,
  edit: (text: string) => string,
): Promise<number> {
  const file = await configFileOf(io.env);
  const { ConfigEditError } = await import('../tools/mcp/config-edit.js');
  const { parseConfigText, ConfigError } = await import('../config/load.js');
  try {
    const edited = edit(readText(file));
    parseConfigText(edited, file);
    writeAtomically(file, edited);
    return 0;
  } catch (err) {
    if (err instanceof ConfigEditError || err instanceof ConfigError || err instanceof UsageError) {
      io.stderr.write(`spool mcp ${command}: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    throw err;
  }
}

async function runMcpAdd(options: McpAddOptions, io: McpCommandIo): Promise<number> {
  const { isValidServerName } = await import('../tools/mcp/naming.js');
  if (!isValidServerName(options.name)) {
    io.stderr.write(
      `spool mcp add: invalid name "${options.name}": use letters, digits, "_" and "-" (at most 64 characters)\n`,
    );
    return 2;
  }
  let server: McpServerConfig;
  try {
    server = serverFromOptions(options);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`spool mcp add: ${err.message}\n`);
    return 2;
  }
  const { addMcpServer } = await import('../tools/mcp/config-edit.js');
  const code = await editConfig(io, 'add', (text) => addMcpServer(text, options.name, server));
  if (code === 0) io.stdout.write(`Added MCP server "${options.name}" to ${await configFileOf(io.env)}.\n`);
  return code;
}

async function runMcpRemove(name: string, io: McpCommandIo): Promise<number> {
  const { removeMcpServer } = await import('../tools/mcp/config-edit.js');
  const code = await editConfig(io, 'remove', (text) => removeMcpServer(text, name));
  if (code === 0) io.stdout.write(`Removed MCP server "${name}" from ${await configFileOf(io.env)}.\n`);
  return code;
}

/** Registers `mcp` (list, get, add, remove) and `mcp-server` on the `spool` program. */
export function addMcpCommands(program: Command, io: () => McpCommandIo): void {
  const finish = (code: number) => {
    const sink = io().exit;
    if (sink) sink(code);
    else process.exitCode = code;
  };
  const mcp = program.command('mcp').description('manage the MCP servers in config.toml');
  mcp
    .command('list')
    .description('list the configured MCP servers')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => finish(await runMcpList(opts, io())));
  mcp
    .command('get')
    .description('show one MCP server')
    .argument('<name>', 'the server name')
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { json?: boolean }) => finish(await runMcpGet(name, opts, io())));
  mcp
    .command('add')
    .description('add an MCP server: `add <name> -- <command> [args...]` or `add <name> --url <url>`')
    .argument('<name>', 'the server name (letters, digits, _ and -)')
    .argument('[command...]', 'the command that starts a stdio server, and its arguments (after --)')
    .option('--url <url>', 'the URL of a streamable HTTP server')
    .option('--bearer-token-env-var <var>', 'HTTP: send `Authorization: Bearer $VAR`')
    .option('--header <key=value>', 'HTTP: an extra header (repeatable)', collect)
    .option('--env <key=value>', 'stdio: an environment variable for the server (repeatable)', collect)
    .option('--cwd <dir>', 'stdio: the directory the server runs in')
    .option('--startup-timeout <sec>', 'seconds the server may take to start (default 10)')
    .option('--tool-timeout <sec>', 'seconds a tool call may take (default 60)')
    .option('--enabled-tools <names>', 'offer only these tools (comma-separated)')
    .option('--disabled-tools <names>', 'never offer these tools (comma-separated)')
    .option('--disabled', 'add it switched off (enabled = false)')
    .action(async (name: string, command: string[], opts: Record<string, unknown>) => {
      let options: McpAddOptions;
      try {
        options = {
          name,
          command,
          url: opts.url as string | undefined,
          bearerTokenEnvVar: opts.bearerTokenEnvVar as string | undefined,
          headers: opts.header as string[] | undefined,
          env: opts.env as string[] | undefined,
          cwd: opts.cwd as string | undefined,
          startupTimeoutSec:
            opts.startupTimeout === undefined ? undefined : seconds(opts.startupTimeout as string),
          toolTimeoutSec: opts.toolTimeout === undefined ? undefined : seconds(opts.toolTimeout as string),
          enabledTools: opts.enabledTools === undefined ? undefined : commaList(opts.enabledTools as string),
          disabledTools:
            opts.disabledTools === undefined ? undefined : commaList(opts.disabledTools as string),
          disabled: Boolean(opts.disabled),
        };
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        io().stderr.write(`spool mcp add: ${err.message}\n`);
        return finish(2);
      }
      finish(await runMcpAdd(options, io()));
    });
  mcp
    .command('remove')
    .description('remove an MCP server')
    .argument('<name>', 'the server name')
    .action(async (name: string) => finish(await runMcpRemove(name, io())));

  program
    .command('mcp-server')
    .description('run Spool as an MCP server over stdio (tools `spool` and `spool-reply`)')
    .option('-m, --model <model>', 'default model of the sessions')
    .option('-p, --profile <name>', 'configuration profile from config.toml')
    .option(
      '-c, --config <key=value>',
      'override a configuration value (TOML value; repeatable)',
      collect,
      [],
    )
    .addOption(sandboxOption('default sandbox of the sessions'))
    .addOption(approvalOption('default approval policy of the sessions'))
    .option('-C, --cd <dir>', 'default working directory of the sessions')
    .action(async (opts: Record<string, unknown>) => {
      const { runMcpServer } = await import('./mcp-server.js');
      const { env, stderr } = io();
      const code = await runMcpServer(
        {
          model: opts.model as string | undefined,
          profile: opts.profile as string | undefined,
          config: opts.config as string[],
          sandbox: opts.sandbox as SandboxMode | undefined,
          approvalPolicy: opts.askForApproval as ApprovalPolicy | undefined,
          cwd: opts.cd as string | undefined,
        },
        { stdin: process.stdin, stdout: process.stdout, stderr, env },
      );
      finish(code);
    });
}

/** Starting MCP managers on real servers (the npm reference servers and our fixture) for tests. */
import path from 'node:path';
import type { McpServerConfig } from '../../src/config/schema.js';
import { McpManager } from '../../src/tools/mcp/manager.js';
import { ROOT } from '../support/spool-bin.js';
import { tempDir } from '../support/thread.js';

export const FIXTURE_SERVER = path.join(ROOT, 'test/mcp/fixtures/fixture-server.mjs');
export const EVERYTHING_BIN = path.join(ROOT, 'node_modules/.bin/mcp-server-everything');
export const FILESYSTEM_BIN = path.join(ROOT, 'node_modules/.bin/mcp-server-filesystem');

export function fixture(
  env: Record<string, string> = {},
  extra: Partial<McpServerConfig> = {},
): McpServerConfig {
  return { command: process.execPath, args: [FIXTURE_SERVER], env, ...extra };
}

export function everything(extra: Partial<McpServerConfig> = {}): McpServerConfig {
  return { command: EVERYTHING_BIN, args: ['stdio'], ...extra };
}

export function filesystem(dir: string, extra: Partial<McpServerConfig> = {}): McpServerConfig {
  return { command: FILESYSTEM_BIN, args: [dir], ...extra };
}

export interface TestManager {
  manager: McpManager;
  warnings: string[];
  home: string;
}

/** Managers made here are closed by `closeManagers()` (call it in afterEach). */
export class ManagerPool {
  private readonly managers: McpManager[] = [];

  start(servers: Record<string, McpServerConfig>, env: NodeJS.ProcessEnv = process.env): TestManager {
    const warnings: string[] = [];
    const home = tempDir('spool-mcp-home-');
    const manager = new McpManager(servers, {
      spoolHome: home,
      env,
      cwd: ROOT,
      onWarning: (message) => warnings.push(message),
    });
    this.managers.push(manager);
    return { manager, warnings, home };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.managers.splice(0).map((m) => m.close()));
  }
}

export function signal(): AbortSignal {
  return new AbortController().signal;
}

export function textOf(result: { content?: unknown[] }): string {
  return (result.content ?? []).map((block) => (block as { text?: string }).text ?? '').join('\n');
}

/**
 * What `spool exec` says on stderr while MCP servers start: which are still starting (once, after a
 * second), which became ready after that, and which failed and why (the failure itself is the
 * manager's warning, with the server's log file).
 */
import type { AttachMcpOptions } from '../tools/mcp/attach.js';

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export function mcpStartupReports(
  say: (line: string) => void,
): Pick<AttachMcpOptions, 'onStartup' | 'onStillStarting'> {
  const announced = new Set<string>();
  const began = new Map<string, number>();
  return {
    onStartup: (update) => {
      if (update.status === 'starting') began.set(update.server, Date.now());
      else if (update.status === 'ready' && announced.has(update.server)) {
        const start = began.get(update.server) ?? Date.now();
        say(`mcp: server "${update.server}" is ready (${seconds(Date.now() - start)})`);
      }
    },
    onStillStarting: (servers) => {
      for (const server of servers) announced.add(server.name);
      say(
        `mcp: waiting for ${servers
          .map((s) => `"${s.name}" (up to ${seconds(s.timeoutMs)})`)
          .join(', ')} to start…`,
      );
    },
  };
}

/**
 * The tools a thread gets by default, and the per-thread resources behind them (exec sessions),
 * released when the thread closes.
 */
import type { ThreadSettings } from '../agent/settings.js';
import { ToolRegistry } from './registry.js';

export interface ThreadTools {
  registry: ToolRegistry;
  close(): Promise<void>;
}

export function createDefaultTools(_settings: ThreadSettings): ThreadTools {
  return { registry: new ToolRegistry([]), close: async () => {} };
}

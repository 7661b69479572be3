/** `spool exec` and sub-agents: the per-agent and tree-wide token and cost totals at the end. */
import type { AgentTree } from '../agents/tree.js';
import { formatUsd } from '../model/prices.js';
import type { Cost, Usage } from '../protocol/usage.js';

function spent(usage: Usage, cost: Cost): string {
  const tokens = usage.input_tokens + usage.output_tokens;
  const usd = cost.usd === null ? 'cost unknown' : formatUsd(cost.usd);
  return `${tokens.toLocaleString('en-US')} tokens (${usage.cached_input_tokens.toLocaleString('en-US')} cached), ${usd}`;
}

/** On stderr, when the run had sub-agents: what each agent spent in this process, and the tree's total. */
export function reportTreeTotals(tree: AgentTree, say: (line: string) => void): void {
  const totals = tree.totals();
  if (totals.length <= 1) return;
  say('agents:');
  for (const total of totals) say(`  ${total.path}: ${spent(total.usage, total.cost)}`);
  const all = tree.treeTotal();
  say(`  tree total: ${spent(all.usage, all.cost)}`);
}

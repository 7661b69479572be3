/** An incident run as Markdown (pure): the overall numbers, then one row per case. */
import type { CaseReport, RunReport } from './incidents.js';

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)} %`;
}

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'unknown';
  return value < 0.01 && value > 0 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function finding(c: CaseReport): string {
  const f = c.matching_finding;
  if (!f) return '—';
  return cell(
    `#${f.number} [P${f.priority}] ${f.title} (${f.location.path}:${f.location.line_range.start}-${f.location.line_range.end})`,
  );
}

export function renderRunMarkdown(run: RunReport): string {
  const o = run.overall;
  const ci = o.catch_rate_ci95
    ? ` (95 % CI ${percent(o.catch_rate_ci95[0])}–${percent(o.catch_rate_ci95[1])})`
    : '';
  const lines = [
    `# Incident replay: ${run.label}`,
    '',
    `Model \`${run.model}\`${run.judge_model ? `, judge \`${run.judge_model}\`` : ''}, ${run.mode}${run.config.length ? `, config ${run.config.map((c) => `\`${c}\``).join(' ')}` : ''}; match tolerance ±${run.tolerance} lines.`,
    '',
    '| | |',
    '| --- | --- |',
    `| cases | ${o.cases} (${o.evaluated} evaluated, ${o.failed} failed) |`,
    `| caught | ${o.caught} of ${o.evaluated} |`,
    `| catch rate | ${percent(o.catch_rate)}${ci} |`,
    `| precision | ${percent(o.precision)} (${o.true_positives} of ${o.findings} findings at a culprit location; ${o.false_positives} false positive${o.false_positives === 1 ? '' : 's'}) |`,
    `| tokens | ${o.tokens.input} in (${o.tokens.cached_input} cached), ${o.tokens.output} out |`,
    `| cost | ${usd(o.cost_usd)} |`,
    `| cost per catch | ${o.cost_per_catch_usd === null ? '—' : usd(o.cost_per_catch_usd)} |`,
    '',
    '| case | severity | result | matching finding | false positives | tokens in/out | cost | time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...run.cases.map(
      (c) =>
        `| ${cell(c.id)}: ${cell(c.title)} | ${cell(c.severity)} | ${c.status}${c.judge && 'prevented' in c.judge ? ` (judge: ${c.judge.prevented ? 'prevented' : 'not prevented'})` : ''} | ${finding(c)} | ${c.false_positives.length} | ${c.tokens.input}/${c.tokens.output} | ${usd(c.cost_usd)} | ${(c.duration_ms / 1000).toFixed(1)} s |`,
    ),
  ];
  const failed = run.cases.filter((c) => c.status === 'failed');
  if (failed.length) {
    lines.push('', '## Failed cases', '');
    for (const c of failed) lines.push(`- **${c.id}**: ${cell(c.error ?? 'failed')}`);
  }
  const judged = run.cases.filter((c) => c.judge);
  if (judged.length) {
    lines.push('', '## Judge', '');
    for (const c of judged) {
      const j = c.judge!;
      lines.push(
        `- **${c.id}**: ${'error' in j ? `no verdict: ${cell(j.error)}` : `${j.prevented ? 'prevented' : 'not prevented'} — ${cell(j.explanation)}`}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

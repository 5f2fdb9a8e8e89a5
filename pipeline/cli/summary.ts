// The per-stage counts printed at the end of every command.
import type { StageCounts } from '../runner/runner.ts';

export function formatCounts(counts: StageCounts[]): string {
  const head = ['stage', 'seen', 'new', 'kept', 'dropped', 'pending', 'ms'];
  const rows = counts.map((c) => [c.stage, c.seen, c.new, c.kept, Object.values(c.dropped).reduce((a, b) => a + b, 0), c.pending, c.ms].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  const out = [line(head), ...rows.map(line)];
  const reasons = counts.flatMap((c) => Object.entries(c.dropped).sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => `  ${c.stage}: ${r} ${n}`));
  if (reasons.length) out.push('', 'dropped by reason:', ...reasons);
  return out.join('\n');
}

// The per-stage counts printed at the end of every command.
import type { StageCounts } from '../runner/runner.ts';
import type { Store } from '../../db/store.ts';

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

/** Per-article extraction counts (from the extract stage's attributes), one line per article. */
export function formatPerArticle(store: Store): string {
  const rows = store.db.prepare(`SELECT p.item_key AS pmcid, p.status, p.reason,
      (SELECT json_group_object(name, json(value_json)) FROM attributes a WHERE a.stage = 'extract' AND a.item_key = p.item_key) AS attrs
    FROM stage_progress p WHERE p.stage = 'extract' ORDER BY p.item_key`).all() as { pmcid: string; status: string; reason: string | null; attrs: string | null }[];
  const head = ['article', 'sections', 'cases', 'sentences', 'figures', 'images', 'status'];
  const lines = rows.map((r) => {
    const a = JSON.parse(r.attrs ?? '{}') as Record<string, number>;
    return [r.pmcid, a.sections ?? '-', a.cases ?? '-', a.sentences ?? '-', a.figures ?? '-', a.images ?? '-', r.status === 'dropped' ? `dropped: ${r.reason}` : r.status].map(String);
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]): string => l.map((v, i) => (i === 0 || i === l.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

// `mmrare status`: counts per stage and reason, from the store (no work is done; read-only).
import { JSON_OPTION, loadConfig, openStore } from '../globals.ts';
import type { Command } from './index.ts';
import type { Store } from '../../../db/store.ts';
import { reviewCounts, type ReviewCounts } from '../../review/store.ts';
import { exportSummary, formatExport, formatReasons, partsNote, storeDropOwnership, type ExportSummary, type StageDrops } from '../summary.ts';

export interface StatusReport {
  workdir: string;
  orphanet_release: string | null;
  last_run: { id: number; command: string; status: string; started_at: string; finished_at: string | null; config_hash: string } | null;
  // review: open review items (decisions with action 'review', e.g. align's uncertain cases) of items done at
  // the stage's current version; counted apart from drops, since a person decides them
  stages: { stage: string; done: number; dropped: number; pending: number; review: number; dropped_by_reason: Record<string, number>; review_by_reason: Record<string, number> }[];
  /** each drop counted once, at the stage that decided it (pipeline/cli/summary.ts) */
  drops: StageDrops[];
  questions: { generated: number; kept: number; exported: number; by_track: Record<string, { generated: number; kept: number; exported: number }> };
  export: ExportSummary;
  /** human review (pipeline/review): per question its latest non-stale verdict; needs_rereview: reviews went stale (article changed) and none is current */
  reviews: ReviewCounts;
}

export function statusReport(store: Store): StatusReport {
  const db = store.db;
  const rows = db.prepare(`SELECT stage, status, COALESCE(reason, '') AS reason, COUNT(*) AS n FROM stage_progress GROUP BY stage, status, reason`).all() as
    { stage: string; status: string; reason: string; n: number }[];
  const order = ['fetch', 'extract', 'align', 'generate', 'filter', 'export'];
  const reviews = db.prepare(`SELECT d.stage, d.reason_code AS reason, COUNT(*) AS n FROM decisions d
    JOIN stage_progress p ON p.stage = d.stage AND p.item_key = d.item_key AND p.stage_version = d.stage_version AND p.status = 'done'
    WHERE d.action = 'review' GROUP BY d.stage, d.reason_code`).all() as { stage: string; reason: string; n: number }[];
  const stages = order.filter((s) => rows.some((r) => r.stage === s)).map((stage) => {
    const mine = rows.filter((r) => r.stage === stage);
    const sum = (st: string): number => mine.filter((r) => r.status === st).reduce((a, r) => a + r.n, 0);
    const rev = reviews.filter((r) => r.stage === stage).sort((a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
    return {
      stage, done: sum('done'), dropped: sum('dropped'), pending: sum('pending'), review: rev.reduce((a, r) => a + r.n, 0),
      dropped_by_reason: Object.fromEntries(mine.filter((r) => r.status === 'dropped').sort((a, b) => a.reason.localeCompare(b.reason)).map((r) => [r.reason, r.n])),
      review_by_reason: Object.fromEntries(rev.map((r) => [r.reason, r.n])),
    };
  });
  const last = db.prepare('SELECT id, command, status, started_at, finished_at, config_hash, orphanet_release FROM runs ORDER BY id DESC LIMIT 1').get() as
    (StatusReport['last_run'] & { orphanet_release: string | null }) | undefined;
  const exp = exportSummary(store);
  const by_track: StatusReport['questions']['by_track'] = {};
  const entry = (t: string) => (by_track[t] ??= { generated: 0, kept: 0, exported: 0 });
  for (const r of db.prepare('SELECT track, COUNT(*) AS n FROM questions GROUP BY track').all() as { track: string; n: number }[]) entry(r.track).generated = r.n;
  for (const r of db.prepare('SELECT track, COUNT(*) AS n FROM filtered_questions GROUP BY track').all() as { track: string; n: number }[]) entry(r.track).kept = r.n;
  for (const [t, n] of Object.entries(exp.questions)) entry(t).exported = n;
  return {
    workdir: store.workdir,
    orphanet_release: last?.orphanet_release ?? null,
    last_run: last ? { id: last.id, command: last.command, status: last.status, started_at: last.started_at, finished_at: last.finished_at, config_hash: last.config_hash } : null,
    stages,
    drops: storeDropOwnership(store),
    questions: {
      generated: (db.prepare('SELECT COUNT(*) FROM questions').pluck().get() as number),
      kept: (db.prepare('SELECT COUNT(*) FROM filtered_questions').pluck().get() as number),
      exported: Object.values(exp.questions).reduce((a, b) => a + b, 0),
      by_track: Object.fromEntries(Object.entries(by_track).sort(([a], [b]) => a.localeCompare(b))),
    },
    export: exp,
    reviews: reviewCounts(db),
  };
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'counts per stage (done, dropped by reason, pending, open review items), questions per track (--json for machines)',
  usage: 'mmrare status [options]',
  description: 'Reads the store only (works on a store you cannot write). Each drop is counted once, at the stage that decided it:\n' +
    'a case align dropped or held for review is shown under align, not again under generate.',
  examples: ['mmrare status --workdir W', 'mmrare status --workdir W --json | jq .questions'],
  options: { ...JSON_OPTION },
  async run(values, _pos, io) {
    loadConfig(values);
    const store = openStore(values, { readonly: true });
    try {
      const r = statusReport(store);
      if (values.json) { io.out(JSON.stringify(r, null, 2)); return 0; }
      io.out(`store ${r.workdir}  (Orphanet release ${r.orphanet_release ?? 'n/a'})`);
      if (r.last_run) io.out(`last run #${r.last_run.id} ${r.last_run.command}: ${r.last_run.status}, config ${r.last_run.config_hash.slice(0, 12)}`);
      io.out('');
      const drops = new Map(r.drops.map((d) => [d.stage, d]));
      io.out(`${'stage'.padEnd(9)} ${'done'.padStart(6)} ${'dropped'.padStart(8)} ${'pending'.padStart(8)} ${'review'.padStart(7)}  items`);
      for (const s of r.stages) {
        const d = drops.get(s.stage);
        const earlier = d ? d.earlier.reduce((a, e) => a + e.items, 0) : 0;
        io.out(`${s.stage.padEnd(9)} ${String(s.done).padStart(6)} ${String(s.dropped - earlier).padStart(8)} ${String(s.pending).padStart(8)} ${String(s.review).padStart(7)}  ${d?.unit ?? 'items'}${partsNote(d)}`);
      }
      const reasons = formatReasons(r.drops);
      if (reasons.length) io.out(['', 'dropped, each counted once at the stage that decided:', ...reasons].join('\n'));
      io.out('');
      const tracks = Object.entries(r.questions.by_track);
      io.out(`questions: ${r.questions.generated} generated, ${r.questions.kept} kept after leak control, ${r.questions.exported} in the last export` +
        (tracks.length ? ` (${tracks.map(([t, q]) => `${t}: ${q.generated}/${q.kept}/${q.exported}`).join(', ')})` : ''));
      for (const l of formatExport(r.export)) io.out(l);
      const rv = r.reviews;
      io.out(`reviews:  ${rv.accepted} accepted, ${rv.rejected} rejected, ${rv.pending} pending of ${rv.questions}` + (rv.edited ? `, ${rv.edited} edited` : '') +
        (rv.needs_rereview ? `; ${rv.needs_rereview} need re-review (their article changed)` : ''));
      return 0;
    } finally { store.close(); }
  },
};

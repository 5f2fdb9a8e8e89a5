// `mmrare status`: counts per stage and reason, from the store (no work is done).
import { openStore } from '../globals.ts';
import type { Command } from './index.ts';
import type { Store } from '../../../db/store.ts';

export interface StatusReport {
  workdir: string;
  orphanet_release: string | null;
  last_run: { id: number; command: string; status: string; started_at: string; finished_at: string | null; config_hash: string } | null;
  stages: { stage: string; done: number; dropped: number; pending: number; dropped_by_reason: Record<string, number> }[];
  questions: { generated: number; kept: number; exported: number };
}

export function statusReport(store: Store): StatusReport {
  const db = store.db;
  const rows = db.prepare(`SELECT stage, status, COALESCE(reason, '') AS reason, COUNT(*) AS n FROM stage_progress GROUP BY stage, status, reason`).all() as
    { stage: string; status: string; reason: string; n: number }[];
  const order = ['fetch', 'extract', 'align', 'generate', 'filter', 'export'];
  const stages = order.filter((s) => rows.some((r) => r.stage === s)).map((stage) => {
    const mine = rows.filter((r) => r.stage === stage);
    const sum = (st: string): number => mine.filter((r) => r.status === st).reduce((a, r) => a + r.n, 0);
    return {
      stage, done: sum('done'), dropped: sum('dropped'), pending: sum('pending'),
      dropped_by_reason: Object.fromEntries(mine.filter((r) => r.status === 'dropped').sort((a, b) => a.reason.localeCompare(b.reason)).map((r) => [r.reason, r.n])),
    };
  });
  const last = db.prepare('SELECT id, command, status, started_at, finished_at, config_hash, orphanet_release FROM runs ORDER BY id DESC LIMIT 1').get() as
    (StatusReport['last_run'] & { orphanet_release: string | null }) | undefined;
  return {
    workdir: store.workdir,
    orphanet_release: last?.orphanet_release ?? null,
    last_run: last ? { id: last.id, command: last.command, status: last.status, started_at: last.started_at, finished_at: last.finished_at, config_hash: last.config_hash } : null,
    stages,
    questions: {
      generated: (db.prepare('SELECT COUNT(*) FROM questions').pluck().get() as number),
      kept: (db.prepare('SELECT COUNT(*) FROM filtered_questions').pluck().get() as number),
      exported: (db.prepare(`SELECT COALESCE(SUM(rows), 0) FROM exports e WHERE e.id IN (SELECT MAX(id) FROM exports WHERE track NOT LIKE '%:%' GROUP BY track)`).pluck().get() as number),
    },
  };
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'counts per stage and drop reason (--json for machines)',
  usage: 'mmrare status [--workdir DIR] [--json]',
  examples: ['mmrare status --workdir W', 'mmrare status --workdir W --json'],
  options: { json: { type: 'boolean', default: false } },
  async run(values, _pos, io) {
    const store = openStore(values, { mustExist: true });
    try {
      const r = statusReport(store);
      if (values.json) { io.out(JSON.stringify(r, null, 2)); return 0; }
      io.out(`store ${r.workdir}  (Orphanet release ${r.orphanet_release ?? 'n/a'})`);
      if (r.last_run) io.out(`last run #${r.last_run.id} ${r.last_run.command}: ${r.last_run.status}, config ${r.last_run.config_hash.slice(0, 12)}`);
      io.out('');
      io.out(`${'stage'.padEnd(9)} ${'done'.padStart(6)} ${'dropped'.padStart(8)} ${'pending'.padStart(8)}`);
      for (const s of r.stages) {
        io.out(`${s.stage.padEnd(9)} ${String(s.done).padStart(6)} ${String(s.dropped).padStart(8)} ${String(s.pending).padStart(8)}`);
        for (const [reason, n] of Object.entries(s.dropped_by_reason)) io.out(`    ${reason} ${n}`);
      }
      io.out(`\nquestions: ${r.questions.generated} generated, ${r.questions.kept} kept after leak control, ${r.questions.exported} in the last export`);
      return 0;
    } finally { store.close(); }
  },
};

// `mmrare list`: the question ids in a store, with their track and status (filters by track, status,
// article), so `mmrare audit --question ID` has ids to take. `--articles` lists articles instead.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../../db/store.ts';
import { unpackDraft } from '../../../db/packed-json.ts';
import { InputError } from '../../core/errors.ts';
import { JSON_OPTION, loadConfig, openStore } from '../globals.ts';
import { didYouMean } from '../suggest.ts';
import { normalizePmcid } from './show.ts';
import type { Command } from './index.ts';

export const QUESTION_STATUSES = ['exported', 'filtered', 'dropped', 'draft'] as const;
export type QuestionStatus = typeof QUESTION_STATUSES[number];
const STATUS_MEANING: Record<QuestionStatus, string> = {
  exported: 'in the last export of its track',
  filtered: 'passed leak control, not (yet) in the export',
  dropped: 'dropped by leak control or by the export checks (see the reason)',
  draft: 'generated, not yet through leak control',
};

export interface ListedQuestion { id: string; track: string; status: QuestionStatus; pmcid: string; case: number; answer: string | null; masks: number; reason: string | null }

/** The ids in each track's export file (the truth of "exported"). */
function exportedIds(store: Store, track: string): Set<string> {
  const file = join(store.workdir, 'export', `${track}.jsonl`);
  if (!existsSync(file)) return new Set();
  return new Set(readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => { try { return String(JSON.parse(l).id); } catch { return ''; } }));
}

export function listQuestions(store: Store): ListedQuestion[] {
  const db = store.db;
  const rows = db.prepare(`SELECT q.id, q.track, q.pmcid, q.case_no, q.draft_json, (f.id IS NOT NULL) AS kept,
      (SELECT reason_code FROM decisions d WHERE d.question_id = q.id AND d.action = 'drop' AND d.stage IN ('filter', 'export') ORDER BY d.id LIMIT 1) AS drop_reason,
      (SELECT reason FROM stage_progress p WHERE p.stage = 'filter' AND p.item_key = q.id AND p.status = 'dropped') AS filter_reason,
      (SELECT COUNT(*) FROM decisions d WHERE d.question_id = q.id AND d.action = 'mask') AS masks
    FROM questions q LEFT JOIN filtered_questions f ON f.id = q.id ORDER BY q.track, q.id`).all() as
    { id: string; track: string; pmcid: string; case_no: number; draft_json: string | Buffer; kept: number; drop_reason: string | null; filter_reason: string | null; masks: number }[];
  const exported = new Map<string, Set<string>>();
  return rows.map((r) => {
    if (!exported.has(r.track)) exported.set(r.track, exportedIds(store, r.track));
    let answer: string | null = null;
    try { const a = (JSON.parse(unpackDraft(db, r.pmcid, r.draft_json)) as { answer?: unknown }).answer; answer = typeof a === 'string' ? a : a == null ? null : JSON.stringify(a); } catch { /* shown as - */ }
    const reason = r.filter_reason ?? r.drop_reason;
    const status: QuestionStatus = exported.get(r.track)!.has(r.id) ? 'exported' : reason ? 'dropped' : r.kept ? 'filtered' : 'draft';
    return { id: r.id, track: r.track, status, pmcid: r.pmcid, case: r.case_no, answer, masks: r.masks, reason: status === 'dropped' ? reason : null };
  });
}

export interface ListedArticle { pmcid: string; pmid: string | null; licence: string; stages: Record<string, string>; questions: number }

export function listArticles(store: Store): ListedArticle[] {
  const arts = store.db.prepare('SELECT pmcid, pmid, license_code FROM articles ORDER BY pmcid').all() as { pmcid: string; pmid: string | null; license_code: string }[];
  const prog = store.db.prepare(`SELECT stage, item_key, status, reason FROM stage_progress WHERE stage IN ('fetch', 'extract', 'align')`).all() as
    { stage: string; item_key: string; status: string; reason: string | null }[];
  const q = new Map((store.db.prepare('SELECT pmcid, COUNT(*) AS n FROM questions GROUP BY pmcid').all() as { pmcid: string; n: number }[]).map((r) => [r.pmcid, r.n]));
  return arts.map((a) => ({
    pmcid: a.pmcid, pmid: a.pmid, licence: a.license_code, questions: q.get(a.pmcid) ?? 0,
    stages: Object.fromEntries(prog.filter((p) => p.item_key === a.pmcid).map((p) => [p.stage, p.status === 'dropped' ? `dropped: ${p.reason}` : p.status])),
  }));
}

const fmt = (head: string[], rows: string[][]): string[] => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((v, i) => v.padEnd(w[i])).join('  ').trimEnd());
};

export const listCommand: Command = {
  name: 'list',
  summary: 'list question ids with track and status (filters: --track, --status, --pmcid); --articles lists articles',
  usage: 'mmrare list [--track T] [--status S] [--pmcid PMCID] [--articles] [options]',
  description: `Statuses: ${QUESTION_STATUSES.map((s) => `${s} (${STATUS_MEANING[s]})`).join('; ')}.\n` +
    'Reads the store only. Give an id to `mmrare audit --question ID` to see every decision behind it.',
  examples: ['mmrare list --workdir W', 'mmrare list --workdir W --track diagnosis --status exported', 'mmrare list --workdir W --status dropped --json'],
  options: {
    track: { type: 'string', value: 'TRACK', description: 'only this track (diagnosis, treatment, cross_image, examination — the tracks the store has)' },
    status: { type: 'string', value: 'STATUS', description: `only questions with this status: ${QUESTION_STATUSES.join(', ')}` },
    pmcid: { type: 'string', value: 'PMCID', description: 'only questions of this article (any PMCID spelling: PMC4738710, 4738710)' },
    articles: { type: 'boolean', default: false, description: 'list the articles instead: PMID, licence, fetch/extract/align status, questions' },
    ...JSON_OPTION,
  },
  async run(values, _pos, io) {
    loadConfig(values);
    if (values.status && !(QUESTION_STATUSES as readonly string[]).includes(values.status)) {
      throw new InputError(`--status ${values.status}: unknown status${didYouMean(values.status, QUESTION_STATUSES)}; the statuses are ${QUESTION_STATUSES.join(', ')}`);
    }
    const pmcid = values.pmcid ? normalizePmcid(values.pmcid) : null;
    if (values.pmcid && !pmcid) throw new InputError(`--pmcid ${values.pmcid}: not a PMCID (expected e.g. PMC4738710)`);
    const store = openStore(values, { readonly: true });
    try {
      if (values.articles) {
        const arts = listArticles(store).filter((a) => !pmcid || a.pmcid === pmcid);
        if (values.json) { io.out(JSON.stringify({ articles: arts, count: arts.length }, null, 2)); return 0; }
        for (const l of fmt(['article', 'pmid', 'licence', 'fetch', 'extract', 'align', 'questions'],
          arts.map((a) => [a.pmcid, a.pmid ?? '-', a.licence, a.stages.fetch ?? '-', a.stages.extract ?? '-', a.stages.align ?? '-', String(a.questions)]))) io.out(l);
        io.err(`${arts.length} articles`);
        return 0;
      }
      const all = listQuestions(store);
      const tracks = [...new Set(all.map((q) => q.track))].sort();
      if (values.track && !tracks.includes(values.track)) {
        throw new InputError(`--track ${values.track}: no questions of that track in this store${didYouMean(values.track, tracks)}; tracks here: ${tracks.join(', ') || 'none (run mmrare generate)'}`);
      }
      const rows = all.filter((q) => (!values.track || q.track === values.track) && (!values.status || q.status === values.status) && (!pmcid || q.pmcid === pmcid));
      const counts: Record<string, Record<string, number>> = {};
      for (const q of rows) { counts[q.track] ??= {}; counts[q.track][q.status] = (counts[q.track][q.status] ?? 0) + 1; }
      if (values.json) { io.out(JSON.stringify({ questions: rows, count: rows.length, by_track: counts }, null, 2)); return 0; }
      if (rows.length) {
        for (const l of fmt(['id', 'track', 'status', 'article', 'case', 'masks', 'answer / reason'],
          rows.map((q) => [q.id, q.track, q.status, q.pmcid, String(q.case), String(q.masks), q.status === 'dropped' ? `dropped: ${q.reason}` : q.answer ?? '-']))) io.out(l);
      }
      // the count on stderr keeps stdout a clean table for `| cut -f1` and the like
      io.err(`${rows.length} question${rows.length === 1 ? '' : 's'}${Object.keys(counts).length ? ': ' + Object.entries(counts).map(([t, c]) => `${t} ${Object.entries(c).map(([s, n]) => `${n} ${s}`).join(', ')}`).join('; ') : ''}`);
      return 0;
    } finally { store.close(); }
  },
};

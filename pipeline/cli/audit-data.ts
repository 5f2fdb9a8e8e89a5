// What `mmrare audit` reads, written over the generic shapes every track shares — the decisions table
// (stage, action, reason_code, rule, field, span, matched_text, detail_json), questions.draft_json,
// filtered_questions.final_json, question_evidence, images — so a new track shows up without changes here
// (everything is grouped by the `track` column).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../db/store.ts';
import { readSectionText } from '../../db/article-text.ts';
import { readFinalJson, unpackDraft } from '../../db/packed-json.ts';
import { readEvidence } from '../../db/question-evidence.ts';
import { InputError } from '../core/errors.ts';
import { PROJECT_ROOT } from '../core/data-locations.ts';
import { splitSentences } from '../core/sentences.ts';
import { STAGE_NAMES } from '../runner/stage-names.ts';
import { caseKeyOf, storeFollowedDecisions } from './summary.ts';
import { didYouMean } from './suggest.ts';

export interface DecisionRow {
  id: number; run_id: number | null; stage: string; stage_version: string; item_key: string; pmcid: string | null; question_id: string | null;
  action: string; reason_code: string; rule: string; field: string | null; span_start: number | null; span_end: number | null;
  matched_text: string | null; detail_json: string; config_hash: string;
}

/** A span shown in its sentence: the sentence text split around the span. */
export interface InSentence { before: string; span: string; after: string; source: string }

export interface AuditImage { imageId: string; group: string; label: string | null; placeholder: boolean; width: number | null; height: number | null; format: string | null; norm_sha256: string | null; thumb_sha256: string | null }

export interface QuestionAudit {
  question: { id: string; track: string; pmcid: string; case: number; answer: string | null; orpha_code: string | null; exported: boolean; status: string } | null;
  diagnosis: { orpha_code: string | null; orpha_name: string | null; confidence: number; status: string; evidence: unknown; runners_up: unknown; rules: unknown } | null;
  decisions: DecisionRow[];
  /** per decision id: its span shown in its sentence, where it has one */
  in_sentence: Record<number, InSentence>;
  draft: Record<string, unknown> | null;
  final: Record<string, unknown> | null;
  evidence: { kind: string; ref: Record<string, unknown> }[];
  images: AuditImage[];
}

const COLS = 'id, run_id, stage, stage_version, item_key, pmcid, question_id, action, reason_code, rule, field, span_start, span_end, matched_text, detail_json, config_hash';
const rank = (s: string): number => { const i = (STAGE_NAMES as readonly string[]).indexOf(s); return i < 0 ? 99 : i; };
const byPipeline = (a: DecisionRow, b: DecisionRow): number => rank(a.stage) - rank(b.stage) || a.id - b.id;
const parse = <T>(s: string | null | undefined): T | null => { if (s == null) return null; try { return JSON.parse(s) as T; } catch { return null; } };

/** A value inside a JSON object by a field path: "context", "images.0.label", "images[0].ocr". */
export function fieldValue(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean)) {
    if (cur == null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The sentence of `text` that holds [start, end), split around the span (long sentences trimmed around it). */
export function spanInText(text: string, start: number, end: number, source: string): InSentence | null {
  if (!(start >= 0 && end >= start && end <= text.length)) return null;
  const s = splitSentences(text).find((x) => x.start <= start && start < x.end) ?? { start: Math.max(0, start - 120), end: Math.min(text.length, end + 120) };
  const from = Math.max(s.start, Math.min(start, s.end) - 200);
  const to = Math.min(Math.max(s.end, end), end + 200);
  return {
    before: `${from > s.start ? '…' : ''}${text.slice(from, start)}`,
    span: text.slice(start, end),
    after: `${text.slice(end, to)}${to < Math.max(s.end, end) ? '…' : ''}`,
    source,
  };
}

/** Where a decision's span lies, in its sentence: a field of the question's draft, or a section of the article. */
function locate(store: Store, d: DecisionRow, draft: Record<string, unknown> | null): InSentence | null {
  if (d.span_start == null || d.span_end == null || !d.field) return null;
  const value = draft ? fieldValue(draft, d.field) : undefined;
  if (typeof value === 'string') return spanInText(value, d.span_start, d.span_end, `question field "${d.field}"`);
  const sec = d.field.match(/^section:(.+)$/);
  if (sec && d.pmcid) {
    const row = store.db.prepare('SELECT title FROM sections WHERE pmcid = ? AND section_id = ?').get(d.pmcid, sec[1]) as { title: string } | undefined;
    const text = row && readSectionText(store.db, d.pmcid, sec[1]); // db/article-text.ts: the text is in parsed_json
    if (row && text !== undefined) return spanInText(text, d.span_start, d.span_end, `section ${sec[1]}${row.title ? ` "${row.title}"` : ''}`);
  }
  return null;
}

/** Every image id a draft names, grouped by where it names them (`images`: shown; other keys: withheld, mapped, …). */
// A panel of a figure is shown as `<image id>#<letter>`; its row in the store is under storeImageId.
type ImageRef = { imageId: string; storeImageId: string; group: string; label: string | null };

function draftImages(draft: Record<string, unknown>): ImageRef[] {
  const out: ImageRef[] = [];
  const seen = new Set<string>();
  const walk = (v: unknown, group: string): void => {
    if (Array.isArray(v)) { for (const x of v) walk(x, group); return; }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.imageId === 'string' && !seen.has(`${group}:${o.imageId}`)) {
        seen.add(`${group}:${o.imageId}`);
        out.push({ imageId: o.imageId, storeImageId: typeof o.storeImageId === 'string' ? o.storeImageId : o.imageId, group, label: typeof o.label === 'string' ? o.label : null });
      }
      for (const [k, x] of Object.entries(o)) if (k !== 'imageId' && x && typeof x === 'object') walk(x, group);
    }
  };
  for (const [k, v] of Object.entries(draft)) walk(v, k);
  return out;
}

function imageRows(store: Store, refs: ImageRef[]): AuditImage[] {
  const get = store.db.prepare('SELECT format, placeholder, width, height, norm_sha256, thumb_sha256 FROM images WHERE image_id = ?');
  return refs.map(({ storeImageId, ...r }) => {
    const row = get.get(storeImageId) as { format: string; placeholder: number; width: number; height: number; norm_sha256: string; thumb_sha256: string } | undefined;
    return { ...r, placeholder: row?.placeholder === 1, width: row?.width ?? null, height: row?.height ?? null, format: row?.format ?? null, norm_sha256: row?.norm_sha256 ?? null, thumb_sha256: row?.thumb_sha256 ?? null };
  });
}

/** The status of a question: exported, filtered (kept, not in the export), dropped, draft. */
function questionStatus(store: Store, id: string, track: string): { status: string; exported: boolean } {
  const kept = Boolean(store.db.prepare('SELECT 1 FROM filtered_questions WHERE id = ?').get(id));
  const dropped = store.db.prepare(`SELECT 1 FROM decisions WHERE question_id = ? AND action = 'drop' AND stage IN ('filter', 'export')`).get(id)
    ?? store.db.prepare(`SELECT 1 FROM stage_progress WHERE stage = 'filter' AND item_key = ? AND status = 'dropped'`).get(id);
  const file = join(store.workdir, 'export', `${track}.jsonl`);
  const inFile = existsSync(file) && readFileSync(file, 'utf8').includes(`"id":"${id}"`);
  const exported = kept && !dropped && inFile;
  return { exported, status: exported ? 'exported' : dropped ? 'dropped' : kept ? 'filtered' : 'draft' };
}

export function auditQuestion(store: Store, id: string): QuestionAudit {
  const db = store.db;
  const q = db.prepare('SELECT id, track, pmcid, case_no, draft_json FROM questions WHERE id = ?').get(id) as
    { id: string; track: string; pmcid: string; case_no: number; draft_json: string | Buffer } | undefined;
  if (!q) {
    const any = db.prepare(`SELECT ${COLS} FROM decisions WHERE question_id = ? ORDER BY id`).all(id) as DecisionRow[];
    if (any.length === 0) {
      const ids = db.prepare('SELECT id FROM questions').pluck().all() as string[];
      throw new InputError(`no question ${id} in this store${didYouMean(id, ids)} (list them with: mmrare list --workdir DIR)`);
    }
    return { question: null, diagnosis: null, decisions: any.sort(byPipeline), in_sentence: {}, draft: null, final: null, evidence: [], images: [] };
  }
  // packed columns (db/packed-json.ts), shown unpacked
  const draft = parse<Record<string, unknown>>(unpackDraft(db, q.pmcid, q.draft_json)) ?? {};
  const final = parse<Record<string, unknown>>(readFinalJson(db, id));
  const diag = db.prepare('SELECT orpha_code, orpha_name, confidence, status, evidence_json, runners_up_json, rules_json FROM case_diagnoses WHERE pmcid = ? AND case_no = ?')
    .get(q.pmcid, q.case_no) as { orpha_code: string | null; orpha_name: string | null; confidence: number; status: string; evidence_json: string; runners_up_json: string; rules_json: string } | undefined;
  // Everything behind the question, from case selection to each mask: its own decisions, and those about
  // its case or its whole article (fetch policy, extraction, alignment) that name no other question.
  const caseKey = `${q.pmcid}#c${q.case_no}`;
  const decisions = (db.prepare(`SELECT ${COLS} FROM decisions WHERE question_id = ? OR (question_id IS NULL AND pmcid = ?)`).all(id, q.pmcid) as DecisionRow[])
    .filter((d) => d.question_id === id || [caseKey, q.pmcid].includes(caseKeyOf(d) ?? ''))
    .sort(byPipeline);
  const in_sentence: Record<number, InSentence> = {};
  for (const d of decisions) { const s = locate(store, d, draft); if (s) in_sentence[d.id] = s; }
  const evidence = readEvidence(db, id).map((e) => ({ kind: e.kind, ref: (e.ref ?? {}) as Record<string, unknown> }));
  const answer = draft.answer;
  const { status, exported } = questionStatus(store, id, q.track);
  return {
    question: {
      id: q.id, track: q.track, pmcid: q.pmcid, case: q.case_no,
      answer: typeof answer === 'string' ? answer : answer == null ? null : JSON.stringify(answer),
      orpha_code: typeof draft.orphaCode === 'string' ? draft.orphaCode : diag?.orpha_code ?? null, exported, status,
    },
    diagnosis: diag ? { orpha_code: diag.orpha_code, orpha_name: diag.orpha_name, confidence: diag.confidence, status: diag.status, evidence: parse(diag.evidence_json), runners_up: parse(diag.runners_up_json), rules: parse(diag.rules_json) } : null,
    decisions, in_sentence, draft, final, evidence, images: imageRows(store, draftImages(draft)),
  };
}

/** Reason codes and rules documented in docs/decisions.md (each stage's tables), for telling "unknown" from "touched nothing here". */
export function documentedCodes(file = join(PROJECT_ROOT, 'docs', 'decisions.md')): Set<string> {
  if (!existsSync(file)) return new Set();
  const text = readFileSync(file, 'utf8');
  return new Set([...text.matchAll(/`([a-z][a-z0-9_]*(?:\.[a-z0-9_*]+)*)`/g)].map((m) => m[1].replace(/\.\*$/, '')));
}

export interface RuleAudit {
  code: string; documented: boolean; decisions: DecisionRow[];
  /** decision id → the earlier stage whose decision this drop only follows (counted there, not again) */
  follows: Record<number, string>;
}

/**
 * Every decision a reason code or rule (or a rule prefix: "filter.leak") touched. A code this store never
 * recorded and the docs do not list is an error that lists the codes the store has.
 */
export function auditRule(store: Store, code: string): RuleAudit {
  const decisions = (store.db.prepare(`SELECT ${COLS} FROM decisions WHERE reason_code = ? OR rule = ? OR rule LIKE ? ESCAPE '\\' ORDER BY stage, item_key, id`)
    .all(code, code, `${code.replace(/[%_\\]/g, (c) => `\\${c}`)}.%`) as DecisionRow[])
    // pipeline order, then by item (stable across runs, whatever order concurrent items were written in)
    .sort((a, b) => rank(a.stage) - rank(b.stage) || (a.item_key < b.item_key ? -1 : a.item_key > b.item_key ? 1 : a.id - b.id));
  const documented = documentedCodes().has(code);
  if (decisions.length === 0 && !documented) {
    const here = store.db.prepare('SELECT reason_code, COUNT(*) AS n FROM decisions GROUP BY reason_code ORDER BY reason_code').all() as { reason_code: string; n: number }[];
    const rules = store.db.prepare('SELECT DISTINCT rule FROM decisions').pluck().all() as string[];
    throw new InputError(`unknown reason code or rule ${JSON.stringify(code)}${didYouMean(code, [...here.map((h) => h.reason_code), ...rules, ...documentedCodes()])}; ` +
      `the codes in this store: ${here.map((h) => `${h.reason_code} (${h.n})`).join(', ') || 'none (nothing has run yet)'}; every code: docs/decisions.md`);
  }
  const followed = storeFollowedDecisions(store);
  return { code, documented, decisions, follows: Object.fromEntries(decisions.filter((d) => followed.has(d.id)).map((d) => [d.id, followed.get(d.id)!])) };
}

export interface SummaryRow {
  stage: string; action: string; reason_code: string; rule: string; track: string; decisions: number; questions: number; items: number;
  /** of these decisions, how many only follow an earlier stage's decision about the same case (and which stage) */
  follows: { stage: string; decisions: number } | null;
}
/** totals: per track, decisions made there (those that only follow an earlier stage's decision not counted again) */
export interface AuditSummary { tracks: string[]; rows: SummaryRow[]; totals: Record<string, number> }

/**
 * Counts per rule and track. A decision's track is its question's; decisions about an article or a case
 * that name no question (fetch, extract, align, a case generate dropped) count under "(before questions)".
 */
export function auditSummary(store: Store): AuditSummary {
  const all = store.db.prepare(`SELECT d.id, d.stage, d.action, d.reason_code, d.rule, d.question_id, d.item_key,
      COALESCE(q.track, f.track, CASE WHEN d.stage = 'export' AND d.question_id IS NULL THEN d.item_key END, '(before questions)') AS track
    FROM decisions d LEFT JOIN questions q ON q.id = d.question_id LEFT JOIN filtered_questions f ON f.id = d.question_id`).all() as
    { id: number; stage: string; action: string; reason_code: string; rule: string; question_id: string | null; item_key: string; track: string }[];
  const followed = storeFollowedDecisions(store);
  const groups = new Map<string, { row: SummaryRow; q: Set<string>; items: Set<string> }>();
  for (const d of all) {
    const k = [d.stage, d.action, d.reason_code, d.rule, d.track].join('\u0000');
    let g = groups.get(k);
    if (!g) groups.set(k, g = { row: { stage: d.stage, action: d.action, reason_code: d.reason_code, rule: d.rule, track: d.track, decisions: 0, questions: 0, items: 0, follows: null }, q: new Set(), items: new Set() });
    g.row.decisions++;
    if (d.question_id) g.q.add(d.question_id);
    g.items.add(d.item_key);
    const at = followed.get(d.id);
    if (at) g.row.follows = { stage: at, decisions: (g.row.follows?.decisions ?? 0) + 1 };
  }
  const rows = [...groups.values()].map((g) => ({ ...g.row, questions: g.q.size, items: g.items.size }));
  rows.sort((a, b) => rank(a.stage) - rank(b.stage) || a.rule.localeCompare(b.rule) || a.reason_code.localeCompare(b.reason_code) || a.action.localeCompare(b.action) || a.track.localeCompare(b.track));
  const tracks = [...new Set(rows.map((r) => r.track))].sort((a, b) => (a.startsWith('(') ? -1 : b.startsWith('(') ? 1 : a.localeCompare(b)));
  const totals: Record<string, number> = {};
  for (const r of rows) totals[r.track] = (totals[r.track] ?? 0) + r.decisions - (r.follows?.decisions ?? 0);
  return { tracks, rows, totals };
}

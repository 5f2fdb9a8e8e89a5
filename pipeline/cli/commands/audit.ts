// `mmrare audit`: both directions — question → every decision behind it (and how its answer was
// chosen); rule or reason code → every item it touched.
import { InputError } from '../../core/errors.ts';
import { openStore } from '../globals.ts';
import type { Store } from '../../../db/store.ts';
import type { Command } from './index.ts';

export interface DecisionRow {
  id: number; run_id: number | null; stage: string; stage_version: string; item_key: string; pmcid: string | null; question_id: string | null;
  action: string; reason_code: string; rule: string; field: string | null; span_start: number | null; span_end: number | null;
  matched_text: string | null; detail_json: string; config_hash: string;
}

export interface QuestionAudit {
  question: { id: string; track: string; pmcid: string; case: number; answer: string | null; orpha_code: string | null; exported: boolean } | null;
  diagnosis: { orpha_code: string | null; orpha_name: string | null; confidence: number; status: string; evidence: unknown; runners_up: unknown; rules: unknown } | null;
  decisions: DecisionRow[];
}

const COLS = 'id, run_id, stage, stage_version, item_key, pmcid, question_id, action, reason_code, rule, field, span_start, span_end, matched_text, detail_json, config_hash';

export function auditQuestion(store: Store, id: string): QuestionAudit {
  const db = store.db;
  const q = db.prepare('SELECT id, track, pmcid, case_no, draft_json FROM questions WHERE id = ?').get(id) as
    { id: string; track: string; pmcid: string; case_no: number; draft_json: string } | undefined;
  if (!q) {
    const any = db.prepare(`SELECT ${COLS} FROM decisions WHERE question_id = ? ORDER BY id`).all(id) as DecisionRow[];
    if (any.length === 0) throw new InputError(`no question ${id} in this store (list them with: mmrare status, or read export/diagnosis.jsonl)`);
    return { question: null, diagnosis: null, decisions: any };
  }
  const draft = JSON.parse(q.draft_json) as { answer: string; orphaCode: string };
  // exported: it passed leak control and the export's schema and scanner checks did not reject it
  const exported = Boolean(db.prepare('SELECT 1 FROM filtered_questions WHERE id = ?').get(id))
    && !db.prepare(`SELECT 1 FROM decisions WHERE stage = 'export' AND question_id = ? AND action = 'drop'`).get(id);
  const diag = db.prepare('SELECT orpha_code, orpha_name, confidence, status, evidence_json, runners_up_json, rules_json FROM case_diagnoses WHERE pmcid = ? AND case_no = ?')
    .get(q.pmcid, q.case_no) as { orpha_code: string | null; orpha_name: string | null; confidence: number; status: string; evidence_json: string; runners_up_json: string; rules_json: string } | undefined;
  // Everything behind the question: its own decisions (cut, masks, export checks), its case's
  // alignment decisions, and the article-level fetch/extract decisions.
  const decisions = db.prepare(`SELECT ${COLS} FROM decisions
      WHERE question_id = ?
         OR (pmcid = ? AND question_id IS NULL AND stage IN ('fetch', 'extract'))
         OR (pmcid = ? AND question_id IS NULL AND stage = 'align' AND json_extract(detail_json, '$.case') = ?)
         OR (stage = 'generate' AND item_key = ?)
      ORDER BY CASE stage WHEN 'fetch' THEN 0 WHEN 'extract' THEN 1 WHEN 'align' THEN 2 WHEN 'generate' THEN 3 WHEN 'filter' THEN 4 ELSE 5 END, id`)
    .all(id, q.pmcid, q.pmcid, q.case_no, `${q.pmcid}#c${q.case_no}`) as DecisionRow[];
  return {
    question: { id: q.id, track: q.track, pmcid: q.pmcid, case: q.case_no, answer: draft.answer, orpha_code: draft.orphaCode, exported },
    diagnosis: diag ? { orpha_code: diag.orpha_code, orpha_name: diag.orpha_name, confidence: diag.confidence, status: diag.status, evidence: JSON.parse(diag.evidence_json), runners_up: JSON.parse(diag.runners_up_json), rules: JSON.parse(diag.rules_json) } : null,
    decisions,
  };
}

export function auditRule(store: Store, code: string): DecisionRow[] {
  return store.db.prepare(`SELECT ${COLS} FROM decisions WHERE reason_code = ? OR rule = ? OR rule LIKE ? ORDER BY stage, item_key, id`)
    .all(code, code, `${code}.%`) as DecisionRow[];
}

function formatDecision(d: DecisionRow): string {
  const span = d.span_start !== null ? ` ${d.field ?? ''}[${d.span_start},${d.span_end})` : d.field ? ` ${d.field}` : '';
  const text = d.matched_text ? ` "${d.matched_text.length > 80 ? `${d.matched_text.slice(0, 77)}...` : d.matched_text}"` : '';
  const detail = d.detail_json !== '{}' ? ` ${d.detail_json.length > 160 ? `${d.detail_json.slice(0, 157)}...` : d.detail_json}` : '';
  return `  ${d.stage.padEnd(8)} ${d.action.padEnd(7)} ${d.reason_code.padEnd(30)} rule=${d.rule} item=${d.item_key}${span}${text}${detail}`;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'explain decisions: --question ID lists every decision behind a question; --rule CODE every item a rule touched',
  usage: 'mmrare audit (--question ID | --rule CODE) [--workdir DIR] [--json]',
  description: 'CODE may be a reason code (licence_not_allowed, leak_synonym_in_context, diagnosis_not_rare, ...) or a rule name (filter.leak.alias).',
  examples: ['mmrare audit --workdir W --question dx-PMC4738710-c1-1a2b3c4d', 'mmrare audit --workdir W --rule leak_synonym_in_context --json'],
  options: { question: { type: 'string' }, rule: { type: 'string' }, json: { type: 'boolean', default: false } },
  async run(values, _pos, io) {
    if (!values.question === !values.rule) throw new InputError('give exactly one of --question ID or --rule CODE');
    const store = openStore(values, { mustExist: true });
    try {
      if (values.question) {
        const a = auditQuestion(store, values.question);
        if (values.json) { io.out(JSON.stringify({ ...a, decisions: a.decisions.map((d) => ({ ...d, detail: JSON.parse(d.detail_json), detail_json: undefined })) }, null, 2)); return 0; }
        if (a.question) io.out(`question ${a.question.id} (${a.question.track}, ${a.question.pmcid} case ${a.question.case}) answer: ${a.question.answer} ORPHA:${a.question.orpha_code}${a.question.exported ? '' : ' — not exported'}`);
        if (a.diagnosis) {
          io.out(`how the answer was chosen: ${a.diagnosis.status}, confidence ${a.diagnosis.confidence.toFixed(2)}`);
          for (const e of (a.diagnosis.evidence as { field: string; text: string }[]).slice(0, 5)) io.out(`  evidence (${e.field}): "${e.text}"`);
          for (const r of (a.diagnosis.runners_up as { orphaCode: string; orphaName: string; score: number }[]).slice(0, 3)) io.out(`  runner-up: ORPHA:${r.orphaCode} ${r.orphaName} (${r.score.toFixed(2)})`);
        }
        io.out(`${a.decisions.length} decisions:`);
        for (const d of a.decisions) io.out(formatDecision(d));
      } else {
        const rows = auditRule(store, values.rule);
        if (values.json) { io.out(JSON.stringify(rows.map((d) => ({ ...d, detail: JSON.parse(d.detail_json), detail_json: undefined })), null, 2)); return 0; }
        io.out(`${rows.length} decisions for ${values.rule}:`);
        for (const d of rows) io.out(formatDecision(d));
      }
      return 0;
    } finally { store.close(); }
  },
};

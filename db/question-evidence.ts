// A question's evidence list (question_evidence): what it rests on — diagnosis statements, rubric items,
// claims, key tests, every visible sentence, every shown and withheld image — in a fixed order. It is a
// function of the draft, so since migration 090 it is not stored for a question whose draft gives it: a
// row (packed JSON, db/packed-json.ts) stays only where the stored list differs from what its draft gives
// (a question from an older generator). readEvidence reads either.
import type Database from 'better-sqlite3';
import type { QuestionDraft } from '../schemas/question.ts';
import { readDraftJson, unpackText } from './packed-json.ts';

export interface EvidenceRef { kind: string; ref: unknown }

/** The evidence list a draft gives, in order (as generate wrote it, one row per item, before 090). */
export function draftEvidence(q: QuestionDraft): EvidenceRef[] {
  const refs: EvidenceRef[] = [];
  const put = (kind: string, ref: unknown) => refs.push({ kind, ref });
  if (q.track === 'diagnosis') for (const s of q.diagnosisStatements) put('diagnosis_statement', s);
  if (q.track === 'treatment') { for (const i of q.mustInclude) put('rubric_must_include', i); for (const i of q.mustNot) put('rubric_must_not', i); }
  if (q.track === 'cross-image') for (const c of q.mainline) put('mainline_claim', c);
  if (q.track === 'examination') { for (const k of q.keyTests) put('key_test', k); for (const f of q.redFlags) put('red_flag', f); }
  for (const p of [...q.questionParts, ...q.contextParts]) if (p.sentence) put('visible_sentence', p.sentence);
  for (const i of q.images) put('image', { imageId: i.imageId, label: i.label, figure: i.figureLabel, panel: i.panel });
  for (const w of q.withheld) put('withheld_image', w);
  return refs;
}

/** The same list as JSON text, item by item as stored: the test of "the draft gives it". */
export const evidenceText = (refs: readonly EvidenceRef[]): string => JSON.stringify(refs.map((r) => [r.kind, JSON.stringify(r.ref)]));

/** The evidence list of question `id`, in order: its stored row (any layout), else what its draft gives. */
export function readEvidence(db: Database.Database, id: string): EvidenceRef[] {
  const cols = (db.prepare('PRAGMA table_info(question_evidence)').all() as { name: string }[]).map((c) => c.name);
  if (cols.includes('ref_json')) { // before 090: one row per item
    return (db.prepare('SELECT kind, ref_json FROM question_evidence WHERE question_id = ? ORDER BY ord').all(id) as { kind: string; ref_json: string }[])
      .map((e) => ({ kind: e.kind, ref: JSON.parse(e.ref_json) as unknown }));
  }
  const v = db.prepare('SELECT refs_json FROM question_evidence WHERE question_id = ?').pluck().get(id) as string | Uint8Array | undefined;
  if (v !== undefined) return JSON.parse(unpackText(v)) as EvidenceRef[];
  const draft = readDraftJson(db, id);
  return draft === undefined ? [] : draftEvidence(JSON.parse(draft) as QuestionDraft);
}

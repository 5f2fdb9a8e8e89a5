// Migration 090's data step (its SQL changes the schema first, in the same transaction): packs the rows an
// older mmrare wrote, in place. Every value is packed from the exact text it held, so each unpacks to the
// same bytes and every hash over them (filter's input hash, a review's base_sha256) still matches.
import type Database from 'better-sqlite3';
import { packEvidence, packFinal, packText, unpackText, type EvidenceRef } from './packed-json.ts';

type Stored = string | Uint8Array;

/** Runs `fn` on each row of `sql` (its first column the key), read one at a time: flat memory on a 10k store. */
function eachRow<T>(db: Database.Database, keys: string, row: string, fn: (r: T) => void): void {
  const get = db.prepare(row);
  for (const k of db.prepare(keys).raw().all() as unknown[][]) fn(get.get(...k) as T);
}

/** Packs questions.draft_json, filter's rows (draft left out), evidence, article JSON, sections; elides sentence text. */
export function packStoreRows(db: Database.Database): void {
  const setDraft = db.prepare('UPDATE questions SET draft_json = ? WHERE id = ?');
  eachRow<{ id: string; draft_json: Stored }>(db, 'SELECT id FROM questions', 'SELECT id, draft_json FROM questions WHERE id = ?', (q) => {
    if (typeof q.draft_json === 'string') setDraft.run(packText(q.draft_json), q.id);
  });

  const setFinal = db.prepare('UPDATE filtered_questions SET final_json = ?, draft_at = ? WHERE id = ?');
  const draftOf = db.prepare('SELECT draft_json FROM questions WHERE id = ?').pluck();
  eachRow<{ id: string; final_json: Stored }>(db, 'SELECT id FROM filtered_questions WHERE draft_at IS NULL', 'SELECT id, final_json FROM filtered_questions WHERE id = ?', (f) => {
    if (typeof f.final_json !== 'string') return;
    const d = draftOf.get(f.id) as Stored | undefined;
    const p = packFinal(f.final_json, d === undefined ? null : unpackText(d));
    setFinal.run(p.final_json, p.draft_at, f.id);
  });

  const putEvidence = db.prepare('INSERT INTO question_evidence (question_id, refs_json) VALUES (?, ?)');
  const items = db.prepare('SELECT kind, ref_json FROM question_evidence_089 WHERE question_id = ? ORDER BY ord');
  for (const q of db.prepare('SELECT DISTINCT question_id FROM question_evidence_089').pluck().all() as string[]) {
    const refs: EvidenceRef[] = (items.all(q) as { kind: string; ref_json: string }[]).map((e) => ({ kind: e.kind, ref: JSON.parse(e.ref_json) as unknown }));
    putEvidence.run(q, packEvidence(refs));
  }
  db.exec('DROP TABLE question_evidence_089');

  // per article: sentence text NULL where it is its section's text at its offsets, then sections packed
  const sections = db.prepare('SELECT section_id, text FROM sections WHERE pmcid = ?');
  const sentences = db.prepare('SELECT case_no, idx, section_id, start_offset, end_offset, text FROM sentences WHERE pmcid = ? AND text IS NOT NULL');
  const elide = db.prepare('UPDATE sentences SET text = NULL WHERE pmcid = ? AND case_no = ? AND idx = ?');
  const setSection = db.prepare('UPDATE sections SET text = ? WHERE pmcid = ? AND section_id = ?');
  for (const pmcid of db.prepare('SELECT DISTINCT pmcid FROM sections').pluck().all() as string[]) {
    const rows = sections.all(pmcid) as { section_id: string; text: Stored }[];
    const text = new Map(rows.map((r) => [r.section_id, unpackText(r.text)]));
    for (const s of sentences.all(pmcid) as { case_no: number; idx: number; section_id: string; start_offset: number; end_offset: number; text: string }[]) {
      const sec = text.get(s.section_id);
      if (sec !== undefined && sec.slice(s.start_offset, s.end_offset) === s.text) elide.run(pmcid, s.case_no, s.idx);
    }
    for (const r of rows) if (typeof r.text === 'string') setSection.run(packText(r.text), pmcid, r.section_id);
  }

  const setParsed = db.prepare('UPDATE article_text SET parsed_json = ? WHERE pmcid = ?');
  eachRow<{ pmcid: string; parsed_json: Stored }>(db, 'SELECT pmcid FROM article_text', 'SELECT pmcid, parsed_json FROM article_text WHERE pmcid = ?', (a) => {
    if (typeof a.parsed_json === 'string') setParsed.run(packText(a.parsed_json), a.pmcid);
  });
}

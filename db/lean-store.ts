// Migration 090's data step (its SQL changes the schema first, in the same transaction): packs the rows an
// older mmrare wrote, in place. Every value is packed from the exact text it held, so each unpacks to the
// same bytes and every hash over them (filter's input hash, a review's base_sha256) still matches.
import type Database from 'better-sqlite3';
import { packAttribute, packDraft, packFinal, packText, readDraftJson, unpackText, ATTRIBUTE_PACK_OVER } from './packed-json.ts';
import { draftEvidence, evidenceText, type EvidenceRef } from './question-evidence.ts';
import type { QuestionDraft } from '../schemas/question.ts';
import type { ParsedArticle, Sentence } from '../schemas/article.ts';
import { articleDictionaryOf, fullSentence, leanSentence, type SentenceRow } from './article-text.ts';
import { needsDictionary } from './zlib-text.ts';

type Stored = string | Uint8Array;

/** Runs `fn` on each row of `sql` (its first column the key), read one at a time: flat memory on a 10k store. */
function eachRow<T>(db: Database.Database, keys: string, row: string, fn: (r: T) => void): void {
  const get = db.prepare(row);
  for (const k of db.prepare(keys).raw().all() as unknown[][]) fn(get.get(...k) as T);
}

/** Packs questions.draft_json, filter's rows (draft left out), evidence, article JSON, sections; elides sentence text. */
export function packStoreRows(db: Database.Database): void {
  const setAttr = db.prepare('UPDATE attributes SET value_json = ? WHERE stage = ? AND item_key = ? AND name = ?');
  for (const r of db.prepare(`SELECT stage, item_key, name, value_json FROM attributes WHERE typeof(value_json) = 'text' AND length(value_json) > ?`).all(ATTRIBUTE_PACK_OVER) as
    { stage: string; item_key: string; name: string; value_json: string }[]) {
    setAttr.run(packAttribute(r.value_json), r.stage, r.item_key, r.name);
  }

  const setDraft = db.prepare('UPDATE questions SET draft_json = ? WHERE id = ?');
  // each draft packed against its article's text (db/packed-json.ts packDraft), read before the articles change
  eachRow<{ id: string; pmcid: string; draft_json: Stored }>(db, 'SELECT id FROM questions', 'SELECT id, pmcid, draft_json FROM questions WHERE id = ?', (q) => {
    if (typeof q.draft_json === 'string') setDraft.run(packDraft(db, q.pmcid, q.draft_json), q.id);
  });

  const setFinal = db.prepare('UPDATE filtered_questions SET final_json = ?, draft_at = ? WHERE id = ?');
  eachRow<{ id: string; final_json: Stored }>(db, 'SELECT id FROM filtered_questions WHERE draft_at IS NULL', 'SELECT id, final_json FROM filtered_questions WHERE id = ?', (f) => {
    if (typeof f.final_json !== 'string') return;
    const p = packFinal(f.final_json, readDraftJson(db, f.id) ?? null);
    setFinal.run(p.final_json, p.draft_at, f.id);
  });

  // evidence: a row only where the stored list is not what the question's draft gives (db/question-evidence.ts)
  const putEvidence = db.prepare('INSERT INTO question_evidence (question_id, refs_json) VALUES (?, ?)');
  const items = db.prepare('SELECT kind, ref_json FROM question_evidence_089 WHERE question_id = ? ORDER BY ord');
  for (const q of db.prepare('SELECT DISTINCT question_id FROM question_evidence_089').pluck().all() as string[]) {
    const stored = items.all(q) as { kind: string; ref_json: string }[];
    const d = readDraftJson(db, q);
    const given = d === undefined ? null : evidenceText(draftEvidence(JSON.parse(d) as QuestionDraft));
    if (given === JSON.stringify(stored.map((e) => [e.kind, e.ref_json]))) continue;
    const refs: EvidenceRef[] = stored.map((e) => ({ kind: e.kind, ref: JSON.parse(e.ref_json) as unknown }));
    putEvidence.run(q, packText(JSON.stringify(refs)));
  }
  db.exec('DROP TABLE question_evidence_089');

  // per article: section texts and the abstract into the packed parsed_json (sections.text NULL, abstract
  // ''), sentence text NULL where it is its section's text at its offsets, and each sentence in parsed_json
  // only its index and figure references where the sentences row gives back the rest
  const article = db.prepare('SELECT parsed_json, abstract FROM article_text WHERE pmcid = ?');
  const setParsed = db.prepare(`UPDATE article_text SET parsed_json = ?, abstract = '' WHERE pmcid = ?`);
  const sentenceRows = db.prepare('SELECT case_no, idx, section_id, start_offset, end_offset, text, kind FROM sentences WHERE pmcid = ?');
  const sections = db.prepare('SELECT section_id, text FROM sections WHERE pmcid = ?');
  const clearSection = db.prepare('UPDATE sections SET text = NULL WHERE pmcid = ? AND section_id = ?');
  const sentences = db.prepare('SELECT case_no, idx, section_id, start_offset, end_offset, text FROM sentences WHERE pmcid = ? AND text IS NOT NULL');
  const elide = db.prepare('UPDATE sentences SET text = NULL WHERE pmcid = ? AND case_no = ? AND idx = ?');
  for (const pmcid of db.prepare('SELECT pmcid FROM article_text').pluck().all() as string[]) {
    const art = article.get(pmcid) as { parsed_json: Stored; abstract: string };
    const a = JSON.parse(unpackText(art.parsed_json)) as ParsedArticle;
    if (a.abstract === null) a.abstract = art.abstract;
    const rows = new Map((sections.all(pmcid) as { section_id: string; text: Stored | null }[]).map((r) => [r.section_id, r.text === null ? null : unpackText(r.text)]));
    const moved: string[] = [];
    for (const s of a.sections) {
      const t = rows.get(s.id);
      if (s.text === null && typeof t === 'string') { s.text = t; moved.push(s.id); }
    }
    const text = new Map(a.sections.map((s) => [s.id, s.text ?? rows.get(s.id) ?? undefined]));
    for (const s of sentences.all(pmcid) as { case_no: number; idx: number; section_id: string; start_offset: number; end_offset: number; text: string }[]) {
      const sec = text.get(s.section_id);
      if (typeof sec === 'string' && sec.slice(s.start_offset, s.end_offset) === s.text) elide.run(pmcid, s.case_no, s.idx);
    }
    const rowOf = new Map((sentenceRows.all(pmcid) as SentenceRow[]).map((r) => [`${r.case_no}:${r.idx}`, r]));
    for (const c of a.cases) {
      c.sentences = c.sentences.map((s) => {
        const sec = text.get(s.sectionId) ?? '';
        const whole: Sentence = { ...s, text: s.text ?? sec.slice(s.start, s.end) };
        const r = rowOf.get(`${c.index}:${s.index}`);
        return r && JSON.stringify(fullSentence(r, s.figureRefs, sec)) === JSON.stringify(whole) ? (leanSentence(s) as Sentence) : s;
      });
    }
    setParsed.run(packText(JSON.stringify(a)), pmcid);
    for (const sid of moved) clearSection.run(pmcid, sid);
  }
  // the trigger kept each article's row as it was before this step: the same text (only its layout changed),
  // so the drafts packed above read back against the new row and the copies are not needed
  db.exec('DELETE FROM article_text_archive');
}

/**
 * Drops the rows of article_text_archive no stored draft needs: a draft that reads back against its article's
 * current text, or against another kept row, does not need this one (a re-extraction keeps a copy before it
 * knows whether the text changed). Run when a writable store closes; nothing to do when the archive is empty.
 */
export function pruneArticleArchive(db: Database.Database): number {
  if (!(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'article_text_archive'`).get()) || !db.prepare('SELECT 1 FROM article_text_archive LIMIT 1').get()) return 0;
  const drafts = db.prepare(`SELECT draft_json FROM questions WHERE pmcid = ? AND typeof(draft_json) = 'blob'
    UNION ALL SELECT draft_json FROM filtered_questions WHERE pmcid = ? AND draft_json IS NOT NULL`).pluck();
  const current = db.prepare('SELECT title, abstract, parsed_json FROM article_text WHERE pmcid = ?');
  const del = db.prepare('DELETE FROM article_text_archive WHERE rowid = ?');
  let n = 0;
  db.transaction(() => {
    for (const pmcid of db.prepare('SELECT DISTINCT pmcid FROM article_text_archive').pluck().all() as string[]) {
      const rows = db.prepare('SELECT rowid AS id, title, abstract, parsed_json FROM article_text_archive WHERE pmcid = ? ORDER BY rowid DESC').all(pmcid) as { id: number; title: string; abstract: string; parsed_json: Uint8Array }[];
      const cur = current.get(pmcid) as { title: string; abstract: string; parsed_json: Uint8Array } | undefined;
      const dicts = [...(cur ? [{ id: 0, dict: articleDictionaryOf(db, pmcid, cur) }] : []), ...rows.map((r) => ({ id: r.id, dict: articleDictionaryOf(db, pmcid, r) }))];
      const needed = new Set<number>();
      for (const d of drafts.all(pmcid, pmcid) as Uint8Array[]) {
        if (!needsDictionary(d)) continue;
        const hit = dicts.find((x) => { try { unpackText(d, x.dict); return true; } catch { return false; } });
        if (hit) needed.add(hit.id);
      }
      for (const r of rows) if (!needed.has(r.id)) { del.run(r.id); n++; }
    }
  })();
  return n;
}

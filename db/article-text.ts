// The parsed article in the store, each piece of text once. `article_text.parsed_json` holds the article's
// structure (ids, kinds, offsets, figures, panels, references, warnings) and its section texts, with the
// text that other columns and tables already hold left out as null: title and abstract (article_text
// columns), each sentence's text (a slice of its section's text at its offsets) and each caption
// (figures.caption). readParsedArticle puts it back together; a store written before this layout (full JSON)
// reads the same way. Migration 080 slimmed such stores (section text then in sections.text); migration 090
// moves the section texts into parsed_json, packs it (db/packed-json.ts: one compressed unit per article)
// and leaves sections.text NULL, and sentences.text NULL where it is the section's text at its offsets.
import type Database from 'better-sqlite3';
import type { ParsedArticle, Sentence } from '../schemas/article.ts';
import { unpackText } from './zlib-text.ts';

/** sentences.text for a sentence: NULL when it is its section's text at its offsets (read it from there). */
export const sentenceTextColumn = (s: Pick<Sentence, 'start' | 'end' | 'text'>, sectionText: string | undefined): string | null =>
  sectionText !== undefined && sectionText.slice(s.start, s.end) === s.text ? null : s.text;

/** A section's text (undefined: no such section): sections.text, or (NULL there) the article's parsed_json. */
export function readSectionText(db: Database.Database, pmcid: string, sectionId: string): string | undefined {
  const row = db.prepare('SELECT text FROM sections WHERE pmcid = ? AND section_id = ?').get(pmcid, sectionId) as { text: string | Uint8Array | null } | undefined;
  if (row === undefined) return undefined;
  if (row.text !== null) return unpackText(row.text);
  const art = statements(db).art.get(pmcid) as TextRow | undefined;
  const a = art && (JSON.parse(unpackText(art.parsed_json)) as { sections: { id: string; text: string | null }[] });
  return a?.sections.find((s) => s.id === sectionId)?.text ?? undefined;
}

/** The JSON stored for an article: the same keys in the same order, the text other tables hold as null. */
export function leanParsedJson(a: ParsedArticle): string {
  return JSON.stringify({
    ...a, title: null,
    cases: a.cases.map((c) => ({ ...c, sentences: c.sentences.map(leanSentence) })),
    figures: a.figures.map((f) => ({ ...f, caption: null })),
  });
}

/** A sentence in parsed_json since 090: its index and what the sentences table does not hold (figureRefs). */
export const leanSentence = (s: Sentence): Pick<Sentence, 'index' | 'figureRefs'> => ({ index: s.index, figureRefs: s.figureRefs });

export interface SentenceRow { case_no: number; idx: number; section_id: string; start_offset: number; end_offset: number; text: string | null; kind: Sentence['kind'] }

/** A sentence back from its sentences row and its lean entry, keys in the schema's order (schemas/article.ts). */
export const fullSentence = (r: SentenceRow, figureRefs: Sentence['figureRefs'], sectionText: string): Sentence =>
  ({ index: r.idx, sectionId: r.section_id, start: r.start_offset, end: r.end_offset, text: r.text ?? sectionText.slice(r.start_offset, r.end_offset), kind: r.kind, figureRefs });

/** Whether a parsed_json sentence is the lean entry of 090 (the rest in the sentences table). */
const isLeanSentence = (s: object): boolean => !('sectionId' in s);

interface Prepared { art: Database.Statement; sections: Database.Statement; captions: Database.Statement; sentences: Database.Statement }
const prepared = new WeakMap<Database.Database, Prepared>();
function statements(db: Database.Database): Prepared {
  let p = prepared.get(db);
  if (!p) {
    p = {
      art: db.prepare('SELECT title, abstract, parsed_json FROM article_text WHERE pmcid = ?'),
      sections: db.prepare('SELECT section_id, text FROM sections WHERE pmcid = ?'),
      captions: db.prepare('SELECT figure_id, caption FROM figures WHERE pmcid = ?'),
      sentences: db.prepare('SELECT case_no, idx, section_id, start_offset, end_offset, text, kind FROM sentences WHERE pmcid = ?'),
    };
    prepared.set(db, p);
  }
  return p;
}

/** The whole ParsedArticle of a stored article (undefined: not extracted). */
export function readParsedArticle(db: Database.Database, pmcid: string): ParsedArticle | undefined {
  const st = statements(db);
  const row = st.art.get(pmcid) as { title: string; abstract: string; parsed_json: string | Uint8Array } | undefined;
  if (!row) return undefined;
  const a = JSON.parse(unpackText(row.parsed_json)) as ParsedArticle;
  if (a.title === null) a.title = row.title;
  if (a.abstract === null) a.abstract = row.abstract;
  const lean = a.sections.some((s) => s.text === null) || a.figures.some((f) => f.caption === null) || a.cases.some((c) => c.sentences.some((s) => s.text === null || isLeanSentence(s)));
  if (!lean) return a;
  if (a.sections.some((s) => s.text === null)) { // the layout of 080: section text in sections.text
    const stored = new Map((st.sections.all(pmcid) as { section_id: string; text: string | Uint8Array | null }[]).map((r) => [r.section_id, r.text === null ? '' : unpackText(r.text)]));
    for (const s of a.sections) if (s.text === null) s.text = stored.get(s.id) ?? '';
  }
  const text = new Map(a.sections.map((s) => [s.id, s.text]));
  if (a.cases.some((c) => c.sentences.some(isLeanSentence))) { // since 090: the sentences table holds them
    const rows = new Map((st.sentences.all(pmcid) as SentenceRow[]).map((r) => [`${r.case_no}:${r.idx}`, r]));
    for (const c of a.cases) {
      c.sentences = c.sentences.map((s) => {
        if (!isLeanSentence(s)) return s;
        const r = rows.get(`${c.index}:${s.index}`);
        if (!r) throw new Error(`${pmcid}: sentence ${s.index} of case ${c.index} is not in the sentences table`);
        return fullSentence(r, s.figureRefs, text.get(r.section_id) ?? '');
      });
    }
  }
  for (const c of a.cases) for (const s of c.sentences) if (s.text === null) s.text = (text.get(s.sectionId) ?? '').slice(s.start, s.end);
  const captions = new Map((st.captions.all(pmcid) as { figure_id: string; caption: string }[]).map((r) => [r.figure_id, r.caption]));
  for (const f of a.figures) if (f.caption === null) f.caption = captions.get(f.id) ?? '';
  return a;
}

// ---- the article's text as the preset dictionary of its drafts (db/packed-json.ts packDraft) --------

/** zlib reads at most the last 32 KB of a dictionary: the first 32 KB of the article's text are used. */
const DICTIONARY_BYTES = 32 * 1024;

interface TextRow { title: string; abstract: string; parsed_json: string | Uint8Array }

/** The dictionary of an article_text (or archived) row. */
export function articleDictionaryOf(db: Database.Database, pmcid: string, row: TextRow): Buffer {
  return dictionaryOf(db, pmcid, row);
}

function dictionaryOf(db: Database.Database, pmcid: string, row: TextRow): Buffer {
  const a = JSON.parse(unpackText(row.parsed_json)) as { title: string | null; abstract: string | null; sections: { id: string; text: string | null }[] };
  const stored = a.sections.some((s) => s.text === null)
    ? new Map((statements(db).sections.all(pmcid) as { section_id: string; text: string | Uint8Array | null }[]).map((r) => [r.section_id, r.text === null ? '' : unpackText(r.text)]))
    : new Map<string, string>();
  const text = [a.title ?? row.title, a.abstract ?? row.abstract, ...a.sections.map((s) => s.text ?? stored.get(s.id) ?? '')].join('\n');
  return Buffer.from(text, 'utf8').subarray(0, DICTIONARY_BYTES);
}

// the last article's dictionary, reused while its stored row is byte for byte the same (readers go in id order)
const lastDictionary = new WeakMap<Database.Database, { pmcid: string; row: TextRow; dict: Buffer }>();
const sameRow = (a: TextRow, b: TextRow): boolean => a.title === b.title && a.abstract === b.abstract &&
  (typeof a.parsed_json === 'string' || typeof b.parsed_json === 'string' ? a.parsed_json === b.parsed_json : Buffer.from(a.parsed_json).equals(Buffer.from(b.parsed_json)));

/**
 * The dictionaries a draft of `pmcid` may have been packed against: the article's text as stored now, then
 * (withArchive) each older version migration 090's trigger kept in article_text_archive.
 */
export function* articleDictionaries(db: Database.Database, pmcid: string, withArchive = false): Generator<Buffer> {
  const row = statements(db).art.get(pmcid) as TextRow | undefined;
  if (row) {
    const last = lastDictionary.get(db);
    if (last && last.pmcid === pmcid && sameRow(last.row, row)) yield last.dict;
    else {
      const dict = dictionaryOf(db, pmcid, row);
      lastDictionary.set(db, { pmcid, row, dict });
      yield dict;
    }
  }
  if (!withArchive) return;
  for (const old of db.prepare('SELECT title, abstract, parsed_json FROM article_text_archive WHERE pmcid = ? ORDER BY rowid DESC').all(pmcid) as TextRow[]) {
    yield dictionaryOf(db, pmcid, old);
  }
}

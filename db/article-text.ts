// The parsed article in the store, each piece of text once. `article_text.parsed_json` holds the article's
// structure (ids, kinds, offsets, figures, panels, references, warnings) with the text that other columns
// and tables already hold left out as null: title and abstract (article_text columns), each section's text
// (sections.text), each sentence's text (a slice of its section's text at its offsets) and each caption
// (figures.caption). readParsedArticle puts it back together; a store written before this layout (full JSON)
// reads the same way. Migration 080 slims such stores. Since migration 090 parsed_json and sections.text
// are packed (db/packed-json.ts) and sentences.text is NULL where it is the section's text at its offsets.
import type Database from 'better-sqlite3';
import type { ParsedArticle, Sentence } from '../schemas/article.ts';
import { unpackText } from './packed-json.ts';

/** sentences.text for a sentence: NULL when it is its section's text at its offsets (read it from there). */
export const sentenceTextColumn = (s: Pick<Sentence, 'start' | 'end' | 'text'>, sectionText: string | undefined): string | null =>
  sectionText !== undefined && sectionText.slice(s.start, s.end) === s.text ? null : s.text;

/** A section's text (undefined: no such section). */
export function readSectionText(db: Database.Database, pmcid: string, sectionId: string): string | undefined {
  const v = db.prepare('SELECT text FROM sections WHERE pmcid = ? AND section_id = ?').pluck().get(pmcid, sectionId) as string | Uint8Array | undefined;
  return v === undefined ? undefined : unpackText(v);
}

/** The JSON stored for an article: the same keys in the same order, the duplicated text as null. */
export function leanParsedJson(a: ParsedArticle): string {
  return JSON.stringify({
    ...a, title: null, abstract: null,
    sections: a.sections.map((s) => ({ ...s, text: null })),
    cases: a.cases.map((c) => ({ ...c, sentences: c.sentences.map((s) => ({ ...s, text: null })) })),
    figures: a.figures.map((f) => ({ ...f, caption: null })),
  });
}

interface Prepared { art: Database.Statement; sections: Database.Statement; captions: Database.Statement }
const prepared = new WeakMap<Database.Database, Prepared>();
function statements(db: Database.Database): Prepared {
  let p = prepared.get(db);
  if (!p) {
    p = {
      art: db.prepare('SELECT title, abstract, parsed_json FROM article_text WHERE pmcid = ?'),
      sections: db.prepare('SELECT section_id, text FROM sections WHERE pmcid = ?'),
      captions: db.prepare('SELECT figure_id, caption FROM figures WHERE pmcid = ?'),
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
  const lean = a.sections.some((s) => s.text === null) || a.figures.some((f) => f.caption === null);
  if (!lean) return a;
  const text = new Map((st.sections.all(pmcid) as { section_id: string; text: string | Uint8Array }[]).map((r) => [r.section_id, unpackText(r.text)]));
  for (const s of a.sections) if (s.text === null) s.text = text.get(s.id) ?? '';
  for (const c of a.cases) for (const s of c.sentences) if (s.text === null) s.text = (text.get(s.sectionId) ?? '').slice(s.start, s.end);
  const captions = new Map((st.captions.all(pmcid) as { figure_id: string; caption: string }[]).map((r) => [r.figure_id, r.caption]));
  for (const f of a.figures) if (f.caption === null) f.caption = captions.get(f.id) ?? '';
  return a;
}

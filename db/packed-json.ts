// Packed columns of the lean store (migration 090, docs/performance.md "Lean store"): questions.draft_json,
// filtered_questions.final_json / draft_json, question_evidence.refs_json, article_text.parsed_json and long
// attributes.value_json hold a BLOB (db/zlib-text.ts), older rows TEXT; every reader goes through these.
// What is hashed (filter's input hash, a review's base_sha256, the export's digest) is always the
// unpacked text, never the compressed bytes: packing changes no hash.
//
// A draft is compressed against its article's text (articleDictionary: title, abstract, section texts) as
// zlib's preset dictionary: its context and statements are that text, so they cost a few bytes each. The
// zlib header names the dictionary (its Adler-32); when the article's text has changed since (a newer
// version extracted before generate ran again), the copy migration 090's trigger keeps in
// article_text_archive is the dictionary, so an older draft still reads back exactly.
import type Database from 'better-sqlite3';
import { packText, needsDictionary, unpackText } from './zlib-text.ts';
import { articleDictionaries } from './article-text.ts';

export { packText, unpackText };

/** questions.draft_json for a draft of article `pmcid`: packed against the article's text when it is stored. */
export function packDraft(db: Database.Database, pmcid: string, text: string): Buffer {
  const dict = articleDictionaries(db, pmcid).next();
  return packText(text, dict.done || dict.value.length === 0 ? undefined : dict.value);
}

/** The text of a stored draft of article `pmcid` (TEXT, packed, or packed against a version of its article). */
export function unpackDraft(db: Database.Database, pmcid: string, v: string | Uint8Array): string {
  if (typeof v === 'string' || !needsDictionary(v)) return unpackText(v);
  for (const dict of articleDictionaries(db, pmcid, true)) {
    try { return unpackText(v, dict); } catch { /* another version of the article's text */ }
  }
  throw new Error(`draft of ${pmcid}: the article text it was packed against is not in the store`);
}

export const unpackOrNull = (v: string | Uint8Array | null | undefined): string | null => (v === null || v === undefined ? null : unpackText(v));

// ---- filter's row: its draft stored once ------------------------------------------------------------
// filtered_questions.final_json embeds the whole draft, which questions.draft_json already holds. When the
// draft in the final row is, byte for byte, the question's current draft, the final row is stored with
// `null` in its place and `draft_at` says where (a UTF-16 offset into the unpacked text). Should the
// question's row go or change while the filtered row stays, the trigger of migration 090 first copies the
// old draft into filtered_questions.draft_json, so a filtered row never loses its draft.

const NULL_LITERAL = 'null';

/** Columns final_json and draft_at for `finalText`, with `draftText` left out when it is found in it. */
export function packFinal(finalText: string, draftText: string | null): { final_json: Buffer; draft_at: number | null } {
  const at = draftText === null ? -1 : finalText.indexOf(draftText);
  if (at < 0 || draftText === null) return { final_json: packText(finalText), draft_at: null };
  return { final_json: packText(finalText.slice(0, at) + NULL_LITERAL + finalText.slice(at + draftText.length)), draft_at: at };
}

/** The whole final_json text, from its stored columns and the draft's text (own draft_json, else the question's). */
export function unpackFinal(final: string | Uint8Array, draftAt: number | null, draftText: string | null): string {
  const s = unpackText(final);
  if (draftAt === null) return s;
  if (draftText === null || s.slice(draftAt, draftAt + NULL_LITERAL.length) !== NULL_LITERAL) {
    throw new Error(`filtered row stored without its draft, and the draft is missing (offset ${draftAt})`);
  }
  return s.slice(0, draftAt) + draftText + s.slice(draftAt + NULL_LITERAL.length);
}

/**
 * Columns to select from `filtered_questions f` for finalJsonOf: the stored final row, the offset, and the
 * draft to put back (the row's own, else the question's current one).
 */
export const FINAL_COLUMNS = `f.pmcid AS final_pmcid, f.final_json AS final_packed, f.draft_at AS draft_at,
  CASE WHEN f.draft_at IS NULL THEN NULL ELSE COALESCE(f.draft_json, (SELECT q.draft_json FROM questions q WHERE q.id = f.id)) END AS draft_packed`;

export interface FinalColumns { final_pmcid: string; final_packed: string | Uint8Array; draft_at: number | null; draft_packed: string | Uint8Array | null }

const draftTextOf = (db: Database.Database, r: FinalColumns): string | null => (r.draft_packed === null ? null : unpackDraft(db, r.final_pmcid, r.draft_packed));

export const finalJsonOf = (db: Database.Database, r: FinalColumns): string => unpackFinal(r.final_packed, r.draft_at, draftTextOf(db, r));

/** The draft of a filtered row, parsed: the left-out draft alone when it was left out (no need to rebuild the row). */
export function draftOfFinal(db: Database.Database, r: FinalColumns): Record<string, unknown> {
  if (r.draft_at !== null && r.draft_packed !== null) return JSON.parse(draftTextOf(db, r)!) as Record<string, unknown>;
  return (JSON.parse(finalJsonOf(db, r)) as { draft: Record<string, unknown> }).draft;
}

/** FINAL_COLUMNS, or their equivalent on a store before migration 090 (no draft_at). */
export const finalColumns = (db: Database.Database): string =>
  (db.prepare('PRAGMA table_info(filtered_questions)').all() as { name: string }[]).some((c) => c.name === 'draft_at')
    ? FINAL_COLUMNS : 'f.pmcid AS final_pmcid, f.final_json AS final_packed, NULL AS draft_at, NULL AS draft_packed';

interface Prepared { final: Database.Statement; draft: Database.Statement }
const prepared = new WeakMap<Database.Database, Prepared>();
function statements(db: Database.Database): Prepared {
  let p = prepared.get(db);
  if (!p) {
    p = {
      final: db.prepare(`SELECT ${finalColumns(db)} FROM filtered_questions f WHERE f.id = ?`),
      draft: db.prepare('SELECT pmcid, draft_json FROM questions WHERE id = ?'),
    };
    prepared.set(db, p);
  }
  return p;
}

/** filtered_questions.final_json of question `id` as text (undefined: no filtered row). */
export function readFinalJson(db: Database.Database, id: string): string | undefined {
  const r = statements(db).final.get(id) as FinalColumns | undefined;
  return r ? finalJsonOf(db, r) : undefined;
}

/** questions.draft_json of question `id` as text (undefined: no such question). */
export function readDraftJson(db: Database.Database, id: string): string | undefined {
  const r = statements(db).draft.get(id) as { pmcid: string; draft_json: string | Uint8Array } | undefined;
  return r === undefined ? undefined : unpackDraft(db, r.pmcid, r.draft_json);
}

/** Writes filter's row for a question: the final row packed, its draft left out when it is the question's. */
export function writeFilteredRow(db: Database.Database, row: { id: string; track: string; pmcid: string }, finalText: string): void {
  const { final_json, draft_at } = packFinal(finalText, readDraftJson(db, row.id) ?? null);
  db.prepare('INSERT INTO filtered_questions (id, track, pmcid, final_json, draft_at) VALUES (?, ?, ?, ?, ?)').run(row.id, row.track, row.pmcid, final_json, draft_at);
}

// ---- attributes: large values packed --------------------------------------------------------------

/** Longer attribute JSON than this is packed (per-image OCR words, modality evidence …); counts stay text. */
export const ATTRIBUTE_PACK_OVER = 256;

/** attributes.value_json for a value's JSON: the text itself, or packed when long. */
export const packAttribute = (json: string): string | Buffer => (json.length > ATTRIBUTE_PACK_OVER ? packText(json) : json);

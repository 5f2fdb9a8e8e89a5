// Packed columns of the lean store (migration 090, docs/performance.md "Lean store"). The large text
// columns — questions.draft_json, filtered_questions.final_json / draft_json, question_evidence.refs_json,
// article_text.parsed_json, sections.text — hold a BLOB: the UTF-8 text compressed with zlib (RFC 1950:
// a 0x78 header and an Adler-32 check, so a damaged value fails loudly instead of reading as other text).
// A TEXT value is the text itself (rows written before 090), so every reader goes through unpackText.
// What is hashed (filter's input hash, a review's base_sha256, the export's digest) is always the
// unpacked text, never the compressed bytes: packing changes no hash.
// Node's own zlib: no dependency, and Python's zlib.decompress reads the same bytes.
import { deflateSync, inflateSync } from 'node:zlib';
import type Database from 'better-sqlite3';

/** The stored form of `text`: its UTF-8 bytes, zlib-compressed. */
export function packText(text: string): Buffer {
  return deflateSync(Buffer.from(text, 'utf8'), { level: 6 });
}

/** The text of a packed column's value: a BLOB is inflated, a TEXT value (an older row) is the text. */
export function unpackText(v: string | Uint8Array): string {
  return typeof v === 'string' ? v : inflateSync(v).toString('utf8');
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

/** The whole final_json text, from its stored columns and the draft (own draft_json, else the question's). */
export function unpackFinal(final: string | Uint8Array, draftAt: number | null, draft: string | Uint8Array | null): string {
  const s = unpackText(final);
  if (draftAt === null) return s;
  if (draft === null || s.slice(draftAt, draftAt + NULL_LITERAL.length) !== NULL_LITERAL) {
    throw new Error(`filtered row stored without its draft, and the draft is missing (offset ${draftAt})`);
  }
  return s.slice(0, draftAt) + unpackText(draft) + s.slice(draftAt + NULL_LITERAL.length);
}

/**
 * Columns to select from `filtered_questions f` for finalJsonOf: the stored final row, the offset, and the
 * draft to put back (the row's own, else the question's current one).
 */
export const FINAL_COLUMNS = `f.final_json AS final_packed, f.draft_at AS draft_at,
  CASE WHEN f.draft_at IS NULL THEN NULL ELSE COALESCE(f.draft_json, (SELECT q.draft_json FROM questions q WHERE q.id = f.id)) END AS draft_packed`;

export interface FinalColumns { final_packed: string | Uint8Array; draft_at: number | null; draft_packed: string | Uint8Array | null }

export const finalJsonOf = (r: FinalColumns): string => unpackFinal(r.final_packed, r.draft_at, r.draft_packed);

/** The draft of a filtered row, parsed: the left-out draft alone when it was left out (no need to rebuild the row). */
export function draftOfFinal(r: FinalColumns): Record<string, unknown> {
  if (r.draft_at !== null && r.draft_packed !== null) return JSON.parse(unpackText(r.draft_packed)) as Record<string, unknown>;
  return (JSON.parse(finalJsonOf(r)) as { draft: Record<string, unknown> }).draft;
}

/** FINAL_COLUMNS, or their equivalent on a store before migration 090 (no draft_at). */
export const finalColumns = (db: Database.Database): string =>
  (db.prepare('PRAGMA table_info(filtered_questions)').all() as { name: string }[]).some((c) => c.name === 'draft_at')
    ? FINAL_COLUMNS : 'f.final_json AS final_packed, NULL AS draft_at, NULL AS draft_packed';

interface Prepared { final: Database.Statement; draft: Database.Statement }
const prepared = new WeakMap<Database.Database, Prepared>();
function statements(db: Database.Database): Prepared {
  let p = prepared.get(db);
  if (!p) {
    p = {
      final: db.prepare(`SELECT ${finalColumns(db)} FROM filtered_questions f WHERE f.id = ?`),
      draft: db.prepare('SELECT draft_json FROM questions WHERE id = ?').pluck(),
    };
    prepared.set(db, p);
  }
  return p;
}

/** filtered_questions.final_json of question `id` as text (undefined: no filtered row). */
export function readFinalJson(db: Database.Database, id: string): string | undefined {
  const r = statements(db).final.get(id) as FinalColumns | undefined;
  return r ? finalJsonOf(r) : undefined;
}

/** questions.draft_json of question `id` as text (undefined: no such question). */
export function readDraftJson(db: Database.Database, id: string): string | undefined {
  const v = statements(db).draft.get(id) as string | Uint8Array | undefined;
  return v === undefined ? undefined : unpackText(v);
}

/** Writes filter's row for a question: the final row packed, its draft left out when it is the question's. */
export function writeFilteredRow(db: Database.Database, row: { id: string; track: string; pmcid: string }, finalText: string): void {
  const { final_json, draft_at } = packFinal(finalText, readDraftJson(db, row.id) ?? null);
  db.prepare('INSERT INTO filtered_questions (id, track, pmcid, final_json, draft_at) VALUES (?, ?, ?, ?, ?)').run(row.id, row.track, row.pmcid, final_json, draft_at);
}

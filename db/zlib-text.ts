// The packing of the lean store's columns (docs/performance.md "Lean store"): a BLOB holding the UTF-8 text
// compressed with zlib (RFC 1950: a 0x78 header and an Adler-32 check, so a damaged value fails loudly
// instead of reading as other text). A TEXT value is the text itself (rows written before migration 090).
// Node's own zlib: no dependency; sqlite3's sqlar_uncompress and Python's zlib.decompress read the same bytes.
import { deflateSync, inflateSync } from 'node:zlib';

/** The stored form of `text`: its UTF-8 bytes, zlib-compressed (with a preset dictionary when given). */
export function packText(text: string, dictionary?: Buffer): Buffer {
  return deflateSync(Buffer.from(text, 'utf8'), dictionary ? { level: 6, dictionary } : { level: 6 });
}

/** Whether a packed value was compressed against a preset dictionary (the FDICT bit of its zlib header). */
export const needsDictionary = (v: Uint8Array): boolean => v.length > 1 && (v[1] & 0x20) !== 0;

/** The text of a packed column's value: a BLOB is inflated, a TEXT value (an older row) is the text. */
export function unpackText(v: string | Uint8Array, dictionary?: Buffer): string {
  if (typeof v === 'string') return v;
  return inflateSync(v, dictionary ? { dictionary } : {}).toString('utf8');
}

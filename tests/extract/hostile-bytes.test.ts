// Bytes that are not what they claim: an archive holding a JATS file is refused by its magic bytes
// (not_xml), never parsed; control characters are removed before parsing, so every offset stays valid.
import { describe, expect, it } from 'vitest';
import { crc32, gzipSync } from 'node:zlib';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { sniffNotXml, stripControlChars } from '../../pipeline/extract/xml.ts';
import { caseReportPath } from '../shared-data.ts';
import { readFileSync } from 'node:fs';

/** A zip archive with one stored (uncompressed) entry: the XML bytes appear verbatim inside it. */
function storedZip(name: string, data: Buffer): Buffer {
  const n = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(10, 4); local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(10, 6); central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(n.length, 28);
  const end = Buffer.alloc(22);
  const cdOffset = 30 + n.length + data.length;
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12); end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, data, central, n, end]);
}

describe('magic bytes', () => {
  const real = readFileSync(caseReportPath('PMC4738710'));

  it('the real article parses; the same article inside a zip (stored) or gzip is refused as not_xml', () => {
    expect(parseJats(real).ok).toBe(true);
    const zip = parseJats(storedZip('PMC4738710.nxml', real));
    expect(zip).toEqual({ ok: false, reason: 'not_xml', detail: 'the input is a zip archive' });
    expect(parseJats(gzipSync(real))).toMatchObject({ ok: false, reason: 'not_xml', detail: 'the input is gzip-compressed data' });
  });

  it('names what the bytes are, and accepts a BOM or leading whitespace before "<"', () => {
    expect(sniffNotXml(Buffer.from('%PDF-1.7\n'))).toBe('a PDF document');
    expect(sniffNotXml(Buffer.from([0xff, 0xfe, 0x3c, 0x00]))).toMatch(/^UTF-16/);
    expect(sniffNotXml(Buffer.from('{"pmcid": "PMC1"}'))).toMatch(/do not start with "<" \(0x7b at 0\)/);
    expect(sniffNotXml(Buffer.from('\ufeff\n  <article/>'))).toBeNull();
    expect(parseJats('   \n')).toMatchObject({ ok: false, reason: 'not_xml', detail: 'the input is only whitespace' });
  });
});

describe('control characters', () => {
  const xml = (p: string) => `<?xml version="1.0" encoding="UTF-8"?>
<article article-type="case-report"><front><article-meta><article-id pub-id-type="pmcid">PMC9900003</article-id></article-meta></front>
<body><sec><title>Case Presentation</title><p>${p}</p></sec>
<fig id="f1"><label>Figure 1</label><caption><p>Chest\u0000 film.</p></caption><graphic xlink:href="f1"/></fig></body></article>`;

  it('NUL, C0, DEL and C1 characters are removed before parsing; sentence and figure-reference offsets stay valid', () => {
    const r = parseJats(xml('A 40-year-old\u0000 man had a cough\u0007.\u0000 A chest film\u0085 was taken (<xref ref-type="fig" rid="f1">Figure 1</xref>). He\u007f recovered\u001b.'));
    if (!r.ok) throw new Error(r.detail);
    const a = r.article;
    const text = a.sections[0].text;
    expect(text).toBe('A 40-year-old man had a cough. A chest film was taken (Figure 1). He recovered.');
    expect(a.figures[0].caption).toBe('Chest film.');
    for (const s of a.cases[0].sentences) expect(text.slice(s.start, s.end)).toBe(s.text);
    const ref = a.figures[0].references[0];
    expect(text.slice(ref.start, ref.end)).toBe(ref.surface);
    expect(ref.surface).toBe('Figure 1');
    expect(a.warnings).toContainEqual({ code: 'control_characters_removed', detail: '7 control characters (C0, DEL, C1) removed before parsing' });
  });

  it('a numeric reference to a control character stays as written; tab, line feed and carriage return are whitespace', () => {
    const r = parseJats(xml('Fever&#1; and&#x7; rash.\tThen\r\nitch.'));
    if (!r.ok) throw new Error(r.detail);
    expect(r.article.sections[0].text).toBe('Fever&#1; and&#x7; rash. Then itch.');
    expect(stripControlChars('a\tb\nc\rd')).toEqual({ xml: 'a\tb\nc\rd', removed: 0 });
  });

  it('a Latin-1/Windows-1252 file keeps its quotes and dashes (0x80–0x9F are characters there, not controls)', () => {
    const head = '<?xml version="1.0" encoding="windows-1252"?>';
    const body = xml('He said \u0093no\u0094 \u0096 twice\u0085 Then he left.').replace(/^<\?xml[^>]*\?>/, head);
    const r = parseJats(Buffer.from(body, 'latin1'));
    if (!r.ok) throw new Error(r.detail);
    expect(r.article.sections[0].text).toBe('He said \u201cno\u201d \u2013 twice\u2026 Then he left.');
    // only the caption's NUL was a control character
    expect(r.article.warnings).toContainEqual({ code: 'control_characters_removed', detail: '1 control character (C0, DEL, C1) removed before parsing' });
  });
});

// Text bounds: a paragraph longer than extract.maxParagraphChars is cut, a sentence longer than
// extract.maxSentenceChars split, each a `text_too_long` cut with its span; and one 19 MB paragraph
// (under the 20 MB input cap) stays within a memory bound through fetch + extract.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { REPO } from '../helpers.ts';

const jats = (caseParas: string[]) => `<?xml version="1.0" encoding="UTF-8"?>
<article article-type="case-report"><front><article-meta><article-id pub-id-type="pmcid">PMC9900002</article-id></article-meta></front>
<body><sec><title>Case Presentation</title>${caseParas.map((p) => `<p>${p}</p>`).join('')}</sec></body></article>`;

function parsed(xml: string, o: { maxParagraphChars?: number; maxSentenceChars?: number } = {}) {
  const r = parseJats(xml, o);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.article;
}

describe('text bounds', () => {
  it('a paragraph over the cap is cut there, later paragraphs are kept, and the cut is a warning with its span', () => {
    const long = 'The tumour grew slowly over the years. '.repeat(100);         // 3,900 characters
    const a = parsed(jats(['A 40-year-old man presented with pain.', long, 'He recovered fully.']), { maxParagraphChars: 1000 });
    const text = a.sections[0].text;
    const paras = text.split('\n\n');
    expect(paras.map((p) => p.length)).toEqual([38, 1000, 19]);
    const cut = a.warnings.filter((w) => w.code === 'text_too_long');
    // the text run is first cut in the XML (64 characters past the cap), then the paragraph at the cap
    expect(cut.map((w) => [w.rule, w.field, w.span])).toEqual([
      ['extract.text.max_text_run', 'xml', [expect.any(Number), expect.any(Number)]],
      ['extract.text.max_paragraph_chars', 'section:sec-1', [1040, 1040]],
    ]);
    expect(cut[0].span![1] - cut[0].span![0]).toBe(long.length - 1064);
    // every sentence offset still points into the stored text
    for (const s of a.cases[0].sentences) expect(text.slice(s.start, s.end)).toBe(s.text);
  });

  it('a run of text that exceeds the cap is cut before parsing (an xml cut), then at the paragraph', () => {
    const a = parsed(jats(['x'.repeat(300_000)]), { maxParagraphChars: 1000 });
    expect(a.sections[0].text.length).toBe(1000);
    expect(a.warnings.filter((w) => w.code === 'text_too_long').map((w) => [w.rule, w.field])).toEqual([
      ['extract.text.max_text_run', 'xml'], ['extract.text.max_paragraph_chars', 'section:sec-1'],
    ]);
    const xmlCut = a.warnings.find((w) => w.field === 'xml')!;
    expect(xmlCut.span![1] - xmlCut.span![0]).toBe(300_000 - 1064);
  });

  it('an entity reference or a surrogate pair is never cut in half', () => {
    const a = parsed(jats([`${'a'.repeat(1060)}&amp;&amp;&amp;&amp;${'b'.repeat(2000)}`]), { maxParagraphChars: 1000 });
    expect(a.sections[0].text).toBe('a'.repeat(1000));
    const emoji = parsed(jats([`${'c'.repeat(999)}😀 more text follows here.`]), { maxParagraphChars: 1000 });
    expect(emoji.sections[0].text).toBe('c'.repeat(999));
  });

  it('a sentence over the cap is split at spaces into pieces within the cap, offsets valid', () => {
    const run = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');   // ~3,100 characters, no full stop
    const a = parsed(jats(['A 40-year-old man presented with pain.', `${run}.`, 'He recovered fully.']), { maxSentenceChars: 1000 });
    const s = a.cases[0].sentences;
    const text = a.sections[0].text;
    expect(s.map((x) => x.end - x.start).every((n) => n <= 1000)).toBe(true);
    expect(s.length).toBe(2 + 4);
    for (const x of s) expect(text.slice(x.start, x.end)).toBe(x.text);
    // the pieces cover the long sentence word for word
    expect(s.slice(1, 5).map((x) => x.text).join(' ')).toBe(`${run}.`);
    const w = a.warnings.find((x) => x.rule === 'extract.text.max_sentence_chars')!;
    expect(w).toMatchObject({ code: 'text_too_long', field: 'section:sec-1', span: [40, 40 + run.length + 1] });
  });

  it('a huge attribute value is cut before parsing like a text run, and the document still parses', () => {
    const huge = 'x'.repeat(200_000);
    const xml = jats([`A 40-year-old man presented with pain (<xref ref-type="fig" rid="f1" alt="${huge}">Figure 1</xref>).`]);
    const a = parsed(xml, { maxParagraphChars: 1000 });
    expect(a.sections[0].text).toContain('presented with pain');
    const w = a.warnings.find((x) => x.rule === 'extract.text.max_text_run')!;
    expect(w).toMatchObject({ code: 'text_too_long', field: 'xml' });
    expect(w.span![1] - w.span![0]).toBe(200_000 - 1064);
  });

  it('real-length text is untouched by the defaults', () => {
    const a = parsed(jats(['A 40-year-old man presented with pain. '.repeat(150)]));   // 5,850 characters
    expect(a.warnings.filter((w) => w.code === 'text_too_long')).toEqual([]);
  });

  it('one 19 MB paragraph: peak RSS under 400 MB and under 150 MB above the loaded process (was 1.2 GB)', () => {
    for (const variant of [[], ['--sentences']]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'tests/extract/long-paragraph-child.ts', '--mb', '19', ...variant],
        { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(m.inputMb).toBeGreaterThan(19);
      expect(m.extracted).toBe(1);
      expect(m.longestSection).toBeLessThanOrEqual(50_000 + 20);
      expect(m.longestSentence).toBeLessThanOrEqual(5_000);
      expect(m.cuts.map((c: { action: string; reason_code: string }) => `${c.action}:${c.reason_code}`)).toContain('cut:text_too_long');
      expect(m.maxRssMb, JSON.stringify(m)).toBeLessThan(400);
      expect(m.maxRssMb - m.baseRssMb, JSON.stringify(m)).toBeLessThan(150);
    }
  }, 180_000);
});

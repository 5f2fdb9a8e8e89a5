// Fuzz: 1,000 deterministic mutations of the real case reports (truncation, tag deletion, byte flips,
// entity bombs, deep nesting, garbage) and hostile images. Every input must come back as an article
// or a failure with a known reason, within a per-item time bound. Seeded PRNG: failures reproduce.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ParsedArticle } from '../../schemas/article.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { processImage, safeMediaName } from '../../pipeline/extract/images.ts';
import { stripJpegMetadata, stripPngMetadata } from '../../pipeline/extract/image-passthrough.ts';
import sharp from 'sharp';
import { casePmcids, readArticle } from './corpus.ts';
import { fixtureImage } from './images-fixtures.ts';
import { chunk, PNG_SIGNATURE } from './png-bytes.ts';
import { seededRandom } from '../../pipeline/core/seeded-random.ts';

const N = 1000;
const PER_ITEM_MS = 2000;
const REASONS = new Set(['xml_malformed', 'xml_entity_limit', 'xml_too_deep', 'article_restricted', 'not_jats', 'not_xml', 'no_case_section', 'input_too_large']);


type Mutator = (x: Buffer, r: () => number) => Buffer;
const int = (r: () => number, n: number) => Math.floor(r() * n);

const MUTATORS: [string, Mutator][] = [
  ['truncate', (x, r) => x.subarray(0, int(r, x.length))],
  ['delete-tag', (x, r) => {
    const s = x.toString('utf8');
    let out = s;
    for (let k = 0, n = 1 + int(r, 5); k < n; k++) {
      const at = out.indexOf('<', int(r, out.length));
      if (at < 0) break;
      const end = out.indexOf('>', at);
      out = out.slice(0, at) + out.slice(end < 0 ? out.length : end + 1);
    }
    return Buffer.from(out);
  }],
  ['byte-flips', (x, r) => {
    const b = Buffer.from(x);
    for (let k = 0, n = 1 + int(r, 40); k < n; k++) b[int(r, b.length)] = int(r, 256);
    return b;
  }],
  ['billion-laughs', (x, r) => {
    let dtd = '<!ENTITY l0 "lol">';
    for (let k = 1; k < 10; k++) dtd += `<!ENTITY l${k} "${`&l${k - 1};`.repeat(10)}">`;
    const s = x.toString('utf8').replace(/<!DOCTYPE[^>]*>/, '');
    const at = s.indexOf('<p>', int(r, s.length));
    const body = at < 0 ? s : `${s.slice(0, at + 3)}&l9;${s.slice(at + 3)}`;
    return Buffer.from(`<!DOCTYPE article [${dtd}]>${body}`);
  }],
  ['many-entities', (x, r) => {
    const s = x.toString('utf8');
    const at = s.indexOf('<p>', int(r, s.length));
    const junk = ['&amp;', '&#x41;', '&#99999999;', '&unknown;', '&#0;', '&'][int(r, 6)].repeat(2000 + int(r, 20000));
    return Buffer.from(at < 0 ? s + junk : `${s.slice(0, at + 3)}${junk}${s.slice(at + 3)}`);
  }],
  ['deep-nesting', (x, r) => {
    const s = x.toString('utf8');
    const tag = ['sec', 'italic', 'list-item', 'p'][int(r, 4)];
    const depth = [50, 120, 127, 500, 20000][int(r, 5)];
    const at = s.indexOf('<body>');
    const nest = `<${tag}>`.repeat(depth) + 'deep' + `</${tag}>`.repeat(depth);
    return Buffer.from(at < 0 ? s : `${s.slice(0, at + 6)}${nest}${s.slice(at + 6)}`);
  }],
  ['garbage-splice', (x, r) => {
    const s = x.toString('utf8');
    const at = int(r, s.length);
    const g = ['<![CDATA[', '<!--', '<?pi', '</sec>', '<sec>', '<fig id="x"><label>Figure 99', '\u0000', ']]>', '<xref ref-type="fig" rid="nope">Fig. 99Z</xref>', '<', '"\'>'][int(r, 11)];
    return Buffer.from(s.slice(0, at) + g + s.slice(at));
  }],
  ['swap-chunks', (x, r) => {
    const a = int(r, x.length);
    const b = int(r, x.length);
    const [lo, hi] = a < b ? [a, b] : [b, a];
    return Buffer.concat([x.subarray(0, lo), x.subarray(hi), x.subarray(lo, hi)]);
  }],
  ['strip-body', (x) => Buffer.from(x.toString('utf8').replace(/<body>[\s\S]*<\/body>/, '<!-- does not allow downloading -->'))],
  ['not-xml', (_x, r) => Buffer.from([...Array(1 + int(r, 3000))].map(() => int(r, 256)))],
];

describe('fuzz: mutated real JATS', () => {
  it(`${N} mutations: no throw, no hang, every failure a known reason`, () => {
    const ids = casePmcids();
    const sources = ids.map((id) => readArticle(id));
    const r = seededRandom(20261125);
    const tally: Record<string, number> = {};
    let slowest = 0;
    for (let i = 0; i < N; i++) {
      const [name, mutate] = MUTATORS[i % MUTATORS.length];
      const src = sources[int(r, sources.length)];
      const input = mutate(src, r);
      const t = performance.now();
      let res: ReturnType<typeof parseJats>;
      try {
        res = parseJats(i % 2 ? input : input.toString('utf8'));
      } catch (e) {
        throw new Error(`parseJats threw on mutation #${i} (${name}): ${String(e)}`);
      }
      const ms = performance.now() - t;
      slowest = Math.max(slowest, ms);
      expect(ms, `#${i} ${name}`).toBeLessThan(PER_ITEM_MS);
      if (res.ok) {
        const v = ParsedArticle.safeParse(res.article);
        expect(v.success, `#${i} ${name}: ${v.success ? '' : v.error.message.slice(0, 200)}`).toBe(true);
        for (const c of res.article.cases) for (const s of c.sentences) {
          const sec = res.article.sections.find((x) => x.id === s.sectionId);
          expect(sec?.text.slice(s.start, s.end)).toBe(s.text);
        }
      } else {
        expect(REASONS.has(res.reason), `#${i} ${name}: ${res.reason}`).toBe(true);
        expect(res.detail.length).toBeGreaterThan(0);
      }
      const key = `${name}:${res.ok ? 'ok' : res.reason}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    // Every mutator produced at least one input; bombs and nesting were refused, not expanded.
    expect(Object.keys(tally).some((k) => k.startsWith('billion-laughs:xml_entity_limit'))).toBe(true);
    expect(Object.keys(tally).some((k) => k.startsWith('deep-nesting:xml_too_deep'))).toBe(true);
    expect(Object.keys(tally).some((k) => k.startsWith('strip-body:article_restricted'))).toBe(true);
    expect(slowest).toBeLessThan(PER_ITEM_MS);
  });
});

// ---------------------------------------------------------------- hostile images

/** A valid-looking PNG header claiming width×height, with a tiny IDAT: a decompression-bomb shape. */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1024))), chunk('IEND', Buffer.alloc(0))]);
}

const OPTS = { maxSide: 1024, thumbSide: 128, limitInputPixels: 40_000_000 };

describe('fuzz: hostile images', () => {
  it('pixel bombs are refused before decoding', async () => {
    for (const [w, h] of [[100_000, 100_000], [65_535, 65_535], [7_000, 7_000]]) {
      const t = performance.now();
      const r = await processImage(pngClaiming(w, h), OPTS);
      expect(r).toMatchObject({ ok: false, reason: 'image_too_many_pixels' });
      expect(performance.now() - t).toBeLessThan(PER_ITEM_MS);
    }
  });
  it('truncated, flipped, wrong-type and empty bytes are reasons, never throws', async () => {
    const jpeg = fixtureImage('chest-xray-a.jpg');
    const png = fixtureImage('ecg-trace.png');
    const r = seededRandom(7);
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['text', Buffer.from('<html>not an image</html>')],
      ['pdf', Buffer.from('%PDF-1.4\n%âãÏÓ\n')],
      ['xml', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')],
      ['jpeg-header-only', jpeg.subarray(0, 200)],
      ['png-header-only', png.subarray(0, 60)],
      ['claims-png-zero-size', pngClaiming(0, 0)],
    ];
    for (let k = 0; k < 10; k++) cases.push([`jpeg-trunc-${k}`, jpeg.subarray(0, 100 + int(r, jpeg.length - 100))]);
    for (let k = 0; k < 10; k++) { const b = Buffer.from(png); for (let j = 0; j < 30; j++) b[8 + int(r, b.length - 8)] = int(r, 256); cases.push([`png-flip-${k}`, b]); }
    for (const [name, bytes] of cases) {
      const t = performance.now();
      const res = await processImage(bytes, OPTS);
      expect(performance.now() - t, name).toBeLessThan(PER_ITEM_MS);
      if (!res.ok) expect(['image_decode_failed', 'image_too_many_pixels', 'image_not_an_image', 'image_empty'], name).toContain(res.reason);
    }
    expect(await processImage(Buffer.alloc(0), OPTS)).toMatchObject({ ok: false, reason: 'image_empty' });
    expect(await processImage(Buffer.from('%PDF-1.4'), OPTS)).toMatchObject({ ok: false, reason: 'image_not_an_image' });
    expect(await processImage(jpeg.subarray(0, 2000), OPTS)).toMatchObject({ ok: false, reason: 'image_decode_failed' });
  });
  it('metadata stripping on 1,000 mutated real JPEG/PNG files: never throws; output is well-framed; a kept image decodes', async () => {
    const sources = [fixtureImage('chest-xray-a.jpg'), fixtureImage('pmc-figure-f0004.jpg'), fixtureImage('ecg-trace.png'), fixtureImage('ecg-alpha.png')];
    const r = seededRandom(11);
    let kept = 0;
    for (let k = 0; k < 1000; k++) {
      const src = sources[k % sources.length];
      const b = Buffer.from(src);
      const mode = k % 4;
      let bytes: Buffer = b;
      if (mode === 0) bytes = b.subarray(0, 2 + int(r, b.length - 2));
      else if (mode === 1) for (let j = 0; j < 1 + int(r, 8); j++) b[int(r, Math.min(b.length, 4000))] = int(r, 256); // headers and segment lengths
      else if (mode === 2) for (let j = 0; j < 1 + int(r, 8); j++) b[int(r, b.length)] = int(r, 256);
      else bytes = Buffer.concat([b, Buffer.from(Array.from({ length: int(r, 64) }, () => int(r, 256)))]);
      const isJpeg = bytes[0] === 0xff;
      const out = isJpeg ? stripJpegMetadata(bytes, { srgbProfile: true }) : stripPngMetadata(bytes, { srgbProfile: true });
      if (out) {
        expect(out.length).toBeLessThanOrEqual(bytes.length);
        if (isJpeg) expect([out[0], out[1], out[out.length - 2], out[out.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
        else expect(out.subarray(out.length - 8, out.length - 4).toString('latin1')).toBe('IEND');
      }
      if (k % 7 === 0) { // every mode and source in turn
        const res = await processImage(bytes, OPTS);
        if (res.ok && res.keptAsPublished) { kept++; await sharp(res.normalised, { failOn: 'warning' }).raw().toBuffer(); }
      }
    }
    expect(kept).toBeGreaterThan(5); // the mutations that leave a valid file are still kept
  });
  it('traversal and hostile names are refused', () => {
    const bad = ['../etc/passwd', 'a/../../b.jpg', '/abs.jpg', 'C:\\x.jpg', 'c:x.jpg', 'a\\b.jpg', 'a\u0000.jpg', 'a\nb.jpg', '', '..', './a.jpg', 'a//b.jpg', '%2e%2e%2fx.jpg', 'file:///x', '\uff0e\uff0e\uff0fx.jpg', 'x\u202ejpg.exe', '~/x.jpg', 'a'.repeat(300)];
    for (const n of bad) expect(safeMediaName(n), JSON.stringify(n)).toMatchObject({ ok: false, reason: 'image_unsafe_name' });
    for (const n of ['CRIC2016-3545480.001', 'fig1.jpg', 'elife-30274-fig2-figsupp1-v1.tif', 'media/fig 1.png']) expect(safeMediaName(n)).toEqual({ ok: true, name: n });
  });
});

// Text inside images: the tesseract engine on synthetic PNGs (words drawn by sharp) and on real figures and
// ECGs from ../shared/data/images, the TSV parser, failures, and the extract stage storing what it read.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../db/store.ts';
import { unpackText } from '../../db/packed-json.ts';
import { defaultLexicon } from '../../ontology/index.ts';
import { runBuild } from '../../pipeline/compose.ts';
import { createDirSource } from '../../pipeline/fetch/dir-source.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import {
  OcrCache, OcrError, TESSERACT_APT, createTesseractEngine, noneEngine, ocrInput, parseTesseractTsv, type OcrEngine,
} from '../../pipeline/extract/ocr.ts';
import { parseConfig } from '../../schemas/config.ts';
import { sampleCorpus, tempDir } from '../helpers.ts';
import { readShared } from '../shared-data.ts';
import { requireTesseract } from '../tesseract.ts';

beforeAll(() => requireTesseract());

/** A PNG with the given lines drawn as SVG text (DejaVu Sans, as the placeholders use). */
async function wordsPng(lines: string[], o: { fg?: string; bg?: string; size?: number; width?: number } = {}): Promise<Buffer> {
  const size = o.size ?? 36, width = o.width ?? 900, height = 60 + lines.length * size * 1.6;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="${o.bg ?? '#ffffff'}"/>` +
    lines.map((l, i) => `<text x="40" y="${60 + i * size * 1.6}" font-size="${size}" font-family="DejaVu Sans, sans-serif" fill="${o.fg ?? '#111111'}">${esc(l)}</text>`).join('') +
    '</svg>';
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const readAt = async (engine: OcrEngine, bytes: Buffer, maxSide = 2048) => {
  const m = await sharp(bytes).metadata();
  const side = Math.max(m.width ?? 0, m.height ?? 0);
  return engine.read(await ocrInput(bytes, bytes, side, side, { maxSide, limitInputPixels: 100_000_000 }));
};

describe('tesseract TSV (pure)', () => {
  it('groups words into lines per page and keeps boxes and confidences', () => {
    const tsv = ['level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
      '1\t1\t0\t0\t0\t0\t0\t0\t640\t400\t-1\t',
      '5\t1\t1\t1\t1\t1\t10\t20\t80\t30\t96.5\tFigure',
      '5\t1\t1\t1\t1\t2\t95\t20\t20\t30\t91\t2',
      '5\t1\t1\t1\t2\t1\t10\t60\t50\t30\t40\tmass',
      '5\t1\t1\t1\t2\t2\t70\t60\t10\t30\t-1\t ',
      '1\t2\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t',
      '5\t2\t1\t1\t1\t1\t1\t2\t3\t4\t88\tRIGHT'].join('\n');
    const [a, b] = parseTesseractTsv(tsv, 2);
    expect(a.text).toBe('Figure 2\nmass');
    expect(a.words[0]).toEqual({ text: 'Figure', box: [10, 20, 80, 30], confidence: 96.5, line: '1.1.1' });
    expect(a.meanConfidence).toBe(75.83);
    expect([a.width, a.height]).toEqual([640, 400]);
    expect(b.text).toBe('RIGHT');
    expect(parseTesseractTsv('', 1)[0]).toMatchObject({ text: '', words: [], meanConfidence: null });
  });
});

describe('the tesseract engine', () => {
  const engine = createTesseractEngine({ concurrency: 2 });

  it('names itself by version, language and model', () => {
    expect(engine.available()).toEqual({ ok: true });
    expect(engine.id).toMatch(/^tesseract \d+\.\d+\S* eng:[0-9a-f]{12}$/);
  });

  it('reads words drawn into synthetic PNGs: dark on light, light on dark (as X-ray labels are)', async () => {
    const a = await engine.read(await wordsPng(['Hepatosplenomegaly with ascites', 'arrow: hypodense lesion 3 cm']));
    expect(a.text).toMatch(/Hepatosplenomegaly/);
    expect(a.text).toMatch(/ascites/);
    expect(a.text).toMatch(/hypodense lesion/);
    expect(a.words.every((w) => w.confidence >= 0 && w.box[2] > 0)).toBe(true);
    const b = await engine.read(await wordsPng(['RIGHT', 'AP ERECT'], { fg: '#f0f0f0', bg: '#1a1a1a', size: 44, width: 500 }));
    expect(b.text).toMatch(/RIGHT/);
    expect(b.text).toMatch(/ERECT/);
    const empty = await engine.read(await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } }).png().toBuffer());
    expect(empty.text).toBe('');
  });

  it('reads the burned-in text of real images: an ECG interpretation line, figure panel labels', async () => {
    // ecg_image_kit sample ECG (2200 px): the machine's interpretation is printed on the tracing
    const ecg = await readAt(engine, readShared('images/ecg_image_kit/ecg00053.png'));
    expect(ecg.text).toMatch(/ventricular-paced/i);
    expect(ecg.text).toMatch(/Vent\. rate/);
    // a published multi-panel figure (PMC11286954, Fig. 1): pathway names on its axes
    const fig = await readAt(engine, readShared('images/pmc_packages/PMC11286954/41420_2024_2111_Fig1_HTML.jpg'));
    for (const w of ['DNA replication', 'Proteasome', 'TCA cycle']) expect(fig.text).toContain(w);
    // a chest X-ray panel with its side marker and view burned in
    const cxr = await readAt(engine, readShared('images/covid_chestxray/1-s2.0-S0085253820303616-gr1_lrg-a.png'));
    expect(cxr.text).toMatch(/ERECT/);
  });

  it('gives each image the same words whether it is read alone or in a batch with others', async () => {
    const imgs = [await wordsPng(['Erdheim Chester']), await wordsPng(['biopsy of the femur']), await wordsPng(['T2 weighted image'])];
    const together = await Promise.all(imgs.map((i) => engine.read(i)));      // one process, three pages
    const alone = [];
    for (const i of imgs) alone.push(await createTesseractEngine({ concurrency: 1, batchSize: 1 }).read(i));
    expect(together).toEqual(alone);
    expect(together.map((r) => r.text)).toEqual(['Erdheim Chester', 'biopsy of the femur', 'T2 weighted image']);
  });

  it('a read past its timeout is a typed error; a missing binary says how to install it; the none engine reads nothing', async () => {
    const slow = createTesseractEngine({ timeoutMs: 1 });
    await expect(slow.read(await wordsPng(['timeout']))).rejects.toMatchObject({ name: 'OcrError', code: 'timeout' });
    const missing = createTesseractEngine({ binary: '/nonexistent/tesseract' });
    const av = missing.available();
    expect(av.ok).toBe(false);
    if (!av.ok) expect(av.reason).toContain(TESSERACT_APT);
    await expect(missing.read(Buffer.alloc(1))).rejects.toBeInstanceOf(OcrError);
    expect(createTesseractEngine({ lang: 'xyzzy' }).available()).toMatchObject({ ok: false });
    expect(noneEngine().available().ok).toBe(false);
  });

  it('reads the source at up to maxSide, not the shrunken copy, and caches results by content', async () => {
    const src = readShared('images/ecg_image_kit/ecg00053.png');
    const small = await sharp(src).resize(1024, 1024, { fit: 'inside' }).png().toBuffer();
    const input = await ocrInput(src, small, 2200, 1024, { maxSide: 2048, limitInputPixels: 1e8 });
    expect((await sharp(input).metadata()).width).toBe(2048);
    const t = tempDir('mmrare-ocr-cache-');
    const cache = new OcrCache(t.dir);
    const sha = createHash('sha256').update(src).digest('hex');
    const key = OcrCache.key(engine.id, sha, 2048);
    expect(cache.get(key)).toBeNull();
    cache.put(key, { text: 'x', words: [], meanConfidence: null, width: 1, height: 1 });
    expect(cache.get(key)?.text).toBe('x');
    expect(OcrCache.key(engine.id, sha, 1024)).not.toBe(key);
    expect(OcrCache.key('tesseract 9.9 eng:000000000000', sha, 2048)).not.toBe(key);
    t.cleanup();
  });
});

describe('extract stores the text inside each image', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterAll(() => dirs.forEach((d) => d.cleanup()));
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

  it('reads real and synthetic figures and placeholders; without an engine it records OCR as unavailable', async () => {
    const SAMPLES = await sampleCorpus();
    const bucket = tempDir(); dirs.push(bucket);
    mkdirSync(join(bucket.dir, 'metadata'));
    // PMC4736318 (2 figures) gets real pixels: a synthetic figure with labels and a real ECG;
    // PMC4738710 keeps its placeholders (they show only the figure label)
    const id = 'PMC4736318';
    cpSync(join(SAMPLES, `${id}.1`), join(bucket.dir, `${id}.1`), { recursive: true });
    const meta = JSON.parse(readFileSync(join(SAMPLES, 'metadata', `${id}.1.json`), 'utf8'));
    const files: Record<string, Buffer> = {
      'CRIDM2016-9403690.001.png': await wordsPng(['Sporothrix schenckii culture', 'day 7']),
      'CRIDM2016-9403690.002.png': readShared('images/ecg_image_kit/ecg00053.png'),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(bucket.dir, `${id}.1`, name), bytes);
    meta.media_urls = Object.entries(files).map(([name, b]) => `s3://pmc-oa-opendata/${id}.1/${name}?md5=${md5(b)}`);
    meta.mmrare_placeholder_media = [];
    writeFileSync(join(bucket.dir, 'metadata', `${id}.1.json`), JSON.stringify(meta));
    cpSync(join(SAMPLES, 'PMC4738710.1'), join(bucket.dir, 'PMC4738710.1'), { recursive: true });
    cpSync(join(SAMPLES, 'metadata', 'PMC4738710.1.json'), join(bucket.dir, 'metadata', 'PMC4738710.1.json'));

    const work = tempDir(); dirs.push(work);
    const run = async (ocr: Record<string, unknown>) => {
      const store = new Store(work.dir);
      try {
        await runBuild({ store, config: parseConfig({ extract: { ocr: { cache: false, ...ocr } } }), command: 'test', stages: ['fetch', 'extract'], source: createDirSource(bucket.dir), lexicon: defaultLexicon(), log: silentLogger });
        const rows = store.db.prepare('SELECT image_id, figure_id, placeholder, ocr_text, ocr_engine FROM images ORDER BY image_id').all() as
          { image_id: string; figure_id: string; placeholder: number; ocr_text: string | null; ocr_engine: string }[];
        const attrs = Object.fromEntries((store.db.prepare("SELECT item_key, name, value_json FROM attributes WHERE stage = 'extract' AND name IN ('ocr', 'image_ocr')").all() as
          { item_key: string; name: string; value_json: string | Buffer }[]).map((r) => [`${r.item_key}:${r.name}`, JSON.parse(unpackText(r.value_json))]));
        const labels = Object.fromEntries((store.db.prepare('SELECT pmcid, figure_id, label FROM figures').all() as { pmcid: string; figure_id: string; label: string }[])
          .map((f) => [`${f.pmcid}-${f.figure_id}`, f.label]));
        return { rows, attrs, labels };
      } finally { store.close(); }
    };

    const { rows, attrs, labels } = await run({});
    expect(rows.length).toBe(2 + rows.filter((r) => r.image_id.startsWith('PMC4738710')).length);
    for (const r of rows) expect(r.ocr_engine).toMatch(/^tesseract /);
    const mine = rows.filter((r) => r.image_id.startsWith(id));
    expect(mine[0].ocr_text).toMatch(/Sporothrix schenckii/);
    expect(mine[1].ocr_text).toMatch(/ventricular-paced/i);
    const placeholders = rows.filter((r) => r.placeholder === 1);
    expect(placeholders.length).toBeGreaterThan(0);
    for (const p of placeholders) {
      const label = labels[`PMC4738710-${p.figure_id}`];
      expect(p.ocr_text).toContain(label);                   // the label, and nothing of the caption
      expect(p.ocr_text).toContain('placeholder');
    }
    expect(attrs[`${id}:ocr`]).toMatchObject({ available: true });
    const perImage = attrs[`${id}:image_ocr`][mine[0].image_id];
    expect(perImage.status).toBe('read');
    expect(perImage.words.some((w: unknown[]) => w[0] === 'Sporothrix' && typeof w[1] === 'number')).toBe(true);

    // switching OCR off changes the extract slice: the images are re-extracted without text, nothing crashes
    const off = await run({ engine: 'none' });
    expect(off.rows.length).toBe(rows.length);
    for (const r of off.rows) expect([r.ocr_text, r.ocr_engine]).toEqual([null, 'none']);
    expect(off.attrs[`${id}:ocr`]).toMatchObject({ engine: 'none', available: false });
    expect(Object.values(off.attrs[`${id}:image_ocr`])).toEqual([{ status: 'unavailable' }, { status: 'unavailable' }]);
  });
});

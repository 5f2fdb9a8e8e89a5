// The Hugging Face folder, read back with independent readers: hyparquet (not the writer) for the
// Parquet files, a small YAML reader for the card's front matter; compared with the release rows (the
// jsonl release of the same selection) and with the store's image blobs, byte for byte.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { builtStore, jsonOut, questions, review, type TestStore } from './helpers.ts';
import { frontMatter } from './yaml.ts';

let s: TestStore;
let HF: string;
let rows: Record<string, any>[];            // the release rows (jsonl format), by track
let summary: any;
let buildConfigHash: string;
const TRACKS = ['diagnosis', 'treatment', 'cross-image', 'examination'];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const blob = (h: string) => readFileSync(join(s.W, 'blobs', h.slice(0, 2), h.slice(2, 4), h));

async function readParquet(track: string): Promise<Record<string, any>[]> {
  const dir = join(HF, 'data', track);
  const out: Record<string, any>[] = [];
  for (const f of readdirSync(dir).filter((n) => /^test-.*\.parquet$/.test(n)).sort()) {
    const b = readFileSync(join(dir, f));
    const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    out.push(...await parquetReadObjects({ file, utf8: false }) as Record<string, any>[]);
  }
  return out;
}

beforeAll(() => {
  s = builtStore('hf');
  const qs = questions(s);
  review(s, qs.filter((_, i) => i % 3 !== 1).map((q) => q.id));
  HF = join(s.dir, 'hf');
  { const db = s.db(); buildConfigHash = (db.prepare(`SELECT config_hash FROM runs WHERE status = 'ok' ORDER BY id DESC LIMIT 1`).get() as { config_hash: string }).config_hash; db.close(); }
  summary = jsonOut(s.run(['export', '--format', 'hf', '--out', HF, '--licence-preset', 'all', '--json']));
  jsonOut(s.run(['export', '--format', 'jsonl', '--out', join(s.dir, 'jsonl'), '--only-accepted', '--licence-preset', 'all', '--json']));
  rows = TRACKS.flatMap((t) => { try { return readFileSync(join(s.dir, 'jsonl', `${t}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l)); } catch { return []; } });
}, 240_000);
afterAll(() => s.cleanup());

describe('hf: Parquet files', () => {
  it('hold the release rows, in id order, with the images embedded as {bytes, path} structs (the store\'s bytes)', async () => {
    expect(rows.length).toBe(summary.rows);
    let images = 0;
    for (const t of TRACKS) {
      const want = rows.filter((r) => r.track === t);
      const got = await readParquet(t);
      expect(got.map((r) => r.id), t).toEqual(want.map((r) => r.id));
      for (const [i, g] of got.entries()) {
        const w = want[i];
        for (const k of ['id', 'track', 'pmcid', 'pmid', 'doi', 'license', 'publication_date', 'pmc_version', 'disease_category', 'case', 'question', 'context', 'answer', 'orpha_code', 'orpha_name']) {
          expect(g[k], `${w.id} ${k}`).toEqual(w[k]);
        }
        expect(g.orpha_aliases).toEqual(w.orpha_aliases);
        expect(g.image_labels).toEqual(w.images.map((im: any) => im.label));
        expect(g.image_ids).toEqual(w.images.map((im: any) => im.id));
        expect(g.image_modalities).toEqual(w.image_modalities);
        expect(JSON.parse(g.provenance)).toEqual(w.provenance);
        expect(w.provenance.config_hash).toBe(buildConfigHash);
        expect(JSON.parse(g.leakage)).toEqual(w.leakage);
        expect(JSON.parse(g.withheld_images)).toEqual(w.withheld_images);
        expect(g.images).toHaveLength(w.images.length);
        for (const [j, im] of g.images.entries()) {
          const bytes = new Uint8Array(im.bytes);
          expect(sha(bytes), `${w.id} image ${j}`).toBe(w.images[j].sha256);
          expect(Buffer.from(bytes).equals(blob(w.images[j].sha256))).toBe(true);
          expect(im.path).toBe(`${w.images[j].sha256}.png`);
          images++;
        }
        // the track's own fields
        if (t === 'diagnosis') { expect(g.answer_aliases).toEqual(w.answer_aliases); expect(g.category).toBe(w.category); }
        if (t === 'treatment') { expect(JSON.parse(g.rubric_must_include)).toEqual(w.rubric_must_include); expect(JSON.parse(g.rubric_must_not)).toEqual(w.rubric_must_not); }
        if (t === 'cross-image') { expect(JSON.parse(g.golden_mainline)).toEqual(w.golden_mainline); expect(g.relation_type).toBe(w.relation_type); }
        if (t === 'examination') { expect(g.key_test_names).toEqual(w.key_test_names); expect(JSON.parse(g.must_not)).toEqual(w.must_not); }
        expect(JSON.parse(g.evidence)).toEqual(w.evidence);
      }
    }
    expect(images).toBeGreaterThan(rows.length);
  });

  it('every row carries its article\'s publication date and PMC version, read from the store', () => {
    const db = s.db();
    try {
      for (const r of rows) {
        const a = db.prepare('SELECT version FROM articles WHERE pmcid = ?').get(r.pmcid) as { version: number };
        expect(r.pmc_version).toBe(a.version);
        expect(r.publication_date, r.id).toMatch(/^\d{4}(-\d{2}(-\d{2})?)?$/);
        const year = (db.prepare('SELECT pub_year FROM article_text WHERE pmcid = ?').get(r.pmcid) as { pub_year: number | null }).pub_year;
        if (year) expect(r.publication_date.slice(0, 4)).toBe(String(year));
      }
    } finally { db.close(); }
    // the sample's first article: epub 3 January 2016 (JATS), before its print date
    const first = rows.find((r) => r.pmcid === 'PMC4735894');
    expect(first, 'a question of PMC4735894 is accepted').toBeDefined();
    expect(first!.publication_date).toBe('2016-01-03');
  });

  it('one schema per track: every file of a track has the same columns, in the card\'s order', async () => {
    const card = frontMatter(readFileSync(join(HF, 'README.md'), 'utf8')).data;
    for (const t of TRACKS.filter((x) => rows.some((r) => r.track === x))) {
      const b = readFileSync(join(HF, 'data', t, 'test-00000-of-00001.parquet'));
      const md = parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      const names: string[] = [];
      // top-level columns: the root's children, walking num_children
      let i = 1;
      const skip = (k: number): number => { const n = md.schema[k].num_children ?? 0; let j = k + 1; for (let c = 0; c < n; c++) j = skip(j); return j; };
      while (i < md.schema.length) { names.push(md.schema[i].name); i = skip(i); }
      expect(names.length).toBeGreaterThan(20);
      const info = card.dataset_info.find((d: any) => d.config_name === t);
      expect(info.features.map((f: any) => f.name), t).toEqual(names);
      expect(info.features.find((f: any) => f.name === 'images')).toEqual({ name: 'images', list: 'image' });
      expect(info.splits).toEqual([{ name: 'test', num_examples: rows.filter((r) => r.track === t).length }]);
    }
  });
});

describe('release rows', () => {
  it('are the draft export\'s rows (the same builder) plus the release fields right after license', () => {
    const draft = new Map(TRACKS.flatMap((t) => readFileSync(join(s.W, 'export', `${t}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l))).map((r) => [r.id, r]));
    for (const r of rows) {
      const d = draft.get(r.id);
      expect(d, r.id).toBeDefined();
      const keys = Object.keys(r);
      const at = keys.indexOf('license');
      expect(keys.slice(at + 1, at + 5)).toEqual(['publication_date', 'pmc_version', 'disease_category', 'image_modalities']);
      const { publication_date: _a, pmc_version: _b, disease_category, image_modalities, ...rest } = r;
      expect(image_modalities).toHaveLength(r.images.length);
      expect(disease_category).toBeTruthy();
      expect(Object.keys(rest)).toEqual(Object.keys(d));
      expect({ ...rest, images: rest.images.map((im: any) => ({ ...im, file: null })) }).toEqual({ ...d, images: d.images.map((im: any) => ({ ...im, file: null })) });
    }
  });
});

describe('hf: README.md', () => {
  it('configs: one per track with rows, its test split on data/<track>/test-*.parquet', () => {
    const card = frontMatter(readFileSync(join(HF, 'README.md'), 'utf8')).data;
    const present = TRACKS.filter((t) => rows.some((r) => r.track === t));
    expect(card.configs).toEqual(present.map((t) => ({ config_name: t, data_files: [{ split: 'test', path: `data/${t}/test-*.parquet` }] })));
    // the licences of the rows, as Hugging Face licence ids (this release was made with --licence-preset all)
    expect(card.license).toEqual(['cc-by-4.0', 'cc-by-nc-nd-4.0']);
  });

  it('the card\'s counts per track, licence, modality and disease category are those of the Parquet rows', async () => {
    const body = frontMatter(readFileSync(join(HF, 'README.md'), 'utf8')).body;
    const all = (await Promise.all(TRACKS.filter((t) => rows.some((r) => r.track === t)).map(readParquet))).flat();
    const section = (title: string): Record<string, number> => {
      const m = new RegExp(`### ${title.replace(/[()]/g, '\\$&')}\\n\\n\\| [^|]+ \\| \\w+ \\|\\n\\|---\\|---\\|\\n((?:\\|.*\\|\\n)+)`).exec(body);
      if (!m) throw new Error(`no section ${title}`);
      return Object.fromEntries(m[1].trim().split('\n').map((l) => { const [, k, n] = /^\| (.+) \| (\d+) \|$/.exec(l)!; return [k, Number(n)]; }));
    };
    const count = (keys: string[]) => { const o: Record<string, number> = {}; for (const k of keys) o[k] = (o[k] ?? 0) + 1; return o; };
    expect(section('Per track')).toEqual(count(all.map((r) => r.track)));
    expect(section('Per licence')).toEqual(count(all.map((r) => r.license)));
    expect(section('Per image modality (images)')).toEqual(count(all.flatMap((r) => r.image_modalities)));
    expect(section('Per disease category')).toEqual(count(all.map((r) => r.disease_category)));
    expect(body).toContain(`${all.length} questions, ${all.reduce((n, r) => n + r.images.length, 0)} images shown.`);
    expect(body).toMatch(/Not for clinical use/);
    const placeholders = all.reduce((n, r) => n + JSON.parse(r.image_details).filter((im: any) => im.placeholder).length, 0);
    expect(placeholders).toBeGreaterThan(0); // the sample's images are placeholders: the card says so
    expect(body).toContain(`**${placeholders} of ${all.reduce((n, r) => n + r.images.length, 0)} images are placeholders**`);
    expect(body).toContain('and accepted in human review');
    expect(Object.keys(count(all.map((r) => r.license)))).toContain('CC BY-NC-ND'); // --licence-preset all
  });
});

describe('hf: croissant.json', () => {
  it('Croissant 1.1 with the required and responsible-AI fields, files with their sha256, a record set per track', () => {
    const c = JSON.parse(readFileSync(join(HF, 'croissant.json'), 'utf8'));
    expect(c['@type']).toBe('sc:Dataset');
    expect(c.conformsTo).toBe('http://mlcommons.org/croissant/1.1');
    expect(c['@context']).toMatchObject({ '@vocab': 'https://schema.org/', cr: 'http://mlcommons.org/croissant/', rai: 'http://mlcommons.org/croissant/RAI/' });
    for (const k of ['name', 'description', 'license', 'url', 'version', 'citeAs', 'distribution', 'recordSet']) expect(c[k], k).toBeTruthy();
    for (const k of ['dataCollection', 'dataCollectionType', 'dataAnnotationProtocol', 'personalSensitiveInformation', 'dataBiases', 'dataLimitations', 'dataUseCases', 'dataReleaseMaintenancePlan']) {
      expect(c[`rai:${k}`], k).toBeTruthy();
    }
    expect(`${c.description} ${c['rai:dataLimitations']}`).toMatch(/not for clinical use/i);
    const present = TRACKS.filter((t) => rows.some((r) => r.track === t));
    const objects = c.distribution.filter((d: any) => d['@type'] === 'cr:FileObject');
    expect(objects.map((d: any) => d.contentUrl)).toEqual(present.map((t) => `data/${t}/test-00000-of-00001.parquet`));
    for (const d of objects) expect(d.sha256).toBe(sha(readFileSync(join(HF, d.contentUrl))));
    const sets = c.distribution.filter((d: any) => d['@type'] === 'cr:FileSet');
    expect(sets.map((d: any) => [d['@id'], d.includes])).toEqual(present.map((t) => [`${t}-parquet`, `data/${t}/test-*.parquet`]));
    expect(c.recordSet.map((r: any) => r.name)).toEqual(present);
    const card = frontMatter(readFileSync(join(HF, 'README.md'), 'utf8')).data;
    for (const rs of c.recordSet) {
      expect(rs['@type']).toBe('cr:RecordSet');
      const feats = card.dataset_info.find((d: any) => d.config_name === rs.name).features.map((f: any) => f.name);
      expect(rs.field.map((f: any) => f.name)).toEqual(feats);
      for (const f of rs.field) expect(f.source.fileSet['@id']).toBe(`${rs.name}-parquet`);
      expect(rs.field.find((f: any) => f.name === 'images')).toMatchObject({ dataType: 'sc:ImageObject', isArray: true });
    }
  });
});

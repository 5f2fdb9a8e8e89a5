// Unusable images never reach the benchmark: a flat one-colour frame (decoded from a 9999² PNG) and a
// 16 × 16 GIF are kept in the store with their quality reason and left out of the question, while the
// article's real image is shown; the sample corpus's placeholder cards are exempt (a recorded flag).
import { describe, it, expect, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import Database from 'better-sqlite3';
import { tempDir, cli } from '../helpers.ts';
import { readShared } from '../shared-data.ts';
import { buildSampleBucket } from '../sample-bucket.ts';
import { unpackText } from '../../db/packed-json.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const t = tempDir('mmrare-quality-');
afterAll(() => t.cleanup());

describe('image quality in a full run', () => {
  it('a flat and a tiny image are excluded with reasons; the real image and the placeholder cards are shown', async () => {
    const bucket = await buildSampleBucket(['PMC4735894', 'PMC4736318'], join(t.dir, 'bucket'));
    // PMC4735894's three figures become: a flat 9999² PNG, a 16 × 16 GIF frame, a real chest X-ray
    const prefix = 'PMC4735894.1';
    const metaPath = join(bucket, 'metadata', `${prefix}.json`);
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    const names = meta.mmrare_placeholder_media as string[];
    const flat = await sharp({ create: { width: 9999, height: 9999, channels: 3, background: '#d0d0d0' } }).png().toBuffer();
    const tinyRaw = Buffer.alloc(16 * 16 * 3).map((_, i) => (i * 37) % 256);
    const tiny = await sharp(tinyRaw, { raw: { width: 16, height: 16, channels: 3 } }).gif().toBuffer();
    const xray = readShared('images/covid_chestxray/jkms-35-e79-g001-l-a.jpg');
    const files = [flat, tiny, xray];
    names.forEach((n, i) => writeFileSync(join(bucket, prefix, n), files[i]));
    meta.media_urls = names.map((n, i) => `s3://pmc-oa-opendata/${prefix}/${n}?md5=${md5(files[i])}`);
    meta.mmrare_placeholder_media = [];
    writeFileSync(metaPath, JSON.stringify(meta));

    const work = join(t.dir, 'work');
    const r = cli(['run', '--workdir', work, '--from-dir', bucket]);
    expect(r.code, r.stderr).toBe(0);
    const db = new Database(join(work, 'mmrare.db'), { readonly: true });
    try {
      const imgs = db.prepare(`SELECT image_id, quality, placeholder FROM images ORDER BY image_id`).all() as { image_id: string; quality: string; placeholder: number }[];
      expect(imgs.filter((i) => i.image_id.startsWith('PMC4735894')).map((i) => i.quality)).toEqual(['image_single_colour', 'image_too_small', 'ok']);
      expect(imgs.filter((i) => i.image_id.startsWith('PMC4736318')).every((i) => i.quality === 'placeholder_exempt' && i.placeholder === 1)).toBe(true);
      const excluded = db.prepare(`SELECT action, reason_code, rule, detail_json FROM decisions WHERE rule = 'extract.image.quality' ORDER BY pmcid, id`).all() as
        { action: string; reason_code: string; rule: string; detail_json: string }[];
      expect(excluded.map((d) => [d.action, d.reason_code])).toEqual([
        ['exclude', 'image_single_colour'], ['exclude', 'image_too_small'], ['flag', 'image_quality_exempt_placeholder'],
      ]);
      expect(JSON.parse(excluded[0].detail_json)).toMatchObject({ failed: ['image_single_colour', 'image_near_constant'], pixelStdDev: 0 });
      expect(JSON.parse(excluded[1].detail_json)).toMatchObject({ failed: ['image_too_small'], minSide: 16 });
      const attr = JSON.parse(unpackText(db.prepare(`SELECT value_json FROM attributes WHERE stage = 'extract' AND item_key = 'PMC4735894' AND name = 'image_quality'`).pluck().get() as string | Buffer));
      expect(Object.values(attr).map((a) => (a as { verdict: string }).verdict)).toEqual(['image_single_colour', 'image_too_small', 'ok']);
    } finally { db.close(); }

    const rows = readFileSync(join(work, 'export', 'diagnosis.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const row = rows.find((x) => x.pmcid === 'PMC4735894');
    expect(row.images.map((i: { id: string }) => i.id)).toEqual([imgsId('PMC4735894', 3)]);
    expect(row.images[0].placeholder).toBe(false);
    // the placeholder article keeps its question and its cards
    const ph = rows.find((x) => x.pmcid === 'PMC4736318');
    expect(ph.images.length).toBeGreaterThan(0);
    expect(ph.images.every((i: { placeholder: boolean }) => i.placeholder)).toBe(true);
  }, 120_000);
});

/** The image id of a Hindawi article's k-th figure (its <fig id> is "fig<k>"). */
function imgsId(pmcid: string, k: number): string { return `${pmcid}-fig${k}-1`; }

// The image stage's pure functions on real images (tests/fixtures/extract/images, PROVENANCE.md there).
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { processImage, sniffImage, type ProcessedImage } from '../../pipeline/extract/images.ts';
import { findNearDuplicates, hamming } from '../../pipeline/core/near-duplicates.ts';
import { detectCompound } from '../../pipeline/extract/compound.ts';
import { fixtureImage } from './images-fixtures.ts';
import { chunk, PNG_SIGNATURE } from './png-bytes.ts';

const OPTS = { maxSide: 512, thumbSide: 128, limitInputPixels: 40_000_000 };

async function ok(bytes: Buffer, opts = OPTS): Promise<ProcessedImage> {
  const r = await processImage(bytes, opts);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r;
}

/** A real 16-bit greyscale PNG (a gradient), written by hand because sharp only writes 8-bit PNG from raw input. */
function png16(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 16; ihdr[9] = 0;
  const rows = Buffer.alloc(h * (1 + w * 2));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rows.writeUInt16BE(Math.round((x / (w - 1)) * 65535), y * (1 + w * 2) + 1 + x * 2);
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

describe('processImage', () => {
  it('normalises a JPEG photo: cap, sha256 of the output, thumbnail, 16-hex dHash', async () => {
    const r = await ok(fixtureImage('fundus.jpg'));
    expect(r.format).toBe('jpeg');
    expect(Math.max(r.width, r.height)).toBe(512);
    expect(r.dhash).toMatch(/^[0-9a-f]{16}$/);
    const meta = await sharp(r.normalised).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([r.width, r.height, 'jpeg']);
    const t = await sharp(r.thumbnail).metadata();
    expect(Math.max(t.width ?? 0, t.height ?? 0)).toBe(128);
    const again = await ok(fixtureImage('fundus.jpg'));
    expect(again.sha256).toBe(r.sha256); // deterministic
  });
  it('never enlarges; PNG for line art and alpha, JPEG for photographic PNG', async () => {
    const ecg = await ok(fixtureImage('ecg-trace.png'), { ...OPTS, maxSide: 4000 });
    expect([ecg.format, ecg.width, ecg.height]).toEqual(['png', 999, 403]);
    expect((await ok(fixtureImage('ecg-alpha.png'))).format).toBe('png');
    expect((await ok(fixtureImage('derm-lesion.png'))).format).toBe('jpeg');
    expect((await ok(fixtureImage('pmc-figure-f0004-thumb.gif'))).source.format).toBe('gif');
  });
  it('applies EXIF orientation', async () => {
    const rotated = await sharp(fixtureImage('fundus.jpg')).resize(300, 200, { fit: 'fill' }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const r = await ok(rotated);
    expect([r.width, r.height]).toEqual([200, 300]);
  });
  it('reads the first page of a multi-page TIFF and 16-bit input', async () => {
    const { data } = await sharp(fixtureImage('fundus.jpg')).resize(100, 100).raw().toBuffer({ resolveWithObject: true });
    const tiff = await sharp(Buffer.concat([data, Buffer.alloc(data.length, 255)]), { raw: { width: 100, height: 200, channels: 3, pageHeight: 100 } as never }).tiff().toBuffer();
    const t = await ok(tiff);
    expect([t.width, t.height, t.source.pages]).toEqual([100, 100, 2]);
    const p = await ok(png16(64, 32));
    expect((await sharp(p.normalised).metadata()).depth).toBe('uchar');
  });
  it('refuses by header before decoding: limitInputPixels', async () => {
    const r = await processImage(fixtureImage('fundus.jpg'), { ...OPTS, limitInputPixels: 1000 });
    expect(r).toMatchObject({ ok: false, reason: 'image_too_many_pixels' });
  });
  it('sniffs', () => {
    expect(sniffImage(fixtureImage('chest-xray-a.jpg'))).toBe('jpeg');
    expect(sniffImage(fixtureImage('pmc-figure-f0004-thumb.gif'))).toBe('gif');
    expect(sniffImage(Buffer.from('hello'))).toBeNull();
  });
});

describe('near-duplicates (threshold checked against the marked sets in shared/data/images/index.tsv)', () => {
  it('re-encodes and PMC thumbnails are within 4; different radiographs are not within 3', async () => {
    const h = async (n: string) => (await ok(fixtureImage(n))).dhash;
    const [ihcJ, ihcP, fig, thumb, xa, xb, fundus] = await Promise.all(['ihc-colon.jpg', 'ihc-colon-reencoded.png', 'pmc-figure-f0004.jpg', 'pmc-figure-f0004-thumb.gif', 'chest-xray-a.jpg', 'chest-xray-b.jpg', 'fundus.jpg'].map(h));
    expect(hamming(ihcJ, ihcP)).toBeLessThanOrEqual(1);
    expect(hamming(fig, thumb)).toBeLessThanOrEqual(4);
    expect(hamming(xa, xb)).toBeGreaterThan(3);
    expect(hamming(xa, fundus)).toBeGreaterThan(10);
    const pairs = findNearDuplicates([
      { id: 'a1/ihc', dhash: ihcJ }, { id: 'a2/ihc-png', dhash: ihcP }, { id: 'a1/fig4', dhash: fig }, { id: 'a1/fig4-thumb', dhash: thumb },
      { id: 'a3/xa', dhash: xa }, { id: 'a3/xb', dhash: xb }, { id: 'a4/fundus', dhash: fundus },
    ], 4);
    expect(pairs.map((p) => `${p.a}~${p.b}`).sort()).toEqual(['a1/fig4-thumb~a1/fig4', 'a1/ihc~a2/ihc-png'].map((s) => s.split('~').sort().join('~')).sort());
  });
  it('hamming and the banded search agree with brute force', () => {
    expect(hamming('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hamming('0000000000000001', '0000000000000003')).toBe(1);
    expect(hamming('zz', '0000000000000000')).toBe(64);
    const items = Array.from({ length: 60 }, (_, i) => ({ id: `i${i}`, dhash: (BigInt(i % 7) * 0x0101010101010101n ^ BigInt(1 << (i % 5))).toString(16).padStart(16, '0') }));
    // identical hashes are a star around their first item; the distinct ones pair as brute force says
    const distinct = items.filter((it, i) => items.findIndex((o) => o.dhash === it.dhash) === i);
    for (const d of [0, 2, 3]) {
      const brute = [];
      for (let i = 0; i < distinct.length; i++) for (let j = i + 1; j < distinct.length; j++) if (hamming(distinct[i].dhash, distinct[j].dhash) <= d) brute.push(1);
      expect(findNearDuplicates(distinct, d).length).toBe(brute.length);
      expect(findNearDuplicates(items, d).filter((p) => p.distance === 0 && items.find((o) => o.id === p.a)!.dhash === items.find((o) => o.id === p.b)!.dhash)).toHaveLength(items.length - distinct.length);
    }
  });
});

describe('compound detection', () => {
  it('compound: caption letters and white gutters', async () => {
    const fig = fixtureImage('pmc-figure-f0004.jpg');
    const single = await detectCompound({ panelLetters: [], image: fixtureImage('fundus.jpg') });
    expect(single.compound).toBe(false);
    const fromCaption = await detectCompound({ panelLetters: ['A', 'B'] });
    expect(fromCaption).toMatchObject({ compound: true, evidence: ['caption panel letters A, B'] });
    // two real images side by side with a white gutter between them
    const a = await sharp(fixtureImage('chest-xray-a.jpg')).resize(200, 160, { fit: 'fill' }).toBuffer();
    const b = await sharp(fixtureImage('chest-xray-b.jpg')).resize(200, 160, { fit: 'fill' }).toBuffer();
    const joined = await sharp({ create: { width: 420, height: 160, channels: 3, background: '#ffffff' } }).composite([{ input: a, left: 0, top: 0 }, { input: b, left: 220, top: 0 }]).jpeg().toBuffer();
    const g = await detectCompound({ panelLetters: [], image: joined });
    expect(g.compound).toBe(true);
    expect(g.gutters.vertical.length).toBeGreaterThan(0);
    expect((await detectCompound({ panelLetters: [], image: fig })).gutters).toBeDefined();
  });
});

// Images decoded in worker threads (the extract stage with more than one job) give what the main thread gives.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createWorkerPool } from '../../pipeline/core/worker-pool.ts';
import { decodeImage, reviveDecoded, type DecodedImage } from '../../pipeline/extract/decode-image.ts';
import { fixtureImage } from './images-fixtures.ts';

const OPTS = { maxSide: 1600, thumbSide: 256, limitInputPixels: 100_000_000 };
const NAMES = ['chest-xray-a.jpg', 'derm-lesion.png', 'ecg-alpha.png', 'ihc-colon.jpg', 'pmc-figure-f0004-thumb.gif'];
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('decodeImage in a worker', () => {
  it('equals the in-process result for real images (bytes, hashes, statistics, panels)', async () => {
    const pool = createWorkerPool({ size: 2, module: new URL('../../pipeline/extract/decode-image.ts', import.meta.url) });
    try {
      for (const name of NAMES) {
        const bytes = fixtureImage(name);
        const o = { ...OPTS, panelLetters: ['A', 'B'], placeholder: false };
        const here = await decodeImage(bytes, o);
        const there = reviveDecoded(await pool.run<DecodedImage>('decodeImage', [bytes, o]));
        expect(here.res.ok, name).toBe(true);
        if (!here.res.ok || !there.res.ok) throw new Error(name);
        expect(Buffer.isBuffer(there.res.normalised)).toBe(true);
        expect(sha(there.res.normalised)).toBe(sha(here.res.normalised));
        expect(sha(there.res.thumbnail)).toBe(sha(here.res.thumbnail));
        const strip = (d: DecodedImage) => ({ ...d.res, normalised: null, thumbnail: null, preview: d.res.ok ? { ...d.res.preview, data: sha(d.res.preview.data) } : null });
        expect(strip(there)).toEqual(strip(here));
        expect(there.c).toEqual(here.c);
      }
      // a refusal crosses as data too
      const bad = await pool.run<DecodedImage>('decodeImage', [Buffer.from('not an image at all'), { ...OPTS, panelLetters: [], placeholder: false }]);
      expect(bad.res).toMatchObject({ ok: false, reason: 'image_not_an_image' });
    } finally { await pool.close(); }
  });
});

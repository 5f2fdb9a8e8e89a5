// Keeping images that are already in normal form as published: the byte-level metadata strippers and
// processImage's choice between keeping and re-encoding, on real images (tests/fixtures/extract/images).
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isSrgbProfile, stripJpegMetadata, stripPngMetadata } from '../../pipeline/extract/image-passthrough.ts';
import { processImage, type ProcessedImage } from '../../pipeline/extract/images.ts';
import { hamming } from '../../pipeline/core/near-duplicates.ts';
import { detectCompound } from '../../pipeline/extract/compound.ts';
import { fixtureImage } from './images-fixtures.ts';
import { chunk, PNG_SIGNATURE } from './png-bytes.ts';

const OPTS = { maxSide: 1024, thumbSide: 128, limitInputPixels: 40_000_000 };

async function pixels(b: Buffer): Promise<Buffer> {
  return sharp(b).raw().toBuffer();
}

async function ok(bytes: Buffer, opts = OPTS): Promise<ProcessedImage> {
  const r = await processImage(bytes, opts);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r;
}

/** JPEG segments in order, as marker bytes (0xE1 = APP1, 0xFE = COM, …), up to the first scan. */
function jpegMarkers(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 2; i + 4 <= b.length && b[i] === 0xff;) {
    out.push(b[i + 1]);
    if (b[i + 1] === 0xda) break;
    i += 2 + b.readUInt16BE(i + 2);
  }
  return out;
}

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff; head[1] = marker; head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** A JPEG with a comment, an XMP packet and a JFXX thumbnail segment inserted after SOI, and bytes after EOI. */
function withJunk(jpeg: Buffer): Buffer {
  return Buffer.concat([
    jpeg.subarray(0, 2),
    segment(0xfe, Buffer.from('Patient: Jane Doe, MRN 12345')),
    segment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\u0000<x:xmpmeta>Jane Doe</x:xmpmeta>', 'latin1')),
    segment(0xe0, Buffer.from('JFXX\u0000\u0010thumbnail', 'latin1')),
    jpeg.subarray(2),
    Buffer.from('PK\u0003\u0004 appended zip', 'latin1'),
  ]);
}

describe('stripJpegMetadata', () => {
  it('drops EXIF, XMP, comments, JFXX and trailing bytes of a real JPEG; the pixels are unchanged', async () => {
    const src = withJunk(fixtureImage('chest-xray-a.jpg')); // carries real EXIF + XMP already
    expect((await sharp(src).metadata()).exif).toBeDefined();
    const out = stripJpegMetadata(src)!;
    expect(out).not.toBeNull();
    const meta = await sharp(out).metadata();
    expect([meta.exif, meta.xmp, meta.icc, meta.comments]).toEqual([undefined, undefined, undefined, undefined]);
    expect(out.includes(Buffer.from('Jane Doe'))).toBe(false);
    expect(out.includes(Buffer.from('appended zip'))).toBe(false);
    expect(out.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(jpegMarkers(out).filter((m) => (m >= 0xe1 && m <= 0xef) || m === 0xfe)).toEqual([]);
    expect(await pixels(out)).toEqual(await pixels(src));
    expect(out.length).toBeLessThan(src.length);
  });
  it('keeps a progressive JPEG (several scans, tables between them) byte for byte apart from metadata', async () => {
    const prog = await sharp(fixtureImage('fundus.jpg')).resize(300).jpeg({ progressive: true }).toBuffer();
    const out = stripJpegMetadata(withJunk(prog))!;
    expect(out).toEqual(stripJpegMetadata(prog));
    expect(jpegMarkers(prog).length).toBeGreaterThan(3);
    expect(await pixels(out)).toEqual(await pixels(prog));
  });
  it('keeps JFIF but not the thumbnail JFIF may embed', async () => {
    const j = fixtureImage('ihc-colon.jpg');
    const app0Len = j.readUInt16BE(4);
    expect([j[3], j.toString('latin1', 6, 10)]).toEqual([0xe0, 'JFIF']);
    const payload = Buffer.concat([j.subarray(6, 6 + 12), Buffer.from([2, 2]), Buffer.from('Jane Doe RGB', 'latin1')]);
    const withThumb = Buffer.concat([j.subarray(0, 2), segment(0xe0, payload), j.subarray(4 + app0Len)]);
    const out = stripJpegMetadata(withThumb)!;
    expect(out.includes(Buffer.from('Jane Doe'))).toBe(false);
    expect([out.readUInt16BE(4), out[18], out[19], out.toString('latin1', 6, 10)]).toEqual([16, 0, 0, 'JFIF']);
    expect(await pixels(out)).toEqual(await pixels(j));
  });
  it('refuses what it should not keep: other frame types, 12-bit, truncation, no SOI', () => {
    const j = fixtureImage('ihc-colon.jpg');
    const sof = j.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    const arith = Buffer.from(j); arith[sof + 1] = 0xc9;
    expect(stripJpegMetadata(arith)).toBeNull();
    const twelve = Buffer.from(j); twelve[sof + 4] = 12;
    expect(stripJpegMetadata(twelve)).toBeNull();
    expect(stripJpegMetadata(j.subarray(0, j.length - 2))).toBeNull();
    expect(stripJpegMetadata(j.subarray(0, 4000))).toBeNull();
    expect(stripJpegMetadata(j.subarray(2))).toBeNull();
    const badLen = Buffer.from(j); badLen.writeUInt16BE(0xffff, 4);
    expect(stripJpegMetadata(badLen)).toBeNull();
  });
});

describe('ICC profiles', () => {
  /** The profile embedded in a small JPEG sharp writes with libvips' built-in profile `name`. */
  async function builtIn(name: string): Promise<Buffer> {
    const j = await sharp(fixtureImage('fundus.jpg')).resize(64).withIccProfile(name).jpeg().toBuffer();
    return (await sharp(j).metadata()).icc!;
  }
  /** The offset of a tag's data in a profile. */
  function tagOffset(icc: Buffer, sig: string): number {
    for (let t = 0; t < icc.readUInt32BE(128); t++) if (icc.toString('latin1', 132 + t * 12, 136 + t * 12) === sig) return icc.readUInt32BE(136 + t * 12);
    throw new Error(`no ${sig}`);
  }
  it('an sRGB profile is recognised by its colorants and curves (v2 curv and v4 para); others are not', async () => {
    const pmc = (await sharp(fixtureImage('pmc-figure-f0004.jpg')).metadata()).icc!; // as PMC serves it (v2, 1024-point curves)
    expect(pmc.toString('latin1')).toContain('sRGB IEC61966-2.1');
    expect(isSrgbProfile(pmc)).toBe(true);
    expect(isSrgbProfile(await builtIn('srgb'))).toBe(true);
    expect(isSrgbProfile(await builtIn('p3'))).toBe(false); // wide gamut: other colorants
    // the same profile with linear tone curves (count 0 = identity), still called sRGB: not sRGB
    const linear = Buffer.from(pmc);
    for (const sig of ['rTRC', 'gTRC', 'bTRC']) linear.writeUInt32BE(0, tagOffset(linear, sig) + 8);
    expect(linear.toString('latin1')).toContain('sRGB IEC61966-2.1');
    expect(isSrgbProfile(linear)).toBe(false);
    const shifted = Buffer.from(pmc); // red primary moved
    shifted.writeInt32BE(shifted.readInt32BE(tagOffset(shifted, 'rXYZ') + 8) + 2000, tagOffset(shifted, 'rXYZ') + 8);
    expect(isSrgbProfile(shifted)).toBe(false);
    expect(isSrgbProfile(pmc.subarray(0, 100))).toBe(false);
    expect(isSrgbProfile(pmc.subarray(0, 400))).toBe(false);
  });
  it('a JPEG with an embedded profile is stripped only when the caller has checked it is sRGB', async () => {
    const fig = fixtureImage('pmc-figure-f0004.jpg');
    expect(stripJpegMetadata(fig)).toBeNull();
    const out = stripJpegMetadata(fig, { srgbProfile: true })!;
    expect((await sharp(out).metadata()).icc).toBeUndefined();
    expect(await pixels(out)).toEqual(await pixels(fig));
    const r = await ok(fig);
    expect([r.keptAsPublished, r.width, r.height]).toEqual([true, 729, 899]);
  });
});

describe('stripPngMetadata', () => {
  /** Chunks of a PNG, as [type, data]. */
  function pngChunks(b: Buffer): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    for (let i = 8; i + 12 <= b.length;) {
      const len = b.readUInt32BE(i);
      out.push([b.toString('latin1', i + 4, i + 8), b.subarray(i + 8, i + 8 + len)]);
      i += 12 + len;
    }
    return out;
  }
  function rebuild(chunks: [string, Buffer][]): Buffer {
    return Buffer.concat([PNG_SIGNATURE, ...chunks.map(([t, d]) => chunk(t, d))]);
  }

  it('keeps IHDR, PLTE, tRNS, IDAT, IEND of a real palette PNG and drops text, EXIF, time and trailing bytes', async () => {
    const src = fixtureImage('ecg-trace.png');
    const c = pngChunks(src);
    const iend = c.findIndex(([t]) => t === 'IEND');
    const noisy = Buffer.concat([
      rebuild([c[0], ['tEXt', Buffer.from('Author\u0000Jane Doe', 'latin1')], ['tIME', Buffer.alloc(7)], ['gAMA', Buffer.from([0, 0, 0xb1, 0x8f])], ...c.slice(1, iend), ['eXIf', Buffer.from('MM\u0000*Jane Doe', 'latin1')], c[iend]]),
      Buffer.from('trailing'),
    ]);
    const out = stripPngMetadata(noisy)!;
    expect(out).not.toBeNull();
    expect(pngChunks(out).map(([t]) => t).filter((t, i, a) => a.indexOf(t) === i)).toEqual(c.map(([t]) => t).filter((t) => ['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND'].includes(t)).filter((t, i, a) => a.indexOf(t) === i));
    expect(out.includes(Buffer.from('Jane Doe'))).toBe(false);
    expect(out.includes(Buffer.from('trailing'))).toBe(false);
    expect(await pixels(out)).toEqual(await pixels(src));
  });
  it('refuses an ICC profile, 16-bit samples, unknown critical chunks and broken structure', async () => {
    const c = pngChunks(fixtureImage('ecg-trace.png'));
    const tagged = rebuild([c[0], ['iCCP', Buffer.from('x\u0000\u0000', 'latin1')], ...c.slice(1)]);
    expect(stripPngMetadata(tagged)).toBeNull();
    expect(stripPngMetadata(tagged, { srgbProfile: true })).toEqual(stripPngMetadata(rebuild(c)));
    expect(stripPngMetadata(rebuild([c[0], ['ABCD', Buffer.alloc(4)], ...c.slice(1)]))).toBeNull();
    const linearGamma = Buffer.alloc(4); linearGamma.writeUInt32BE(100000);
    expect(stripPngMetadata(rebuild([c[0], ['gAMA', linearGamma], ...c.slice(1)]))).toBeNull();
    expect(stripPngMetadata(rebuild([c[0], ['cICP', Buffer.from([9, 16, 0, 1])], ...c.slice(1)]))).toBeNull(); // BT.2020 PQ
    const ihdr16 = Buffer.from(c[0][1]); ihdr16[8] = 16;
    expect(stripPngMetadata(rebuild([['IHDR', ihdr16], ...c.slice(1)]))).toBeNull();
    const whole = rebuild(c);
    expect(stripPngMetadata(whole.subarray(0, whole.length - 6))).toBeNull(); // IEND cut
    expect(stripPngMetadata(rebuild(c.slice(1)))).toBeNull(); // no IHDR first
  });
});

describe('processImage: keep as published or re-encode', () => {
  it('keeps an upright sRGB JPEG within the cap: same pixels, same size, metadata gone', async () => {
    const src = fixtureImage('chest-xray-a.jpg');
    const r = await ok(src);
    expect(r.keptAsPublished).toBe(true);
    expect([r.format, r.width, r.height]).toEqual(['jpeg', 417, 342]);
    expect(await pixels(r.normalised)).toEqual(await pixels(src));
    expect((await sharp(r.normalised).metadata()).exif).toBeUndefined();
    const t = await sharp(r.thumbnail).metadata();
    expect(Math.max(t.width ?? 0, t.height ?? 0)).toBe(128);
  });
  it('re-encodes when orientation, an ICC profile, CMYK, the cap or a format change calls for it', async () => {
    const base = await sharp(fixtureImage('ihc-colon.jpg')).resize(300, 200, { fit: 'fill' }).jpeg().toBuffer();
    expect((await ok(base)).keptAsPublished).toBe(true);
    const rotated = await ok(await sharp(base).withMetadata({ orientation: 6 }).jpeg().toBuffer());
    expect([rotated.keptAsPublished, rotated.width, rotated.height]).toEqual([false, 200, 300]);
    const p3 = await ok(await sharp(base).withIccProfile('p3').jpeg().toBuffer());
    expect(p3.keptAsPublished).toBe(false);
    expect((await sharp(p3.normalised).metadata()).icc).toBeUndefined();
    const cmyk = await ok(await sharp(base).toColourspace('cmyk').jpeg().toBuffer());
    expect(cmyk.keptAsPublished).toBe(false);
    expect((await sharp(cmyk.normalised).metadata()).space).toBe('srgb');
    const big = await ok(fixtureImage('fundus.jpg'));
    expect([big.keptAsPublished, Math.max(big.width, big.height)]).toEqual([false, 1024]);
    const photoPng = await ok(fixtureImage('derm-lesion.png'));
    expect([photoPng.keptAsPublished, photoPng.format]).toEqual([false, 'jpeg']);
    const gif = await ok(fixtureImage('pmc-figure-f0004-thumb.gif'));
    expect([gif.keptAsPublished, gif.format]).toEqual([false, 'png']);
  });
  it('keeps line-art and alpha PNGs within the cap as PNG', async () => {
    const ecg = await ok(fixtureImage('ecg-trace.png'));
    expect([ecg.keptAsPublished, ecg.format, ecg.width]).toEqual([true, 'png', 999]);
    const alpha = await ok(fixtureImage('ecg-alpha.png'));
    expect([alpha.keptAsPublished, alpha.format]).toEqual([true, 'png']);
    expect(await pixels(alpha.normalised)).toEqual(await pixels(fixtureImage('ecg-alpha.png')));
  });
  it('a kept and a re-encoded copy of one image hash alike; a small JPEG is its own thumbnail', async () => {
    const kept = await ok(fixtureImage('ihc-colon.jpg'));
    const reenc = await ok(fixtureImage('ihc-colon.jpg'), { ...OPTS, maxSide: 500 });
    expect([kept.keptAsPublished, reenc.keptAsPublished]).toEqual([true, false]);
    expect(hamming(kept.dhash, reenc.dhash)).toBeLessThanOrEqual(1);
    const small = await ok(await sharp(fixtureImage('ihc-colon.jpg')).resize(100).jpeg().toBuffer());
    expect(small.thumbnail).toBe(small.normalised);
  });
  it('a truncated JPEG is never kept: it fails the decode check', async () => {
    const j = fixtureImage('chest-xray-b.jpg');
    const cut = Buffer.concat([j.subarray(0, Math.floor(j.length * 0.6)), Buffer.from([0xff, 0xd9])]);
    expect(await processImage(cut, OPTS)).toMatchObject({ ok: false, reason: 'image_decode_failed' });
  });
  it('the preview is the thumbnail in grey with alpha on white, and finds the gutters the bytes would', async () => {
    const a = await sharp(fixtureImage('chest-xray-a.jpg')).resize(200, 160, { fit: 'fill' }).toBuffer();
    const b = await sharp(fixtureImage('chest-xray-b.jpg')).resize(200, 160, { fit: 'fill' }).toBuffer();
    const joined = await sharp({ create: { width: 420, height: 160, channels: 3, background: '#ffffff' } }).composite([{ input: a, left: 0, top: 0 }, { input: b, left: 220, top: 0 }]).jpeg().toBuffer();
    const r = await ok(joined, { ...OPTS, thumbSide: 256 });
    const fromPreview = await detectCompound({ panelLetters: [], preview: r.preview });
    const fromBytes = await detectCompound({ panelLetters: [], image: joined });
    expect(fromPreview.compound).toBe(true);
    expect(fromPreview.gutters.vertical.length).toBe(fromBytes.gutters.vertical.length);
    // a small figure, analysed at its own size: a 1-px gutter between two 25-px panels is found
    const tiny = async (side: number, gap: number) => {
      const [pa, pb] = await Promise.all(['chest-xray-a.jpg', 'chest-xray-b.jpg'].map((n) => sharp(fixtureImage(n)).resize(side, side, { fit: 'fill' }).toBuffer()));
      return sharp({ create: { width: 2 * side + gap, height: side, channels: 3, background: '#ffffff' } }).composite([{ input: pa, left: 0, top: 0 }, { input: pb, left: side + gap, top: 0 }]).png().toBuffer();
    };
    const small = await ok(await tiny(25, 1), { ...OPTS, thumbSide: 256 });
    expect((await detectCompound({ panelLetters: [], preview: small.preview, image: small.normalised, imageSide: 51 })).gutters.vertical).toHaveLength(1);
    // a thumbnail configured below the analysis size blurs a 6-px gutter away: the bytes are decoded instead
    const wide = await ok(await tiny(300, 6), { ...OPTS, thumbSide: 64 });
    expect((await detectCompound({ panelLetters: [], preview: wide.preview })).gutters.vertical).toHaveLength(0);
    expect((await detectCompound({ panelLetters: [], preview: wide.preview, image: wide.normalised, imageSide: wide.width })).gutters.vertical).toHaveLength(1);
    const alpha = await ok(fixtureImage('ecg-alpha.png'));
    const flat = await ok(await sharp(fixtureImage('ecg-alpha.png')).flatten({ background: '#ffffff' }).png().toBuffer());
    expect(alpha.dhash).toBe(flat.dhash);
    expect(alpha.preview.data.length).toBe(alpha.preview.width * alpha.preview.height);
  });
});

// Image checks and normalisation over bytes (sharp); no database, no file system.
// One decode per image; files already in normal form are kept as published (metadata stripped).
import { createHash } from 'node:crypto';
import sharp, { type OutputInfo } from 'sharp';
import { unsafeMediaNameReason } from '../core/media-name.ts';
import { isSrgbProfile, stripJpegMetadata, stripPngMetadata } from './image-passthrough.ts';
import { pixelStats, type PixelStats } from './quality.ts';

export type ImageFailureReason = 'image_decode_failed' | 'image_too_many_pixels' | 'image_not_an_image' | 'image_unsafe_name' | 'image_empty';
export interface ImageFailure { ok: false; reason: ImageFailureReason; detail: string }

export interface ProcessedImage {
  ok: true;
  sha256: string;          // of `normalised`
  width: number;           // of `normalised`
  height: number;
  format: 'jpeg' | 'png';
  normalised: Buffer;
  thumbnail: Buffer;       // JPEG
  dhash: string;           // 16 hex digits = 64 bits
  keptAsPublished: boolean; // `normalised` is the source file with its metadata stripped, not a re-encode
  preview: GreyImage;      // thumbnail luma, alpha on white: for layout analysis (compound gutters)
  stats: PixelStats;       // thumbnail colour statistics, for the quality rules (quality.ts)
  source: { format: string; width: number; height: number; pages: number };
}
export interface GreyImage { data: Uint8Array; width: number; height: number }
export type ImageResult = ProcessedImage | ImageFailure;

/** The same bytes as a Buffer, without a copy (bytes that crossed from a worker arrive as a Uint8Array). */
export const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

export interface ProcessImageOptions {
  maxSide: number;          // longest side of the normalised image
  thumbSide: number;        // longest side of the thumbnail
  limitInputPixels: number; // width × height of the source; larger is refused before decoding
  jpegQuality?: number;     // default 85
}

// ---------------------------------------------------------------- names

export type SafeName = { ok: true; name: string } | ImageFailure;

/** A media name from `<graphic xlink:href>` or a bucket listing, accepted only as a plain relative name. */
export function safeMediaName(name: string): SafeName {
  const why = unsafeMediaNameReason(name);
  return why ? { ok: false, reason: 'image_unsafe_name', detail: why } : { ok: true, name };
}

// ---------------------------------------------------------------- sniffing

/** The container format from magic bytes; null = not an image we accept. */
export function sniffImage(b: Uint8Array): 'jpeg' | 'png' | 'gif' | 'tiff' | 'webp' | 'heif' | 'bmp' | 'dicom' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'gif';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))) return 'tiff';
  if (b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'webp';
  if (b.length >= 12 && b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70) return 'heif';
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if (b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d) return 'dicom';
  return null;
}

// ---------------------------------------------------------------- processing

function failure(reason: ImageFailureReason, detail: string): ImageFailure {
  return { ok: false, reason, detail: detail.slice(0, 300) };
}

function mapSharpError(e: unknown): ImageFailure {
  const msg = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(msg)) return failure('image_too_many_pixels', msg);
  if (/unsupported image format/i.test(msg)) return failure('image_not_an_image', msg);
  return failure('image_decode_failed', msg);
}

/**
 * 64-bit difference hash of a grey image, computed in JS (no extra libvips pipeline): the image is
 * area-averaged to 9×8 cells, and each bit says whether a cell is brighter than its right neighbour.
 */
export function dhashOfGrey(g: GreyImage): string {
  const { data, width, height } = g;
  const sum = new Float64Array(72);
  const cnt = new Float64Array(72);
  const cellX = new Uint8Array(width);
  for (let x = 0; x < width; x++) cellX[x] = Math.min(8, Math.floor((x * 9) / width));
  for (let y = 0, i = 0; y < height; y++) {
    const row = Math.min(7, Math.floor((y * 8) / height)) * 9;
    for (let x = 0; x < width; x++, i++) {
      sum[row + cellX[x]] += data[i];
      cnt[row + cellX[x]]++;
    }
  }
  let hex = '';
  for (let row = 0; row < 8; row++) {
    let byte = 0;
    for (let col = 0; col < 8; col++) {
      const l = sum[row * 9 + col] / (cnt[row * 9 + col] || 1);
      const r = sum[row * 9 + col + 1] / (cnt[row * 9 + col + 1] || 1);
      byte = (byte << 1) | (l > r ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/**
 * Luma (BT.601, integer) of raw 1–4 channel pixels with any alpha composited on white: the image that the
 * dHash and the compound-gutter analysis read, so transparent areas count as the white page they show as.
 */
export function greyOnWhite(data: Uint8Array, width: number, height: number, channels: number): GreyImage {
  const n = width * height;
  const out = new Uint8Array(n);
  if (channels === 1) out.set(data.subarray(0, n));
  else if (channels === 3) for (let p = 0, i = 0; p < n; p++, i += 3) out[p] = (77 * data[i] + 150 * data[i + 1] + 29 * data[i + 2] + 128) >> 8;
  else {
    for (let p = 0, i = 0; p < n; p++, i += channels) {
      const y = channels === 2 ? data[i] : (77 * data[i] + 150 * data[i + 1] + 29 * data[i + 2] + 128) >> 8;
      const a = data[i + channels - 1];
      out[p] = (y * a + 255 * (255 - a) + 127) / 255 | 0;
    }
  }
  return { data: out, width, height };
}

/**
 * Line art (diagrams, ECG traces, charts) has few distinct colours and a dominant flat background:
 * PNG keeps it crisp, JPEG would smear it. Smooth photographs (skin, fundus) fail the second test.
 */
export function looksLineArt(thumb: Uint8Array, channels: number): boolean {
  // 5 bits per channel so JPEG noise around a flat colour still counts as one colour
  const counts = new Uint32Array(1 << 15);
  const used: number[] = [];
  let n = 0;
  for (let i = 0; i + channels <= thumb.length; i += channels) {
    const r = thumb[i];
    const g = channels >= 3 ? thumb[i + 1] : r;
    const b = channels >= 3 ? thumb[i + 2] : r;
    const key = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
    if (counts[key]++ === 0 && used.push(key) > 1024) return false;
    n++;
  }
  // share of the three commonest colours (background, grid, ink): ECG/chart ≈ 0.6+, photographs ≈ 0.3
  const top3 = used.map((k) => counts[k]).sort((a, b) => b - a).slice(0, 3).reduce((x, y) => x + y, 0);
  return n > 0 && top3 / n >= 0.5;
}

type Raw = { data: Buffer; info: OutputInfo };
const rawInput = (r: Raw) => ({ raw: { width: r.info.width, height: r.info.height, channels: r.info.channels as 1 | 2 | 3 | 4 } });

/**
 * Decode check, pixel-bomb check, normalisation (EXIF orientation, sRGB 8-bit, longest side ≤ maxSide,
 * first page of multi-page files), thumbnail, sha256 and dHash. Never throws.
 *
 * A JPEG, or a PNG that stays PNG, that is already in normal form (upright, 8-bit sRGB or grey, no ICC
 * profile or an sRGB one, within the cap) is kept as published with its metadata stripped: re-encoding
 * it would only add generation loss. Everything else is decoded once and re-encoded.
 */
export async function processImage(bytes: Buffer | Uint8Array, opts: ProcessImageOptions): Promise<ImageResult> {
  try {
    if (!bytes || bytes.length === 0) return failure('image_empty', '0 bytes');
    const buf = asBuffer(bytes);
    const kind = sniffImage(buf);
    if (kind === null) return failure('image_not_an_image', 'no image signature');
    if (kind === 'dicom' || kind === 'bmp') return failure('image_decode_failed', `${kind} is not decoded by this build (convert upstream)`);
    // Page options only for formats that have pages: on a JPEG they cost time and change nothing.
    const input = kind === 'jpeg'
      ? { limitInputPixels: opts.limitInputPixels, failOn: 'warning' as const }
      : { limitInputPixels: opts.limitInputPixels, failOn: 'warning' as const, pages: 1, page: 0, sequentialRead: true };
    // Header only: refuse bombs before any pixel is decoded.
    const meta = await sharp(buf, input).metadata();
    const w = meta.width ?? 0;
    const h = meta.height ?? 0;
    if (!w || !h) return failure('image_decode_failed', 'no dimensions in header');
    if (w * h > opts.limitInputPixels) return failure('image_too_many_pixels', `${w}×${h} > ${opts.limitInputPixels} pixels`);
    const hasAlpha = !!meta.hasAlpha;
    const cap = { width: opts.maxSide, height: opts.maxSide, fit: 'inside' as const, withoutEnlargement: true };
    const tcap = { width: opts.thumbSide, height: opts.thumbSide, fit: 'inside' as const, withoutEnlargement: true };
    const jpegOpts = { quality: opts.jpegQuality ?? 85 };
    const pngOpts = { compressionLevel: 6, adaptiveFiltering: false };
    const source = () => sharp(buf, input).rotate().toColourspace('srgb');
    const srgbProfile = !!meta.icc && isSrgbProfile(meta.icc);
    const normalForm = Math.max(w, h) <= opts.maxSide && (meta.orientation ?? 1) === 1 && (!meta.icc || srgbProfile) && meta.depth === 'uchar'
      && (meta.space === 'srgb' || meta.space === 'b-w') && (meta.pages ?? 1) === 1;

    let normalised: Buffer | null = null;
    let kept = false;
    let size = { width: w, height: h };
    let thumbRaw: Raw;
    let png: boolean;
    const surelyPng = hasAlpha || !!meta.isPalette || kind === 'gif';
    const keep = !normalForm ? null : kind === 'jpeg' && !hasAlpha ? stripJpegMetadata(buf, { srgbProfile }) : kind === 'png' && surelyPng ? stripPngMetadata(buf, { srgbProfile }) : null;
    if (keep) {
      // Kept as published: the only decode makes the thumbnail (for JPEG at 1/2–1/8 scale, which still
      // reads all entropy-coded data, so it is the decode check too).
      thumbRaw = await sharp(buf, input).resize(tcap).raw().toBuffer({ resolveWithObject: true });
      normalised = keep;
      kept = true;
      png = kind === 'png';
    } else if (kind === 'jpeg' && !hasAlpha) {
      // JPEG: one streaming decode→resize→encode (as fast as a bare pipeline); then the thumbnail from that
      // output, which is already upright sRGB and which libjpeg decodes at 1/2–1/8 scale (shrink-on-load):
      // cheaper than a second decode of the larger source, and cheaper than decoding to raw and encoding
      // from there (measured, docs/extraction.md).
      png = false;
      const out = await source().resize(cap).jpeg(jpegOpts).toBuffer({ resolveWithObject: true });
      normalised = out.data;
      size = out.info;
      thumbRaw = await sharp(out.data).resize(tcap).raw().toBuffer({ resolveWithObject: true });
    } else {
      // PNG, GIF, TIFF, WebP: no shrink-on-load, so decode once to raw pixels and derive the file, the
      // thumbnail, the line-art decision and the hash from them (one decode instead of two).
      const dec = await source().resize(cap).raw().toBuffer({ resolveWithObject: true });
      const small = dec.info.width <= opts.thumbSide && dec.info.height <= opts.thumbSide;
      thumbRaw = small ? dec : await sharp(dec.data, rawInput(dec)).resize(tcap).raw().toBuffer({ resolveWithObject: true });
      png = surelyPng || looksLineArt(thumbRaw.data, thumbRaw.info.channels);
      // a truecolour PNG found to be line art, already in normal form, is kept as published too
      normalised = png && kind === 'png' && normalForm && !surelyPng ? stripPngMetadata(buf, { srgbProfile }) : null;
      kept = normalised !== null;
      if (!normalised) {
        normalised = await (png ? sharp(dec.data, rawInput(dec)).png(pngOpts) : sharp(dec.data, rawInput(dec)).jpeg(jpegOpts)).toBuffer();
        size = dec.info;
      }
    }
    const tch = thumbRaw.info.channels;
    const thumbAlpha = tch === 2 || tch === 4;
    const preview = greyOnWhite(thumbRaw.data, thumbRaw.info.width, thumbRaw.info.height, tch);
    const thumbInput = sharp(thumbRaw.data, rawInput(thumbRaw));
    // a JPEG that already fits the thumbnail box is its own thumbnail (the same blob in the store)
    const ownThumb = !png && size.width <= opts.thumbSide && size.height <= opts.thumbSide;
    const thumbnail = ownThumb ? normalised : await (thumbAlpha ? thumbInput.flatten({ background: '#ffffff' }) : thumbInput).jpeg({ quality: 80 }).toBuffer();
    return {
      ok: true,
      sha256: createHash('sha256').update(normalised).digest('hex'),
      width: size.width,
      height: size.height,
      format: png ? 'png' : 'jpeg',
      keptAsPublished: kept,
      normalised,
      thumbnail,
      dhash: dhashOfGrey(preview),
      preview,
      stats: pixelStats(thumbRaw.data, thumbRaw.info.width, thumbRaw.info.height, tch),
      source: { format: meta.format ?? kind, width: w, height: h, pages: meta.pages ?? 1 },
    };
  } catch (e) {
    return mapSharpError(e);
  }
}

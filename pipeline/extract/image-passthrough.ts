// Lossless metadata stripping for images that already meet the normalised form, so they can be kept
// as published instead of re-encoded (no generation loss, no encode time). Pure functions over bytes.
// Each returns null whenever the file is anything but a plain, well-formed case; the caller then
// re-encodes, so null is always safe. No library does this without decoding (sharp always re-encodes).

/** JPEG frame types a browser or PIL decodes: baseline, extended sequential and progressive Huffman. */
const SOF_OK = new Set([0xc0, 0xc1, 0xc2]);
/** Other frame types (lossless, hierarchical, arithmetic-coded): re-encode. */
const SOF_OTHER = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
/** Segments that carry pixels or how to decode them. APP14 (Adobe) says whether 3 channels are YCbCr or RGB. */
const JPEG_KEEP = new Set([0xc4, 0xdb, 0xdd, 0xdc, 0xee]);

export interface StripOptions {
  /** An embedded ICC profile, if any, is known to be sRGB (see isSrgbProfile) and may go; otherwise a profile means null. */
  srgbProfile?: boolean;
}

const u32 = (b: Uint8Array, at: number): number => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const s15f16 = (b: Uint8Array, at: number): number => (u32(b, at) | 0) / 65536;

function startsWith(b: Uint8Array, at: number, ascii: string): boolean {
  for (let k = 0; k < ascii.length; k++) if (b[at + k] !== ascii.charCodeAt(k)) return false;
  return true;
}

function isJfif(b: Uint8Array, at: number, len: number): boolean {
  return len >= 7 && startsWith(b, at + 4, 'JFIF\u0000');
}

/** A JFIF APP0 (16 bytes) with the same version, units and density and no thumbnail. */
function jfifWithoutThumbnail(b: Uint8Array, at: number): Uint8Array {
  const seg = Buffer.from(b.subarray(at, at + 18));
  seg[2] = 0; seg[3] = 16; // length
  seg[16] = 0; seg[17] = 0; // thumbnail width, height
  return seg;
}

function isIccSegment(b: Uint8Array, at: number, len: number): boolean {
  return len >= 14 && startsWith(b, at + 4, 'ICC_PROFILE\u0000');
}

/**
 * The JPEG without EXIF, XMP, IPTC, an sRGB ICC profile, comments, JFXX thumbnails and anything after
 * EOI; the frame, tables and entropy-coded data are copied byte for byte. Null for 12-bit, lossless,
 * arithmetic-coded or malformed files, and for any other ICC profile.
 */
export function stripJpegMetadata(b: Uint8Array, opts: StripOptions = {}): Buffer | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  let i = 2;
  let frame = false;
  while (i < b.length) {
    if (b[i] !== 0xff) return null;
    while (i < b.length && b[i] === 0xff) i++; // fill bytes before a marker
    if (i >= b.length) return null;
    const m = b[i];
    const at = i - 1;
    i++;
    if (m === 0xd9) {
      if (!frame) return null;
      parts.push(b.subarray(at, i));
      return Buffer.concat(parts);
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) return null; // no standalone markers outside scans
    if (i + 2 > b.length) return null;
    const len = (b[i] << 8) | b[i + 1];
    if (len < 2 || i + len > b.length) return null;
    const end = i + len;
    if (SOF_OTHER.has(m)) return null;
    if (SOF_OK.has(m)) {
      if (frame || len < 8 || b[i + 2] !== 8) return null; // one frame, 8-bit samples
      frame = true;
      parts.push(b.subarray(at, end));
    } else if (m === 0xda) {
      if (!frame) return null;
      // scan header, then entropy-coded data up to the next marker (FF00 stuffing and RSTn stay inside)
      let j = end;
      for (;;) {
        j = b.indexOf(0xff, j);
        if (j < 0) return null; // truncated scan
        let k = j + 1;
        while (k < b.length && b[k] === 0xff) k++;
        if (k >= b.length) return null;
        if (b[k] === 0x00 || (b[k] >= 0xd0 && b[k] <= 0xd7)) { j = k + 1; continue; }
        break;
      }
      parts.push(b.subarray(at, j));
      i = j;
      continue;
    } else if (m === 0xe0) {
      // JFIF is kept without its optional embedded thumbnail (which can show an uncropped picture); JFXX goes
      if (isJfif(b, at, len)) parts.push(len <= 16 ? b.subarray(at, end) : jfifWithoutThumbnail(b, at));
    } else if (JPEG_KEEP.has(m)) {
      parts.push(b.subarray(at, end));
    } else if (m === 0xe2 && !opts.srgbProfile && isIccSegment(b, at, len)) {
      return null;
    } else if (!((m >= 0xe1 && m <= 0xef) || m === 0xfe)) {
      return null; // a marker we do not know: do not guess
    }
    i = end;
  }
  return null; // no EOI
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Chunks that make the image: header, palette, transparency, data, end. */
const PNG_KEEP = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);

/**
 * The PNG with only IHDR, PLTE, tRNS, IDAT and IEND: text, EXIF, time, physical size, an sRGB gamma,
 * chromaticities and APNG frames after the default image go, as do bytes after IEND. Null for 16-bit
 * samples, an embedded ICC profile not known to be sRGB (needs a colour conversion), a gamma other than
 * sRGB's 1/2.2, cICP (HDR / wide gamut), unknown critical chunks, or malformed chunk structure.
 */
export function stripPngMetadata(b: Uint8Array, opts: StripOptions = {}): Buffer | null {
  if (b.length < 8 || PNG_SIG.some((v, k) => b[k] !== v)) return null;
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let i = 8;
  let first = true;
  while (i + 12 <= b.length) {
    const len = u32(b, i);
    const end = i + 12 + len;
    if (end > b.length) return null;
    const type = String.fromCharCode(b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    if (!/^[A-Za-z]{4}$/.test(type)) return null;
    if (first) {
      if (type !== 'IHDR' || len !== 13) return null;
      if (b[i + 8 + 8] > 8) return null; // bit depth 16
      first = false;
    }
    if (type === 'iCCP' && !opts.srgbProfile) return null;
    if (type === 'cICP') return null; // coding-independent code points (HDR, wide gamut): not sRGB
    if (type === 'gAMA' && (len !== 4 || Math.abs(u32(b, i + 8) - 45455) > 500)) return null; // not the sRGB 1/2.2
    if (PNG_KEEP.has(type)) parts.push(b.subarray(i, end));
    else if (type[0] >= 'A' && type[0] <= 'Z') return null; // unknown critical chunk
    i = end;
    if (type === 'IEND') return Buffer.concat(parts);
  }
  return null; // no IEND
}


/** Where a tag's data lies in an ICC profile, or null. */
function iccTag(icc: Uint8Array, sig: string): { off: number; size: number } | null {
  if (icc.length < 132) return null;
  const count = Math.min(u32(icc, 128), 200);
  for (let t = 0; t < count; t++) {
    const e = 132 + t * 12;
    if (e + 12 > icc.length) return null;
    if (!startsWith(icc, e, sig)) continue;
    const off = u32(icc, e + 4);
    const size = u32(icc, e + 8);
    return off + size <= icc.length && size >= 12 ? { off, size } : null;
  }
  return null;
}

/** An XYZ tag's first value, or null. */
function iccXyz(icc: Uint8Array, sig: string): [number, number, number] | null {
  const t = iccTag(icc, sig);
  if (!t || t.size < 20 || !startsWith(icc, t.off, 'XYZ ')) return null;
  return [s15f16(icc, t.off + 8), s15f16(icc, t.off + 12), s15f16(icc, t.off + 16)];
}

/** A tone curve (curv or para) evaluated at x ∈ [0, 1], or NaN when it cannot be read. */
function iccCurveAt(icc: Uint8Array, sig: string, x: number): number {
  const t = iccTag(icc, sig);
  if (!t) return NaN;
  if (startsWith(icc, t.off, 'curv')) {
    const n = u32(icc, t.off + 8);
    if (t.size < 12 + 2 * n) return NaN;
    if (n === 0) return x;
    const at = (k: number) => ((icc[t.off + 12 + 2 * k] << 8) | icc[t.off + 13 + 2 * k]);
    if (n === 1) return x ** (at(0) / 256);
    const pos = x * (n - 1);
    const k = Math.min(n - 2, Math.floor(pos));
    return (at(k) + (at(k + 1) - at(k)) * (pos - k)) / 65535;
  }
  if (startsWith(icc, t.off, 'para')) {
    const fn = (icc[t.off + 8] << 8) | icc[t.off + 9];
    const need = [1, 3, 4, 5, 7][fn];
    if (need === undefined || t.size < 12 + 4 * need) return NaN;
    const [g, a, b, c, d, e, f] = Array.from({ length: need }, (_, k) => s15f16(icc, t.off + 12 + 4 * k));
    switch (fn) {
      case 0: return x ** g;
      case 1: return x >= -b / a ? (a * x + b) ** g : 0;
      case 2: return x >= -b / a ? (a * x + b) ** g + c : c;
      case 3: return x >= d ? (a * x + b) ** g : c * x;
      default: return x >= d ? (a * x + b) ** g + e : c * x + f;
    }
  }
  return NaN;
}

/** sRGB's red, green and blue colorants adapted to D50 (as an ICC profile stores them). */
const SRGB_COLORANTS: [string, [number, number, number]][] = [
  ['rXYZ', [0.4361, 0.2225, 0.0139]], ['gXYZ', [0.3851, 0.7169, 0.0971]], ['bXYZ', [0.1431, 0.0606, 0.7141]],
];
const srgbCurve = (x: number): number => (x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);

/**
 * An RGB display profile that *is* sRGB — its colorants and tone curves match sRGB's, whatever it is called —
 * such as the "sRGB IEC61966-2.1" profile PMC's figures carry. Decoding with it or without it gives the same
 * colours, so the file is in normal form and the profile can simply go. Linear or wide-gamut profiles fail.
 */
export function isSrgbProfile(icc: Uint8Array): boolean {
  if (icc.length < 132 || !startsWith(icc, 16, 'RGB ') || !startsWith(icc, 20, 'XYZ ')) return false;
  for (const [sig, want] of SRGB_COLORANTS) {
    const got = iccXyz(icc, sig);
    if (!got || got.some((v, k) => Math.abs(v - want[k]) > 0.003)) return false;
  }
  for (const sig of ['rTRC', 'gTRC', 'bTRC']) {
    for (const x of [0.02, 0.2, 0.5, 0.8]) {
      const y = iccCurveAt(icc, sig, x);
      if (!(Math.abs(y - srgbCurve(x)) <= 0.004)) return false;
    }
  }
  return true;
}

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

function startsWith(b: Uint8Array, at: number, ascii: string): boolean {
  for (let k = 0; k < ascii.length; k++) if (b[at + k] !== ascii.charCodeAt(k)) return false;
  return true;
}

function isJfif(b: Uint8Array, at: number, len: number): boolean {
  return len >= 7 && startsWith(b, at + 4, 'JFIF\u0000');
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
      if (isJfif(b, at, len)) parts.push(b.subarray(at, end)); // JFXX (an embedded thumbnail) goes
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
 * The PNG with only IHDR, PLTE, tRNS, IDAT and IEND: text, EXIF, time, physical size, gamma/chromaticity
 * (which our decoder ignores too) and APNG frames after the default image go, as do bytes after IEND.
 * Null for 16-bit samples, an embedded ICC profile not known to be sRGB (needs a colour conversion),
 * unknown critical chunks, or malformed chunk structure.
 */
export function stripPngMetadata(b: Uint8Array, opts: StripOptions = {}): Buffer | null {
  if (b.length < 8 || PNG_SIG.some((v, k) => b[k] !== v)) return null;
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let i = 8;
  let first = true;
  while (i + 12 <= b.length) {
    const len = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
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
    if (PNG_KEEP.has(type)) parts.push(b.subarray(i, end));
    else if (type[0] >= 'A' && type[0] <= 'Z') return null; // unknown critical chunk
    i = end;
    if (type === 'IEND') return Buffer.concat(parts);
  }
  return null; // no IEND
}

/** The profile's description ('desc' tag: ICC v2 textDescriptionType or v4 multiLocalizedUnicodeType). */
export function iccDescription(icc: Uint8Array): string | null {
  if (icc.length < 132) return null;
  const u32 = (at: number) => ((icc[at] << 24) | (icc[at + 1] << 16) | (icc[at + 2] << 8) | icc[at + 3]) >>> 0;
  const tags = Math.min(u32(128), 100);
  for (let t = 0; t < tags; t++) {
    const e = 132 + t * 12;
    if (e + 12 > icc.length) return null;
    if (!startsWith(icc, e, 'desc')) continue;
    const off = u32(e + 4);
    const size = u32(e + 8);
    if (off + size > icc.length || size < 12) return null;
    if (startsWith(icc, off, 'desc')) {
      const n = Math.min(u32(off + 8), size - 12);
      return Buffer.from(icc.subarray(off + 12, off + 12 + n)).toString('latin1').replace(/\u0000+$/, '');
    }
    if (startsWith(icc, off, 'mluc') && size >= 28) {
      const len = u32(off + 20);
      const at = off + u32(off + 24);
      if (at + len > off + size) return null;
      let out = '';
      for (let k = 0; k + 1 < len; k += 2) out += String.fromCharCode((icc[at + k] << 8) | icc[at + k + 1]);
      return out.replace(/\u0000+$/, '');
    }
    return null;
  }
  return null;
}

/**
 * An RGB profile that describes itself as sRGB (e.g. "sRGB IEC61966-2.1", the profile many publisher
 * pipelines embed, PMC's included): decoding with it or without it gives the same colours, so the file
 * is in normal form and the profile can simply go.
 */
export function isSrgbProfile(icc: Uint8Array): boolean {
  return icc.length >= 132 && startsWith(icc, 16, 'RGB ') && /^sRGB\b/.test(iccDescription(icc) ?? '');
}

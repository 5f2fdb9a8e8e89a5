// One image's CPU work, as one pure function of its bytes: decode and normalise (images.ts), then multi-panel
// detection (compound.ts). The extract stage runs it in worker threads (pipeline/core/worker-pool.ts) when it
// has more than one core, or in-process; the result is the same either way.
import { asBuffer, processImage, type ImageResult, type ProcessImageOptions } from './images.ts';
import { detectCompound, type CompoundResult } from './compound.ts';

export interface DecodeImageOptions extends ProcessImageOptions {
  panelLetters: string[];
  /** The sample's generated figure cards: only the caption letters count for compound detection. */
  placeholder: boolean;
}

export interface DecodedImage { res: ImageResult; c: CompoundResult | null }

export async function decodeImage(bytes: Uint8Array, opts: DecodeImageOptions): Promise<DecodedImage> {
  const res = await processImage(bytes, { maxSide: opts.maxSide, thumbSide: opts.thumbSide, limitInputPixels: opts.limitInputPixels, jpegQuality: opts.jpegQuality });
  if (!res.ok) return { res, c: null };
  const c = opts.placeholder
    ? await detectCompound({ panelLetters: opts.panelLetters })
    : await detectCompound({ panelLetters: opts.panelLetters, preview: res.preview, image: res.normalised, imageSide: Math.max(res.width, res.height) });
  return { res, c };
}

/** A result that crossed from a worker (Buffers arrive as Uint8Arrays) made whole again. */
export function reviveDecoded(d: DecodedImage): DecodedImage {
  if (!d.res.ok) return d;
  return { c: d.c, res: { ...d.res, normalised: asBuffer(d.res.normalised), thumbnail: asBuffer(d.res.thumbnail) } };
}

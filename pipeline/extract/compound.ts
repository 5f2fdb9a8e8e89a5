// Compound (multi-panel) figure detection: panel letters in the caption, and/or straight white or
// black gutters that cross the whole image. Detection only; splitting is a documented plan
// (docs/extraction.md) until it is reliable on real figures.
import sharp from 'sharp';
import type { GreyImage } from './images.ts';

export interface Gutters { vertical: [number, number][]; horizontal: [number, number][] } // fractions of width/height
export interface CompoundResult { compound: boolean; evidence: string[]; gutters: Gutters; panelsFromGutters: number }

/** Analysis size: gutters are a few px wide even after downscaling. A preview at least this large is used as is. */
export const ANALYSIS_SIDE = 256;
const MIN_RUN = 2;          // px at analysis size; fewer on a smaller (native-size) preview
const MIN_PART = 0.12;      // each side of a gutter keeps ≥ 12 % of the image
const UNIFORM = 0.985;      // share of a line's pixels that must match the gutter tone

/** Runs of lines (columns or rows) that are uniformly white or uniformly black, away from the borders. */
export function gutterRuns(grey: Uint8Array, width: number, height: number, axis: 'x' | 'y'): [number, number][] {
  // a small image analysed at its own size: a 1-px gutter there is what 2+ px would be at 256 px
  const minRun = Math.max(1, Math.min(MIN_RUN, Math.round((MIN_RUN * Math.max(width, height)) / ANALYSIS_SIDE)));
  const lines = axis === 'x' ? width : height;
  const len = axis === 'x' ? height : width;
  const flat: boolean[] = [];
  for (let l = 0; l < lines; l++) {
    let white = 0;
    let black = 0;
    for (let k = 0; k < len; k++) {
      const v = axis === 'x' ? grey[k * width + l] : grey[l * width + k];
      if (v >= 235) white++; else if (v <= 18) black++;
    }
    flat.push(white >= len * UNIFORM || black >= len * UNIFORM);
  }
  const runs: [number, number][] = [];
  for (let s = 0; s < lines;) {
    if (!flat[s]) { s++; continue; }
    let e = s;
    while (e < lines && flat[e]) e++;
    const touchesEdge = s === 0 || e === lines;
    if (!touchesEdge && e - s >= minRun && s >= lines * MIN_PART && lines - e >= lines * MIN_PART) runs.push([s / lines, e / lines]);
    s = e;
  }
  return runs;
}

export interface CompoundInput {
  panelLetters: string[];
  preview?: GreyImage;    // the image stage's thumbnail luma
  image?: Buffer;         // the image's bytes
  imageSide?: number;     // longest side of `image`, when known
  limitInputPixels?: number;
}

/**
 * Decides whether a figure is compound. Caption letters alone count. Gutters are looked for in `preview`
 * (no second decode) when it is at least ANALYSIS_SIDE, or the image's own size, or there are no bytes;
 * otherwise `image` is decoded at ANALYSIS_SIDE (a thumbnail configured smaller than that would blur
 * narrow gutters away). Never throws.
 */
export async function detectCompound(input: CompoundInput): Promise<CompoundResult> {
  const evidence: string[] = [];
  const letters = [...new Set(input.panelLetters)];
  if (letters.length >= 2) evidence.push(`caption panel letters ${letters.join(', ')}`);
  const p = input.preview;
  let grey = p && (!input.image || Math.max(p.width, p.height) >= Math.min(ANALYSIS_SIDE, input.imageSide ?? Infinity)) ? p : undefined;
  if (!grey && input.image) {
    try {
      const { data, info } = await sharp(input.image, { limitInputPixels: input.limitInputPixels ?? 100_000_000, pages: 1 })
        .rotate()
        .flatten({ background: '#ffffff' })
        .greyscale()
        .resize({ width: ANALYSIS_SIDE, height: ANALYSIS_SIDE, fit: 'inside' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      grey = { data, width: info.width, height: info.height };
    } catch (e) {
      evidence.push(`image not analysed: ${e instanceof Error ? e.message.slice(0, 80) : 'error'}`);
    }
  }
  let gutters: Gutters = { vertical: [], horizontal: [] };
  if (grey) {
    gutters = { vertical: gutterRuns(grey.data, grey.width, grey.height, 'x'), horizontal: gutterRuns(grey.data, grey.width, grey.height, 'y') };
    if (gutters.vertical.length || gutters.horizontal.length) evidence.push(`${gutters.vertical.length} vertical and ${gutters.horizontal.length} horizontal gutters`);
  }
  const panelsFromGutters = (gutters.vertical.length + 1) * (gutters.horizontal.length + 1);
  return { compound: letters.length >= 2 || panelsFromGutters > 1, evidence, gutters, panelsFromGutters };
}

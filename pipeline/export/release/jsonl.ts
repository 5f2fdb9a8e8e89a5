// jsonl: one `<track>.jsonl` of release rows per track (the draft JSONL's rows plus the release fields),
// the images once each under images/<sha256>.<ext>; each row's images[].file points there.
import type { ReleaseRow } from '../../../schemas/release.ts';
import type { ReleaseInput } from './load.ts';
import { byTrack, file, imageName, type PlannedFile } from './common.ts';

export const withImageFiles = (r: ReleaseRow, dir = 'images'): ReleaseRow => ({ ...r, images: r.images.map((im) => ({ ...im, file: `${dir}/${imageName(im)}` })) });

export function imageFiles(rows: ReleaseRow[], input: ReleaseInput, dir = 'images'): PlannedFile[] {
  const out = new Map<string, PlannedFile>();
  for (const r of rows) for (const im of r.images) {
    const p = `${dir}/${imageName(im)}`;
    if (!out.has(p)) out.set(p, file(p, input.images.get(im.sha256)!));
  }
  return [...out.values()];
}

export function planJsonl(input: ReleaseInput): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const [track, rows] of byTrack(input.rows)) {
    files.push(file(`${track}.jsonl`, rows.map((r) => JSON.stringify(withImageFiles(r))).join('\n') + '\n'));
  }
  return [...files, ...imageFiles(input.rows, input)];
}

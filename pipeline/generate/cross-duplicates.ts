// Near-duplicate images across articles (the same figure republished, a thumbnail of another
// article's image): the copy in the article with the higher PMCID is left out of questions.
import { findNearDuplicates } from '../core/near-duplicates.ts';

export interface ImageHash { imageId: string; pmcid: string; dhash: string }
export interface CrossDuplicate { imageId: string; duplicateOf: string; distance: number }

const pmcNumber = (pmcid: string): number => Number(pmcid.slice(3));

/** For each image that loses, the image it duplicates. Deterministic: the lower PMCID keeps its image. */
export function crossArticleDuplicates(images: ImageHash[], maxDistance: number): Map<string, CrossDuplicate> {
  const byId = new Map(images.map((i) => [i.imageId, i]));
  const out = new Map<string, CrossDuplicate>();
  // lower PMCID first: identical hashes come back as a star around the first item, which must be the keeper
  const ordered = [...images].sort((x, y) => pmcNumber(x.pmcid) - pmcNumber(y.pmcid) || (x.imageId < y.imageId ? -1 : x.imageId > y.imageId ? 1 : 0));
  for (const pair of findNearDuplicates(ordered.map((i) => ({ id: i.imageId, dhash: i.dhash })), maxDistance)) {
    const a = byId.get(pair.a)!;
    const b = byId.get(pair.b)!;
    if (a.pmcid === b.pmcid) continue; // within an article: extract already decided
    const [keep, lose] = pmcNumber(a.pmcid) < pmcNumber(b.pmcid) ? [a, b] : [b, a];
    if (!out.has(lose.imageId) && !out.has(keep.imageId)) out.set(lose.imageId, { imageId: lose.imageId, duplicateOf: keep.imageId, distance: pair.distance });
  }
  return out;
}

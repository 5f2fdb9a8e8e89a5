import { describe, it, expect } from 'vitest';
import { crossArticleDuplicates } from '../../pipeline/generate/cross-duplicates.ts';

describe('near-duplicate images across articles', () => {
  it('the article with the lower PMCID keeps its image; pairs inside one article are left to extract', () => {
    const images = [
      { imageId: 'PMC900-f1-1', pmcid: 'PMC900', dhash: 'f0f0f0f0f0f0f0f0' },
      { imageId: 'PMC1000-f2-1', pmcid: 'PMC1000', dhash: 'f0f0f0f0f0f0f0f1' }, // 1 bit from PMC900's
      { imageId: 'PMC1000-f3-1', pmcid: 'PMC1000', dhash: 'f0f0f0f0f0f0f0f3' }, // same article as the one above
      { imageId: 'PMC80-f1-1', pmcid: 'PMC80', dhash: '0123456789abcdef' },
    ];
    const d = crossArticleDuplicates(images, 4);
    // numeric PMCID order: PMC900 < PMC1000 although "PMC1000" < "PMC900" as strings
    expect(d.get('PMC1000-f2-1')).toEqual({ imageId: 'PMC1000-f2-1', duplicateOf: 'PMC900-f1-1', distance: 1 });
    expect(d.get('PMC1000-f3-1')?.duplicateOf).toBe('PMC900-f1-1');
    expect(d.has('PMC900-f1-1')).toBe(false);
    expect(d.has('PMC80-f1-1')).toBe(false);
    expect(crossArticleDuplicates(images, 0).size).toBe(0);
  });

  it('identical copies in several articles all point at the lowest PMCID, whatever the listing order', () => {
    const h = 'a5a5a5a5a5a5a5a5';
    const images = ['PMC2000-f1-1', 'PMC10-f1-1', 'PMC300-f1-1', 'PMC4000-f1-1'].map((imageId) => ({ imageId, pmcid: imageId.split('-')[0], dhash: h }));
    const d = crossArticleDuplicates(images, 3);
    expect([...d.values()].map((x) => [x.imageId, x.duplicateOf]).sort()).toEqual([
      ['PMC2000-f1-1', 'PMC10-f1-1'], ['PMC300-f1-1', 'PMC10-f1-1'], ['PMC4000-f1-1', 'PMC10-f1-1'],
    ]);
  });
});

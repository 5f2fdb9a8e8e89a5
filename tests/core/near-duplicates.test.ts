// The near-duplicate index: the same pairs as brute force (stars for identical hashes), each pair once, and
// near-linear on 10⁵ hashes with a hot band (10⁴ hashes sharing one 16-bit block), where all-pairs-per-band
// and a pair set used to blow up.
import { describe, expect, it } from 'vitest';
import { bruteForceNearDuplicates, findNearDuplicates, hamming } from '../../pipeline/core/near-duplicates.ts';
import { seededUint32 as prng } from '../../pipeline/core/seeded-random.ts';

const hex = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');
function flip(h: string, bits: number[]): string {
  let hi = parseInt(h.slice(0, 8), 16), lo = parseInt(h.slice(8), 16);
  for (const b of bits) { if (b < 32) hi ^= 1 << (31 - b); else lo ^= 1 << (63 - b); }
  return hex(hi) + hex(lo);
}

/** Random hashes, `hot` of them sharing their top 16 bits, and a near copy (1–3 bits off) of every 50th. */
function corpus(n: number, hot: number, seed = 1): { id: string; dhash: string }[] {
  const r = prng(seed);
  const items: { id: string; dhash: string }[] = [];
  for (let i = 0; i < n; i++) {
    let hi = r();
    if (i < hot) hi = (hi & 0x0000ffff) | 0x5a5a0000;
    const h = hex(hi) + hex(r());
    items.push({ id: `im${String(i).padStart(6, '0')}`, dhash: h });
    if (i % 50 === 0) items.push({ id: `cp${String(i).padStart(6, '0')}`, dhash: flip(h, Array.from({ length: 1 + (i % 3) }, () => r() % 64)) });
  }
  return items;
}

/** Dense clusters: many hashes within a few bits of a few centres (one modality's near-identical frames). */
function clusters(k: number, size: number, seed = 2): { id: string; dhash: string }[] {
  const r = prng(seed);
  const out: { id: string; dhash: string }[] = [];
  const seen = new Set<string>();
  for (let c = 0; c < k; c++) {
    const centre = hex(r()) + hex(r());
    for (let j = 0; j < size; j++) {
      const h = flip(centre, Array.from({ length: r() % 4 }, () => r() % 64));
      if (seen.has(h)) continue; // identical hashes are tested apart (stars)
      seen.add(h);
      out.push({ id: `c${c}-${String(j).padStart(4, '0')}`, dhash: h });
    }
  }
  return out;
}

describe('near-duplicate index', () => {
  it('finds exactly the brute-force pairs, for every threshold and bucket cap, hot bands and dense clusters included', () => {
    const sets = [corpus(3000, 1500), clusters(5, 300)];
    for (const items of sets) {
      for (const d of [1, 3, 5, 7]) {
        const brute = bruteForceNearDuplicates(items, d);
        for (const cap of [4, 64]) expect(findNearDuplicates(items, d, { bucketCap: cap }), `d=${d} cap=${cap}`).toEqual(brute);
      }
    }
    expect(bruteForceNearDuplicates(sets[1], 3).length).toBeGreaterThan(10_000); // the clusters are dense
  });

  it('reports identical hashes as a star around the first in input order, so k copies cost k-1 pairs', () => {
    const h = 'f0f0f0f0f0f0f0f0';
    const items = ['z', 'b', 'y', 'a'].map((id) => ({ id, dhash: h }));
    items.push({ id: 'near', dhash: flip(h, [5]) });
    const pairs = findNearDuplicates(items, 3);
    expect(pairs.filter((p) => p.distance === 0)).toEqual([{ a: 'b', b: 'z', distance: 0 }, { a: 'y', b: 'z', distance: 0 }, { a: 'a', b: 'z', distance: 0 }].sort((p, q) => (p.a < q.a ? -1 : 1)));
    // the near copy is paired with the star's centre only
    expect(pairs.filter((p) => p.distance > 0)).toEqual([{ a: 'near', b: 'z', distance: 1 }]);
    expect(findNearDuplicates(items, 0)).toHaveLength(3);
  });

  it('ignores malformed hashes and the same id listed twice', () => {
    expect(findNearDuplicates([{ id: 'a', dhash: 'xyz' }, { id: 'b', dhash: '0000000000000000' }, { id: 'b', dhash: '0000000000000000' }], 3)).toEqual([]);
    expect(hamming('0000000000000000', '0000000000000007')).toBe(3);
  });

  it('handles 10⁵ hashes with a hot band of 10⁴ and finds every planted near copy, each pair once', () => {
    const items = corpus(100_000, 10_000, 3);
    const pairs = findNearDuplicates(items, 3);
    const key = (p: { a: string; b: string }) => `${p.a}|${p.b}`;
    expect(new Set(pairs.map(key)).size).toBe(pairs.length);
    const planted = items.filter((i) => i.id.startsWith('cp')).map((c) => ({ a: c.id, b: `im${c.id.slice(2)}` }));
    const found = new Set(pairs.map(key));
    expect(planted.filter((p) => !found.has(key(p)))).toEqual([]);
    // and on a sample, exactly the brute-force pairs
    const sample = items.filter((_, i) => i % 20 === 0 || i < 2000);
    expect(findNearDuplicates(sample, 3)).toEqual(bruteForceNearDuplicates(sample, 3));
  });
});

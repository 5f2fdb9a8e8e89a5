// Near-duplicate images by 64-bit dHash (Hamming distance), within and across articles. Pure; used by
// extract (within an article) and generate (across the build).
//
// The search stays near-linear when many images share structure (one modality's X-rays share bands):
// - identical hashes are grouped first and reported as a star (each copy paired with the group's first
//   item in input order) instead of a clique, so k copies cost k-1 pairs, not k²/2;
// - multi-index hashing: with d = maxDistance, the 64 bits are cut into d+1 blocks; two hashes within d
//   agree exactly on at least one block (pigeonhole), so only hashes sharing a block value are compared;
// - a bucket larger than `bucketCap` is searched the same way on its remaining bits (the pair agrees on
//   this block, so it is within d on the rest, and again shares one of d+1 sub-blocks), until buckets are
//   small or the bits run out;
// - each pair is emitted once, at the first block (and sub-block) on which it agrees: no pair set.

const POP = new Uint8Array(256).map((_, i) => { let c = 0; for (let x = i; x; x >>= 1) c += x & 1; return c; });

/** Hamming distance between two 16-hex-digit hashes (64 when either is malformed). */
export function hamming(a: string, b: string): number {
  if (!/^[0-9a-f]{16}$/i.test(a) || !/^[0-9a-f]{16}$/i.test(b)) return 64;
  let d = 0;
  for (let i = 0; i < 16; i += 2) d += POP[parseInt(a.slice(i, i + 2), 16) ^ parseInt(b.slice(i, i + 2), 16)];
  return d;
}

export interface NearDuplicate { a: string; b: string; distance: number }
export interface NearDuplicateOptions {
  /** Buckets above this size are split on their remaining bits (default 64). */
  bucketCap?: number;
}

const pop32 = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

/** `len` bits (≤ 20) of a 64-bit value held as hi/lo words, starting at bit `start` from the top. */
function bitsOf(hi: number, lo: number, start: number, len: number): number {
  let v = 0;
  for (let k = 0; k < len; k++) {
    const p = start + k;
    const bit = p < 32 ? (hi >>> (31 - p)) & 1 : (lo >>> (63 - p)) & 1;
    v = v * 2 + bit;
  }
  return v;
}

/** Cuts the bit positions `positions` into `parts` runs of near-equal length (each ≤ 20 bits). */
function cut(positions: number[], parts: number): number[][] {
  const out: number[][] = [];
  let at = 0;
  for (let i = 0; i < parts; i++) {
    const len = Math.floor(positions.length / parts) + (i < positions.length % parts ? 1 : 0);
    out.push(positions.slice(at, at + len));
    at += len;
  }
  return out;
}

function keyOn(hi: number, lo: number, positions: number[]): number {
  // positions are runs of consecutive bits, so read them as one run when they are
  const first = positions[0];
  if (positions.length && positions[positions.length - 1] - first === positions.length - 1) return bitsOf(hi, lo, first, positions.length);
  let v = 0;
  for (const p of positions) v = v * 2 + bitsOf(hi, lo, p, 1);
  return v;
}

/**
 * All pairs within `maxDistance`, ids ordered (a < b), sorted by distance then ids. Identical hashes are a
 * star around the first of them in input order (pass items in the order that should keep its image).
 */
export function findNearDuplicates(items: { id: string; dhash: string }[], maxDistance: number, opts: NearDuplicateOptions = {}): NearDuplicate[] {
  const cap = Math.max(2, opts.bucketCap ?? 64);
  const out: NearDuplicate[] = [];
  const push = (x: string, y: string, distance: number): void => { out.push(x < y ? { a: x, b: y, distance } : { a: y, b: x, distance }); };

  // 1. identical hashes: one representative each (the first in input order), the others a star around it.
  // Found by sorting (hi, lo, input order) rather than a Map of strings: 10⁶ hashes stay a few typed arrays.
  const m = items.length;
  const hiAll = new Uint32Array(m);
  const loAll = new Uint32Array(m);
  const valid = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    const h = items[k].dhash;
    if (h.length !== 16 || !/^[0-9a-f]{16}$/i.test(h)) continue; // a malformed hash is never anyone's duplicate
    hiAll[k] = parseInt(h.slice(0, 8), 16) >>> 0;
    loAll[k] = parseInt(h.slice(8), 16) >>> 0;
    valid[k] = 1;
  }
  const order = new Int32Array(m);
  let nv = 0;
  for (let k = 0; k < m; k++) if (valid[k]) order[nv++] = k;
  const sorted = order.subarray(0, nv).sort((x, y) => hiAll[x] - hiAll[y] || loAll[x] - loAll[y] || x - y);
  const repIdx: number[] = [];
  for (let s = 0; s < sorted.length;) {
    let e = s + 1;
    while (e < sorted.length && hiAll[sorted[e]] === hiAll[sorted[s]] && loAll[sorted[e]] === loAll[sorted[s]]) e++;
    const first = sorted[s];
    for (let x = s + 1; x < e; x++) if (items[sorted[x]].id !== items[first].id) push(items[first].id, items[sorted[x]].id, 0);
    repIdx.push(first);
    s = e;
  }
  repIdx.sort((x, y) => x - y); // representatives in input order
  const n = repIdx.length;
  if (n < 2 || maxDistance < 1) return sortPairs(out);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) { hi[i] = hiAll[repIdx[i]]; lo[i] = loAll[repIdx[i]]; }
  const idOf = (i: number): string => items[repIdx[i]].id;
  const dist = (i: number, j: number): number => pop32(hi[i] ^ hi[j]) + pop32(lo[i] ^ lo[j]);

  const d = Math.min(maxDistance, 64);
  const all = Array.from({ length: 64 }, (_, i) => i);
  const emit = (i: number, j: number): void => { const x = dist(i, j); if (x <= d) push(idOf(i), idOf(j), x); };

  // every pair of a small group; `earlier` says whether the pair agrees on a block checked before this one
  const pairsIn = (members: Int32Array | number[], earlier: (i: number, j: number) => boolean): void => {
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const i = members[x], j = members[y];
        if (!earlier(i, j)) emit(i, j);
      }
    }
  };

  /**
   * Searches `members` (all agreeing on the bits outside `free`) for pairs within `budget` on the `free`
   * bits. `earlier(i, j)`: the pair was already counted by an earlier block at an outer level.
   */
  const search = (members: Int32Array, free: number[], budget: number, earlier: (i: number, j: number) => boolean): void => {
    if (members.length < 2) return;
    const parts = budget + 1;
    if (members.length <= cap || free.length < parts * 2) { pairsIn(members, earlier); return; }
    const blocks = cut(free, parts);
    const keys = blocks.map((b) => {
      const k = new Float64Array(members.length);
      for (let x = 0; x < members.length; x++) k[x] = keyOn(hi[members[x]], lo[members[x]], b);
      return k;
    });
    // position of each member in `members`, to read its keys (the top level is the identity)
    const identity = members.length === n && members[0] === 0 && members[n - 1] === n - 1;
    const pos = new Map<number, number>();
    if (!identity) for (let x = 0; x < members.length; x++) pos.set(members[x], x);
    const at = (i: number): number => (identity ? i : pos.get(i)!);
    for (let b = 0; b < parts; b++) {
      const kb = keys[b];
      // group by key: sort (key, position) packed in one float
      const packed = new Float64Array(members.length);
      for (let x = 0; x < members.length; x++) packed[x] = kb[x] * 2 ** 21 + x;
      packed.sort();
      const seenBefore = (i: number, j: number): boolean => {
        if (earlier(i, j)) return true;
        const pi = at(i), pj = at(j);
        for (let c = 0; c < b; c++) if (keys[c][pi] === keys[c][pj]) return true;
        return false;
      };
      const rest = free.filter((p) => !blocks[b].includes(p));
      for (let s = 0; s < packed.length;) {
        const key = Math.floor(packed[s] / 2 ** 21);
        let e = s;
        while (e < packed.length && Math.floor(packed[e] / 2 ** 21) === key) e++;
        if (e - s >= 2) {
          const group = new Int32Array(e - s);
          for (let x = s; x < e; x++) group[x - s] = members[packed[x] % 2 ** 21];
          // the pair agrees on this block: within `budget` on the rest, searched the same way
          // ...only while splitting makes progress: a bucket that is most of its parent is a true cluster
          // (its pairs are the output), where a deeper split would revisit the same members at every level
          if (group.length > cap && group.length * 2 <= members.length && rest.length >= parts * 2) search(group, rest, budget, seenBefore);
          else pairsIn(group, seenBefore);
        }
        s = e;
      }
    }
  };

  const everyone = new Int32Array(n);
  for (let i = 0; i < n; i++) everyone[i] = i;
  if (d >= 16) pairsIn(everyone, () => false); // blocks would be too short to help: every pair once
  else search(everyone, all, d, () => false);
  return sortPairs(out);
}

function sortPairs(pairs: NearDuplicate[]): NearDuplicate[] {
  return pairs.sort((p, q) => p.distance - q.distance || (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0));
}

/** Every pair by brute force, n²/2 comparisons (for tests and the bench's cross-check). */
export function bruteForceNearDuplicates(items: { id: string; dhash: string }[], maxDistance: number): NearDuplicate[] {
  const ok = items.map((i) => /^[0-9a-f]{16}$/i.test(i.dhash));
  const hi = Uint32Array.from(items, (i) => parseInt(i.dhash.slice(0, 8), 16) >>> 0);
  const lo = Uint32Array.from(items, (i) => parseInt(i.dhash.slice(8), 16) >>> 0);
  const out: NearDuplicate[] = [];
  for (let i = 0; i < items.length; i++) {
    if (!ok[i]) continue;
    for (let j = i + 1; j < items.length; j++) {
      if (!ok[j] || items[i].id === items[j].id) continue;
      const d = pop32(hi[i] ^ hi[j]) + pop32(lo[i] ^ lo[j]);
      if (d <= maxDistance) out.push(items[i].id < items[j].id ? { a: items[i].id, b: items[j].id, distance: d } : { a: items[j].id, b: items[i].id, distance: d });
    }
  }
  return sortPairs(out);
}

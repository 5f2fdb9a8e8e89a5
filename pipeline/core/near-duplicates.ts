// Near-duplicate images by 64-bit dHash (Hamming distance), within and across articles. Pure; used by
// extract (within an article) and generate (across the build).
const POP = new Uint8Array(256).map((_, i) => { let c = 0; for (let x = i; x; x >>= 1) c += x & 1; return c; });

/** Hamming distance between two 16-hex-digit hashes (64 when either is malformed). */
export function hamming(a: string, b: string): number {
  if (!/^[0-9a-f]{16}$/i.test(a) || !/^[0-9a-f]{16}$/i.test(b)) return 64;
  let d = 0;
  for (let i = 0; i < 16; i += 2) d += POP[parseInt(a.slice(i, i + 2), 16) ^ parseInt(b.slice(i, i + 2), 16)];
  return d;
}

export interface NearDuplicate { a: string; b: string; distance: number }

/**
 * All pairs within `maxDistance`, ids ordered (a < b), sorted by distance then ids. Pigeonhole on
 * four 16-bit bands: two hashes within distance ≤ 3 share a band exactly; for larger thresholds we
 * compare all pairs (n is one build's images: fine up to ~20k).
 */
export function findNearDuplicates(items: { id: string; dhash: string }[], maxDistance: number): NearDuplicate[] {
  const out: NearDuplicate[] = [];
  const seen = new Set<string>();
  const consider = (x: { id: string; dhash: string }, y: { id: string; dhash: string }) => {
    if (x.id === y.id) return;
    const [a, b] = x.id < y.id ? [x.id, y.id] : [y.id, x.id];
    const key = `${a}\u0000${b}`;
    if (seen.has(key)) return;
    seen.add(key);
    const d = hamming(x.dhash, y.dhash);
    if (d <= maxDistance) out.push({ a, b, distance: d });
  };
  if (maxDistance <= 3) {
    for (let band = 0; band < 4; band++) {
      const buckets = new Map<string, { id: string; dhash: string }[]>();
      for (const it of items) {
        const k = it.dhash.slice(band * 4, band * 4 + 4).toLowerCase();
        const list = buckets.get(k) ?? [];
        for (const o of list) consider(o, it);
        list.push(it);
        buckets.set(k, list);
      }
    }
  } else {
    // every pair once: no de-duplication set needed (it would hold n² keys)
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const x = items[i];
        const y = items[j];
        if (x.id === y.id) continue;
        const d = hamming(x.dhash, y.dhash);
        if (d <= maxDistance) out.push(x.id < y.id ? { a: x.id, b: y.id, distance: d } : { a: y.id, b: x.id, distance: d });
      }
    }
  }
  return out.sort((p, q) => p.distance - q.distance || (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0));
}

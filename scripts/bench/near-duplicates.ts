// Bench: near-duplicate search over 10⁶ synthetic dHashes with a hot band (10⁴ hashes sharing one 16-bit
// block), planted near copies (1–3 bits) and exact copies, at the stage's threshold (3). Prints time, peak
// RSS, pairs found, and a cross-check against brute force on a 10⁴ sample (both pair counts and equality).
// Goal (issue 15): ≤ 60 s and ≤ 500 MB, the same pairs as brute force.
// Usage: npx tsx scripts/bench/near-duplicates.ts [n=1000000] [hot=10000] [sample=10000]
import { bruteForceNearDuplicates, findNearDuplicates } from '../../pipeline/core/near-duplicates.ts';
import { seededUint32 } from '../../pipeline/core/seeded-random.ts';

const [n, hot, sampleSize] = [Number(process.argv[2] ?? 1e6), Number(process.argv[3] ?? 1e4), Number(process.argv[4] ?? 1e4)];
const rnd = seededUint32(20261201);
const hex = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');

const items: { id: string; dhash: string }[] = [];
let planted = 0;
for (let i = 0; items.length < n; i++) {
  let hi = rnd();
  const lo = rnd();
  if (i < hot) hi = (hi & 0x0000ffff) | 0x5a5a0000; // the hot band: top 16 bits equal
  items.push({ id: `im${String(i).padStart(7, '0')}`, dhash: hex(hi) + hex(lo) });
  if (i % 100 === 0 && items.length < n) {
    let h2 = hi, l2 = lo;
    for (let f = 0; f <= i % 3; f++) { const b = rnd() % 64; if (b < 32) h2 ^= 1 << b; else l2 ^= 1 << (b - 32); }
    items.push({ id: `cp${String(i).padStart(7, '0')}`, dhash: hex(h2) + hex(l2) });
    planted++;
  }
  if (i % 1000 === 0 && items.length < n) items.push({ id: `ex${String(i).padStart(7, '0')}`, dhash: hex(hi) + hex(lo) });
}

const t0 = performance.now();
const pairs = findNearDuplicates(items, 3);
const ms = performance.now() - t0;
const rss = process.resourceUsage().maxRSS / 1024;
const found = new Set(pairs.map((p) => `${p.a}|${p.b}`));
const missedPlanted = items.filter((x) => x.id.startsWith('cp')).filter((c) => !found.has(`${c.id}|im${c.id.slice(2)}`) && !found.has(`im${c.id.slice(2)}|${c.id}`)).length;

// cross-check on a sample holding the hot band's members and planted pairs (distinct hashes: brute force lists
// identical copies as a clique, the index as a star)
const seen = new Set<string>();
const sample = items.filter((x, i) => (i < sampleSize / 2 || i % Math.ceil(n / (sampleSize / 2)) === 0) && !seen.has(x.dhash) && (seen.add(x.dhash), true)).slice(0, sampleSize);
const t1 = performance.now();
const fast = findNearDuplicates(sample, 3);
const fastMs = performance.now() - t1;
const t2 = performance.now();
const brute = bruteForceNearDuplicates(sample, 3);
const bruteMs = performance.now() - t2;

console.log(`near-duplicate search, threshold 3: ${n.toLocaleString('en')} hashes, hot band of ${hot.toLocaleString('en')}, ${planted} planted near copies`);
console.log(`  index:       ${(ms / 1000).toFixed(2)} s, peak RSS ${rss.toFixed(0)} MB, ${pairs.length} pairs, planted copies missed: ${missedPlanted}   goal ≤ 60 s, ≤ 500 MB`);
console.log(`  sample of ${sample.length.toLocaleString('en')}: index ${fast.length} pairs in ${fastMs.toFixed(0)} ms; brute force ${brute.length} pairs in ${bruteMs.toFixed(0)} ms; ` +
  `same pairs: ${JSON.stringify(fast) === JSON.stringify(brute) ? 'yes' : 'NO'}`);

// Matcher benchmark: throughput over real case-report text (the 48 bundled articles, repeated to
// >= 20 MB) against the full lexicon, lexicon load time, matcher build time, and memory.
// Run: npx tsx scripts/bench/match.ts
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMatcher, loadLexicon, openLexicon } from '../../ontology/index.ts';
import { resolveDataLocations, requireLocation } from '../../pipeline/core/data-locations.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';

const LOC = resolveDataLocations();
const ARTICLES = requireLocation(LOC, 'articles', 'case reports');
const LEXICON_FILE = openLexicon(LOC).file!; // compiled once into the cache; the bench times loading it
const TARGET_BYTES = 20 * 1024 * 1024;
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

function articleTexts(): string[] {
  const out: string[] = [];
  for (const f of readdirSync(ARTICLES).filter((f) => f.endsWith('.nxml')).sort()) {
    const r = parseJats(readFileSync(join(ARTICLES, f)));
    if (!r.ok) continue;
    const a = r.article;
    out.push([a.title, a.abstract, ...a.sections.map((s) => s.text), ...a.figures.map((f) => f.caption)].join('\n\n'));
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const loadTimes: number[] = [];
let lex = loadLexicon(LEXICON_FILE);
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  lex = loadLexicon(LEXICON_FILE);
  loadTimes.push(performance.now() - t);
}
const tb = performance.now();
const matcher = createMatcher(lex);
const buildMs = performance.now() - tb;

const texts = articleTexts();
const corpusBytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const docs: string[] = [];
let bytes = 0;
while (bytes < TARGET_BYTES) for (const t of texts) { docs.push(t); bytes += Buffer.byteLength(t); }

matcher.match(texts.join('\n\n')); // warm-up (JIT, token cache)
const rates: number[] = [];
let mentions = 0;
for (let run = 0; run < 5; run++) {
  const t = performance.now();
  mentions = 0;
  for (const d of docs) mentions += matcher.match(d).length;
  rates.push(bytes / 1024 / 1024 / ((performance.now() - t) / 1000));
}
const mem = process.memoryUsage();
console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}`);
console.log(`lexicon: ${lex.entries.length} entries, release ${lex.release}`);
console.log(`lexicon load (gunzip + parse + index): median ${median(loadTimes).toFixed(0)} ms, first ${loadTimes[0].toFixed(0)} ms (goal <= 300 ms)`);
console.log(`matcher build (trie over all names + synonyms): ${buildMs.toFixed(0)} ms`);
console.log(`corpus: ${texts.length} articles, ${(corpusBytes / 1024).toFixed(0)} KiB, repeated to ${mb(bytes)} MiB (${docs.length} documents)`);
console.log(`throughput (full matcher: tokenise, trie, abbreviations, context): ${rates.map((r) => r.toFixed(1)).join(' / ')} MB/s, best ${Math.max(...rates).toFixed(1)} MB/s (goal >= 20 MB/s)`);
console.log(`mentions per pass: ${mentions}`);
console.log(`memory: heapUsed ${mb(mem.heapUsed)} MiB, rss ${mb(mem.rss)} MiB`);

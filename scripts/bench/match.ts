// Matcher benchmark, on text the matcher has not seen before.
//   1. Cold start, in fresh child processes (each run: a new process): open the compiled lexicon from the cache
//      (read + gunzip + parse + index), build the matcher (or read it from its cache), match a first article.
//      Printed: each step and the sum "to first match" (goal ≤ 300 ms), median (min–max) over the runs, plus
//      the time from the process start (node + tsx + module loading) for reference.
//   2. Throughput on unseen text: every run makes a fresh matcher (empty word cache, trie read anew from the trie
//      cache) and matches each article of the data dir once (case reports and the non-case articles: title,
//      abstract, sections, captions), so no text is seen twice by one matcher. Median (min–max) MB/s over the runs (goal ≥ 20).
//      Beside the wall figures, the CPU time of the process (all threads), which the machine's load skews less.
//      Also the same text matched a second time by the same matcher (warm word cache), for comparison.
// Run: npx tsx scripts/bench/match.ts [runs]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { resolveDataLocations, requireLocation } from '../../pipeline/core/data-locations.ts';
// The matcher path is imported as `mmrare align` imports it (lexicon cache, diagnose); the article parser, which only
// this bench needs (to get texts), is imported inside the child's untimed step, so "from process start" counts
// the matcher path's modules and not the bench's own.
const { openLexicon, trieFor } = await import('../../ontology/lexicon-cache.ts');
const { matcherFor } = await import('../../ontology/diagnose/index.ts');
const { createMatcher } = await import('../../ontology/match/index.ts');

const LOC = resolveDataLocations();
const runs = Number(process.argv.find((a, i) => i > 1 && /^\d+$/.test(a)) ?? 5);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
// CPU time of this process (all its threads: GC and JIT included), beside the wall figures: on a shared machine
// the wall figures carry the other processes' load, the CPU time much less so.
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const stat = (xs: number[], d = 0) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;

async function articleTexts(): Promise<string[]> {
  const { parseJats } = await import('../../pipeline/extract/jats.ts');
  const dirs = [requireLocation(LOC, 'articles', 'case reports'), join(LOC.root, 'pmc', 'articles-other')].filter(existsSync);
  const out: string[] = [];
  for (const dir of dirs) for (const f of readdirSync(dir).filter((x) => x.endsWith('.nxml')).sort()) {
    const r = parseJats(readFileSync(join(dir, f)), { allowNoCase: true, pmcid: 'PMC1' });
    if (!r.ok) continue;
    const a = r.article;
    out.push([a.title, a.abstract, ...a.sections.map((s) => s.text), ...a.figures.map((x) => x.caption)].join('\n\n'));
  }
  return out;
}

if (process.argv.includes('--child')) {
  // one cold process: what `mmrare align` pays before its first article
  const t0 = performance.now(), c0 = cpuMs();
  const lex = openLexicon(LOC).lexicon;
  const t1 = performance.now();
  const matcher = matcherFor(lex);
  const t2 = performance.now(), c2 = cpuMs();
  const text = (await articleTexts())[Number(process.argv[process.argv.indexOf('--child') + 1] ?? 0)];
  const t3 = performance.now(), c3 = cpuMs();
  const n = matcher.match(text).length;
  const t4 = performance.now(), c4 = cpuMs();
  process.stdout.write(JSON.stringify({ sinceStart: t4 - (t3 - t2), load: t1 - t0, build: t2 - t1, first: t4 - t3, cpu: c2 - c0 + (c4 - c3), mentions: n, bytes: Buffer.byteLength(text) }));
  process.exit(0);
}

console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${load()}`);
const texts = await articleTexts();
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

// 1. cold processes
const cold: { sinceStart: number; load: number; build: number; first: number; cpu: number; bytes: number }[] = [];
const self = fileURLToPath(import.meta.url);
for (let r = 0; r < runs; r++) {
  const c = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', String(r % texts.length)], { encoding: 'utf8' });
  if (c.status !== 0) throw new Error(`cold child failed: ${c.stderr}`);
  cold.push(JSON.parse(c.stdout));
}
const toFirst = cold.map((c) => c.load + c.build + c.first);
console.log(`\ncold process (${runs} fresh processes, load average ${load()}), median (min–max) ms:`);
console.log(`  lexicon load (read + gunzip + parse + index): ${stat(cold.map((c) => c.load))}`);
console.log(`  matcher build (or read from its cache):      ${stat(cold.map((c) => c.build))}`);
console.log(`  first article matched (${stat(cold.map((c) => c.bytes / 1024))} KiB):   ${stat(cold.map((c) => c.first))}`);
console.log(`  to first match (load + build + match):       ${stat(toFirst)}  (goal ≤ 300 ms)`);
console.log(`    of it CPU time (load + build + match):      ${stat(cold.map((c) => c.cpu))}`);
console.log(`  from process start (node, tsx, modules, the above): ${stat(cold.map((c) => c.sinceStart))}`);

// 2. throughput on unseen text: a fresh matcher per run, its trie read anew from the trie cache as matcherFor
// does (so nothing decoded or cached by an earlier run is reused), and the full trie build timed apart, after
// the passes: its garbage (half a second of allocation) would otherwise be collected during the timed passes.
const lex = openLexicon(LOC).lexicon;
const rates: number[] = [];
const cpuRates: number[] = [];
const warm: number[] = [];
const builds: number[] = [];
const fromCache: number[] = [];
let mentions = 0;
for (let r = 0; r < runs; r++) {
  const tb = performance.now();
  const matcher = createMatcher(lex, { trie: trieFor(lex) });
  fromCache.push(performance.now() - tb);
  let t = performance.now();
  const c = cpuMs();
  mentions = 0;
  for (const d of texts) mentions += matcher.match(d).length;
  rates.push(bytes / 1e6 / ((performance.now() - t) / 1000));
  cpuRates.push(bytes / 1e6 / ((cpuMs() - c) / 1000));
  t = performance.now();
  for (const d of texts) matcher.match(d);
  warm.push(bytes / 1e6 / ((performance.now() - t) / 1000));
}
for (let r = 0; r < runs; r++) {
  const tb = performance.now();
  createMatcher(lex);
  builds.push(performance.now() - tb);
}
const mem = process.memoryUsage();
console.log(`\nthroughput (${texts.length} articles, ${(bytes / 1e6).toFixed(2)} MB of text, each matched once per fresh matcher; ${runs} runs; load average ${load()}):`);
console.log(`  unseen text (cold word cache):  ${stat(rates, 1)} MB/s  (goal ≥ 20 MB/s)`);
console.log(`    per CPU second (same runs):   ${stat(cpuRates, 1)} MB/s`);
console.log(`  same text again (warm cache):   ${stat(warm, 1)} MB/s`);
console.log(`  matcher from the trie cache:    ${stat(fromCache)} ms (per run, before its passes)`);
console.log(`  createMatcher (trie built):     ${stat(builds)} ms (after the passes)`);
console.log(`mentions per pass: ${mentions}; lexicon ${lex.entries.length} entries, release ${lex.release}`);
console.log(`memory: heapUsed ${(mem.heapUsed / 1e6).toFixed(0)} MB, rss ${(mem.rss / 1e6).toFixed(0)} MB`);

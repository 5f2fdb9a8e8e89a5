// Bench: the Orphanet lexicon's first-use compile and its cached load, each from a cold process.
// Goal (issue 9): cached load ≤ 300 ms. Each round spawns a fresh Node process that opens the lexicon the
// way every command does (openLexicon over the data locations), against a cache folder of its own.
// Usage: npx tsx scripts/bench/lexicon.ts [rounds]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rounds = Number(process.argv[2] ?? 5);
const ROOT = new URL('../../', import.meta.url).pathname;
const probe = `
  const t0 = performance.now();
  const { openLexicon } = await import('${ROOT}ontology/lexicon-cache.ts');
  const { resolveDataLocations } = await import('${ROOT}pipeline/core/data-locations.ts');
  const t1 = performance.now();
  const h = openLexicon(resolveDataLocations({ env: {} }));
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ built: h.built, openMs: t2 - t1, importMs: t1 - t0, entries: h.lexicon.entries.length, release: h.lexicon.release }));
`;

function once(cache: string): { built: boolean; openMs: number; importMs: number; entries: number; release: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache } });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const stats = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms (min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)})`; };
const compile: number[] = [];
const cached: number[] = [];
let info = '';
for (let i = 0; i < rounds; i++) {
  const cache = mkdtempSync(join(tmpdir(), 'mmrare-bench-lex-'));
  try {
    const a = once(cache);
    const b = once(cache);
    if (!a.built || b.built) throw new Error('expected a compile, then a cache hit');
    compile.push(a.openMs);
    cached.push(b.openMs);
    info = `release ${a.release}, ${a.entries} entries`;
  } finally { rmSync(cache, { recursive: true, force: true }); }
}
console.log(`lexicon (${info}), ${rounds} rounds, each a fresh process and a fresh cache folder`);
console.log(`  first use (compile from the release + write the cache): ${stats(compile)}`);
console.log(`  cached load:                                            ${stats(cached)}   goal ≤ 300 ms`);
console.log(`  ratio cached / compile: ${(cached.reduce((a, b) => a + b) / compile.reduce((a, b) => a + b)).toFixed(3)}`);

// Bench: full parseJats against a bare fast-xml-parser parse with the SAME options extraction uses
// (XML_PARSER_OPTIONS: preserveOrder, the safe entity decoder, the stop nodes), on the same files, in one run.
// Goal (issue 4): extraction ≤ 1.3 × that bare parse. Also printed, for scale: fast-xml-parser with its
// default options (a different, slower parse: it builds the subtrees extraction leaves unparsed).
// Rounds are interleaved; median (min–max) per round are printed, the ratio from the medians.
// Usage: npx tsx scripts/bench/extract.ts [rounds]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { XML_PARSER_OPTIONS } from '../../pipeline/extract/xml.ts';
import { loadavg } from 'node:os';
import { requireLocation, resolveDataLocations } from '../../pipeline/core/data-locations.ts';

const LOC = resolveDataLocations();
const rounds = Number(process.argv[2] ?? 15);

function corpus(): { name: string; xml: string; caseReport: boolean }[] {
  const out: { name: string; xml: string; caseReport: boolean }[] = [];
  const cases = requireLocation(LOC, 'articles', 'case reports (*.nxml)');
  for (const f of readdirSync(cases).filter((x) => x.endsWith('.nxml')).sort()) out.push({ name: f, xml: readFileSync(`${cases}/${f}`, 'utf8'), caseReport: true });
  const other = `${LOC.root}/pmc/articles-other/`; // the data dir's non-case articles
  if (existsSync(other)) for (const f of readdirSync(other).filter((x) => x.endsWith('.nxml')).sort()) out.push({ name: f, xml: readFileSync(other + f, 'utf8'), caseReport: false });
  return out;
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench(label: string, files: { name: string; xml: string }[]): void {
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.xml), 0);
  const same = new XMLParser(XML_PARSER_OPTIONS as never);
  const defaults = new XMLParser();
  const BARE = 'bare fast-xml-parser, extraction\'s options (XML_PARSER_OPTIONS)';
  const FULL = 'full parseJats (pre-scan + parse + walk + cases + sentences + refs + panels + modality)';
  const runs: Record<string, () => void> = {
    [BARE]: () => { for (const f of files) same.parse(f.xml); },
    [FULL]: () => { for (const f of files) parseJats(f.xml, { allowNoCase: true, pmcid: 'PMC1' }); },
    'for scale: bare fast-xml-parser, default options (builds the subtrees extraction leaves unparsed)': () => { for (const f of files) defaults.parse(f.xml); },
  };
  for (const fn of Object.values(runs)) fn(); // warm-up (JIT)
  const ms: Record<string, number[]> = {};
  // interleaved (A B C A B C …) so load from other processes hits all alike
  for (let r = 0; r < rounds; r++) for (const [k, fn] of Object.entries(runs)) (ms[k] ??= []).push(time(fn));
  const med = (k: string) => median(ms[k]);
  console.log(`\n== ${label}`);
  console.log(`files: ${files.length} JATS articles, ${(bytes / 1e6).toFixed(2)} MB; ${rounds} interleaved rounds; median (min–max) ms per round; node ${process.version}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const [k, v] of Object.entries(ms)) {
    console.log(`  ${med(k).toFixed(1).padStart(8)} (${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}) ms  ${(files.length / (med(k) / 1000)).toFixed(0).padStart(6)} articles/s  ${k}`);
  }
  console.log(`ratio full extraction / bare parse with the same options: ${(med(FULL) / med(BARE)).toFixed(3)} (median of rounds; goal ≤ 1.3)`);
  console.log(`share of extraction spent in its parse: ${((100 * med(BARE)) / med(FULL)).toFixed(0)} %  (the rest: pre-scan, walk, cases, sentences, kinds, references, panels, modality)`);
  console.log(`extraction throughput: ${(files.length / (med(FULL) / 1000)).toFixed(0)} articles/s, ${(bytes / 1e6 / (med(FULL) / 1000)).toFixed(1)} MB/s`);
}

const all = corpus();
const cases = all.filter((f) => f.caseReport);
if (cases.length) bench('the sample case reports (data dir pmc/articles)', cases);
bench('case reports + 81 non-case articles (research, review, …; larger, table-heavy)', all);

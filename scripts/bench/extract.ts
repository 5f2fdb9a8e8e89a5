// Bench: bare fast-xml-parser parse vs full parseJats on the same files, in one run.
// Goal (issue 4): extraction ≤ 1.3 × the bare parse. "Bare" = fast-xml-parser with its default options on
// the whole document. Also printed: the parse extraction itself runs (preserveOrder, safe entities, and the
// dropped parts — reference lists, author metadata — left unparsed), to show how the time splits.
// Usage: npx tsx scripts/bench/extract.ts [rounds]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { parseXml } from '../../pipeline/extract/xml.ts';
import { requireLocation, resolveDataLocations } from '../../pipeline/core/data-locations.ts';

const LOC = resolveDataLocations();
const rounds = Number(process.argv[2] ?? 15);

function corpus(): { name: string; xml: string }[] {
  const out: { name: string; xml: string }[] = [];
  const cases = requireLocation(LOC, 'articles', 'case reports (*.nxml)');
  for (const f of readdirSync(cases).filter((x) => x.endsWith('.nxml')).sort()) out.push({ name: f, xml: readFileSync(`${cases}/${f}`, 'utf8') });
  const other = `${LOC.root}/pmc/articles-other/`; // the data dir's non-case articles
  if (existsSync(other)) for (const f of readdirSync(other).filter((x) => x.endsWith('.nxml')).sort()) out.push({ name: f, xml: readFileSync(other + f, 'utf8') });
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
  const defaults = new XMLParser();
  const runs = {
    'bare fast-xml-parser (default options)': () => { for (const f of files) defaults.parse(f.xml); },
    'the parse inside extraction (preserveOrder, safe entities, ref-lists/author metadata unparsed)': () => { for (const f of files) parseXml(f.xml); },
    'full parseJats (pre-scan + parse + walk + cases + sentences + refs + panels + modality)': () => { for (const f of files) parseJats(f.xml, { allowNoCase: true, pmcid: 'PMC1' }); },
  };
  for (const fn of Object.values(runs)) fn(); // warm-up (JIT)
  const ms: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) for (const [k, fn] of Object.entries(runs)) (ms[k] ??= []).push(time(fn));
  // Rounds are interleaved (A B C A B C …) so load from other processes hits all three alike; the
  // minimum is the least disturbed round, the median is printed beside it.
  const best = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.min(...v)]));
  const med = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, median(v)]));
  const [bareDefault, bareSame, full] = Object.values(best);
  console.log(`\n== ${label}`);
  console.log(`files: ${files.length} JATS articles, ${(bytes / 1e6).toFixed(2)} MB; ${rounds} interleaved rounds; min (median) ms per round; node ${process.version}`);
  for (const [k, v] of Object.entries(best)) console.log(`  ${v.toFixed(1).padStart(8)} (${med[k].toFixed(1)}) ms  ${(files.length / (v / 1000)).toFixed(0).padStart(6)} articles/s  ${k}`);
  console.log(`ratio full extraction / bare parse (default options): ${(full / bareDefault).toFixed(3)} min, ${(med[Object.keys(med)[2]] / med[Object.keys(med)[0]]).toFixed(3)} median  (goal ≤ 1.3)`);
  console.log(`share of extraction spent in its own parse: ${((100 * bareSame) / full).toFixed(0)} %  (the rest: pre-scan, walk, cases, sentences, kinds, references, panels, modality)`);
  console.log(`extraction throughput: ${(files.length / (full / 1000)).toFixed(0)} articles/s, ${(bytes / 1e6 / (full / 1000)).toFixed(1)} MB/s`);
}

const all = corpus();
const cases = all.filter((f) => f.name.startsWith('PMC') && !f.name.endsWith('.nxml'));
if (cases.length) bench('the sample case reports (data dir pmc/articles)', cases);
bench('case reports + 81 non-case articles (research, review, …; larger, table-heavy)', all);

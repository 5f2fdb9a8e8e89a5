// `mmrare ontology …`: import, lookup, info, diagnose. Pure over its io sinks; returns an exit code.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { CaseDiagnosis } from '../../schemas/alignment.ts';
import { diagnoseArticle, matcherFor } from '../../ontology/diagnose/index.ts';
import { importOrphanet, serializeLexicon } from '../../ontology/import/index.ts';
import { loadLexicon, resolveAnswer } from '../../ontology/lexicon.ts';
import { importToCache, openLexicon } from '../../ontology/lexicon-cache.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { resolveDataLocations } from '../core/data-locations.ts';
import { loadConfig } from './globals.ts';
import { InputError } from '../core/errors.ts';
import { GLOBAL_OPTIONS, formatOptions, parseOptions, type OptionTable } from './options.ts';
import { reportError, UsageError } from './errors.ts';
import { didYouMean } from './suggest.ts';

export interface CliIo { out: (s: string) => void; err: (s: string) => void }

const HELP: Record<string, string> = {
  main: `Usage: mmrare ontology <command> [options]

Commands:
  import <files...> [--out FILE]     build the Orphanet lexicon (ORPHApackets tar.gz/json, product1 xml, Mondo sssom tsv)
  lookup "<text>" [--json]           dictionary matches in a text: codes, matched forms, methods, status
  info ORPHA:<code> [--json]         one lexicon entry
  diagnose FILE.nxml [--json]        each case's primary Orphanet diagnosis for one JATS file

Options (every ontology command):
  --lexicon FILE   a compiled lexicon (default: the Orphanet release of the data dir, compiled once and cached in
                   $XDG_CACHE_HOME/mmrare)
  --json           print the result as JSON
  --data-dir DIR   third-party data (default ../shared/data beside the project)
  --config FILE    a JSON config file (validated; its dataDir and data.* locations are used)
  --workdir DIR    accepted like everywhere, not used (the ontology commands need no store)
  --debug          a stack trace with any error
  --help           help for a sub-command: mmrare ontology lookup --help
Exit codes: 0 ok, 2 usage or config, 3 input (a file that is not there, an unknown code), 5 data missing (docs/cli.md)
Example: mmrare ontology lookup "a case of Klippel-Trénaunay syndrome"`,
  import: `Usage: mmrare ontology import <files...> [--out FILE]
Builds the lexicon from Orphanet files (ORPHApackets tar.gz/json, product1 xml, Mondo sssom tsv) as
deterministic gzip JSON. Without --out it goes into the cache ($XDG_CACHE_HOME/mmrare/lexicons) and becomes
the imported release: every command then uses it, unless you point at Orphanet files yourself (--data-dir,
$MMRARE_DATA_DIR, or "dataDir" / "data.orphanet" / "data.lexicon" in the config).
Example:
  mmrare ontology import ORPHApackets_json_2026-06-30.tar.gz mondo_exactmatch_*.sssom.tsv`,
  lookup: `Usage: mmrare ontology lookup "<text>" [--json] [--lexicon FILE]
Prints every dictionary match (code, name, matched form, method, score, context status); when there is
no exact match, fuzzy review candidates.
Example: mmrare ontology lookup "No evidence of haemophilia A; Wilson's disease type II was ruled out"`,
  info: `Usage: mmrare ontology info ORPHA:<code> [--json] [--lexicon FILE]
Prints one entry: names, type, level, status, parents, children, xrefs, prevalence and the answer rule.
Example: mmrare ontology info ORPHA:558`,
  diagnose: `Usage: mmrare ontology diagnose FILE.nxml [--json] [--min-confidence 0.5] [--include-non-rare] [--lexicon FILE]
Prints each case's primary diagnosis. JSON: {pmcid, cases:[{case, orpha_code, orpha_name, confidence, evidence, runners_up}]}
(orpha_code: digits, or null when not rare / not confident / no match).
Example: mmrare ontology diagnose ../shared/data/pmc/articles/PMC4739447.nxml --json`,
};

const COMMON: OptionTable = {
  ...GLOBAL_OPTIONS,
  json: { type: 'boolean', default: false, description: 'print the result as JSON' },
  lexicon: { type: 'string', value: 'FILE', description: 'a compiled lexicon (mmrare ontology import … --out FILE); default: the data dir\'s release, compiled once and cached' },
};
const SUBS = ['import', 'lookup', 'info', 'diagnose'];

/** The ontology sub-commands, in the CLI's error shape (`mmrare ontology <sub>: …`, exit codes of ./errors.ts). */
export async function ontologyCommand(argv: string[], io: CliIo): Promise<number> {
  // global options may come before the sub-command: `mmrare ontology --config c.json lookup …`
  const at = argv.findIndex((a) => SUBS.includes(a));
  const args = at > 0 && argv.slice(0, at).every((a, i) => a.startsWith('-') || argv[i - 1]?.startsWith('--')) ? [argv[at], ...argv.slice(0, at), ...argv.slice(at + 1)] : argv;
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { io.out(HELP.main); return cmd ? 0 : 2; }
  const debug = args.includes('--debug');
  try {
    switch (cmd) {
      case 'import': return cmdImport(rest, io);
      case 'lookup': return cmdLookup(rest, io);
      case 'info': return cmdInfo(rest, io);
      case 'diagnose': return await cmdDiagnose(rest, io);
      default:
        throw new UsageError(`unknown ontology command ${cmd}${didYouMean(cmd, SUBS)}; the commands are ${SUBS.join(', ')}`, 'ontology');
    }
  } catch (e) {
    return reportError(e, SUBS.includes(cmd) ? `ontology ${cmd}` : 'ontology', io.err, debug);
  }
}

const parse = (sub: string, argv: string[], extra: OptionTable = {}) => {
  const { values, positionals } = parseOptions(`ontology ${sub}`, argv, { ...COMMON, ...extra });
  // every ontology command validates --config, as every other command does
  if (!values.help) loadConfig(values);
  const helpText = [HELP[sub], '', 'Options:', ...formatOptions({ ...extra, ...COMMON })].join('\n');
  return { values, positionals, helpText };
};

/** --lexicon FILE, else the data locations' lexicon (compiled once per release, then cached). */
function lexiconFrom(values: Record<string, any>): Lexicon {
  if (values.lexicon) {
    if (!existsSync(values.lexicon)) throw new InputError(`--lexicon ${values.lexicon}: no such file`);
    return loadLexicon(values.lexicon);
  }
  const config = loadConfig(values);
  return openLexicon(resolveDataLocations({ flag: values['data-dir'] ?? null, config })).lexicon;
}

function cmdImport(argv: string[], io: CliIo): number {
  const { values, positionals, helpText } = parse('import', argv, { out: { type: 'string', short: 'o', value: 'FILE', description: 'write the compiled lexicon here instead of the cache' } });
  if (values.help) { io.out(helpText); return 0; }
  if (!positionals.length) throw new UsageError('no input files (ORPHApackets tar.gz/json, product1 xml, Mondo sssom tsv)', 'ontology import');
  for (const f of positionals) if (!existsSync(f)) throw new InputError(`${f}: no such file`);
  let lex: Lexicon;
  let out: string;
  if (values.out) {
    lex = importOrphanet(positionals);
    out = values.out;
    writeFileSync(out, serializeLexicon(lex));
  } else {
    ({ lexicon: lex, file: out } = importToCache(positionals));
  }
  const bytes = readFileSync(out);
  const count = (l: string) => lex.entries.filter((e) => e.level === l).length;
  const summary = {
    out, bytes: bytes.length, release: lex.release, version: lex.source.version, entries: lex.entries.length,
    disorders: count('disorder'), subtypes: count('subtype'), groups: count('group'),
    inactive: lex.entries.filter((e) => e.status !== 'active').length, nonRare: lex.entries.filter((e) => e.nonRare).length,
  };
  io.out(values.json ? JSON.stringify(summary) : Object.entries(summary).map(([k, v]) => `${k}: ${v}`).join('\n'));
  return 0;
}

function cmdLookup(argv: string[], io: CliIo): number {
  const { values, positionals, helpText } = parse('lookup', argv);
  if (values.help) { io.out(helpText); return 0; }
  const text = positionals.join(' ');
  if (!text) throw new UsageError('no text to look up, e.g. mmrare ontology lookup "Marfan syndrome"', 'ontology lookup');
  const lex = lexiconFrom(values);
  const matcher = matcherFor(lex);
  const mentions = matcher.match(text);
  const fuzzy = mentions.length ? [] : matcher.fuzzy(text, 5);
  if (values.json) { io.out(JSON.stringify({ release: lex.release, mentions, fuzzy })); return 0; }
  for (const m of mentions) {
    const e = lex.byCode.get(m.orphaCode)!;
    const ans = resolveAnswer(lex, m.orphaCode);
    io.out(`ORPHA:${m.orphaCode}\t${m.orphaName}\t[${e.type}]\t"${m.text}" @${m.start}-${m.end}\tform="${m.matchedForm}"\t${m.method}\tscore=${m.score}\t${m.status}` +
      (ans.code !== m.orphaCode ? `\tanswer=${ans.code ? 'ORPHA:' + ans.code : 'none'} (${ans.rules.map((r) => r.rule).join(',')})` : ''));
  }
  for (const f of fuzzy) io.out(`ORPHA:${f.code}\t${f.name}\tform="${f.form}"\tfuzzy\tscore=${f.score}\t(review candidate)`);
  if (!mentions.length && !fuzzy.length) io.out('no match');
  return 0;
}

function cmdInfo(argv: string[], io: CliIo): number {
  const { values, positionals, helpText } = parse('info', argv);
  if (values.help) { io.out(helpText); return 0; }
  const code = (positionals[0] ?? '').replace(/^ORPHA:/i, '');
  if (!/^\d+$/.test(code)) throw new UsageError(`expected ORPHA:<digits>, got ${JSON.stringify(positionals[0] ?? '')}`, 'ontology info');
  const lex = lexiconFrom(values);
  const e = lex.byCode.get(code);
  if (!e) throw new InputError(`ORPHA:${code} is not in Orphanet release ${lex.release}`);
  const ans = resolveAnswer(lex, code);
  if (values.json) { io.out(JSON.stringify({ release: lex.release, entry: e, answer: ans })); return 0; }
  const name = (c: string) => `ORPHA:${c} ${lex.byCode.get(c)?.name ?? '?'}`;
  const lines: [string, string][] = [
    ['code', `ORPHA:${e.code}`], ['name', e.name], ['synonyms', e.synonyms.join(' | ')], ['type', `${e.type} (${e.level})`],
    ['status', e.status + (e.movedTo.length ? ` -> ${e.movedTo.map(name).join(', ')}` : '')],
    ['answer', ans.code ? `${name(ans.code)}${ans.rules.length ? ' (' + ans.rules.map((r) => r.rule).join(', ') + ')' : ''}` : `none (${ans.rules.map((r) => r.rule).join(', ')})`],
    ['non-rare in Europe', String(e.nonRare)], ['parents', e.parents.map(name).join('; ')], ['children', e.children.map(name).join('; ')],
    ['OMIM', e.omim.join(', ')], ['MONDO', e.mondo.join(', ')], ['MeSH', e.mesh.join(', ')], ['UMLS', e.umls.join(', ')], ['ICD-10', e.icd10.join(', ')],
    ['genes', e.genes.join(', ')], ['prevalence', e.prevalence.join('; ')], ['onset', e.onset.join(', ')], ['inheritance', e.inheritance.join(', ')],
    ['release', `${lex.release} (${lex.source.version})`],
  ];
  for (const [k, v] of lines) if (v) io.out(`${k.padEnd(19)}${v}`);
  return 0;
}

export interface DiagnoseJson {
  pmcid: string;
  release: string;
  cases: { case: number; orpha_code: string | null; orpha_name: string | null; confidence: number; status: CaseDiagnosis['status']; reason: string | null; evidence: CaseDiagnosis['evidence']; runners_up: CaseDiagnosis['runnersUp'] }[];
}

async function cmdDiagnose(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, helpText } = parse('diagnose', argv, {
    'min-confidence': { type: 'string', value: 'X', description: 'the lowest confidence (0–1) to accept a diagnosis (default: the config\'s align.minConfidence)' },
    'include-non-rare': { type: 'boolean', default: false, description: 'also accept entries Orphanet flags as non-rare in Europe' },
  });
  if (values.help) { io.out(helpText); return 0; }
  const file = positionals[0];
  if (!file) throw new UsageError('no file, e.g. mmrare ontology diagnose article.nxml', 'ontology diagnose');
  if (!existsSync(file)) throw new InputError(`${file}: no such file`);
  if (statSync(file).isDirectory()) throw new InputError(`${file}: is a folder, expected a JATS file (.nxml)`);
  const minConfidence = values['min-confidence'] !== undefined ? Number(values['min-confidence']) : undefined;
  if (minConfidence !== undefined && !(minConfidence >= 0 && minConfidence <= 1)) throw new UsageError(`--min-confidence ${values['min-confidence']}: must be a number in [0, 1]`, 'ontology diagnose');
  // Imported lazily: the extractor is another module's code and only this command needs it.
  const { parseJats } = await import('../extract/jats.ts');
  const parsed = parseJats(readFileSync(file), { allowNoCase: true });
  if (!parsed.ok) throw new InputError(`${file}: not a usable JATS article (${parsed.reason}: ${parsed.detail})`);
  const lex = lexiconFrom(values);
  const { diagnoses } = diagnoseArticle(parsed.article, lex, { minConfidence, includeNonRare: values['include-non-rare'] });
  const json: DiagnoseJson = {
    pmcid: parsed.article.pmcid, release: lex.release,
    cases: diagnoses.map((d) => ({ case: d.caseIndex, orpha_code: d.orphaCode, orpha_name: d.orphaName, confidence: d.confidence, status: d.status, reason: d.reason, evidence: d.evidence, runners_up: d.runnersUp })),
  };
  if (values.json) { io.out(JSON.stringify(json, null, 2)); return 0; }
  io.out(`${json.pmcid} (Orphanet ${lex.release})`);
  for (const c of json.cases) {
    io.out(`case ${c.case}: ${c.orpha_code ? `ORPHA:${c.orpha_code} ${c.orpha_name}` : '-'}  [${c.status}${c.reason ? ': ' + c.reason : ''}] confidence ${c.confidence}`);
    for (const e of c.evidence.slice(0, 3)) io.out(`  evidence (${e.field}${e.sectionId ? ' ' + e.sectionId : ''}): ${e.text.slice(0, 160)}`);
    for (const r of c.runners_up.slice(0, 3)) io.out(`  runner-up: ORPHA:${r.orphaCode} ${r.orphaName} (${r.score})`);
  }
  return 0;
}
export const ONTOLOGY_HELP = HELP.main;

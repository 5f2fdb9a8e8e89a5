// Case-level Orphanet alignment measured like an outsider: the dev labels (../shared/data/labels/diagnoses.tsv)
// against `diagnoseArticle` on the labelled case reports, strict-code and clinically valid (hypernym rule in
// ontology/diagnose/hypernym.ts), per error class, a reliability table, and leave-one-out figures for the one
// fitted number (the confidence threshold). The CI test (tests/ontology/eval-alignment.test.ts) runs the same
// functions.
//
// Usage: npx tsx scripts/eval-alignment.ts [--json] [--data DIR] [--min-confidence X] [--chooser-errors RATE] [--help]
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { CaseDiagnosis } from '../schemas/alignment.ts';
import type { ParsedArticle } from '../schemas/article.ts';
import { defaultLexicon, openLexicon } from '../ontology/lexicon-cache.ts';
import type { Lexicon } from '../ontology/types.ts';
import { diagnoseArticle, matcherFor, REVIEW_FLOOR, type DiagnoseOptions } from '../ontology/diagnose/index.ts';
import { clinicallyValid } from '../ontology/diagnose/hypernym.ts';
import { answerPolicyOf, DEFAULT_MIN_CONFIDENCE, type AnswerPolicy } from '../ontology/diagnose/policy.ts';
import { parseJats } from '../pipeline/extract/jats.ts';
import { resolveDataLocations } from '../pipeline/core/data-locations.ts';

export interface LabelRow {
  pmcid: string; case: string; diagnosis_text: string; orpha_code: string; orpha_name: string;
  parent_code: string; match: string; rare: string; confidence: string; evidence: string; notes: string;
}

export function parseLabels(tsv: string): LabelRow[] {
  const [head, ...rows] = tsv.trim().split('\n').map((l) => l.split('\t'));
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])) as unknown as LabelRow);
}

export interface Gold {
  /** The disorder-level answer a perfect aligner gives under the answer policy, or null (no code is right). */
  strict: string | null;
  /** Every labelled code (also a group / excluded-type code): the targets of the clinically valid rule. */
  codes: string[];
  /** Why a labelled code is not a strict answer (group, particular clinical situation, non-rare). */
  note: string | null;
}

/**
 * The gold answer of one label row. exact / synonym / parent rows answer with their code, subtype rows with
 * the parent_code (subtypes are answered by their disorder, as the labels describe); group and none rows have
 * no answer. A code of a type the answer policy refuses (by default: particular clinical situations, non-rare
 * in Europe) has no answer either: the right output for that case is no code.
 */
export function goldOf(lex: Lexicon, row: LabelRow, policy: AnswerPolicy): Gold {
  const codes = [row.orpha_code, row.parent_code].filter(Boolean);
  if (row.match === 'none' || row.match === 'group' || !row.orpha_code) return { strict: null, codes, note: row.match === 'group' ? 'group' : null };
  const code = row.match === 'subtype' ? row.parent_code : row.orpha_code;
  const e = lex.byCode.get(code);
  if (!e) return { strict: null, codes, note: `ORPHA:${code} not in release ${lex.release}` };
  const refused = answerPolicyOf(policy).refuses(e);
  return refused ? { strict: null, codes, note: refused } : { strict: code, codes, note: null };
}

/** One article's outcome, computed once (the threshold is applied afterwards, so LOO costs nothing). */
export interface ArticleOutcome {
  pmcid: string;
  gold: Gold;
  /** The article's best candidate before the confidence gate (null: no candidate or refused by policy). */
  top: { code: string; confidence: number } | null;
  /** Status at the default threshold (accepted / needs_review / not_rare / no_match). */
  status: CaseDiagnosis['status'];
  /** Codes the aligner considered (top and runners-up), for the error classes. */
  candidates: string[];
  rules: string[];
  ms: number;
}

/** The article's candidate: the code most of its cases would accept (ties: the first case's), with its confidence. */
export function articleCandidate(diagnoses: CaseDiagnosis[]): { code: string; confidence: number } | null {
  const acc = diagnoses.filter((d) => d.status === 'accepted' && d.orphaCode);
  if (!acc.length) return null;
  const n = new Map<string, number>();
  for (const d of acc) n.set(d.orphaCode!, (n.get(d.orphaCode!) ?? 0) + 1);
  const code = [...n.entries()].sort((a, b) => b[1] - a[1] || acc.findIndex((d) => d.orphaCode === a[0]) - acc.findIndex((d) => d.orphaCode === b[0]))[0][0];
  return { code, confidence: acc.find((d) => d.orphaCode === code)!.confidence };
}

export interface Counts { tp: number; fp: number; fn: number; tn: number; positives: number; predictions: number; precision: number; recall: number; f1: number }

function counts(tp: number, fp: number, fn: number, tn: number, positives: number): Counts {
  const predictions = tp + fp;
  const precision = predictions ? tp / predictions : 1;
  const recall = positives ? (tp - 0) / positives : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, tn, positives, predictions, precision: r3(precision), recall: r3(recall), f1: r3(f1) };
}

export const ERROR_CLASSES = [
  'fp_on_negative',      // a code for a case whose right answer is no code
  'wrong_code_related',  // a positive got another code, clinically valid by the hypernym rule
  'wrong_code_unrelated',// a positive got an unrelated code
  'fn_gated',            // the right code was the top candidate but below the confidence threshold
  'fn_outranked',        // the right code was a runner-up
  'fn_refused',          // the right code was the top candidate but refused by policy (non-rare / type)
  'fn_no_candidate',     // the right code was never considered
] as const;
export type ErrorClass = typeof ERROR_CLASSES[number];

export interface Scored {
  strict: Counts;
  clinical: Counts;
  errors: Record<ErrorClass, number>;
  reviewLoad: number;   // cases sent to review (at this threshold) that had a candidate
  rows: { pmcid: string; gold: string | null; pred: string | null; confidence: number | null; verdict: string; cls: ErrorClass | null }[];
}

/** Scores outcomes at a confidence threshold (prediction = top candidate when confidence >= threshold). */
export function score(lex: Lexicon, outcomes: ArticleOutcome[], threshold: number): Scored {
  let tp = 0, fp = 0, fn = 0, tn = 0, positives = 0;
  let ctp = 0, cfp = 0, cfn = 0, ctpPos = 0;
  let reviewLoad = 0;
  const errors = Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as Record<ErrorClass, number>;
  const rows: Scored['rows'] = [];
  for (const o of outcomes) {
    const pred = o.top && o.top.confidence >= threshold ? o.top.code : null;
    if (o.top && !pred && o.top.confidence >= REVIEW_FLOOR) reviewLoad++; // below the floor a case is no match, not review
    const gold = o.gold.strict;
    if (gold) positives++;
    let cls: ErrorClass | null = null;
    if (pred && pred === gold) tp++;
    else {
      if (pred) fp++;
      if (gold) fn++;
      if (!pred && !gold) tn++;
      if (pred && !gold) cls = 'fp_on_negative';
      else if (pred && gold) cls = clinicallyValid(lex, pred, gold).valid ? 'wrong_code_related' : 'wrong_code_unrelated';
      else if (gold) {
        if (o.top?.code === gold) cls = 'fn_gated';
        else if (o.status === 'not_rare' && o.candidates[0] === gold) cls = 'fn_refused';
        else if (o.candidates.includes(gold)) cls = 'fn_outranked';
        else cls = 'fn_no_candidate';
      }
      if (cls) errors[cls]++;
    }
    // clinically valid: a code is right when the hypernym rule relates it to any labelled code of the row
    const cv = !!pred && o.gold.codes.some((g) => clinicallyValid(lex, pred, g).valid);
    if (pred) { if (cv) ctp++; else cfp++; }
    if (gold) { if (cv) ctpPos++; else cfn++; }
    rows.push({ pmcid: o.pmcid, gold, pred, confidence: o.top?.confidence ?? null, verdict: pred === gold ? 'ok' : cv ? 'valid' : 'ERR', cls });
  }
  const clinical = counts(ctp, cfp, cfn, tn, positives);
  clinical.recall = r3(positives ? ctpPos / positives : 1);
  clinical.f1 = r3(clinical.precision + clinical.recall ? (2 * clinical.precision * clinical.recall) / (clinical.precision + clinical.recall) : 0);
  return { strict: counts(tp, fp, fn, tn, positives), clinical, errors, reviewLoad, rows };
}

export interface ReliabilityBin { from: number; to: number; n: number; meanConfidence: number | null; shareCorrect: number | null }

export const BINS = [0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001];

/**
 * Reliability table: every article with a candidate, binned by its confidence; "correct" = the candidate is
 * the strict gold answer (a candidate on a case whose answer is no code is incorrect). Also the expected
 * calibration error (bin-weighted |share correct - mean confidence|) and the Brier score.
 */
export function reliability(outcomes: ArticleOutcome[]): { bins: ReliabilityBin[]; ece: number; brier: number; n: number } {
  const withTop = outcomes.filter((o) => o.top);
  const bins: ReliabilityBin[] = [];
  let ece = 0, brier = 0;
  for (let i = 0; i + 1 < BINS.length; i++) {
    const inBin = withTop.filter((o) => o.top!.confidence >= BINS[i] && o.top!.confidence < BINS[i + 1]);
    const correct = inBin.filter((o) => o.top!.code === o.gold.strict).length;
    const mean = inBin.length ? inBin.reduce((s, o) => s + o.top!.confidence, 0) / inBin.length : null;
    bins.push({ from: BINS[i], to: Math.min(1, BINS[i + 1]), n: inBin.length, meanConfidence: mean === null ? null : r3(mean), shareCorrect: inBin.length ? r3(correct / inBin.length) : null });
    if (inBin.length) ece += (inBin.length / withTop.length) * Math.abs(correct / inBin.length - mean!);
  }
  for (const o of withTop) brier += (o.top!.confidence - (o.top!.code === o.gold.strict ? 1 : 0)) ** 2;
  return { bins, ece: r3(ece), brier: r3(withTop.length ? brier / withTop.length : 0), n: withTop.length };
}

/**
 * The threshold a builder would fit on labelled data: the cut that maximises F0.5 (precision weighs twice
 * as much as recall, as a wrong benchmark answer costs more than a case sent to review); ties: the higher
 * cut, the safer side. Candidate cuts are 0 and the midpoints between observed confidences.
 */
export function fitThreshold(lex: Lexicon, outcomes: ArticleOutcome[]): number {
  const confs = [...new Set(outcomes.filter((o) => o.top).map((o) => o.top!.confidence))].sort((a, b) => a - b);
  const cuts = [0, ...confs.map((c, i) => (i + 1 < confs.length ? (c + confs[i + 1]) / 2 : c + 0.001))];
  let best = { t: 1.01, f: -1 };
  for (const t of cuts) {
    const s = score(lex, outcomes, t).strict;
    const f = s.precision + s.recall ? (1.25 * s.precision * s.recall) / (0.25 * s.precision + s.recall) : 0;
    if (f > best.f + 1e-12 || (Math.abs(f - best.f) <= 1e-12 && t > best.t)) best = { t, f };
  }
  return r3(best.t);
}

/** Leave-one-out: each article is predicted with the threshold fitted on the other articles. */
export function leaveOneOut(lex: Lexicon, outcomes: ArticleOutcome[]): { scored: Scored; thresholds: { min: number; max: number; median: number } } {
  const fitted: ArticleOutcome[] = [];
  const ts: number[] = [];
  for (let i = 0; i < outcomes.length; i++) {
    const t = fitThreshold(lex, outcomes.filter((_, j) => j !== i));
    ts.push(t);
    const o = outcomes[i];
    // the held-out article is predicted at its own fold's threshold: encode it as a gate on `top`
    fitted.push({ ...o, top: o.top && o.top.confidence >= t ? o.top : o.top ? { ...o.top, confidence: -1 } : null });
  }
  const sorted = [...ts].sort((a, b) => a - b);
  return { scored: score(lex, fitted, 0), thresholds: { min: sorted[0], max: sorted[sorted.length - 1], median: sorted[Math.floor(sorted.length / 2)] } };
}

export interface EvalOptions {
  /** The data root (labels/, pmc/articles/, orphanet/); default: --data-dir rules of pipeline/core/data-locations.ts. */
  dataDir?: string;
  lexicon?: Lexicon;
  policy?: AnswerPolicy;
  minConfidence?: number;
  /** Extra diagnose options (a chooser, for instance) and a hook called before each article. */
  diagnose?: (article: ParsedArticle, lex: Lexicon, opts: DiagnoseOptions, gold: Gold) => Promise<CaseDiagnosis[]> | CaseDiagnosis[];
}

export interface EvalReport {
  release: string;
  articles: number;
  positives: number;
  threshold: number;
  atThreshold: Scored;
  loo: { strict: Counts; clinical: Counts; errors: Record<ErrorClass, number>; thresholds: { min: number; max: number; median: number } };
  reliability: ReturnType<typeof reliability>;
  timing: { medianMs: number; p95Ms: number; maxMs: number; totalMs: number };
  outcomes: ArticleOutcome[];
}

/** Parses the labelled articles and runs the aligner once per article (at threshold 0: the gate is applied by `score`). */
export async function collectOutcomes(opts: EvalOptions = {}): Promise<{ lex: Lexicon; outcomes: ArticleOutcome[] }> {
  const loc = resolveDataLocations({ flag: opts.dataDir ?? null });
  const labelsPath = join(loc.paths.labels, 'diagnoses.tsv');
  const articlesDir = loc.paths.articles;
  if (!existsSync(labelsPath) || !existsSync(articlesDir)) throw new Error(`dev data not found under ${loc.root} (labels/diagnoses.tsv, pmc/articles/); pass --data DIR`);
  const lex = opts.lexicon ?? (opts.dataDir ? openLexicon(loc).lexicon : defaultLexicon());
  const policy = opts.policy ?? {};
  const labels = parseLabels(readFileSync(labelsPath, 'utf8'));
  const files = new Set(readdirSync(articlesDir));
  const matcher = matcherFor(lex);
  const outcomes: ArticleOutcome[] = [];
  // One-time work (matcher trie, fuzzy and derived-link indexes) is done before timing: the times are per article.
  const warm = parseJats(readFileSync(join(articlesDir, `${labels[0].pmcid}.nxml`)), { allowNoCase: true });
  if (warm.ok) { diagnoseArticle(warm.article, lex, { matcher }); matcher.fuzzy('warm up the trigram index'); }
  for (const row of labels) {
    if (!files.has(`${row.pmcid}.nxml`)) throw new Error(`no article for label row ${row.pmcid}`);
    const parsed = parseJats(readFileSync(join(articlesDir, `${row.pmcid}.nxml`)), { allowNoCase: true });
    if (!parsed.ok) throw new Error(`${row.pmcid}: ${parsed.reason}`);
    const gold = goldOf(lex, row, policy);
    const dopts: DiagnoseOptions = { ...policy, minConfidence: 0, matcher };
    const t0 = performance.now();
    const diagnoses = opts.diagnose ? await opts.diagnose(parsed.article, lex, dopts, gold) : diagnoseArticle(parsed.article, lex, dopts).diagnoses;
    const ms = performance.now() - t0;
    const top = articleCandidate(diagnoses);
    const d0 = diagnoses[0];
    const candidates = [...new Set(diagnoses.flatMap((d) => [d.orphaCode, ...d.runnersUp.map((r) => r.orphaCode)]).filter((c): c is string => !!c))];
    outcomes.push({ pmcid: row.pmcid, gold, top, status: d0.status, candidates, rules: [...new Set(diagnoses.flatMap((d) => d.rules.map((r) => r.rule)))], ms: r3(ms) });
  }
  return { lex, outcomes };
}

export async function evaluate(opts: EvalOptions = {}): Promise<EvalReport> {
  const { lex, outcomes } = await collectOutcomes(opts);
  const threshold = opts.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const loo = leaveOneOut(lex, outcomes);
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return {
    release: lex.release, articles: outcomes.length, positives: outcomes.filter((o) => o.gold.strict).length, threshold,
    atThreshold: score(lex, outcomes, threshold),
    loo: { strict: loo.scored.strict, clinical: loo.scored.clinical, errors: loo.scored.errors, thresholds: loo.thresholds },
    reliability: reliability(outcomes),
    timing: { medianMs: r1(ms[Math.floor(ms.length / 2)]), p95Ms: r1(ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))]), maxMs: r1(ms[ms.length - 1]), totalMs: r1(ms.reduce((a, b) => a + b, 0)) },
    outcomes,
  };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r1 = (x: number) => Math.round(x * 10) / 10;
const pct = (c: Counts) => `P ${c.precision.toFixed(3)} (${c.tp}/${c.predictions})  R ${c.recall.toFixed(3)} (of ${c.positives})  F1 ${c.f1.toFixed(3)}`;

export function formatReport(r: EvalReport): string {
  const out: string[] = [];
  out.push(`Orphanet ${r.release}; ${r.articles} labelled case reports, ${r.positives} with a disorder-level answer under the answer policy`);
  out.push('');
  out.push(`at threshold ${r.threshold} (not fitted to these labels):`);
  out.push(`  strict code       ${pct(r.atThreshold.strict)}`);
  out.push(`  clinically valid  ${pct(r.atThreshold.clinical)}`);
  out.push(`leave-one-out (threshold fitted on the other ${r.articles - 1}: ${r.loo.thresholds.min}–${r.loo.thresholds.max}, median ${r.loo.thresholds.median}):`);
  out.push(`  strict code       ${pct(r.loo.strict)}`);
  out.push(`  clinically valid  ${pct(r.loo.clinical)}`);
  out.push('');
  out.push(`errors by class (threshold ${r.threshold} | LOO):`);
  for (const c of ERROR_CLASSES) out.push(`  ${c.padEnd(22)} ${String(r.atThreshold.errors[c]).padStart(3)} | ${String(r.loo.errors[c]).padStart(3)}`);
  out.push(`  cases sent to review: ${r.atThreshold.reviewLoad}`);
  out.push('');
  out.push(`reliability (${r.reliability.n} articles with a candidate; correct = the strict gold code): ECE ${r.reliability.ece}, Brier ${r.reliability.brier}`);
  out.push('  confidence      n  mean conf  share correct');
  for (const b of r.reliability.bins) out.push(`  [${b.from.toFixed(1)}, ${b.to.toFixed(1)}${b.to >= 1 ? ']' : ')'}  ${String(b.n).padStart(5)}  ${b.meanConfidence === null ? '    -' : b.meanConfidence.toFixed(3).padStart(9)}  ${b.shareCorrect === null ? '    -' : b.shareCorrect.toFixed(3).padStart(13)}`);
  out.push('');
  out.push(`time per article (diagnoseArticle, lexicon and matcher built): median ${r.timing.medianMs} ms, p95 ${r.timing.p95Ms} ms, max ${r.timing.maxMs} ms`);
  out.push('');
  for (const row of r.atThreshold.rows) if (row.verdict !== 'ok' || row.gold) out.push(`  ${row.verdict.padEnd(5)} ${row.pmcid} gold=${row.gold ?? '-'} pred=${row.pred ?? '-'} conf=${row.confidence ?? '-'}${row.cls ? ' ' + row.cls : ''}`);
  return out.join('\n');
}

const HELP = `Usage: npx tsx scripts/eval-alignment.ts [options]

Measures the case-level primary ORPHA code on the dev labels (labels/diagnoses.tsv + pmc/articles/*.nxml):
strict-code and clinically valid precision / recall / F1 (a direct Orphanet parent or child with <= 10
descendant disorders counts as valid), errors by class, a reliability table (confidence bin -> share correct)
and leave-one-out figures for the fitted confidence threshold. Logs go to stderr, results to stdout.

Options:
  --data DIR              data root (default $MMRARE_DATA_DIR, else ../shared/data beside the project);
                          the lexicon is compiled from its orphanet/ folder (cached)
  --min-confidence X      threshold for the plain figures (default ${DEFAULT_MIN_CONFIDENCE})
  --allow-particular      particular clinical situations are answers (default: not)
  --include-non-rare      codes non-rare in Europe are answers (default: not)
  --chooser-errors RATE   also run the model-assisted choice against a loopback "model" that answers
                          from the dev labels and errs at RATE (0..1), and print what it changes
  --json                  the whole report as JSON
  -h, --help              this text

Example: npx tsx scripts/eval-alignment.ts --json > /tmp/eval.json`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, options: {
      help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' }, data: { type: 'string' }, 'min-confidence': { type: 'string' },
      'allow-particular': { type: 'boolean' }, 'include-non-rare': { type: 'boolean' }, 'chooser-errors': { type: 'string' },
    },
  });
  if (values.help) { process.stdout.write(HELP + '\n'); return 0; }
  const minConfidence = values['min-confidence'] !== undefined ? Number(values['min-confidence']) : undefined;
  if (minConfidence !== undefined && !(minConfidence >= 0 && minConfidence <= 1)) { process.stderr.write('--min-confidence must be in [0, 1]\n'); return 2; }
  const policy: AnswerPolicy = { allowParticularSituations: !!values['allow-particular'], includeNonRare: !!values['include-non-rare'] };
  const t0 = performance.now();
  const report = await evaluate({ dataDir: values.data, minConfidence, policy });
  process.stderr.write(`evaluated ${report.articles} articles in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  let chooser: unknown = null;
  if (values['chooser-errors'] !== undefined) {
    const rate = Number(values['chooser-errors']);
    if (!(rate >= 0 && rate <= 1)) { process.stderr.write('--chooser-errors must be in [0, 1]\n'); return 2; }
    const { chooserExperiment, formatChooser } = await import('./lib/chooser-experiment.ts');
    chooser = await chooserExperiment({ dataDir: values.data, policy, minConfidence: report.threshold, errorRate: rate, baseline: report });
    if (!values.json) process.stdout.write(formatReport(report) + '\n\n' + formatChooser(chooser as never) + '\n');
  } else if (!values.json) process.stdout.write(formatReport(report) + '\n');
  if (values.json) process.stdout.write(JSON.stringify({ ...report, chooser }, null, 2) + '\n');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e) => { process.stderr.write(`eval-alignment: ${(e as Error).message}\n`); process.exitCode = 1; });
}

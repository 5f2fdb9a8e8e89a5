// The alignment evaluation (scripts/eval-alignment.ts) on the dev labels, as CI runs it: it fails when the
// strict-code precision drops below 0.95 or the recall below 0.85, both at the default threshold (not fitted
// to these labels) and leave-one-out (the threshold fitted on the other articles). The pieces of the
// evaluation (gold rule, error classes, reliability table, threshold fitting) are tested on small inputs.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { clinicallyValid, descendantDisorders, HYPERNYM_MAX_DESCENDANTS } from '../../ontology/diagnose/hypernym.ts';
import { DEFAULT_MIN_CONFIDENCE } from '../../ontology/diagnose/policy.ts';
import { articleCandidate, evaluate, fitThreshold, formatReport, goldOf, leaveOneOut, reliability, score, type ArticleOutcome, type EvalReport, type LabelRow } from '../../scripts/eval-alignment.ts';
import { REPO_ROOT, SHARED_DATA, sharedPath } from '../shared-data.ts';
import { lexicon } from './helpers.ts';

let report: EvalReport | null = null;
async function devReport(): Promise<EvalReport> {
  sharedPath('labels/diagnoses.tsv'); // a clear failure when ../shared/data is missing
  return (report ??= await evaluate({ dataDir: SHARED_DATA, lexicon: lexicon() }));
}

describe('dev-set evaluation (48 labelled case reports)', () => {
  it('meets the goals: strict precision >= 0.95 and recall >= 0.85, plain and leave-one-out', async () => {
    const r = await devReport();
    console.log(formatReport(r));
    expect(r.articles).toBe(48);
    expect(r.threshold).toBe(DEFAULT_MIN_CONFIDENCE);
    expect(r.atThreshold.strict.precision).toBeGreaterThanOrEqual(0.95);
    expect(r.atThreshold.strict.recall).toBeGreaterThanOrEqual(0.85);
    expect(r.loo.strict.precision).toBeGreaterThanOrEqual(0.95);
    expect(r.loo.strict.recall).toBeGreaterThanOrEqual(0.85);
    // clinically valid is never below strict (every strict hit is valid)
    expect(r.atThreshold.clinical.tp).toBeGreaterThanOrEqual(r.atThreshold.strict.tp);
  });

  it('reports every error class, a reliability table over all candidates, and per-article times', async () => {
    const r = await devReport();
    const errors = Object.values(r.atThreshold.errors).reduce((a, b) => a + b, 0);
    expect(errors).toBe(r.atThreshold.strict.fp + r.atThreshold.strict.fn - r.atThreshold.errors.wrong_code_related - r.atThreshold.errors.wrong_code_unrelated);
    expect(r.reliability.bins.reduce((n, b) => n + b.n, 0)).toBe(r.reliability.n);
    expect(r.reliability.n).toBe(r.outcomes.filter((o) => o.top).length);
    expect(r.timing.medianMs).toBeGreaterThan(0);
    expect(r.outcomes.every((o) => o.ms >= 0)).toBe(true);
  });

  it('runs as a script: --help with an example, --json with the figures', () => {
    const tsx = `${REPO_ROOT}/node_modules/.bin/tsx`;
    const help = execFileSync(tsx, ['scripts/eval-alignment.ts', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(help).toMatch(/Usage: .*eval-alignment/);
    expect(help).toMatch(/Example: /);
    const json = JSON.parse(execFileSync(tsx, ['scripts/eval-alignment.ts', '--json', '--data', SHARED_DATA], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(json.articles).toBe(48);
    expect(json.atThreshold.strict).toMatchObject({ precision: expect.any(Number), recall: expect.any(Number), f1: expect.any(Number) });
    expect(json.loo.thresholds.min).toBeLessThanOrEqual(json.loo.thresholds.max);
  }, 120_000);
});

describe('clinically valid: a direct parent or child with <= 10 descendant disorders', () => {
  it('accepts the same code and a narrow direct parent or child, both ways', () => {
    const lex = lexicon();
    expect(clinicallyValid(lex, '756', '756')).toMatchObject({ valid: true, relation: 'same' });
    // Pseudohypoaldosteronism (group, 3 disorders) is the direct parent of PHA type 1
    expect(clinicallyValid(lex, '444916', '756')).toMatchObject({ valid: true, relation: 'parent', descendants: 3 });
    // the generalized subtype is a child of PHA1, which has no disorder below it
    expect(clinicallyValid(lex, 'ORPHA:171876', '756')).toMatchObject({ valid: true, relation: 'child', parent: '756' });
  });

  it('refuses a broad parent, a grandparent and unrelated codes', () => {
    const lex = lexicon();
    // a parent with more than 10 disorders below it: find one among Sarcoidosis' parents
    const broad = lex.byCode.get('797')!.parents.find((p) => descendantDisorders(lex, p) > HYPERNYM_MAX_DESCENDANTS)!;
    expect(broad).toBeDefined();
    expect(clinicallyValid(lex, broad, '797')).toMatchObject({ valid: false, relation: 'parent' });
    // grandparent: Rare cardiac tumor's parent is not a direct parent of 874
    const grand = lex.byCode.get('168194')!.parents[0];
    expect(lex.byCode.get('874')!.parents).not.toContain(grand);
    expect(clinicallyValid(lex, grand, '874').valid).toBe(false);
    expect(clinicallyValid(lex, '874', '797').valid).toBe(false);
    expect(clinicallyValid(lex, '874', '999999999').valid).toBe(false);
  });
});

describe('evaluation pieces', () => {
  const lex = lexicon();
  const row = (over: Partial<LabelRow>): LabelRow => ({ pmcid: 'PMC1', case: '1', diagnosis_text: '', orpha_code: '', orpha_name: '', parent_code: '', match: 'none', rare: 'no', confidence: 'high', evidence: '', notes: '', ...over });

  it('gold: subtype rows answer with their parent, groups and refused types with no code', () => {
    expect(goldOf(lex, row({ orpha_code: '171876', parent_code: '756', match: 'subtype' }), {})).toMatchObject({ strict: '756', codes: ['171876', '756'] });
    expect(goldOf(lex, row({ orpha_code: '98058', match: 'group' }), {}).strict).toBeNull();
    // Spinal cord injury is a "particular clinical situation": not an answer unless the policy allows it
    expect(goldOf(lex, row({ orpha_code: '90058', match: 'exact' }), {})).toMatchObject({ strict: null, note: 'particular_situation_not_answer' });
    expect(goldOf(lex, row({ orpha_code: '90058', match: 'exact' }), { allowParticularSituations: true }).strict).toBe('90058');
    expect(goldOf(lex, row({ orpha_code: '870', match: 'exact' }), {}).note).toBe('non_rare_excluded'); // Down syndrome
  });

  const o = (pmcid: string, gold: string | null, top: [string, number] | null, candidates: string[] = []): ArticleOutcome => ({
    pmcid, gold: { strict: gold, codes: gold ? [gold] : [], note: null }, top: top ? { code: top[0], confidence: top[1] } : null,
    status: 'accepted', candidates: top ? [top[0], ...candidates] : candidates, rules: [], ms: 1,
  });
  const outs = [o('a', '756', ['756', 0.9]), o('b', '797', ['797', 0.45]), o('c', null, ['874', 0.55]), o('d', '767', ['874', 0.8], ['767']), o('e', '29073', null), o('f', null, null)];

  it('error classes: gated, outranked, no candidate, false positive on a negative', () => {
    const s = score(lex, outs, 0.5);
    expect(s.strict).toMatchObject({ tp: 1, fp: 2, fn: 3, tn: 1, positives: 4 });
    expect(s.errors).toMatchObject({ fn_gated: 1, fp_on_negative: 1, wrong_code_unrelated: 1, fn_no_candidate: 1, fn_outranked: 0 });
    expect(s.reviewLoad).toBe(1);
  });

  it('the reliability table bins candidates by confidence and scores them against the gold code', () => {
    const r = reliability(outs);
    expect(r.n).toBe(4);
    const bin = (c: number) => r.bins.find((b) => c >= b.from && c < (b.to >= 1 ? 2 : b.to))!;
    expect(bin(0.9)).toMatchObject({ n: 1, shareCorrect: 1 });
    expect(bin(0.45)).toMatchObject({ n: 1, shareCorrect: 1 });
    expect(bin(0.55)).toMatchObject({ n: 1, shareCorrect: 0 });
  });

  it('fits the threshold on the training articles only (leave-one-out)', () => {
    // above 0.5 every candidate is right, below it every one is wrong: the fitted cut lies between
    const clean = [o('a', '1', ['1', 0.9]), o('b', '2', ['2', 0.7]), o('c', null, ['3', 0.3]), o('d', null, ['4', 0.2]), o('e', '5', ['5', 0.8])];
    const t = fitThreshold(lex, clean);
    expect(t).toBeGreaterThan(0.3);
    expect(t).toBeLessThanOrEqual(0.7);
    const loo = leaveOneOut(lex, clean);
    expect(loo.scored.strict).toMatchObject({ tp: 3, fp: 0 });
    // with few examples the held-out one pays for its fold's cut: b (0.6) is gated by the cut fitted on a and c,
    // c (a wrong 0.65) passes the cut fitted on a and b; at a fixed 0.5 both pass
    const thin = [o('a', '1', ['1', 0.9]), o('b', '2', ['2', 0.6]), o('c', null, ['3', 0.65])];
    expect(score(lex, thin, 0.5).strict).toMatchObject({ tp: 2, fp: 1 });
    expect(leaveOneOut(lex, thin).scored.strict).toMatchObject({ tp: 1, fp: 1 });
  });

  it('an article answers with the code most of its cases accept', () => {
    const d = (code: string | null, confidence: number) => ({ caseIndex: 1, orphaCode: code, orphaName: null, confidence, status: code ? 'accepted' as const : 'no_match' as const, reason: null, evidence: [], runnersUp: [], aliases: [], rules: [], link: null });
    expect(articleCandidate([d('1', 0.6), d('2', 0.9), d('2', 0.8)])).toEqual({ code: '2', confidence: 0.9 });
    expect(articleCandidate([d(null, 0)])).toBeNull();
  });
});

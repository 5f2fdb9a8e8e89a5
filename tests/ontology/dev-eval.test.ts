// Dev-set evaluation: precision and recall of the case-level primary ORPHA code over the 48 bundled
// case reports, against tests/fixtures/labels/diagnoses.tsv.
//
// Gold: a row's code counts as positive when it is a disorder-level answer (match exact / synonym /
// parent / subtype; subtype rows compare via parent_code, as the labels describe). Rows with no code
// (match=none) and group-only rows (match=group: groups are never answers by rule) are negatives.
// Prediction: the accepted code of the article's case(s) (needs_review / not_rare / no_match predict
// nothing). A wrong code on a positive is a false positive and a false negative.
import { describe, expect, it } from 'vitest';
import { CaseDiagnosis, Mention } from '../../schemas/alignment.ts';
import { diagnoseArticle } from '../../ontology/index.ts';
import { article, labels, lexicon } from './helpers.ts';

export interface DevResult { tp: number; fp: number; fn: number; tn: number; positives: number; precision: number; recall: number; rows: string[] }

export function evaluateDevSet(): DevResult {
  const lex = lexicon();
  let tp = 0, fp = 0, fn = 0, tn = 0, positives = 0;
  const rows: string[] = [];
  for (const l of labels()) {
    const gold = l.match === 'none' || l.match === 'group' || !l.orpha_code ? null : l.match === 'subtype' ? l.parent_code : l.orpha_code;
    const { diagnoses, mentions } = diagnoseArticle(article(l.pmcid), lex);
    for (const m of mentions) Mention.parse(m);
    for (const d of diagnoses) CaseDiagnosis.parse(d);
    // one label per article in this set ("1" or "all"): the article's prediction is the code most
    // of its cases accept (ties: the first case's)
    const accepted = diagnoses.filter((d) => d.status === 'accepted').map((d) => d.orphaCode!);
    const pred = mostCommon(accepted);
    if (gold) positives++;
    if (pred && pred === gold) tp++;
    else {
      if (pred) fp++;
      if (gold) fn++;
      if (!pred && !gold) tn++;
    }
    const d = diagnoses[0];
    rows.push(`${pred === gold ? 'ok ' : 'ERR'} ${l.pmcid} gold=${gold ?? '-'} (${l.match}) pred=${pred ?? '-'} [${d.status} ${d.confidence}]`);
  }
  return { tp, fp, fn, tn, positives, precision: tp + fp ? tp / (tp + fp) : 1, recall: positives ? tp / positives : 1, rows };
}

function mostCommon(xs: string[]): string | null {
  if (!xs.length) return null;
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || xs.indexOf(a[0]) - xs.indexOf(b[0]))[0][0];
}

describe('dev-set evaluation (48 case reports)', () => {
  it('reaches the precision goal and the measured recall floor', () => {
    const r = evaluateDevSet();
    console.log(`dev set: precision ${r.precision.toFixed(3)} (${r.tp}/${r.tp + r.fp}), recall ${r.recall.toFixed(3)} (${r.tp}/${r.positives}), ` +
      `tp=${r.tp} fp=${r.fp} fn=${r.fn} tn=${r.tn}\n${r.rows.join('\n')}`);
    expect(r.positives).toBe(20);
    expect(r.precision).toBeGreaterThanOrEqual(0.95);   // goal met
    // Measured 0.85 (17/20), the goal. The three misses are labels that map to a broader entry that neither
    // the text nor Orphanet's names or definitions connect (septic lateral sinus thrombosis -> Cerebral
    // sinovenous thrombosis, CMV infection -> CMV disease in immunocompromised patients, tuberculous
    // dactylitis -> Primary bone and joint tuberculosis). This floor is the measured value, so a regression fails.
    expect(r.recall).toBeGreaterThanOrEqual(0.85);
  });
});

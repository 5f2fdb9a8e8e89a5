// Optional model-assisted choice for the cases the rules leave uncertain (status needs_review). The chooser is
// injected (an interface, no I/O here): it sees the case's diagnosis sentences and the top-k candidates the
// matcher retrieved (names, synonyms, type, definition sentences) and may only pick one of them or "none".
// A pick makes the case accepted with that code (rule model_choice, link kind "model"); "none", an invalid
// answer or a failure leaves it in review with a rule note. Off by default (config align.chooser.enabled).
import type { CaseDiagnosis } from '../../schemas/alignment.ts';
import type { Lexicon } from '../types.ts';
import type { DiagnoseResult } from './index.ts';

export interface ChooserCandidate { code: string; name: string; synonyms: string[]; type: string; definition: string | null }

export interface ChooserRequest {
  /** "<pmcid>#<case>": for logs only, never part of the prompt or the cache key. */
  caseKey: string;
  sentences: string[];
  candidates: ChooserCandidate[];
}

export interface ChooserAnswer {
  /** A candidate code, or "none". */
  choice: string;
  model: string;
  promptVersion: string;
  cached: boolean;
}

export interface Chooser {
  readonly model: string;
  readonly promptVersion: string;
  choose(req: ChooserRequest): Promise<ChooserAnswer>;
}

/** A chooser's answer that is neither a candidate nor "none" (the case stays in review). */
export class InvalidChoiceError extends Error {
  constructor(message: string, readonly raw: string) { super(message); this.name = 'InvalidChoiceError'; }
}

export const MAX_SENTENCES = 8;
export const MAX_SENTENCE_CHARS = 400;
const MAX_SYNONYMS = 6;

/** Is a case one the chooser may settle? In review with at least one answer candidate. */
export function isUncertain(d: CaseDiagnosis): boolean {
  return d.status === 'needs_review' && d.runnersUp.length > 0;
}

/** The request for one uncertain case: its evidence sentences and its top-k candidates. */
export function chooserRequest(lex: Lexicon, caseKey: string, d: CaseDiagnosis, sentences: string[], topK: number): ChooserRequest | null {
  if (!isUncertain(d)) return null;
  const candidates = d.runnersUp.slice(0, topK).map((r) => lex.byCode.get(r.orphaCode)).filter((e) => !!e).map((e) => ({
    code: e!.code, name: e!.name, synonyms: e!.synonyms.slice(0, MAX_SYNONYMS), type: e!.type,
    definition: e!.typeSentences?.length ? e!.typeSentences.join(' ') : null,
  }));
  if (!candidates.length) return null;
  const seen = new Set<string>();
  const sents: string[] = [];
  for (const s of sentences) {
    const t = s.replace(/\s+/g, ' ').trim().slice(0, MAX_SENTENCE_CHARS);
    if (t && !seen.has(t)) { seen.add(t); sents.push(t); }
    if (sents.length >= MAX_SENTENCES) break;
  }
  return { caseKey, sentences: sents, candidates };
}

export interface ChooseOptions { topK?: number; pmcid?: string }
export interface ChooseOutcome { caseIndex: number; request: ChooserRequest; answer: ChooserAnswer | null; error: string | null }

/**
 * Applies a chooser to every uncertain case of a diagnose result. Returns the new diagnoses and what was asked.
 * Errors other than an invalid answer propagate (the caller decides: a transient one is retried later).
 */
export async function applyChooser(lex: Lexicon, result: DiagnoseResult, chooser: Chooser, opts: ChooseOptions = {}): Promise<{ diagnoses: CaseDiagnosis[]; outcomes: ChooseOutcome[] }> {
  const outcomes: ChooseOutcome[] = [];
  const diagnoses: CaseDiagnosis[] = [];
  for (const [i, d] of result.diagnoses.entries()) {
    const details = result.candidates[i] ?? [];
    // the best answer's sentences first, then each runner-up's, interleaved so every candidate is seen
    const lists = [d.evidence.map((e) => e.text), ...details.filter((c) => c.answer).map((c) => c.evidence)];
    const sentences: string[] = [];
    for (let k = 0; k < 6; k++) for (const l of lists) if (l[k]) sentences.push(l[k]);
    const req = chooserRequest(lex, `${opts.pmcid ?? ''}#${d.caseIndex}`, d, sentences, opts.topK ?? 5);
    if (!req) { diagnoses.push(d); continue; }
    let answer: ChooserAnswer | null = null, error: string | null = null;
    try { answer = await chooser.choose(req); } catch (e) {
      if (!(e instanceof InvalidChoiceError)) throw e;
      error = e.message;
    }
    outcomes.push({ caseIndex: d.caseIndex, request: req, answer, error });
    diagnoses.push(withChoice(lex, d, details, req, answer, error, chooser));
  }
  return { diagnoses, outcomes };
}

function withChoice(lex: Lexicon, d: CaseDiagnosis, details: DiagnoseResult['candidates'][number], req: ChooserRequest, answer: ChooserAnswer | null, error: string | null, chooser: Chooser): CaseDiagnosis {
  const who = `model ${answer?.model ?? chooser.model}, prompt ${answer?.promptVersion ?? chooser.promptVersion}`;
  const among = req.candidates.map((c) => `ORPHA:${c.code}`).join(', ');
  if (!answer) return { ...d, rules: [...d.rules, { rule: 'model_answer_invalid', detail: `${who}: ${error}` }] };
  if (answer.choice === 'none') return { ...d, rules: [...d.rules, { rule: 'model_chose_none', detail: `${who}: none of ${among}${answer.cached ? ' (cached)' : ''}` }] };
  const e = lex.byCode.get(answer.choice)!;
  const det = details.find((c) => c.code === answer.choice);
  const rules = d.rules.filter((r) => r.rule !== 'low_confidence_review' && r.rule !== 'fuzzy_candidate_review');
  rules.push({ rule: 'model_choice', detail: `${who} picked ORPHA:${e.code} "${e.name}" among ${among}${answer.cached ? ' (cached)' : ''}` });
  return {
    ...d, orphaCode: e.code, orphaName: e.name, status: 'accepted', reason: null,
    runnersUp: d.runnersUp.filter((r) => r.orphaCode !== e.code),
    evidence: det?.evidenceSpans ?? d.evidence,
    aliases: det?.aliases ?? [...new Set([e.name, ...e.synonyms])].sort(),
    rules,
    link: { kind: 'model', surface: d.link?.surface ?? e.name, chain: [...(det?.link?.chain ?? [{ code: null, name: e.name, relation: 'text' }]).filter((c) => c.relation !== 'answer'), { code: e.code, name: e.name, relation: 'model_choice' }] },
  };
}

// align: links each case to its primary Orphanet diagnosis (ontology/ does the matching and the
// choice; this file reads the parsed article and writes mentions, diagnoses and decisions).
// Uncertain cases become review items: a decision with action 'review' carrying the candidates in detail
// (code, name, score, evidence sentences), and the case_diagnoses row (status needs_review, runners-up).
// With align.chooser.enabled, uncertain cases are first put to the model-assisted choice (chooser.ts).
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf } from '../core/hash.ts';
import { pause, upstreamOutputs } from '../runner/runner.ts';
import { readParsedArticle } from '../../db/article-text.ts';
import type { Config } from '../../schemas/config.ts';
import { z } from 'zod';
import { CaseDiagnosis, Mention } from '../../schemas/alignment.ts';
import { diagnoseArticleStepwise, matcherFor, type Lexicon } from '../../ontology/index.ts';
import { applyChooser, type Chooser, type ChooseOutcome } from '../../ontology/diagnose/choose.ts';
import type { DiagnoseResult } from '../../ontology/diagnose/index.ts';
import { isRemoteError } from '../client/errors.ts';
import { chatClientFor } from '../client/chat.ts';
import { LlmCache } from '../client/llm-cache.ts';
import { ConfigError } from '../core/errors.ts';
import { llmHashSlice } from '../../schemas/config.ts';
import { createLlmChooser, loadChoosePrompt } from './chooser.ts';

// 2: answer policy (particular situations), all candidates compete, name variants, short references,
// background conditions, review items with candidates, case links, optional model choice.
export const ALIGN_VERSION = '2';

export const AlignOutput = z.object({ mentions: z.array(Mention), diagnoses: z.array(CaseDiagnosis) });
export type AlignOutput = z.infer<typeof AlignOutput>;

const ACTION_OF_STATUS: Record<string, DecisionInput['action']> = { needs_review: 'review', not_rare: 'drop', no_match: 'drop' };

export interface AlignDeps {
  /** A chooser to use instead of the HTTP one the config describes (tests). */
  chooser?: Chooser;
}

/** The chooser the config describes: the llm.align endpoint, answers cached in the store (llm_calls). */
function configuredChooser(ctx: StageContext): Chooser {
  const client = chatClientFor('align', ctx.config.llm, { cache: new LlmCache(ctx.store.db) });
  if (!client) throw new ConfigError('align.chooser.enabled needs an llm.align endpoint (baseUrl, model)');
  return createLlmChooser(client);
}

/** The config this stage's outputs depend on: the chooser's endpoint counts by model and sampling, only when on. */
export function alignConfigSlice(c: Config, release: string): unknown {
  const chooser = c.align.chooser.enabled
    ? { ...c.align.chooser, llm: llmHashSlice(c.llm.align), prompt: (({ name, version }) => ({ name, version }))(loadChoosePrompt()) }
    : { enabled: false };
  return { ...c.align, chooser, orphanetRelease: release };
}

/** Decisions for one article's diagnoses: rule notes as flags, uncertain cases as review items, the rest as drops. */
export function alignDecisions(result: Pick<DiagnoseResult, 'candidates'>, diagnoses: CaseDiagnosis[], chosen: ChooseOutcome[] = []): DecisionInput[] {
  const decisions: DecisionInput[] = [];
  for (const [i, d] of diagnoses.entries()) {
    for (const r of d.rules) {
      decisions.push({ action: 'flag', reason: r.rule, rule: `align.${r.rule}`, detail: { case: d.caseIndex, detail: r.detail, orphaCode: d.orphaCode } });
    }
    const asked = chosen.find((c) => c.caseIndex === d.caseIndex);
    if (d.link?.kind === 'broader' || d.link?.kind === 'model') {
      decisions.push({ action: 'flag', reason: `link_${d.link.kind}`, rule: `align.link.${d.link.kind}`, matchedText: d.link.surface, detail: { case: d.caseIndex, orphaCode: d.orphaCode ?? d.runnersUp[0]?.orphaCode ?? null, chain: d.link.chain } });
    }
    if (d.status === 'accepted') continue;
    const base = { reason: d.reason ?? `diagnosis_${d.status}`, rule: `align.diagnose.${d.status}` };
    if (d.status === 'needs_review') {
      // the review item: every candidate with its score and the sentences that name it
      const candidates = (result.candidates[i] ?? []).filter((c) => c.answer).slice(0, 5)
        .map((c) => ({ orphaCode: c.code, orphaName: c.name, score: c.score, refused: c.refused, evidence: c.evidence.slice(0, 3), spans: c.evidenceSpans.slice(0, 3), link: c.link }));
      decisions.push({
        action: 'review', ...base,
        detail: { case: d.caseIndex, confidence: d.confidence, best: d.runnersUp[0] ?? null, candidates: candidates.length ? candidates : d.runnersUp, model: asked ? { choice: asked.answer?.choice ?? null, model: asked.answer?.model ?? null, promptVersion: asked.answer?.promptVersion ?? null, error: asked.error } : null },
      });
    } else {
      decisions.push({
        action: ACTION_OF_STATUS[d.status] ?? 'drop', ...base,
        detail: { case: d.caseIndex, orphaCode: d.orphaCode, orphaName: d.orphaName, confidence: d.confidence, runnersUp: d.runnersUp.slice(0, 3) },
      });
    }
  }
  return decisions;
}

export function createAlignStage(lexicon: Lexicon, deps: AlignDeps = {}): Stage<{ pmcid: string }, AlignOutput> {
  let chooser: Chooser | null = deps.chooser ?? null;
  return {
    name: 'align',
    version: ALIGN_VERSION,
    reconcile: true,
    outputSchema: AlignOutput,
    configSlice: (c) => alignConfigSlice(c, lexicon.release),

    items(ctx) {
      // a chooser switched on without an endpoint is a configuration error for the whole run, not a drop per article
      if (ctx.config.align.chooser.enabled && !chooser && !ctx.config.llm.align) throw new ConfigError('align.chooser.enabled needs an llm.align endpoint (baseUrl, model)');
      return [...upstreamOutputs(ctx, 'extract')].map(([pmcid, h]) => ({ key: pmcid, inputHash: hashOf(h, lexicon.release), input: { pmcid }, pmcid }));
    },

    async process(item, ctx): Promise<ItemResult<AlignOutput>> {
      const article = readParsedArticle(ctx.store.db, item.key)!;
      const a = ctx.config.align;
      // stepwise: it yields between matching, the fuzzy fallback and each case, so a Ctrl-C stops it part-way
      const result = await diagnoseArticleStepwise(article, lexicon, {
        minConfidence: a.minConfidence,
        includeNonRare: !a.excludeNonRare,
        allowParticularSituations: a.allowParticularSituations,
        matcher: matcherFor(lexicon),
      }, () => pause(ctx));
      let diagnoses = result.diagnoses;
      let chosen: ChooseOutcome[] = [];
      if (a.chooser.enabled && diagnoses.some((d) => d.status === 'needs_review')) {
        chooser ??= configuredChooser(ctx);
        try {
          ({ diagnoses, outcomes: chosen } = await applyChooser(lexicon, result, chooser, { topK: a.chooser.topK, pmcid: item.key }));
        } catch (e) {
          // the endpoint is down or rate-limited after its retries: try this article again on the next run
          if (isRemoteError(e) && e.retryable) return { kind: 'transient', error: `align.chooser: ${e.code}: ${e.message}` };
          throw e;
        }
      }
      return {
        kind: 'output',
        output: { mentions: result.mentions, diagnoses },
        decisions: alignDecisions(result, diagnoses, chosen),
        attributes: Object.fromEntries(diagnoses.map((d) => [`case${d.caseIndex}.diagnosis`, { code: d.orphaCode, confidence: d.confidence, status: d.status, link: d.link?.kind ?? null }])),
      };
    },

    clear(ctx, key) {
      ctx.store.stmt('DELETE FROM mentions WHERE pmcid = ?').run(key);
      ctx.store.stmt('DELETE FROM case_diagnoses WHERE pmcid = ?').run(key);
    },

    write(ctx: StageContext, item: StageItem<{ pmcid: string }>, out: AlignOutput): string {
      const m = ctx.store.stmt(`INSERT INTO mentions (pmcid, ord, field, section_id, start_offset, end_offset, text, orpha_code, orpha_name, matched_form, method, score, status)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      out.mentions.forEach((x, i) => m.run(item.key, i, x.field, x.sectionId, x.start, x.end, x.text, x.orphaCode, x.orphaName, x.matchedForm, x.method, x.score, x.status));
      const d = ctx.store.stmt(`INSERT INTO case_diagnoses (pmcid, case_no, orpha_code, orpha_name, confidence, status, reason, evidence_json, runners_up_json, aliases_json, rules_json, link_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const x of out.diagnoses) {
        d.run(item.key, x.caseIndex, x.orphaCode, x.orphaName, x.confidence, x.status, x.reason, JSON.stringify(x.evidence),
          JSON.stringify(x.runnersUp), JSON.stringify(x.aliases), JSON.stringify(x.rules), x.link ? JSON.stringify(x.link) : null);
      }
      return hashOf(ALIGN_VERSION, out.diagnoses);
    },
  };
}

// align: links each case to its primary Orphanet diagnosis (ontology/ does the matching and the
// choice; this file reads the parsed article and writes mentions, diagnoses and decisions).
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf } from '../core/hash.ts';
import { upstreamOutputs } from '../runner/runner.ts';
import type { ParsedArticle } from '../../schemas/article.ts';
import { z } from 'zod';
import { CaseDiagnosis, Mention } from '../../schemas/alignment.ts';
import { diagnoseArticle, matcherFor, type Lexicon } from '../../ontology/index.ts';

export const ALIGN_VERSION = '1';

export const AlignOutput = z.object({ mentions: z.array(Mention), diagnoses: z.array(CaseDiagnosis) });
export type AlignOutput = z.infer<typeof AlignOutput>;

const ACTION_OF_STATUS: Record<string, DecisionInput['action']> = { needs_review: 'review', not_rare: 'drop', no_match: 'drop' };

export function createAlignStage(lexicon: Lexicon): Stage<{ pmcid: string }, AlignOutput> {
  return {
    name: 'align',
    version: ALIGN_VERSION,
    reconcile: true,
    outputSchema: AlignOutput,
    configSlice: (c) => ({ ...c.align, orphanetRelease: lexicon.release }),

    items(ctx) {
      return [...upstreamOutputs(ctx, 'extract')].map(([pmcid, h]) => ({ key: pmcid, inputHash: hashOf(h, lexicon.release), input: { pmcid }, pmcid }));
    },

    async process(item, ctx): Promise<ItemResult<AlignOutput>> {
      const row = ctx.store.db.prepare('SELECT parsed_json FROM article_text WHERE pmcid = ?').get(item.key) as { parsed_json: string };
      const article = JSON.parse(row.parsed_json) as ParsedArticle;
      const { mentions, diagnoses } = diagnoseArticle(article, lexicon, {
        minConfidence: ctx.config.align.minConfidence,
        includeNonRare: !ctx.config.align.excludeNonRare,
        matcher: matcherFor(lexicon),
      });
      const decisions: DecisionInput[] = [];
      for (const d of diagnoses) {
        for (const r of d.rules) {
          decisions.push({ action: 'flag', reason: r.rule, rule: `align.${r.rule}`, detail: { case: d.caseIndex, detail: r.detail, orphaCode: d.orphaCode } });
        }
        if (d.status !== 'accepted') {
          decisions.push({
            action: ACTION_OF_STATUS[d.status] ?? 'drop', reason: d.reason ?? `diagnosis_${d.status}`, rule: `align.diagnose.${d.status}`,
            detail: { case: d.caseIndex, orphaCode: d.orphaCode, orphaName: d.orphaName, confidence: d.confidence, runnersUp: d.runnersUp.slice(0, 3) },
          });
        }
      }
      return {
        kind: 'output',
        output: { mentions, diagnoses },
        decisions,
        attributes: Object.fromEntries(diagnoses.map((d) => [`case${d.caseIndex}.diagnosis`, { code: d.orphaCode, confidence: d.confidence, status: d.status }])),
      };
    },

    clear(ctx, key) {
      ctx.store.db.prepare('DELETE FROM mentions WHERE pmcid = ?').run(key);
      ctx.store.db.prepare('DELETE FROM case_diagnoses WHERE pmcid = ?').run(key);
    },

    write(ctx: StageContext, item: StageItem<{ pmcid: string }>, out: AlignOutput): string {
      const db = ctx.store.db;
      const m = db.prepare(`INSERT INTO mentions (pmcid, ord, field, section_id, start_offset, end_offset, text, orpha_code, orpha_name, matched_form, method, score, status)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      out.mentions.forEach((x, i) => m.run(item.key, i, x.field, x.sectionId, x.start, x.end, x.text, x.orphaCode, x.orphaName, x.matchedForm, x.method, x.score, x.status));
      const d = db.prepare(`INSERT INTO case_diagnoses (pmcid, case_no, orpha_code, orpha_name, confidence, status, reason, evidence_json, runners_up_json, aliases_json, rules_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const x of out.diagnoses) {
        d.run(item.key, x.caseIndex, x.orphaCode, x.orphaName, x.confidence, x.status, x.reason, JSON.stringify(x.evidence),
          JSON.stringify(x.runnersUp), JSON.stringify(x.aliases), JSON.stringify(x.rules));
      }
      return hashOf(ALIGN_VERSION, out.diagnoses);
    },
  };
}

// What the optional model-assisted choice changes on the dev set, driven by a loopback "model" that answers
// from the dev labels with a controlled error rate: for each uncertain case it picks the gold code when it is
// among the candidates (else "none"), and with probability `errorRate` errs instead (a wrong candidate, or a
// candidate when the gold answer is none). It proves the plumbing (prompt, HTTP client, cache, application of
// the answer) and bounds what a chooser can add; it says nothing about real models.
import { applyChooser } from '../../ontology/diagnose/choose.ts';
import { diagnoseArticle } from '../../ontology/diagnose/index.ts';
import type { AnswerPolicy } from '../../ontology/diagnose/policy.ts';
import type { Lexicon } from '../../ontology/types.ts';
import Database from 'better-sqlite3';
import { migrate } from '../../db/migrate.ts';
import { ChatClient } from '../../pipeline/client/chat.ts';
import { LlmCache } from '../../pipeline/client/llm-cache.ts';
import { createLlmChooser } from '../../pipeline/align/chooser.ts';
import { collectOutcomes, score, type ArticleOutcome, type Counts, type EvalReport, type Gold } from '../eval-alignment.ts';
import { lastUserText, startLoopbackOpenAi } from '../loopback-openai/server.ts';
import { seededRandom } from '../../pipeline/core/seeded-random.ts';

export interface ChooserExperiment {
  errorRate: number;
  asked: number;            // uncertain cases put to the "model"
  picked: number;           // answers that named a candidate
  pickedGold: number;
  pickedWrong: number;
  none: number;
  requests: number;         // HTTP requests made (a second pass is answered from the cache: 0)
  cachedSecondPass: number; // answers the second pass took from the cache
  before: { strict: Counts; clinical: Counts; reviewLoad: number };
  after: { strict: Counts; clinical: Counts; reviewLoad: number };
}

export async function chooserExperiment(o: { dataDir?: string; policy: AnswerPolicy; minConfidence: number; errorRate: number; baseline: EvalReport; seed?: number }): Promise<ChooserExperiment> {
  const random = seededRandom(o.seed ?? 11);
  let gold: Gold | null = null;
  const stats = { asked: 0, picked: 0, pickedGold: 0, pickedWrong: 0, none: 0 };
  const server = await startLoopbackOpenAi({
    handler: (req) => {
      const codes = candidateCodes(lastUserText(req));
      const right = gold?.strict && codes.includes(gold.strict) ? gold.strict : 'none';
      let choice = right;
      if (random() < o.errorRate) {
        const wrong = codes.filter((c) => c !== right);
        choice = right === 'none' ? codes[0] : wrong.length && random() < 0.5 ? wrong[Math.floor(random() * wrong.length)] : 'none';
      }
      return JSON.stringify({ choice: choice === 'none' ? 'none' : `ORPHA:${choice}` });
    },
  });
  const db = new Database(':memory:');
  migrate(db);
  const client = new ChatClient({
    use: 'align', cache: new LlmCache(db), env: {},
    endpoint: { baseUrl: server.url, model: 'loopback-dev-labels', apiKeyEnv: null, concurrency: 1, rps: 1000, timeoutMs: 10_000, maxRetries: 1, temperature: 0 },
  });
  const chooser = createLlmChooser(client);
  const after: ArticleOutcome[] = [];
  let cachedSecondPass = 0;
  let lexicon: Lexicon | null = null;
  try {
    for (const pass of [1, 2]) {
      const { outcomes, lex } = await collectOutcomes({
        dataDir: o.dataDir, policy: o.policy,
        diagnose: async (article, lex, dopts, g) => {
          gold = g;
          const result = diagnoseArticle(article, lex, { ...dopts, minConfidence: o.minConfidence });
          const { diagnoses, outcomes: asked } = await applyChooser(lex, result, chooser, { pmcid: article.pmcid });
          if (pass === 1) {
            for (const a of asked) {
              stats.asked++;
              if (!a.answer || a.answer.choice === 'none') { stats.none++; continue; }
              stats.picked++;
              if (a.answer.choice === g.strict) stats.pickedGold++; else stats.pickedWrong++;
            }
          } else cachedSecondPass += asked.filter((a) => a.answer?.cached).length;
          return diagnoses;
        },
      });
      // the chooser ran at the real threshold: an accepted case is a prediction whatever its confidence
      if (pass === 1) after.push(...outcomes.map((x) => ({ ...x, top: x.top ? { ...x.top, confidence: 1 } : null })));
      lexicon = lex;
    }
  } finally {
    await client.close();
    await server.close();
    db.close();
  }
  const b = score(lexicon!, o.baseline.outcomes, o.minConfidence), a = score(lexicon!, after, 0.5);
  const requests = server.requests();
  return {
    errorRate: o.errorRate, ...stats, requests, cachedSecondPass,
    before: { strict: b.strict, clinical: b.clinical, reviewLoad: b.reviewLoad },
    after: { strict: a.strict, clinical: a.clinical, reviewLoad: countReview(after) },
  };
}

function countReview(outs: ArticleOutcome[]): number {
  return outs.filter((x) => x.status === 'needs_review').length;
}

export function formatChooser(x: ChooserExperiment): string {
  const f = (c: Counts) => `P ${c.precision.toFixed(3)} (${c.tp}/${c.predictions})  R ${c.recall.toFixed(3)}  F1 ${c.f1.toFixed(3)}`;
  return [
    `model-assisted choice, loopback "model" answering from the dev labels with error rate ${x.errorRate}:`,
    `  uncertain cases asked ${x.asked}: picked ${x.picked} (gold ${x.pickedGold}, wrong ${x.pickedWrong}), none ${x.none}; HTTP requests ${x.requests}; second pass from cache ${x.cachedSecondPass}`,
    `  strict before  ${f(x.before.strict)}   review ${x.before.reviewLoad}`,
    `  strict after   ${f(x.after.strict)}   review ${x.after.reviewLoad}`,
    `  valid  before  ${f(x.before.clinical)}`,
    `  valid  after   ${f(x.after.clinical)}`,
  ].join('\n');
}

/** The candidate codes listed in a choose prompt ("- ORPHA:123 …" lines). */
export function candidateCodes(userText: string): string[] {
  return [...userText.matchAll(/^- ORPHA:(\d+) /gm)].map((m) => m[1]);
}

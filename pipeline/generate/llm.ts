// The model-backed generator of a track (`generate.generators.<track> = "llm"`). Where the context is cut,
// which images are shown or withheld and what the model may read stay the rules' decisions (they are the
// leak-critical part); the model writes the track's gold fields from the case's own sentences, through any
// OpenAI-compatible chat endpoint behind `GeneratorChat` (the client caches every call by content hash and
// limits its rate). Its output must quote the sentence each item comes from, or the item is left out, so
// every evidence pointer resolves; it never names a code (an output with an ORPHA/OMIM/ICD code is refused);
// for diagnosis it may only choose among the candidates the matcher found. Same draft schema as the rules,
// same leak filter afterwards.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Sentence } from '../../schemas/article.ts';
import type { DraftOf, EvidenceSource, GeneratorInfo, QuestionDraft, Track } from '../../schemas/question.ts';
import { imagePart, sniffImageType, type ChatClient } from '../client/chat.ts';
import { RemoteError } from '../client/errors.ts';
import { loadPrompt as loadPromptFile, renderPrompt, type Prompt } from '../client/prompts.ts';
import type { GenOutcome, TrackGenerator } from './generator.ts';
import { rulesGenerator } from './generator.ts';
import { sentenceSource, type CaseMaterial } from './material.ts';
import { treatmentTerms } from './treatment.ts';

export const LLM_GENERATOR_VERSION = '1';
export const PROMPTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'prompts');

/**
 * What a model-backed generator needs from a chat client: one JSON answer for a prompt, its variables and
 * the images shown (by the sha256 of their stored bytes). `transient` failures (429, 5xx, timeouts after
 * the client's retries) leave the item pending for the next run.
 */
export interface GeneratorChat {
  readonly model: string;
  completeJson(req: { prompt: Prompt; vars: Record<string, string>; images: { label: string; sha256: string }[] }):
    Promise<{ ok: true; value: unknown } | { ok: false; transient: boolean; error: string }>;
}

/** A track's prompt, a versioned data file (pipeline/generate/prompts/<track>.v<n>.md, the client's prompt format). */
export function loadPrompt(track: Track, version = '1', dir = PROMPTS_DIR): Prompt {
  return loadPromptFile(join(dir, `${track}.v${version}.md`));
}

/**
 * The port over the project's chat client (pipeline/client/chat.ts): images as data URLs read from the
 * store by sha256, JSON answers asked for and re-asked when unusable, every call cached in SQLite by
 * content hash (a rerun sends nothing). A transport failure the client gave up on is transient.
 */
export function chatPort(client: ChatClient, readBlob: (sha256: string) => Buffer): GeneratorChat {
  return {
    model: client.model,
    async completeJson(req) {
      const images = req.images.map((i) => { const bytes = readBlob(i.sha256); return imagePart(bytes, sniffImageType(bytes) ?? 'image/png'); });
      try {
        const out = await client.completeJson({ messages: renderPrompt(req.prompt, req.vars, images), params: { json: true }, prompt: req.prompt.ref }, (v: unknown) => v);
        return out.ok ? { ok: true, value: out.value } : { ok: false, transient: false, error: `unusable answer: ${out.error.message}` };
      } catch (e) {
        if (e instanceof RemoteError) return { ok: false, transient: e.retryable, error: `${e.code}: ${e.message}` };
        throw e;
      }
    },
  };
}

/** A code in a model's output: refused whole, since an answer code must come from the matcher, never a model. */
export const CODE_IN_OUTPUT = /\b(?:ORPHA(?:code)?|Orphanet|OMIM|MIM|ICD-?1[01]|ICD)\s*[:#_-]?\s*[A-Z]?\d[\d.]*/i;

const numbered = (ss: Sentence[]): string => ss.map((s) => `${s.index}: ${s.text}`).join('\n');

/** The quote's span in the sentence (case-insensitive, spaces folded), or null: an unsupported item is left out. */
export function quoteSource(m: CaseMaterial, sentence: number | null, quote: string): EvidenceSource | null {
  const s = m.sentences.find((x) => x.index === sentence);
  const q = quote.trim().replace(/\s+/g, ' ');
  if (!s || q.length < 2) return null;
  const at = s.text.replace(/\s+/g, ' ').toLowerCase().indexOf(q.toLowerCase());
  return at >= 0 && s.text.replace(/\s+/g, ' ') === s.text ? sentenceSource(s, at, at + q.length) : null;
}

const TreatmentOut = z.object({
  must_include: z.array(z.object({ item: z.string().min(1), kind: z.enum(['drug', 'procedure', 'follow_up']), dose: z.string().nullable().optional(), route: z.string().nullable().optional(), sentence: z.number().int(), quote: z.string() })),
  must_not: z.array(z.object({ item: z.string().min(1), reason: z.enum(['avoided', 'contraindicated', 'harmful']), sentence: z.number().int(), quote: z.string() })).default([]),
});
const ExaminationOut = z.object({
  key_tests: z.array(z.object({ name: z.string().min(1), sentence: z.number().int(), quote: z.string() })),
  red_flags: z.array(z.object({ item: z.string().min(1), sentence: z.number().int(), quote: z.string() })).default([]),
});
const CrossOut = z.object({
  claims: z.array(z.object({ image: z.string(), claim: z.string().min(1), sentence: z.number().int().nullable(), quote: z.string() })),
  relation: z.enum(['confirm', 'complement', 'contrast']),
  why: z.string(),
});
const DiagnosisOut = z.object({ candidate: z.number().int() });

type Refusal = { ok: false; reason: string; rule: string; detail: Record<string, unknown> };
const refuse = (reason: string, detail: Record<string, unknown>): Refusal => ({ ok: false, reason, rule: `generate.llm.${reason.replace(/^llm_/, '')}`, detail });

/** The model's answer fields on top of the rules' draft (cut, context, images stay). Pure: testable without a model. */
export function applyModelOutput(m: CaseMaterial, base: QuestionDraft, value: unknown, candidates: string[] = []): { ok: true; draft: QuestionDraft; unsupported: number } | Refusal {
  const code = CODE_IN_OUTPUT.exec(JSON.stringify(value));
  if (code) return refuse('llm_output_refused', { found: code[0], why: 'a model must not output a disease code' });
  let unsupported = 0;
  const keep = <T,>(x: T | null): x is T => { if (!x) unsupported++; return x !== null; };
  switch (base.track) {
    case 'diagnosis': {
      const p = DiagnosisOut.safeParse(value);
      if (!p.success) return refuse('llm_output_invalid', { issues: p.error.issues.slice(0, 3).map((i) => i.message) });
      const chosen = candidates[p.data.candidate];
      if (chosen === undefined) return refuse('llm_output_invalid', { candidate: p.data.candidate, candidates: candidates.length });
      // the answer code is align's; a model that reads the case otherwise sends it to review, it does not change it
      if (chosen !== m.diagnosis.name) return refuse('llm_disagrees_with_alignment', { chosen, aligned: m.diagnosis.name });
      return { ok: true, draft: base, unsupported };
    }
    case 'treatment': {
      const p = TreatmentOut.safeParse(value);
      if (!p.success) return refuse('llm_output_invalid', { issues: p.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) });
      const mustInclude = p.data.must_include.map((i) => {
        const source = quoteSource(m, i.sentence, i.quote);
        return source && { item: i.item, kind: i.kind, name: i.quote.trim(), dose: i.dose ?? null, route: i.route ?? null, conceptIds: [], source };
      }).filter(keep);
      const mustNot = p.data.must_not.map((i) => { const source = quoteSource(m, i.sentence, i.quote); return source && { item: i.item, reason: i.reason, cue: i.reason, source }; }).filter(keep);
      if (!mustInclude.some((i) => i.kind !== 'follow_up')) return refuse('llm_output_unusable', { unsupported });
      return { ok: true, unsupported, draft: { ...base, mustInclude, mustNot, answer: mustInclude.map((i) => i.item).join('; '), trackTerms: treatmentTerms(m, mustInclude) } };
    }
    case 'examination': {
      const p = ExaminationOut.safeParse(value);
      if (!p.success) return refuse('llm_output_invalid', { issues: p.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) });
      const keyTests = p.data.key_tests.map((k) => { const source = quoteSource(m, k.sentence, k.quote); return source && { name: k.name, surface: k.quote.trim(), source }; }).filter(keep)
        .map((k, i) => ({ ...k, order: i + 1, conceptIds: [], withheldImages: base.keyTests.find((b) => b.surface.toLowerCase() === k.surface.toLowerCase())?.withheldImages ?? [] }));
      const redFlags = p.data.red_flags.map((f) => { const source = quoteSource(m, f.sentence, f.quote); return source && { item: f.item, cue: 'model', source }; }).filter(keep);
      if (keyTests.length < m.options.minKeyTests) return refuse('llm_output_unusable', { keyTests: keyTests.length, unsupported });
      const trackTerms = keyTests.flatMap((k) => [k.surface, k.name].map((form) => ({ form, source: 'key_test' as const, concept: k.name })));
      return { ok: true, unsupported, draft: { ...base, keyTests, redFlags, answer: keyTests.map((k) => `${k.order}. ${k.name}`).join('; '), trackTerms } };
    }
    case 'cross-image': {
      const p = CrossOut.safeParse(value);
      if (!p.success) return refuse('llm_output_invalid', { issues: p.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) });
      const mainline = p.data.claims.map((c) => {
        const im = base.images.find((i) => i.label === c.image);
        const source = c.sentence === null ? null : quoteSource(m, c.sentence, c.quote);
        return im && source ? { claim: c.claim, images: [im.imageId], sources: [source] } : null;
      }).filter(keep);
      if (mainline.length < 2) return refuse('llm_output_unusable', { claims: mainline.length, unsupported });
      const forbiddenText = [...base.forbiddenText.filter((f) => f.source === 'caption'), ...mainline.map((c) => ({ text: c.claim, source: 'finding' as const, ref: c.images[0] }))];
      return { ok: true, unsupported, draft: { ...base, mainline, forbiddenText, relation: { type: p.data.relation, rule: 'relation.model', detail: p.data.why }, answer: `${mainline.map((c) => `${base.images.find((i) => i.imageId === c.images[0])!.label}: ${c.claim}`).join(' ')} Relation: ${p.data.relation}.` } };
    }
  }
}

/** What the model reads for a track: the sentences its gold fields come from (never the abstract or title). */
function promptVars(m: CaseMaterial, d: QuestionDraft, candidates: string[]): Record<string, string> {
  const cut = d.cut?.beforeSentence ?? 0;
  switch (d.track) {
    case 'treatment': return { sentences: numbered(m.sentences.filter((s) => s.index >= cut && s.kind !== 'discussion')) };
    case 'examination': {
      const last = Math.max(...d.keyTests.map((k) => (k.source.kind === 'sentence' ? k.source.sentence : 0)));
      return { sentences: numbered(m.sentences.filter((s) => s.index >= cut && s.index <= last + 1)) };
    }
    case 'cross-image': return {
      images: d.images.map((im) => {
        const fig = m.figures.find((f) => f.id === im.figureId);
        const ss = m.sentences.filter((s) => s.figureRefs.some((r) => r.figureId === im.figureId));
        return `${im.label}${im.panel ? ` (panel ${im.panel})` : ''}:\n${numbered(ss)}\ncaption: ${fig?.caption ?? ''}`;
      }).join('\n\n'),
    };
    case 'diagnosis': return {
      sentences: m.diagnosis.statements.map((s) => s.text).join('\n') || numbered(m.sentences.filter((s) => s.kind === 'diagnosis')),
      candidates: candidates.map((c, i) => `${i}: ${c}`).join('\n'),
    };
  }
}

/** The candidates a diagnosis model may choose among: the matcher's answer and every other entry it found in the body. */
export function candidatesOf(m: CaseMaterial): string[] {
  return [...new Set([m.diagnosis.name, ...m.mentions.map((x) => x.orphaName).filter((n): n is string => Boolean(n))])];
}

export function llmGenerator<T extends Track>(track: T, chat: GeneratorChat, opts: { promptVersion?: string; promptsDir?: string } = {}): TrackGenerator<T> {
  const prompt = loadPrompt(track, opts.promptVersion ?? '1', opts.promptsDir);
  for (const v of prompt.variables) if (!['sentences', 'images', 'candidates'].includes(v)) throw new Error(`prompt ${prompt.name}: unknown variable {{${v}}}`);
  const info: GeneratorInfo = { kind: 'llm', version: LLM_GENERATOR_VERSION, model: chat.model, promptVersion: `${prompt.name}@${prompt.version}#${prompt.hash.slice(0, 12)}` };
  const rules = rulesGenerator(track);
  return {
    track, info,
    async generate(m): Promise<GenOutcome<T>> {
      const base = await rules.generate(m);
      if (!base.ok) return base;
      const draft = base.draft as QuestionDraft;
      const candidates = candidatesOf(m);
      const images = [...new Map(draft.images.map((i) => [i.normSha, { label: i.label, sha256: i.normSha }])).values()];
      const res = await chat.completeJson({ prompt, vars: promptVars(m, draft, candidates), images });
      if (!res.ok) return res.transient ? { ok: false, transient: true, error: res.error } : refuse('llm_call_failed', { error: res.error.slice(0, 200) });
      const out = applyModelOutput(m, draft, res.value, candidates);
      if (!out.ok) return out;
      const notes = out.unsupported ? [{ reason: 'llm_item_unsupported', rule: 'generate.llm.quote_required', detail: { leftOut: out.unsupported } }] : [];
      return { ok: true, draft: { ...out.draft, generator: info } as DraftOf<T>, notes };
    },
  };
}

// What a model is shown for one question under one condition: only model-visible text (schemas/export.ts
// MODEL_VISIBLE_FIELDS: question, context, image labels) and the images, in order, each after its label.
// The ablation conditions (DESIGN §8) change only what goes in; captions come from extract's figures table.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imagePart, type ChatMessage, type ChatPart } from '../client/chat.ts';
import { loadPrompt, renderPrompt, type Prompt } from '../client/prompts.ts';
import type { Track } from '../../schemas/question.ts';

export const CONDITIONS = ['baseline', 'text-only', 'images-only', 'captions-only', 'findings-disclosed'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** Per condition: images shown, context shown, captions given as text. */
export const CONDITION_PARTS: Record<Condition, { images: boolean; context: boolean; captions: boolean }> = {
  baseline: { images: true, context: true, captions: false },
  'text-only': { images: false, context: true, captions: false },
  'images-only': { images: true, context: false, captions: false },
  'captions-only': { images: false, context: true, captions: true },
  'findings-disclosed': { images: true, context: true, captions: true },
};

export const PROMPTS_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'prompts');

const cache = new Map<string, Prompt>();
export function evalPrompt(name: string): Prompt {
  let p = cache.get(name);
  if (!p) { p = loadPrompt(join(PROMPTS_DIR, `${name}.md`)); cache.set(name, p); }
  return p;
}

export const answerPromptName = (track: Track, differential: boolean): string =>
  track === 'diagnosis' && differential ? 'answer-diagnosis-differential' : `answer-${track}`;

export interface ShownImage { label: string; sha256: string; id: string; panel: string | null }

export interface RequestInput {
  track: Track;
  question: string;
  context: string;
  images: ShownImage[];
  condition: Condition;
  differential: boolean;
  /** image id → caption text (captions-only, findings-disclosed) */
  captions?: Map<string, string>;
  readImage: (sha256: string) => Buffer;
}

export function buildAnswerRequest(inp: RequestInput): { messages: ChatMessage[]; prompt: Prompt } {
  const parts = CONDITION_PARTS[inp.condition];
  const prompt = evalPrompt(answerPromptName(inp.track, inp.differential));
  let caseText = '';
  if (parts.context && inp.context.trim()) caseText += `Case:\n${inp.context.trim()}\n\n`;
  if (parts.captions) {
    const lines = inp.images.map((im) => `${im.label}${im.panel ? ` (panel ${im.panel})` : ''}: ${inp.captions?.get(im.id) ?? '(no caption)'}`);
    caseText += `Image descriptions (the figure captions):\n${lines.join('\n')}\n\n`;
  }
  const images: ChatPart[] = [];
  if (parts.images) {
    for (const im of inp.images) {
      images.push({ type: 'text', text: `${im.label}:` });
      images.push(imagePart(inp.readImage(im.sha256)));
    }
  }
  return { messages: renderPrompt(prompt, { case_text: caseText, question: inp.question }, images), prompt };
}

// ---------------------------------------------------------------- the judge's request

const list = (xs: readonly string[]): string => (xs.length ? xs.map((x) => `- ${x}`).join('\n') : '(none)');

/** The gold side the judge sees, per track (never the model: only the judge gets gold fields). */
export function judgeVariables(track: Track, row: Record<string, any>, answer: string): Record<string, string> {
  const base = { question: String(row.question), answer };
  switch (track) {
    case 'diagnosis':
      return { ...base, reference: String(row.answer), aliases: ([...new Set([...(row.answer_aliases ?? []), ...(row.orpha_aliases ?? [])])] as string[]).join('; ') || '(none)', category: String(row.category ?? '') || '(unknown)' };
    case 'treatment':
      return { ...base, reference: list((row.rubric_must_include as { item: string }[]).map((i) => i.item)), must_not: list((row.rubric_must_not ?? []).map((i: { item: string; reason: string }) => `${i.item} (${i.reason})`)) };
    case 'cross-image': {
      const labelOf = new Map<string, string>((row.images as { id: string; label: string }[]).map((i) => [i.id, i.label]));
      return { ...base, relation: String(row.relation_type), reference: list((row.golden_mainline as { claim: string; images: string[] }[]).map((g) => `${g.images.map((i) => labelOf.get(i) ?? i).join(', ')}: ${g.claim}`)) };
    }
    case 'examination':
      return { ...base, reference: list((row.key_test_names as string[]).map((t, i) => `${i + 1}. ${t}`)), red_flags: (row.red_flags_to_rule_out ?? []).map((r: { item: string }) => r.item).join('; ') || '(none)', must_not: (row.must_not ?? []).map((r: { item: string }) => r.item).join('; ') || '(none)' };
  }
}

export function buildJudgeRequest(track: Track, row: Record<string, any>, answer: string): { messages: ChatMessage[]; prompt: Prompt } {
  const prompt = evalPrompt(`judge-${track}`);
  return { messages: renderPrompt(prompt, judgeVariables(track, row, answer)), prompt };
}

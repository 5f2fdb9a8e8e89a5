// The model-assisted choice over the project's chat client (pipeline/client/chat.ts): the `llm.align` endpoint
// of the config, its budget, retries (429 / 5xx / resets / cut or malformed bodies) and its response cache in the
// store (llm_calls: a rerun asks nothing twice), with the versioned prompt prompts/choose.md. A reply that is not
// one of the offered codes or "none" is re-asked (bounded, llm.maxParseRetries); still unusable, it is an
// InvalidChoiceError and the case stays in review. The interface and the rules for applying an answer live in
// ontology/diagnose/choose.ts.
import { fileURLToPath } from 'node:url';
import { InvalidChoiceError, type Chooser, type ChooserAnswer, type ChooserRequest } from '../../ontology/diagnose/choose.ts';
import type { ChatClient, ChatMessage } from '../client/chat.ts';
import { loadPrompt as loadPromptFile, renderPrompt, type Prompt } from '../client/prompts.ts';

export const CHOOSE_PROMPT_PATH = fileURLToPath(new URL('./prompts/choose.md', import.meta.url));

export function loadChoosePrompt(path: string = CHOOSE_PROMPT_PATH): Prompt {
  return loadPromptFile(path);
}

/** The messages for one request (pure). */
export function chooseMessages(p: Prompt, req: ChooserRequest): ChatMessage[] {
  const sentences = req.sentences.map((s, i) => `${i + 1}. ${s}`).join('\n');
  const candidates = req.candidates.map((c) => `- ORPHA:${c.code} "${c.name}" (${c.type})` +
    (c.synonyms.length ? `; synonyms: ${c.synonyms.join('; ')}` : '') + (c.definition ? `; definition: ${c.definition}` : '')).join('\n');
  return renderPrompt(p, { sentences: sentences || '(none)', candidates });
}

/**
 * The parser of a reply's JSON: {"choice": "ORPHA:<code>" | "<code>" | "none"} with a code among `codes`.
 * Returns the digits or "none"; throws (a schema error, so the client re-asks) for anything else.
 */
export function choiceParser(codes: string[]): (v: unknown) => string {
  return (v) => {
    const choice = (v as { choice?: unknown } | null)?.choice;
    if (typeof choice !== 'string') throw new Error('the reply has no "choice" string');
    if (/^none$/i.test(choice.trim())) return 'none';
    const code = choice.trim().replace(/^ORPHA:/i, '');
    if (!codes.includes(code)) throw new Error(`"${choice}" is not one of the candidates (${codes.map((c) => `ORPHA:${c}`).join(', ')})`);
    return code;
  };
}

/** A Chooser over a chat client for the `align` use. */
export function createLlmChooser(client: ChatClient, prompt: Prompt = loadChoosePrompt()): Chooser {
  const promptVersion = `${prompt.name}@${prompt.version}`;
  return {
    model: client.model,
    promptVersion,
    async choose(req: ChooserRequest): Promise<ChooserAnswer> {
      const codes = req.candidates.map((c) => c.code);
      const out = await client.completeJson({ messages: chooseMessages(prompt, req), prompt: prompt.ref, params: { json: true } }, choiceParser(codes));
      if (!out.ok) throw new InvalidChoiceError(out.error.message, out.result.content.slice(0, 200));
      return { choice: out.value, model: client.model, promptVersion, cached: out.result.cached };
    },
  };
}

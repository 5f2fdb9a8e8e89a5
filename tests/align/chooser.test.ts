// The optional model-assisted choice: the prompt, the answer parser, the chooser over the project's chat client
// against the loopback OpenAI-compatible server started here (429, 5xx, malformed and cut bodies, slow replies,
// invalid answers re-asked, the response cache in the store), and how an answer changes a real uncertain case.
import { afterAll, describe, expect, it } from 'vitest';
import { applyChooser, chooserRequest, InvalidChoiceError, type Chooser, type ChooserRequest } from '../../ontology/diagnose/choose.ts';
import { diagnoseArticle } from '../../ontology/diagnose/index.ts';
import { choiceParser, chooseMessages, createLlmChooser, loadChoosePrompt } from '../../pipeline/align/chooser.ts';
import { ChatClient, type ChatEndpoint } from '../../pipeline/client/chat.ts';
import { LlmCache } from '../../pipeline/client/llm-cache.ts';
import { RemoteError } from '../../pipeline/client/errors.ts';
import { Store } from '../../db/store.ts';
import { lastUserText, startLoopbackOpenAi, type Fault, type LoopbackOpenAi, type LoopbackOpenAiOptions } from '../../scripts/loopback-openai/server.ts';
import { candidateCodes } from '../../scripts/lib/chooser-experiment.ts';
import { tempDir } from '../helpers.ts';
import { article, lexicon } from '../ontology/helpers.ts';

const req: ChooserRequest = {
  caseKey: 'PMC1#1',
  sentences: ['The final diagnosis was Lemierre syndrome.', 'Fusobacterium necrophorum grew in blood cultures.'],
  candidates: [
    { code: '137839', name: 'Lemierre syndrome', synonyms: ['Postanginal sepsis'], type: 'Disease', definition: null },
    { code: '3389', name: 'Tuberculosis', synonyms: [], type: 'Clinical group', definition: null },
  ],
};

describe('prompt and answer', () => {
  it('the prompt is a versioned data file with the sentences and every candidate', () => {
    const p = loadChoosePrompt();
    expect(p.ref).toMatchObject({ name: 'align-choose', version: '1' });
    const [system, user] = chooseMessages(p, req);
    expect(system).toMatchObject({ role: 'system' });
    expect(system.content).toMatch(/"none"/);
    expect(user.content).toContain('1. The final diagnosis was Lemierre syndrome.');
    expect(user.content).toContain('- ORPHA:137839 "Lemierre syndrome" (Disease); synonyms: Postanginal sepsis');
    expect(candidateCodes(user.content as string)).toEqual(['137839', '3389']);
  });

  it('takes only a candidate or "none"', () => {
    const parse = choiceParser(['137839', '3389']);
    expect(parse({ choice: 'ORPHA:137839' })).toBe('137839');
    expect(parse({ choice: '3389' })).toBe('3389');
    expect(parse({ choice: 'None' })).toBe('none');
    expect(() => parse({ choice: 'ORPHA:558' })).toThrow(/not one of the candidates/);
    expect(() => parse({ choice: 137839 })).toThrow(/no "choice" string/);
    expect(() => parse(null)).toThrow();
  });
});

describe('the chooser over the chat client, against a loopback OpenAI-compatible server', () => {
  const open: LoopbackOpenAi[] = [];
  const cleanups: (() => void)[] = [];
  afterAll(async () => { for (const s of open) await s.close(); cleanups.forEach((c) => c()); });
  const answer = (codes: string[]) => JSON.stringify({ choice: `ORPHA:${codes[0]}` });
  async function server(o: LoopbackOpenAiOptions = {}): Promise<LoopbackOpenAi> {
    const s = await startLoopbackOpenAi({ handler: (r) => answer(candidateCodes(lastUserText(r))), ...o });
    open.push(s);
    return s;
  }
  function cache(): LlmCache {
    const t = tempDir('mmrare-choose-');
    const s = new Store(t.dir);
    cleanups.push(() => { s.close(); t.cleanup(); });
    return new LlmCache(s.db);
  }
  function chooser(s: LoopbackOpenAi, c: LlmCache | null, e: Partial<ChatEndpoint> = {}, env: Record<string, string> = {}): { ch: Chooser; client: ChatClient } {
    const client = new ChatClient({
      use: 'align', cache: c, env, maxParseRetries: 1, retry: { baseDelayMs: 1, maxDelayMs: 5 },
      endpoint: { baseUrl: s.url, model: 'test-model', apiKeyEnv: null, concurrency: 2, rps: 1000, timeoutMs: 2000, maxRetries: 5, temperature: 0, ...e },
    });
    return { ch: createLlmChooser(client), client };
  }

  it('asks once, records model and prompt version, and a rerun is answered from the store', async () => {
    const s = await server({ apiKey: 'k-123' });
    const c = cache();
    const { ch, client } = chooser(s, c, { apiKeyEnv: 'CHOOSER_KEY' }, { CHOOSER_KEY: 'k-123' });
    expect(await ch.choose(req)).toEqual({ choice: '137839', model: 'test-model', promptVersion: 'align-choose@1', cached: false });
    expect(s.log[0].request?.temperature).toBe(0);
    // the case key is not part of the request: the same sentences and candidates are the same question
    expect(await ch.choose({ ...req, caseKey: 'PMC2#1' })).toMatchObject({ choice: '137839', cached: true });
    expect(s.requests()).toBe(1);
    await client.close();
    const again = chooser(s, c, { apiKeyEnv: 'CHOOSER_KEY' }, { CHOOSER_KEY: 'k-123' });
    expect(await again.ch.choose(req)).toMatchObject({ choice: '137839', cached: true });
    expect(s.requests()).toBe(1);
    await again.client.close();
  });

  it.each<Fault>(['429', '5xx', 'malformed', 'truncate', 'reset'])('retries a %s reply, then answers', async (fault) => {
    const s = await server({ plan: (n) => (n === 1 ? fault : null), retryAfterSeconds: 0 });
    const { ch, client } = chooser(s, null);
    expect(await ch.choose(req)).toMatchObject({ choice: '137839', cached: false });
    expect(s.requests()).toBe(2);
    await client.close();
  });

  it('a reply slower than the timeout is retried', async () => {
    const s = await server({ plan: (n) => (n === 1 ? 'slow' : null), slowMs: 3000 });
    const { ch, client } = chooser(s, null, { timeoutMs: 400 });
    expect(await ch.choose(req)).toMatchObject({ choice: '137839' });
    expect(s.requests()).toBe(2);
    await client.close();
  });

  it('gives up with a retryable RemoteError when the endpoint stays down', async () => {
    const s = await server({ plan: () => '5xx' });
    const { ch, client } = chooser(s, null, { maxRetries: 2 });
    const err = await ch.choose(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ retryable: true });
    expect(s.requests()).toBe(3);
    await client.close();
  });

  it('a code that was not offered is re-asked once, then an InvalidChoiceError', async () => {
    const s = await server({ handler: () => JSON.stringify({ choice: 'ORPHA:558' }) });
    const { ch, client } = chooser(s, null);
    await expect(ch.choose(req)).rejects.toBeInstanceOf(InvalidChoiceError);
    expect(s.requests()).toBe(2);
    await client.close();
    let n = 0;
    const fixes = await server({ handler: () => (++n === 1 ? 'Lemierre syndrome, I think' : JSON.stringify({ choice: 'none' })) });
    const second = chooser(fixes, null);
    expect(await second.ch.choose(req)).toMatchObject({ choice: 'none' });
    await second.client.close();
  });
});

describe('applying a choice to a real uncertain case', () => {
  // PMC6358581 (Fusobacterium septicemia): Lemierre syndrome is discussed, the case goes to review
  const result = () => diagnoseArticle(article('PMC6358581'), lexicon());
  const stub = (choice: string | ((r: ChooserRequest) => string)): Chooser & { asked: ChooserRequest[] } => {
    const asked: ChooserRequest[] = [];
    return { model: 'stub', promptVersion: 'align-choose@1', asked, async choose(r) { asked.push(r); return { choice: typeof choice === 'string' ? choice : choice(r), model: 'stub', promptVersion: 'align-choose@1', cached: false }; } };
  };

  it('asks with the case\'s sentences and its top-k candidates', () => {
    const r = result();
    const d = r.diagnoses[0];
    expect(d.status).toBe('needs_review');
    const q = chooserRequest(lexicon(), 'PMC6358581#1', d, r.candidates[0].flatMap((c) => c.evidence), 3)!;
    expect(q.candidates.map((c) => c.code)).toContain('137839');
    expect(q.candidates.length).toBeLessThanOrEqual(3);
    expect(q.sentences.some((x) => /Lemierre/i.test(x))).toBe(true);
    expect(chooserRequest(lexicon(), 'x', { ...d, status: 'accepted' }, [], 3)).toBeNull();
  });

  it('a pick accepts the case with that code, the model recorded; "none" leaves it in review', async () => {
    const lex = lexicon();
    const pick = stub((r) => r.candidates[0].code);
    const { diagnoses, outcomes } = await applyChooser(lex, result(), pick, { pmcid: 'PMC6358581' });
    expect(outcomes).toHaveLength(1);
    const d = diagnoses[0];
    expect(d).toMatchObject({ status: 'accepted', orphaCode: pick.asked[0].candidates[0].code, reason: null });
    expect(d.rules.map((r) => r.rule)).toContain('model_choice');
    expect(d.rules.map((r) => r.rule)).not.toContain('low_confidence_review');
    expect(d.rules.find((r) => r.rule === 'model_choice')!.detail).toMatch(/model stub, prompt align-choose@1/);
    expect(d.link?.kind).toBe('model');
    expect(d.aliases).toContain(lex.byCode.get(d.orphaCode!)!.name);

    const none = await applyChooser(lex, result(), stub('none'));
    expect(none.diagnoses[0]).toMatchObject({ status: 'needs_review', orphaCode: null });
    expect(none.diagnoses[0].rules.map((r) => r.rule)).toContain('model_chose_none');
  });

  it('an invalid answer leaves the case in review; a transport failure propagates to the caller', async () => {
    const invalid: Chooser = { model: 'm', promptVersion: 'align-choose@1', choose: async () => { throw new InvalidChoiceError('"ORPHA:1" is not one of the candidates', '{}'); } };
    const r = await applyChooser(lexicon(), result(), invalid);
    expect(r.diagnoses[0].status).toBe('needs_review');
    expect(r.diagnoses[0].rules.map((x) => x.rule)).toContain('model_answer_invalid');
    const down: Chooser = { model: 'm', promptVersion: 'align-choose@1', choose: async () => { throw new RemoteError('server_error', '503', { retryable: true }); } };
    await expect(applyChooser(lexicon(), result(), down)).rejects.toBeInstanceOf(RemoteError);
  });
});

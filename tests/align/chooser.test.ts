// The optional model-assisted choice: the prompt, the answer parser, the HTTP chooser against a loopback
// OpenAI-compatible server started here (429, 5xx, malformed bodies, slow replies, invalid answers, the cache),
// and how an answer changes a real uncertain case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChooser, chooserRequest, InvalidChoiceError, type Chooser, type ChooserRequest } from '../../ontology/diagnose/choose.ts';
import { diagnoseArticle } from '../../ontology/diagnose/index.ts';
import { createHttpChooser, loadPrompt, memoryChoiceCache, parseChoice, renderPrompt } from '../../pipeline/align/chooser.ts';
import { HttpClient } from '../../pipeline/client/http.ts';
import { RemoteError } from '../../pipeline/client/errors.ts';
import { completionBody, promptCandidates, startLoopbackChat, type ChatReply, type LoopbackChat } from '../../scripts/lib/loopback-chat.ts';
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
    const p = loadPrompt('choose-v1');
    expect(p.version).toBe('choose-v1');
    const { system, user } = renderPrompt(p, req);
    expect(system).toMatch(/"none"/);
    expect(user).toContain('1. The final diagnosis was Lemierre syndrome.');
    expect(user).toContain('- ORPHA:137839 "Lemierre syndrome" (Disease); synonyms: Postanginal sepsis');
    expect(user).not.toMatch(/\{\{/);
    expect(() => loadPrompt('../etc/passwd')).toThrow(/file name/);
  });

  it('takes only a candidate or "none"', () => {
    const codes = ['137839', '3389'];
    expect(parseChoice('{"choice": "ORPHA:137839"}', codes)).toBe('137839');
    expect(parseChoice('```json\n{"choice":"3389"}\n```', codes)).toBe('3389');
    expect(parseChoice('{"choice": "None"}', codes)).toBe('none');
    expect(() => parseChoice('{"choice": "ORPHA:558"}', codes)).toThrow(InvalidChoiceError); // not offered
    expect(() => parseChoice('Lemierre syndrome', codes)).toThrow(/no JSON object/);
    expect(() => parseChoice('{"choice": 137839}', codes)).toThrow(/no "choice" string/);
    expect(() => parseChoice('{"choice": ORPHA}', codes)).toThrow(/not valid JSON/);
  });
});

describe('HTTP chooser against a loopback OpenAI-compatible server', () => {
  let server: LoopbackChat;
  let script: ChatReply[] = [];
  const ok = (choice: string): ChatReply => ({ body: completionBody(JSON.stringify({ choice })) });
  beforeAll(async () => { server = await startLoopbackChat(() => script.shift() ?? ok('ORPHA:137839')); });
  afterAll(async () => { await server.close(); });

  const chooser = (o: { model?: string; headersTimeoutMs?: number; maxAttempts?: number; apiKey?: string } = {}) => {
    const http = new HttpClient({ headersTimeoutMs: o.headersTimeoutMs ?? 2000, bodyTimeoutMs: 2000, retry: { maxAttempts: o.maxAttempts ?? 4, baseDelayMs: 1, maxDelayMs: 5 } });
    const cache = memoryChoiceCache();
    return { c: createHttpChooser({ baseUrl: server.baseUrl, model: o.model ?? 'test-model', http, cache, apiKey: o.apiKey }), cache, http };
  };

  it('sends the prompt, reads the choice, records model and prompt version, and caches by content', async () => {
    script = [ok('ORPHA:137839')];
    const { c, cache, http } = chooser({ apiKey: 'k-123' });
    const before = server.requests.length;
    const a = await c.choose(req);
    expect(a).toEqual({ choice: '137839', model: 'test-model', promptVersion: 'choose-v1', cached: false });
    const sent = server.requests[server.requests.length - 1];
    expect(sent.model).toBe('test-model');
    expect(sent.headers.authorization).toBe('Bearer k-123');
    expect(JSON.parse(sent.raw).temperature).toBe(0);
    expect(promptCandidates(sent)).toEqual(['137839', '3389']);
    // the same request again: from the cache, no HTTP; the case key is not part of the cache key
    expect(await c.choose({ ...req, caseKey: 'PMC2#1' })).toMatchObject({ choice: '137839', cached: true });
    expect(server.requests.length).toBe(before + 1);
    expect(cache.size()).toBe(1);
    // another sentence is another request
    script = [ok('none')];
    expect(await c.choose({ ...req, sentences: ['Lemierre syndrome was excluded.'] })).toMatchObject({ choice: 'none', cached: false });
    await http.close();
  });

  it('retries 429 (Retry-After), 5xx, a malformed body and a slow reply, then answers', async () => {
    script = [
      { status: 429, headers: { 'retry-after': '0' }, body: '{}' },
      { status: 503, body: 'unavailable' },
      { status: 200, body: '{"choices": [' },                        // cut JSON
      { status: 200, body: JSON.stringify({ choices: [] }) },         // no message
      { delayMs: 2500, ...ok('ORPHA:3389') },                         // slower than the headers timeout
      ok('ORPHA:3389'),
    ];
    const { c, http } = chooser({ headersTimeoutMs: 400, maxAttempts: 8 });
    const before = server.requests.length;
    expect(await c.choose(req)).toMatchObject({ choice: '3389', cached: false });
    expect(server.requests.length - before).toBe(6);
    await http.close();
  });

  it('gives up with a retryable RemoteError when the endpoint stays down', async () => {
    script = Array.from({ length: 5 }, () => ({ status: 500, body: 'boom' }));
    const { c, http } = chooser({ maxAttempts: 3 });
    const err = await c.choose(req).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ code: 'server_error', retryable: true, attempts: 3 });
    script = [];
    await http.close();
  });

  it('an answer that names no candidate is an InvalidChoiceError and is not cached', async () => {
    script = [ok('ORPHA:558'), ok('ORPHA:137839')];
    const { c, cache, http } = chooser();
    await expect(c.choose(req)).rejects.toBeInstanceOf(InvalidChoiceError);
    expect(cache.size()).toBe(0);
    expect(await c.choose(req)).toMatchObject({ choice: '137839', cached: false });
    await http.close();
  });
});

describe('applying a choice to a real uncertain case', () => {
  // PMC6358581 (Fusobacterium septicemia): Lemierre syndrome is discussed, the case goes to review
  const result = () => diagnoseArticle(article('PMC6358581'), lexicon());
  const stub = (choice: string | ((r: ChooserRequest) => string)): Chooser & { asked: ChooserRequest[] } => {
    const asked: ChooserRequest[] = [];
    return { model: 'stub', promptVersion: 'choose-v1', asked, async choose(r) { asked.push(r); return { choice: typeof choice === 'string' ? choice : choice(r), model: 'stub', promptVersion: 'choose-v1', cached: false }; } };
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
    expect(d.rules.find((r) => r.rule === 'model_choice')!.detail).toMatch(/model stub, prompt choose-v1/);
    expect(d.link?.kind).toBe('model');
    expect(d.aliases).toContain(lex.byCode.get(d.orphaCode!)!.name);

    const none = await applyChooser(lex, result(), stub('none'));
    expect(none.diagnoses[0]).toMatchObject({ status: 'needs_review', orphaCode: null });
    expect(none.diagnoses[0].rules.map((r) => r.rule)).toContain('model_chose_none');
  });

  it('an invalid answer leaves the case in review; a transport failure propagates to the caller', async () => {
    const invalid: Chooser = { model: 'm', promptVersion: 'choose-v1', choose: async () => { throw new InvalidChoiceError('"ORPHA:1" is not one of the candidates', '{}'); } };
    const r = await applyChooser(lexicon(), result(), invalid);
    expect(r.diagnoses[0].status).toBe('needs_review');
    expect(r.diagnoses[0].rules.map((x) => x.rule)).toContain('model_answer_invalid');
    const down: Chooser = { model: 'm', promptVersion: 'choose-v1', choose: async () => { throw new RemoteError('server_error', '503', { retryable: true }); } };
    await expect(applyChooser(lexicon(), result(), down)).rejects.toBeInstanceOf(RemoteError);
  });
});

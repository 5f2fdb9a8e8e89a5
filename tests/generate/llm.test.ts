// The model-backed generator against a scripted chat port (the OpenAI-compatible client and its loopback
// server are another part of the project): same draft schema as the rules, quotes required, codes refused.
import { describe, it, expect } from 'vitest';
import { applyModelOutput, CODE_IN_OUTPUT, llmGenerator, loadPrompt, type GeneratorChat } from '../../pipeline/generate/llm.ts';
import { renderPrompt } from '../../pipeline/client/prompts.ts';
import { generateTreatment } from '../../pipeline/generate/treatment.ts';
import { QuestionDraft, TRACKS, type DraftOf } from '../../schemas/question.ts';
import { realMaterial } from './helpers.ts';

/** A chat port that answers from a script and records what it was asked. */
function scripted(answer: (user: string) => { ok: true; value: unknown } | { ok: false; transient: boolean; error: string }) {
  const calls: { prompt: string; user: string; images: number }[] = [];
  const chat: GeneratorChat = {
    model: 'scripted-model',
    async completeJson(req) {
      const user = renderPrompt(req.prompt, req.vars).find((x) => x.role === 'user')!.content as string;
      calls.push({ prompt: `${req.prompt.name}@${req.prompt.version}`, user, images: req.images.length });
      return answer(user);
    },
  };
  return { chat, calls };
}

const m = realMaterial('PMC4739221', 1);

describe('prompts are versioned data files', () => {
  it('one per track, with a hash, rendered with the case sentences', () => {
    for (const t of TRACKS) {
      const p = loadPrompt(t);
      expect(p.version).toBe('1');
      expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(p.messages.map((x) => x.role)).toEqual(['system', 'user']);
      expect(p.messages[0].template).toMatch(/never/i);
    }
    expect(() => renderPrompt(loadPrompt('treatment'), {})).toThrow(/\{\{sentences\}\} has no value/);
  });
});

describe('the model-backed treatment generator', () => {
  it('keeps the rules’ cut and images, takes the model’s rubric where each item quotes its sentence', async () => {
    const rules = generateTreatment(m);
    if (!rules.ok) throw new Error(rules.reason);
    const cut = rules.draft.cut!.beforeSentence;
    const { chat, calls } = scripted(() => ({
      ok: true, value: {
        must_include: [
          { item: 'prednisolone 40 mg/day orally', kind: 'drug', dose: '40 mg per day', route: 'oral', sentence: cut, quote: 'prednisolone 40 mg per day' },
          { item: 'taper over two years', kind: 'drug', sentence: cut + 2, quote: 'Prednisolone was tapered carefully' },
          { item: 'methotrexate', kind: 'drug', sentence: cut, quote: 'methotrexate 15 mg weekly' },   // not in the sentence: left out
        ],
        must_not: [],
      },
    }));
    const g = llmGenerator('treatment', chat);
    const r = await g.generate(m);
    if (!r.ok) throw new Error('transient' in r ? r.error : r.reason);
    const d = r.draft as DraftOf<'treatment'>;
    expect(QuestionDraft.safeParse(d).success).toBe(true);
    expect(d.generator).toMatchObject({ kind: 'llm', model: 'scripted-model' });
    expect(d.generator.promptVersion).toMatch(/^generate\.treatment@1#[0-9a-f]{12}$/);
    expect(d.context).toBe(rules.draft.context);
    expect(d.images).toEqual(rules.draft.images);
    expect(d.mustInclude.map((i) => i.item)).toEqual(['prednisolone 40 mg/day orally', 'taper over two years']);
    const s = m.sentences.find((x) => x.index === cut)!;
    const src = d.mustInclude[0].source;
    expect(src.kind === 'sentence' && s.text.slice(src.start - s.start, src.end - s.start)).toBe('prednisolone 40 mg per day');
    expect(r.notes).toEqual([{ reason: 'llm_item_unsupported', rule: 'generate.llm.quote_required', detail: { leftOut: 1 } }]);
    expect(d.trackTerms.map((t) => t.form.toLowerCase())).toContain('prednisolone');
    // the model read the sentences from the cut on, never the abstract or title
    expect(calls).toHaveLength(1);
    expect(calls[0].user).toContain(`${cut}: `);
    expect(calls[0].user).not.toContain(m.sentences[0].text);
    expect(calls[0].images).toBe(new Set(d.images.map((i) => i.normSha)).size);   // each stored image once
  });

  it('refuses any output that carries a disease code; a transient failure stays transient', async () => {
    expect(CODE_IN_OUTPUT.test('ORPHA:797')).toBe(true);
    expect(CODE_IN_OUTPUT.test('OMIM 181000')).toBe(true);
    expect(CODE_IN_OUTPUT.test('prednisolone 40 mg')).toBe(false);
    const coded = scripted(() => ({ ok: true, value: { must_include: [{ item: 'treat ORPHA:797 with steroids', kind: 'drug', sentence: 17, quote: 'prednisolone' }], must_not: [] } }));
    expect(await llmGenerator('treatment', coded.chat).generate(m)).toMatchObject({ ok: false, reason: 'llm_output_refused', rule: 'generate.llm.output_refused' });
    const busy = scripted(() => ({ ok: false, transient: true, error: 'HTTP 429 after 4 retries' }));
    expect(await llmGenerator('treatment', busy.chat).generate(m)).toEqual({ ok: false, transient: true, error: 'HTTP 429 after 4 retries' });
    const bad = scripted(() => ({ ok: true, value: { must_include: 'prednisolone' } }));
    expect(await llmGenerator('treatment', bad.chat).generate(m)).toMatchObject({ ok: false, reason: 'llm_output_invalid' });
  });
});

describe('the model-backed diagnosis generator', () => {
  it('chooses only among the matcher’s candidates; a different choice goes to review, never replaces the code', async () => {
    const base = (await llmGenerator('diagnosis', scripted(() => ({ ok: true, value: { candidate: 0 } })).chat).generate(realMaterial('PMC4738710', 1)));
    expect(base).toMatchObject({ ok: true });
    const mm = realMaterial('PMC4738710', 1);
    const draft = (base as { draft: DraftOf<'diagnosis'> }).draft;
    expect(applyModelOutput(mm, draft, { candidate: 1 }, ['Tuberous sclerosis complex', 'Cowden syndrome'])).toMatchObject({ ok: false, reason: 'llm_disagrees_with_alignment' });
    expect(applyModelOutput(mm, draft, { candidate: 7 }, ['Tuberous sclerosis complex'])).toMatchObject({ ok: false, reason: 'llm_output_invalid' });
  });
});

describe('the model-backed examination and cross-image generators', () => {
  it('write the same schema as the rules', async () => {
    const ex = realMaterial('PMC4735894', 1);
    const e = await llmGenerator('examination', scripted((user) => {
      const lines = user.split('\n').filter((l) => /^\d+: /.test(l));
      const pick = (word: RegExp) => { const l = lines.find((x) => word.test(x))!; return { sentence: Number(l.split(':')[0]), quote: word.exec(l)![0] }; };
      return { ok: true, value: { key_tests: [{ name: 'transthoracic echocardiography', ...pick(/transthoracic echocardiography/i) }, { name: 'transesophageal echocardiography', ...pick(/transesophageal echocardiography/i) }], red_flags: [] } };
    }).chat).generate(ex);
    expect(e.ok && QuestionDraft.safeParse(e.draft).success).toBe(true);
    const xi = realMaterial('PMC4739221', 1);
    const x = await llmGenerator('cross-image', scripted((user) => ({
      ok: true, value: { claims: [{ image: 'Image 1', claim: 'Enlarged parotid gland', sentence: Number(/\n(\d+): Ultrasound/.exec(user)![1]), quote: 'enlarged right parotid gland' }, { image: 'Image 2', claim: 'Hypermetabolic parotid', sentence: Number(/\n(\d+): Positron/.exec(user)![1]), quote: 'hypermetabolic activity' }], relation: 'confirm', why: 'both show the parotid gland' },
    })).chat).generate(xi);
    if (!x.ok) throw new Error('transient' in x ? x.error : x.reason);
    const d = x.draft as DraftOf<'cross-image'>;
    expect(QuestionDraft.safeParse(d).success).toBe(true);
    expect(d.relation).toEqual({ type: 'confirm', rule: 'relation.model', detail: 'both show the parotid gland' });
  });
});

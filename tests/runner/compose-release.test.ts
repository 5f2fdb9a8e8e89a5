// A build drops the matcher and the recogniser it built once no later stage of it uses them, so export (the
// peak of a large build) does not carry them: the composition's `after` hooks (pipeline/compose.ts).
import { describe, expect, it } from 'vitest';
import { planStages } from '../../pipeline/compose.ts';
import { defaultLexicon, matcherFor } from '../../ontology/index.ts';
import { defaultVocab, recogniserFor } from '../../ontology/vocab/index.ts';
import { parseConfig } from '../../schemas/config.ts';

const lexicon = defaultLexicon();
const vocab = defaultVocab();
const config = parseConfig({});

describe('caches released after their last stage', () => {
  it('the matcher after filter and the recogniser after generate, in a whole build', () => {
    const planned = planStages({ config, stages: ['fetch', 'extract', 'align', 'generate', 'filter', 'export'], source: null, lexicon, vocab });
    const hooks = Object.fromEntries(planned.map((p) => [p.name, Boolean(p.after)]));
    expect(hooks).toEqual({ fetch: false, extract: false, align: false, generate: true, filter: true, export: false });

    const m = matcherFor(lexicon);
    const r = recogniserFor(vocab);
    planned.find((p) => p.name === 'generate')!.after!();
    expect(recogniserFor(vocab)).not.toBe(r); // dropped: built again on demand
    expect(matcherFor(lexicon)).toBe(m);      // filter still matches
    planned.find((p) => p.name === 'filter')!.after!();
    expect(matcherFor(lexicon)).not.toBe(m);
  });

  it('a build of align alone drops the matcher after it; export alone drops nothing', () => {
    expect(planStages({ config, stages: ['align'], source: null, lexicon, vocab })[0].after).toBeTypeOf('function');
    expect(planStages({ config, stages: ['export'], source: null, lexicon, vocab })[0].after).toBeUndefined();
  });
});

import { sharedSlice } from '../shared-data.ts';
// Context rules (negated / hypothetical / differential / family / historical), on real sentences.
import { describe, expect, it } from 'vitest';
import { contextScopes, statusOf } from '../../ontology/match/negation.ts';
import { matcher } from './helpers.ts';

/** Status of `target` inside `sentence` by the context rules alone (no lexicon needed). */
function status(sentence: string, target: string): string {
  const at = sentence.indexOf(target);
  if (at < 0) throw new Error(`"${target}" not in sentence`);
  return statusOf(contextScopes(sentence), at, at + target.length).status;
}

describe('negation and context rules', () => {
  it('"no evidence of" negates what follows, not what precedes (PMC4736318)', () => {
    const s = sharedSlice('pmc/articles/PMC4736318.nxml', 10444, 10617);
    expect(status(s, 'extracutaneous involvement')).toBe('negated');
    expect(status(s, 'sporotrichosis')).toBe('affirmed');
  });

  it('"was excluded" (post) negates the preceding subject (PMC4738733)', () => {
    expect(status(sharedSlice('pmc/articles/PMC4738733.nxml', 8675, 8826), 'Plasma cell leukaemia')).toBe('negated');
  });

  it('active "ruled out X" negates only X (PMC4745294)', () => {
    const s = sharedSlice('pmc/articles/PMC4745294.nxml', 4566, 4753);
    expect(status(s, 'CAH')).toBe('negated');
    expect(status(s, 'PHA type 1')).toBe('affirmed');
  });

  it('"negative for" (PMC4745326)', () => {
    expect(status('The patient tested negative for HIV.', 'HIV')).toBe('negated');
  });

  it('a termination word closes the scope: "no effusion but a prominent swelling" (PMC4739213)', () => {
    const s = sharedSlice('pmc/articles/PMC4739213.nxml', 5718, 5835);
    expect(status(s, 'effusion')).toBe('negated');
    expect(status(s, 'prominent swelling')).toBe('affirmed');
  });

  it('pseudo-triggers: "cannot be ruled out" is hypothetical, not a negation (PMC4738720)', () => {
    expect(status(sharedSlice('pmc/articles/PMC4738720.nxml', 13240, 13346), 'presence of resistance')).toBe('hypothetical');
  });

  it('"differential diagnosis … including" (PMC4738724)', () => {
    const s = sharedSlice('pmc/articles/PMC4738724.nxml', 10506, 10806);
    expect(status(s, 'chordoma')).toBe('differential');
  });

  it('"mimicking" in a title: the subject is affirmed, the mimic is differential (PMC4738724)', () => {
    const s = sharedSlice('pmc/articles/PMC4738724.nxml', 1409, 1504);
    expect(status(s, 'Chordoma')).toBe('differential');
    expect(status(s, 'Pituitary Adenoma')).toBe('affirmed');
    const chordoma = matcher().match(s).find((m) => m.orphaCode === '178');
    expect(chordoma?.status).toBe('differential');
  });

  it('"initially diagnosed and treated as" / "misdiagnosed as" (PMC4736318)', () => {
    const s = sharedSlice('pmc/articles/PMC4736318.nxml', 4375, 4574);
    expect(status(s, "Kaposi's sarcoma")).toBe('differential');
    expect(status(s, 'sporotrichosis')).toBe('affirmed');
    expect(status(sharedSlice('pmc/articles/PMC4736318.nxml', 10778, 10833), 'KS')).toBe('differential');
  });

  it('"is suspected" (post) and "suspected" (pre) are hypothetical (PMC4736318, PMC4739210)', () => {
    expect(status(sharedSlice('pmc/articles/PMC4736318.nxml', 13488, 13559), 'sporotrichosis')).toBe('hypothetical');
    expect(status(sharedSlice('pmc/articles/PMC4739210.nxml', 3695, 3806), 'prosthetic aortic valve')).toBe('hypothetical');
  });

  it('"X versus Y was considered": Y differential, X hypothetical (PMC4738733)', () => {
    const s = sharedSlice('pmc/articles/PMC4738733.nxml', 8554, 8674);
    expect(status(s, 'plasma cell leukaemia')).toBe('differential');
    expect(status(s, 'multiple myeloma')).toBe('hypothetical');
  });

  it('family: "family history of", "her sister who was diagnosed with" (PMC4745294)', () => {
    const s = sharedSlice('pmc/articles/PMC4745294.nxml', 3626, 3786);
    expect(status(s, 'sudden infant death')).toBe('family');
    expect(status(sharedSlice('pmc/articles/PMC4738710.nxml', 9378, 9492), 'brother')).toBe('family');
  });

  it('historical: "a history of" (PMC4735920)', () => {
    expect(status(sharedSlice('pmc/articles/PMC4735920.nxml', 3207, 3372), 'depression')).toBe('historical');
  });

  it('scopes end with the sentence window (8 words)', () => {
    const s = 'There was no fever on admission and during the following three weeks she developed sarcoidosis.';
    expect(status(s, 'sarcoidosis')).toBe('affirmed');
  });
});

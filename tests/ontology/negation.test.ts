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
    const s = 'Our patient presented with clinical and histopathological features highly suggestive of disseminated cutaneous sporotrichosis with no evidence of extracutaneous involvement.';
    expect(status(s, 'extracutaneous involvement')).toBe('negated');
    expect(status(s, 'sporotrichosis')).toBe('affirmed');
  });

  it('"was excluded" (post) negates the preceding subject (PMC4738733)', () => {
    expect(status('Plasma cell leukaemia was excluded as the peripheral blood showed less than 20% plasma cells.', 'Plasma cell leukaemia')).toBe('negated');
  });

  it('active "ruled out X" negates only X (PMC4745294)', () => {
    const s = 'The presence of high plasma renin activity, aldosterone, and cortisol, along with the presence of hyponatremia and hyperkalemia, established the diagnosis of PHA type 1 and ruled out CAH.';
    expect(status(s, 'CAH')).toBe('negated');
    expect(status(s, 'PHA type 1')).toBe('affirmed');
  });

  it('"negative for" (PMC4745326)', () => {
    expect(status('The patient tested negative for HIV.', 'HIV')).toBe('negated');
  });

  it('a termination word closes the scope: "no effusion but a prominent swelling" (PMC4739213)', () => {
    const s = 'Examination demonstrated a well-healed midline scar and no effusion but a prominent swelling anterior to the patella.';
    expect(status(s, 'effusion')).toBe('negated');
    expect(status(s, 'prominent swelling')).toBe('affirmed');
  });

  it('pseudo-triggers: "cannot be ruled out" is hypothetical, not a negation (PMC4738720)', () => {
    expect(status('Although ganciclovir resistance testing was not performed, the presence of resistance cannot be ruled out.', 'presence of resistance')).toBe('hypothetical');
  });

  it('"differential diagnosis … including" (PMC4738724)', () => {
    const s = 'The differential diagnosis for a clival lesion is vast, including chordoma most commonly (40%), meningioma, chondrosarcoma, astrocytoma.';
    expect(status(s, 'chordoma')).toBe('differential');
  });

  it('"mimicking" in a title: the subject is affirmed, the mimic is differential (PMC4738724)', () => {
    const s = 'Clival Ectopic Pituitary Adenoma Mimicking a Chordoma: Case Report and Review of the Literature';
    expect(status(s, 'Chordoma')).toBe('differential');
    expect(status(s, 'Pituitary Adenoma')).toBe('affirmed');
    const chordoma = matcher().match(s).find((m) => m.orphaCode === '178');
    expect(chordoma?.status).toBe('differential');
  });

  it('"initially diagnosed and treated as" / "misdiagnosed as" (PMC4736318)', () => {
    const s = 'We report the case of a severely immunosuppressed female who presented with disseminated cutaneous sporotrichosis which was initially diagnosed and treated as disseminated cutaneous Kaposi\'s sarcoma.';
    expect(status(s, "Kaposi's sarcoma")).toBe('differential');
    expect(status(s, 'sporotrichosis')).toBe('affirmed');
    expect(status('Our patient was initially misdiagnosed as a case of KS.', 'KS')).toBe('differential');
  });

  it('"is suspected" (post) and "suspected" (pre) are hypothetical (PMC4736318, PMC4739210)', () => {
    expect(status('When sporotrichosis is suspected, ideally a culture should be obtained.', 'sporotrichosis')).toBe('hypothetical');
    expect(status('We describe a case of suspected E. tarda prosthetic aortic valve and mitral valve endocarditis', 'prosthetic aortic valve')).toBe('hypothetical');
  });

  it('"X versus Y was considered": Y differential, X hypothetical (PMC4738733)', () => {
    const s = 'Based on the clinical and laboratory data the diagnosis of multiple myeloma versus plasma cell leukaemia was considered.';
    expect(status(s, 'plasma cell leukaemia')).toBe('differential');
    expect(status(s, 'multiple myeloma')).toBe('hypothetical');
  });

  it('family: "family history of", "her sister who was diagnosed with" (PMC4745294)', () => {
    const s = 'There was a family history of sudden infant death, her sister who was diagnosed with CAH and passed away at 3 months of age.';
    expect(status(s, 'sudden infant death')).toBe('family');
    expect(status('Six members of the family who were in direct blood relation including her father and brother showed ungual lesions', 'brother')).toBe('family');
  });

  it('historical: "a history of" (PMC4735920)', () => {
    expect(status('A 48-year-old woman with a history of depression and prior suicide attempt was found unresponsive.', 'depression')).toBe('historical');
  });

  it('scopes end with the sentence window (8 words)', () => {
    const s = 'There was no fever on admission and during the following three weeks she developed sarcoidosis.';
    expect(status(s, 'sarcoidosis')).toBe('affirmed');
  });
});

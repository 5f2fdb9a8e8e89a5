import { sharedSlice } from '../shared-data.ts';
// Abbreviations defined in the document, and the short-synonym policy.
import { describe, expect, it } from 'vitest';
import { bestLongFormStart, findAbbreviations } from '../../ontology/match/abbrev.ts';
import { matcher } from './helpers.ts';

describe('abbreviation definitions (Schwartz & Hearst)', () => {
  it('"long form (SF)" on real text (PMC4736807, PMC4738734)', () => {
    const s = sharedSlice('pmc/articles/PMC4736807.nxml', 4911, 5047);
    expect(findAbbreviations(s)).toMatchObject([{ short: 'LVNC', long: 'Left ventricular noncompaction' }]);
    const t = sharedSlice('pmc/articles/PMC4738734.nxml', 3572, 3679);
    expect(findAbbreviations(t)[0]).toMatchObject({ short: 'ACAOS', long: sharedSlice('pmc/articles/PMC4738734.nxml', 3572, 3636) });
  });

  it('the reverse "SF (long form)" (PMC4739223)', () => {
    const s = sharedSlice('pmc/articles/PMC4739223.nxml', 9945, 10086);
    expect(findAbbreviations(s)).toMatchObject([{ short: 'LIPUS', long: 'low intensity pulsed ultrasound' }]);
  });

  it('rejects parentheses that are not definitions', () => {
    expect(findAbbreviations('The patient was treated (see Figure 2) with steroids (40 mg).')).toEqual([]);
    expect(bestLongFormStart('TSC', sharedSlice('pmc/articles/PMC4738710.nxml', 10547, 10609))).toBeGreaterThan(0);
  });
});

describe('document-level abbreviation resolution', () => {
  it('a defined short form links for the rest of the document (PMC4738710 wording)', () => {
    // the sentence that defines "TSC", then one from the discussion that uses it
    const text = `${sharedSlice('pmc/articles/PMC4738710.nxml', 10455, 10807)} ${sharedSlice('pmc/articles/PMC4738710.nxml', 15098, 15328)}`;
    const ms = matcher().match(text).filter((m) => m.orphaCode === '805');
    expect(ms.map((m) => [m.text, m.orphaCode, m.method])).toEqual([
      ['tuberous sclerosis complex', '805', 'exact'],
      ['TSC', '805', 'abbreviation'],
    ]);
    expect(ms[1].matchedForm).toBe('TSC = Tuberous sclerosis complex');
  });

  it('short synonyms (<= 3 letters) count only when the document defines them', () => {
    // "TSC" and "KTS" are Orphanet synonyms, but undefined three-letter forms are too ambiguous
    expect(matcher().match('The clinical diagnostic criteria of TSC and KTS were reviewed.')).toEqual([]);
    const defined = matcher().match(`${sharedSlice('pmc/articles/PMC4739223.nxml', 3996, 4192)} Patients with KTS have limb hypertrophy.`);
    expect(defined.map((m) => [m.text, m.orphaCode, m.method])).toEqual([['Klippel-Trenaunay syndrome', '90308', 'exact'], ['KTS', '90308', 'abbreviation']]);
  });

  it('longer acronyms match case-sensitively and with a lower score', () => {
    const [m] = matcher().match('The diagnostic criteria for LVNC were completely fulfilled.');
    expect(m).toMatchObject({ orphaCode: '54260', method: 'exact', score: 0.8 });
    expect(matcher().match('the lvnc criteria')).toEqual([]);
  });

  it('a short form the document defines otherwise does not take the lexicon meaning', () => {
    const text = 'Lymphovenous network congestion (LVNC) was seen on imaging. LVNC resolved after drainage.';
    expect(matcher().match(text).filter((m) => m.orphaCode === '54260')).toEqual([]);
  });
});

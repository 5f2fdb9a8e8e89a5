// The residual scanner on its own: its matching, what it reads from a row, and that it shares no code with
// the filter or pipeline/leakage (a normalisation bug there must not hide a leak here).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCopied, findTerm, scanMessage, scanRow } from '../../pipeline/export/scanner.ts';
import type { ExportRow } from '../../schemas/export.ts';
import { REPO_ROOT } from '../shared-data.ts';

const row = (over: Record<string, unknown>): ExportRow => ({
  id: 'dx-PMC1-c1-aaaaaaaa', track: 'diagnosis', pmcid: 'PMC1', question: 'What is the diagnosis?', context: '',
  images: [{ id: 'PMC1-fig1-1', label: 'Image 1' }], orpha_code: '805', orpha_name: 'Tuberous sclerosis complex',
  orpha_aliases: ['Bourneville syndrome', 'TSC'], answer: 'Tuberous sclerosis complex', answer_aliases: ['Bourneville syndrome', 'TSC'], ...over,
} as unknown as ExportRow);

describe('the residual scanner', () => {
  it('imports nothing from the filter, pipeline/leakage or the ontology matcher', () => {
    const src = readFileSync(join(REPO_ROOT, 'pipeline/export/scanner.ts'), 'utf8');
    const imports = [...src.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['../../schemas/export.ts']);
  });

  it('finds a term with its own folding: case, plural, possessive, hyphens, British spelling, diacritics, derived forms', () => {
    expect(findTerm('Family members had tuberous sclerosis complexes.', 'Tuberous sclerosis complex')?.found).toBe('tuberous sclerosis complexes');
    expect(findTerm("the Bourneville's syndrome", 'Bourneville syndrome')).not.toBeNull();
    expect(findTerm('a tuberous-sclerosis–complex', 'Tuberous sclerosis complex')).not.toBeNull();
    expect(findTerm('She had haemolytic uraemic syndrome.', 'Hemolytic uremic syndrome')).not.toBeNull();
    expect(findTerm('a necrotic myxomatous tumor', 'Myxoma')).not.toBeNull();
    expect(findTerm('Ménière disease', 'Meniere disease')).not.toBeNull();
    expect(findTerm('left ventricular noncompaction', 'Left ventricular non-compaction')).not.toBeNull();
    // short capitals only as written: units and ordinary words survive
    expect(findTerm('She had TSC.', 'TSC')).not.toBeNull();
    expect(findTerm('a tsc-like lesion', 'TSC')).toBeNull();
    expect(findTerm('masses of 3 mm', 'MM')).toBeNull();
    expect(findTerm('the [MASKED] was confirmed', 'Tuberous sclerosis complex')).toBeNull();
  });

  it('finds copied runs of a caption or finding (six words), not shared common words', () => {
    const caption = 'Hyperpigmented plaques (elevated lesions) seen before commencement of treatment';
    expect(findCopied('there were hyperpigmented plaques elevated lesions seen before commencement', caption)).not.toBeNull();
    expect(findCopied('the plaques were seen before treatment', caption)).toBeNull();
  });

  it('scans question, context, image labels and the text inside images, per row, with the code', () => {
    expect(scanRow(row({ context: 'see ORPHA:805' }), { captions: [], imageText: {} })).toMatchObject([{ field: 'context', kind: 'code' }]);
    expect(scanRow(row({ context: 'The diagnosis of [MASKED] was established.' }), { captions: [], imageText: {} })).toEqual([]);
    const f = scanRow(row({}), { captions: [], imageText: { 'PMC1-fig1-1': 'TUBEROUS SCLEROSIS COMPLEX' } });
    expect(f).toMatchObject([{ row: 'dx-PMC1-c1-aaaaaaaa', field: 'images[Image 1].text', kind: 'diagnosis' }]);
    const tx = row({ id: 'tx-PMC1-c1-aaaaaaaa', track: 'treatment', context: 'She was on Prednisolone.', rubric_must_include: [{ kind: 'drug', name: 'Prednisolone', source: { text: 'prednisolone' } }] });
    expect(scanRow(tx, { captions: [], imageText: {} })).toMatchObject([{ kind: 'treatment', found: 'Prednisolone' }]);
    const ex = row({ id: 'ex-PMC1-c1-aaaaaaaa', track: 'examination', question: 'A CT was normal.', evidence: { key_tests: [{ name: 'computed tomography', source: { text: 'CT' } }] } });
    expect(scanRow(ex, { captions: [], imageText: {} })).toMatchObject([{ kind: 'key_test', found: 'CT' }]);
    const xi = row({ id: 'xi-PMC1-c1-aaaaaaaa', track: 'cross-image', context: 'The ultrasound image shows the enlarged right parotid gland and interspersed areas.', golden_mainline: [] });
    expect(scanRow(xi, { captions: ['Ultrasound image for Case 1, showing the enlarged right parotid gland and interspersed hypoechoic areas (arrow).'], imageText: {} })).toMatchObject([{ kind: 'caption' }]);
  });

  it('its refusal names row, field and term', () => {
    const msg = scanMessage('diagnosis', scanRow(row({ context: 'Bourneville syndrome was suspected.' }), { captions: [], imageText: {} }));
    expect(msg).toContain('export of diagnosis refused');
    expect(msg).toContain('dx-PMC1-c1-aaaaaaaa  context: "Bourneville syndrome"');
  });
});

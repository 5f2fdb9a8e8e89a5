// Export planning is pure: same candidates ⇒ same bytes; invalid rows are rejections, not crashes.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDiagnosisRow, buildExportPlan, applyExportPlan, previousManifestImages } from '../../pipeline/export/plan.ts';
import type { FilteredQuestion } from '../../schemas/question.ts';
import { tempDir } from '../helpers.ts';

const work = tempDir();
afterAll(() => work.cleanup());

const png = Buffer.from('89504e470d0a1a0a', 'hex');
const sha = 'a'.repeat(64);
function filtered(id: string, extra: Partial<FilteredQuestion['draft']> = {}): FilteredQuestion {
  const draft = {
    id, track: 'diagnosis' as const, pmcid: 'PMC4738710', caseNo: 1,
    question: 'Read the case description and examine Image 1. What is the most likely diagnosis?',
    context: 'A 33-year-old woman presented with gingival overgrowth.',
    images: [{ imageId: 'PMC4738710-fig1-1', figureId: 'fig1', ord: 1, width: 640, height: 400, normSha: sha, format: 'png', placeholder: true, license: 'CC BY', label: 'Image 1', figureLabel: 'Figure 1', panels: ['A', 'B'] }],
    answer: 'Tuberous sclerosis complex', answerAliases: ['TSC', 'Bourneville syndrome'], extraTerms: [], orphaCode: '805', orphaName: 'Tuberous sclerosis complex', category: 'Neurocutaneous syndrome',
    diagnosisStatements: [{ sectionId: 'sec-2', start: 10, end: 40, text: 'the diagnosis of TSC was established' }],
    contextSentences: [{ sectionId: 'sec-2', start: 0, end: 56, text: 'A 33-year-old woman presented with gingival overgrowth.', index: 0 }],
    cut: { beforeSentence: 1, reason: 'sentence_names_answer', sentence: null },
    ...extra,
  };
  return { draft, question: draft.question, context: draft.context, maskedSpans: 0, reasons: [] };
}
const prov = { pipelineVersion: '0.1.0', configHash: 'c'.repeat(64), orphanetRelease: '2025-12-09', stageVersions: { export: '1' } };
const article = { pmid: null, doi: '10.1155/2016/1', license: 'CC BY', sourceUrls: ['s3://pmc-oa-opendata/PMC4738710.1/PMC4738710.1.xml?md5=0'] };
const build = (f: FilteredQuestion) => buildDiagnosisRow({ filtered: f, article, decisions: [{ reason: 'cut_sentence_names_answer', action: 'cut' }], imageBytes: () => png }, prov);

describe('export plan', () => {
  it('sorts rows by id, lists every file in the manifest, and is byte-identical for the same input', () => {
    const a = buildExportPlan('diagnosis', [build(filtered('dx-PMC4738710-c2-bbbbbbbb')), build(filtered('dx-PMC4738710-c1-aaaaaaaa'))], []);
    const b = buildExportPlan('diagnosis', [build(filtered('dx-PMC4738710-c1-aaaaaaaa')), build(filtered('dx-PMC4738710-c2-bbbbbbbb'))], []);
    expect(a.rows.map((r) => r.id)).toEqual(['dx-PMC4738710-c1-aaaaaaaa', 'dx-PMC4738710-c2-bbbbbbbb']);
    expect(a.files.map((f) => f.sha256)).toEqual(b.files.map((f) => f.sha256));
    const manifest = a.files.find((f) => f.path === 'MANIFEST.diagnosis.sha256')!.bytes.toString();
    expect(manifest).toContain('  diagnosis.jsonl');
    expect(manifest).toContain('  images/PMC4738710-fig1-1.png');
  });

  it('a row that fails the export schema is rejected with its reasons', () => {
    const bad = build(filtered('dx-PMC4738710-c1-aaaaaaaa'));
    (bad.row as Record<string, unknown>).orpha_code = 'ORPHA:805';
    const rejected: { questionId: string; reason: string; detail: Record<string, unknown> }[] = [];
    const plan = buildExportPlan('diagnosis', [bad, build(filtered('dx-PMC4738710-c2-bbbbbbbb'))], rejected as never);
    expect(plan.rows).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ questionId: 'dx-PMC4738710-c1-aaaaaaaa', reason: 'export_row_invalid' });
    expect(String((rejected[0].detail.issues as string[])[0])).toContain('orpha_code');
  });

  it('applying writes files atomically, skips identical ones and removes images no row uses any more', () => {
    const dir = join(work.dir, 'export');
    const one = buildExportPlan('diagnosis', [build(filtered('dx-PMC4738710-c1-aaaaaaaa'))], []);
    expect(applyExportPlan(dir, one, []).written).toBe(3);
    expect(applyExportPlan(dir, one, previousManifestImages(dir, 'diagnosis'))).toEqual({ written: 0, unchanged: 3, removed: 0, swept: 0 });
    const other = filtered('dx-PMC4738710-c1-aaaaaaaa');
    other.draft.images[0].imageId = 'PMC4738710-fig2-1';
    const two = buildExportPlan('diagnosis', [build(other)], []);
    const res = applyExportPlan(dir, two, previousManifestImages(dir, 'diagnosis'));
    expect(res.removed).toBe(1);
    expect(readFileSync(join(dir, 'diagnosis.jsonl'), 'utf8')).toContain('PMC4738710-fig2-1');
  });
});

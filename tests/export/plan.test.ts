// Export planning is pure: same candidates ⇒ same bytes; invalid rows are rejections, not crashes.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRow, buildRowLean, buildExportPlan, applyExportPlan, applyStreamedPlan, ExportStream, previousManifestImages, noticeFile } from '../../pipeline/export/plan.ts';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { FilteredQuestion } from '../../schemas/question.ts';
import { tempDir } from '../helpers.ts';

const work = tempDir();
afterAll(() => work.cleanup());

const png = Buffer.from('89504e470d0a1a0a', 'hex');
const sha = 'a'.repeat(64);
function filtered(id: string, extra: Partial<FilteredQuestion['draft']> = {}): FilteredQuestion {
  const question = 'Read the case description and examine Image 1. What is the most likely diagnosis?';
  const context = 'A 33-year-old woman presented with gingival overgrowth.';
  const sentence = { sectionId: 'sec-2', start: 0, end: 56, text: context, index: 0 };
  const draft = {
    id, track: 'diagnosis' as const, pmcid: 'PMC4738710', caseNo: 1,
    question, questionParts: [{ sep: '', text: question, sentence: null }],
    context, contextParts: [{ sep: '', text: context, sentence }],
    images: [{ imageId: 'PMC4738710-fig1-1', storeImageId: 'PMC4738710-fig1-1', figureId: 'fig1', ord: 1, width: 640, height: 400, normSha: sha, format: 'png', placeholder: true, license: 'CC BY', label: 'Image 1', figureLabel: 'Figure 1', panels: ['A', 'B'], panel: null, ocrText: null }],
    withheld: [],
    answer: 'Tuberous sclerosis complex', answerAliases: ['TSC', 'Bourneville syndrome'], orphaAliases: ['TSC', 'Bourneville syndrome'], extraTerms: [],
    orphaCode: '805', orphaName: 'Tuberous sclerosis complex', category: 'Neurocutaneous syndrome', trackTerms: [], forbiddenText: [],
    generator: { kind: 'rules' as const, version: '1', model: null, promptVersion: null },
    diagnosisStatements: [{ sectionId: 'sec-2', start: 10, end: 40, text: 'the diagnosis of TSC was established' }],
    contextSentences: [sentence],
    cut: { beforeSentence: 1, reason: 'sentence_names_answer', sentence: null },
    ...extra,
  } as FilteredQuestion['draft'];
  return { draft, question: draft.question, context: draft.context, maskedSpans: 0, droppedSentences: 0, reasons: [] };
}
const prov = { pipelineVersion: '0.1.0', configHash: 'c'.repeat(64), orphanetRelease: '2025-12-09', stageVersions: { export: '1' } };
const article = { pmid: null, doi: '10.1155/2016/1', license: 'CC BY', sourceUrls: ['s3://pmc-oa-opendata/PMC4738710.1/PMC4738710.1.xml?md5=0'] };
const build = (f: FilteredQuestion) => buildRow({ filtered: f, article, decisions: [{ reason: 'cut_sentence_names_answer', action: 'cut' }], imageBytes: () => png }, prov);

describe('export plan', () => {
  it('the streaming export writes the same files as the in-memory plan, rejecting the same rows', () => {
    const blob = png;
    const blobSha = createHash('sha256').update(blob).digest('hex');
    const f = (id: string) => filtered(id, { images: [{ ...filtered(id).draft.images[0], normSha: blobSha }] } as never);
    const ids = ['dx-PMC4738710-c1-aaaaaaaa', 'dx-PMC4738710-c2-bbbbbbbb', 'dx-PMC4738710-c3-cccccccc'];
    const src = (id: string) => ({ filtered: f(id), article, decisions: [{ reason: 'cut_sentence_names_answer', action: 'cut' }] });
    const bad = (row: Record<string, unknown>) => { if (row.id === ids[1]) row.orpha_code = 'ORPHA:805'; return row; };
    const notice = noticeFile({ release: '2025-12-09', licence: 'CC BY 4.0' }, []);
    const memDir = join(work.dir, 'mem');
    const plan = buildExportPlan('diagnosis', ids.map((id) => { const b = buildRow({ ...src(id), imageBytes: () => blob }, prov); bad(b.row as never); return b; }), [], [notice]);
    applyExportPlan(memDir, plan, []);
    const streamDir = join(work.dir, 'stream');
    const s = new ExportStream(streamDir, 'diagnosis');
    for (const id of ids) { const b = buildRowLean(src(id), prov); bad(b.row as never); s.add(b); }
    expect(() => s.add(buildRowLean(src(ids[0]), prov))).toThrow(/order/);
    const streamed = s.finish([notice]);
    expect(streamed.rows).toBe(plan.rows.length);
    expect(streamed.rejected.map((r) => r.questionId)).toEqual(plan.rejected.map((r) => r.questionId));
    applyStreamedPlan(streamDir, streamed, [], new Set(), (h) => { expect(h).toBe(blobSha); return blob; });
    const files = (d: string) => readdirSync(d, { recursive: true }).map(String).sort();
    expect(files(streamDir)).toEqual(files(memDir));
    for (const name of files(memDir).filter((n) => n.includes('.'))) expect(readFileSync(join(streamDir, name)).equals(readFileSync(join(memDir, name))), name).toBe(true);
  });

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
    other.draft.images[0].storeImageId = 'PMC4738710-fig2-1';
    const two = buildExportPlan('diagnosis', [build(other)], []);
    const prev = previousManifestImages(dir, 'diagnosis');
    // an image another track's manifest still lists is kept
    expect(applyExportPlan(dir, two, prev, new Set(['images/PMC4738710-fig1-1.png'])).removed).toBe(0);
    const res = applyExportPlan(dir, two, prev);
    expect(res.removed).toBe(1);
    expect(readFileSync(join(dir, 'diagnosis.jsonl'), 'utf8')).toContain('PMC4738710-fig2-1');
  });

  it('panels of one compound image share one file; the notice is one file for all tracks', () => {
    const f = filtered('dx-PMC4738710-c1-aaaaaaaa');
    const im = f.draft.images[0];
    f.draft.images = [{ ...im, imageId: `${im.storeImageId}#A`, panel: 'A', panels: ['A'] }, { ...im, imageId: `${im.storeImageId}#B`, panel: 'B', panels: ['B'], label: 'Image 2' }];
    const b = build(f);
    expect(b.images).toHaveLength(1);
    expect(b.row.images.map((x) => [x.id, x.panel, x.file])).toEqual([['PMC4738710-fig1-1#A', 'A', 'images/PMC4738710-fig1-1.png'], ['PMC4738710-fig1-1#B', 'B', 'images/PMC4738710-fig1-1.png']]);
    const n = noticeFile({ release: '2025-12-09', licence: 'CC BY 4.0' }, [{ id: 'maxo', name: 'MAxO', version: 'v', licence: 'CC BY 4.0', credit: 'MAxO credit line' }]);
    expect(n.path).toBe('NOTICE.md');
    expect(n.bytes.toString()).toContain('- MAxO credit line');
  });
});

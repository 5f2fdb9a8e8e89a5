// Known leaks planted into each track's questions on the real bundled corpus: every one is caught by leak
// control and recorded as a decision (rule, field, span, matched text), and the release stays clean. Then
// the filter is bypassed, and the independent residual scanner refuses the release, naming row, field and term.
import { packDraft, readDraftJson, readFinalJson } from '../../db/packed-json.ts';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { joinParts, type FilteredQuestion, type QuestionDraft, type VisiblePart } from '../../schemas/question.ts';
import type { ExportRow } from '../../schemas/export.ts';
import { runBuild, STAGE_NAMES, type StageName } from '../../pipeline/compose.ts';
import { createDirSource } from '../../pipeline/fetch/dir-source.ts';
import { silentLogger, type Logger } from '../../pipeline/runner/log.ts';
import { defaultLexicon } from '../../ontology/index.ts';
import { defaultVocab, recogniserFor } from '../../ontology/vocab/index.ts';
import { scanRow } from '../../pipeline/export/scanner.ts';
import { sampleCorpus, tempDir } from '../helpers.ts';

const SAMPLES = await sampleCorpus();
const lexicon = defaultLexicon();
const vocab = defaultVocab();
let work: ReturnType<typeof tempDir>;

async function run(stages: readonly StageName[], log: Logger = silentLogger) {
  const store = new Store(work.dir);
  try {
    return await runBuild({ store, config: parseConfig({}), command: 'test', stages, source: stages.includes('fetch') ? createDirSource(SAMPLES) : null, lexicon, vocab, log });
  } finally { store.close(); }
}
const withStore = <T,>(f: (s: Store) => T): T => { const s = new Store(work.dir); try { return f(s); } finally { s.close(); } };
const rowsOf = (track: string): ExportRow[] => readFileSync(join(work.dir, 'export', `${track}.jsonl`), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const questionOf = (prefix: string): string => withStore((s) => s.db.prepare(`SELECT id FROM questions WHERE id LIKE ? ORDER BY id`).pluck().get(`${prefix}%`) as string);
const decisionsOf = (id: string) => withStore((s) => s.db.prepare(`SELECT stage, action, reason_code AS reason, rule, field, span_start, span_end, matched_text FROM decisions WHERE question_id = ? ORDER BY id`).all(id) as
  { stage: string; action: string; reason: string; rule: string; field: string | null; span_start: number | null; span_end: number | null; matched_text: string | null }[]);

/** Adds sentences to a stored draft's model-visible text (the case sentences a generator could have kept). */
function plant(id: string, field: 'context' | 'question', sentences: string[]): void {
  withStore((s) => {
    const d = JSON.parse(readDraftJson(s.db, id)!) as QuestionDraft; // draft_json is packed (db/packed-json.ts)
    const extra: VisiblePart[] = sentences.map((text, i) => ({ sep: ' ', text, sentence: { sectionId: 'sec-planted', index: 900 + i, start: i * 200, end: i * 200 + text.length, text } }));
    if (field === 'context') { d.contextParts = [...d.contextParts, ...extra]; d.context = joinParts(d.contextParts); }
    else { d.questionParts = [...extra, ...d.questionParts]; d.question = joinParts(d.questionParts); }
    const pmcid = s.db.prepare('SELECT pmcid FROM questions WHERE id = ?').pluck().get(id) as string;
    s.db.prepare('UPDATE questions SET draft_json = ? WHERE id = ?').run(packDraft(s.db, pmcid, JSON.stringify(d)), id);
  });
}

beforeAll(async () => {
  work = tempDir();
  await run(STAGE_NAMES);
}, 240_000);
afterAll(() => work.cleanup());

describe('planted leaks are caught and recorded in every track', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = { dx: questionOf('dx-PMC4738710'), tx: questionOf('tx-PMC4739221-c1'), ex: questionOf('ex-PMC4735894'), xi: questionOf('xi-PMC4736318') };
    // a brand or other name of the treatment's drug, from the vocabulary (not the spelling the case used)
    const r = recogniserFor(vocab);
    const brand = r.find('prednisolone')[0].concepts.flatMap((c) => r.formsOf(c)).find((f) => f.toLowerCase() !== 'prednisolone' && /^[A-Z][a-z]+$/.test(f))!;
    plant(ids.dx, 'context', [
      'Her aunt had been told many years ago in another town that she had Bourneville syndrome.',   // an Orphanet synonym
      'The family doctor wrote TSC on the referral letter that she brought to the clinic.',         // the abbreviation the article defines
      'The family thought her course differed from the tuberous sclerosis complex\'s usual course.', // a possessive
      'A tuberous-sclerosis complex had not been considered by the dentists she saw at first.',     // a hyphen variant
      'The regional registry listed ORPHA:805 for her sister in the year before.',                  // the code
      'Tuberous sclerosis.',                                                                        // a sentence that is all leak
    ]);
    plant(ids.tx, 'context', [`He had once been prescribed ${brand} by another doctor.`, 'His sister had Boeck sarcoid.']);
    plant(ids.ex, 'question', ['Transesophageal echocardiography revealed a mobile mass.', 'An echocardiography was requested by the family doctor.']);
    const caption = withStore((s) => s.db.prepare(`SELECT caption FROM figures WHERE pmcid = 'PMC4736318' AND figure_id = 'fig1'`).pluck().get() as string);
    plant(ids.xi, 'context', [`On the first visit there were ${caption.split(/\s+/).slice(1, 9).join(' ')}.`, 'The lesions became flat and the nodules disappeared, leaving postinflammatory hyperpigmented patches.']);
    (globalThis as Record<string, unknown>).brand = brand;
    await run(['filter', 'export']);
  }, 120_000);

  it('diagnosis: synonym, abbreviation, possessive, hyphen variant and code are masked, each a decision with span and text', () => {
    const d = decisionsOf(ids.dx).filter((x) => x.stage === 'filter');
    const text = (re: RegExp) => d.find((x) => x.matched_text && re.test(x.matched_text));
    expect(text(/^Bourneville syndrome$/)).toMatchObject({ action: 'mask', reason: 'leak_synonym_in_context', field: 'context' });
    expect(text(/^TSC$/)).toMatchObject({ action: 'mask' });
    expect(text(/complex's$/)?.reason).toBe('leak_answer_in_context');
    expect(text(/^tuberous-sclerosis complex$/)).toMatchObject({ action: 'mask' });
    expect(text(/ORPHA:805/)).toMatchObject({ reason: 'leak_code_in_context', rule: 'filter.leak.code' });
    // a sentence that masking would gut is dropped instead
    expect(d.find((x) => x.reason === 'leak_sentence_dropped')).toMatchObject({ action: 'exclude', rule: 'filter.leak.sentence_gutted', matched_text: 'Tuberous sclerosis.' });
    for (const x of d) expect(x.span_end! - x.span_start!).toBe(x.matched_text!.length);
    const row = rowsOf('diagnosis').find((r) => r.id === ids.dx)!;
    expect(row.context).toContain('she had [MASKED].');
    expect(row.context).not.toMatch(/Bourneville|ORPHA|tuberous/i);
  });

  it('treatment: a drug of the answer (by another of its names) and a synonym of the diagnosis are masked', () => {
    const brand = (globalThis as Record<string, unknown>).brand as string;
    const d = decisionsOf(ids.tx).filter((x) => x.stage === 'filter');
    expect(d.find((x) => x.matched_text === brand)).toMatchObject({ action: 'mask', reason: 'leak_treatment_in_context', rule: 'filter.leak.treatment' });
    expect(d.find((x) => x.matched_text === 'Boeck sarcoid')).toMatchObject({ reason: 'leak_synonym_in_context' });
    const row = rowsOf('treatment').find((r) => r.id === ids.tx)!;
    expect(row.context).not.toContain(brand);
  });

  it('examination: a key test with its result drops the sentence; a key test alone is masked', () => {
    const d = decisionsOf(ids.ex).filter((x) => x.stage === 'filter');
    expect(d.find((x) => x.reason === 'leak_test_result_in_question')).toMatchObject({ action: 'exclude', field: 'question', rule: 'filter.leak.test_result' });
    expect(d.find((x) => x.reason === 'leak_key_test_in_question' && x.action === 'mask')?.matched_text).toMatch(/echocardiography/i);
    const row = rowsOf('examination').find((r) => r.id === ids.ex)!;
    expect(row.question).not.toMatch(/mobile mass|echocardiograph/i);
    expect(row.leakage.dropped_sentences).toBeGreaterThanOrEqual(1);
  });

  it('cross-image: caption text and a restated finding in the context drop their sentences', () => {
    const d = decisionsOf(ids.xi).filter((x) => x.stage === 'filter');
    expect(d.find((x) => x.reason === 'leak_caption_text')).toMatchObject({ action: 'exclude', rule: 'filter.leak.caption', field: 'context' });
    expect(d.find((x) => x.reason === 'leak_finding_in_context')).toMatchObject({ action: 'exclude', rule: 'filter.leak.finding' });
    const row = rowsOf('cross-image').find((r) => r.id === ids.xi)!;
    expect(row.context).not.toMatch(/first visit|nodules disappeared/);
  });

  it('the exported rows pass the residual scan', () => {
    for (const t of ['diagnosis', 'treatment', 'examination', 'cross-image']) for (const r of rowsOf(t)) expect(scanRow(r, { captions: [], imageText: {} }), r.id).toEqual([]);
  });
});

describe('text inside the images (OCR)', () => {
  it('an image whose own text names the answer is withheld; a question that needs it is dropped', async () => {
    withStore((s) => {
      s.db.prepare(`UPDATE images SET ocr_text = 'L  TUBEROUS SCLEROSIS  R', ocr_engine = 'test' WHERE image_id = 'PMC4738710-fig3-1'`).run();
      // the only image of the sporotrichosis cross-image question (its two panels)
      s.db.prepare(`UPDATE images SET ocr_text = 'Sporotrichosis, before treatment', ocr_engine = 'test' WHERE image_id = 'PMC4736318-fig1-1'`).run();
    });
    await run(['generate', 'filter', 'export']);
    const dx = questionOf('dx-PMC4738710');
    const withheld = decisionsOf(dx).find((x) => x.reason === 'leak_answer_in_image_text');
    expect(withheld).toMatchObject({ stage: 'generate', action: 'exclude', field: 'image:PMC4738710-fig3-1', rule: 'leak.image_text' });
    const row = rowsOf('diagnosis').find((r) => r.id === dx)!;
    expect(row.images.map((i) => i.id)).not.toContain('PMC4738710-fig3-1');
    expect(row.withheld_images.find((w) => w.id === 'PMC4738710-fig3-1')?.reason).toBe('leak_answer_in_image_text');
    // cross-image needs two images: without its one compound image the question goes, and both decisions say why
    expect(rowsOf('cross-image').some((r) => r.pmcid === 'PMC4736318')).toBe(false);
    const xiDrops = withStore((s) => s.db.prepare(`SELECT reason FROM stage_progress WHERE stage = 'generate' AND item_key = 'PMC4736318#c1:cross-image'`).pluck().get());
    expect(xiDrops).toBe('too_few_images');
    const xi = withStore((s) => s.db.prepare(`SELECT reason_code AS reason, field FROM decisions WHERE stage = 'generate' AND item_key = 'PMC4736318#c1:cross-image'`).all() as { reason: string; field: string | null }[]);
    expect(xi).toContainEqual({ reason: 'leak_answer_in_image_text', field: 'image:PMC4736318-fig1-1' });
    expect(xi.map((x) => x.reason)).toContain('too_few_images');
  }, 120_000);
});

describe('the residual scanner refuses a release the filter let through', () => {
  it('names row, field and term, writes nothing for the track, and records each finding', async () => {
    const id = questionOf('tx-PMC4739221-c1');
    withStore((s) => {
      const f = JSON.parse(readFinalJson(s.db, id)!) as FilteredQuestion; // final_json is packed (db/packed-json.ts)
      f.context = `${f.context} Sarcoidosis was treated with prednisolone.`;   // as if the filter had missed them
      s.db.prepare('UPDATE filtered_questions SET final_json = ? WHERE id = ?').run(JSON.stringify(f), id);
    });
    const before = readFileSync(join(work.dir, 'export', 'treatment.jsonl'));
    const warnings: string[] = [];
    const res = await run(['export'], { ...silentLogger, warn: (m) => warnings.push(m) });
    const exp = res.counts.find((c) => c.stage === 'export')!;
    expect(exp.dropped).toEqual({ leak_found_by_scanner: 1 });
    const msg = warnings.join('\n');
    expect(msg).toContain('export of treatment refused');
    expect(msg).toContain(id);
    expect(msg).toContain('context');
    expect(msg).toMatch(/"Sarcoidosis"/);
    expect(msg).toMatch(/"prednisolone"/);
    expect(readFileSync(join(work.dir, 'export', 'treatment.jsonl')).equals(before)).toBe(true);
    const d = decisionsOf(id).filter((x) => x.stage === 'export');
    expect(d.map((x) => x.reason)).toEqual(['leak_found_by_scanner', 'leak_found_by_scanner']);
    expect(d.map((x) => x.matched_text).sort()).toEqual(['Sarcoidosis', 'prednisolone']);
  }, 120_000);
});

// generate: one draft question per (case, track) for every case with an accepted rare diagnosis. The
// stage reads the store and builds the case material; each track's generator (pure) builds the draft.
// Item = "PMC123#c1:treatment", so drops are counted per track and a model-backed track retries alone.
// Cases whose diagnosis align did not accept are not listed: align recorded that decision (one stage owns each drop).
import { readParsedArticle } from '../../db/article-text.ts';
import { packDraft } from '../../db/packed-json.ts';
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf } from '../core/hash.ts';
import { ConfigError } from '../core/errors.ts';
import { upstreamOutputs } from '../runner/runner.ts';
import type { ParsedArticle } from '../../schemas/article.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { recogniserFor, type Vocab } from '../../ontology/vocab/index.ts';
import { QuestionDraft, TRACKS, type Track } from '../../schemas/question.ts';
import type { Config } from '../../schemas/config.ts';
import { crossArticleDuplicates, type CrossDuplicate } from './cross-duplicates.ts';
import { diagnosisInfo, materialFromArticle, type CaseMaterial, type ImageInfo, type MentionSpan } from './material.ts';
import { rulesGenerator, type TrackGenerator } from './generator.ts';
import { onePatient } from './selection.ts';

export const GENERATE_VERSION = '4';

export { questionId } from './material.ts';
import { questionId } from './material.ts';

interface CaseInput { pmcid: string; caseNo: number; track: Track; duplicates: CrossDuplicate[] }

interface DiagRow { orpha_code: string | null; orpha_name: string | null; status: string; reason: string | null; evidence_json: string; aliases_json: string }

/** Which generator writes a track: the rules, or one a caller supplies for `generate.generators.<track> = "llm"`. */
export type GeneratorFactory = (track: Track, config: Config) => TrackGenerator;

const defaultFactory: GeneratorFactory = (track, config) => {
  if (config.generate.generators[track] === 'llm') {
    throw new ConfigError(`generate.generators.${track} is "llm" but no model-backed generator was supplied (pipeline/generate/llm.ts)`);
  }
  return rulesGenerator(track);
};

/** Columns other stages may have added to `images` (quality rules, OCR): read when present. */
function imageColumns(ctx: StageContext): Set<string> {
  return new Set((ctx.store.db.prepare('PRAGMA table_info(images)').all() as { name: string }[]).map((c) => c.name));
}

export function createGenerateStage(lexicon: Lexicon, vocab: Vocab, opts: { generators?: GeneratorFactory } = {}): Stage<CaseInput, QuestionDraft> {
  const recogniser = recogniserFor(vocab);
  const vocabHash = hashOf(vocab.sources.map((s) => [s.id, s.sha256]), vocab.compilerVersion);
  const factory = opts.generators ?? defaultFactory;
  const generators = new Map<string, TrackGenerator>();
  const generatorFor = (track: Track, config: Config): TrackGenerator => {
    const k = `${track}:${config.generate.generators[track]}`;
    let g = generators.get(k);
    if (!g) { g = factory(track, config); generators.set(k, g); }
    return g;
  };
  // material is built once per case and shared by its tracks (their items come one after another)
  let cached: { key: string; material: CaseMaterial } | null = null;

  function material(ctx: StageContext, pmcid: string, caseNo: number, duplicates: CrossDuplicate[], diag: DiagRow): CaseMaterial {
    const key = hashOf(pmcid, caseNo, duplicates, diag, ctx.config.generate);
    if (cached?.key === key) return cached.material;
    const db = ctx.store.db;
    const code = diag.orpha_code!;
    const name = diag.orpha_name ?? lexicon.byCode.get(code)?.name ?? code;
    const article = readParsedArticle(db, pmcid)!; // the article with its text (db/article-text.ts)
    const texts = [article.abstract, ...article.sections.map((x) => x.text)];
    const diagnosis = diagnosisInfo(lexicon, {
      code, name, articleAliases: JSON.parse(diag.aliases_json) as string[], texts,
      statements: (JSON.parse(diag.evidence_json) as { sectionId: string | null; start: number; end: number; text: string }[])
        .map((e) => ({ sectionId: e.sectionId, start: e.start, end: e.end, text: e.text })),
    });
    const cols = imageColumns(ctx);
    // images a quality rule failed are shown nowhere (extract's images.quality, when that column exists)
    const quality = cols.has('quality') ? `AND quality IN ('ok', 'placeholder_exempt')` : '';
    const ocr = cols.has('ocr_text') ? 'ocr_text' : 'NULL AS ocr_text';
    const images = (db.prepare(`SELECT image_id, figure_id, ord, width, height, norm_sha256, format, placeholder, license_code, ${ocr}
        FROM images WHERE pmcid = ? ${quality} ORDER BY image_id`).all(pmcid) as
      { image_id: string; figure_id: string; ord: number; width: number; height: number; norm_sha256: string; format: string; placeholder: number; license_code: string; ocr_text: string | null }[])
      .filter((i) => !duplicates.some((d) => d.imageId === i.image_id))
      .map((i): ImageInfo => ({
        imageId: i.image_id, figureId: i.figure_id, ord: i.ord, width: i.width, height: i.height, normSha: i.norm_sha256, format: i.format,
        placeholder: i.placeholder === 1, license: i.license_code, ocrText: i.ocr_text && i.ocr_text.trim() ? i.ocr_text : null,
      }));
    const mentions = (db.prepare(`SELECT section_id, start_offset, end_offset, orpha_code, orpha_name, status, text FROM mentions WHERE pmcid = ? AND field = 'body'`).all(pmcid) as
      { section_id: string | null; start_offset: number; end_offset: number; orpha_code: string; orpha_name: string; status: string; text: string }[])
      .map((x): MentionSpan => ({ sectionId: x.section_id, start: x.start_offset, end: x.end_offset, orphaCode: x.orpha_code, orphaName: x.orpha_name, status: x.status, text: x.text }));
    const m = materialFromArticle(article, caseNo, { diagnosis, images, mentions, recogniser, options: {
      minContextSentences: ctx.config.generate.minContextSentences, maxImages: ctx.config.generate.maxImages,
      minImages: ctx.config.generate.minImages, minKeyTests: ctx.config.generate.minKeyTests,
    } });
    cached = { key, material: m };
    return m;
  }

  return {
    name: 'generate',
    version: GENERATE_VERSION,
    reconcile: true,
    outputSchema: QuestionDraft,
    // which generator a track uses is part of that track's items' input, not of the stage's config
    configSlice: (c) => ({ ...c.generate, tracks: undefined, generators: undefined, nearDuplicateMaxDistance: c.extract.images.nearDuplicateMaxDistance, orphanetRelease: lexicon.release, vocab: vocabHash }),

    items(ctx) {
      const extract = upstreamOutputs(ctx, 'extract');
      const align = upstreamOutputs(ctx, 'align');
      const cases = ctx.store.db.prepare(`SELECT pmcid, case_no FROM case_diagnoses WHERE status = 'accepted' AND orpha_code IS NOT NULL ORDER BY pmcid, case_no`).all() as { pmcid: string; case_no: number }[];
      const quality = imageColumns(ctx).has('quality') ? `AND quality = 'ok'` : '';
      // images that failed a quality rule are shown nowhere, so they are nobody's duplicate either
      const hashes = ctx.store.db.prepare(`SELECT image_id AS imageId, pmcid, dhash FROM images WHERE placeholder = 0 ${quality} ORDER BY image_id`).all() as
        { imageId: string; pmcid: string; dhash: string }[];
      const dups = [...crossArticleDuplicates(hashes, ctx.config.extract.images.nearDuplicateMaxDistance).values()];
      const tracks = TRACKS.filter((t) => ctx.config.generate.tracks.includes(t));
      // the text read from an article's images (OCR) decides which images may be shown: part of the input
      const ocrOf = new Map<string, string>();
      if (imageColumns(ctx).has('ocr_text')) {
        const rows = ctx.store.db.prepare('SELECT pmcid, image_id, ocr_text FROM images WHERE ocr_text IS NOT NULL ORDER BY image_id').all() as { pmcid: string; image_id: string; ocr_text: string }[];
        for (const r of rows) ocrOf.set(r.pmcid, hashOf(ocrOf.get(r.pmcid) ?? '', r.image_id, r.ocr_text));
      }
      // each article's duplicates, in the order found (grouped once: a filter per case was quadratic in the corpus)
      const dupsOf = new Map<string, typeof dups>();
      for (const d of dups) {
        const p = d.imageId.slice(0, d.imageId.indexOf('-')); // image ids are <pmcid>-<figure>-<k>
        (dupsOf.get(p) ?? dupsOf.set(p, []).get(p)!).push(d);
      }
      return cases.filter((c) => align.has(c.pmcid)).flatMap((c) => {
        const duplicates = dupsOf.get(c.pmcid) ?? [];
        return tracks.map((track) => {
          const g = generatorFor(track, ctx.config);
          return {
            key: `${c.pmcid}#c${c.case_no}:${track}`,
            // a duplicate found in another article re-runs this case; so does a change of the track's generator
            inputHash: hashOf(align.get(c.pmcid), extract.get(c.pmcid), duplicates, track, g.info, ocrOf.get(c.pmcid) ?? null),
            input: { pmcid: c.pmcid, caseNo: c.case_no, track, duplicates },
            pmcid: c.pmcid,
          };
        });
      });
    },

    async process(item: StageItem<CaseInput>, ctx: StageContext): Promise<ItemResult<QuestionDraft>> {
      const { pmcid, caseNo, track, duplicates } = item.input;
      const diag = ctx.store.db.prepare('SELECT orpha_code, orpha_name, status, reason, evidence_json, aliases_json FROM case_diagnoses WHERE pmcid = ? AND case_no = ?')
        .get(pmcid, caseNo) as DiagRow | undefined;
      if (!diag || diag.status !== 'accepted' || !diag.orpha_code) return { kind: 'drop', reason: 'diagnosis_not_accepted', rule: 'generate.requires_accepted_diagnosis', detail: { status: diag?.status ?? null } };
      const m = material(ctx, pmcid, caseNo, duplicates, diag);
      const one = onePatient(m.sentences);
      if (!one.ok) return { kind: 'drop', reason: 'case_multiple_patients', rule: 'generate.case.one_patient', detail: one.detail };
      const g = generatorFor(track, ctx.config);
      const res = await g.generate(m);
      if (!res.ok) {
        if ('transient' in res) return { kind: 'transient', error: res.error };
        const id = questionId(track, pmcid, caseNo, diag.orpha_code);
        const withheld: DecisionInput[] = (res.withheld ?? []).map((w) => ({ action: 'exclude', reason: w.reason, rule: w.rule, questionId: id, field: `image:${w.imageId}`, detail: { figure: w.figureLabel, why: w.detail } }));
        return { kind: 'drop', reason: res.reason, rule: res.rule, detail: { track, ...res.detail }, decisions: withheld };
      }
      const d = { ...res.draft, generator: g.info } as QuestionDraft;
      const decisions: DecisionInput[] = duplicates.map((x) => ({
        action: 'drop', reason: 'image_near_duplicate', rule: 'generate.image.cross_article_dhash', questionId: d.id, field: `image:${x.imageId}`,
        detail: { imageId: x.imageId, duplicateOf: x.duplicateOf, distance: x.distance },
      }));
      for (const w of d.withheld) {
        decisions.push({ action: 'exclude', reason: w.reason, rule: w.rule, questionId: d.id, field: `image:${w.imageId}`, detail: { figure: w.figureLabel, why: w.detail } });
      }
      if (d.cut) {
        const s = d.cut.sentence;
        decisions.push({
          action: 'cut', reason: `cut_${d.cut.reason}`, rule: `generate.${track.replace('-', '_')}.decision_point`, questionId: d.id, field: s ? `section:${s.sectionId}` : null,
          span: s ? [s.start, s.end] : null, matchedText: s?.text ?? null, detail: { beforeSentence: d.cut.beforeSentence, contextSentences: d.contextParts.length },
        });
      }
      for (const n of res.notes ?? []) decisions.push({ action: 'flag', reason: n.reason, rule: n.rule, questionId: d.id, field: n.field ?? null, detail: n.detail });
      return {
        kind: 'output',
        output: d,
        decisions,
        attributes: {
          context_sentences: d.contextParts.length, images: d.images.length, withheld_images: d.withheld.length,
          placeholder_images: d.images.filter((i) => i.placeholder).length, generator: d.generator.kind,
        },
      };
    },

    clear(ctx, key) {
      const [head, track] = key.split(':');
      const [pmcid, c] = head.split('#c');
      // keys before v4 had no track ("PMC123#c1"): clear every track of the case
      if (track) ctx.store.db.prepare('DELETE FROM questions WHERE pmcid = ? AND case_no = ? AND track = ?').run(pmcid, Number(c), track);
      else ctx.store.db.prepare('DELETE FROM questions WHERE pmcid = ? AND case_no = ?').run(pmcid, Number(c));
    },

    write(ctx, _item, q: QuestionDraft): string {
      const db = ctx.store.db;
      // the draft packed (db/packed-json.ts); its evidence list is what the draft gives (db/question-evidence.ts), not stored again
      db.prepare('INSERT INTO questions (id, track, pmcid, case_no, draft_json) VALUES (?, ?, ?, ?, ?)').run(q.id, q.track, q.pmcid, q.caseNo, packDraft(db, q.pmcid, JSON.stringify(q)));
      return hashOf(GENERATE_VERSION, q);
    },
  };
}

// extract: JATS → sections, case timelines, figures, and decoded, normalised images.
// The parsing and image work are pure functions (jats.ts, images.ts); this file only reads the
// fetched blobs, calls them, and writes the rows.
import type { Stage, StageContext, StageItem, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf } from '../core/hash.ts';
import { StopRequested, upstreamOutputs } from '../runner/runner.ts';
import { createLimiter } from '../runner/limit.ts';
import sharp from 'sharp';
import { z } from 'zod';
import { withoutSpeedKnobs } from '../../schemas/config.ts';
import { ParsedArticle } from '../../schemas/article.ts';
import { leanParsedJson, sentenceTextColumn } from '../../db/article-text.ts';
import { packText } from '../../db/packed-json.ts';
import { parseJats } from './jats.ts';
import { safeMediaName } from './images.ts';
import { decodeImage, reviveDecoded, type DecodedImage, type DecodeImageOptions } from './decode-image.ts';
import { createWorkerPool } from '../core/worker-pool.ts';
import { findNearDuplicates } from '../core/near-duplicates.ts';
import { judgeImageQuality } from './quality.ts';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../schemas/config.ts';
import { cacheDir } from '../core/data-locations.ts';
import { createTesseractEngine, noneEngine, ocrInput, OcrCache, type OcrEngine, type OcrResult } from './ocr.ts';

// 5: text inside images (OCR) read and stored with each image (4: image quality rules)
export const EXTRACT_VERSION = '5';

interface MediaRow { name: string; blob_sha256: string; placeholder: number }

export const ExtractedImage = z.object({
  imageId: z.string(), figureId: z.string(), ord: z.number().int().min(1), href: z.string(), mediaName: z.string(),
  sourceSha: z.string().regex(/^[0-9a-f]{64}$/), normalised: z.instanceof(Buffer), thumbnail: z.instanceof(Buffer),
  width: z.number().int().positive(), height: z.number().int().positive(), format: z.string(), dhash: z.string().regex(/^[0-9a-f]{16}$/), placeholder: z.boolean(),
  keptAsPublished: z.boolean(),
  // 'ok', 'placeholder_exempt' or the first quality rule the image failed (quality.ts): generate shows only the first two
  quality: z.string(),
  // OCR: text null = not read (ocrEngine 'none': no engine; an engine id: the read failed); '' = read, no text
  ocrText: z.string().nullable(), ocrEngine: z.string(),
});
export type ExtractedImage = z.infer<typeof ExtractedImage>;
export const ExtractOutput = z.object({ article: ParsedArticle, images: z.array(ExtractedImage), licence: z.string() });
export type ExtractOutput = z.infer<typeof ExtractOutput>;

/** A graphic's href names a media file without (or with another) extension: match on the stem. */
export function resolveMedia(href: string, media: MediaRow[]): MediaRow | undefined {
  const stem = (s: string): string => s.replace(/\.[A-Za-z0-9]{2,5}$/, '');
  return media.find((m) => m.name === href) ?? media.find((m) => stem(m.name) === href) ?? media.find((m) => stem(m.name) === stem(href));
}

export interface ExtractStageOptions {
  /** An OCR engine to use instead of the one the config names (tests). */
  ocr?: OcrEngine;
  /** null: no OCR result cache. Default: $XDG_CACHE_HOME/mmrare/ocr when extract.ocr.cache is on. */
  ocrCache?: OcrCache | null;
  /** Images decoded at once (one bound for all articles in flight) and libvips threads; default: the cores. */
  jobs?: number;
}

type OcrOutcome =
  | { status: 'read' | 'cached'; result: OcrResult }
  | { status: 'failed'; error: string; code: string }
  | { status: 'unavailable' };

export function createExtractStage(concurrency = 2, opts: ExtractStageOptions = {}): Stage<{ pmcid: string }, ExtractOutput> {
  // One bound on images decoded at once, across all the articles in flight; libvips' threads sized to the
  // same (sharp's default on glibc is one thread).
  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  // With more than one core, images are decoded in `jobs` worker threads (their pixel loops and sharp's
  // callbacks are JavaScript: on the main thread they kept one core waiting on the other), two at a time
  // each, so a worker's JavaScript overlaps its other image's libvips work.
  const pool = jobs > 1
    ? createWorkerPool({ size: jobs, perWorker: 2, youngGenerationMb: 2, module: new URL('./decode-image.ts', import.meta.url) }) : null;
  const imageLimit = createLimiter(pool ? 2 * jobs : jobs);
  sharp.concurrency(jobs);
  // each image is decoded once: libvips' operation cache would only hold memory
  sharp.cache(false);
  // The engine follows the config (probed once per setting): its id is part of the stage's slice, so
  // installing or upgrading tesseract re-extracts, and a machine without it records OCR as unavailable.
  let ocrState: { key: string; engine: OcrEngine; cache: OcrCache | null } | null = null;
  const ocrFor = (c: Config) => {
    const o = c.extract.ocr;
    const key = JSON.stringify(o);
    if (ocrState?.key !== key) {
      const engine = opts.ocr ?? (o.engine === 'none' ? noneEngine()
        : createTesseractEngine({ lang: o.lang, timeoutMs: o.timeoutMs, concurrency: o.concurrency ?? availableParallelism() }));
      const cache = opts.ocrCache !== undefined ? opts.ocrCache : o.cache ? new OcrCache(join(cacheDir(), 'ocr')) : null;
      ocrState = { key, engine, cache: engine.available().ok ? cache : null };
    }
    return ocrState;
  };

  async function readText(c: Config, sourceSha: string, source: Buffer, normalised: Buffer, sourceSide: number, normalisedSide: number): Promise<OcrOutcome> {
    const { engine, cache } = ocrFor(c);
    if (!engine.available().ok) return { status: 'unavailable' };
    const o = c.extract.ocr;
    const key = OcrCache.key(engine.id, sourceSha, o.maxSide);
    const hit = cache?.get(key);
    if (hit) return { status: 'cached', result: hit };
    try {
      const input = await ocrInput(source, normalised, sourceSide, normalisedSide, { maxSide: o.maxSide, limitInputPixels: c.extract.images.limitInputPixels });
      const result = await engine.read(input);
      cache?.put(key, result);
      return { status: 'read', result };
    } catch (e) {
      return { status: 'failed', error: (e as Error).message.slice(0, 300), code: (e as { code?: string }).code ?? 'failed' };
    }
  }

  return {
    name: 'extract',
    version: EXTRACT_VERSION,
    reconcile: true,
    concurrency,
    outputSchema: ExtractOutput,
    // concurrency changes how fast, not what: it is not part of the slice
    configSlice: (c) => ({ ...withoutSpeedKnobs(c).extract, ocrEngine: ocrFor(c).engine.id }),

    // the image workers (tens of MB each) end with the stage, not 2 s into align
    finish: () => pool?.release(),

    items(ctx) {
      return [...upstreamOutputs(ctx, 'fetch')].map(([pmcid, h]) => ({ key: pmcid, inputHash: h, input: { pmcid }, pmcid }));
    },

    async process(item, ctx): Promise<ItemResult<ExtractOutput>> {
      const { store, config } = ctx;
      const art = store.stmt('SELECT xml_sha256, license_code FROM articles WHERE pmcid = ?').get(item.key) as { xml_sha256: string; license_code: string };
      const xml = store.readBlob(art.xml_sha256);
      const parsed = parseJats(xml, { maxBytes: config.extract.maxXmlBytes, maxParagraphChars: config.extract.maxParagraphChars, maxSentenceChars: config.extract.maxSentenceChars });
      if (!parsed.ok) return { kind: 'drop', reason: parsed.reason, rule: `extract.jats.${parsed.reason}`, detail: { detail: parsed.detail } };
      const article = parsed.article;
      if (article.pmcid !== item.key) {
        return { kind: 'drop', reason: 'metadata_mismatch', rule: 'extract.jats.pmcid', detail: { expected: item.key, jats: article.pmcid } };
      }
      // A warning that changed the text (text_too_long) is a cut at its span; the others are flags.
      const decisions: DecisionInput[] = article.warnings.map((w) => (w.rule
        ? { action: 'cut', reason: w.code, rule: w.rule, field: w.field ?? null, span: w.span ?? null, detail: { detail: w.detail } }
        : { action: 'flag', reason: w.code, rule: 'extract.jats.warning', detail: { detail: w.detail } }));
      if (article.cases.length === 0) return { kind: 'drop', reason: 'no_case_section', rule: 'extract.case.find', decisions };

      // Figure ids key rows and image ids: a repeated <fig id> (seen in the wild) gets a suffix and a flag.
      const seenIds = new Map<string, number>();
      for (const f of article.figures) {
        const n = (seenIds.get(f.id) ?? 0) + 1;
        seenIds.set(f.id, n);
        if (n > 1) {
          decisions.push({ action: 'flag', reason: 'figure_id_duplicate', rule: 'extract.figure.id', detail: { id: f.id, renamed: `${f.id}-dup${n}` } });
          f.id = `${f.id}-dup${n}`;
        }
      }
      const media = store.stmt('SELECT name, blob_sha256, placeholder FROM media WHERE pmcid = ? ORDER BY name').all(item.key) as MediaRow[];
      const images: ExtractedImage[] = [];
      const compound: Record<string, { compound: boolean; evidence: string[] }> = {};
      const quality: Record<string, Record<string, unknown>> = {};
      const exempt: string[] = [];
      const o = config.extract.images;
      // Every stored image is read, placeholders too: their burned-in text is what a model would see.
      const ocrJobs: (() => Promise<void>)[] = [];
      const ocrOutcomes = new Map<string, OcrOutcome>();
      // The article's images: listed in order, decoded concurrently under the stage's one bound on images in
      // flight (shared by every article in flight), then taken in order again, so decisions and rows are
      // the same whatever finished first.
      type Slot = { fig: (typeof article.figures)[number]; g: { href: string }; ord: number; imageId: string; m: MediaRow | null; refused?: DecisionInput };
      const slots: Slot[] = [];
      for (const fig of article.figures.filter((f) => f.kind === 'figure')) {
        let ord = 0;
        for (const g of fig.graphics) {
          ord++;
          const imageId = `${item.key}-${fig.id}-${ord}`;
          const unsafe = safeMediaName(g.href);
          if (!unsafe.ok) {
            slots.push({ fig, g, ord, imageId, m: null, refused: { action: 'drop', reason: unsafe.reason, rule: 'extract.image.href', field: `figure:${fig.id}`, detail: { href: g.href, imageId, detail: unsafe.detail } } });
            continue;
          }
          const m = resolveMedia(g.href, media);
          if (!m) {
            slots.push({ fig, g, ord, imageId, m: null, refused: { action: 'drop', reason: 'image_missing', rule: 'extract.image.resolve', field: `figure:${fig.id}`, detail: { href: g.href, imageId } } });
            continue;
          }
          slots.push({ fig, g, ord, imageId, m });
        }
      }
      const decoded = await Promise.all(slots.map((sl) => (!sl.m ? null : imageLimit.run(async () => {
        if (ctx.signal?.aborted) throw new StopRequested(); // Ctrl-C: no new decode starts
        const sourceBytes = store.readBlob(sl.m!.blob_sha256);
        // Multi-panel figures: caption letters and, for real images, whitespace gutters (recorded, not split).
        const dopts: DecodeImageOptions = { maxSide: o.maxSide, thumbSide: o.thumbSide, limitInputPixels: o.limitInputPixels,
          panelLetters: sl.fig.panels.map((p) => p.letter), placeholder: sl.m!.placeholder === 1 };
        // a worker that fails (out of memory on a hostile file, say) fails this image only, as a decode failure
        const d: DecodedImage = pool
          ? await pool.run<DecodedImage>('decodeImage', [sourceBytes, dopts]).then(reviveDecoded,
            (e: Error) => ({ res: { ok: false, reason: 'image_decode_failed', detail: `image worker: ${e.message}` }, c: null }))
          : await decodeImage(sourceBytes, dopts);
        return { sourceBytes, res: d.res, c: d.c };
      }))));
      slots.forEach(({ fig, g, ord, imageId, m, refused }, k) => {
        if (refused || !m) { decisions.push(refused!); return; }
        const { sourceBytes, res, c } = decoded[k]!;
        if (!res.ok) {
          decisions.push({ action: 'drop', reason: res.reason, rule: 'extract.image.decode', field: `figure:${fig.id}`, detail: { href: g.href, imageId, detail: res.detail } });
          return;
        }
        compound[imageId] = { compound: c!.compound, evidence: c!.evidence };
        // Quality: an image no reader could use is kept in the store but excluded from questions. The
        // sample corpus's marked placeholder cards stand in for real figures, so the rules do not apply to them.
        let verdict: string;
        if (m.placeholder === 1) {
          verdict = 'placeholder_exempt';
          exempt.push(imageId);
          quality[imageId] = { verdict };
        } else {
          const q = judgeImageQuality(res.source, res.stats, o.quality);
          verdict = q.ok ? 'ok' : q.failed[0];
          quality[imageId] = { verdict, ...q.metrics };
          if (!q.ok) {
            decisions.push({ action: 'exclude', reason: q.failed[0], rule: 'extract.image.quality', field: `figure:${fig.id}`,
              detail: { imageId, href: g.href, failed: q.failed, ...q.metrics, thresholds: o.quality } });
          }
        }
        const image: ExtractedImage = {
          imageId, figureId: fig.id, ord, href: g.href, mediaName: m.name, sourceSha: m.blob_sha256,
          normalised: res.normalised, thumbnail: res.thumbnail, width: res.width, height: res.height,
          format: res.format, dhash: res.dhash, placeholder: m.placeholder === 1, keptAsPublished: res.keptAsPublished, quality: verdict,
          ocrText: null, ocrEngine: 'none',
        };
        images.push(image);
        ocrJobs.push(() => readText(config, m.blob_sha256, sourceBytes, res.normalised, Math.max(res.source.width, res.source.height), Math.max(res.width, res.height))
          .then((r) => { ocrOutcomes.set(imageId, r); }));
      });
      if (exempt.length) {
        decisions.push({ action: 'flag', reason: 'image_quality_exempt_placeholder', rule: 'extract.image.quality', detail: { images: exempt } });
      }
      // Near-duplicates within the article (placeholders are generated cards, and images that failed a
      // quality rule are shown nowhere, so both are skipped): the later image of each pair is dropped, the pair recorded.
      const real = images.filter((i) => !i.placeholder && i.quality === 'ok');
      const order = new Map(images.map((im, i) => [im.imageId, i]));
      const dropped = new Set<string>();
      for (const pair of findNearDuplicates(real.map((i) => ({ id: i.imageId, dhash: i.dhash })), o.nearDuplicateMaxDistance)) {
        // the image that comes first in the article is kept
        const [keep, drop] = order.get(pair.a)! < order.get(pair.b)! ? [pair.a, pair.b] : [pair.b, pair.a];
        if (dropped.has(keep) || dropped.has(drop)) continue;
        dropped.add(drop);
        decisions.push({ action: 'drop', reason: 'image_near_duplicate', rule: 'extract.image.dhash', detail: { imageId: drop, duplicateOf: keep, distance: pair.distance } });
      }
      const kept = images.filter((i) => !dropped.has(i.imageId));
      // submitted together, so the engine reads the article's images in one process
      await Promise.all(ocrJobs.map((f) => f()));
      const engine = ocrFor(config).engine;
      const availability = engine.available();
      const imageOcr: Record<string, unknown> = {};
      for (const im of kept) {
        const r = ocrOutcomes.get(im.imageId) ?? { status: 'unavailable' as const };
        if (r.status === 'read' || r.status === 'cached') {
          im.ocrText = r.result.text;
          im.ocrEngine = engine.id;
          // every word with its confidence and box (in the pixels read): thresholds act on these, not here
          imageOcr[im.imageId] = {
            status: 'read', words: r.result.words.map((w) => [w.text, w.confidence, ...w.box]),
            meanConfidence: r.result.meanConfidence, size: [r.result.width, r.result.height],
          };
        } else if (r.status === 'failed') {
          im.ocrEngine = engine.id;
          imageOcr[im.imageId] = { status: 'failed', error: r.error };
          decisions.push({ action: 'flag', reason: 'ocr_failed', rule: 'extract.image.ocr', field: `figure:${im.figureId}`, detail: { imageId: im.imageId, code: r.code, error: r.error } });
        } else {
          imageOcr[im.imageId] = { status: 'unavailable' };
        }
      }
      return {
        kind: 'output',
        output: { article, images: kept, licence: art.license_code },
        decisions,
        attributes: {
          sections: article.sections.length,
          cases: article.cases.length,
          sentences: article.cases.reduce((n, c) => n + c.sentences.length, 0),
          figures: article.figures.length,
          images: kept.length,
          image_dhash: Object.fromEntries(kept.map((i) => [i.imageId, i.dhash])),
          // how each image was normalised: kept as published (metadata stripped) or decoded and re-encoded
          image_normalisation: Object.fromEntries(kept.map((i) => [i.imageId, i.keptAsPublished ? 'kept_as_published' : 're_encoded'])),
          modality: Object.fromEntries(article.figures.map((f) => [f.id, f.modality])),
          compound,
          image_quality: quality,
          ocr: availability.ok ? { engine: engine.id, available: true } : { engine: 'none', available: false, reason: availability.reason },
          image_ocr: imageOcr,
        },
      };
    },

    clear(ctx, key) {
      for (const t of ['figure_refs', 'images', 'figures', 'sentences', 'cases', 'sections', 'article_text']) {
        ctx.store.stmt(`DELETE FROM ${t} WHERE pmcid = ?`).run(key);
      }
    },

    write(ctx: StageContext, item: StageItem<{ pmcid: string }>, out: ExtractOutput): string {
      const { store } = ctx;
      const a = out.article;
      const pmcid = item.key;
      ctx.store.stmt('INSERT INTO article_text (pmcid, title, abstract, article_type, journal, pub_year, parsed_json) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(pmcid, a.title, '', a.articleType, a.journal, a.pubYear, packText(leanParsedJson(a))); // text once (the abstract in parsed_json), packed: db/article-text.ts
      const sec = ctx.store.stmt('INSERT INTO sections (pmcid, section_id, ord, title, depth, kind, text) VALUES (?, ?, ?, ?, ?, ?, ?)');
      a.sections.forEach((s, i) => sec.run(pmcid, s.id, i, s.title, s.depth, s.kind, null)); // the text is in parsed_json
      const secText = new Map(a.sections.map((s) => [s.id, s.text]));
      const cas = ctx.store.stmt('INSERT INTO cases (pmcid, case_no, label) VALUES (?, ?, ?)');
      const sen = ctx.store.stmt('INSERT INTO sentences (pmcid, case_no, idx, section_id, start_offset, end_offset, text, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      for (const c of a.cases) {
        cas.run(pmcid, c.index, c.label);
        for (const s of c.sentences) sen.run(pmcid, c.index, s.index, s.sectionId, s.start, s.end, sentenceTextColumn(s, secText.get(s.sectionId)), s.kind);
      }
      const fig = ctx.store.stmt('INSERT INTO figures (pmcid, figure_id, ord, kind, label, caption, panels_json, modality) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const ref = ctx.store.stmt('INSERT INTO figure_refs (pmcid, figure_id, section_id, start_offset, end_offset, surface, panels_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
      a.figures.forEach((f, i) => {
        fig.run(pmcid, f.id, i, f.kind, f.label, f.caption, JSON.stringify(f.panels), f.modality.guess);
        for (const r of f.references) ref.run(pmcid, f.id, r.sectionId, r.start, r.end, r.surface, JSON.stringify(r.panels));
      });
      const img = ctx.store.stmt(`INSERT INTO images (image_id, pmcid, figure_id, ord, href, media_name, source_sha256, norm_sha256, thumb_sha256,
        width, height, format, dhash, placeholder, license_code, quality, ocr_text, ocr_engine) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const im of out.images) {
        const norm = store.putBlob(im.normalised, `image/${im.format}`);
        const thumb = store.putBlob(im.thumbnail, 'image/jpeg');
        img.run(im.imageId, pmcid, im.figureId, im.ord, im.href, im.mediaName, im.sourceSha, norm, thumb, im.width, im.height, im.format, im.dhash, im.placeholder ? 1 : 0, out.licence, im.quality, im.ocrText, im.ocrEngine);
      }
      ctx.store.stmt('UPDATE articles SET stale = 0 WHERE pmcid = ?').run(pmcid);
      return hashOf(EXTRACT_VERSION, a, out.images.map((i) => [i.imageId, i.sourceSha, i.dhash, i.placeholder, i.quality, i.ocrText, i.ocrEngine]), out.licence);
    },
  };
}

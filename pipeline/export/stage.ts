// export: <workdir>/export/<track>.jsonl (rows sorted by id), images/, MANIFEST.<track>.sha256.
// Item = one track. Every row passes the schema and the independent leak scanner, or is left out
// with a decision.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Stage, StageContext, ItemResult, DecisionInput } from '../runner/stage.ts';
import { createHash } from 'node:crypto';
import { canonicalJson, hashOf } from '../core/hash.ts';
import { FINAL_COLUMNS, finalJsonOf, unpackDraft, type FinalColumns } from '../../db/packed-json.ts';
import { pause } from '../runner/runner.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { TRACKS, type Track } from '../../schemas/export.ts';
import type { FilteredQuestion } from '../../schemas/question.ts';
import { scanMessage, scanRow, type HiddenText, type ScanFinding } from './scanner.ts';
import { applyStreamedPlan, buildRowLean, ExportStream, noticeFile, previousManifestImages, sweepExportTemps, type ProvenanceBase, type StreamedPlan } from './plan.ts';

export const EXPORT_VERSION = '2';

export const exportDir = (ctx: StageContext): string => join(ctx.store.workdir, 'export');

/**
 * A track's filtered rows in id order, with what export needs of each. Read through the index on
 * (track, id) (migration 091): without it SQLite sorted the whole track, packed rows and all, in memory.
 */
export const TRACK_ROWS_SQL = `SELECT f.id, f.pmcid, ${FINAL_COLUMNS}, q.draft_json, p.input_hash FROM filtered_questions f
  JOIN questions q ON q.id = f.id JOIN stage_progress p ON p.stage = 'filter' AND p.item_key = f.id AND p.status = 'done'
  WHERE f.track = ? ORDER BY f.id`;

interface FilteredRow { id: string; pmcid: string; final_json: string }

const NO_FILES = 'no-files';

/** Size and mtime of every file the track's manifest lists (and of the manifest): cheap, catches deletes and edits. */
export function diskFingerprint(dir: string, track: Track): string {
  const manifest = join(dir, `MANIFEST.${track}.sha256`);
  if (!existsSync(manifest)) return NO_FILES;
  const paths = [manifest, ...readFileSync(manifest, 'utf8').split('\n').filter(Boolean).map((l) => join(dir, l.slice(66)))];
  return hashOf(paths.map((p) => {
    if (!existsSync(p)) return [p, 'missing'];
    const st = statSync(p);
    return [p, st.size, st.mtimeMs];
  }));
}

export function createExportStage(lexicon: Lexicon, prov: () => ProvenanceBase): Stage<{ track: Track }, StreamedPlan> {
  // Only rows filter made from the question as it stands now: after `mmrare generate` alone, a row
  // filtered from an older draft is not exported until filter has run again. Rows are read one at a time
  // (iterate), in id order, so neither the input hash nor the export holds a track in memory.
  function* rowsOf(ctx: StageContext, track: string): Generator<FilteredRow> {
    const st = ctx.store.db.prepare(TRACK_ROWS_SQL);
    // packed columns (db/packed-json.ts): hashes are over the unpacked text
    for (const r of st.iterate(track) as IterableIterator<{ id: string; pmcid: string; draft_json: string | Buffer; input_hash: string } & FinalColumns>) {
      if (r.input_hash === hashOf(unpackDraft(ctx.store.db, r.pmcid, r.draft_json))) yield { id: r.id, pmcid: r.pmcid, final_json: finalJsonOf(ctx.store.db, r) };
    }
  }
  const statements = (ctx: StageContext) => {
    const db = ctx.store.db;
    return {
      decisions: db.prepare(`SELECT reason_code AS reason, action FROM decisions WHERE question_id = ? AND stage != 'export' ORDER BY id`),
      article: db.prepare('SELECT pmid, doi, license_code, source_urls_json FROM articles WHERE pmcid = ?'),
    };
  };
  const notice = () => noticeFile({ release: lexicon.release, licence: lexicon.source.licence }, prov().vocabularies ?? []);

  return {
    name: 'export',
    version: EXPORT_VERSION,
    reconcile: true,
    configSlice: () => ({ orphanetRelease: lexicon.release }),

    items(ctx) {
      const st = statements(ctx);
      return TRACKS.filter((t) => ctx.config.generate.tracks.includes(t)).map((track) => {
        // the rows, their decisions, the provenance, and the files on disk (a deleted or edited export file
        // is rewritten), hashed row by row
        const h = createHash('sha256').update(`export-input-v2\n`);
        for (const r of rowsOf(ctx, track)) h.update(canonicalJson([r.id, r.final_json, st.decisions.all(r.id)])).update('\n');
        const recorded = (ctx.store.db.prepare('SELECT sha256 FROM exports WHERE track = ? ORDER BY id DESC LIMIT 1').get(`${track}:files`) as { sha256: string } | undefined)?.sha256;
        const onDisk = diskFingerprint(exportDir(ctx), track);
        return {
          key: track,
          inputHash: hashOf(h.digest('hex'), prov(), onDisk === (recorded ?? NO_FILES) ? 'intact' : onDisk),
          input: { track },
        };
      });
    },

    async process(item, ctx): Promise<ItemResult<StreamedPlan>> {
      const db = ctx.store.db;
      const st = statements(ctx);
      const images = db.prepare(`SELECT media_name FROM images WHERE image_id = ?`).pluck();
      const captionOf = db.prepare(`SELECT caption FROM figures WHERE pmcid = ? AND figure_id = ?`).pluck();
      const dir = exportDir(ctx);
      // temp files a killed export left go first; this track's JSONL is then written as its rows are read
      const swept = sweepExportTemps(dir);
      const out = new ExportStream(dir, item.input.track);
      const findings: ScanFinding[] = [];
      try {
        for (const r of rowsOf(ctx, item.input.track)) {
          await pause(ctx); // a track is one long item: Ctrl-C is seen between its rows
          const filtered = JSON.parse(r.final_json) as FilteredQuestion;
          const d = filtered.draft;
          const art = st.article.get(r.pmcid) as { pmid: string | null; doi: string | null; license_code: string; source_urls_json: string };
          const media = new Set([...new Set(d.images.map((i) => i.storeImageId))].map((id) => images.get(id) as string | undefined).filter((m): m is string => m !== undefined));
          const urls = JSON.parse(art.source_urls_json) as string[];
          const sourceUrls = urls.filter((u, i) => i === 0 || [...media].some((m) => u.split('?')[0].endsWith(`/${m}`)));
          const built = buildRowLean({
            filtered, article: { pmid: art.pmid, doi: art.doi, license: art.license_code, sourceUrls },
            decisions: st.decisions.all(r.id) as { reason: string; action: string }[],
          }, prov());
          // the scanner reads the row as exported, plus what the row does not carry: captions and the images' own text
          const captions = d.track === 'cross-image'
            ? [...new Set(d.images.map((i) => i.figureId))].sort().map((f) => captionOf.get(r.pmcid, f) as string | undefined).filter((c): c is string => Boolean(c))
            : [];
          const hidden: HiddenText = { captions, imageText: Object.fromEntries(d.images.map((i) => [i.imageId, i.ocrText])) };
          findings.push(...scanRow(built.row, hidden));
          // after a residual leak nothing is written any more, but every row is still scanned (all findings are recorded)
          if (!findings.length) out.add(built);
        }
      } catch (e) {
        out.abort();
        throw e;
      }
      if (findings.length) {
        out.abort();
        const decisionsOfFindings: DecisionInput[] = findings.map((f) => ({
          action: 'drop', reason: 'leak_found_by_scanner', rule: 'export.scanner', questionId: f.row, field: f.field, span: [f.at, f.at + f.found.length], matchedText: f.found,
          detail: { term: f.term, kind: f.kind },
        }));
        // a residual leak refuses the whole track's release: the files on disk are left as they were
        const message = scanMessage(item.input.track, findings);
        ctx.log.warn(message);
        return { kind: 'drop', reason: 'leak_found_by_scanner', rule: 'export.scanner', detail: { track: item.input.track, findings: findings.length, message }, decisions: decisionsOfFindings };
      }
      const plan = out.finish([notice()]);
      if (swept) ctx.log.debug(`export ${plan.track}: ${swept} stale temp files swept`);
      const decisions: DecisionInput[] = plan.rejected.map((x) => ({ action: 'drop', reason: x.reason, rule: x.rule, questionId: x.questionId, detail: x.detail }));
      return { kind: 'output', output: plan, decisions, attributes: { rows: plan.rows, rejected: plan.rejected.length, files: plan.files.length } };
    },

    clear() { /* files are replaced atomically by write; nothing to delete in the store */ },

    write(ctx, _item, plan: StreamedPlan): string {
      const dir = exportDir(ctx);
      const others = new Set(TRACKS.filter((t) => t !== plan.track).flatMap((t) => previousManifestImages(dir, t)));
      const res = applyStreamedPlan(dir, plan, previousManifestImages(dir, plan.track), others, (sha) => ctx.store.readBlob(sha));
      const now = new Date().toISOString();
      const ins = ctx.store.db.prepare('INSERT INTO exports (run_id, track, path, sha256, rows, created_at) VALUES (?, ?, ?, ?, ?, ?)');
      const jsonl = plan.files.find((f) => f.path === `${plan.track}.jsonl`)!;
      const manifest = plan.files.find((f) => f.path.startsWith('MANIFEST.'))!;
      const jsonlPath = join(dir, jsonl.path);
      ins.run(ctx.runId, plan.track, jsonlPath, jsonl.sha256, plan.rows, now);
      ins.run(ctx.runId, `${plan.track}:manifest`, join(dir, manifest.path), manifest.sha256, plan.files.length, now);
      ins.run(ctx.runId, `${plan.track}:files`, dir, diskFingerprint(dir, plan.track), plan.files.length, now);
      // the summary's image counts, tied to this JSONL by its hash (so the summary need not parse the file)
      ins.run(ctx.runId, `${plan.track}:images`, jsonlPath, jsonl.sha256, plan.images, now);
      ins.run(ctx.runId, `${plan.track}:placeholder-images`, jsonlPath, jsonl.sha256, plan.placeholderImages, now);
      ctx.log.debug(`export ${plan.track}: ${res.written} written, ${res.unchanged} unchanged, ${res.removed} removed`);
      return manifest.sha256;
    },
  };
}

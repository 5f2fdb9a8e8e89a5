// export: <workdir>/export/<track>.jsonl (rows sorted by id), images/, MANIFEST.<track>.sha256.
// Item = one track. Every row passes the schema and the independent leak scanner, or is left out
// with a decision.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Stage, StageContext, ItemResult, DecisionInput } from '../runner/stage.ts';
import { hashOf } from '../core/hash.ts';
import { pause } from '../runner/runner.ts';
import type { Lexicon } from '../../ontology/types.ts';
import { TRACKS, type Track } from '../../schemas/export.ts';
import type { FilteredQuestion } from '../../schemas/question.ts';
import { scanMessage, scanRow, type HiddenText, type ScanFinding } from './scanner.ts';
import { applyExportPlan, buildExportPlan, buildRow, noticeFile, previousManifestImages, type BuiltRow, type ExportPlan, type ProvenanceBase, type RowRejection } from './plan.ts';

export const EXPORT_VERSION = '2';

export const exportDir = (ctx: StageContext): string => join(ctx.store.workdir, 'export');

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

export function createExportStage(lexicon: Lexicon, prov: () => ProvenanceBase): Stage<{ track: Track }, ExportPlan> {
  // Only rows filter made from the question as it stands now: after `mmrare generate` alone, a row
  // filtered from an older draft is not exported until filter has run again.
  const rowsOf = (ctx: StageContext, track: string): FilteredRow[] =>
    (ctx.store.db.prepare(`SELECT f.id, f.pmcid, f.final_json, q.draft_json, p.input_hash FROM filtered_questions f
        JOIN questions q ON q.id = f.id JOIN stage_progress p ON p.stage = 'filter' AND p.item_key = f.id AND p.status = 'done'
        WHERE f.track = ? ORDER BY f.id`).all(track) as (FilteredRow & { draft_json: string; input_hash: string })[])
      .filter((r) => r.input_hash === hashOf(r.draft_json));
  const decisionsOf = (ctx: StageContext, id: string): { reason: string; action: string }[] =>
    ctx.store.db.prepare(`SELECT reason_code AS reason, action FROM decisions WHERE question_id = ? AND stage != 'export' ORDER BY id`).all(id) as { reason: string; action: string }[];
  const notice = () => noticeFile({ release: lexicon.release, licence: lexicon.source.licence }, prov().vocabularies ?? []);

  return {
    name: 'export',
    version: EXPORT_VERSION,
    reconcile: true,
    configSlice: () => ({ orphanetRelease: lexicon.release }),

    items(ctx) {
      return TRACKS.filter((t) => ctx.config.generate.tracks.includes(t)).map((track) => {
        const rows = rowsOf(ctx, track);
        const recorded = (ctx.store.db.prepare('SELECT sha256 FROM exports WHERE track = ? ORDER BY id DESC LIMIT 1').get(`${track}:files`) as { sha256: string } | undefined)?.sha256;
        const onDisk = diskFingerprint(exportDir(ctx), track);
        return {
          key: track,
          // the files on disk are part of the input: a deleted or edited export file is rewritten
          inputHash: hashOf(rows.map((r) => [r.id, r.final_json, decisionsOf(ctx, r.id)]), prov(), onDisk === (recorded ?? NO_FILES) ? 'intact' : onDisk),
          input: { track },
        };
      });
    },

    async process(item, ctx): Promise<ItemResult<ExportPlan>> {
      const db = ctx.store.db;
      const rejected: RowRejection[] = [];
      const candidates: BuiltRow[] = [];
      const findings: ScanFinding[] = [];
      for (const r of rowsOf(ctx, item.input.track)) {
        await pause(ctx); // a track is one long item: Ctrl-C is seen between its rows
        const filtered = JSON.parse(r.final_json) as FilteredQuestion;
        const d = filtered.draft;
        const art = db.prepare('SELECT pmid, doi, license_code, source_urls_json FROM articles WHERE pmcid = ?').get(r.pmcid) as
          { pmid: string | null; doi: string | null; license_code: string; source_urls_json: string };
        const storeIds = [...new Set(d.images.map((i) => i.storeImageId))];
        const media = new Set((db.prepare(`SELECT media_name FROM images WHERE image_id IN (${storeIds.map(() => '?').join(',') || "''"})`)
          .all(...storeIds) as { media_name: string }[]).map((m) => m.media_name));
        const urls = JSON.parse(art.source_urls_json) as string[];
        const sourceUrls = urls.filter((u, i) => i === 0 || [...media].some((m) => u.split('?')[0].endsWith(`/${m}`)));
        const built = buildRow({
          filtered, article: { pmid: art.pmid, doi: art.doi, license: art.license_code, sourceUrls },
          decisions: decisionsOf(ctx, r.id), imageBytes: (sha) => ctx.store.readBlob(sha),
        }, prov());
        // the scanner reads the row as exported, plus what the row does not carry: captions and the images' own text
        const captions = (db.prepare(`SELECT caption FROM figures WHERE pmcid = ? AND figure_id IN (${d.images.map(() => '?').join(',') || "''"})`)
          .all(r.pmcid, ...d.images.map((i) => i.figureId)) as { caption: string }[]).map((c) => c.caption).filter(Boolean);
        const hidden: HiddenText = { captions: d.track === 'cross-image' ? captions : [], imageText: Object.fromEntries(d.images.map((i) => [i.imageId, i.ocrText])) };
        findings.push(...scanRow(built.row, hidden));
        candidates.push(built);
      }
      const decisionsOfFindings: DecisionInput[] = findings.map((f) => ({
        action: 'drop', reason: 'leak_found_by_scanner', rule: 'export.scanner', questionId: f.row, field: f.field, span: [f.at, f.at + f.found.length], matchedText: f.found,
        detail: { term: f.term, kind: f.kind },
      }));
      if (findings.length) {
        // a residual leak refuses the whole track's release: the files on disk are left as they were
        const message = scanMessage(item.input.track, findings);
        ctx.log.warn(message);
        return { kind: 'drop', reason: 'leak_found_by_scanner', rule: 'export.scanner', detail: { track: item.input.track, findings: findings.length, message }, decisions: decisionsOfFindings };
      }
      const plan = buildExportPlan(item.input.track, candidates, rejected, [notice()]);
      const decisions: DecisionInput[] = plan.rejected.map((x) => ({ action: 'drop', reason: x.reason, rule: x.rule, questionId: x.questionId, detail: x.detail }));
      return { kind: 'output', output: plan, decisions, attributes: { rows: plan.rows.length, rejected: plan.rejected.length, files: plan.files.length } };
    },

    clear() { /* files are replaced atomically by write; nothing to delete in the store */ },

    write(ctx, _item, plan: ExportPlan): string {
      const dir = exportDir(ctx);
      const others = new Set(TRACKS.filter((t) => t !== plan.track).flatMap((t) => previousManifestImages(dir, t)));
      const res = applyExportPlan(dir, plan, previousManifestImages(dir, plan.track), others);
      const now = new Date().toISOString();
      const ins = ctx.store.db.prepare('INSERT INTO exports (run_id, track, path, sha256, rows, created_at) VALUES (?, ?, ?, ?, ?, ?)');
      const jsonl = plan.files.find((f) => f.path === `${plan.track}.jsonl`)!;
      const manifest = plan.files.find((f) => f.path.startsWith('MANIFEST.'))!;
      ins.run(ctx.runId, plan.track, join(dir, jsonl.path), jsonl.sha256, plan.rows.length, now);
      ins.run(ctx.runId, `${plan.track}:manifest`, join(dir, manifest.path), manifest.sha256, plan.files.length, now);
      ins.run(ctx.runId, `${plan.track}:files`, dir, diskFingerprint(dir, plan.track), plan.files.length, now);
      ctx.log.debug(`export ${plan.track}: ${res.written} written, ${res.unchanged} unchanged, ${res.removed} removed, ${res.swept} stale temp files swept`);
      return manifest.sha256;
    },
  };
}

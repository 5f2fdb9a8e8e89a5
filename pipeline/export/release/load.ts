// The rows of a release, read from the store: the reviewed questions (db/review-state.ts decides which are
// accepted), each built into its export row exactly as the draft export builds it (plan.ts buildRow),
// extended with the release fields (schemas/release.ts), re-read by the residual scanner, and checked
// against the licence preset. Every row left out says why (reason code, rule, detail).
import type { Store } from '../../../db/store.ts';
import { reviewedQuestions } from '../../../db/review-state.ts';
import { unpackDraft, unpackText } from '../../../db/packed-json.ts';
import { EXPORT_SCHEMAS, type ExportRow, type Track } from '../../../schemas/export.ts';
import type { FilteredQuestion } from '../../../schemas/question.ts';
import { releaseRow, releaseSchemaOf, type ReleaseRow } from '../../../schemas/release.ts';
import { byCodeUnit, hashOf } from '../../core/hash.ts';
import { normaliseLicenceCode, releaseAllows } from '../../core/licence.ts';
import { buildRow, type ProvenanceBase } from '../plan.ts';
import { scanRow } from '../scanner.ts';
import { publicationDate } from './pubdate.ts';

export interface LeftOut { id: string; track: Track; pmcid: string; license: string; reason: string; rule: string; detail: string }

export interface ReleaseInput {
  selection: 'accepted' | 'draft';
  preset: string;
  pipelineVersion: string;
  orphanetRelease: string;
  rows: ReleaseRow[];                     // sorted by id
  /** The stored normalised image bytes, by sha256. */
  images: Map<string, Buffer>;
  leftOut: LeftOut[];                     // sorted by id
  /** Questions reviewed (any verdict) or not, for the summary: how many the selection considered. */
  considered: number;
}

export interface LoadOptions { draft: boolean; tracks?: readonly Track[]; preset: string; prov: ProvenanceBase }

interface ArticleMeta { version: number; pmid: string | null; doi: string | null; license: string; sourceUrls: string[]; date: string | null }

export function loadRelease(store: Store, opts: LoadOptions): ReleaseInput {
  const db = store.db;
  const articles = new Map<string, ArticleMeta>();
  const articleOf = (pmcid: string): ArticleMeta => {
    let a = articles.get(pmcid);
    if (!a) {
      const r = db.prepare('SELECT version, pmid, doi, license_code, source_urls_json, xml_sha256 FROM articles WHERE pmcid = ?').get(pmcid) as
        { version: number; pmid: string | null; doi: string | null; license_code: string; source_urls_json: string; xml_sha256: string };
      let date: string | null = null;
      try { date = publicationDate(store.readBlob(r.xml_sha256).toString('utf8')); } catch { date = null; }
      if (!date) {
        const y = (db.prepare('SELECT pub_year FROM article_text WHERE pmcid = ?').get(pmcid) as { pub_year: number | null } | undefined)?.pub_year;
        date = y ? String(y) : null;
      }
      a = { version: r.version, pmid: r.pmid, doi: r.doi, license: r.license_code, sourceUrls: JSON.parse(r.source_urls_json) as string[], date };
      articles.set(pmcid, a);
    }
    return a;
  };
  const modalities = new Map<string, Record<string, { guess?: string }>>();
  const modalityOf = (pmcid: string, figureId: string): string => {
    if (!modalities.has(pmcid)) {
      const v = (db.prepare(`SELECT value_json FROM attributes WHERE stage = 'extract' AND item_key = ? AND name = 'modality'`).get(pmcid) as { value_json: string | Buffer } | undefined)?.value_json;
      modalities.set(pmcid, v ? JSON.parse(unpackText(v)) : {});
    }
    return modalities.get(pmcid)![figureId]?.guess ?? 'unknown';
  };
  const decisionsOf = db.prepare(`SELECT reason_code AS reason, action FROM decisions WHERE question_id = ? AND stage != 'export' ORDER BY id`);
  const mediaOf = (ids: string[]) => new Set((db.prepare(`SELECT media_name FROM images WHERE image_id IN (${ids.map(() => '?').join(',') || "''"})`)
    .all(...ids) as { media_name: string }[]).map((m) => m.media_name));
  const captionsOf = (pmcid: string, figureIds: string[]) => (db.prepare(`SELECT caption FROM figures WHERE pmcid = ? AND figure_id IN (${figureIds.map(() => '?').join(',') || "''"})`)
    .all(pmcid, ...figureIds) as { caption: string }[]).map((c) => c.caption).filter(Boolean);
  // a filtered row made from an older draft of its question is not released (as in the draft export)
  const fresh = db.prepare(`SELECT q.draft_json, p.input_hash FROM questions q JOIN stage_progress p ON p.stage = 'filter' AND p.item_key = q.id AND p.status = 'done' WHERE q.id = ?`);

  const rows: ReleaseRow[] = [];
  const images = new Map<string, Buffer>();
  const leftOut: LeftOut[] = [];
  let considered = 0;
  for (const q of reviewedQuestions(db, { draft: opts.draft, tracks: opts.tracks })) {
    considered++;
    const art = articleOf(q.pmcid);
    const out = (reason: string, rule: string, detail: string) => leftOut.push({ id: q.id, track: q.track, pmcid: q.pmcid, license: art.license, reason, rule, detail });
    if (!releaseAllows(opts.preset, art.license)) {
      out('licence_not_redistributable', `release.licence.${opts.preset}`, `${normaliseLicenceCode(art.license) ?? art.license} is not in the ${opts.preset} preset`);
      continue;
    }
    let row: ExportRow;
    let category = '';
    let figures: { pmcid: string; figureId: string }[] = [];
    const bytesBySha = new Map<string, Buffer>();
    if ('draft' in q.row) {
      const filtered = q.row as unknown as FilteredQuestion;
      const d = filtered.draft;
      const f = fresh.get(q.id) as { draft_json: string | Buffer; input_hash: string } | undefined;
      if (!f || f.input_hash !== hashOf(unpackDraft(db, q.pmcid, f.draft_json))) { out('filtered_row_stale', 'release.fresh', 'filter has not run on the current draft of this question (run mmrare filter)'); continue; }
      const media = mediaOf([...new Set(d.images.map((i) => i.storeImageId))]);
      const sourceUrls = art.sourceUrls.filter((u, i) => i === 0 || [...media].some((m) => u.split('?')[0].endsWith(`/${m}`)));
      let built;
      try {
        built = buildRow({
          filtered, article: { pmid: art.pmid, doi: art.doi, license: art.license, sourceUrls },
          decisions: decisionsOf.all(q.id) as { reason: string; action: string }[],
          imageBytes: (sha) => { const b = store.readBlob(sha); bytesBySha.set(sha, b); return b; },
        }, opts.prov);
      } catch (e) { out('image_missing', 'release.images', `an image blob could not be read: ${(e as Error).message}`); continue; }
      row = built.row;
      category = d.category;
      figures = d.images.map((i) => ({ pmcid: d.pmcid, figureId: i.figureId }));
      const findings = scanRow(row, { captions: d.track === 'cross-image' ? captionsOf(d.pmcid, d.images.map((i) => i.figureId)) : [], imageText: Object.fromEntries(d.images.map((i) => [i.imageId, i.ocrText])) });
      if (findings.length) { out('leak_found_by_scanner', 'export.scanner', findings.map((x) => `${x.field}: "${x.found}" (${x.kind} term "${x.term}")`).join('; ')); continue; }
    } else {
      // an accepted edit stored as an export row (schemas/export.ts): taken as it stands
      row = q.row as unknown as ExportRow;
      category = (row as { category?: string }).category ?? '';
      try { for (const im of row.images) bytesBySha.set(im.sha256, store.readBlob(im.sha256)); } catch (e) { out('image_missing', 'release.images', (e as Error).message); continue; }
      figures = row.images.map((im) => ({ pmcid: row.pmcid, figureId: im.id.slice(row.pmcid.length + 1).replace(/-\d+(#.*)?$/, '') }));
      const findings = scanRow(row, { captions: [], imageText: {} });
      if (findings.length) { out('leak_found_by_scanner', 'export.scanner', findings.map((x) => `${x.field}: "${x.found}"`).join('; ')); continue; }
    }
    // the export row as the draft export writes it (schema order), then the release fields after `license`
    const asExported = EXPORT_SCHEMAS[q.track].safeParse(row);
    if (!asExported.success) { out('export_row_invalid', 'export.schema', asExported.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')); continue; }
    const rel = releaseRow(asExported.data as ExportRow, {
      publication_date: art.date, pmc_version: art.version, disease_category: category,
      image_modalities: figures.map((f) => modalityOf(f.pmcid, f.figureId)),
    });
    const parsed = releaseSchemaOf(q.track).safeParse(rel);
    if (!parsed.success) { out('export_row_invalid', 'release.schema', parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')); continue; }
    rows.push(rel);
    for (const [sha, b] of bytesBySha) images.set(sha, b);
  }
  rows.sort((a, b) => byCodeUnit(a.id, b.id));
  leftOut.sort((a, b) => byCodeUnit(a.id, b.id));
  return {
    selection: opts.draft ? 'draft' : 'accepted', preset: opts.preset, pipelineVersion: opts.prov.pipelineVersion, orphanetRelease: opts.prov.orphanetRelease,
    rows, images, leftOut, considered,
  };
}

/** The file extension of a row image ("png", "jpg"), from its path in the draft export. */
export const imageExt = (file: string): string => (file.match(/\.([a-z0-9]+)$/i)?.[1] ?? 'png').toLowerCase();

// Export, plan then apply (after changesets): buildExportPlan is pure — rows, files and hashes —
// and applyExportPlan writes it. Same store + config + Orphanet release ⇒ byte-identical files.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXPORT_SCHEMAS, type DiagnosisRow, type Track } from '../../schemas/export.ts';
import type { FilteredQuestion } from '../../schemas/question.ts';
import { byCodeUnit } from '../core/hash.ts';

export interface RowSource {
  filtered: FilteredQuestion;
  article: { pmid: string | null; doi: string | null; license: string; sourceUrls: string[] }; // sourceUrls: the JATS and the media files this row uses
  decisions: { reason: string; action: string }[];
  imageBytes: (sha: string) => Buffer;
}

export interface ProvenanceBase { pipelineVersion: string; configHash: string; orphanetRelease: string; stageVersions: Record<string, string> }

export interface PlannedFile { path: string; bytes: Buffer; sha256: string }
export interface RowRejection { questionId: string; reason: string; rule: string; detail: Record<string, unknown> }
export interface ExportPlan { track: Track; rows: DiagnosisRow[]; files: PlannedFile[]; rejected: RowRejection[] }

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const ext = (format: string): string => (format === 'jpeg' ? 'jpg' : format);

export function buildDiagnosisRow(src: RowSource, prov: ProvenanceBase): { row: DiagnosisRow; images: PlannedFile[] } {
  const f = src.filtered;
  const d = f.draft;
  const images: PlannedFile[] = [];
  const rowImages = d.images.map((im) => {
    const bytes = src.imageBytes(im.normSha);
    const file = `images/${im.imageId}.${ext(im.format)}`;
    images.push({ path: file, bytes, sha256: sha(bytes) });
    return { id: im.imageId, label: im.label, file, sha256: im.normSha, width: im.width, height: im.height, placeholder: im.placeholder, license: im.license };
  });
  const row: DiagnosisRow = {
    id: d.id,
    track: 'diagnosis',
    pmcid: d.pmcid,
    pmid: src.article.pmid,
    doi: src.article.doi,
    license: src.article.license,
    case: d.caseNo,
    question: f.question,
    context: f.context,
    images: rowImages,
    answer: d.answer,
    answer_aliases: [...d.answerAliases].sort(byCodeUnit),
    orpha_code: d.orphaCode,
    orpha_name: d.orphaName,
    category: d.category,
    evidence: {
      diagnosis_statements: d.diagnosisStatements.map((s) => ({ section_id: s.sectionId, start: s.start, end: s.end, text: s.text })),
      context_sentences: d.contextSentences.map((s) => ({ section_id: s.sectionId, start: s.start, end: s.end, text: s.text })),
      figure_mapping: d.images.map((im) => ({ image: im.label, figure_label: im.figureLabel, panels: im.panels })),
    },
    leakage: {
      masked_spans: f.maskedSpans,
      cut: { before_sentence: d.cut.beforeSentence, reason: d.cut.reason },
      rules: [...new Set(src.decisions.map((x) => x.reason))].sort(),
      decisions: src.decisions.length,
      scanner: 'clean',
    },
    provenance: {
      pipeline_version: prov.pipelineVersion,
      config_hash: prov.configHash,
      orphanet_release: prov.orphanetRelease,
      stage_versions: prov.stageVersions,
      source_urls: [...src.article.sourceUrls].sort(),
      placeholder_images: d.images.some((im) => im.placeholder),
    },
  };
  return { row, images };
}

/** Rows sorted by id; images once each; a manifest with the sha256 of every file. */
export function buildExportPlan(track: Track, candidates: { row: DiagnosisRow; images: PlannedFile[] }[], rejected: RowRejection[]): ExportPlan {
  const schema = EXPORT_SCHEMAS[track];
  const rows: DiagnosisRow[] = [];
  const files = new Map<string, PlannedFile>();
  for (const c of [...candidates].sort((a, b) => byCodeUnit(a.row.id, b.row.id))) {
    const parsed = schema.safeParse(c.row);
    if (!parsed.success) {
      rejected.push({ questionId: c.row.id, reason: 'export_row_invalid', rule: 'export.schema', detail: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) } });
      continue;
    }
    rows.push(parsed.data);
    for (const im of c.images) files.set(im.path, im);
  }
  const jsonl = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  files.set(`${track}.jsonl`, { path: `${track}.jsonl`, bytes: jsonl, sha256: sha(jsonl) });
  const sorted = [...files.values()].sort((a, b) => byCodeUnit(a.path, b.path));
  const manifest = Buffer.from(sorted.map((f) => `${f.sha256}  ${f.path}`).join('\n') + '\n');
  sorted.push({ path: `MANIFEST.${track}.sha256`, bytes: manifest, sha256: sha(manifest) });
  return { track, rows, files: sorted, rejected };
}

/** Temp files this module writes: `<file>.tmp-<pid>` (a SIGKILL between write and rename leaves one). */
export const EXPORT_TMP_RE = /\.tmp-\d+$/;

/** Removes temp files an earlier, killed export left in the folder (top level and images/). */
export function sweepExportTemps(dir: string): number {
  let n = 0;
  for (const d of [dir, join(dir, 'images')]) {
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      if (EXPORT_TMP_RE.test(name) && lstatSync(join(d, name)).isFile()) { unlinkSync(join(d, name)); n++; }
    }
  }
  return n;
}

/**
 * Test-only crash hook (documented in docs/architecture.md): with MMRARE_TEST_EXPORT_KILL_AT=N the
 * process SIGKILLs itself just before the Nth file operation of an export (each rename and each
 * unlink is one; N = operations + 1 is the moment after the last one, before the store commits).
 */
let exportSteps = 0;
function exportStep(): void {
  const at = process.env.MMRARE_TEST_EXPORT_KILL_AT;
  if (at && ++exportSteps === Number(at)) process.kill(process.pid, 'SIGKILL');
}

/**
 * Writes each file atomically (temp + rename), skipping files already identical, and removes images
 * of this track that the previous manifest listed and the plan no longer has. Crash-safe at every
 * step: stale temp files are swept first; the manifest, which tells a rerun what the previous export
 * held, is replaced only after every data file is in place and every stale image is gone, so a
 * rerun after a kill anywhere still knows which images to remove and ends with the folder a clean
 * run writes.
 */
export function applyExportPlan(dir: string, plan: ExportPlan, previousImages: string[]): { written: number; unchanged: number; removed: number; swept: number } {
  let written = 0;
  let unchanged = 0;
  let removed = 0;
  mkdirSync(dir, { recursive: true });
  const swept = sweepExportTemps(dir);
  const isManifest = (f: PlannedFile) => f.path === `MANIFEST.${plan.track}.sha256`;
  const put = (f: PlannedFile) => {
    const p = join(dir, f.path);
    if (existsSync(p) && sha(readFileSync(p)) === f.sha256) { unchanged++; return; }
    mkdirSync(dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}`;
    writeFileSync(tmp, f.bytes);
    exportStep();
    renameSync(tmp, p);
    written++;
  };
  for (const f of plan.files) if (!isManifest(f)) put(f);
  const keep = new Set(plan.files.map((f) => f.path));
  for (const old of previousImages) {
    if (!keep.has(old) && existsSync(join(dir, old))) { exportStep(); unlinkSync(join(dir, old)); removed++; }
  }
  for (const f of plan.files) if (isManifest(f)) put(f);
  exportStep();
  return { written, unchanged, removed, swept };
}

/** The image paths a track's previous manifest listed (so a rerun can remove images no row uses now). */
export function previousManifestImages(dir: string, track: Track): string[] {
  const p = join(dir, `MANIFEST.${track}.sha256`);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8').split('\n').map((l) => l.slice(66)).filter((f) => f.startsWith('images/'));
}

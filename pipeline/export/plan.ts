// Export, plan then apply (after changesets): buildExportPlan is pure — rows, files and hashes —
// and applyExportPlan writes it. Same store + config + Orphanet release ⇒ byte-identical files.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeFileSync, writeSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXPORT_SCHEMAS, type ExportRow, type Track } from '../../schemas/export.ts';
import type { EvidenceSource, FilteredQuestion, QuestionDraft, SentenceSpan } from '../../schemas/question.ts';
import { byCodeUnit, fileSha256 } from '../core/hash.ts';
import { fileLines } from '../core/lines.ts';

export interface RowSource {
  filtered: FilteredQuestion;
  article: { pmid: string | null; doi: string | null; license: string; sourceUrls: string[] }; // sourceUrls: the JATS and the media files this row uses
  decisions: { reason: string; action: string }[];
  imageBytes: (sha: string) => Buffer;
}

export interface VocabularyCredit { id: string; name: string; version: string; licence: string; credit: string }

export interface ProvenanceBase {
  pipelineVersion: string; configHash: string; orphanetRelease: string; stageVersions: Record<string, string>;
  vocabularies?: VocabularyCredit[];
}

export interface PlannedFile { path: string; bytes: Buffer; sha256: string }
export interface RowRejection { questionId: string; reason: string; rule: string; detail: Record<string, unknown> }
export interface ExportPlan { track: Track; rows: ExportRow[]; files: PlannedFile[]; rejected: RowRejection[] }
export interface BuiltRow { row: ExportRow; images: PlannedFile[] }

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const ext = (format: string): string => (format === 'jpeg' ? 'jpg' : format);

const span = (s: { sectionId: string | null; start: number; end: number; text: string }) => ({ section_id: s.sectionId, start: s.start, end: s.end, text: s.text });
const spans = (l: (SentenceSpan | { sectionId: string | null; start: number; end: number; text: string })[]) => l.map(span);

export function sourceRow(s: EvidenceSource) {
  return s.kind === 'sentence'
    ? { kind: 'sentence' as const, section_id: s.sectionId, sentence_start: s.sentenceStart, sentence_end: s.sentenceEnd, start: s.start, end: s.end, text: s.text }
    : { kind: 'caption' as const, figure_id: s.figureId, start: s.start, end: s.end, text: s.text };
}

function figureMapping(d: QuestionDraft) {
  return d.images.map((im) => ({ image: im.label, image_id: im.imageId, figure_label: im.figureLabel, panels: im.panels }));
}

/** An image file a row uses: its path in the export and the stored blob (content-addressed: the blob's sha256 is the file's). */
export interface RowImageFile { path: string; sha256: string }

/** An export row of any track: the shared fields, then the track's own (keys in schema order). */
export function buildRow(src: RowSource, prov: ProvenanceBase): BuiltRow {
  const images: PlannedFile[] = [];
  const { row } = buildRowLean(src, prov, (file, normSha) => {
    const bytes = src.imageBytes(normSha);
    if (!images.some((x) => x.path === file)) images.push({ path: file, bytes, sha256: sha(bytes) });
  });
  return { row, images };
}

/**
 * The row without reading any image: the images it uses as (path, blob sha256), for the streaming export,
 * which copies each image from the store only when it writes it.
 */
export function buildRowLean(src: Omit<RowSource, 'imageBytes'>, prov: ProvenanceBase, onImage?: (file: string, normSha: string) => void): { row: ExportRow; images: RowImageFile[] } {
  const f = src.filtered;
  const d = f.draft;
  const images: RowImageFile[] = [];
  const rowImages = d.images.map((im) => {
    const file = `images/${im.storeImageId}.${ext(im.format)}`;
    onImage?.(file, im.normSha);
    if (!images.some((x) => x.path === file)) images.push({ path: file, sha256: im.normSha });
    return { id: im.imageId, label: im.label, file, sha256: im.normSha, width: im.width, height: im.height, panel: im.panel, placeholder: im.placeholder, license: im.license };
  });
  const common = {
    id: d.id, track: d.track, pmcid: d.pmcid, pmid: src.article.pmid, doi: src.article.doi, license: src.article.license, case: d.caseNo,
    question: f.question, context: f.context, images: rowImages,
    withheld_images: d.withheld.map((w) => ({ id: w.imageId, figure_label: w.figureLabel, reason: w.reason, detail: w.detail })),
    answer: d.answer, orpha_code: d.orphaCode, orpha_name: d.orphaName, orpha_aliases: [...d.orphaAliases].sort(byCodeUnit),
  };
  const tail = {
    leakage: {
      masked_spans: f.maskedSpans, dropped_sentences: f.droppedSentences,
      cut: d.cut ? { before_sentence: d.cut.beforeSentence, reason: d.cut.reason } : null,
      rules: [...new Set(src.decisions.map((x) => x.reason))].sort(),
      decisions: src.decisions.length,
      scanner: 'clean' as const,
    },
    provenance: {
      pipeline_version: prov.pipelineVersion,
      config_hash: prov.configHash,
      orphanet_release: prov.orphanetRelease,
      stage_versions: prov.stageVersions,
      generator: { kind: d.generator.kind, version: d.generator.version, model: d.generator.model, prompt_version: d.generator.promptVersion },
      vocabularies: (prov.vocabularies ?? []).map((v) => ({ id: v.id, name: v.name, version: v.version, licence: v.licence })),
      source_urls: [...src.article.sourceUrls].sort(),
      placeholder_images: d.images.some((im) => im.placeholder),
    },
  };
  let row: ExportRow;
  switch (d.track) {
    case 'diagnosis':
      row = {
        ...common, track: 'diagnosis', answer_aliases: [...d.answerAliases].sort(byCodeUnit), category: d.category,
        evidence: { diagnosis_statements: spans(d.diagnosisStatements), context_sentences: spans(d.contextSentences), figure_mapping: figureMapping(d) },
        ...tail,
      };
      break;
    case 'treatment':
      row = {
        ...common, track: 'treatment',
        rubric_must_include: d.mustInclude.map((i) => ({ item: i.item, kind: i.kind, name: i.name, dose: i.dose, route: i.route, concept_ids: i.conceptIds, source: sourceRow(i.source) })),
        rubric_must_not: d.mustNot.map((i) => ({ item: i.item, reason: i.reason, cue: i.cue, source: sourceRow(i.source) })),
        evidence: { treatment_sentences: spans(d.treatmentSentences), context_sentences: spans(d.contextSentences), figure_mapping: figureMapping(d) },
        ...tail,
      };
      break;
    case 'cross-image':
      row = {
        ...common, track: 'cross-image',
        golden_mainline: d.mainline.map((c) => ({ claim: c.claim, images: c.images, sources: c.sources.map(sourceRow) })),
        relation_type: d.relation.type, relation_rule: { rule: d.relation.rule, detail: d.relation.detail },
        figure_mapping: figureMapping(d),
        evidence: { context_sentences: spans(d.contextSentences) },
        ...tail,
      };
      break;
    case 'examination':
      row = {
        ...common, track: 'examination',
        key_test_names: d.keyTests.map((k) => k.name),
        red_flags_to_rule_out: d.redFlags.map((x) => ({ item: x.item, cue: x.cue, source: sourceRow(x.source) })),
        must_not: d.mustNot.map((x) => ({ item: x.item, cue: x.cue, source: sourceRow(x.source) })),
        evidence: {
          key_tests: d.keyTests.map((k) => ({ name: k.name, order: k.order, concept_ids: k.conceptIds, source: sourceRow(k.source), withheld_images: k.withheldImages })),
          presenting_sentences: spans(d.presentingSentences), figure_mapping: figureMapping(d),
        },
        ...tail,
      };
      break;
  }
  return { row, images };
}

/** @deprecated the diagnosis row builder of v1; every track goes through buildRow now. */
export const buildDiagnosisRow = buildRow;

/** The release notice: where the data came from and the credit lines its licences ask for. */
export function noticeFile(orphanet: { release: string; licence: string }, vocabularies: VocabularyCredit[]): PlannedFile {
  const lines = [
    '# NOTICE — sources and credits of this benchmark build',
    '',
    'Case text and figures: PubMed Central Open Access case reports; every row carries its article\'s licence (`license`) and source URLs (`provenance.source_urls`).',
    '',
    `Diagnoses: Orphanet nomenclature, release ${orphanet.release} (${orphanet.licence}). Orphanet: an online rare disease and orphan drug data base. © INSERM 1999. Available on http://www.orpha.net.`,
    '',
    'Drug, procedure and test vocabularies used to build and check the treatment and examination answers:',
    '',
    ...vocabularies.map((v) => `- ${v.credit}`),
    '',
  ];
  const bytes = Buffer.from(lines.join('\n'));
  return { path: 'NOTICE.md', bytes, sha256: sha(bytes) };
}

/** Rows sorted by id; images once each; a manifest with the sha256 of every file. */
export function buildExportPlan(track: Track, candidates: BuiltRow[], rejected: RowRejection[], extra: PlannedFile[] = []): ExportPlan {
  const schema = EXPORT_SCHEMAS[track];
  const rows: ExportRow[] = [];
  const files = new Map<string, PlannedFile>();
  for (const c of [...candidates].sort((a, b) => byCodeUnit(a.row.id, b.row.id))) {
    const parsed = schema.safeParse(c.row);
    if (!parsed.success) {
      rejected.push({ questionId: c.row.id, reason: 'export_row_invalid', rule: 'export.schema', detail: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) } });
      continue;
    }
    rows.push(parsed.data as ExportRow);
    for (const im of c.images) files.set(im.path, im);
  }
  for (const f of extra) files.set(f.path, f);
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
 * of this track that the previous manifest listed, the plan no longer has and no other track's manifest lists. Crash-safe at every
 * step: stale temp files are swept first; the manifest, which tells a rerun what the previous export
 * held, is replaced only after every data file is in place and every stale image is gone, so a
 * rerun after a kill anywhere still knows which images to remove and ends with the folder a clean
 * run writes.
 */
export function applyExportPlan(dir: string, plan: ExportPlan, previousImages: string[], usedByOthers: Set<string> = new Set()): { written: number; unchanged: number; removed: number; swept: number } {
  let written = 0;
  let unchanged = 0;
  let removed = 0;
  mkdirSync(dir, { recursive: true });
  const swept = sweepExportTemps(dir);
  const isManifest = (f: PlannedFile) => f.path === `MANIFEST.${plan.track}.sha256`;
  const put = (f: PlannedFile) => {
    const p = join(dir, f.path);
    if (existsSync(p) && fileSha256(p) === f.sha256) { unchanged++; return; }
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
    // images/ is shared by the tracks: a file another track's manifest lists stays
    if (!keep.has(old) && !usedByOthers.has(old) && existsSync(join(dir, old))) { exportStep(); unlinkSync(join(dir, old)); removed++; }
  }
  for (const f of plan.files) if (isManifest(f)) put(f);
  exportStep();
  return { written, unchanged, removed, swept };
}

/** The image paths a track's previous manifest listed (so a rerun can remove images no row uses now). */
export function previousManifestImages(dir: string, track: Track): string[] {
  const p = join(dir, `MANIFEST.${track}.sha256`);
  if (!existsSync(p)) return [];
  return [...fileLines(p)].map((l) => l.slice(66)).filter((f) => f.startsWith('images/'));
}

// ---------------------------------------------------------------- streaming (the export stage)

/**
 * A file of a streamed plan: small bytes held in memory (NOTICE, the manifest), a temp file already
 * written (the JSONL, written row by row), or a stored blob copied when it is written (an image).
 */
export interface StreamedFile { path: string; sha256: string; bytes?: Buffer; tmp?: string; blob?: string }
export interface StreamedPlan {
  track: Track; rows: number; files: StreamedFile[]; rejected: RowRejection[];
  /** Distinct images the rows show (by id), and how many of them are placeholders: the run summary's counts. */
  images: number; placeholderImages: number;
}

/** Distinct images of export rows (by id, else sha256) and how many of them are placeholders: the run summary's counts. */
export class ImageTally {
  private readonly ids = new Set<string>();
  placeholders = 0;
  get images(): number { return this.ids.size; }
  add(images: readonly { id?: string; sha256?: string; placeholder?: boolean }[] | undefined): void {
    for (const im of images ?? []) {
      const id = im.id ?? im.sha256 ?? '';
      if (this.ids.has(id)) continue;
      this.ids.add(id);
      if (im.placeholder) this.placeholders++;
    }
  }
}

/**
 * Writes one track's rows as they come — in id order, each checked against the track's schema — to
 * `<dir>/<track>.jsonl.tmp-<pid>`, hashing as it goes, and keeps only (path, sha256) of the images the
 * rows use; `finish` returns the plan with the manifest. Memory stays flat in the number of rows:
 * the same bytes as buildExportPlan + applyExportPlan, without holding rows or images.
 */
export class ExportStream {
  private readonly schema;
  private readonly tmp: string;
  private fd: number | null;
  private readonly hash = createHash('sha256');
  private readonly images = new Map<string, string>();
  private readonly tally = new ImageTally();
  private pending: string[] = [];
  private pendingChars = 0;
  private lastId: string | null = null;
  private count = 0;
  readonly rejected: RowRejection[] = [];

  constructor(private readonly dir: string, readonly track: Track) {
    this.schema = EXPORT_SCHEMAS[track];
    mkdirSync(dir, { recursive: true });
    this.tmp = join(dir, `${track}.jsonl.tmp-${process.pid}`);
    this.fd = openSync(this.tmp, 'w');
  }

  /** One candidate row (rows must come sorted by id); returns false when the schema refused it. */
  add(c: { row: ExportRow; images: RowImageFile[] }): boolean {
    if (this.lastId !== null && byCodeUnit(this.lastId, c.row.id) >= 0) throw new Error(`export rows out of id order: ${c.row.id} after ${this.lastId}`);
    this.lastId = c.row.id;
    const parsed = this.schema.safeParse(c.row);
    if (!parsed.success) {
      this.rejected.push({ questionId: c.row.id, reason: 'export_row_invalid', rule: 'export.schema', detail: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) } });
      return false;
    }
    const line = `${JSON.stringify(parsed.data)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars > 1 << 20) this.flush();
    this.count++;
    for (const im of c.images) this.images.set(im.path, im.sha256);
    this.tally.add((parsed.data as { images?: { id?: string; sha256?: string; placeholder?: boolean }[] }).images);
    return true;
  }

  private flush(): void {
    if (!this.pending.length || this.fd === null) return;
    const b = Buffer.from(this.pending.join(''));
    this.hash.update(b);
    writeSync(this.fd, b);
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Closes the JSONL and returns the plan: images, extra files, the JSONL, the manifest last, sorted by path. */
  finish(extra: PlannedFile[] = []): StreamedPlan {
    this.flush();
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
    const files = new Map<string, StreamedFile>();
    for (const [path, blob] of this.images) files.set(path, { path, sha256: blob, blob });
    for (const f of extra) files.set(f.path, f);
    const jsonl = `${this.track}.jsonl`;
    files.set(jsonl, { path: jsonl, sha256: this.hash.digest('hex'), tmp: this.tmp });
    const sorted = [...files.values()].sort((a, b) => byCodeUnit(a.path, b.path));
    const manifest = Buffer.from(sorted.map((f) => `${f.sha256}  ${f.path}`).join('\n') + '\n');
    sorted.push({ path: `MANIFEST.${this.track}.sha256`, bytes: manifest, sha256: sha(manifest) });
    return { track: this.track, rows: this.count, files: sorted, rejected: this.rejected, images: this.tally.images, placeholderImages: this.tally.placeholders };
  }

  /** Gives up (a residual leak refuses the track): the temp file goes, the folder stays as it was. */
  abort(): void {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
    if (existsSync(this.tmp)) unlinkSync(this.tmp);
  }
}

/**
 * applyExportPlan for a streamed plan: the same file operations in the same order (each file written to a
 * temp file and renamed, unchanged files left alone, stale images unlinked, the manifest last), images
 * read from the store one at a time (`readBlob` checks each blob's hash).
 */
export function applyStreamedPlan(dir: string, plan: StreamedPlan, previousImages: string[], usedByOthers: Set<string>, readBlob: (sha: string) => Buffer): { written: number; unchanged: number; removed: number } {
  let written = 0;
  let unchanged = 0;
  let removed = 0;
  mkdirSync(dir, { recursive: true });
  const isManifest = (f: StreamedFile) => f.path === `MANIFEST.${plan.track}.sha256`;
  const put = (f: StreamedFile) => {
    const p = join(dir, f.path);
    if (existsSync(p) && fileSha256(p) === f.sha256) {
      unchanged++;
      if (f.tmp && existsSync(f.tmp)) unlinkSync(f.tmp);
      return;
    }
    mkdirSync(dirname(p), { recursive: true });
    let tmp = f.tmp;
    if (!tmp) {
      tmp = `${p}.tmp-${process.pid}`;
      writeFileSync(tmp, f.bytes ?? readBlob(f.blob!));
    }
    exportStep();
    renameSync(tmp, p);
    written++;
  };
  for (const f of plan.files) if (!isManifest(f)) put(f);
  const keep = new Set(plan.files.map((f) => f.path));
  for (const old of previousImages) {
    if (!keep.has(old) && !usedByOthers.has(old) && existsSync(join(dir, old))) { exportStep(); unlinkSync(join(dir, old)); removed++; }
  }
  for (const f of plan.files) if (isManifest(f)) put(f);
  exportStep();
  return { written, unchanged, removed };
}

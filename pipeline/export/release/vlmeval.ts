// vlmeval: the layout and columns VLMEvalKit's MMRarebench* dataset classes read (DESIGN §9), under
// $LMUData: MMrarebench/<folder>/<file>.tsv with the images beside it in <folder>/images/, and
// MMrarebench/DATASET_MD5.json (each TSV's md5, the classes' DATASET_MD5). Every text field is quoted
// ("" for a quote), so pandas.read_csv(sep='\t') reads tabs, quotes and newlines inside text back intact.
import type { Track } from '../../../schemas/export.ts';
import type { ReleaseRow } from '../../../schemas/release.ts';
import type { ReleaseInput } from './load.ts';
import { byTrack, file, imageName, jsonFile, md5, type PlannedFile } from './common.ts';
import { imageFiles } from './jsonl.ts';

export const VLMEVAL_ROOT = 'MMrarebench';
export const VLMEVAL_LAYOUT: Record<Track, { folder: string; tsv: string; dataset: string }> = {
  diagnosis: { folder: 'diagnosis', tsv: 'diagnosis_opened.tsv', dataset: 'MMRarebench_Diagnosis' },
  treatment: { folder: 'treatment', tsv: 'treatment_plan.tsv', dataset: 'MMRarebench_Treatment' },
  'cross-image': { folder: 'crossmodal', tsv: 'crossmodal_comparison.tsv', dataset: 'MMRarebench_Crossmodal' },
  examination: { folder: 'examination', tsv: 'examination_workup.tsv', dataset: 'MMRarebench_Examination' },
};
export const tsvPath = (t: Track): string => `${VLMEVAL_ROOT}/${VLMEVAL_LAYOUT[t].folder}/${VLMEVAL_LAYOUT[t].tsv}`;

type Cell = string | number | null;
const quote = (v: Cell): string => (v === null ? '' : typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`);
const j = (v: unknown): string => JSON.stringify(v);

const COMMON = ['index', 'question_id', 'image', 'image_path', 'question', 'context', 'figure_mapping', 'answer',
  'pmcid', 'license', 'publication_date', 'pmc_version', 'orpha_code', 'orpha_name', 'disease_category'] as const;
const TRACK_COLS: Record<Track, string[]> = {
  diagnosis: ['answer_aliases', 'category'],
  treatment: ['rubric_must_include', 'rubric_must_not'],
  'cross-image': ['golden_mainline', 'relation_type'],
  examination: ['key_test_names', 'must_not', 'red_flags_to_rule_out'],
};
export const vlmevalColumns = (t: Track): string[] => [...COMMON, ...TRACK_COLS[t]];

function trackCells(r: ReleaseRow): Record<string, Cell> {
  switch (r.track) {
    case 'diagnosis': return { answer_aliases: j(r.answer_aliases), category: r.category };
    case 'treatment': return { rubric_must_include: j(r.rubric_must_include.map((i) => i.item)), rubric_must_not: j(r.rubric_must_not.map((i) => i.item)) };
    case 'cross-image': return { golden_mainline: j(r.golden_mainline.map((c) => ({ claim: c.claim, images: c.images }))), relation_type: r.relation_type };
    case 'examination': return { key_test_names: j(r.key_test_names), must_not: j(r.must_not.map((i) => i.item)), red_flags_to_rule_out: j(r.red_flags_to_rule_out.map((i) => i.item)) };
  }
}

/**
 * One track's TSV. Built line by line into a Buffer: a TSV holding every image as base64 can pass V8's
 * longest string (~512 MB) long before it passes a Buffer's limit.
 */
export function trackTsv(track: Track, rows: ReleaseRow[], input: ReleaseInput): Buffer {
  const cols = vlmevalColumns(track);
  const lines: Buffer[] = [Buffer.from(cols.join('\t') + '\n')];
  rows.forEach((r, index) => {
    const paths = r.images.map((im) => `images/${imageName(im)}`);
    const cells: Record<string, Cell> = {
      index, question_id: r.id,
      image: j(r.images.map((im) => input.images.get(im.sha256)!.toString('base64'))),
      image_path: j(paths),
      question: r.question,
      context: track === 'examination' ? '' : r.context,
      figure_mapping: j(Object.fromEntries(r.images.map((im, i) => [im.label, paths[i]]))),
      answer: r.answer, pmcid: r.pmcid, license: r.license, publication_date: r.publication_date, pmc_version: r.pmc_version,
      orpha_code: r.orpha_code, orpha_name: r.orpha_name, disease_category: r.disease_category,
      ...trackCells(r),
    };
    lines.push(Buffer.from(cols.map((c) => quote(cells[c] ?? null)).join('\t') + '\n'));
  });
  return Buffer.concat(lines);
}

export function planVlmeval(input: ReleaseInput): PlannedFile[] {
  const files: PlannedFile[] = [];
  const md5s: Record<string, { file: string; md5: string; rows: number }> = {};
  for (const [t, rows] of byTrack(input.rows)) {
    const tsv = file(tsvPath(t), trackTsv(t, rows, input));
    files.push(tsv, ...imageFiles(rows, input, `${VLMEVAL_ROOT}/${VLMEVAL_LAYOUT[t].folder}/images`));
    md5s[VLMEVAL_LAYOUT[t].dataset] = { file: `${VLMEVAL_LAYOUT[t].folder}/${VLMEVAL_LAYOUT[t].tsv}`, md5: md5(tsv.bytes), rows: rows.length };
  }
  files.push(jsonFile(`${VLMEVAL_ROOT}/DATASET_MD5.json`, md5s));
  files.push(file(`${VLMEVAL_ROOT}/MD5SUMS`, Object.values(md5s).map((m) => `${m.md5}  ${m.file}`).join('\n') + '\n'));
  return files;
}

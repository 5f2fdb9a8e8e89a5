// hf: a Hugging Face dataset folder. README.md (YAML front matter: one config per track, its test split
// data/<track>/test-*.parquet, dataset_info features per track; then the dataset card with counts computed
// from the rows), data/<track>/test-<i>-of-<n>.parquet shards (images embedded as a list of {bytes, path}
// structs: the HF Image feature's layout), croissant.json (Croissant 1.1 with the responsible-AI fields).
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Track } from '../../../schemas/export.ts';
import type { ReleaseRow } from '../../../schemas/release.ts';
import type { ReleaseInput } from './load.ts';
import { byTrack, countBy, file, imageName, jsonFile, type PlannedFile } from './common.ts';
import { columnsOf, type Column } from './columns.ts';

/** A Parquet shard holds rows up to about this many bytes of images (at least one row): HF's viewer and loaders read shards, not whole tracks. */
export const PARQUET_SHARD_BYTES = 256 * 1024 * 1024;
const pad5 = (n: number) => String(n).padStart(5, '0');
export const parquetPath = (track: Track, shard = 0, shards = 1): string => `data/${track}/test-${pad5(shard)}-of-${pad5(shards)}.parquet`;
export const fileSetId = (track: Track): string => `${track}-parquet`;

/** Rows split into shards in id order, each shard's images under `max` bytes unless one row alone is larger. */
export function shardRows(rows: ReleaseRow[], input: ReleaseInput, max = PARQUET_SHARD_BYTES): ReleaseRow[][] {
  const shards: ReleaseRow[][] = [];
  let cur: ReleaseRow[] = [];
  let bytes = 0;
  for (const r of rows) {
    const b = r.images.reduce((n, im) => n + (input.images.get(im.sha256)?.length ?? 0), 0) + Buffer.byteLength(JSON.stringify(r));
    if (cur.length && bytes + b > max) { shards.push(cur); cur = []; bytes = 0; }
    cur.push(r);
    bytes += b;
  }
  if (cur.length) shards.push(cur);
  return shards;
}

const utf8 = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });

function schemaOf(columns: Column[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{ name: 'schema', num_children: columns.length }];
  for (const c of columns) {
    switch (c.kind) {
      case 'string': case 'json': out.push(utf8(c.name)); break;
      case 'int': out.push({ name: c.name, type: 'INT32', repetition_type: 'OPTIONAL' }); break;
      case 'strings':
        out.push({ name: c.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 }, utf8('element'));
        break;
      case 'images':
        out.push({ name: c.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
          { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' }, utf8('path'));
        break;
    }
  }
  return out;
}

/** The Parquet bytes of one track: fixed writer options (SNAPPY, no statistics, one row group, fixed created_by). */
export function trackParquet(track: Track, rows: ReleaseRow[], input: ReleaseInput): Buffer {
  const columns = columnsOf(track);
  const columnData = columns.map((c) => ({
    name: c.name,
    data: rows.map((r) => c.kind === 'images'
      ? r.images.map((im) => ({ bytes: new Uint8Array(input.images.get(im.sha256)!), path: imageName(im) }))
      : c.get(r)),
  }));
  const ab = parquetWriteBuffer({
    columnData, schema: schemaOf(columns), codec: 'SNAPPY', statistics: false, rowGroupSize: Math.max(1, rows.length), createdBy: 'mmrare',
  } as unknown as Parameters<typeof parquetWriteBuffer>[0]);
  return Buffer.from(ab);
}

const featureYaml = (c: Column): string[] => {
  switch (c.kind) {
    case 'string': case 'json': return [`  - name: ${c.name}`, '    dtype: string'];
    case 'int': return [`  - name: ${c.name}`, '    dtype: int32'];
    case 'strings': return [`  - name: ${c.name}`, '    list: string'];
    case 'images': return [`  - name: ${c.name}`, '    list: image'];
  }
};

/** The counts the dataset card shows, computed from the rows (tests recount them from the Parquet files). */
export interface CardCounts { tracks: [string, number][]; licences: [string, number][]; modalities: [string, number][]; categories: [string, number][]; images: number }
export function cardCounts(rows: ReleaseRow[]): CardCounts {
  return {
    tracks: byTrack(rows).map(([t, rs]) => [t, rs.length]),
    licences: countBy(rows.map((r) => r.license)),
    modalities: countBy(rows.flatMap((r) => r.image_modalities)),
    categories: countBy(rows.map((r) => r.disease_category)),
    images: rows.reduce((n, r) => n + r.images.length, 0),
  };
}

/** Hugging Face licence identifiers of the PMC licence codes (every row's own licence is in its `license` column). */
const HF_LICENCE_IDS: Record<string, string> = {
  CC0: 'cc0-1.0', PD: 'other', 'CC BY': 'cc-by-4.0', 'CC BY-SA': 'cc-by-sa-4.0', 'CC BY-NC': 'cc-by-nc-4.0',
  'CC BY-NC-SA': 'cc-by-nc-sa-4.0', 'CC BY-ND': 'cc-by-nd-4.0', 'CC BY-NC-ND': 'cc-by-nc-nd-4.0',
};

const NOT_CLINICAL = 'Not for clinical use: a research benchmark for evaluating models, not a diagnostic or treatment aid; its answers come from published case reports and may be wrong or out of date for a given patient.';

function readme(input: ReleaseInput, tracks: [Track, ReleaseRow[]][]): string {
  const c = cardCounts(input.rows);
  const placeholders = input.rows.reduce((n, r) => n + r.images.filter((im) => im.placeholder).length, 0);
  const licences = [...new Set(input.rows.map((r) => r.license))].sort();
  const hfIds = [...new Set(licences.map((l) => HF_LICENCE_IDS[l] ?? 'other'))].sort();
  const y: string[] = ['---', 'pretty_name: mmrare', 'license:', ...hfIds.map((l) => `- ${l}`),
    ...(hfIds.includes('other') ? ['license_name: per-row', 'license_link: NOTICE.md'] : []),
    'language:', '- en', 'task_categories:', '- visual-question-answering', '- image-text-to-text', 'tags:', '- medical', '- rare-disease', '- multimodal', '- benchmark',
    'size_categories:', `- ${input.rows.length < 1000 ? 'n<1K' : input.rows.length < 10000 ? '1K<n<10K' : '10K<n<100K'}`, 'configs:'];
  for (const [t] of tracks) y.push(`- config_name: ${t}`, '  data_files:', '  - split: test', `    path: data/${t}/test-*.parquet`);
  y.push('dataset_info:');
  for (const [t, rs] of tracks) {
    y.push(`- config_name: ${t}`, '  features:', ...columnsOf(t).flatMap(featureYaml), '  splits:', '  - name: test', `    num_examples: ${rs.length}`);
  }
  y.push('---', '');
  const table = (head: string, rows: [string, number][]) => [`| ${head} | rows |`, '|---|---|', ...rows.map(([k, n]) => `| ${k} | ${n} |`), ''];
  const card = [
    '# mmrare: a rare-disease multimodal clinical benchmark', '',
    `Open-ended questions built from PubMed Central Open Access case reports by mmrare ${input.pipelineVersion} (Orphanet release ${input.orphanetRelease}): ` +
      'four tracks — diagnosis, treatment, cross-image and examination — each a config of its own with one consistent schema.', '',
    `**${NOT_CLINICAL}**`, '',
    `Selection: ${input.selection === 'accepted' ? 'questions accepted in human review' : 'DRAFT: every question that passed leak control, reviewed or not'}; licence preset \`${input.preset}\`.`, '',
    '```python', 'import datasets', 'ds = datasets.load_dataset("path/to/this/folder", "diagnosis", split="test")', '```', '',
    '## Counts', '',
    `${input.rows.length} questions, ${c.images} images shown.`, '',
    '### Per track', '', ...table('track', c.tracks),
    '### Per licence', '', ...table('licence', c.licences),
    '### Per image modality (images)', '', ...table('modality', c.modalities).map((l) => l.replace('| rows |', '| images |')),
    '### Per disease category', '', ...table('disease category', c.categories),
    '## Fields', '',
    'Model-visible: `question`, `context`, `images` (with `image_labels`). Everything else is gold or provenance and must not be shown to a model. ' +
      'Every row carries its article\'s `license`, `publication_date` and `pmc_version`: cut a post-cutoff slice with e.g. `ds.filter(lambda r: (r["publication_date"] or "") >= "2024-01")`.', '',
    '## Responsible use', '',
    `- Data collection: case reports from the PMC Open Access subset, selected by licence; questions generated by rules (or a model, per \`provenance.generator\`), leak-controlled, scanned${input.selection === 'accepted' ? ', and accepted in human review' : '; NOT all reviewed (a draft release)'}.`,
    '- Personal information: published, de-identified case reports; no attempt was made to re-identify anyone. Do not try to.',
    '- Biases: journals, languages (English), regions and diseases that publish case reports are over-represented.',
    ...(placeholders ? [`- **${placeholders} of ${c.images} images are placeholders** (generated cards showing only the figure label, \`image_details[].placeholder\`): do not evaluate models on them.`] : []),
    '', 'Licences and credits: see NOTICE.md; changes since the previous release: CHANGES.md; checksums: MANIFEST.', '',
  ];
  return [...y, ...card].join('\n');
}

const CROISSANT_CONTEXT = {
  '@language': 'en', '@vocab': 'https://schema.org/', sc: 'https://schema.org/', cr: 'http://mlcommons.org/croissant/', rai: 'http://mlcommons.org/croissant/RAI/', dct: 'http://purl.org/dc/terms/',
  citeAs: 'cr:citeAs', column: 'cr:column', conformsTo: 'dct:conformsTo', data: { '@id': 'cr:data', '@type': '@json' }, dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  examples: { '@id': 'cr:examples', '@type': '@json' }, extract: 'cr:extract', field: 'cr:field', fileProperty: 'cr:fileProperty', fileObject: 'cr:fileObject', fileSet: 'cr:fileSet',
  format: 'cr:format', includes: 'cr:includes', isArray: 'cr:isArray', isLiveDataset: 'cr:isLiveDataset', jsonPath: 'cr:jsonPath', key: 'cr:key', md5: 'cr:md5', parentField: 'cr:parentField',
  path: 'cr:path', recordSet: 'cr:recordSet', references: 'cr:references', regex: 'cr:regex', repeated: 'cr:repeated', replace: 'cr:replace', samplingRate: 'cr:samplingRate',
  separator: 'cr:separator', source: 'cr:source', subField: 'cr:subField', transform: 'cr:transform',
};

const LICENCE_URLS: Record<string, string> = {
  CC0: 'https://creativecommons.org/publicdomain/zero/1.0/', PD: 'https://creativecommons.org/publicdomain/mark/1.0/',
  'CC BY': 'https://creativecommons.org/licenses/by/4.0/', 'CC BY-SA': 'https://creativecommons.org/licenses/by-sa/4.0/',
  'CC BY-NC': 'https://creativecommons.org/licenses/by-nc/4.0/', 'CC BY-NC-SA': 'https://creativecommons.org/licenses/by-nc-sa/4.0/',
  'CC BY-ND': 'https://creativecommons.org/licenses/by-nd/4.0/', 'CC BY-NC-ND': 'https://creativecommons.org/licenses/by-nc-nd/4.0/',
};

export const CROISSANT_RAI_FIELDS = ['dataCollection', 'dataCollectionType', 'dataAnnotationProtocol', 'personalSensitiveInformation', 'dataBiases', 'dataLimitations', 'dataUseCases', 'dataReleaseMaintenancePlan'] as const;

function croissant(input: ReleaseInput, tracks: [Track, ReleaseRow[]][], parquet: PlannedFile[]): Record<string, unknown> {
  const licences = [...new Set(input.rows.map((r) => r.license))].sort();
  const dataType = (c: Column) => (c.kind === 'int' ? 'sc:Integer' : c.kind === 'images' ? 'sc:ImageObject' : 'sc:Text');
  return {
    '@context': CROISSANT_CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: 'http://mlcommons.org/croissant/1.1',
    name: 'mmrare',
    description: `A rare-disease multimodal clinical benchmark built from PubMed Central Open Access case reports: ${tracks.map(([t, rs]) => `${t} (${rs.length})`).join(', ')} open-ended questions with labelled images. ${NOT_CLINICAL}`,
    license: licences.map((l) => LICENCE_URLS[l] ?? l),
    url: 'https://github.com/mmrare/mmrare',
    version: input.pipelineVersion,
    isLiveDataset: false,
    citeAs: `@misc{mmrare, title = {mmrare: a rare-disease multimodal clinical benchmark from PMC Open Access case reports}, note = {mmrare ${input.pipelineVersion}, Orphanet release ${input.orphanetRelease}; cite the source case reports listed per row (pmcid, doi)}}`,
    'rai:dataCollection': 'Case reports from the PubMed Central Open Access subset (PMC Cloud Service), admitted by licence; parsed from JATS XML; each case linked to an Orphanet diagnosis; questions generated per track from the case timeline.',
    'rai:dataCollectionType': ['Secondary Data Analysis', 'Web Scraping'],
    'rai:dataAnnotationProtocol': `Gold answers are read by rules (or a model, per row provenance.generator) from the article's own sentences and captions, every item tied to its source span; leak control masks or drops model-visible text that gives the answer away; an independent scanner re-checks every row; ${input.selection === 'accepted' ? 'every released question was accepted by a human reviewer' : 'this is a DRAFT release: questions were not all reviewed'}.`,
    'rai:personalSensitiveInformation': 'Published, de-identified clinical case reports (health data about individual patients: age, sex, history, findings, images). No re-identification was attempted; users must not attempt it.',
    'rai:dataBiases': 'Case reports over-represent unusual presentations, English-language journals, and regions and diseases that publish them; rare diseases with more case reports dominate; the diagnosis is the authors\' and may be wrong.',
    'rai:dataLimitations': `${NOT_CLINICAL} Images of the bundled sample corpus are placeholders (image_details.placeholder). Automatic question generation can miss or mislabel items; models may have seen the source articles in training (use publication_date for post-cutoff slices).`,
    'rai:dataUseCases': 'Evaluating multimodal models on rare-disease diagnosis, treatment planning, cross-image reasoning and examination work-up. Not for training clinical decision tools, and not for clinical use.',
    'rai:dataReleaseMaintenancePlan': 'Rebuilt from the current PMC Open Access articles with mmrare; each release folder lists added, changed (new article versions) and withdrawn (retracted or rejected) questions in CHANGES.md, and checksums in MANIFEST.',
    distribution: [
      ...parquet.map((p) => ({
        '@type': 'cr:FileObject', '@id': p.path, name: p.path, contentUrl: p.path, encodingFormat: 'application/x-parquet', sha256: p.sha256, contentSize: `${p.bytes.length} B`,
      })),
      ...tracks.map(([t]) => ({
        '@type': 'cr:FileSet', '@id': fileSetId(t), name: fileSetId(t), description: `The Parquet shards of the ${t} config (each listed above with its sha256).`,
        encodingFormat: 'application/x-parquet', includes: `data/${t}/test-*.parquet`,
      })),
    ],
    recordSet: tracks.map(([t, rs]) => ({
      '@type': 'cr:RecordSet', '@id': t, name: t, description: `The ${t} track: ${rs.length} questions (config "${t}", split test).`,
      key: { '@id': `${t}/id` },
      field: columnsOf(t).map((c) => ({
        '@type': 'cr:Field', '@id': `${t}/${c.name}`, name: c.name, description: c.description, dataType: dataType(c),
        ...(c.kind === 'strings' || c.kind === 'images' ? { isArray: true } : {}),
        source: { fileSet: { '@id': fileSetId(t) }, extract: { column: c.name } },
      })),
    })),
  };
}

export function planHf(input: ReleaseInput, opts: { shardBytes?: number } = {}): PlannedFile[] {
  const tracks = byTrack(input.rows);
  const parquet = tracks.flatMap(([t, rs]) => {
    const shards = shardRows(rs, input, opts.shardBytes);
    return shards.map((part, i) => file(parquetPath(t, i, shards.length), trackParquet(t, part, input)));
  });
  return [...parquet, file('README.md', readme(input, tracks)), jsonFile('croissant.json', croissant(input, tracks, parquet))];
}

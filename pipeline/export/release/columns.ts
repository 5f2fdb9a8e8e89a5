// The columns of a track's table (Parquet and the dataset card): one fixed schema per track, whatever the
// rows hold, so every file of a track has the same columns and types. Nested gold fields are JSON text.
import type { Track } from '../../../schemas/export.ts';
import type { ReleaseRow } from '../../../schemas/release.ts';
import { imageName } from './common.ts';

export type ColumnKind = 'string' | 'int' | 'strings' | 'json' | 'images';
export interface Column { name: string; kind: ColumnKind; description: string; get: (r: ReleaseRow) => unknown }

const f = (name: string, kind: ColumnKind, description: string, get?: (r: ReleaseRow) => unknown): Column =>
  ({ name, kind, description, get: get ?? ((r) => (r as unknown as Record<string, unknown>)[name] ?? null) });
const json = (name: string, description: string): Column => f(name, 'json', description, (r) => JSON.stringify((r as unknown as Record<string, unknown>)[name]));

const HEAD: Column[] = [
  f('id', 'string', 'stable question id: <dx|tx|xi|ex>-PMC<n>-c<case>-<8 hex>'),
  f('track', 'string', 'diagnosis, treatment, cross-image or examination'),
  f('pmcid', 'string', 'the source article (PubMed Central id)'),
  f('pmid', 'string', 'PubMed id (null when none)'),
  f('doi', 'string', 'DOI of the article (null when none)'),
  f('license', 'string', 'the article\'s licence (PMC licence code); the row and its images are under it'),
  f('publication_date', 'string', 'the article\'s publication date (YYYY-MM-DD, YYYY-MM or YYYY): cut post-cutoff slices on it'),
  f('pmc_version', 'int', 'the PMC article version the row was built from'),
  f('disease_category', 'string', 'Orphanet classification group of the case\'s diagnosis'),
  f('case', 'int', 'the case number inside the article'),
  f('question', 'string', 'model-visible: the question'),
  f('context', 'string', 'model-visible: the case text after leak control (empty for examination)'),
  f('images', 'images', 'model-visible: the images shown, in order (HF Image feature: bytes + path)', (r) => r.images.map((im) => ({ bytes: im.sha256, path: imageName(im) }))),
  f('image_labels', 'strings', 'model-visible: each image\'s display label ("Image 1"), put before it', (r) => r.images.map((im) => im.label)),
  f('image_ids', 'strings', 'stable image ids (<pmcid>-<figure>-<n>, #<panel> for one panel)', (r) => r.images.map((im) => im.id)),
  f('image_modalities', 'strings', 'per image: the modality guessed from its caption ("unknown" when none)'),
  f('answer', 'string', 'gold: the expected answer as text'),
  f('orpha_code', 'string', 'gold: ORPHA code of the case\'s diagnosis'),
  f('orpha_name', 'string', 'gold: Orphanet preferred name'),
  f('orpha_aliases', 'strings', 'gold: the diagnosis\'s other names'),
];
const TAIL: Column[] = [
  json('withheld_images', 'the case\'s images not shown, each with the reason (JSON)'),
  json('leakage', 'leak control summary: masks, dropped sentences, the cut, rules (JSON)'),
  json('provenance', 'pipeline and config hash, Orphanet release, stage versions, generator, vocabularies, source URLs (JSON)'),
  f('image_details', 'json', 'per shown image: id, label, sha256, width, height, panel, placeholder, licence (JSON)', (r) => JSON.stringify(r.images.map((im) => ({ id: im.id, label: im.label, sha256: im.sha256, width: im.width, height: im.height, panel: im.panel, placeholder: im.placeholder, license: im.license })))),
];
const TRACK_COLUMNS: Record<Track, Column[]> = {
  diagnosis: [
    f('answer_aliases', 'strings', 'gold: accepted other names of the answer (Orphanet synonyms, abbreviations)'),
    f('category', 'string', 'gold: the diagnosis\'s Orphanet classification group'),
    json('evidence', 'gold: diagnosis statements, context sentences, figure mapping (JSON)'),
  ],
  treatment: [
    json('rubric_must_include', 'gold: drugs (dose, route), procedures and follow-up the plan must include, with sources (JSON)'),
    json('rubric_must_not', 'gold: what the plan must not include (avoided, contraindicated, harmful), with sources (JSON)'),
    json('evidence', 'gold: treatment sentences, context sentences, figure mapping (JSON)'),
  ],
  'cross-image': [
    json('golden_mainline', 'gold: one finding claim per image, with its image ids and sources (JSON)'),
    f('relation_type', 'string', 'gold: confirm, complement or contrast'),
    json('relation_rule', 'gold: the rule that chose the relation and why (JSON)'),
    json('figure_mapping', 'per label: image id, figure label, panels (JSON)'),
    json('evidence', 'gold: context sentences (JSON)'),
  ],
  examination: [
    f('key_test_names', 'strings', 'gold: the key tests, in the order the case did them'),
    json('red_flags_to_rule_out', 'gold: what the work-up ruled out, with sources (JSON)'),
    json('must_not', 'gold: tests the case said were contraindicated or avoided (JSON)'),
    json('evidence', 'gold: each key test with its source and the images it produced (JSON)'),
  ],
};

export const columnsOf = (track: Track): Column[] => [...HEAD, ...TRACK_COLUMNS[track], ...TAIL];

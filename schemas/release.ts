// Release rows (`mmrare export --format …`): the export row of its track (schemas/export.ts) plus what a
// user needs to cut and credit a release: the article's publication date and PMC version (so a
// post-cutoff slice can be taken), the case's disease category and each shown image's modality guess.
// The draft JSONL (`mmrare export` without --format) keeps the export rows unchanged.
import { z } from 'zod';
import { EXPORT_SCHEMAS, type ExportRow, type Track } from './export.ts';

export const RELEASE_FIELDS = {
  /** The article's publication date as precise as JATS gives it: YYYY-MM-DD, YYYY-MM or YYYY; null when none. */
  publication_date: z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/).nullable(),
  /** The PMC article version the row was built from (PMC<n>.<version>). */
  pmc_version: z.number().int().min(1),
  /** The Orphanet classification group of the case's diagnosis (every track; diagnosis's `category`). */
  disease_category: z.string(),
  /** Per shown image, in order: the modality guessed from its caption (extract), "unknown" when none. */
  image_modalities: z.array(z.string()),
} as const;

const extend = <S extends z.ZodObject<z.ZodRawShape>>(s: S) => s.extend(RELEASE_FIELDS).strict();

export const RELEASE_SCHEMAS = {
  diagnosis: extend(EXPORT_SCHEMAS.diagnosis),
  treatment: extend(EXPORT_SCHEMAS.treatment),
  'cross-image': extend(EXPORT_SCHEMAS['cross-image']),
  examination: extend(EXPORT_SCHEMAS.examination),
} as const;

export interface ReleaseExtra { publication_date: string | null; pmc_version: number; disease_category: string; image_modalities: string[] }
export type ReleaseRow = ExportRow & ReleaseExtra;

/** The release row: the export row's keys with the release fields right after `license` (a fixed key order). */
export function releaseRow(row: ExportRow, extra: ReleaseExtra): ReleaseRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = v;
    if (k === 'license') Object.assign(out, { publication_date: extra.publication_date, pmc_version: extra.pmc_version, disease_category: extra.disease_category, image_modalities: extra.image_modalities });
  }
  return out as unknown as ReleaseRow;
}

export const releaseSchemaOf = (track: Track) => RELEASE_SCHEMAS[track];

// The PMC Cloud Service per-version metadata JSON (metadata/PMC<n>.<v>.json), as far as mmrare relies on it.
import { z } from 'zod';

export const PmcMetadata = z.object({
  pmcid: z.string().regex(/^PMC\d+$/),
  version: z.number().int().min(1),
  pmid: z.union([z.string(), z.number()]).nullable().optional(),
  doi: z.string().nullable().optional(),
  title: z.string().nullable().optional(),
  citation: z.string().nullable().optional(),
  is_pmc_openaccess: z.boolean(),
  is_manuscript: z.boolean(),
  is_historical_ocr: z.boolean().optional(),
  is_retracted: z.boolean(),
  license_code: z.string().nullable(),
  xml_url: z.string().nullable(),
  media_urls: z.array(z.string()).default([]),
  // mmrare extension, set only by the bundled sample corpus: media files that are generated placeholders
  mmrare_placeholder_media: z.array(z.string()).optional(),
}).passthrough();
export type PmcMetadata = z.infer<typeof PmcMetadata>;

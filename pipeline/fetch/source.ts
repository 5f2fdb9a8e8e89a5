// A source of article packages. The fetch stage runs any source through the runner, so local
// folders and the live PMC services get the same resumability, decisions and counters.
import type { PmcMetadata } from '../../schemas/pmc-metadata.ts';

export interface MediaFile {
  name: string;                 // file name as listed by the source (validated before storing)
  bytes: Buffer;
  md5Expected: string | null;   // from the metadata URL's ?md5=
  sourceUrl: string;
}

export interface ArticlePackage {
  pmcid: string;
  version: number;
  metadata: PmcMetadata;
  metadataRaw: Buffer;
  xml: Buffer;
  xmlSourceUrl: string;
  media: MediaFile[];
  /** Things the source noticed but that do not stop the article (e.g. a listed media file missing). */
  notes?: { reason: string; rule: string; detail: Record<string, unknown> }[];
}

export type LoadResult =
  | { kind: 'package'; pkg: ArticlePackage }
  | { kind: 'drop'; reason: string; rule: string; detail?: Record<string, unknown> }
  | { kind: 'transient'; error: string };

export interface SourceItem {
  key: string;        // the stage item key: "PMC123" (one row per article; a newer version replaces the older)
  hint?: string;      // cheap fingerprint (e.g. "PMC123.2" or an etag); part of the input hash when present
}

export interface ArticleSource {
  readonly name: string;                  // "dir", "pmc-cloud"
  /** True when the source draws its own progress bar (the runner then draws none for fetch). */
  readonly drawsProgress?: boolean;
  list(): AsyncIterable<SourceItem>;
  load(item: SourceItem): Promise<LoadResult>;
  close?(): Promise<void>;
}

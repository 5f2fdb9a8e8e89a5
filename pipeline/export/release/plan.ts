// planRelease is pure (after changesets' assemble-release-plan): the rows and the previous release in the
// folder go in, every file of the release folder comes out with its bytes, in path order. The writer
// (write.ts) only puts them on disk. Same rows + previous release ⇒ the same bytes.
import type { ReleaseInput } from './load.ts';
import { manifest, sortFiles, type PlannedFile } from './common.ts';
import { changesFile, manifestFile, releaseManifest, type ReleaseManifest } from './changes.ts';
import { planHf } from './hf.ts';
import { planJsonl } from './jsonl.ts';
import { planLabelStudio, type ImageUrls } from './labelstudio.ts';
import { planLmms } from './lmms.ts';
import { planVlmeval } from './vlmeval.ts';

export const RELEASE_FORMATS = ['hf', 'vlmeval', 'lmms-eval', 'labelstudio', 'jsonl'] as const;
export type ReleaseFormat = (typeof RELEASE_FORMATS)[number];
/** Formats a model is evaluated on: accepted questions only unless --draft. */
export const ACCEPTED_BY_DEFAULT: readonly ReleaseFormat[] = ['hf', 'vlmeval', 'lmms-eval'];

export interface ReleaseOptions { hfPath?: string; imageUrls?: ImageUrls; notice?: PlannedFile; shardBytes?: number }

export interface ReleasePlan { format: ReleaseFormat; files: PlannedFile[]; manifest: ReleaseManifest }

export function planRelease(format: ReleaseFormat, input: ReleaseInput, previous: ReleaseManifest | null, opts: ReleaseOptions = {}): ReleasePlan {
  let files: PlannedFile[];
  switch (format) {
    case 'hf': files = planHf(input, { shardBytes: opts.shardBytes }); break;
    case 'vlmeval': files = planVlmeval(input); break;
    case 'lmms-eval': files = planLmms(input, { hfPath: opts.hfPath, shardBytes: opts.shardBytes }); break;
    case 'labelstudio': files = planLabelStudio(input, { imageUrls: opts.imageUrls }); break;
    case 'jsonl': files = planJsonl(input); break;
  }
  const m = releaseManifest(format, input, previous);
  files.push(manifestFile(m), changesFile(m));
  if (opts.notice) files.push({ ...opts.notice, path: 'NOTICE.md' });
  const seen = new Set<string>();
  for (const f of files) { if (seen.has(f.path)) throw new Error(`release plan: ${f.path} planned twice`); seen.add(f.path); }
  const sorted = sortFiles(files);
  sorted.push(manifest(sorted));
  return { format, files: sortFiles(sorted), manifest: m };
}

// The export row of a reviewed question, for `mmrare evaluate` / `mmrare report`. db/review-state.ts hands out
// filter's record (the draft plus its masked text); the export's own pure row builder (pipeline/export/plan.ts
// buildRow) turns it into the row a release carries, so evaluation reads exactly the exported gold fields.
// Only the CLI may join the two stages; the evaluate stage gets this function injected.
import { buildRow } from '../export/plan.ts';
import type { FilteredQuestion } from '../../schemas/question.ts';
import type { ReviewedQuestion } from '../../db/review-state.ts';

const NO_PROVENANCE = { pipelineVersion: '', configHash: '', orphanetRelease: '', stageVersions: {} };

export function exportRowOf(q: Pick<ReviewedQuestion, 'row'>): Record<string, unknown> {
  const row = q.row as Record<string, unknown>;
  if (!('draft' in row)) return row;   // already an export row (an accepted edit)
  return buildRow({
    filtered: row as unknown as FilteredQuestion,
    article: { pmid: null, doi: null, license: '', sourceUrls: [] },
    decisions: [],
    imageBytes: () => Buffer.alloc(0),   // the row's images carry their store hashes; no bytes are needed here
  }, NO_PROVENANCE).row as unknown as Record<string, unknown>;
}

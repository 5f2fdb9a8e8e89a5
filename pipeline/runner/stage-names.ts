// The stages in pipeline order (a tiny module, so the CLI can list them without loading the stages).
export const STAGE_NAMES = ['fetch', 'extract', 'align', 'generate', 'filter', 'export'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

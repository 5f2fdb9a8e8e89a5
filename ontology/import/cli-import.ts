// Default inputs for a rebuild of the committed lexicon from ../shared/data.
export const DEFAULT_SOURCES = [
  'orphapackets/ORPHApackets_json_2025-12-09.tar.gz',
  'mondo_sssom/mondo_exactmatch_orphanet.sssom.tsv',
  'mondo_sssom/mondo_exactmatch_mesh.sssom.tsv',
  'mondo_sssom/mondo_exactmatch_umls.sssom.tsv',
  'mondo_sssom/mondo_exactmatch_icd10who.sssom.tsv',
  'mondo_sssom/mondo_exactmatch_icd10cm.sssom.tsv',
];

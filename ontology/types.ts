// The lexicon's data model: one entry per ORPHAcode, plain JSON so the committed file is the model.
export type Level = 'disorder' | 'subtype' | 'group';
export type EntryStatus = 'active' | 'obsolete' | 'deprecated' | 'non_rare_inactive';

export interface LexEntry {
  code: string;                 // digits only
  name: string;
  synonyms: string[];
  type: string;                 // Orphanet DisorderType, e.g. "Disease", "Clinical subtype", "Category"
  level: Level;
  status: EntryStatus;          // packets carry active codes only; product1 fills the others
  movedTo: string[];            // "Moved to" / "Referred to" targets of an inactive code
  parents: string[];            // classification parents (codes)
  children: string[];
  disorderParent: string | null; // for subtypes: the nearest disorder-level ancestor
  omim: string[];
  mondo: string[];
  mesh: string[];
  umls: string[];
  icd10: string[];
  genes: string[];              // HGNC symbols
  prevalence: string[];         // "type|class|geographic", as Orphanet states them
  onset: string[];
  inheritance: string[];
  typeSentences: string[];      // definition sentences that may name the entry's types/forms (import/definitions.ts)
  nonRare: boolean;             // by the rule in ontology/import/rarity.ts (or product1's flag)
}

export interface LexiconSource {
  name: string;
  release: string;              // YYYY-MM-DD
  version: string;              // Orphanet DB version string
  files: { name: string; sha256: string }[];
  mondoRelease: string | null;
  licence: string;
}

export interface Lexicon {
  schema: 1;
  release: string;              // Orphanet release date (YYYY-MM-DD); recorded in every run
  source: LexiconSource;
  nonRareRule: string;          // human-readable statement of the rule that set nonRare
  entries: LexEntry[];          // sorted by numeric code
  byCode: Map<string, LexEntry>; // derived at load, never serialised
}

export const LEVEL_OF_TYPE: Record<string, Level> = {
  'Disease': 'disorder',
  'Malformation syndrome': 'disorder',
  'Morphological anomaly': 'disorder',
  'Biological anomaly': 'disorder',
  'Clinical syndrome': 'disorder',
  'Particular clinical situation in a disease or syndrome': 'disorder',
  'Clinical subtype': 'subtype',
  'Etiological subtype': 'subtype',
  'Histopathological subtype': 'subtype',
  'Category': 'group',
  'Clinical group': 'group',
};

/** Unknown types count as groups: never an answer unless Orphanet says it is a disorder. */
export function levelOfType(type: string): Level {
  if (LEVEL_OF_TYPE[type]) return LEVEL_OF_TYPE[type];
  if (/subtype/i.test(type)) return 'subtype';
  if (/particular clinical situation/i.test(type)) return 'disorder';
  return 'group';
}

export function emptyEntry(code: string, name: string, type: string): LexEntry {
  return {
    code, name, synonyms: [], type, level: levelOfType(type), status: 'active', movedTo: [],
    parents: [], children: [], disorderParent: null, omim: [], mondo: [], mesh: [], umls: [], icd10: [],
    genes: [], prevalence: [], onset: [], inheritance: [], typeSentences: [], nonRare: false,
  };
}

/** An entry of a compiled lexicon file (compact: empty fields left out) as a full LexEntry. */
export function hydrateEntry(raw: Record<string, unknown>): LexEntry {
  const e = emptyEntry(String(raw.code), String(raw.name), String(raw.type ?? ''));
  return Object.assign(e, raw) as LexEntry;
}

// The drug / procedure / test vocabulary: concepts compiled from the open lexicons in the data dir
// (lexicons/: DrugBank open vocabulary, MeSH 2024 trees D and E, MAxO, the FDA Orange Book, a
// Wikipedia abbreviation list, NegEx triggers). Plain JSON so the cached file is the model.

// exam: physical examination and vital signs (MeSH E01.370.600/.520, MAxO "physical examination"): what a
// clinician does at the bedside, never counted as an investigation that produces a result to withhold
export type VocabKind = 'drug' | 'drug_class' | 'procedure' | 'test' | 'exam';

export interface VocabConcept {
  key: string;             // lower-case preferred name: concepts of several sources with one name are one concept
  name: string;            // display name ("Prednisolone", "computed tomography")
  kinds: VocabKind[];      // sorted; a biopsy is a test and a procedure
  ids: string[];           // source ids, sorted: "drugbank:DB00860", "mesh:D011239", "maxo:MAXO:0000571", "ob:PREDNISOLONE"
}

export interface VocabForm {
  text: string;            // a surface form as the source wrote it (de-inverted: "X-Ray Computed Tomography")
  key: string;             // the match key: tokens joined by " " — raw (case), folded (exact) or folded and stemmed (stem)
  mode: 'case' | 'exact' | 'stem'; // case: short capitals ("CT", "MRI") as written; exact: drug names (no stemming: "Prominal" ≠ "prominent"); stem: the rest
  concepts: number[];      // indexes into Vocab.concepts
}

/** One lexicon file that went into a vocabulary, and the credit line a release must carry. */
export interface VocabSource {
  id: string;              // mesh_d | mesh_e | maxo | drugbank | orange_book | abbreviations | negex
  name: string;
  file: string;            // path relative to the lexicons folder
  sha256: string;
  version: string;
  licence: string;
  credit: string;          // the attribution sentence, as the release NOTICE prints it
  rows: number;            // rows read
}

export interface Vocab {
  schema: 1;
  compilerVersion: string;
  sources: VocabSource[];
  concepts: VocabConcept[];
  forms: VocabForm[];
  /** NegEx triggers (lower case): before a term ("no", "negative for") and after it ("was ruled out"). */
  negation: { pre: string[]; post: string[] };
}

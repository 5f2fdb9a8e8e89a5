// Public API of the ontology module (Orphanet lexicon, matcher, case diagnosis, CLI).
export type { Lexicon, LexEntry, Level, EntryStatus, LexiconSource } from './types.ts';
export { importOrphanet, serializeLexicon } from './import/index.ts';
export { parseProduct1 } from './import/product1.ts';
export { isNonRareInEurope, NON_RARE_RULE } from './import/rarity.ts';
export { loadLexicon, parseLexicon, resolveAnswer, entry, DEFAULT_LEXICON_PATH, type Resolution, type RuleNote } from './lexicon.ts';
export { createMatcher, type Matcher, type DocPart, type DocMatch, type MentionDetail, type DocAbbreviation } from './match/index.ts';
export { tokenize, canonWord, normalizePhrase, type Token } from './match/normalize.ts';
export { diagnoseArticle, articleParts, matcherFor, type DiagnoseOptions, type DiagnoseResult } from './diagnose/index.ts';
export { ontologyCommand, type CliIo } from './cli.ts';

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_LEXICON_PATH } from './lexicon.ts';

let committedRelease: string | null = null;

/** Release of the committed lexicon (read once, without building the entry map or a matcher). */
export const lexicon = {
  get release(): string {
    committedRelease ??= (JSON.parse(gunzipSync(readFileSync(DEFAULT_LEXICON_PATH)).toString('utf8')) as { release: string }).release;
    return committedRelease;
  },
};

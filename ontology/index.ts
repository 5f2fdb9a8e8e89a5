// Public API of the ontology module (Orphanet lexicon, matcher, case diagnosis).
export type { Lexicon, LexEntry, Level, EntryStatus, LexiconSource } from './types.ts';
export { importOrphanet, serializeLexicon } from './import/index.ts';
export { parseProduct1 } from './import/product1.ts';
export { isNonRareInEurope, NON_RARE_RULE } from './import/rarity.ts';
export { loadLexicon, parseLexicon, resolveAnswer, entry, type Resolution, type RuleNote } from './lexicon.ts';
export { openLexicon, defaultLexicon, compileCached, importToCache, importedLexicon, orphanetSources, lexiconCacheDir, LEXICON_COMPILER_VERSION, type LexiconHandle } from './lexicon-cache.ts';
export { createMatcher, type Matcher, type DocPart, type DocMatch, type MentionDetail, type DocAbbreviation } from './match/index.ts';
export { tokenize, canonWord, normalizePhrase, type Token } from './match/normalize.ts';
export { diagnoseArticle, diagnoseArticleStepwise, articleParts, matcherFor, releaseMatcher, type DiagnoseOptions, type DiagnoseResult } from './diagnose/index.ts';

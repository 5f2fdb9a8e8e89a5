// Public API of the vocabulary module: drugs, procedures and tests from the open lexicons.
export type { Vocab, VocabConcept, VocabForm, VocabKind, VocabSource } from './types.ts';
export { compileVocab, VOCAB_COMPILER_VERSION, VOCAB_FILES, deInvert, baseIngredient, parseCsv, type VocabInputFile } from './compile.ts';
export { openVocab, openVocabAt, defaultVocab, vocabCacheDir, vocabSources, parseVocab, type VocabHandle } from './cache.ts';
export { createRecogniser, recogniserFor, releaseRecogniser, type Recogniser, type VocabMention, type ExtraForm } from './recognise.ts';
export { keyTokens, formKey, stemWord, isCaseSensitiveForm, type KeyToken } from './keys.ts';

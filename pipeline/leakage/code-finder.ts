// A CodeFinder over the ontology matcher: every normalised mention of any code in a text. The
// filter and the export scanner use it to catch spellings that surface patterns miss
// ("haemolytic" vs "hemolytic", "type II" vs "type 2", Greek letters).
import type { Lexicon } from '../../ontology/types.ts';
import { matcherFor } from '../../ontology/index.ts';

/** A normalising matcher over the lexicon (ontology/): finds spellings the patterns miss. */
export type CodeFinder = (text: string) => { start: number; end: number; text: string; orphaCode: string }[];

export function createCodeFinder(lex: Lexicon): CodeFinder {
  return (text) => matcherFor(lex).match(text)
    .filter((m) => m.method !== 'fuzzy')
    .map((m) => ({ start: m.start, end: m.end, text: m.text, orphaCode: m.orphaCode }));
}

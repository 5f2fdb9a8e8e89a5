// The independent leak scanner: re-checks every exported row's model-visible fields for the
// answer, its aliases and its code with a method separate from the filter's patterns (plain
// folded text search), plus the lexicon matcher when given. The release is refused while it finds any.
import type { CodeFinder } from '../leakage/code-finder.ts';
import { isShortAbbreviation } from '../leakage/patterns.ts';
import { americanize } from '../../ontology/match/normalize.ts';

export interface ScanFinding { field: string; term: string; at: number }

/** Lower case, NFKC, hyphens as spaces, no possessive, American spelling word by word. */
function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[\u2010-\u2015\-/]+/g, ' ').replace(/['’]s\b/g, '').replace(/\s+/g, ' ')
    .replace(/\p{L}+/gu, (w) => americanize(w));
}

export function scanRow(
  fields: Record<string, string>,
  answer: { name: string; aliases: string[]; code: string; codes: Set<string> },
  findCodes: CodeFinder | null,
): ScanFinding[] {
  const findings: ScanFinding[] = [];
  const terms = [answer.name, ...answer.aliases].filter((t) => t.trim().length >= 2);
  for (const [field, value] of Object.entries(fields)) {
    const folded = fold(value);
    for (const term of terms) {
      if (isShortAbbreviation(term)) {
        const re = new RegExp(`(?<![A-Za-z0-9])${term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`);
        const m = re.exec(value);
        if (m) findings.push({ field, term, at: m.index });
        continue;
      }
      const t = fold(term);
      let from = 0;
      for (;;) {
        const i = folded.indexOf(t, from);
        if (i < 0) break;
        const before = i === 0 ? ' ' : folded[i - 1];
        const after = folded[i + t.length] ?? ' ';
        // whole words; a plural after the term, or any derived form of a long single word
        // ("myxomatous"), still counts as the term
        const tail = folded.slice(i + t.length, i + t.length + 2);
        const derived = !t.includes(' ') && t.length >= 6;
        if (!/[\p{L}\p{N}]/u.test(before) && (derived || !/[\p{L}\p{N}]/u.test(after) || /^s\b|^es/u.test(tail))) {
          findings.push({ field, term, at: i });
          break;
        }
        from = i + 1;
      }
    }
    if (new RegExp(`orpha(?:net|code)?[\\s:_#-]*${answer.code}(?!\\d)`, 'i').test(value)) findings.push({ field, term: `ORPHA:${answer.code}`, at: 0 });
    if (findCodes) {
      for (const m of findCodes(value)) if (answer.codes.has(m.orphaCode)) findings.push({ field, term: m.text, at: m.start });
    }
  }
  return findings;
}

// The independent residual scanner: re-reads every model-visible field of every exported row (question,
// context, image labels, the text inside shown images) for the row's own gold strings — the diagnosis,
// its aliases and ORPHA code; the treatment's drugs and procedures; the examination's key tests; the
// cross-image captions and findings. It shares no code with the filter or pipeline/leakage (its own
// folding, spelling rules and matching), so a bug there is not a bug here. Any finding refuses the export.
import type { ExportRow } from '../../schemas/export.ts';

export interface ScanFinding { row: string; field: string; term: string; kind: ScanTerm['kind']; at: number; found: string }
export interface ScanTerm { form: string; kind: 'diagnosis' | 'code' | 'treatment' | 'key_test' | 'caption' | 'finding' }
/** What the row does not carry itself: the captions of its figures and the text inside its shown images. */
export interface HiddenText { captions: string[]; imageText: Record<string, string | null> }

const GREEK: Record<string, string> = { 'α': 'alpha', 'β': 'beta', 'γ': 'gamma', 'δ': 'delta', 'κ': 'kappa', 'λ': 'lambda', 'μ': 'mu', 'τ': 'tau', 'ω': 'omega' };

/** One word in the scanner's canonical spelling: no diacritics, lower case, American spelling. */
function canonWord(w: string): string {
  let t = w;
  if (t.length >= 4) {
    t = t.replace(/ae/g, 'e').replace(/oe/g, 'e');
    t = t.replace(/our(s?)$/, 'or$1').replace(/([^aeiou])tre(s?)$/, '$1ter$2');
    t = t.replace(/isation(s?)$/, 'ization$1').replace(/is(e|ed|es|ing)$/, 'iz$1').replace(/ys(e|ed|es|ing)$/, 'yz$1');
  }
  return t;
}

interface Tok { w: string; start: number; end: number }

/** Words of a text with offsets: NFKD without marks, Greek letters spelled, every non-alphanumeric a break. */
function toks(text: string): Tok[] {
  const out: Tok[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0].normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[α-ω]/g, (c) => GREEK[c] ?? c).replace(/ß/g, 'ss').replace(/æ/g, 'ae').replace(/œ/g, 'oe');
    out.push({ w: canonWord(w), start: m.index!, end: m.index! + m[0].length });
  }
  // a possessive "'s" is its own token here ("Wilson's" → wilson, s): fold it into the word before
  return out.filter((t, i) => !(t.w === 's' && i > 0 && /['’]$/.test(text.slice(out[i - 1].end, t.start))));
}

/** A text token stands for a term token: equal, or with a plural ending. */
function sameWord(text: string, term: string): boolean {
  if (text === term) return true;
  if (text === `${term}s` || text === `${term}es`) return true;
  if (term.endsWith('y') && text === `${term.slice(0, -1)}ies`) return true;
  return term.endsWith('s') && term.length > 4 && text === term.slice(0, -1);
}

const isCapitalAbbrev = (form: string): boolean => {
  const t = form.trim();
  const letters = t.replace(/[^\p{L}]/gu, '');
  return !/\s/.test(t) && letters.length >= 2 && letters.length <= 5 && letters === letters.toUpperCase() && /\p{Lu}/u.test(letters);
};

/** Where a term occurs in a text, or -1. */
export function findTerm(text: string, form: string): { at: number; found: string } | null {
  if (isCapitalAbbrev(form)) {
    const esc = form.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`(?<![\\p{L}\\p{N}])${esc}s?(?![\\p{L}\\p{N}])`, 'u').exec(text);
    return m ? { at: m.index, found: m[0] } : null;
  }
  const term = toks(form).map((t) => t.w);
  if (!term.length) return null;
  const tx = toks(text);
  // a long one-word term also covers its derived forms ("myxoma" → "myxomatous")
  const derived = term.length === 1 && term[0].length >= 6;
  // term tokens from k on match text tokens from i on; two words may be written as one ("non-compaction" /
  // "noncompaction") in either direction. Returns the index after the last text token, or -1.
  const match = (i: number, k: number): number => {
    if (k === term.length) return i;
    if (i >= tx.length) return -1;
    const w = tx[i].w;
    if (sameWord(w, term[k]) || (derived && w.startsWith(term[k]))) { const r = match(i + 1, k + 1); if (r >= 0) return r; }
    if (k + 1 < term.length && sameWord(w, term[k] + term[k + 1])) { const r = match(i + 1, k + 2); if (r >= 0) return r; }
    if (i + 1 < tx.length && sameWord(w + tx[i + 1].w, term[k])) { const r = match(i + 2, k + 1); if (r >= 0) return r; }
    return -1;
  };
  for (let i = 0; i < tx.length; i++) {
    const end = match(i, 0);
    if (end > i) return { at: tx[i].start, found: text.slice(tx[i].start, tx[end - 1].end) };
  }
  return null;
}

const SHINGLE = 6;

/** A run of SHINGLE words of `hidden` that the text repeats (with at least 3 words of 4+ letters). */
export function findCopied(text: string, hidden: string): { at: number; found: string } | null {
  const h = toks(hidden).map((t) => t.w);
  if (h.length < SHINGLE) return null;
  const grams = new Set<string>();
  for (let i = 0; i + SHINGLE <= h.length; i++) grams.add(h.slice(i, i + SHINGLE).join(' '));
  const tx = toks(text);
  for (let i = 0; i + SHINGLE <= tx.length; i++) {
    const win = tx.slice(i, i + SHINGLE);
    if (win.filter((t) => t.w.length >= 4).length < 3) continue;
    if (grams.has(win.map((t) => t.w).join(' '))) return { at: win[0].start, found: text.slice(win[0].start, win[SHINGLE - 1].end) };
  }
  return null;
}

/** The gold strings a row must not show, read from the row itself (and its figures' captions). */
export function scanTerms(row: ExportRow, hidden: HiddenText): ScanTerm[] {
  const terms: ScanTerm[] = [];
  const add = (form: string, kind: ScanTerm['kind']) => { if (form.trim().length >= 2 && !terms.some((t) => t.form === form && t.kind === kind)) terms.push({ form, kind }); };
  add(row.orpha_name, 'diagnosis');
  for (const a of row.orpha_aliases) add(a, 'diagnosis');
  if (row.track === 'diagnosis') { add(row.answer, 'diagnosis'); for (const a of row.answer_aliases) add(a, 'diagnosis'); }
  if (row.track === 'treatment') {
    for (const r of row.rubric_must_include) if (r.kind !== 'follow_up') { add(r.name, 'treatment'); add(r.source.text, 'treatment'); }
  }
  if (row.track === 'examination') {
    for (const k of row.evidence.key_tests) { add(k.name, 'key_test'); add(k.source.text, 'key_test'); }
  }
  if (row.track === 'cross-image') {
    for (const c of hidden.captions) add(c, 'caption');
    for (const c of row.golden_mainline) add(c.claim, 'finding');
  }
  return terms;
}

/** Every model-visible text of a row, by field name. */
export function visibleFields(row: ExportRow, hidden: HiddenText): Record<string, string> {
  const f: Record<string, string> = { question: row.question, context: row.context };
  for (const im of row.images) {
    f[`images[${im.label}].label`] = im.label;
    const t = hidden.imageText[im.id];
    if (t) f[`images[${im.label}].text`] = t;
  }
  return f;
}

/** Findings of one row: each field × term that the text still contains. */
export function scanRow(row: ExportRow, hidden: HiddenText): ScanFinding[] {
  const findings: ScanFinding[] = [];
  const terms = scanTerms(row, hidden);
  const codeRe = new RegExp(`orpha(?:net|code)?[\\s:_#-]*0*${row.orpha_code}(?!\\d)`, 'i');
  for (const [field, value] of Object.entries(visibleFields(row, hidden))) {
    if (!value) continue;
    for (const t of terms) {
      const hit = t.kind === 'caption' || t.kind === 'finding' ? findCopied(value, t.form) : findTerm(value, t.form);
      // one finding per place: "Prednisolone" (the name) and "prednisolone" (the case's word) are one leak
      if (hit && !findings.some((f) => f.field === field && f.at === hit.at)) findings.push({ row: row.id, field, term: t.form.length > 80 ? `${t.form.slice(0, 77)}…` : t.form, kind: t.kind, ...hit });
    }
    const code = codeRe.exec(value);
    if (code) findings.push({ row: row.id, field, term: `ORPHA:${row.orpha_code}`, kind: 'code', at: code.index, found: code[0] });
  }
  return findings;
}

/** The message that refuses a release: row, field and term of each finding. */
export function scanMessage(track: string, findings: ScanFinding[]): string {
  const lines = findings.slice(0, 10).map((f) => `  ${f.row}  ${f.field}: "${f.found}" (${f.kind} term "${f.term}")`);
  return `export of ${track} refused: the residual scan found ${findings.length} leak${findings.length === 1 ? '' : 's'} in model-visible fields\n${lines.join('\n')}` +
    (findings.length > 10 ? `\n  … and ${findings.length - 10} more (mmrare audit --rule leak_found_by_scanner)` : '');
}

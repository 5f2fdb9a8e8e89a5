// The abbreviation finder as it was before its char-loop rewrite (ontology/match/abbrev.ts), kept as the
// oracle that the rewrite must agree with on real text (tests/ontology/matcher-speed.test.ts).
export interface AbbrevDef {
  short: string;
  shortStart: number;
  shortEnd: number;
  longStart: number;
  longEnd: number;
  long: string;
}

const isAlnum = (c: string | undefined) => !!c && /[\p{L}\p{N}]/u.test(c);

/** A plausible short form: 2-10 chars, at most 2 words, starts alphanumeric, has a capital letter. */
export function looksLikeShortForm(s: string): boolean {
  if (s.length < 2 || s.length > 10) return false;
  if (s.split(/\s+/).length > 2) return false;
  if (!isAlnum(s[0]) || !/\p{Lu}/u.test(s)) return false;
  return /\p{L}/u.test(s);
}

/** Schwartz & Hearst's backward character match; returns the offset in `lf` where the long form starts. */
export function bestLongFormStart(sf: string, lf: string): number {
  let s = sf.length - 1;
  let l = lf.length - 1;
  while (s >= 0) {
    const c = sf[s].toLowerCase();
    if (!isAlnum(c)) { s--; continue; }
    while ((l >= 0 && lf[l].toLowerCase() !== c) || (s === 0 && l > 0 && isAlnum(lf[l - 1]))) l--;
    if (l < 0) return -1;
    l--; s--;
  }
  return lf.lastIndexOf(' ', l) + 1;
}

function wordCount(s: string): number {
  return (s.match(/[\p{L}\p{N}]+/gu) ?? []).length;
}

function validLong(sf: string, long: string): boolean {
  const n = wordCount(long);
  const alnum = sf.replace(/[^\p{L}\p{N}]/gu, '').length;
  return n > 0 && n <= Math.min(alnum + 5, alnum * 2) && long.length > sf.length && !long.includes('(');
}

/** Finds abbreviation definitions in one text. */
export function findAbbreviations(text: string): AbbrevDef[] {
  const out: AbbrevDef[] = [];
  const re = /\(([^()\n]{1,80})\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const inner = m[1].trim();
    const innerStart = m.index + 1 + m[1].indexOf(inner);
    // Inner text may continue after a separator: "(LVNC; ref 3)" -> LVNC
    const first = inner.split(/[;,]\s*/)[0].trim();
    if (looksLikeShortForm(first)) {
      const def = forward(text, m.index, first, innerStart);
      if (def) { out.push(def); continue; }
    }
    const rev = reverse(text, m.index, inner, innerStart);
    if (rev) out.push(rev);
  }
  return out;
}

// "long form (SF)": look back within the sentence for the long form.
function forward(text: string, parenAt: number, sf: string, sfStart: number): AbbrevDef | null {
  let from = Math.max(0, parenAt - 160);
  const window = text.slice(from, parenAt);
  const cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf(')'), window.lastIndexOf('('), window.lastIndexOf(';'), window.lastIndexOf('\n'));
  if (cut >= 0) from += cut + 1;
  const lfText = text.slice(from, parenAt).replace(/\s+$/, '');
  const rel = bestLongFormStart(sf, lfText);
  if (rel < 0) return null;
  const long = lfText.slice(rel);
  if (!validLong(sf, long)) return null;
  return { short: sf, shortStart: sfStart, shortEnd: sfStart + sf.length, longStart: from + rel, longEnd: from + lfText.length, long };
}

// "SF (long form)": the word before the parenthesis is the short form.
function reverse(text: string, parenAt: number, inner: string, innerStart: number): AbbrevDef | null {
  const before = /([\p{L}\p{N}][\p{L}\p{N}\-]{1,9})\s*$/u.exec(text.slice(Math.max(0, parenAt - 12), parenAt));
  if (!before) return null;
  const sf = before[1];
  if (!looksLikeShortForm(sf) || sf === sf.toLowerCase()) return null;
  if (!/^\p{Lu}/u.test(sf) || wordCount(inner) < 2) return null;
  const rel = bestLongFormStart(sf, inner);
  if (rel !== 0) return null; // the whole parenthesis must be the long form
  if (!validLong(sf, inner)) return null;
  const sfStart = parenAt - before[0].length + before[0].indexOf(sf);
  return { short: sf, shortStart: sfStart, shortEnd: sfStart + sf.length, longStart: innerStart, longEnd: innerStart + inner.length, long: inner };
}

// The word normalisers as they were before their regex-free rewrite (ontology/match/normalize.ts), kept as
// the oracle that the rewrite must agree with (tests/ontology/matcher-speed.test.ts).
import { foldChars } from '../../../ontology/match/normalize.ts';

export function americanizeRegex(w: string): string {
  if (w.length < 4) return w;
  let t = w;
  if (t.includes('ae')) t = t.replace(/ae/g, 'e');
  if (t.includes('oe')) t = t.replace(/oe/g, 'e');
  if (t.length > 4 && t.endsWith('our')) t = t.slice(0, -3) + 'or';
  else if (t.length > 5 && t.endsWith('ours')) t = t.slice(0, -4) + 'ors';
  t = t.replace(/(.{3,})is(e|ed|es|ing|ation|ations)$/, '$1iz$2').replace(/(.{2,})ys(e|ed|es|ing)$/, '$1yz$2');
  if (t.length >= 5 && t.endsWith('tre')) t = t.slice(0, -3) + 'ter';
  if (t.endsWith('ogue')) t = t.slice(0, -2);
  return t;
}

export function foldCharsRegex(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return foldChars(s); // the non-ASCII path is unchanged
}

export function canonWordRegex(raw: string): string {
  let w = raw;
  if (/['’ʼ]s$/i.test(w)) w = w.slice(0, -2);
  return americanizeRegex(foldCharsRegex(w));
}

export function singularRegex(w: string): string | null {
  if (w.length < 4 || !w.endsWith('s') || w.endsWith('ss') || w.endsWith('us') || w.endsWith('is')) return null;
  if (w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (/(?:ch|sh|x|z)es$/.test(w)) return w.slice(0, -2);
  return w.slice(0, -1);
}

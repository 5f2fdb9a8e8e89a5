// Panel letters and sub-captions from a figure caption: "(A) … (B) …", "A, … B, …", "(a–c) …",
// "… bezoar (A), breaking (B) …". Letters are upper-cased; a panel set must start at A.
export interface ParsedPanel { letter: string; caption: string }

interface Marker { letters: string[]; start: number; end: number; postfix: boolean }

const PAREN_RE = /\(\s*([A-Za-z])\s*(?:(?:[-–—‐‑]|to)\s*([A-Za-z])|((?:\s*(?:,|and|&)\s*[A-Za-z])+))?\s*\)/g;
// "A, …", "A: …", "A) …", "A–C, …", "(A) and" handled above; only at the caption start or after ". " / "; "
const LEAD_RE = /(^|[.;]\s+|\)\s+)([A-Za-z])(?:\s*(?:[-–—‐‑]|and|,)\s*([A-Za-z]))?(?:[,:]|\)|\.(?=\s+[A-Z]))\s+/g;

function range(a: string, b: string): string[] {
  const x = a.toUpperCase().charCodeAt(0);
  const y = b.toUpperCase().charCodeAt(0);
  if (y < x || y - x > 25) return [a.toUpperCase()];
  return Array.from({ length: y - x + 1 }, (_, k) => String.fromCharCode(x + k));
}

function parenMarkers(caption: string): Marker[] {
  const out: Marker[] = [];
  PAREN_RE.lastIndex = 0;
  for (let m = PAREN_RE.exec(caption); m; m = PAREN_RE.exec(caption)) {
    const letters = m[2] ? range(m[1], m[2]) : [m[1].toUpperCase(), ...(m[3] ? m[3].split(/,|and|&/).map((x) => x.trim().toUpperCase()).filter(Boolean) : [])];
    const after = caption.slice(m.index + m[0].length).match(/^\s*(.)/)?.[1] ?? '';
    // "bezoar (A), breaking (B)": the marker closes its sub-caption instead of opening it
    const postfix = after === '' || /[,.;]/.test(after) || /^\s*and\b/.test(caption.slice(m.index + m[0].length));
    out.push({ letters, start: m.index, end: m.index + m[0].length, postfix });
  }
  return mergeAdjacent(caption, out);
}

/** "(a)–(d)" is a range and "(a) and (b)" a group: markers with only a dash or a conjunction between them merge. */
function mergeAdjacent(caption: string, markers: Marker[]): Marker[] {
  const out: Marker[] = [];
  for (const m of markers) {
    const prev = out[out.length - 1];
    const gap = prev ? caption.slice(prev.end, m.start) : '';
    if (prev && /^\s*(?:[-–—‐‑]|to)\s*$/.test(gap)) {
      prev.letters = [...new Set([...prev.letters, ...range(prev.letters[prev.letters.length - 1], m.letters[0]), ...m.letters])];
      prev.end = m.end; prev.postfix = m.postfix;
    } else if (prev && /^\s*(?:,|and|&)\s*$/.test(gap)) {
      prev.letters = [...new Set([...prev.letters, ...m.letters])];
      prev.end = m.end; prev.postfix = m.postfix;
    } else out.push({ ...m, letters: [...m.letters] });
  }
  return out;
}

function leadMarkers(caption: string): Marker[] {
  const out: Marker[] = [];
  LEAD_RE.lastIndex = 0;
  for (let m = LEAD_RE.exec(caption); m; m = LEAD_RE.exec(caption)) {
    const letters = m[3] ? range(m[2], m[3]) : [m[2].toUpperCase()];
    const start = m.index + m[1].length;
    out.push({ letters, start, end: m.index + m[0].length, postfix: false });
    LEAD_RE.lastIndex = m.index + m[0].length - 1;
  }
  return out;
}

/** Markers must name a plausible panel set: it starts at A and has no large gaps. */
function plausible(markers: Marker[]): boolean {
  const letters = new Set(markers.flatMap((m) => m.letters));
  if (!letters.has('A')) return false;
  const max = Math.max(...[...letters].map((l) => l.charCodeAt(0) - 64));
  return letters.size >= 2 && letters.size >= Math.ceil(max / 2);
}

function clean(s: string): string {
  return s.replace(/^[\s,;:.)–-]+|[\s,;:(–-]+$/g, '').replace(/^(and|or)\s+/i, '').trim();
}

/** Panels of a caption, with each letter's sub-caption (text between its marker and the next). */
export function parsePanels(caption: string): ParsedPanel[] {
  if (!caption) return [];
  let markers = parenMarkers(caption);
  if (!plausible(markers)) {
    markers = leadMarkers(caption);
    if (!plausible(markers)) return [];
  }
  const postfix = markers.filter((m) => m.postfix).length * 2 >= markers.length && markers.length > 1;
  const byLetter = new Map<string, string[]>();
  markers.forEach((m, k) => {
    let text: string;
    if (postfix) {
      const from = k === 0 ? Math.max(caption.lastIndexOf('. ', m.start) + 1, 0) : markers[k - 1].end;
      text = caption.slice(from, m.start);
    } else {
      const to = k + 1 < markers.length ? markers[k + 1].start : caption.length;
      text = caption.slice(m.end, to);
    }
    for (const l of m.letters) {
      const list = byLetter.get(l) ?? [];
      const c = clean(text);
      if (c && !list.includes(c)) list.push(c);
      byLetter.set(l, list);
    }
  });
  return [...byLetter.keys()].sort().map((letter) => ({ letter, caption: (byLetter.get(letter) ?? []).join(' ') }));
}

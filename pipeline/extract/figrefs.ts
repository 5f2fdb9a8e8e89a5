// In-text figure/table references: "Fig. 2B", "Figures 1 and 3", "Fig. 1a–c", "(Figures 2(a) and 2(b))",
// "Figures 1–3", "Supplementary Fig. S2", "Table 1". A hand-written scanner after a keyword match keeps
// the grammar explicit and linear (no nested quantifiers → no catastrophic backtracking).

export type RefKind = 'fig' | 'table';

export interface TextMention {
  kind: RefKind;
  key: string;          // "fig:2", "fig:s2", "table:1": matches figureKey() of a label
  panels: string[];     // upper-case letters, [] = whole figure
  start: number;        // whole mention span in the text (keyword included)
  end: number;
  surface: string;
}

const KEYWORD_RE = /\b(?:(supplementa(?:ry|l)|suppl\.?|additional|online)\s+)?(fig(?:ure)?s?\.?|tables?|tab\.)(?=[\s\u00a0\u2009\u202f]*[S]?\d)/gi;

const DASH = /[-–—‐‑]/;

function letterRange(a: string, b: string): string[] {
  const x = a.toUpperCase().charCodeAt(0);
  const y = b.toUpperCase().charCodeAt(0);
  if (y < x || y - x > 25) return [a.toUpperCase()];
  const out: string[] = [];
  for (let c = x; c <= y; c++) out.push(String.fromCharCode(c));
  return out;
}

function isLetter(ch: string | undefined): boolean { return !!ch && /^[A-Za-z]$/.test(ch); }
function isAlnum(ch: string | undefined): boolean { return !!ch && /^[A-Za-z0-9]$/.test(ch); }

interface Cursor { text: string; i: number }

function skipSpaces(c: Cursor): void {
  while (c.i < c.text.length && /[\s\u00a0\u2009\u202f]/.test(c.text[c.i])) c.i++;
}

/** Panels written right after a number: "B", "a–c", "(a)", "(A, B)", "(a–c)", "A and B", "B,C". */
function readPanels(c: Cursor): string[] {
  const t = c.text;
  const out: string[] = [];
  if (t[c.i] === '(') {
    // "(a)", "(A, B)", "(a–c)", "(a and b)"; anything else is not a panel list
    const close = t.indexOf(')', c.i);
    if (close === -1 || close - c.i > 20) return out;
    const inner = t.slice(c.i + 1, close).trim();
    if (!/^[A-Za-z](?:\s*(?:[-–—‐‑]|,|and|&)\s*[A-Za-z])*$/.test(inner)) return out;
    out.push(...lettersOf(inner));
    c.i = close + 1;
    return out;
  }
  // letters attached to the number: "2B", "1a–c", "2B,C", "2A and B"
  const first = t[c.i];
  if (!isLetter(first) || isAlnum(t[c.i + 1])) return out;
  const upper = first === first.toUpperCase();
  out.push(first.toUpperCase());
  c.i++;
  for (;;) {
    const save = c.i;
    let j = c.i;
    while (j < t.length && t[j] === ' ') j++;
    let sep = '';
    if (DASH.test(t[j] ?? '')) { sep = '-'; j++; }
    else if (t[j] === ',' || t[j] === '&') { sep = ','; j++; }
    else if (t.startsWith('and ', j)) { sep = ','; j += 3; }
    if (!sep) break;
    while (j < t.length && t[j] === ' ') j++;
    const ch = t[j];
    // the next letter must be a lone letter of the same case: "2A and B", not "2A and a CT"
    if (!isLetter(ch) || isAlnum(t[j + 1]) || (ch === ch.toUpperCase()) !== upper) { c.i = save; break; }
    if (sep === '-') out.push(...letterRange(out[out.length - 1], ch).slice(1));
    else out.push(ch.toUpperCase());
    c.i = j + 1;
  }
  return out;
}

function lettersOf(inner: string): string[] {
  const out: string[] = [];
  const parts = inner.split(/\s*(?:,|and|&)\s*/);
  for (const p of parts) {
    const m = /^([A-Za-z])\s*[-–—‐‑]\s*([A-Za-z])$/.exec(p);
    if (m) out.push(...letterRange(m[1], m[2]));
    else if (/^[A-Za-z]$/.test(p)) out.push(p.toUpperCase());
  }
  return out;
}

/** One item of a list after the keyword: "2", "S2", "2B", "7(a)", "1a–c". */
function readItem(c: Cursor): { num: string; panels: string[] } | null {
  const t = c.text;
  const m = /^(S?)(\d{1,3})/i.exec(t.slice(c.i, c.i + 4));
  if (!m) return null;
  c.i += m[0].length;
  if (/[0-9.]/.test(t[c.i] ?? '') && /\d/.test(t[c.i + 1] ?? '')) return null; // "1.5" is a quantity
  const panels = readPanels(c);
  return { num: (m[1] ? 's' : '') + m[2], panels };
}

/** Finds every figure/table mention in `text`. */
export function findMentions(text: string): TextMention[] {
  const out: TextMention[] = [];
  KEYWORD_RE.lastIndex = 0;
  for (let m = KEYWORD_RE.exec(text); m; m = KEYWORD_RE.exec(text)) {
    const suppl = !!m[1];
    const kind: RefKind = /^t/i.test(m[2]) ? 'table' : 'fig';
    const c: Cursor = { text, i: m.index + m[0].length };
    skipSpaces(c);
    let last = c.i;
    let prevNum: number | null = null;
    let range = false;
    const items: { num: string; panels: string[] }[] = [];
    for (;;) {
      const item = readItem(c);
      if (!item) break;
      const n = parseInt(item.num.replace(/^s/, ''), 10);
      // "Figures 1–3": the figures between the ends of a range are mentioned too
      const prev = items[items.length - 1];
      if (range && prevNum === n && prev && prev.panels.length && item.panels.length) {
        // "Figure 1(a)–1(c)": a range of panels of one figure
        prev.panels = [...new Set([...prev.panels, ...letterRange(prev.panels[prev.panels.length - 1], item.panels[0]), ...item.panels])];
        last = c.i;
        range = false;
        item.panels = [];
      } else if (range && prevNum !== null) {
        for (let k = prevNum + 1; k < n && k - prevNum < 30; k++) items.push({ num: (item.num.startsWith('s') ? 's' : '') + k, panels: [] });
      }
      if (item.panels.length || prevNum !== n) items.push(item);
      prevNum = n;
      last = c.i;
      range = false;
      let j = c.i;
      while (j < text.length && text[j] === ' ') j++;
      if (DASH.test(text[j] ?? '')) { range = true; j++; }
      else if (text[j] === ',' || text[j] === ';' || text[j] === '&') j++;
      else if (text.startsWith('and', j) && !isAlnum(text[j + 3])) j += 3;
      else if (text.startsWith('to', j) && !isAlnum(text[j + 2])) { range = true; j += 2; }
      else break;
      while (j < text.length && /[\s\u00a0]/.test(text[j])) j++;
      // "Figure 2 and 3" continues the list; "Figure 2 and Table 1" is matched by the next keyword
      if (!/^S?\d/i.test(text.slice(j, j + 2))) break;
      c.i = j;
    }
    if (!items.length) continue;
    // "Figures 1(a) and 1(b)" names one figure twice: one mention with both panels
    const merged = new Map<string, { num: string; panels: string[] }>();
    for (const it of items) {
      const prev = merged.get(it.num);
      if (prev) prev.panels = prev.panels.length && it.panels.length ? [...new Set([...prev.panels, ...it.panels])] : [];
      else merged.set(it.num, { num: it.num, panels: [...it.panels] });
    }
    for (const it of merged.values()) {
      out.push({
        kind,
        key: `${kind}:${suppl && !it.num.startsWith('s') ? 's' : ''}${it.num}`,
        panels: it.panels,
        start: m.index,
        end: last,
        surface: text.slice(m.index, last),
      });
    }
    KEYWORD_RE.lastIndex = last;
  }
  return out;
}

/** The lookup key of a figure/table label: "Figure 2" → "fig:2", "Supplementary Figure S1" → "fig:s1", "Table 1" → "table:1". */
export function labelKey(label: string, kind: 'figure' | 'table' | 'supplementary'): string | null {
  const l = label.normalize('NFKC').replace(/[\u00a0\u2009]/g, ' ').trim();
  const m = /^(?:(supplementa(?:ry|l)|suppl\.?|additional|online)\s+)?(fig(?:ure)?\.?|table|tab\.?|file|material|data|video|movie|appendix)?\s*(S?)(\d{1,3})\b/i.exec(l);
  if (!m) return null;
  const word = (m[2] ?? '').toLowerCase();
  const k = word.startsWith('t') ? 'table' : word.startsWith('f') && word !== 'file' ? 'fig' : kind === 'table' ? 'table' : kind === 'figure' ? 'fig' : null;
  if (!k) return null;
  const s = m[1] || m[3] || kind === 'supplementary' ? 's' : '';
  return `${k}:${s}${m[4]}`;
}

// The XML layer of extraction: one fast-xml-parser pass (preserveOrder), a safe entity decoder,
// a cheap well-formedness pre-scan and small node helpers. Everything here is pure.
import { XMLParser } from 'fast-xml-parser';

/** A node of fast-xml-parser's preserveOrder output: `{ tag: children, ':@': attrs }` or `{ '#text': s }`. */
export type XNode = Record<string, unknown>;
export type Attrs = Record<string, string>;

export const MAX_DEPTH = 128;
const MAX_DOCTYPE_ENTITIES = 64;

const XML_FIVE: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ENTITY_RE = /&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,9}|[A-Za-z][\w.-]{0,31});/g;

function codePointText(ref: string): string | null {
  const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
  // Reject NUL, surrogates and out-of-range values: they are not characters; control characters
  // (CONTROL_RE) are not text either. The reference then stays as it was written ("&#1;").
  if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  const ch = String.fromCodePoint(cp);
  return CONTROL_RE.test(ch) ? null : ch;
}

/**
 * Control characters: C0 except tab, line feed and carriage return, DEL and C1. XML 1.0 forbids the
 * C0 ones and none of them is text; they are removed from the source before it is parsed.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE_G = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * The source without control characters, and how many were removed. Done before anything is parsed
 * or measured, so every offset extraction records (sentences, figure references, cuts, and later
 * mentions and masks) refers to the cleaned text and stays valid.
 */
export function stripControlChars(xml: string): { xml: string; removed: number } {
  if (!CONTROL_RE.test(xml)) return { xml, removed: 0 };
  const out = xml.replace(CONTROL_RE_G, '');
  return { xml: out, removed: xml.length - out.length };
}

/**
 * Why bytes that should be XML are not, from their first bytes (null: they start like XML, with "<"
 * after an optional BOM and whitespace). An archive holding an XML file is refused here, never parsed.
 */
export function sniffNotXml(b: Uint8Array): string | null {
  let i = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  if (b[i] === 0x3c) return null;
  const at = (o: number, ...xs: number[]) => xs.every((x, k) => b[o + k] === x);
  if (at(0, 0x50, 0x4b, 0x03, 0x04) || at(0, 0x50, 0x4b, 0x05, 0x06) || at(0, 0x50, 0x4b, 0x07, 0x08)) return 'a zip archive';
  if (at(0, 0x1f, 0x8b)) return 'gzip-compressed data';
  if (at(0, 0x42, 0x5a, 0x68)) return 'bzip2-compressed data';
  if (at(0, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz-compressed data';
  if (at(0, 0x28, 0xb5, 0x2f, 0xfd)) return 'zstd-compressed data';
  if (at(0, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return 'a 7-zip archive';
  if (at(257, 0x75, 0x73, 0x74, 0x61, 0x72)) return 'a tar archive';
  if (at(0, 0x25, 0x50, 0x44, 0x46)) return 'a PDF document';
  if (at(0, 0xfe, 0xff) || at(0, 0xff, 0xfe)) return 'UTF-16 text (only UTF-8 and Latin-1 JATS are read)';
  return i >= b.length ? 'only whitespace' : `bytes that do not start with "<" (0x${b[i].toString(16).padStart(2, '0')} at ${i})`;
}

/**
 * Decodes the five XML entities and numeric character references only. DOCTYPE-declared entities are
 * never expanded (they stay as literal "&name;"), so no entity bomb can grow the text.
 */
export function decodeEntities(val: string): string {
  if (val.indexOf('&') === -1) return val;
  return val.replace(ENTITY_RE, (whole, ref: string) => {
    if (ref[0] === '#') return codePointText(ref) ?? whole;
    return XML_FIVE[ref] ?? whole;
  });
}

// fast-xml-parser calls these four methods; we ignore the DOCTYPE's entities entirely.
const safeDecoder = {
  reset() {},
  setXmlVersion() {},
  addInputEntities() {},
  decode: decodeEntities,
};

/** The options of extraction's one parse (scripts/bench/extract.ts builds its bare baseline from these). */
export const XML_PARSER_OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,          // keep the spaces around inline elements ("a <italic>b</italic> c")
  processEntities: { enabled: true, maxEntityCount: MAX_DOCTYPE_ENTITIES, maxEntitySize: 10_000 },
  entityDecoder: safeDecoder as never,
  ignorePiTags: true,
  ignoreDeclaration: true,
  maxNestedTags: MAX_DEPTH,
  // Parts extraction drops (reference lists, author/affiliation/funding metadata) are kept as one
  // unparsed string instead of a subtree: reference lists alone are ~45 % of a case report's parse time.
  stopNodes: ['..ref-list', '..contrib-group', '..aff', '..author-notes', '..funding-group', '..kwd-group', '..custom-meta-group', '..history', '..pub-history', '..processing-meta'],
};
const parser = new XMLParser(XML_PARSER_OPTIONS as never);

export type PreScan =
  | { ok: true; longRuns: [number, number][] }
  | { ok: false; reason: 'xml_malformed' | 'xml_entity_limit' | 'xml_too_deep'; detail: string };

/** Scans the DOCTYPE internal subset: nested entity definitions (the billion-laughs shape), external entities or too many entities are refused. */
function checkDoctype(xml: string, at: number): PreScan {
  const open = xml.indexOf('[', at);
  const close = xml.indexOf('>', at);
  if (open === -1 || (close !== -1 && close < open)) return { ok: true, longRuns: [] }; // no internal subset
  const end = xml.indexOf(']>', open);
  const subset = xml.slice(open, end === -1 ? undefined : end);
  let count = 0;
  const re = /<!ENTITY\s+(%\s+)?([^\s"']+)\s+(SYSTEM|PUBLIC)?\s*("[^"]*"|'[^']*')?/g;
  for (let m = re.exec(subset); m; m = re.exec(subset)) {
    count++;
    if (m[1]) return { ok: false, reason: 'xml_entity_limit', detail: `parameter entity ${m[2]} declared` };
    if (m[3]) return { ok: false, reason: 'xml_entity_limit', detail: `external entity ${m[2]} declared` };
    if (m[4] && m[4].includes('&')) return { ok: false, reason: 'xml_entity_limit', detail: `entity ${m[2]} refers to other entities` };
    if (m[4] && m[4].length > 10_000) return { ok: false, reason: 'xml_entity_limit', detail: `entity ${m[2]} too long` };
    if (count > MAX_DOCTYPE_ENTITIES) return { ok: false, reason: 'xml_entity_limit', detail: `more than ${MAX_DOCTYPE_ENTITIES} entities declared` };
  }
  return { ok: true, longRuns: [] };
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 58 || c === 46 || c > 127;
}

/**
 * One linear pass over the markup: tags must balance, nesting is bounded and the DOCTYPE is safe.
 * fast-xml-parser silently repairs truncated or mis-nested input, so this is what turns damage into a reason.
 */
export function preScan(xml: string, maxTextRun = Infinity): PreScan {
  const stack: string[] = [];
  const n = xml.length;
  let i = xml.indexOf('<');
  let sawRoot = false;
  // Text runs (and CDATA contents and attribute values) longer than maxTextRun: fast-xml-parser needs ~35 bytes of memory
  // per character of one text node (a 19 MB paragraph: 665 MB), so such runs are cut before parsing.
  const longRuns: [number, number][] = [];
  const next = (from: number): number => {
    const j = xml.indexOf('<', from);
    if ((j === -1 ? n : j) - from > maxTextRun) longRuns.push([from, j === -1 ? n : j]);
    return j;
  };
  while (i !== -1 && i < n) {
    const c = xml.charCodeAt(i + 1);
    if (c === 33 /* ! */) {
      if (xml.startsWith('<!--', i)) {
        const e = xml.indexOf('-->', i + 4);
        if (e === -1) return { ok: false, reason: 'xml_malformed', detail: 'unterminated comment' };
        i = next(e + 3);
        continue;
      }
      if (xml.startsWith('<![CDATA[', i)) {
        const e = xml.indexOf(']]>', i + 9);
        if (e === -1) return { ok: false, reason: 'xml_malformed', detail: 'unterminated CDATA' };
        if (e - (i + 9) > maxTextRun) longRuns.push([i + 9, e]);
        i = next(e + 3);
        continue;
      }
      if (xml.startsWith('<!DOCTYPE', i)) {
        if (sawRoot) return { ok: false, reason: 'xml_malformed', detail: 'DOCTYPE after root element' };
        const d = checkDoctype(xml, i);
        if (!d.ok) return d;
        const sub = xml.indexOf('[', i);
        const gt = xml.indexOf('>', i);
        let e = gt;
        if (sub !== -1 && gt !== -1 && sub < gt) { const se = xml.indexOf(']>', sub); e = se === -1 ? -1 : se + 1; }
        if (e === -1) return { ok: false, reason: 'xml_malformed', detail: 'unterminated DOCTYPE' };
        i = next(e + 1);
        continue;
      }
      return { ok: false, reason: 'xml_malformed', detail: `bad markup at ${i}` };
    }
    if (c === 63 /* ? */) {
      const e = xml.indexOf('?>', i + 2);
      if (e === -1) return { ok: false, reason: 'xml_malformed', detail: 'unterminated processing instruction' };
      i = next(e + 2);
      continue;
    }
    const closing = c === 47;
    let j = closing ? i + 2 : i + 1;
    const s = j;
    while (j < n && isNameChar(xml.charCodeAt(j))) j++;
    if (j === s) return { ok: false, reason: 'xml_malformed', detail: `bad tag at ${i}` };
    const name = xml.slice(s, j);
    // find the end of the tag; only tags with quoted attribute values need the slow, quote-aware scan
    let k = xml.indexOf('>', j);
    if (k === -1) return { ok: false, reason: 'xml_malformed', detail: `unterminated tag ${name}` };
    let quoted = false;
    for (let q = j; q < k; q++) {
      const ch = xml.charCodeAt(q);
      if (ch === 34 || ch === 39) { quoted = true; break; }
      if (ch === 60) return { ok: false, reason: 'xml_malformed', detail: `'<' inside tag ${name}` };
    }
    if (quoted) {
      let quote = 0;
      let opened = 0;
      for (k = j; k < n; k++) {
        const ch = xml.charCodeAt(k);
        if (quote) {
          if (ch === quote) {
            quote = 0;
            // an attribute value is a text node for the parser too: a huge one is cut like a text run
            if (k - opened > maxTextRun) longRuns.push([opened, k]);
          }
        } else if (ch === 34 || ch === 39) { quote = ch; opened = k + 1; }
        else if (ch === 62) break;
        else if (ch === 60) return { ok: false, reason: 'xml_malformed', detail: `'<' inside tag ${name}` };
      }
      if (k >= n) return { ok: false, reason: 'xml_malformed', detail: `unterminated tag ${name}` };
    }
    if (closing) {
      const top = stack.pop();
      if (top !== name) return { ok: false, reason: 'xml_malformed', detail: `closing </${name}> does not match <${top ?? ''}>` };
    } else if (xml.charCodeAt(k - 1) !== 47 /* self-closing */) {
      if (stack.length === 0 && sawRoot) return { ok: false, reason: 'xml_malformed', detail: 'content after the root element' };
      stack.push(name);
      sawRoot = true;
      if (stack.length > MAX_DEPTH) return { ok: false, reason: 'xml_too_deep', detail: `nesting deeper than ${MAX_DEPTH}` };
    } else {
      sawRoot = true;
    }
    i = next(k + 1);
  }
  if (!sawRoot) return { ok: false, reason: 'xml_malformed', detail: 'no root element' };
  if (stack.length) return { ok: false, reason: 'xml_malformed', detail: `unclosed <${stack[stack.length - 1]}> (truncated?)` };
  return { ok: true, longRuns };
}

/**
 * The XML with each of `runs` (text runs found by preScan) cut to its first `keep` characters — never
 * inside an entity reference or a surrogate pair — and what was cut, by offset in the original.
 */
export function cutTextRuns(xml: string, runs: readonly [number, number][], keep: number): { xml: string; cuts: { at: number; length: number; kept: number }[] } {
  if (runs.length === 0) return { xml, cuts: [] };
  const parts: string[] = [];
  const cuts: { at: number; length: number; kept: number }[] = [];
  let from = 0;
  for (const [s, e] of runs) {
    let end = s + keep;
    const amp = xml.lastIndexOf('&', end);
    if (amp >= s && amp > end - 34 && xml.indexOf(';', amp) >= end) end = amp;   // "&amp;" cut in half would stay a literal "&am"
    const u = xml.charCodeAt(end - 1);
    if (u >= 0xd800 && u <= 0xdbff) end--;
    parts.push(xml.slice(from, end));
    cuts.push({ at: s, length: e - s, kept: end - s });
    from = e;
  }
  parts.push(xml.slice(from));
  return { xml: parts.join(''), cuts };
}

/** The bare parse (exported so the bench measures exactly the parse extraction uses). */
export function parseXml(xml: string): XNode[] {
  return parser.parse(xml) as XNode[];
}

export function tagOf(node: XNode): string {
  for (const k in node) if (k !== ':@') return k;
  return '';
}

export function kids(node: XNode, tag?: string): XNode[] {
  const t = tag ?? tagOf(node);
  const v = node[t];
  return Array.isArray(v) ? (v as XNode[]) : [];
}

const NO_ATTRS: Attrs = Object.freeze({}) as Attrs;
export function attrs(node: XNode): Attrs {
  return (node[':@'] as Attrs | undefined) ?? NO_ATTRS;
}

export function attr(node: XNode, name: string): string | undefined {
  const a = node[':@'] as Attrs | undefined;
  if (!a) return undefined;
  const v = a[name];
  return typeof v === 'string' ? v : undefined;
}

/** xlink:href under any prefix (some producers use "href" or another prefix bound to xlink). */
export function hrefOf(node: XNode): string | undefined {
  const a = node[':@'] as Attrs | undefined;
  if (!a) return undefined;
  if (typeof a['xlink:href'] === 'string') return a['xlink:href'];
  for (const k in a) if (k === 'href' || k.endsWith(':href')) return a[k];
  return undefined;
}

export function child(node: XNode, tag: string): XNode | undefined {
  for (const c of kids(node)) if (tag in c) return c;
  return undefined;
}

export function childrenNamed(node: XNode, tag: string): XNode[] {
  const out: XNode[] = [];
  for (const c of kids(node)) if (tag in c) out.push(c);
  return out;
}

/** All text below a node, with whitespace collapsed. */
export function textOf(node: XNode | undefined): string {
  if (!node) return '';
  const parts: string[] = [];
  collectText(node, parts);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

function collectText(node: XNode, out: string[]): void {
  const t = node['#text'];
  if (t !== undefined) { out.push(String(t)); return; }
  const tag = tagOf(node);
  if (tag === 'break') { out.push(' '); return; }
  for (const c of kids(node, tag)) collectText(c, out);
}

// JATS → ParsedArticle. One fast-xml-parser pass (preserveOrder), one walk over the tree, then pure
// post-processing on plain strings (cases, sentences, figure references, panels, modality).
// Never throws: every problem becomes a ParseFailure with a reason code.
import type { ParseFailure, ParseResult, ParsedArticle, Sentence, SentenceKind } from '../../schemas/article.ts';
import { attr, child, childrenNamed, cutTextRuns, hrefOf, kids, parseXml, preScan, sniffNotXml, stripControlChars, tagOf, textOf, type XNode } from './xml.ts';
import { joinRunInHeadings, splitSentences, type Span } from '../core/sentences.ts';
import { classifySentence, titlePrior } from './rules.ts';
import { planCases, type SectionHead } from './cases.ts';
import { findMentions, labelKey } from './figrefs.ts';
import { parsePanels } from './panels.ts';
import { guessModality } from './modality.ts';
import { abstractText, articleIds, licence, pubYear } from './front.ts';


export interface ParseJatsOptions {
  maxBytes?: number;
  /** Used when the XML carries no PMC id (publisher XML such as eLife). */
  pmcid?: string;
  /** Return the article even when no case section is found (default: a `no_case_section` failure). */
  allowNoCase?: boolean;
  /** Longer paragraphs (and captions, table texts) are cut there (`text_too_long`). */
  maxParagraphChars?: number;
  /** Longer case-timeline sentences are split into pieces of at most this many characters (`text_too_long`). */
  maxSentenceChars?: number;
}

export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
// The longest paragraph in the shared real articles (129 JATS files) has 6,353 characters and the longest
// sentence 1,244: the caps sit far above real prose and only stop machine-made or broken text.
export const DEFAULT_MAX_PARAGRAPH_CHARS = 50_000;
export const DEFAULT_MAX_SENTENCE_CHARS = 5_000;

type Figure = ParsedArticle['figures'][number];
type Warning = ParsedArticle['warnings'][number];

interface XrefSpan { rid: string; type: string; start: number; end: number; text: string }
/** `cut`: characters of the source dropped at the end (the paragraph hit the cap). */
interface Para { text: string; xrefs: XrefSpan[]; cut?: number }
interface RawSection { head: SectionHead; paras: Para[] }
interface RawFloat { fig: Figure; aliases: Map<string, string | null> } // alias id → panel letter

interface Walk {
  sections: RawSection[];
  floats: RawFloat[];
  warnings: Warning[];
  dropped: { formulas: number };
  counter: { auto: number; top: number };
  idPrefix: string;
  area: SectionHead['area'];
  maxParagraph: number;
}

// ---------------------------------------------------------------- inline text with xref positions

class TextBuf {
  s = '';
  xrefs: XrefSpan[] = [];
  /** Source characters not kept once the paragraph reached its cap (then nothing more is appended). */
  cut = 0;
  private full = false;
  constructor(private readonly cap: number) {}
  add(t: string): void {
    if (!t) return;
    if (this.full) { this.cut += t.length; return; }
    // Cut before normalising, so an oversized chunk is never copied whole. Collapsing whitespace in a
    // prefix gives a prefix of the collapsed chunk, so the kept text is exactly the start of the paragraph.
    const room = this.cap - this.s.length;
    let raw = t;
    if (raw.length > room + 64) { this.cut += raw.length - (room + 64); raw = raw.slice(0, room + 64); this.full = true; }
    // most chunks are already single-spaced: skip the replace (and its allocation) for them
    let c = /[^\S ]| {2}/.test(raw) ? raw.replace(/\s+/g, ' ') : raw;
    if ((this.s.length === 0 || this.s.endsWith(' ')) && c.startsWith(' ')) c = c.slice(1);
    if (c.length > room) {
      let keep = room;
      if (keep > 0 && isHighSurrogate(c.charCodeAt(keep - 1))) keep--;   // never split a character
      this.cut += c.length - keep;
      c = c.slice(0, keep);
      this.full = true;
    }
    this.s += c;
  }
}

const isHighSurrogate = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;

/** `text` cut to `max` characters (never inside a surrogate pair) and how many were dropped. */
function capText(text: string, max: number): { text: string; cut: number } {
  if (text.length <= max) return { text, cut: 0 };
  const keep = max > 0 && isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return { text: text.slice(0, keep), cut: text.length - keep };
}

const FLOAT_TAGS = new Set(['fig', 'fig-group', 'table-wrap', 'table-wrap-group', 'supplementary-material', 'media', 'chem-struct-wrap']);
const SKIP_INLINE = new Set(['fn', 'ref-list', 'graphic', 'inline-graphic', 'table', 'object-id', 'label', 'alt-text', 'long-desc', 'target', 'private-char']);

function formulaText(node: XNode): string {
  // MathML tokens read as plain text ("p < 0.05"); TeX only when no MathML alternative exists
  const alts = child(node, 'alternatives') ?? node;
  const mml = kids(alts).find((c) => tagOf(c) === 'mml:math' || tagOf(c) === 'math');
  if (mml) return leafTexts(mml).join(' ').replace(/\s+/g, ' ').trim();
  const tex = child(alts, 'tex-math');
  return tex ? textOf(tex) : textOf(node);
}

/** MathML token texts (mi, mo, mn…) as separate words, so "p<0.05" reads "p < 0.05". */
function leafTexts(n: XNode, out: string[] = []): string[] {
  const t = n['#text'];
  if (t !== undefined) { const s = String(t).trim(); if (s) out.push(s); return out; }
  for (const c of kids(n)) leafTexts(c, out);
  return out;
}

function inline(nodes: XNode[], buf: TextBuf, w: Walk): void {
  for (const n of nodes) {
    const t = n['#text'];
    if (t !== undefined) { buf.add(String(t)); continue; }
    const tag = tagOf(n);
    if (tag === 'xref') {
      const s0 = buf.s.length;
      inline(kids(n, tag), buf, w);
      let s = s0;
      let e = buf.s.length;
      while (s < e && buf.s[s] === ' ') s++;
      while (e > s && buf.s[e - 1] === ' ') e--;
      buf.xrefs.push({ rid: attr(n, 'rid') ?? '', type: attr(n, 'ref-type') ?? '', start: s, end: e, text: buf.s.slice(s, e) });
    } else if (FLOAT_TAGS.has(tag)) {
      collectFloat(n, tag, w);
    } else if (tag === 'inline-formula') {
      buf.add(` ${formulaText(n)} `);
    } else if (tag === 'disp-formula' || tag === 'disp-formula-group') {
      w.dropped.formulas++;
    } else if (tag === 'break') {
      buf.add(' ');
    } else if (tag === 'alternatives') {
      const first = kids(n, tag)[0];
      if (first) inline([first], buf, w);
    } else if (tag === 'list' || tag === 'list-item' || tag === 'p') {
      buf.add(' ');
      inline(kids(n, tag), buf, w);
      buf.add(' ');
    } else if (!SKIP_INLINE.has(tag)) {
      inline(kids(n, tag), buf, w);
    }
  }
}

function paragraph(nodes: XNode[], w: Walk): Para | null {
  const buf = new TextBuf(w.maxParagraph);
  inline(nodes, buf, w);
  const text = buf.s.trimEnd();
  if (!text) return null;
  // references that began after the cut are gone with the text they pointed into
  const xrefs = buf.xrefs.filter((x) => x.start < text.length);
  for (const x of xrefs) { x.end = Math.min(x.end, text.length); x.start = Math.min(x.start, x.end); }
  return buf.cut > 0 ? { text, xrefs, cut: buf.cut } : { text, xrefs };
}

// ---------------------------------------------------------------- sections

const BLOCK_CONTAINERS = new Set(['list', 'list-item', 'disp-quote', 'boxed-text', 'statement', 'def-list', 'def-item', 'def', 'term', 'glossary', 'speech', 'verse-group', 'question', 'answer', 'explanation', 'fn-group', 'fn', 'notes', 'body', 'app', 'ack', 'bio', 'sec-meta', 'abstract', 'trans-abstract']);

function newSection(w: Walk, title: string, parent: number | null, idPath: string, depth: number): number {
  w.sections.push({ head: { id: `${w.idPrefix}sec-${idPath}`, title, depth, parent, area: w.area, hasText: false }, paras: [] });
  return w.sections.length - 1;
}

interface SecCursor { index: number; path: string; depth: number; childCount: number }

/** Walks block content of one section; nested <sec> become child sections. */
function blocks(nodes: XNode[], cur: SecCursor, w: Walk): void {
  for (const n of nodes) {
    const t = n['#text'];
    if (t !== undefined) {
      const p = paragraph([n], w);
      if (p) pushPara(cur, p, w);
      continue;
    }
    const tag = tagOf(n);
    if (tag === 'sec') { section(n, cur, w); continue; }
    if (tag === 'p' || tag === 'preformat' || tag === 'verse-line' || tag === 'attrib') {
      const p = paragraph(kids(n, tag), w);
      if (p) pushPara(cur, p, w);
      continue;
    }
    if (FLOAT_TAGS.has(tag)) { collectFloat(n, tag, w); continue; }
    if (tag === 'disp-formula' || tag === 'disp-formula-group') { w.dropped.formulas++; continue; }
    if (tag === 'graphic') { looseGraphic(n, w); continue; }
    if (tag === 'title' || tag === 'label' || tag === 'ref-list' || tag === 'sec-meta' || tag === 'caption') continue;
    if (BLOCK_CONTAINERS.has(tag)) { blocks(kids(n, tag), cur, w); continue; }
    // anything else (named-content, bold at block level…) is read as a paragraph
    const p = paragraph([n], w);
    if (p) pushPara(cur, p, w);
  }
}

function pushPara(cur: SecCursor, p: Para, w: Walk): void {
  const sec = w.sections[cur.index];
  sec.paras.push(p);
  sec.head.hasText = true;
}

function sectionTitle(n: XNode): string {
  const label = textOf(child(n, 'label'));
  const title = textOf(child(n, 'title'));
  return label && title && !title.startsWith(label) ? `${label} ${title}` : title || label;
}

function section(n: XNode, parent: SecCursor | null, w: Walk, forcedTitle?: string): void {
  const depth = parent ? parent.depth + 1 : 1;
  let path: string;
  if (parent) { parent.childCount++; path = `${parent.path}.${parent.childCount}`; }
  else path = String(++w.counter.top);
  const index = newSection(w, forcedTitle ?? sectionTitle(n), parent ? parent.index : null, path, depth);
  blocks(kids(n), { index, path, depth, childCount: 0 }, w);
}

/** Top-level content of <body> (or <back>): <sec> as sections, loose paragraphs as untitled sections. */
function topLevel(nodes: XNode[], w: Walk): void {
  let loose: SecCursor | null = null;
  for (const n of nodes) {
    const tag = tagOf(n);
    if (tag === 'sec') { loose = null; section(n, null, w); continue; }
    if (tag === 'ref-list') continue;
    if (tag === 'ack' || tag === 'app' || tag === 'glossary' || tag === 'notes' || tag === 'fn-group' || tag === 'bio') {
      loose = null;
      const fallbackTitle = tag === 'ack' ? 'Acknowledgements' : tag === 'fn-group' ? 'Footnotes' : tag === 'notes' ? 'Notes' : '';
      section(n, null, w, sectionTitle(n) || fallbackTitle);
      continue;
    }
    if (tag === 'app-group') { loose = null; topLevel(kids(n, tag), w); continue; }
    if (n['#text'] !== undefined && !String(n['#text']).trim()) continue;
    if (FLOAT_TAGS.has(tag)) { collectFloat(n, tag, w); continue; }
    if (!loose) {
      const path = String(++w.counter.top);
      loose = { index: newSection(w, '', null, path, 1), path, depth: 1, childCount: 0 };
    }
    blocks([n], loose, w);
  }
}

// ---------------------------------------------------------------- floats: figures, tables, supplements

function captionText(n: XNode): string {
  const cap = child(n, 'caption');
  if (!cap) return '';
  const parts: string[] = [];
  for (const c of kids(cap)) {
    const s = textOf(c);
    if (s) parts.push(s);
  }
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

/** Graphic hrefs of a float: direct <graphic>/<media> children and those inside <alternatives> (no deep walk into tables). */
function graphicsOf(n: XNode, out: string[]): void {
  for (const c of kids(n)) {
    const tag = tagOf(c);
    if (tag === 'graphic' || tag === 'media' || tag === 'inline-graphic') {
      const h = hrefOf(c);
      if (h) out.push(h);
    } else if (tag === 'alternatives' || tag === 'fig-group') graphicsOf(c, out);
  }
}

function tableText(n: XNode): string {
  const rows: string[] = [];
  const walk = (x: XNode) => {
    for (const c of kids(x)) {
      const tag = tagOf(c);
      if (tag === 'tr') rows.push(kids(c).filter((k) => tagOf(k) === 'td' || tagOf(k) === 'th').map((k) => textOf(k)).join('\t'));
      else if (tag !== 'caption' && tag !== 'label') walk(c);
    }
  };
  walk(n);
  const foot = child(n, 'table-wrap-foot');
  const footText = foot ? textOf(foot) : '';
  return [rows.join('\n'), footText].filter(Boolean).join('\n');
}

function makeFigure(n: XNode, kind: Figure['kind'], w: Walk): Figure {
  const id = attr(n, 'id') ?? `${w.idPrefix}${kind === 'table' ? 'table' : kind === 'supplementary' ? 'supp' : 'fig'}-auto-${++w.counter.auto}`;
  const hrefs: string[] = [];
  const own = kind === 'supplementary' ? hrefOf(n) : undefined;
  if (own) hrefs.push(own);
  graphicsOf(n, hrefs);
  const caption = captionText(n);
  const fig: Figure = {
    id, kind, label: textOf(child(n, 'label')), caption,
    panels: [], graphics: hrefs.map((href) => ({ href, panel: null })),
    references: [], modality: { guess: null, evidence: [] },
  };
  if (kind === 'table') fig.text = tableText(n);
  for (const [field, value] of [['caption', fig.caption], ['text', fig.text]] as const) {
    if (value === undefined || value.length <= w.maxParagraph) continue;
    const c = capText(value, w.maxParagraph);
    fig[field] = c.text;
    w.warnings.push({ code: 'text_too_long', rule: 'extract.text.max_paragraph_chars', field: `figure:${id}:${field}`, span: [c.text.length, c.text.length],
      detail: `figure ${id} ${field}: cut after ${c.text.length} of ${value.length} characters` });
  }
  return fig;
}

/** A child figure's label as a panel letter: "(a)", "B", "Figure 1C". */
function panelLetterOfLabel(label: string): string | null {
  const m = /^(?:fig(?:ure)?\.?\s*\d+\s*)?\(?([A-Za-z])\)?\.?$/i.exec(label.trim());
  return m ? m[1].toUpperCase() : null;
}

/** A <graphic> outside any <fig> is still an image of the article: keep it as an unlabelled figure. */
function looseGraphic(n: XNode, w: Walk): void {
  const href = hrefOf(n);
  if (!href) return;
  const id = attr(n, 'id') ?? `${w.idPrefix}fig-auto-${++w.counter.auto}`;
  w.floats.push({ fig: { id, kind: 'figure', label: '', caption: '', panels: [], graphics: [{ href, panel: null }], references: [], modality: { guess: null, evidence: [] } }, aliases: new Map() });
}

function collectFloat(n: XNode, tag: string, w: Walk): void {
  if (tag === 'fig' || tag === 'chem-struct-wrap') { w.floats.push({ fig: makeFigure(n, 'figure', w), aliases: new Map() }); return; }
  if (tag === 'table-wrap') { w.floats.push({ fig: makeFigure(n, 'table', w), aliases: new Map() }); return; }
  if (tag === 'supplementary-material' || tag === 'media') { w.floats.push({ fig: makeFigure(n, 'supplementary', w), aliases: new Map() }); return; }
  if (tag === 'table-wrap-group') { for (const c of childrenNamed(n, 'table-wrap')) collectFloat(c, 'table-wrap', w); return; }
  if (tag === 'fig-group') figGroup(n, w);
}

/** A fig-group whose members are lettered panels becomes one figure; otherwise (eLife figure supplements) each member stays a figure. */
function figGroup(n: XNode, w: Walk): void {
  const members = childrenNamed(n, 'fig');
  const letters = members.map((m) => panelLetterOfLabel(textOf(child(m, 'label'))));
  if (!members.length || letters.some((l) => l === null)) {
    for (const m of members) collectFloat(m, 'fig', w);
    for (const c of kids(n)) if (tagOf(c) === 'fig-group') figGroup(c, w);
    return;
  }
  const fig = makeFigure(n, 'figure', w);
  if (!attr(n, 'id') && attr(members[0], 'id')) fig.id = attr(members[0], 'id') as string;
  const aliases = new Map<string, string | null>();
  fig.graphics = [];
  members.forEach((m, k) => {
    const letter = letters[k] as string;
    const id = attr(m, 'id');
    if (id) aliases.set(id, letter);
    const hrefs: string[] = [];
    graphicsOf(m, hrefs);
    for (const href of hrefs) fig.graphics.push({ href, panel: letter });
    fig.panels.push({ letter, caption: captionText(m) });
  });
  w.floats.push({ fig, aliases });
}

// ---------------------------------------------------------------- references, sentences, cases

interface ResolvedRef { figureId: string; panels: string[]; start: number; end: number; surface: string }

function buildIndex(floats: RawFloat[]) {
  const byKey = new Map<string, string>();
  const byId = new Map<string, { figureId: string; panel: string | null }>();
  for (const f of floats) {
    byId.set(f.fig.id, { figureId: f.fig.id, panel: null });
    for (const [a, p] of f.aliases) byId.set(a, { figureId: f.fig.id, panel: p });
    const key = labelKey(f.fig.label, f.fig.kind);
    if (key && !byKey.has(key)) byKey.set(key, f.fig.id);
  }
  return { byKey, byId };
}

function refsOfSection(text: string, xrefs: XrefSpan[], idx: ReturnType<typeof buildIndex>): ResolvedRef[] {
  const out: ResolvedRef[] = [];
  const covered = new Set<XrefSpan>();
  const figXrefs = xrefs.filter((x) => x.type === 'fig' || x.type === 'table' || x.type === 'supplementary-material' || x.type === 'table-wrap' || (!x.type && idx.byId.has(x.rid)));
  for (const m of findMentions(text)) {
    const inside = figXrefs.filter((x) => x.start < m.end && x.end > m.start);
    let figureId = idx.byKey.get(m.key);
    if (!figureId && inside.length === 1) figureId = idx.byId.get(inside[0].rid.split(/\s+/)[0])?.figureId;
    if (!figureId) continue;
    for (const x of inside) if (x.rid.split(/\s+/).some((r) => idx.byId.get(r)?.figureId === figureId)) covered.add(x);
    out.push({ figureId, panels: m.panels, start: m.start, end: m.end, surface: m.surface });
  }
  // xrefs whose text the scanner did not read ("[3]", a bare "2B" without "Figure"): trust the rid
  for (const x of figXrefs) {
    if (covered.has(x)) continue;
    for (const rid of x.rid.split(/\s+/).filter(Boolean)) {
      const hit = idx.byId.get(rid);
      if (!hit) continue;
      const panels = hit.panel ? [hit.panel] : panelsOfXrefText(x.text);
      out.push({ figureId: hit.figureId, panels, start: x.start, end: x.end, surface: x.text });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

function panelsOfXrefText(t: string): string[] {
  const m = findMentions(`Fig. ${t.replace(/^[^0-9S]*(?=S?\d)/i, '')}`);
  return m.length ? m[0].panels : [];
}

function sectionText(paras: Para[]): { text: string; xrefs: XrefSpan[]; cuts: { at: number; chars: number }[] } {
  let text = '';
  const xrefs: XrefSpan[] = [];
  const cuts: { at: number; chars: number }[] = [];
  for (const p of paras) {
    if (text) text += '\n\n';
    const off = text.length;
    text += p.text;
    for (const x of p.xrefs) xrefs.push({ ...x, start: x.start + off, end: x.end + off });
    if (p.cut) cuts.push({ at: text.length, chars: p.cut });
  }
  return { text, xrefs, cuts };
}

/**
 * Spans longer than `max` split into consecutive pieces of at most `max` characters, each ending at
 * the last space before the limit when there is one (a hard cut otherwise, never inside a character).
 */
export function splitLongSpans(text: string, spans: Span[], max: number): { spans: Span[]; split: { span: Span; pieces: number }[] } {
  const out: Span[] = [];
  const split: { span: Span; pieces: number }[] = [];
  for (const sp of spans) {
    if (sp.end - sp.start <= max) { out.push(sp); continue; }
    let s = sp.start;
    let pieces = 0;
    while (s < sp.end) {
      let e = Math.min(sp.end, s + max);
      if (e < sp.end) {
        const space = text.lastIndexOf(' ', e);
        if (space > s + max / 2) e = space;
        else if (isHighSurrogate(text.charCodeAt(e - 1))) e--;
      }
      let ps = s;
      let pe = e;
      while (ps < pe && text[ps] === ' ') ps++;
      while (pe > ps && text[pe - 1] === ' ') pe--;
      if (pe > ps) { out.push({ start: ps, end: pe }); pieces++; }
      s = e;
    }
    split.push({ span: sp, pieces });
  }
  return { spans: out, split };
}

// ---------------------------------------------------------------- entry point

function fail(reason: ParseFailure['reason'], detail: string): ParseFailure {
  return { ok: false, reason, detail: detail.slice(0, 500) };
}

// Windows-1252's printable characters at 0x80–0x9F (where ISO-8859-1 has C1 controls); 0 = undefined there.
const CP1252 = [0x20ac, 0, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0, 0x17d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0, 0x17e, 0x178];

function decodeInput(xml: string | Buffer): string {
  if (typeof xml === 'string') return xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  const head = xml.subarray(0, 200).toString('latin1');
  const enc = /encoding=["']([A-Za-z0-9_-]+)["']/.exec(head)?.[1]?.toLowerCase();
  let s: string;
  if (enc && /^(iso-8859-1|latin-?1|windows-1252)$/.test(enc)) {
    // as browsers do (WHATWG), Latin-1 labels are read as Windows-1252: 0x93 is a quote, not a control character
    s = xml.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => { const u = CP1252[c.charCodeAt(0) - 0x80]; return u ? String.fromCharCode(u) : c; });
  } else s = xml.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function findArticle(roots: XNode[], warnings: Warning[]): XNode | null {
  for (const r of roots) {
    const tag = tagOf(r);
    if (tag === 'article') return r;
    if (tag === 'pmc-articleset') {
      const arts = childrenNamed(r, 'article');
      if (arts.length > 1) warnings.push({ code: 'articleset_extra_articles', detail: `${arts.length - 1} further articles ignored` });
      return arts[0] ?? null;
    }
  }
  return null;
}

/** Parses one JATS article. Never throws. */
export function parseJats(xml: string | Buffer, opts: ParseJatsOptions = {}): ParseResult {
  try {
    const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    const size = typeof xml === 'string' ? xml.length : xml.byteLength;
    if (size > max) return fail('input_too_large', `${size} bytes > ${max}`);
    if (size === 0) return fail('xml_malformed', 'empty input');
    // magic bytes first: a zip (or gzip, PDF …) that happens to hold XML must not be read as JATS
    const notXml = sniffNotXml(typeof xml === 'string' ? Buffer.from(xml.slice(0, 512), 'utf8') : xml.subarray(0, 512));
    if (notXml) return fail('not_xml', `the input is ${notXml}`);
    return parseChecked(decodeInput(xml), opts);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/entit|expansion/i.test(msg)) return fail('xml_entity_limit', msg);
    if (/nested|depth|call stack/i.test(msg)) return fail('xml_too_deep', msg);
    return fail('xml_malformed', msg);
  }
}

function parseChecked(decoded: string, opts: ParseJatsOptions): ParseResult {
  const maxParagraph = opts.maxParagraphChars ?? DEFAULT_MAX_PARAGRAPH_CHARS;
  // control characters go before anything is measured: all offsets refer to the cleaned text
  const { xml: source, removed } = stripControlChars(decoded);
  // a text run longer than any paragraph may be is cut before the parser sees it (its memory grows
  // ~35× the run); the paragraph cut below then happens as usual, 64 characters further on
  const pre = preScan(source, maxParagraph + 64);
  if (!pre.ok) return fail(pre.reason, pre.detail);
  const warnings: Warning[] = [];
  if (removed) warnings.push({ code: 'control_characters_removed', detail: `${removed} control character${removed === 1 ? '' : 's'} (C0, DEL, C1) removed before parsing` });
  const { xml, cuts } = cutTextRuns(source, pre.longRuns, maxParagraph + 64);
  for (const c of cuts) {
    warnings.push({ code: 'text_too_long', rule: 'extract.text.max_text_run', field: 'xml', span: [c.at + c.kept, c.at + c.length],
      detail: `text run of ${c.length} characters at XML offset ${c.at} cut to ${c.kept} before parsing` });
  }
  if (/<!ENTITY/.test(xml.slice(0, xml.indexOf('<article') + 1 || 4096))) warnings.push({ code: 'doctype_entities_ignored', detail: 'DOCTYPE entities are not expanded' });
  const article = findArticle(parseXml(xml), warnings);
  if (!article) return fail('not_jats', 'no <article> root element');
  const front = child(article, 'front');
  const meta = front ? child(front, 'article-meta') : undefined;
  const ids = articleIds(meta);
  const rawPmc = ids.pmcid ?? ids.pmc ?? opts.pmcid ?? '';
  const pmcDigits = /^(?:PMC)?(\d+)(?:\.\d+)?$/i.exec(rawPmc.trim())?.[1];
  if (!pmcDigits) return fail('not_jats', rawPmc ? `bad PMC id "${rawPmc.slice(0, 40)}"` : 'no PMC id in article-meta');
  const body = child(article, 'body');
  if (!body || !kids(body).some((k) => k['#text'] === undefined || String(k['#text']).trim())) {
    const why = xml.includes('does not allow downloading') ? 'publisher does not allow downloading the full text' : 'no <body>';
    return fail('article_restricted', why);
  }

  const w: Walk = { sections: [], floats: [], warnings, dropped: { formulas: 0 }, counter: { auto: 0, top: 0 }, idPrefix: '', area: 'body',
    maxParagraph: opts.maxParagraphChars ?? DEFAULT_MAX_PARAGRAPH_CHARS };
  topLevel(kids(body), w);
  const back = child(article, 'back');
  if (back) { w.area = 'back'; topLevel(kids(back), w); }
  const floats = child(article, 'floats-group');
  if (floats) for (const c of kids(floats)) { const tag = tagOf(c); if (FLOAT_TAGS.has(tag)) collectFloat(c, tag, w); }
  subArticles(article, w);
  if (w.dropped.formulas) warnings.push({ code: 'display_formula_dropped', detail: `${w.dropped.formulas} display formulas not kept as text` });

  const journalMeta = front ? child(front, 'journal-meta') : undefined;
  const titleGroup = meta ? child(meta, 'title-group') : undefined;
  const articleType = attr(article, 'article-type') ?? '';
  const plan = planCases(w.sections.map((s) => s.head), articleType);
  if (!plan.cases.length && !opts.allowNoCase) return fail('no_case_section', `no case section among ${w.sections.length} sections`);

  const parsed: ParsedArticle = {
    pmcid: `PMC${pmcDigits}`,
    pmid: ids.pmid || null,
    doi: ids.doi || null,
    articleType,
    journal: textOf(journalMeta ? (child(journalMeta, 'journal-title-group') ? child(child(journalMeta, 'journal-title-group') as XNode, 'journal-title') : child(journalMeta, 'journal-title')) : undefined),
    title: textOf(titleGroup ? child(titleGroup, 'article-title') : undefined),
    abstract: abstractText(meta),
    pubYear: pubYear(meta),
    license: licence(meta),
    sections: [],
    cases: [],
    figures: w.floats.map((f) => f.fig),
    warnings,
  };
  assemble(parsed, w, plan, opts.maxSentenceChars ?? DEFAULT_MAX_SENTENCE_CHARS);
  return { ok: true, article: parsed };
}

function subArticles(article: XNode, w: Walk): void {
  let k = 0;
  for (const sub of childrenNamed(article, 'sub-article')) {
    k++;
    const sw: Walk = { ...w, counter: { auto: w.counter.auto, top: 0 }, idPrefix: `${w.idPrefix}sub${k}-`, area: 'sub-article' };
    const body = child(sub, 'body');
    if (body) topLevel(kids(body), sw);
    const back = child(sub, 'back');
    if (back) topLevel(kids(back), sw);
    const fl = child(sub, 'floats-group');
    if (fl) for (const c of kids(fl)) { const tag = tagOf(c); if (FLOAT_TAGS.has(tag)) collectFloat(c, tag, sw); }
    subArticles(sub, sw);
    w.counter.auto = sw.counter.auto;
  }
}

// "Case 1: A 45-year-old…" / "Patient 2." opening a paragraph: a run-in heading for one patient.
const RUN_IN_PATIENT = /^(?:(?:Case|Patient)\s*(?:#|No\.?)?\s*(\d{1,2}|[IVX]{1,4})|(?:The )?(?:first|second|third|fourth) (?:case|patient))\b\s*[:.)–—-]?/;

/**
 * One case section that narrates several patients in paragraphs opened by "Case 1", "Case 2" becomes one
 * timeline per patient; sentences before the first marker (a shared introduction) belong to none.
 */
function splitRunInPatients(c: { label: string; sectionIds: string[] }, sentences: Sentence[], paraStart: boolean[]) {
  const marks: { at: number; label: string }[] = [];
  sentences.forEach((s, i) => {
    if (!paraStart[i]) return;
    const m = RUN_IN_PATIENT.exec(s.text);
    if (m) marks.push({ at: i, label: m[1] ? `${/^case/i.test(s.text) ? 'Case' : 'Patient'} ${m[1]}` : m[0].replace(/[:.)–—-]\s*$/, '').trim() });
  });
  if (marks.length < 2 || new Set(marks.map((m) => m.label)).size !== marks.length) return [{ ...c, sentences }];
  return marks.map((m, k) => {
    const part = sentences.slice(m.at, k + 1 < marks.length ? marks[k + 1].at : sentences.length).map((s, i) => ({ ...s, index: i }));
    return { label: m.label, sectionIds: [...new Set(part.map((s) => s.sectionId))], sentences: part };
  });
}

/** Sections with kinds, case timelines with kinds and figure links, figures with references, panels and modality. */
function assemble(a: ParsedArticle, w: Walk, plan: ReturnType<typeof planCases>, maxSentence: number): void {
  const idx = buildIndex(w.floats);
  const figById = new Map(a.figures.map((f) => [f.id, f]));
  const refsBySection = new Map<string, ResolvedRef[]>();
  const texts = new Map<string, string>();
  w.sections.forEach((s, i) => {
    const { text, xrefs, cuts } = sectionText(s.paras);
    for (const c of cuts) {
      a.warnings.push({ code: 'text_too_long', rule: 'extract.text.max_paragraph_chars', field: `section:${s.head.id}`, span: [c.at, c.at],
        detail: `paragraph cut after ${w.maxParagraph} characters (${c.chars} more characters of it dropped here)` });
    }
    texts.set(s.head.id, text);
    a.sections.push({ id: s.head.id, title: s.head.title, depth: s.head.depth, kind: plan.kinds[i], text });
    const refs = refsOfSection(text, xrefs, idx);
    refsBySection.set(s.head.id, refs);
    for (const r of refs) figById.get(r.figureId)?.references.push({ sectionId: s.head.id, start: r.start, end: r.end, surface: r.surface, panels: r.panels });
  });

  const citing = new Map<string, string[]>();
  const titleOf = new Map(a.sections.map((s) => [s.id, s.title]));
  const timelines: { label: string; sectionIds: string[]; sentences: Sentence[] }[] = [];
  for (const c of plan.cases) {
    const sentences: Sentence[] = [];
    const starts: boolean[] = [];
    for (const sid of c.sectionIds) {
      const text = texts.get(sid) ?? '';
      const refs = refsBySection.get(sid) ?? [];
      const prior: SentenceKind | null = titlePrior(titleOf.get(sid) ?? '');
      const { spans, split } = splitLongSpans(text, joinRunInHeadings(text, splitSentences(text)), maxSentence);
      for (const x of split) {
        a.warnings.push({ code: 'text_too_long', rule: 'extract.text.max_sentence_chars', field: `section:${sid}`, span: [x.span.start, x.span.end],
          detail: `sentence of ${x.span.end - x.span.start} characters split into ${x.pieces} pieces of at most ${maxSentence}` });
      }
      for (const sp of spans) {
        const st = text.slice(sp.start, sp.end);
        const figureRefs = refs.filter((r) => r.start >= sp.start && r.start < sp.end).map((r) => ({ figureId: r.figureId, panels: r.panels, surface: r.surface }));
        for (const r of figureRefs) citing.set(r.figureId, [...(citing.get(r.figureId) ?? []), st]);
        sentences.push({ index: sentences.length, sectionId: sid, start: sp.start, end: sp.end, text: st, kind: classifySentence(st, prior), figureRefs });
        starts.push(sp.start === 0 || text.startsWith('\n\n', sp.start - 2));
      }
    }
    timelines.push(...splitRunInPatients(c, sentences, starts));
  }
  timelines.forEach((t, i) => a.cases.push({ index: i + 1, label: t.label, sectionIds: t.sectionIds, sentences: t.sentences }));

  for (const f of a.figures) {
    if (!f.panels.length) f.panels = parsePanels(f.caption);
    if (f.graphics.length > 1 && f.graphics.length === f.panels.length && f.graphics.every((g) => g.panel === null)) {
      f.graphics.forEach((g, k) => { g.panel = f.panels[k].letter; });
    }
    const cites = citing.get(f.id) ?? f.references.slice(0, 5).map((r) => sentenceAround(texts.get(r.sectionId) ?? '', r.start));
    const m = f.kind === 'table' ? { guess: null, evidence: [] } : guessModality(f.caption, cites);
    f.modality = { guess: m.guess, evidence: m.evidence };
  }
  const noGraphic = a.figures.filter((f) => f.kind === 'figure' && !f.graphics.length).length;
  if (noGraphic) a.warnings.push({ code: 'figure_without_graphic', detail: `${noGraphic} figures have no <graphic>` });
}

/** The text around offset `at`, from the previous to the next ". " (no full split: cheap for long sections). */
function sentenceAround(text: string, at: number): string {
  const s = text.lastIndexOf('. ', at);
  let e = text.indexOf('. ', at);
  if (e === -1 || e - at > 400) e = Math.min(text.length, at + 400);
  return text.slice(s === -1 || at - s > 400 ? Math.max(0, at - 400) : s + 2, e + 1);
}

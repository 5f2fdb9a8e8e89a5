// importOrphanet: Orphanet files (ORPHApackets tar.gz / json, product1 xml, Mondo SSSOM tsv) -> Lexicon.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import { emptyEntry, type LexEntry, type Lexicon } from '../types.ts';
import { parsePacket } from './packets.ts';
import { parseProduct1 } from './product1.ts';
import { isNonRareInEurope, NON_RARE_RULE } from './rarity.ts';
import { parseSssom, xrefKind, type SssomSet } from './sssom.ts';
import { readTar } from './tar.ts';
import { byCodeUnit } from '../../pipeline/core/hash.ts';

const byNum = (a: string, b: string) => Number(a) - Number(b) || byCodeUnit(a, b);
const uniq = (xs: string[]) => [...new Set(xs)];
const uniqSorted = (xs: string[]) => uniq(xs).sort(byNum);
const uniqAlpha = (xs: string[]) => uniq(xs).sort();

interface ImportState {
  entries: Map<string, LexEntry>;
  release: string | null;
  version: string | null;
  mondoRelease: string | null;
  sssom: SssomSet[];
  fromProduct1: boolean;
}

function mergeInto(into: LexEntry, from: LexEntry, authoritative: boolean): void {
  if (authoritative) {
    into.status = from.status;
    into.movedTo = uniqSorted([...into.movedTo, ...from.movedTo]);
    if (from.level) into.level = from.level;
    if (from.status === 'non_rare_inactive') into.nonRare = true;
  }
  into.synonyms = uniq([...into.synonyms, ...from.synonyms]);
  if (!into.typeSentences.length) into.typeSentences = from.typeSentences;
  for (const k of ['omim', 'mondo', 'mesh', 'umls', 'icd10', 'genes'] as const) into[k] = uniq([...into[k], ...from[k]]);
}

function addPacketJson(st: ImportState, json: unknown): void {
  const p = parsePacket(json);
  if (!p) return;
  const have = st.entries.get(p.entry.code);
  if (have) mergeInto(have, p.entry, false);
  else st.entries.set(p.entry.code, p.entry);
  if (!st.release && p.meta.creationDate) st.release = p.meta.creationDate.slice(0, 10);
  if (!st.version && p.meta.version) st.version = p.meta.version;
}

function addProduct1(st: ImportState, xml: Buffer): void {
  const p1 = parseProduct1(xml);
  st.fromProduct1 = true;
  for (const e of p1.entries) {
    const have = st.entries.get(e.code);
    if (have) mergeInto(have, e, true);
    else st.entries.set(e.code, e);
  }
  st.release ??= p1.date;
  st.version ??= p1.version;
}

function applySssom(st: ImportState): void {
  const orphaToMondo = new Map<string, string[]>();
  const mondoXrefs = new Map<string, string[]>();
  for (const set of st.sssom) {
    st.mondoRelease ??= set.version;
    for (const { subject, object } of set.rows) {
      if (object.startsWith('Orphanet:')) {
        const code = object.slice('Orphanet:'.length);
        orphaToMondo.set(code, [...(orphaToMondo.get(code) ?? []), subject]);
      } else if (xrefKind(object)) {
        mondoXrefs.set(subject, [...(mondoXrefs.get(subject) ?? []), object]);
      }
    }
  }
  for (const [code, mondos] of orphaToMondo) {
    const e = st.entries.get(code);
    if (!e) continue;
    e.mondo = uniq([...e.mondo, ...mondos]);
    for (const m of mondos) {
      for (const curie of mondoXrefs.get(m) ?? []) {
        const x = xrefKind(curie)!;
        if (x.kind === 'omim') continue; // Orphanet's own OMIM links (with relation) are kept; Mondo's would blur them
        e[x.kind] = uniq([...e[x.kind], x.id]);
      }
    }
  }
}

/** Nearest disorder-level ancestor of a subtype (breadth-first, lowest code first for determinism). */
function disorderAncestor(entries: Map<string, LexEntry>, e: LexEntry): string | null {
  let frontier = [...e.parents].sort(byNum);
  const seen = new Set<string>([e.code]);
  while (frontier.length) {
    const next: string[] = [];
    for (const c of frontier) {
      if (seen.has(c)) continue;
      seen.add(c);
      const p = entries.get(c);
      if (!p) continue;
      if (p.level === 'disorder') return c;
      if (p.level === 'subtype') next.push(...[...p.parents].sort(byNum));
    }
    frontier = next;
  }
  return null;
}

function finish(st: ImportState): LexEntry[] {
  const entries = st.entries;
  for (const e of entries.values()) for (const p of e.parents) entries.get(p)?.children.push(e.code);
  for (const e of entries.values()) {
    e.parents = uniqSorted(e.parents);
    e.children = uniqSorted(e.children);
    e.movedTo = uniqSorted(e.movedTo);
    e.omim = uniqSorted(e.omim);
    for (const k of ['mondo', 'mesh', 'umls', 'icd10', 'genes', 'onset', 'inheritance'] as const) e[k] = uniqAlpha(e[k]);
    e.prevalence = uniqAlpha(e.prevalence);
    e.nonRare = e.nonRare || isNonRareInEurope(e.prevalence);
  }
  for (const e of entries.values()) e.disorderParent = e.level === 'subtype' ? disorderAncestor(entries, e) : null;
  return [...entries.values()].sort((a, b) => byNum(a.code, b.code));
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Builds a lexicon from Orphanet files; rerun it on a newer Orphadata release. */
export function importOrphanet(files: string[]): Lexicon {
  const st: ImportState = { entries: new Map(), release: null, version: null, mondoRelease: null, sssom: [], fromProduct1: false };
  const fileInfo: { name: string; sha256: string }[] = [];
  // Packets first so product1 (authoritative for status) and SSSOM (xrefs) merge onto them.
  const rank = (f: string) => (/\.(tar\.gz|tgz|tar|json)$/i.test(f) ? 0 : /\.xml$/i.test(f) ? 1 : 2);
  for (const file of [...files].sort((a, b) => rank(a) - rank(b) || byCodeUnit(basename(a), basename(b)))) {
    const buf = readFileSync(file);
    fileInfo.push({ name: basename(file), sha256: sha256(buf) });
    if (/\.(tar\.gz|tgz|tar)$/i.test(file)) {
      for (const f of readTar(buf).sort((a, b) => byCodeUnit(a.path, b.path))) {
        if (f.path.endsWith('.json')) addPacketJson(st, JSON.parse(f.data.toString('utf8')));
      }
    } else if (/\.json$/i.test(file)) addPacketJson(st, JSON.parse(buf.toString('utf8')));
    else if (/\.xml$/i.test(file)) addProduct1(st, buf);
    else if (/\.tsv$/i.test(file)) st.sssom.push(parseSssom(buf.toString('utf8')));
    else throw new Error(`importOrphanet: unknown file kind: ${file}`);
  }
  applySssom(st);
  const entries = finish(st);
  return {
    schema: 1,
    release: st.release ?? 'unknown',
    source: {
      name: st.fromProduct1 ? 'Orphanet ORPHApackets + Orphadata product1' : 'Orphanet ORPHApackets',
      release: st.release ?? 'unknown',
      version: st.version ?? 'unknown',
      files: fileInfo,
      mondoRelease: st.mondoRelease,
      licence: 'Orphanet data CC BY 4.0 (c) INSERM; Mondo mappings CC0',
    },
    nonRareRule: NON_RARE_RULE,
    entries,
    byCode: new Map(entries.map((e) => [e.code, e])),
  };
}

// ---- serialisation: deterministic bytes (fixed key order, no empty fields, gzip with mtime 0) ----

function compactEntry(e: LexEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(e).sort() as (keyof LexEntry)[]) {
    const v = e[k];
    if (Array.isArray(v) && v.length === 0) continue;
    if (v === null || v === false) continue;
    if (k === 'status' && v === 'active') continue;
    out[k] = v;
  }
  return out;
}

export function serializeLexicon(lex: Lexicon): Buffer {
  const body = {
    entries: lex.entries.map(compactEntry),
    nonRareRule: lex.nonRareRule,
    release: lex.release,
    schema: lex.schema,
    source: { files: lex.source.files, licence: lex.source.licence, mondoRelease: lex.source.mondoRelease, name: lex.source.name, release: lex.source.release, version: lex.source.version },
  };
  // Node writes a gzip header with mtime 0 and no file name, so the bytes depend on content only.
  return gzipSync(Buffer.from(JSON.stringify(body) + '\n', 'utf8'), { level: 9 });
}

// hydrateEntry lives beside emptyEntry (types.ts), so that opening a compiled lexicon does not import the importer.
export { hydrateEntry } from '../types.ts';

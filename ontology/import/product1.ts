// Orphadata product1 (en_product1.xml, the nomenclature) -> lexicon entries, including the
// inactive codes (obsolete / deprecated / non-rare) and their "Moved to"/"Referred to" targets,
// which the ORPHApackets do not carry.
import { createRequire } from 'node:module';
import type { XMLParser as XMLParserClass } from 'fast-xml-parser';
import { emptyEntry, type EntryStatus, type LexEntry, type Level } from '../types.ts';
import { asList, str } from './json.ts';

export interface Product1 { date: string | null; version: string | null; entries: LexEntry[] }

const LIST_TAGS = new Set(['Disorder', 'Synonym', 'ExternalReference', 'DisorderFlag', 'DisorderDisorderAssociation']);

// Orphanet prefixes the names of inactive entries; the flag list says the same thing.
const NAME_PREFIXES: [RegExp, EntryStatus][] = [
  [/^OBSOLETE:\s*/i, 'obsolete'],
  [/^DEPRECATED:\s*/i, 'deprecated'],
  [/^NON RARE IN EUROPE:\s*/i, 'non_rare_inactive'],
];

// FlagValue codes as published with the Orphanet nomenclature pack.
const FLAG_VALUES: Record<string, EntryStatus> = {
  '1': 'active', '129': 'active', '513': 'active',
  '8449': 'deprecated', '8208': 'obsolete', '9216': 'obsolete', '8225': 'non_rare_inactive',
};

// Entity expansion is off in the parser (no DOCTYPE entities, no expansion bombs); the five XML
// entities and numeric references are decoded here.
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
export function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : XML_ENTITIES[e.toLowerCase()]);
}

function text(x: unknown): string {
  if (x && typeof x === 'object' && '#text' in (x as Record<string, unknown>)) return decodeXml(str((x as Record<string, unknown>)['#text']));
  return decodeXml(str(x));
}

export function statusFromFlags(flags: { value: string; label: string }[]): EntryStatus | null {
  for (const f of flags) {
    const l = f.label.toLowerCase();
    if (l.includes('obsolete')) return 'obsolete';
    if (l.includes('deprecated')) return 'deprecated';
    if (l.includes('non rare') || l.includes('non-rare')) return 'non_rare_inactive';
  }
  for (const f of flags) if (FLAG_VALUES[f.value] && FLAG_VALUES[f.value] !== 'active') return FLAG_VALUES[f.value];
  return null;
}

function levelOfGroup(group: string): Level | null {
  const g = group.toLowerCase();
  if (g === 'disorder') return 'disorder';
  if (g.includes('subtype')) return 'subtype';
  if (g.includes('group')) return 'group';
  return null;
}

// fast-xml-parser is loaded on the first product1 parse, not with this module: importing it costs ~0.1 s, and every
// process that opens the compiled lexicon imports this module (lexicon-cache.ts -> import/index.ts).
let XMLParserLazy: typeof XMLParserClass | null = null;
const xmlParser = (): typeof XMLParserClass =>
  (XMLParserLazy ??= (createRequire(import.meta.url)('fast-xml-parser') as { XMLParser: typeof XMLParserClass }).XMLParser);

export function parseProduct1(xml: string | Buffer): Product1 {
  const XMLParser = xmlParser();
  const parser = new XMLParser({
    ignoreAttributes: false, attributeNamePrefix: '@_', processEntities: false, htmlEntities: false,
    isArray: (name) => LIST_TAGS.has(name), parseTagValue: false, trimValues: true,
  });
  const doc = parser.parse(typeof xml === 'string' ? xml : xml.toString('utf8')) as Record<string, any>;
  const jdbor = doc.JDBOR ?? {};
  const entries: LexEntry[] = [];
  for (const d of asList<Record<string, any>>(jdbor.DisorderList?.Disorder)) {
    const code = text(d.OrphaCode);
    if (!/^\d+$/.test(code)) continue;
    let name = text(d.Name);
    let status: EntryStatus = 'active';
    for (const [re, st] of NAME_PREFIXES) if (re.test(name)) { status = st; name = name.replace(re, ''); }
    const flags = asList<Record<string, any>>(d.DisorderFlagList?.DisorderFlag).map((f) => ({ value: str(f.Value), label: text(f.Label) }));
    status = statusFromFlags(flags) ?? status;
    const e = emptyEntry(code, name, text(d.DisorderType?.Name));
    const lvl = levelOfGroup(text(d.DisorderGroup?.Name));
    if (lvl) e.level = lvl;
    e.status = status;
    e.nonRare = status === 'non_rare_inactive';
    e.synonyms = asList(d.SynonymList?.Synonym).map(text).filter(Boolean);
    for (const r of asList<Record<string, any>>(d.ExternalReferenceList?.ExternalReference)) {
      const src = str(r.Source), ref = str(r.Reference);
      if (!ref) continue;
      if (src === 'OMIM') e.omim.push(ref);
      else if (src === 'MONDO') e.mondo.push(`MONDO:${ref.replace(/^MONDO:/, '')}`);
      else if (src === 'MeSH') e.mesh.push(ref);
      else if (src === 'UMLS') e.umls.push(ref);
      else if (src === 'ICD-10') e.icd10.push(ref);
    }
    for (const a of asList<Record<string, any>>(d.DisorderDisorderAssociationList?.DisorderDisorderAssociation)) {
      const kind = text(a.DisorderDisorderAssociationType?.Name).toLowerCase();
      const target = str(a.TargetDisorder?.OrphaCode);
      if ((kind === 'moved to' || kind === 'referred to') && /^\d+$/.test(target)) e.movedTo.push(target);
    }
    entries.push(e);
  }
  const date = str(jdbor['@_date']).slice(0, 10) || null;
  return { date, version: str(jdbor['@_version']) || null, entries };
}

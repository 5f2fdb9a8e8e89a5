// ORPHApackets JSON (one file per ORPHAcode) -> lexicon entries.
import { emptyEntry, type LexEntry } from '../types.ts';
import { typeSentences } from './definitions.ts';
import { asList, str, unwrap } from './json.ts';

export interface PacketMeta { creationDate: string; version: string }

export function parsePacket(json: unknown): { entry: LexEntry; meta: PacketMeta } | null {
  const root = (json as { Orphapacket?: Record<string, unknown> })?.Orphapacket;
  if (!root || typeof root !== 'object') return null;
  const code = str(root.ORPHAcode);
  if (!/^\d+$/.test(code)) return null;
  const type = str((root.DisorderType as Record<string, unknown> | undefined)?.value);
  const e = emptyEntry(code, str(root.Label), type);
  // Synonyms come as [{"Synonym": "text"}] (or a single such object).
  e.synonyms = asList<Record<string, unknown>>(root.Synonyms).map((s) => str(s?.Synonym)).filter(Boolean);
  for (const ref of unwrap(root.ExternalReferences, 'ExternalReference')) {
    if (str(ref.Source) === 'OMIM' && str(ref.Reference)) e.omim.push(str(ref.Reference));
  }
  e.parents = unwrap(root.Parents, 'Parent').map((p) => str(p.ORPHAcode)).filter(Boolean);
  e.children = unwrap(root.Children, 'Child').map((c) => str(c.ORPHAcode)).filter(Boolean);
  e.genes = unwrap(root.Genes, 'Gene').map((g) => str(g.Symbol)).filter(Boolean);
  e.prevalence = unwrap(root.Prevalences, 'Prevalence').map(
    (p) => `${str(p.PrevalenceType)}|${str(p.PrevalenceClass)}|${str(p.PrevalenceGeographic)}`);
  e.onset = unwrap(root.AverageAgeOfOnsets, 'AverageAgeOfOnset').map((o) => str(o.value)).filter(Boolean);
  const definition = asList<Record<string, unknown>>(root.TextSection).find((t) => str(t?.TextSectionType) === 'Definition');
  e.typeSentences = typeSentences(str(definition?.Contents));
  e.inheritance = unwrap(root.TypeOfInheritances, 'TypeOfInheritance').map((o) => str(o.value)).filter(Boolean);
  return { entry: e, meta: { creationDate: str(root.creationDate), version: str(root.version) } };
}

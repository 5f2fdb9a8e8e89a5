// Mondo SSSOM exact-match sets: MONDO<->Orphanet gives ORPHA->MONDO; the other sets hang
// MeSH / UMLS / ICD-10 / OMIM off the same MONDO ids, so we join through MONDO.
export interface SssomSet { version: string | null; rows: { subject: string; object: string }[] }

export function parseSssom(text: string): SssomSet {
  let version: string | null = null;
  const rows: { subject: string; object: string }[] = [];
  let header: string[] | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      const m = /releases\/(\d{4}-\d{2}-\d{2})/.exec(line);
      if (m && !version) version = m[1];
      continue;
    }
    if (!line.trim()) continue;
    const cols = line.replace(/\r$/, '').split('\t');
    if (!header) { header = cols; continue; }
    const si = header.indexOf('subject_id'), oi = header.indexOf('object_id'), pi = header.indexOf('predicate_id');
    if (pi >= 0 && cols[pi] !== 'skos:exactMatch') continue;
    rows.push({ subject: cols[si], object: cols[oi] });
  }
  return { version, rows };
}

export type XrefKind = 'mondo' | 'mesh' | 'umls' | 'icd10' | 'omim';

/** Maps an SSSOM object CURIE to the lexicon field it feeds, or null. */
export function xrefKind(curie: string): { kind: XrefKind; id: string } | null {
  const [prefix, id] = curie.split(':');
  if (!id) return null;
  switch (prefix.toLowerCase()) {
    case 'mesh': return { kind: 'mesh', id };
    case 'umls': return { kind: 'umls', id };
    case 'icd10who': return { kind: 'icd10', id };
    case 'icd10cm': return { kind: 'icd10', id };
    case 'omim': return { kind: 'omim', id };
    default: return null;
  }
}

// Shared test data: the lexicon of the shared Orphanet release, the real case reports and the dev labels,
// all read from ../shared/data (tests/shared-data.ts).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { ParsedArticle } from '../../schemas/article.ts';
import { defaultLexicon, type Lexicon } from '../../ontology/index.ts';
import { matcherFor } from '../../ontology/diagnose/index.ts';
import type { Matcher } from '../../ontology/match/index.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { caseReportPath, devLabels, sharedFiles, sharedPath } from '../shared-data.ts';
import { readTar } from '../../ontology/import/tar.ts';

/** The lexicon compiled from ../shared/data/orphanet (cached outside the repo after the first build). */
export function lexicon(): Lexicon {
  return defaultLexicon();
}
export function matcher(): Matcher {
  return matcherFor(lexicon());
}

export const articlePath = caseReportPath;

const cache = new Map<string, ParsedArticle>();
export function article(pmcid: string): ParsedArticle {
  let a = cache.get(pmcid);
  if (!a) {
    const r = parseJats(readFileSync(articlePath(pmcid)), { allowNoCase: true });
    if (!r.ok) throw new Error(`${pmcid}: ${r.reason}`);
    a = r.article;
    cache.set(pmcid, a);
  }
  return a;
}

export interface LabelRow {
  pmcid: string; case: string; diagnosis_text: string; orpha_code: string; orpha_name: string;
  parent_code: string; match: string; rare: string; confidence: string; evidence: string; notes: string;
}

export function labels(): LabelRow[] {
  return devLabels() as unknown as LabelRow[];
}

/** A minimal ParsedArticle around given text (for rule tests that need a controlled article). */
export function syntheticArticle(title: string, abstract: string, body: string, kind: 'diagnosis' | 'other' = 'diagnosis'): ParsedArticle {
  return {
    pmcid: 'PMC1', pmid: null, doi: null, articleType: 'case-report', journal: '', title, abstract, pubYear: null,
    license: { code: null, url: null, text: '' },
    sections: [{ id: 'sec-1', title: 'Case Presentation', depth: 1, kind: 'case', text: body }],
    cases: [{ index: 1, label: 'Case', sectionIds: ['sec-1'], sentences: [{ index: 0, sectionId: 'sec-1', start: 0, end: body.length, text: body, kind, figureRefs: [] }] }],
    figures: [], warnings: [],
  };
}

/** The 8 real ORPHApackets of the shared sample folder. */
export const PACKETS_DIR = (): string => sharedPath('orphanet/orphapackets/sample');
export const PRODUCT1_SAMPLE = (): string => sharedPath('orphanet/orphadata_xml/format_samples_trimmed_thirdparty/en_product1.xml');

let packedTar: string | null = null;
/** The sample packets packed with `tar --format=pax` in a temp folder (exercises the tar reader's pax headers). */
export function packetsTar(): string {
  if (packedTar) return packedTar;
  const out = join(mkdtempSync(join(tmpdir(), 'mmrare-packets-')), 'packets.tar.gz');
  const r = spawnSync('tar', ['--format=pax', '-czf', out, '-C', PACKETS_DIR(), '.'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed (${r.status}): ${r.stderr}; install it with: apt-get install -y tar gzip`);
  return (packedTar = out);
}


let definitions: Map<string, string> | null = null;
/** An entry's definition as the shared ORPHApackets release states it. */
export function orphanetDefinition(code: string): string {
  if (!definitions) {
    definitions = new Map();
    const tar = sharedFiles('orphanet/orphapackets', /^ORPHApackets_json_.*\.tar\.gz$/).pop()!;
    for (const f of readTar(readFileSync(sharedPath(`orphanet/orphapackets/${tar}`)))) {
      const m = /ORPHApacket_(\d+)\.json$/.exec(f.path);
      if (!m) continue;
      const sections = JSON.parse(f.data.toString('utf8'))?.Orphapacket?.TextSection;
      const def = (Array.isArray(sections) ? sections : [sections]).find((t: { TextSectionType?: string }) => t?.TextSectionType === 'Definition');
      if (def?.Contents) definitions.set(m[1], def.Contents);
    }
  }
  const d = definitions.get(code);
  if (!d) throw new Error(`no definition for ORPHA:${code} in the shared release`);
  return d;
}

// Shared test data: the committed lexicon, the bundled real articles (samples/) and the dev labels.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedArticle } from '../../schemas/article.ts';
import { loadLexicon, type Lexicon } from '../../ontology/index.ts';
import { matcherFor } from '../../ontology/diagnose/index.ts';
import type { Matcher } from '../../ontology/match/index.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURES = join(import.meta.dirname, 'fixtures');
export const SAMPLES = join(ROOT, 'samples', 'pmc-oa-opendata');
export const LABELS = join(ROOT, 'tests', 'fixtures', 'labels', 'diagnoses.tsv');
export const SHARED_ORPHANET = join(ROOT, '..', 'shared', 'data', 'orphanet');

let lex: Lexicon | null = null;
export function lexicon(): Lexicon {
  return (lex ??= loadLexicon());
}
export function matcher(): Matcher {
  return matcherFor(lexicon());
}

export function articlePath(pmcid: string): string {
  const dir = readdirSync(SAMPLES).find((d) => d.startsWith(`${pmcid}.`));
  if (!dir) throw new Error(`no sample for ${pmcid}`);
  return join(SAMPLES, dir, `${dir}.xml`);
}

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
  const [head, ...rows] = readFileSync(LABELS, 'utf8').trim().split('\n').map((l) => l.split('\t'));
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])) as unknown as LabelRow);
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

export const sharedAvailable = () => existsSync(join(SHARED_ORPHANET, 'orphapackets', 'ORPHApackets_json_2025-12-09.tar.gz'));

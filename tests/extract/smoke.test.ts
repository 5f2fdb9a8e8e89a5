// Every real case report parses, validates against the ParsedArticle schema and yields a case.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParsedArticle } from '../../schemas/article.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';

const DIR = new URL('../../../shared/data/pmc/articles/', import.meta.url).pathname;
const files = readdirSync(DIR).filter((f) => f.endsWith('.nxml')).sort();

describe('parseJats over the 48 real case reports', () => {
  it('finds all 48 files', () => expect(files.length).toBe(48));
  for (const f of files) {
    it(f, () => {
      const r = parseJats(readFileSync(DIR + f));
      if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
      ParsedArticle.parse(r.article);
      expect(r.article.pmcid).toBe(f.replace('.nxml', ''));
      expect(r.article.cases.length).toBeGreaterThan(0);
      for (const c of r.article.cases) {
        expect(c.sentences.length).toBeGreaterThan(3);
        for (const s of c.sentences) {
          const sec = r.article.sections.find((x) => x.id === s.sectionId);
          expect(sec?.text.slice(s.start, s.end)).toBe(s.text);
        }
      }
      for (const fig of r.article.figures) {
        for (const ref of fig.references) {
          const sec = r.article.sections.find((x) => x.id === ref.sectionId);
          expect(sec?.text.slice(ref.start, ref.end)).toBe(ref.surface);
        }
      }
    });
  }
});

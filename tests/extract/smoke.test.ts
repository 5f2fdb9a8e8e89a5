// Every real case report parses, validates against the ParsedArticle schema and yields a case.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParsedArticle } from '../../schemas/article.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';

import { casePmcids, otherJatsPaths, readArticle } from './corpus.ts';

const files = casePmcids();

describe('parseJats over the 48 real case reports', () => {
  it('finds all 48 files', () => expect(files.length).toBe(48));
  for (const f of files) {
    it(f, () => {
      const r = parseJats(readArticle(f));
      if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
      ParsedArticle.parse(r.article);
      expect(r.article.pmcid).toBe(f);
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

describe('parseJats over non-case JATS (research, review, correction, eLife with sub-articles)', () => {
  for (const p of otherJatsPaths()) {
    it(p.split('/').pop() as string, () => {
      const r = parseJats(readFileSync(p), { allowNoCase: true, pmcid: 'PMC1' });
      if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
      ParsedArticle.parse(r.article);
      // strict mode: a research article is a decision, not a crash
      const strict = parseJats(readFileSync(p));
      if (!strict.ok) expect(['no_case_section', 'not_jats']).toContain(strict.reason);
    });
  }
});

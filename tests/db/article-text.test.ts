// Article text stored once: the lean parsed JSON plus the tables give back the whole article, and
// migration 080 slims a store written with the full JSON so it reads back the same.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../db/store.ts';
import { leanParsedJson, readParsedArticle } from '../../db/article-text.ts';
import { MIGRATIONS_DIR } from '../../db/migrate.ts';
import type { ParsedArticle } from '../../schemas/article.ts';
import { tempDir } from '../helpers.ts';

const t = tempDir('mmrare-article-text-');
afterAll(() => t.cleanup());

// a synthetic article (invented text)
const s1 = 'A 7-year-old boy had recurrent fevers. Examination found a rash.';
const article = {
  pmcid: 'PMC1000001', pmid: null, doi: null, articleType: 'case-report', journal: 'J', title: 'A boy with fevers', abstract: 'We report fevers.',
  pubYear: 2020, license: 'CC BY',
  sections: [{ id: 'sec1', title: 'Case', depth: 1, kind: 'case', text: s1 }, { id: 'sec2', title: 'Discussion', depth: 1, kind: 'discussion', text: 'Fevers recur.' }],
  cases: [{ index: 1, label: 'Case', sectionIds: ['sec1'], sentences: [
    { index: 0, sectionId: 'sec1', start: 0, end: 38, text: s1.slice(0, 38), kind: 'presentation', figureRefs: [] },
    { index: 1, sectionId: 'sec1', start: 39, end: s1.length, text: s1.slice(39), kind: 'examination', figureRefs: ['f1'] }] }],
  figures: [{ id: 'f1', kind: 'figure', label: 'Figure 1', caption: 'The rash.', panels: [], graphics: [], references: [], modality: { guess: null } }],
  warnings: [],
} as unknown as ParsedArticle;

function put(store: Store, json: string): void {
  const db = store.db;
  db.prepare(`INSERT INTO blobs (sha256, size, media_type) VALUES ('x', 1, 'text/xml')`).run();
  db.prepare(`INSERT INTO articles (pmcid, version, license_code, source, source_urls_json, metadata_sha256, xml_sha256) VALUES ('PMC1000001', 1, 'CC BY', 'dir', '[]', 'x', 'x')`).run();
  db.prepare('INSERT INTO article_text (pmcid, title, abstract, article_type, journal, pub_year, parsed_json) VALUES (?, ?, ?, ?, ?, ?, ?)').run('PMC1000001', article.title, article.abstract, 'case-report', 'J', 2020, json);
  article.sections.forEach((s, i) => db.prepare('INSERT INTO sections (pmcid, section_id, ord, title, depth, kind, text) VALUES (?, ?, ?, ?, ?, ?, ?)').run('PMC1000001', s.id, i, s.title, s.depth, s.kind, s.text));
  db.prepare(`INSERT INTO figures (pmcid, figure_id, ord, kind, label, caption, panels_json, modality) VALUES ('PMC1000001', 'f1', 0, 'figure', 'Figure 1', 'The rash.', '[]', NULL)`).run();
  db.prepare(`INSERT INTO cases (pmcid, case_no, label) VALUES ('PMC1000001', 1, 'Case')`).run();
  for (const s of article.cases[0].sentences) { // as extract writes them: the text NULL where it is the section's slice
    db.prepare('INSERT INTO sentences (pmcid, case_no, idx, section_id, start_offset, end_offset, text, kind) VALUES (?, 1, ?, ?, ?, ?, NULL, ?)').run('PMC1000001', s.index, s.sectionId, s.start, s.end, s.kind);
  }
}

describe('article text stored once', () => {
  it('the lean JSON holds no text the tables hold, and reads back as the whole article', () => {
    const store = new Store(join(t.dir, 'a'));
    try {
      const lean = leanParsedJson(article);
      expect(lean.split('recurrent fevers').length).toBe(2); // the section's text, not again as a sentence's
      expect(lean).not.toContain('"presentation"'); // a sentence's kind and offsets are in the sentences table
      expect(lean).not.toContain('The rash.');
      put(store, lean);
      expect(JSON.stringify(readParsedArticle(store.db, 'PMC1000001'))).toBe(JSON.stringify(article));
      expect(readParsedArticle(store.db, 'PMC9')).toBeUndefined();
    } finally { store.close(); }
  });

  it('migration 080 slims a full parsed_json and the article reads back the same', () => {
    const store = new Store(join(t.dir, 'b'));
    try {
      put(store, JSON.stringify(article)); // as written before 080
      const before = (store.db.prepare('SELECT LENGTH(parsed_json) FROM article_text').pluck().get() as number);
      store.db.exec(readFileSync(join(MIGRATIONS_DIR, '080_lean_article_text.sql'), 'utf8'));
      const json = store.db.prepare('SELECT parsed_json FROM article_text').pluck().get() as string;
      expect(json.length).toBeLessThan(before);
      expect(json).not.toContain('recurrent fevers');
      expect(JSON.stringify(readParsedArticle(store.db, 'PMC1000001'))).toBe(JSON.stringify(article));
    } finally { store.close(); }
  });
});

// The lean store (migration 090, db/packed-json.ts): packed columns read back as the text they were
// packed from, a filtered row keeps its draft when the question's row goes, and migration 090 converts a
// store written in the older layout in place — every row reads back the same and accepted reviews still count.
import { describe, it, expect, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../db/store.ts';
import { loadMigrations, migrate } from '../../db/migrate.ts';
import { pruneArticleArchive } from '../../db/lean-store.ts';
import { packDraft, packFinal, packText, readDraftJson, readFinalJson, unpackDraft, unpackFinal, unpackText, writeFilteredRow } from '../../db/packed-json.ts';
import { readEvidence } from '../../db/question-evidence.ts';
import { readParsedArticle, readSectionText } from '../../db/article-text.ts';
import { reviewStatuses, reviewedQuestions, latestEdits } from '../../db/review-state.ts';
import { hashOf } from '../../pipeline/core/hash.ts';
import { cli, sampleCorpus, tempDir } from '../helpers.ts';

const t = tempDir('mmrare-lean-store-');
afterAll(() => t.cleanup());
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('packed columns', () => {
  it('a packed value unpacks to the same text (astral characters too); a TEXT value is the text', () => {
    const text = JSON.stringify({ a: 'x'.repeat(500), b: 'caf\u00e9 \u{1d465} \u2014 "q"' });
    const p = packText(text);
    expect(p.length).toBeLessThan(text.length / 2);
    expect(unpackText(p)).toBe(text);
    expect(unpackText(text)).toBe(text);
    expect(() => unpackText(Buffer.concat([p.subarray(0, p.length - 1), Buffer.from([p[p.length - 1] ^ 1])]))).toThrow();
  });

  it('a final row is stored without its draft only when the draft is in it byte for byte, and rebuilt exactly', () => {
    const draft = JSON.stringify({ id: 'dx-1', context: 'A boy had fevers.' });
    const final = `{"draft":${draft},"question":"Q?","context":"A boy had [MASKED]."}`;
    const p = packFinal(final, draft);
    expect(p.draft_at).toBe(9);
    expect(unpackText(p.final_json)).toBe('{"draft":null,"question":"Q?","context":"A boy had [MASKED]."}');
    expect(unpackFinal(p.final_json, p.draft_at, draft)).toBe(final);
    const other = packFinal(final, JSON.stringify({ id: 'dx-1', context: 'changed' }));
    expect(other.draft_at).toBeNull();
    expect(unpackFinal(other.final_json, null, null)).toBe(final);
    expect(() => unpackFinal(p.final_json, p.draft_at, null)).toThrow(/draft is missing/);
  });
});

function questionStore(dir: string): Store {
  const store = new Store(dir);
  store.db.pragma('foreign_keys = OFF'); // questions without articles: only the question tables matter here
  return store;
}

describe('a filtered row keeps its draft', () => {
  it('when the question\'s row is deleted or its draft changes, the filtered row reads back the same', () => {
    const store = questionStore(join(t.dir, 'trigger'));
    try {
      const db = store.db;
      const rows = ['dx-a', 'dx-b', 'dx-c'].map((id) => {
        const draft = JSON.stringify({ id, context: `context of ${id}` });
        db.prepare('INSERT INTO questions (id, track, pmcid, case_no, draft_json) VALUES (?, ?, ?, ?, ?)').run(id, 'diagnosis', 'PMC1', 1, packText(draft));
        const final = JSON.stringify({ draft: JSON.parse(draft), question: 'Q?', context: 'x' });
        writeFilteredRow(db, { id, track: 'diagnosis', pmcid: 'PMC1' }, final);
        return { id, final };
      });
      expect(db.prepare('SELECT COUNT(*) FROM filtered_questions WHERE draft_at IS NOT NULL AND draft_json IS NULL').pluck().get()).toBe(3);
      db.prepare('DELETE FROM questions WHERE id = ?').run('dx-a'); // generate re-runs: the question goes
      db.prepare('UPDATE questions SET draft_json = ? WHERE id = ?').run(packText('{"id":"dx-b","context":"new"}'), 'dx-b');
      for (const r of rows) expect(readFinalJson(db, r.id)).toBe(r.final);
      expect(db.prepare('SELECT id FROM filtered_questions WHERE draft_json IS NOT NULL ORDER BY id').pluck().all()).toEqual(['dx-a', 'dx-b']);
      expect(readFinalJson(db, 'dx-none')).toBeUndefined();
    } finally { store.close(); }
  });
});

describe('a draft packed against its article\'s text', () => {
  it('is smaller, and reads back the same after the article\'s text changes; the old text is kept only while drafts need it', () => {
    const store = questionStore(join(t.dir, 'dictionary'));
    try {
      const db = store.db;
      // an invented article: the draft's context is its case text
      const caseText = Array.from({ length: 12 }, (_, i) => `On day ${i + 1} the patient had fever ${38 + i / 10} C and a new rash on the ${['arm', 'leg', 'back'][i % 3]}.`).join(' ');
      const put = (text: string) => {
        const parsed = { pmcid: 'PMC7', title: null, abstract: 'A child with fevers.', sections: [{ id: 's1', title: 'Case', depth: 1, kind: 'case', text }], cases: [], figures: [] };
        db.prepare('INSERT INTO article_text (pmcid, title, abstract, article_type, journal, pub_year, parsed_json) VALUES (?, ?, ?, ?, ?, ?, ?)').run('PMC7', 'Fevers', '', 'case-report', 'J', 2020, packText(JSON.stringify(parsed)));
      };
      put(caseText);
      const draft = JSON.stringify({ id: 'dx-7', context: caseText, contextParts: caseText.split('. ').map((s) => ({ text: s, sentence: { text: s } })) });
      const packed = packDraft(db, 'PMC7', draft);
      expect(packed.length).toBeLessThan(packText(draft).length * 0.8);
      db.prepare('INSERT INTO questions (id, track, pmcid, case_no, draft_json) VALUES (?, ?, ?, ?, ?)').run('dx-7', 'diagnosis', 'PMC7', 1, packed);
      expect(readDraftJson(db, 'dx-7')).toBe(draft);
      // a newer version of the article is extracted; generate has not run again
      db.prepare('DELETE FROM article_text WHERE pmcid = ?').run('PMC7');
      put(`${caseText} Revised.`);
      expect(db.prepare('SELECT COUNT(*) FROM article_text_archive').pluck().get()).toBe(1);
      expect(readDraftJson(db, 'dx-7')).toBe(draft);
      expect(unpackDraft(db, 'PMC7', packed)).toBe(draft);
      expect(pruneArticleArchive(db)).toBe(0); // the draft needs the older text
      // extracted again with the same text (a new extract version): the copy is not needed
      const copyOf = () => db.prepare('SELECT COUNT(*) FROM article_text_archive').pluck().get();
      db.prepare('INSERT INTO questions (id, track, pmcid, case_no, draft_json) VALUES (?, ?, ?, ?, ?)').run('dx-8', 'diagnosis', 'PMC7', 1, packDraft(db, 'PMC7', draft));
      db.prepare('DELETE FROM article_text WHERE pmcid = ?').run('PMC7');
      put(`${caseText} Revised.`);
      expect(copyOf()).toBe(2);
      expect(pruneArticleArchive(db)).toBe(1);
      expect([readDraftJson(db, 'dx-7'), readDraftJson(db, 'dx-8')]).toEqual([draft, draft]);
      db.prepare('DELETE FROM questions').run();
      expect(copyOf()).toBe(0);
    } finally { store.close(); }
  });
});

// ---- migration 090 on a store in the layout before it ---------------------------------------------

type Row = Record<string, unknown>;
const all = (db: Database.Database, sql: string): Row[] => db.prepare(sql).all() as Row[];

/**
 * A store in the layout before 090 (migrations up to 080, rows as the writers before 090 wrote them),
 * holding the content of `lean`: text columns as TEXT, one evidence row per item, every sentence's text.
 */
function preLeanCopy(lean: Database.Database, path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, loadMigrations().filter((m) => m.version < 90));
  db.pragma('foreign_keys = OFF');
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations', 'sqlite_sequence')`).pluck().all() as string[]);
  db.transaction(() => {
    for (const table of tables) {
      if (table === 'question_evidence' || table === 'sentences') continue;
      const cols = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      const ins = db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (const r of lean.prepare(`SELECT ${cols.join(', ')} FROM ${table}`.replace(/\btext\b/, table === 'sections' ? "COALESCE(text, '')" : 'text')).raw().all() as unknown[][]) ins.run(...r);
    }
    for (const id of lean.prepare('SELECT id FROM questions').pluck().all() as string[]) {
      db.prepare('UPDATE questions SET draft_json = ? WHERE id = ?').run(readDraftJson(lean, id), id);
      readEvidence(lean, id).forEach((e, ord) => db.prepare('INSERT INTO question_evidence (question_id, ord, kind, ref_json) VALUES (?, ?, ?, ?)').run(id, ord, e.kind, JSON.stringify(e.ref)));
    }
    for (const id of lean.prepare('SELECT id FROM filtered_questions').pluck().all() as string[]) {
      db.prepare('UPDATE filtered_questions SET final_json = ? WHERE id = ?').run(readFinalJson(lean, id), id);
    }
    for (const r of all(db, `SELECT stage, item_key, name, value_json FROM attributes WHERE typeof(value_json) = 'blob'`)) {
      db.prepare('UPDATE attributes SET value_json = ? WHERE stage = ? AND item_key = ? AND name = ?').run(unpackText(r.value_json as Buffer), r.stage, r.item_key, r.name);
    }
    // section text in sections.text, the parsed JSON without it (migration 080's layout)
    for (const r of all(lean, 'SELECT pmcid, section_id FROM sections')) db.prepare('UPDATE sections SET text = ? WHERE pmcid = ? AND section_id = ?').run(readSectionText(lean, r.pmcid as string, r.section_id as string), r.pmcid, r.section_id);
    for (const pmcid of lean.prepare('SELECT pmcid FROM article_text').pluck().all() as string[]) {
      const a = readParsedArticle(lean, pmcid)!;
      const json080 = JSON.stringify({
        ...a, title: null, abstract: null, sections: a.sections.map((s) => ({ ...s, text: null })),
        cases: a.cases.map((c) => ({ ...c, sentences: c.sentences.map((s) => ({ ...s, text: null })) })),
        figures: a.figures.map((f) => ({ ...f, caption: null })),
      });
      db.prepare('UPDATE article_text SET parsed_json = ?, abstract = ? WHERE pmcid = ?').run(json080, a.abstract, pmcid);
    }
    for (const s of all(lean, 'SELECT * FROM sentences')) {
      const text = s.text ?? readSectionText(lean, s.pmcid as string, s.section_id as string)!.slice(s.start_offset as number, s.end_offset as number);
      db.prepare('INSERT INTO sentences (pmcid, case_no, idx, section_id, start_offset, end_offset, text, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(s.pmcid, s.case_no, s.idx, s.section_id, s.start_offset, s.end_offset, text, s.kind);
    }
  })();
  expect(db.prepare('SELECT COUNT(*) FROM sentences WHERE text IS NULL').pluck().get()).toBe(0);
  return db;
}

/** Everything the readers give back: questions, filtered rows, evidence, articles, progress, attributes. */
function readAll(db: Database.Database): Row {
  const ids = db.prepare('SELECT id FROM questions ORDER BY id').pluck().all() as string[];
  const fids = db.prepare('SELECT id FROM filtered_questions ORDER BY id').pluck().all() as string[];
  const pmcids = db.prepare('SELECT pmcid FROM article_text ORDER BY pmcid').pluck().all() as string[];
  return {
    drafts: ids.map((id) => [id, readDraftJson(db, id)]),
    evidence: ids.map((id) => [id, readEvidence(db, id)]),
    finals: fids.map((id) => [id, readFinalJson(db, id)]),
    articles: pmcids.map((p) => readParsedArticle(db, p)),
    // a sentence's text: its own, else its section's text at its offsets
    sentences: all(db, 'SELECT * FROM sentences ORDER BY pmcid, case_no, idx').map((s) =>
      ({ ...s, text: s.text ?? readSectionText(db, s.pmcid as string, s.section_id as string)!.slice(s.start_offset as number, s.end_offset as number) })),
    progress: all(db, 'SELECT * FROM stage_progress ORDER BY stage, item_key'),
    attributes: all(db, 'SELECT * FROM attributes ORDER BY stage, item_key, name').map((r) => ({ ...r, value_json: unpackText(r.value_json as string | Buffer) })),
    reviews: [Object.fromEntries(reviewStatuses(db)), Object.fromEntries(latestEdits(db)), [...reviewedQuestions(db)].map((q) => q.row)],
  };
}

describe('migration 090', () => {
  it('converts a store in the older layout in place: every row reads back the same, hashes hold, reviews still count', async () => {
    const run = join(t.dir, 'run');
    const r = cli(['run', '--workdir', run, '--from-dir', await sampleCorpus()]);
    expect(r.code, r.stderr).toBe(0);
    const lean = new Database(join(run, 'mmrare.db'), { readonly: true });
    const dir = join(t.dir, 'old');
    mkdirSync(dir, { recursive: true });
    cpSync(join(run, 'blobs'), join(dir, 'blobs'), { recursive: true });
    const old = preLeanCopy(lean, join(dir, 'mmrare.db'));
    lean.close();
    // a review accepted and one edited on filter's row as it stood (base_sha256 over the final_json text)
    const [a, b] = old.prepare('SELECT id, final_json FROM filtered_questions ORDER BY id LIMIT 2').all() as { id: string; final_json: string }[];
    const review = old.prepare(`INSERT INTO reviews (question_id, item_key, reviewer, verdict, stale, created_at, revision, base_sha256, after_json) VALUES (?, ?, 'ann', ?, 0, '2026-01-01', 1, ?, ?)`);
    review.run(a.id, a.id, 'accept', sha(a.final_json), null);
    review.run(b.id, b.id, 'edit', sha(b.final_json), JSON.stringify({ ...JSON.parse(b.final_json), question: 'Edited?' }));
    // one question whose stored evidence is not what its draft gives (as from an older generator)
    old.prepare('DELETE FROM question_evidence WHERE question_id = ? AND ord = 0').run(a.id);
    const before = readAll(old);
    old.close();

    const store = new Store(dir); // applies 090 and the migrations after it
    try {
      const db = store.db;
      expect(db.prepare('SELECT version FROM schema_migrations WHERE version >= 90 ORDER BY version').pluck().all()).toEqual(loadMigrations().filter((m) => m.version >= 90).map((m) => m.version));
      const after = readAll(db);
      expect(after).toEqual(before);
      expect((after.reviews as Row[])[0]).toEqual({ [a.id]: 'accepted', [b.id]: 'accepted' });
      // packed, the draft left out of every filtered row, sentence text elided, evidence one row per question
      expect(db.prepare(`SELECT COUNT(*) FROM questions WHERE typeof(draft_json) != 'blob'`).pluck().get()).toBe(0);
      // every draft reads back against its article's current text (no older copy kept, none needed)
      expect(db.prepare('SELECT COUNT(*) FROM article_text_archive').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM filtered_questions WHERE draft_at IS NULL').pluck().get()).toBe(0);
      expect(db.prepare(`SELECT COUNT(*) FROM article_text WHERE typeof(parsed_json) != 'blob'`).pluck().get()).toBe(0);
      expect(db.prepare(`SELECT COUNT(*) FROM attributes WHERE typeof(value_json) = 'blob'`).pluck().get()).toBeGreaterThan(0);
      expect(db.prepare(`SELECT COUNT(*) FROM attributes WHERE typeof(value_json) = 'text' AND length(value_json) > 256`).pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM sections WHERE text IS NOT NULL').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM sentences WHERE text IS NOT NULL').pluck().get()).toBe(0);
      // the evidence of every other question is what its draft gives: not stored again
      expect(db.prepare('SELECT question_id FROM question_evidence').pluck().all()).toEqual([a.id]);
      expect((after.evidence as [string, unknown[]][]).every(([, e]) => e.length > 0)).toBe(true);
      // filter's input hash is over the draft text: every filtered question is still fresh for export
      for (const p of db.prepare(`SELECT item_key, input_hash FROM stage_progress WHERE stage = 'filter' AND status = 'done'`).all() as { item_key: string; input_hash: string }[]) {
        expect(hashOf(readDraftJson(db, p.item_key)!)).toBe(p.input_hash);
      }
    } finally { store.close(); }
    // a run on the migrated store exports byte for byte what the store it was copied from exported
    const again = cli(['run', '--workdir', dir, '--from-dir', await sampleCorpus()]);
    expect(again.code, again.stderr).toBe(0);
    const files = readdirSync(join(run, 'export')).filter((f) => f.endsWith('.jsonl') || f.startsWith('MANIFEST')).sort();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(join(dir, 'export', f), 'utf8'), f).toBe(readFileSync(join(run, 'export', f), 'utf8'));
  }, 240_000);
});

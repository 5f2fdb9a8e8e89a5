// `mmrare export --format …` as a user runs it, on a store built from the sample corpus: the draft JSONL
// stage is unchanged without --format, 0 accepted questions is exit 3 naming --draft, every format is
// byte-identical when exported twice, the licence preset leaves rows out and says which.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { builtStore, jsonOut, questions, readTree, review, type TestStore } from './helpers.ts';
import { readDraftJson, readFinalJson } from '../../../db/packed-json.ts';

let s: TestStore;
let accepted: string[];
const FORMATS = ['hf', 'vlmeval', 'lmms-eval', 'labelstudio', 'jsonl'];

beforeAll(() => {
  s = builtStore('cli');
  // accept every other question of each track, the CC BY-NC-ND article's ones included
  const qs = questions(s);
  accepted = qs.filter((q, i) => i % 2 === 0 || q.license !== 'CC BY').map((q) => q.id);
  review(s, accepted);
}, 240_000);
afterAll(() => s.cleanup());

describe('without --format, mmrare export is the draft JSONL stage', () => {
  it('rewrites the same draft JSONL bytes, with no release fields', () => {
    const before = readTree(join(s.W, 'export'));
    for (const t of ['diagnosis', 'treatment', 'cross-image', 'examination']) writeFileSync(join(s.W, 'export', `${t}.jsonl`), 'edited\n');
    const r = s.run(['export']);
    expect(r.code, r.stderr).toBe(0);
    const after = readTree(join(s.W, 'export'));
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [p, b] of before) expect(after.get(p)!.equals(b), p).toBe(true);
    const row = JSON.parse(readFileSync(join(s.W, 'export', 'diagnosis.jsonl'), 'utf8').split('\n')[0]);
    expect(row).not.toHaveProperty('publication_date');
    expect(row).not.toHaveProperty('pmc_version');
  });

  it('release options without --format are a usage error', () => {
    const r = s.run(['export', '--out', join(s.dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out go with --format');
  });
});

describe('usage and input errors', () => {
  it('unknown format, unknown preset, no --out, --draft with --only-accepted: exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['--format', 'csv', '--out', 'x'], /--format csv: unknown format; give one of hf, vlmeval, lmms-eval, labelstudio, jsonl/],
      [['--format', 'hf', '--out', 'x', '--licence-preset', 'cc'], /--licence-preset cc: unknown preset; give one of redistributable, noncommercial-ok, all/],
      [['--format', 'hf'], /--format needs --out DIR/],
      [['--format', 'hf', '--out', 'x', '--draft', '--only-accepted'], /--draft or --only-accepted, not both/],
    ];
    for (const [args, re] of cases) {
      const r = s.run(['export', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
    }
  });

  it('0 accepted questions: exit 3, saying so and naming --draft', () => {
    const empty = builtStore('empty');
    try {
      const r = empty.run(['export', '--format', 'hf', '--out', join(empty.dir, 'hf')]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^mmrare export: 0 accepted questions in .*--draft/m);
      expect(existsSync(join(empty.dir, 'hf'))).toBe(false);
      // --draft releases them all
      const d = jsonOut(empty.run(['export', '--format', 'hf', '--out', join(empty.dir, 'hf'), '--draft', '--json']));
      expect(d.selection).toBe('draft');
      expect(d.rows + d.left_out.length).toBe(questions(empty).length);
    } finally { empty.cleanup(); }
  });

  it('refuses a non-empty folder that holds no release', () => {
    const dir = join(s.dir, 'busy');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'thesis.tex'), 'mine');
    const r = s.run(['export', '--format', 'jsonl', '--out', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('not empty and holds no mmrare release');
    expect(readFileSync(join(dir, 'thesis.tex'), 'utf8')).toBe('mine');
  });
});

describe('every format, exported twice, is byte-identical', () => {
  it.each(FORMATS)('%s', (format) => {
    const a = join(s.dir, `${format}-a`);
    const b = join(s.dir, `${format}-b`);
    const ja = jsonOut(s.run(['export', '--format', format, '--out', a, '--json']));
    jsonOut(s.run(['export', '--format', format, '--out', b, '--json']));
    const ta = readTree(a);
    const tb = readTree(b);
    expect([...tb.keys()]).toEqual([...ta.keys()]);
    for (const [p, bytes] of ta) expect(tb.get(p)!.equals(bytes), p).toBe(true);
    // again into the same folder: the same bytes (CHANGES.md keeps its comparison)
    jsonOut(s.run(['export', '--format', format, '--out', a, '--json']));
    const again = readTree(a);
    for (const [p, bytes] of ta) expect(again.get(p)!.equals(bytes), `rerun ${p}`).toBe(true);
    expect(ja.out).toBe(a);
    // MANIFEST: the sha256 of every other file, sorted by path
    const lines = ta.get('MANIFEST')!.toString('utf8').trim().split('\n');
    const paths = lines.map((l) => l.slice(66));
    expect(paths).toEqual([...ta.keys()].filter((p) => p !== 'MANIFEST').sort());
    for (const l of lines) expect(createHash('sha256').update(ta.get(l.slice(66))!).digest('hex'), l).toBe(l.slice(0, 64));
    expect(ta.get('CHANGES.md')!.toString()).toMatch(/^# Changes\n\nInitial release: \d+ questions/);
  });
});

describe('licence presets', () => {
  it('redistributable leaves out the CC BY-NC-ND rows and lists them (ids, licence, reason); all keeps them', () => {
    const nd = questions(s).filter((q) => accepted.includes(q.id) && q.license === 'CC BY-NC-ND');
    expect(nd.length).toBeGreaterThan(0);
    const red = jsonOut(s.run(['export', '--format', 'jsonl', '--out', join(s.dir, 'lic-red'), '--only-accepted', '--json']));
    expect(red.licence_preset).toBe('redistributable');
    expect(red.left_out.map((l: { id: string }) => l.id)).toEqual(nd.map((q) => q.id));
    for (const l of red.left_out) expect(l).toMatchObject({ license: 'CC BY-NC-ND', reason: 'licence_not_redistributable', rule: 'release.licence.redistributable' });
    expect(red.rows).toBe(accepted.length - nd.length);
    const text = s.run(['export', '--format', 'jsonl', '--out', join(s.dir, 'lic-text'), '--only-accepted']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`left out: ${nd.length} questions`);
    for (const q of nd) expect(text.stdout).toContain(`${q.id} (CC BY-NC-ND): licence_not_redistributable`);
    // noncommercial-ok still refuses ND; all takes everything
    const nc = jsonOut(s.run(['export', '--format', 'jsonl', '--out', join(s.dir, 'lic-nc'), '--only-accepted', '--licence-preset', 'noncommercial-ok', '--json']));
    expect(nc.left_out).toHaveLength(nd.length);
    const all = jsonOut(s.run(['export', '--format', 'jsonl', '--out', join(s.dir, 'lic-all'), '--only-accepted', '--licence-preset', 'all', '--json']));
    expect(all.left_out).toEqual([]);
    expect(all.rows).toBe(accepted.length);
    const rows = ['diagnosis', 'treatment', 'cross-image', 'examination'].flatMap((t) => {
      const p = join(s.dir, 'lic-all', `${t}.jsonl`);
      return existsSync(p) ? readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
    });
    expect(rows.filter((r) => r.license === 'CC BY-NC-ND').map((r) => r.id).sort()).toEqual(nd.map((q) => q.id));
    // the release records what it left out
    const rel = JSON.parse(readFileSync(join(s.dir, 'lic-red', 'release.json'), 'utf8'));
    expect(rel.left_out.map((l: { id: string }) => l.id)).toEqual(nd.map((q) => q.id));
    expect(readFileSync(join(s.dir, 'lic-red', 'CHANGES.md'), 'utf8')).toContain(`## Left out of this release (${nd.length})`);
    // and so does the store: the release and each question it left out, with the reason
    const db = s.db();
    try {
      const rel2 = db.prepare('SELECT id, format, selection, licence_preset, rows, left_out, manifest_sha256 FROM releases WHERE out_dir = ?').get(join(s.dir, 'lic-red')) as Record<string, any>;
      expect(rel2).toMatchObject({ format: 'jsonl', selection: 'accepted', licence_preset: 'redistributable', rows: red.rows, left_out: nd.length });
      expect(rel2.manifest_sha256).toBe(createHash('sha256').update(readFileSync(join(s.dir, 'lic-red', 'MANIFEST'))).digest('hex'));
      const ex = db.prepare('SELECT question_id, license, reason_code, rule FROM release_exclusions WHERE release_id = ? ORDER BY question_id').all(rel2.id);
      expect(ex).toEqual(nd.map((q) => ({ question_id: q.id, license: 'CC BY-NC-ND', reason_code: 'licence_not_redistributable', rule: 'release.licence.redistributable' })));
    } finally { db.close(); }
  });
});

describe('rows the release re-checks', () => {
  it('a row with a residual leak, or filtered from an older draft, is left out with its reason', () => {
    const t = builtStore('leaks');
    try {
      const qs = questions(t).filter((q) => q.license === 'CC BY');
      const [leaky, stale, ok] = [qs.find((q) => q.track === 'diagnosis')!, qs.find((q) => q.track === 'treatment')!, qs.find((q) => q.track === 'examination')!];
      review(t, [leaky.id, stale.id, ok.id]);
      const db = t.db();
      const f = JSON.parse(readFinalJson(db, leaky.id)!); // packed columns: db/packed-json.ts
      f.context = `${f.context} The final diagnosis was ${f.draft.orphaName}.`;
      db.prepare('UPDATE filtered_questions SET final_json = ? WHERE id = ?').run(JSON.stringify(f), leaky.id);
      const q = JSON.parse(readDraftJson(db, stale.id)!);
      q.answer = `${q.answer} (regenerated)`;
      db.prepare('UPDATE questions SET draft_json = ? WHERE id = ?').run(JSON.stringify(q), stale.id);
      db.close();
      const r = jsonOut(t.run(['export', '--format', 'jsonl', '--out', join(t.dir, 'out'), '--only-accepted', '--json']));
      expect(r.rows).toBe(1);
      expect(r.left_out.map((l: any) => [l.id, l.reason])).toEqual([[leaky.id, 'leak_found_by_scanner'], [stale.id, 'filtered_row_stale']].sort());
      expect(r.left_out.find((l: any) => l.id === leaky.id).detail).toMatch(/^context: ".+" \(diagnosis term/);
      expect(readFileSync(join(t.dir, 'out', 'examination.jsonl'), 'utf8')).toContain(ok.id);
    } finally { t.cleanup(); }
  });
});

// CHANGES.md and release.json between two releases into the same folder: a question accepted since is
// added, a question rejected since is withdrawn (with why), a new article version marks its rows changed;
// the first release says "initial release"; re-exporting an unchanged store changes no byte.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtStore, jsonOut, questions, readTree, review, type TestStore } from './helpers.ts';

let s: TestStore;
let OUT: string;
let first: any;
let second: any;
let added: string;
let withdrawn: string;
let bumped: string;
let bumpedRows: string[];

beforeAll(() => {
  s = builtStore('changes');
  const qs = questions(s).filter((q) => q.license === 'CC BY');
  const acc = qs.filter((_, i) => i % 2 === 0);
  review(s, acc.map((q) => q.id), 'accept', '2026-12-01T10:00:00Z');
  OUT = join(s.dir, 'hf');
  first = jsonOut(s.run(['export', '--format', 'hf', '--out', OUT, '--json']));
  // since then: one more accepted, one rejected, one article republished as version 2
  added = qs.find((_, i) => i % 2 === 1)!.id;
  withdrawn = acc[0].id;
  bumped = acc.find((q) => q.pmcid !== acc[0].pmcid)!.pmcid;
  bumpedRows = acc.filter((q) => q.pmcid === bumped).map((q) => q.id);
  review(s, [added], 'accept', '2026-12-02T10:00:00Z');
  review(s, [withdrawn], 'reject', '2026-12-02T10:00:00Z');
  const db = s.db();
  db.prepare('UPDATE articles SET version = 2 WHERE pmcid = ?').run(bumped);
  db.close();
  second = jsonOut(s.run(['export', '--format', 'hf', '--out', OUT, '--json']));
}, 240_000);
afterAll(() => s.cleanup());

describe('CHANGES.md', () => {
  it('the first release says initial release', () => {
    expect(first.changes).toEqual({ initial: true, added: [], changed: [], withdrawn: [] });
  });

  it('the next one lists rows added, changed (new article version) and withdrawn', () => {
    expect(second.changes.initial).toBe(false);
    expect(second.changes.added).toEqual([added]);
    expect(second.changes.withdrawn).toEqual([withdrawn]);
    expect(second.changes.changed).toEqual(bumpedRows.filter((id) => id !== withdrawn).sort());
    const md = readFileSync(join(OUT, 'CHANGES.md'), 'utf8');
    expect(md).toContain(`Compared with the previous release in this folder (hf release of mmrare`);
    expect(md).toContain(`1 added, ${second.changes.changed.length} changed, 1 withdrawn`);
    expect(md).toMatch(new RegExp(`## Added \\(1\\)\\n\\n- \`${added}\` \\([a-z-]+, PMC\\d+\\): new question`));
    for (const id of second.changes.changed) expect(md).toContain(`- \`${id}\` (`);
    expect(md).toContain('article version 1 → 2');
    expect(md).toMatch(new RegExp(`- \`${withdrawn}\` .*no longer in the build`));
    // release.json: the rows with their hashes and versions
    const rel = JSON.parse(readFileSync(join(OUT, 'release.json'), 'utf8'));
    expect(rel.rows.map((r: any) => r.id)).toEqual([...rel.rows.map((r: any) => r.id)].sort());
    expect(rel.rows.filter((r: any) => r.pmcid === bumped).every((r: any) => r.pmc_version === 2)).toBe(true);
    expect(rel.rows.some((r: any) => r.id === withdrawn)).toBe(false);
    // and the rows themselves say version 2
    const readme = readFileSync(join(OUT, 'README.md'), 'utf8');
    expect(readme).toContain(`${second.rows} questions`);
  });

  it('re-exporting the unchanged store keeps every byte, CHANGES.md included', () => {
    const before = readTree(OUT);
    jsonOut(s.run(['export', '--format', 'hf', '--out', OUT, '--json']));
    const after = readTree(OUT);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [p, b] of before) expect(after.get(p)!.equals(b), p).toBe(true);
  });
});

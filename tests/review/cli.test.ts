// `mmrare review` as a user runs it: serving the app, add-reviewer, and import-labelstudio with a
// Label Studio export written here (the same review rows the app makes; a re-import adds nothing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Store } from '../../db/store.ts';
import { reviewedQuestions } from '../../db/review-state.ts';
import type { FilteredQuestion } from '../../schemas/question.ts';
import { BIN, cli } from '../helpers.ts';
import { buildSampleStore } from './helpers.ts';
import { readFinalJson } from '../../db/packed-json.ts';

let built: ReturnType<typeof buildSampleStore>;
let W: string;
beforeAll(() => { built = buildSampleStore(); W = built.workdir; }, 300_000);
afterAll(() => built?.cleanup());

const withStore = <T>(fn: (s: Store) => T): T => { const s = new Store(W); try { return fn(s); } finally { s.close(); } };
const ids = (track: string, n: number): string[] => withStore((s) => s.db.prepare('SELECT id FROM filtered_questions WHERE track = ? ORDER BY id LIMIT ?').pluck().all(track, n) as string[]);
const row = (id: string): FilteredQuestion => withStore((s) => JSON.parse(readFinalJson(s.db, id)!)); // packed columns: db/packed-json.ts
const reviews = (): Record<string, any>[] => withStore((s) => s.db.prepare('SELECT * FROM reviews ORDER BY id').all() as Record<string, any>[]);

describe('mmrare review (serving)', () => {
  it('serves the app on loopback and answers the API; a non-loopback host without reviewers is refused', async () => {
    const child = spawn(process.execPath, [BIN, 'review', '--workdir', W, '--port', '0', '--reviewer', 'carol', '--json'], { env: { ...process.env, CI: '1' } });
    try {
      const line = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (c) => { out += c; if (out.includes('\n')) ok(out.split('\n')[0]); });
        child.on('exit', (code) => fail(new Error(`exited ${code}`)));
        setTimeout(() => fail(new Error('no URL within 60 s')), 60_000);
      });
      const info = JSON.parse(line) as { url: string; tokens: boolean; reviewer: string };
      expect(info).toMatchObject({ tokens: false, reviewer: 'carol' });
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const meta = await (await fetch(`${info.url}api/meta`)).json() as { reviewer: string; reject_reasons: Record<string, string> };
      expect(meta.reviewer).toBe('carol');
      expect(Object.keys(meta.reject_reasons)).toContain('answer_wrong');
      expect((await fetch(info.url)).headers.get('content-security-policy')).toContain("default-src 'none'");
    } finally {
      child.kill('SIGTERM');
    }
    await new Promise((ok) => child.once('exit', ok));
    const r = cli(['review', '--workdir', W, '--host', '0.0.0.0', '--port', '0']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/requires? .*token|needs a token|add-reviewer/);
  }, 90_000);

  it('add-reviewer prints a token once and stores only its sha256', () => {
    const r = cli(['review', 'add-reviewer', 'dave', '--workdir', W]);
    expect(r.code, r.stderr).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^[\w-]{20,}$/);
    const stored = withStore((s) => s.db.prepare('SELECT token_sha256 FROM reviewers WHERE name = ?').pluck().get('dave') as string);
    expect(stored).toBe(createHash('sha256').update(token).digest('hex'));
    expect(cli(['review', 'add-reviewer', '--workdir', W]).code).toBe(2);
    expect(cli(['review', 'bogus', '--workdir', W]).code).toBe(2);
  });
});

describe('mmrare review import-labelstudio', () => {
  it('turns annotations into the app\'s review rows; a leaking answer is refused; re-importing adds nothing', () => {
    const [dxA, dxB, dxC, dxD] = ids('diagnosis', 4);
    const [txA] = ids('treatment', 1);
    const c = row(dxD).context;
    const leak = c.split(/\s+/).slice(0, 4).join(' '); // an "answer" the context spells out
    const choice = (from: string, v: string) => ({ from_name: from, to_name: 'question', type: 'choices', value: { choices: [v] } });
    const text = (v: string) => ({ from_name: 'answer', to_name: 'question', type: 'textarea', value: { text: [v] } });
    const ann = (id: number, result: unknown[], extra: Record<string, unknown> = {}) => ({ id, completed_by: { id: 7, email: 'ls-user@example.org' }, created_at: '2026-01-02T10:00:00.000Z', result, ...extra });
    const tasks = [
      { id: 11, data: { question_id: dxA }, annotations: [ann(101, [choice('verdict', 'accept')])] },
      { id: 12, data: { question_id: dxB }, annotations: [ann(102, [choice('verdict', 'reject'), choice('reason', 'answer_wrong')])] },
      { id: 13, data: { question_id: dxC }, annotations: [ann(103, [choice('verdict', 'accept'), text(`${row(dxC).draft.answer} (confirmed by biopsy)`)])] },
      { id: 14, data: { question_id: dxD }, annotations: [ann(104, [choice('verdict', 'accept'), text(leak)])] },
      { id: 15, data: { question_id: txA }, annotations: [ann(105, [choice('verdict', 'reject')]), ann(106, [choice('verdict', 'accept')], { was_cancelled: true })] },
      { id: 16, data: { question_id: 'dx-PMC1-c1-00000000' }, annotations: [ann(107, [choice('verdict', 'accept')])] },
      { id: 17, data: {}, annotations: [ann(108, [choice('verdict', 'accept')])] },
    ];
    const file = join(built.dir, 'ls-export.json');
    writeFileSync(file, JSON.stringify(tasks));
    const r = cli(['review', 'import-labelstudio', file, '--workdir', W, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ stored: 3, duplicate: 0, refused: 1, invalid: 1, not_found: 1, skipped: 2 });
    const byQ = (id: string) => out.outcomes.find((o: { question: string }) => o.question === id);
    expect(byQ(dxD).outcome).toBe('refused');
    expect(byQ(dxD).findings.some((f: { check: string }) => f.check === 'scanner')).toBe(true);
    expect(byQ(txA).message).toMatch(/reason code/);
    const rows = reviews().filter((x) => x.source === 'labelstudio');
    expect(rows.map((x) => [x.question_id, x.verdict, x.reason_code, x.revision, x.reviewer])).toEqual([
      [dxA, 'accept', null, 1, 'ls-user@example.org'], [dxB, 'reject', 'answer_wrong', 1, 'ls-user@example.org'], [dxC, 'edit', null, 1, 'ls-user@example.org'],
    ]);
    expect(JSON.parse(rows[2].after_json).draft.answer).toBe(`${row(dxC).draft.answer} (confirmed by biopsy)`);
    expect(JSON.parse(rows[2].before_json)).toEqual(row(dxC));
    const accepted = withStore((s) => [...reviewedQuestions(s.db)]);
    expect(accepted.map((q) => q.id).sort()).toEqual([dxA, dxC].sort());
    expect((accepted.find((q) => q.id === dxC)!.row as unknown as FilteredQuestion).draft.answer).toContain('(confirmed by biopsy)');

    // the same file again: nothing new
    const again = JSON.parse(cli(['review', 'import-labelstudio', file, '--workdir', W, '--json']).stdout);
    expect(again).toMatchObject({ stored: 0, duplicate: 3 });
    expect(reviews().filter((x) => x.source === 'labelstudio')).toHaveLength(3);
    expect(withStore((s) => s.db.prepare(`SELECT COUNT(*) FROM review_refusals WHERE source = 'labelstudio'`).pluck().get())).toBe(1);

    // an annotation changed in Label Studio is a new review (the latest wins), with --reviewer naming who
    tasks[0].annotations = [ann(101, [choice('verdict', 'reject'), choice('reason', 'duplicate')])];
    writeFileSync(file, JSON.stringify(tasks.slice(0, 1)));
    const changed = cli(['review', 'import-labelstudio', file, '--workdir', W, '--reviewer', 'erin']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('imported: 1 reviews stored, 0 already imported');
    const last = reviews().filter((x) => x.question_id === dxA);
    expect(last.map((x) => [x.verdict, x.revision, x.reviewer])).toEqual([['accept', 1, 'ls-user@example.org'], ['reject', 2, 'erin']]);
    expect(cli(['review', 'import-labelstudio', join(built.dir, 'missing.json'), '--workdir', W]).code).toBe(3);
  }, 120_000);
});

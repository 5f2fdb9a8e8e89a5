// `mmrare evaluate` end to end (issue #13): a store built from the bundled sample corpus, a loopback
// OpenAI-compatible server playing the model and the judge with controlled errors (loopback-model.ts), and
// the metrics the command computes compared with values written by hand from those controlled answers.
// Also: a rerun makes no request; a run killed with SIGKILL mid-way and rerun makes no request twice;
// only accepted questions are evaluated without --draft.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { launchBrowser, SCREENSHOTS } from '../browser.ts';
import { caseReportPath } from '../shared-data.ts';
import { join } from 'node:path';
import { Store } from '../../db/store.ts';
import { reviewedQuestions } from '../../db/review-state.ts';
import { exportRowOf } from '../../pipeline/cli/eval-rows.ts';
import { startLoopbackOpenAi, type LoopbackOpenAi } from '../../scripts/loopback-openai/server.ts';
import { BIN, REPO, tempDir } from '../helpers.ts';
import { mmrare } from '../cli/helpers.ts';
import { NEVER_PARSES, REASK_ONCE, scriptedHandler, type Row } from './loopback-model.ts';

const work = tempDir('mmrare-eval-');
const W = join(work.dir, 'w');
let server: LoopbackOpenAi;
let scripted: ReturnType<typeof scriptedHandler>;
let rows: Row[];
const byTrack = (t: string): Row[] => rows.filter((r) => r.track === t).sort((a, b) => (a.id < b.id ? -1 : 1));
const FAST = ['--rps', '1000', '--concurrency', '4'];
const evalArgs = (extra: string[] = []) => ['evaluate', '--workdir', W, '--model', 'scripted-vlm', '--endpoint', server.url, '--judge', 'scripted-judge', '--judge-endpoint', server.url, '--draft', ...FAST, '--json', ...extra];
const jsonOf = (r: { code: number; stdout: string; stderr: string }): any => { expect(r.code, r.stderr).toBe(0); return JSON.parse(r.stdout); };
/** The CLI in a child process, without blocking this process (the loopback server answers it from here). */
function mmrareAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, CI: '1' } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => ok({ code: code ?? -1, stdout, stderr }));
  });
}
const metric = (s: any, track: string, name: string): any => s.scores.tracks.find((t: any) => t.track === track).metrics.find((m: any) => m.name === name);
const near = (a: number | null, b: number) => expect(a).toBeCloseTo(b, 6);
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let first: any;
let requestsAfterFirst = 0;

beforeAll(async () => {
  const run = mmrare(['run', '--workdir', W, '--sample']);
  expect(run.code, run.stderr).toBe(0);
  const store = new Store(W, { readonly: true });
  rows = [...reviewedQuestions(store.db, { draft: true })].map((q) => exportRowOf(q) as Row);
  store.close();
  scripted = scriptedHandler(rows);
  server = await startLoopbackOpenAi({ handler: scripted.handler });
  first = jsonOf(await mmrareAsync(evalArgs()));
  requestsAfterFirst = server.requests();
}, 240_000);
afterAll(async () => { await server?.close(); work.cleanup(); });

describe('mmrare evaluate (baseline, with a judge)', () => {
  it('the model was shown only model-visible text and the labelled images, in order', () => {
    expect(scripted.unmatched).toEqual([]);
    const req = server.log.find((e) => e.request?.model === 'scripted-vlm')!.request!;
    const user = req.messages[req.messages.length - 1];
    const parts = user.content as { type: string; text?: string }[];
    // the label comes right before each image
    parts.forEach((p, k) => { if (p.type === 'image_url') expect(parts[k - 1].text).toMatch(/^Image \d+:$/); });
    const wire = JSON.stringify(req);
    for (const r of rows) {
      expect(wire).not.toContain(r.id);
      expect(wire).not.toContain(r.pmcid);
    }
  });

  it('Level 1 diagnosis: token F1, exact match and the Orphanet-aware hit are those of the controlled answers', () => {
    const dx = byTrack('diagnosis');
    const right = dx.filter((_, i) => i % 3 !== 2).length;     // every third diagnosis is a made-up disease
    near(metric(first, 'diagnosis', 'orphanet_hit').value, right / dx.length);
    near(metric(first, 'diagnosis', 'exact_match').value, right / dx.length);
    near(metric(first, 'diagnosis', 'token_f1').value, right / dx.length);
    expect(metric(first, 'diagnosis', 'orphanet_hit').n).toBe(dx.length);
  });

  it('Level 1 treatment, cross-image and examination recalls', () => {
    const tx = byTrack('treatment');
    const txRecall = tx.map((r, i) => {
      const named = r.rubric_must_include.filter((x: any) => x.kind !== 'follow_up').length;
      return i % 2 === 1 ? (named > 0 ? 1 : 0) / r.rubric_must_include.length : 1;   // odd: only the first named item
    });
    near(metric(first, 'treatment', 'must_include_recall').value, meanOf(txRecall));
    const xi = byTrack('cross-image');
    near(metric(first, 'cross-image', 'relation_accuracy').value, xi.filter((_, i) => i % 4 !== 3).length / xi.length);
    near(metric(first, 'cross-image', 'claim_recall').value, xi.filter((_, i) => i % 4 !== 1).length / xi.length);
    const ex = byTrack('examination');
    near(metric(first, 'examination', 'key_test_recall').value, ex.filter((_, i) => i % 2 === 0).length / ex.length);
  });

  it('Level 2: the rubric arithmetic of each track, the diagnosis cap, re-asks and unparseable verdicts', () => {
    const dx = byTrack('diagnosis');
    const dxScores = dx.map((_, i) => (i % 3 === 2 ? 0.2 : 1)).filter((_, i) => i !== NEVER_PARSES);  // wrong: (1+1)/10, the cap
    near(metric(first, 'diagnosis', 'rubric_score').value, meanOf(dxScores));
    const dxTrack = first.scores.tracks.find((t: any) => t.track === 'diagnosis');
    expect(dxTrack.judge).toEqual({ judged: dx.length - 1, unparseable: 1, failed: 0 });
    near(metric(first, 'treatment', 'rubric_score').value, meanOf(byTrack('treatment').map((_, i) => (i % 2 === 1 ? 3 / 6 : 1))));
    near(metric(first, 'cross-image', 'rubric_score').value, meanOf(byTrack('cross-image').map((_, i) => (i % 4 === 1 ? 3 / 5 : i % 4 === 3 ? 4 / 5 : 1))));
    near(metric(first, 'examination', 'rubric_score').value, meanOf(byTrack('examination').map((_, i) => (i % 2 === 1 ? 7 / 16 : 1))));
    // requests: one answer + one verdict per question, one re-ask for question REASK_ONCE, two for NEVER_PARSES
    expect(requestsAfterFirst).toBe(rows.length * 2 + 1 + 2);
    expect(server.maxInFlight()).toBeLessThanOrEqual(4);   // --concurrency 4
    expect(first.unparseable).toBe(1);
    // the raw verdicts, parsed scores and prompt versions are stored
    const store = new Store(W, { readonly: true });
    const j = store.db.prepare(`SELECT * FROM eval_judgements WHERE run_id = ? AND question_id = ?`);
    const reasked = j.get(first.run_id, dx[REASK_ONCE].id) as any;
    expect(reasked).toMatchObject({ status: 'ok', asks: 2, prompt_name: 'judge-diagnosis', prompt_version: '1', judge_model: 'scripted-judge' });
    expect(JSON.parse(reasked.parsed_json)).toEqual({ exact_match: 1, category: 1, specificity: 1 });
    const never = j.get(first.run_id, dx[NEVER_PARSES].id) as any;
    expect(never).toMatchObject({ status: 'unparseable', asks: 3, score: null, raw: 'The answer looks reasonable to me.' });
    store.close();
  });

  it('case-level accuracy: a case counts only when all its questions are right', () => {
    const wrong = new Set<string>();
    byTrack('diagnosis').forEach((r, i) => { if (i % 3 === 2) wrong.add(r.id); });
    byTrack('treatment').forEach((r, i) => { if (i % 2 === 1 && 1 / r.rubric_must_include.length < 0.5) wrong.add(r.id); });
    byTrack('cross-image').forEach((r, i) => { if (i % 4 === 1 || i % 4 === 3) wrong.add(r.id); });
    byTrack('examination').forEach((r, i) => { if (i % 2 === 1) wrong.add(r.id); });
    const cases = new Map<string, boolean>();
    for (const r of rows) { const k = `${r.pmcid}#${r.case}`; cases.set(k, (cases.get(k) ?? true) && !wrong.has(r.id)); }
    const right = [...cases.values()].filter(Boolean).length;
    expect(first.scores.case_level).toEqual({ cases: cases.size, right, accuracy: Math.round((right / cases.size) * 1e6) / 1e6 });
  });

  it('a rerun makes no request: every answer and verdict comes from the cache', async () => {
    const again = jsonOf(await mmrareAsync(evalArgs()));
    expect(server.requests()).toBe(requestsAfterFirst);
    expect(again.calls.model).toMatchObject({ attempts: 0, cached: rows.length, live: 0 });
    expect(again.scores.tracks).toEqual(first.scores.tracks);
  });

  it('--differential: Recall@1/3/5/10 and MRR from the ranked lists', async () => {
    const d = jsonOf(await mmrareAsync(evalArgs(['--differential', '--tracks', 'diagnosis'])));
    const dx = byTrack('diagnosis');
    const ranks = dx.map((_, i) => (i % 3 === 2 ? 3 : 1));
    near(metric(d, 'diagnosis', 'recall@1').value, ranks.filter((r) => r <= 1).length / dx.length);
    near(metric(d, 'diagnosis', 'recall@3').value, 1);
    near(metric(d, 'diagnosis', 'recall@10').value, 1);
    near(metric(d, 'diagnosis', 'mrr').value, meanOf(ranks.map((r) => 1 / r)));
  });

  it('without --draft only accepted questions are evaluated', async () => {
    const store = new Store(W);
    const pick = rows.slice(0, 3).map((r) => r.id);
    const ins = store.db.prepare(`INSERT INTO reviews (question_id, item_key, reviewer, verdict, created_at) VALUES (?, ?, 'test', 'accept', '2026-01-01')`);
    for (const id of pick) ins.run(id, id);
    store.close();
    const before = server.requests();
    const r = jsonOf(await mmrareAsync(evalArgs().filter((a) => a !== '--draft')));
    expect(r.questions).toBe(3);
    expect(r.calls.model.cached).toBe(3);
    expect(server.requests()).toBe(before);   // answered (and judged) by the first run: from the cache
  });
});

describe('a run killed with SIGKILL mid-way', () => {
  it('resumes on the rerun with no request answered twice', async () => {
    let held = -1;
    let release: () => void = () => {};
    const gate = new Promise<void>((ok) => { release = ok; });
    const base = scripted.handler;
    const kill = await startLoopbackOpenAi({
      handler: async (req, info) => {
        if (held < 0 && info.n === 25) { held = info.n; await gate; }
        return base(req, info);
      },
    });
    try {
      const args = ['evaluate', '--workdir', W, '--model', 'kill-vlm', '--endpoint', kill.url, '--judge', 'kill-judge', '--judge-endpoint', kill.url, '--draft', '--rps', '1000', '--concurrency', '1', '--json'];
      const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, CI: '1' }, stdio: 'ignore' });
      const exited = new Promise<void>((ok) => child.on('exit', () => ok()));
      while (held < 0) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGKILL');
      await exited;
      release();
      const firstPart = kill.requests();
      expect(firstPart).toBe(25);
      const done = jsonOf(await mmrareAsync(args));
      expect(done.answered).toBe(rows.length);
      const answered = kill.log.filter((e) => e.status === 200 && e.n !== held);
      const perKey = new Map<string, number>();
      for (const e of answered) perKey.set(e.key, (perKey.get(e.key) ?? 0) + 1);
      expect([...perKey.values()].every((n) => n === 1)).toBe(true);
      // the whole evaluation, once: the held request was the only one sent twice
      expect(perKey.size).toBe(rows.length * 2 + 3);
      expect(kill.requests()).toBe(rows.length * 2 + 3 + 1);
      expect(done.calls.model.cached + done.calls.judge.cached).toBe(24);
      // the killed run is marked interrupted by the next start; the rerun is done
      const store = new Store(W, { readonly: true });
      const runs = store.db.prepare(`SELECT id, status FROM eval_runs WHERE model = 'kill-vlm' ORDER BY id`).all() as { id: number; status: string }[];
      store.close();
      expect(runs.map((r) => r.status)).toEqual(['interrupted', 'done']);
      expect(runs[1].id).toBe(done.run_id);
    } finally { release(); await kill.close(); }
  }, 120_000);
});

describe('image necessity, date split and mmrare report', () => {
  const OUT = join(work.dir, 'report');
  const CUTOFF = '2016-01-15';
  let report: any;

  beforeAll(async () => {
    jsonOf(await mmrareAsync(evalArgs(['--condition', 'text-only'])));
    const r = await mmrareAsync(['report', '--workdir', W, '--out', OUT, '--cutoff', CUTOFF, '--json']);
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(readFileSync(join(OUT, 'scores.json'), 'utf8'));
  }, 120_000);

  it('flags exactly the questions the model answers right without their images', () => {
    // the scripted model recognises a question without images only by its question and context text (loopback-model.ts)
    const unique = (r: Row) => rows.filter((x) => r.question.includes(x.question) && (!x.context || r.context.includes(x.context.trim()))).length === 1;
    const right = new Set<string>();
    byTrack('diagnosis').forEach((r, i) => { if (i % 3 !== 2) right.add(r.id); });
    byTrack('treatment').forEach((r, i) => { if (i % 2 === 0 || 1 / r.rubric_must_include.length >= 0.5) right.add(r.id); });
    byTrack('cross-image').forEach((r, i) => { if (i % 4 === 0 || i % 4 === 2) right.add(r.id); });
    byTrack('examination').forEach((r, i) => { if (i % 2 === 0) right.add(r.id); });
    const expected = rows.filter((r) => unique(r) && right.has(r.id)).map((r) => r.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(report.image_necessity.map((n: any) => n.question_id)).toEqual(expected);
    expect(new Set(report.image_necessity.map((n: any) => n.condition))).toEqual(new Set(['text-only']));
  });

  it('splits the scores at the cutoff by the articles\' publication dates', () => {
    const dateOf = (pmcid: string): string => {
      const m = /<pub-date pub-type="epub">\s*<day>(\d+)<\/day>\s*<month>(\d+)<\/month>\s*<year>(\d{4})<\/year>/.exec(readFileSync(caseReportPath(pmcid), 'utf8'))!;
      return `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
    };
    const base = report.runs.find((r: any) => r.run.model === 'scripted-vlm' && r.run.condition === 'baseline' && !r.run.differential && r.run.draft);
    expect(base.date_split.undated).toBe(0);
    for (const t of ['diagnosis', 'treatment', 'cross-image', 'examination']) {
      const before = byTrack(t).filter((r) => dateOf(r.pmcid) < CUTOFF).length;
      expect(base.date_split.before.find((x: any) => x.track === t)?.n ?? 0, t).toBe(before);
      expect(base.date_split.after.find((x: any) => x.track === t)?.n ?? 0, t).toBe(byTrack(t).length - before);
    }
    const dx = byTrack('diagnosis');
    const beforeDx = dx.map((r, i) => ({ r, i })).filter(({ r }) => dateOf(r.pmcid) < CUTOFF);
    if (beforeDx.length) near(base.date_split.before.find((x: any) => x.track === 'diagnosis').level1, beforeDx.filter(({ i }) => i % 3 !== 2).length / beforeDx.length);
  });

  it('scores.csv has a row per run, track and metric; the same store gives byte-identical files', async () => {
    const csv = readFileSync(join(OUT, 'scores.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run_id,model,condition,differential,draft,judge_model,track,level,metric,value,ci_low,ci_high,n');
    const hit = csv.find((l) => l.includes(',scripted-vlm,baseline,0,1,scripted-judge,diagnosis,1,orphanet_hit,'))!;
    expect(Number(hit.split(',')[9])).toBeCloseTo(metric(first, 'diagnosis', 'orphanet_hit').value, 6);
    const files = ['report.html', 'scores.csv', 'scores.json'].map((f) => readFileSync(join(OUT, f)));
    const r = await mmrareAsync(['report', '--workdir', W, '--out', OUT, '--cutoff', CUTOFF]);
    expect(r.code, r.stderr).toBe(0);
    ['report.html', 'scores.csv', 'scores.json'].forEach((f, k) => expect(readFileSync(join(OUT, f)).equals(files[k]), f).toBe(true));
  });

  it('opens in headless Chromium: tables and charts per track, no script, nothing external', async () => {
    const html = readFileSync(join(OUT, 'report.html'), 'utf8');
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(?!data:|#|audit\.html#)[^"]/);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(pathToFileURL(join(OUT, 'report.html')).href);
      for (const t of ['diagnosis', 'treatment', 'cross-image', 'examination']) {
        const section = page.locator(`#track-${t}`);
        await expect(section.count()).resolves.toBe(1);
      }
      expect(await page.locator('svg.chart').count()).toBe(4);
      expect(await page.locator('svg.chart rect').count()).toBeGreaterThan(8);
      // the diagnosis table: one row per run that has the track
      const dxRows = page.locator('#track-diagnosis ~ table').first().locator('tbody tr');
      expect(await dxRows.count()).toBe(report.runs.filter((r: any) => r.tracks.some((t: any) => t.track === 'diagnosis')).length);
      expect(report.runs.length).toBe(5);   // scripted-vlm: baseline drafts, baseline accepted, differential, text-only; kill-vlm: baseline
      const labels = await dxRows.locator('th').allTextContents();
      expect(labels).toContain('scripted-vlm · text-only · drafts');
      expect(labels).toContain('scripted-vlm · baseline · differential · drafts · diagnosis');
      expect(await page.locator('#image-necessity + p + table tbody tr').count()).toBe(report.image_necessity.length);
      expect(errors).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, 'evaluation-report.png'), fullPage: false });
      await page.locator('#track-cross-image').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, 'evaluation-report-cross-image.png'), fullPage: false });
    } finally { await browser.close(); }
  });
});

describe('a call that fails for good', () => {
  it('is recorded as failed (left out of the means, the run goes on) and retried by the next run', async () => {
    const ex = byTrack('examination');
    let broken = true;
    const flaky = await startLoopbackOpenAi({
      handler: (req, info) => {
        const text = JSON.stringify(req.messages);
        if (broken && req.model === 'flaky-vlm' && text.includes(JSON.stringify(ex[0].question).slice(1, -1))) return { status: 400, error: 'this request is refused' };
        return scripted.handler(req, info);
      },
    });
    try {
      const args = ['evaluate', '--workdir', W, '--model', 'flaky-vlm', '--endpoint', flaky.url, '--draft', '--tracks', 'examination', '--rps', '1000', '--json'];
      const r1 = await mmrareAsync(args);
      const a = jsonOf(r1);
      expect(r1.stderr).toContain(`${ex[0].id}: the model call failed`);
      expect(a).toMatchObject({ questions: ex.length, answered: ex.length - 1, failed: 1 });
      const t = a.scores.tracks.find((x: any) => x.track === 'examination');
      expect(t).toMatchObject({ questions: ex.length, answered: ex.length - 1, failed: 1 });
      // the failed question (index 0: all key tests named) is out of the mean
      near(metric(a, 'examination', 'key_test_recall').value, ex.filter((_, i) => i > 0 && i % 2 === 0).length / (ex.length - 1));
      broken = false;
      const before = flaky.requests();
      const b = jsonOf(await mmrareAsync(args));
      expect(b).toMatchObject({ answered: ex.length, failed: 0 });
      expect(flaky.requests() - before).toBe(1);   // only the failed one is asked again
    } finally { await flaky.close(); }
  });

  it('the report links the worst questions into DIR/audit.html when it is there', async () => {
    const OUT = join(work.dir, 'report-audit');
    mkdirSync(OUT, { recursive: true });
    // a model name with markup in it: the page must show it as text
    const planted = '<img src=x onerror="window.__p=1">';
    jsonOf(await mmrareAsync(['evaluate', '--workdir', W, '--model', planted, '--endpoint', server.url, '--draft', '--tracks', 'diagnosis', '--limit', '2', '--rps', '1000', '--json']));
    const audit = await mmrareAsync(['audit', '--workdir', W, '--html', join(OUT, 'audit.html')]);
    expect(audit.code, audit.stderr).toBe(0);
    const r = await mmrareAsync(['report', '--workdir', W, '--out', OUT]);
    expect(r.code, r.stderr).toBe(0);
    const data = JSON.parse(readFileSync(join(OUT, 'scores.json'), 'utf8'));
    expect(data.worst.length).toBeGreaterThan(0);
    const auditHtml = readFileSync(join(OUT, 'audit.html'), 'utf8');
    for (const w of data.worst) {
      expect(w.audit_link).toBe(`audit.html#${w.question_id}`);
      expect(w.audit).toMatch(new RegExp(`^mmrare audit --workdir \\S+ --question ${w.question_id}$`));
      expect(auditHtml).toContain(`id="${w.question_id}"`);
    }
    const html = readFileSync(join(OUT, 'report.html'), 'utf8');
    expect(html).toContain(`href="audit.html#${data.worst[0].question_id}"`);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.__p=1&quot;&gt;');
  });
});

describe('the request budget', () => {
  it('--rps bounds the request rate and --concurrency the requests in flight', async () => {
    const slow = await startLoopbackOpenAi({ handler: scripted.handler, latencyMs: 700 });   // slower than the spacing: 3 would overlap
    try {
      const r = jsonOf(await mmrareAsync(['evaluate', '--workdir', W, '--model', 'paced-vlm', '--endpoint', slow.url, '--draft', '--limit', '12', '--rps', '4', '--concurrency', '2', '--json']));
      expect(r.answered).toBe(12);
      expect(slow.requests()).toBe(12);
      // 4 rps (with the budget's safety margin: a start every 270 ms): 11 gaps take about 3 s; arrivals may bunch
      // by a few ms of socket and event-loop jitter, so a one-second window may hold one more than 4
      const t = slow.log.map((e) => e.t).sort((a, b) => a - b);
      expect(t[t.length - 1] - t[0]).toBeGreaterThan(11 * 250 * 0.9);
      expect(slow.maxInWindow(1000)).toBeLessThanOrEqual(5);
      expect(slow.maxInFlight()).toBeLessThanOrEqual(2);
      expect(slow.maxInFlight()).toBe(2);
    } finally { await slow.close(); }
  });
});

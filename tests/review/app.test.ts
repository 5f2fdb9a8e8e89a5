// Issue #12: the review app in real headless Chromium on a store built from the bundled sample corpus:
// accept, reject with a reason, an edit that leaks (refused) and one that does not (stored), the rows
// and the history in SQLite; XSS in case text, image paths, cross-origin writes, tokens, and two
// reviewers on one question.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { Store } from '../../db/store.ts';
import { reviewedQuestions } from '../../db/review-state.ts';
import type { FilteredQuestion } from '../../schemas/question.ts';
import { addReviewer } from '../../pipeline/review/store.ts';
import { launchBrowser, SCREENSHOTS } from '../browser.ts';
import { buildSampleStore, reviewCheck, startApp } from './helpers.ts';
import { readFinalJson } from '../../db/packed-json.ts';

let built: ReturnType<typeof buildSampleStore>;
let store: Store;
let app: Awaited<ReturnType<typeof startApp>>;
let browser: Browser;

beforeAll(async () => {
  built = buildSampleStore();
  store = new Store(built.workdir);
  app = await startApp(store);
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  store?.close();
  built?.cleanup();
});

interface ReviewRow { id: number; question_id: string; reviewer: string; verdict: string; reason_code: string | null; revision: number; base_revision: number; before_json: string; after_json: string; base_sha256: string; source: string; stale: number; created_at: string }
const reviewsOf = (id: string): ReviewRow[] => store.db.prepare('SELECT * FROM reviews WHERE question_id = ? ORDER BY id').all(id) as ReviewRow[];
const filtered = (id: string): FilteredQuestion => JSON.parse(readFinalJson(store.db, id)!); // packed columns: db/packed-json.ts

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(app.url);
  await page.waitForSelector('#list li');
  await page.waitForSelector('#detail .head');
  return page;
}
const currentId = (page: Page) => page.locator('#detail .head h2 code').textContent();
const toastText = async (page: Page, re: RegExp) => { await expect.poll(() => page.locator('#toast').textContent(), { timeout: 10_000 }).toMatch(re); };

describe('the review page', () => {
  it('shows a question, accepts one, rejects one with a reason, refuses a leaking edit and stores a clean one', async () => {
    const page = await openPage();
    // progress counts and the list: every filtered question, all pending
    const total = store.db.prepare('SELECT COUNT(*) FROM filtered_questions').pluck().get() as number;
    expect(await page.locator('#list li').count()).toBe(total);
    expect(await page.locator('#progress').textContent()).toContain(`0 / ${total} reviewed`);
    // the first question: masked spans shown as such, images with labels, answer, evidence, decisions, licence link
    const first = (await currentId(page))!;
    const f1 = filtered(first);
    if (f1.context.includes('[MASKED]')) expect(await page.locator('#detail .mask').count()).toBeGreaterThan(0);
    expect(await page.locator('#detail .images figure').count()).toBe(f1.draft.images.length);
    await expect.poll(() => page.locator('#detail .images img').first().evaluate((i: HTMLImageElement) => i.naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('#detail .images figcaption').first().textContent()).toContain('Image 1');
    expect(await page.locator('#detail .answer').textContent()).toBe(f1.draft.answer);
    expect(await page.locator(`#detail a[href^="https://pmc.ncbi.nlm.nih.gov/articles/${f1.draft.pmcid}/"]`).count()).toBeGreaterThan(0);
    const decisions = store.db.prepare('SELECT COUNT(*) FROM decisions WHERE question_id = ?').pluck().get(first) as number;
    expect(await page.locator('#detail section h3', { hasText: 'Leakage decisions' }).textContent()).toContain(`(${decisions})`);
    await page.screenshot({ path: join(SCREENSHOTS, 'review-question.png'), fullPage: false });
    // click to enlarge, Esc to close
    await page.locator('#detail .images img').first().click();
    await expect.poll(() => page.locator('#lightbox').isVisible()).toBe(true);
    expect(await page.locator('#lightbox-cap').textContent()).toContain('Image 1');
    await page.screenshot({ path: join(SCREENSHOTS, 'review-image.png'), fullPage: false });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#lightbox').isVisible()).toBe(false);
    // the rule filter: a reason code and a rule name both select the questions they touched
    const rule = store.db.prepare(`SELECT rule FROM decisions WHERE question_id IS NOT NULL AND stage = 'filter' GROUP BY rule ORDER BY COUNT(DISTINCT question_id) LIMIT 1`).pluck().get() as string;
    const touched = store.db.prepare('SELECT COUNT(DISTINCT question_id) FROM decisions WHERE rule = ? AND question_id IN (SELECT id FROM filtered_questions)').pluck().get(rule) as number;
    await page.selectOption('#f-rule', rule);
    expect(await page.locator('#list li').count()).toBe(touched);
    await page.selectOption('#f-rule', '');

    // a = accept
    await page.keyboard.press('a');
    await toastText(page, /saved: accept \(revision 1\)/);
    const acc = reviewsOf(first);
    expect(acc).toHaveLength(1);
    expect(acc[0]).toMatchObject({ reviewer: 'tester', verdict: 'accept', revision: 1, base_revision: 0, source: 'app', stale: 0, reason_code: null });
    expect(acc[0].after_json).toBe(acc[0].before_json);
    expect(JSON.parse(acc[0].before_json)).toEqual(f1);

    // j = next; reject needs a reason code
    await page.keyboard.press('j');
    await expect.poll(() => currentId(page)).not.toBe(first);
    const second = (await currentId(page))!;
    await page.keyboard.press('r');
    await toastText(page, /choose a reason code/);
    expect(reviewsOf(second)).toHaveLength(0);
    // the reason box has the focus now: pick a reason with the keyboard, write a note, reject
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('reason');
    await page.fill('#note', 'the case names another disease');
    await page.selectOption('#reason', 'answer_wrong');
    await page.focus('#reason');
    await page.keyboard.press('Enter');
    await toastText(page, /saved: reject/);
    expect(reviewsOf(second)).toEqual([expect.objectContaining({ verdict: 'reject', reason_code: 'answer_wrong', revision: 1, reviewer: 'tester' })]);

    // a diagnosis question with a context: an edit that writes the diagnosis into the context is refused
    const target = (store.db.prepare(`SELECT id FROM filtered_questions WHERE track = 'diagnosis' AND id NOT IN (?, ?) ORDER BY id`).pluck().all(first, second) as string[])
      .find((id) => filtered(id).context !== '')!;
    await page.fill('#f-disease', filtered(target).draft.orphaName);
    await page.locator(`#list li[data-id="${target}"]`).click();
    await expect.poll(() => currentId(page)).toBe(target);
    await page.locator('#detail').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('e');
    await page.waitForSelector('#e-context');
    const name = filtered(target).draft.orphaName;
    await page.fill('#e-context', `${filtered(target).context} The final diagnosis was ${name}.`);
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#findings table');
    expect(await page.locator('#findings').textContent()).toContain(name);
    await page.screenshot({ path: join(SCREENSHOTS, 'review-edit-refused.png'), fullPage: false });
    expect(reviewsOf(target)).toHaveLength(0);
    const refusals = store.db.prepare('SELECT findings_json FROM review_refusals WHERE question_id = ?').pluck().all(target) as string[];
    expect(refusals).toHaveLength(1);
    expect(JSON.parse(refusals[0]).some((x: { check: string }) => x.check === 'filter')).toBe(true);
    expect([...reviewedQuestions(store.db)].map((q) => q.id)).not.toContain(target);

    // a clean edit of the question's wording is stored as an accepted edit with before/after
    const newQuestion = `${filtered(target).question} Give the single most likely diagnosis.`;
    await page.fill('#e-context', filtered(target).context);
    await page.fill('#e-question', newQuestion);
    await page.keyboard.press('Control+Enter');
    await toastText(page, /saved: edit \(revision 1\)/);
    const ed = reviewsOf(target);
    expect(ed).toEqual([expect.objectContaining({ verdict: 'edit', revision: 1, base_revision: 0 })]);
    expect(JSON.parse(ed[0].before_json).question).toBe(filtered(target).question);
    expect(JSON.parse(ed[0].after_json).question).toBe(newQuestion);
    // filter's row is untouched; the contract returns the edit as the current row
    expect(filtered(target).question).not.toBe(newQuestion);
    const acceptedNow = [...reviewedQuestions(store.db)];
    expect(acceptedNow.map((q) => q.id).sort()).toEqual([first, target].sort());
    expect((acceptedNow.find((q) => q.id === target)!.row as unknown as FilteredQuestion).question).toBe(newQuestion);
    expect(await page.locator('#detail .head').textContent()).toContain('edited');

    // history is never overwritten: reject the edited question, then accept it again
    await page.selectOption('#reason', 'context_insufficient');
    await page.click('#act-reject');
    await toastText(page, /saved: reject \(revision 2\)/);
    await page.locator('#detail').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('a');
    await toastText(page, /saved: accept \(revision 3\)/);
    expect(reviewsOf(target).map((r) => [r.revision, r.verdict])).toEqual([[1, 'edit'], [2, 'reject'], [3, 'accept']]);
    expect(JSON.parse(reviewsOf(target)[2].after_json).question).toBe(newQuestion); // the edit stays the content
    expect(await page.locator('#detail section h3', { hasText: 'History' }).textContent()).toContain('(3)');
    await page.screenshot({ path: join(SCREENSHOTS, 'review-history.png'), fullPage: true });

    // filters: status and progress
    await page.fill('#f-disease', '');
    await page.selectOption('#f-status', 'accepted');
    expect(await page.locator('#list li').count()).toBe(2);
    expect(await page.locator('#progress').textContent()).toContain(`3 / ${total} reviewed · 2 accepted · 1 rejected`);
    // the cases align holds for a diagnosis decision, with their candidates
    await page.click('#tab-alignment');
    const held = store.db.prepare(`SELECT COUNT(*) FROM case_diagnoses WHERE status = 'needs_review'`).pluck().get() as number;
    await expect.poll(() => page.locator('#alignment section.case').count()).toBe(held);
    await page.screenshot({ path: join(SCREENSHOTS, 'review-alignment.png'), fullPage: false });
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('the edit check catches each track\'s own leaks (drug, key test, caption, ORPHA code)', () => {
    const check = reviewCheck(store);
    const last = (track: string) => filtered(store.db.prepare('SELECT id FROM filtered_questions WHERE track = ? ORDER BY id DESC LIMIT 1').pluck().get(track) as string);
    const tx = last('treatment');
    const drug = tx.draft.track === 'treatment' ? tx.draft.mustInclude.find((i) => i.kind !== 'follow_up')!.name : '';
    tx.context = `${tx.context} She was then given ${drug}.`;
    const ex = last('examination');
    const test = ex.draft.track === 'examination' ? ex.draft.keyTests[0].name : '';
    ex.question = `${ex.question} Note: a ${test} was planned.`;
    const xi = last('cross-image');
    const caption = store.db.prepare('SELECT caption FROM figures WHERE pmcid = ? AND figure_id = ?').pluck().get(xi.draft.pmcid, xi.draft.images[0].figureId) as string;
    xi.context = `${xi.context} ${caption}`;
    const dx = last('diagnosis');
    dx.context = `${dx.context} (ORPHA:${dx.draft.orphaCode})`;
    for (const [what, row, needle] of [['drug', tx, drug], ['key test', ex, test], ['caption', xi, ''], ['code', dx, dx.draft.orphaCode]] as const) {
      const f = check(row);
      expect(f.length, what).toBeGreaterThan(0);
      if (needle) expect(f.map((x) => x.text).join(' | ').toLowerCase(), what).toContain(needle.toLowerCase().split(' ')[0]);
    }
  });

  it('every stored question passes the edit check unchanged (no false refusals)', () => {
    const check = reviewCheck(store);
    const rows = (store.db.prepare('SELECT id FROM filtered_questions ORDER BY id').pluck().all() as string[]).map((id) => ({ id, final_json: readFinalJson(store.db, id)! }));
    const refused = rows.map((r) => ({ id: r.id, f: check(JSON.parse(r.final_json)) })).filter((x) => x.f.length);
    expect(refused).toEqual([]);
  });
});

function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; type: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: app.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}

describe('security', () => {
  it('case text with an XSS payload is shown as text, never run', async () => {
    const id = store.db.prepare(`SELECT id FROM filtered_questions WHERE track = 'treatment' ORDER BY id LIMIT 1`).pluck().get() as string;
    const f = filtered(id);
    const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    f.context = `${payload} ${f.context}`;
    f.question = `<b onmouseover="window.__xss=3">${f.question}</b>`;
    f.draft.answer = `<svg onload="window.__xss=4"></svg>${f.draft.answer}`;
    store.db.prepare('UPDATE filtered_questions SET final_json = ? WHERE id = ?').run(JSON.stringify(f), id);
    const page = await openPage();
    await page.locator(`#list li[data-id="${id}"]`).click();
    await expect.poll(() => currentId(page)).toBe(id);
    const text = await page.locator('#detail').textContent();
    expect(text).toContain(payload);
    expect(text).toContain('<svg onload=');
    expect(await page.locator('#detail script, #detail img[src="x"], #detail svg, #detail b[onmouseover]').count()).toBe(0);
    await page.locator('#detail section').nth(0).hover();
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.screenshot({ path: join(SCREENSHOTS, 'review-xss.png'), fullPage: false });
    await page.close();
  }, 60_000);

  it('images are served by the sha256 of a stored image only: no ../ and no absolute paths', async () => {
    const sha = store.db.prepare('SELECT norm_sha256 FROM images LIMIT 1').pluck().get() as string;
    const ok = await raw(`/blob/${sha}`);
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^image\//);
    const xml = store.db.prepare('SELECT xml_sha256 FROM articles LIMIT 1').pluck().get() as string;
    expect((await raw(`/blob/${xml}`)).status).toBe(404); // a stored blob, but not an image
    for (const p of ['/blob/../../../../etc/passwd', '/blob/..%2f..%2f..%2fetc%2fpasswd', '/blob//etc/passwd', '/blob/%2Fetc%2Fpasswd',
      `/blob/${sha}/../../mmrare.db`, `/blob/../mmrare.db`, '/../../etc/passwd', '/blob/' + built.workdir + '/mmrare.db', `/blob/${sha.toUpperCase()}`]) {
      const r = await raw(p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.body, p).not.toMatch(/root:|SQLite format/);
    }
    // the page itself carries a strict CSP
    const page = await raw('/');
    expect(page.status).toBe(200);
    const csp = await new Promise<string>((res) => request({ host: '127.0.0.1', port: app.port, path: '/' }, (r) => { res(String(r.headers['content-security-policy'])); r.resume(); }).end());
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
  });

  it('a write from another origin or to another Host is refused; nothing is stored', async () => {
    const id = store.db.prepare(`SELECT id FROM filtered_questions WHERE track = 'examination' ORDER BY id LIMIT 1`).pluck().get() as string;
    const body = JSON.stringify({ verdict: 'accept', revision: 0 });
    const host = `127.0.0.1:${app.port}`;
    const cases: [string, Record<string, string>][] = [
      ['no Origin', { Host: host, 'Content-Type': 'application/json' }],
      ['another Origin', { Host: host, Origin: 'http://evil.example', 'Content-Type': 'application/json' }],
      ['another Host (DNS rebinding)', { Host: `evil.example:${app.port}`, Origin: `http://evil.example:${app.port}`, 'Content-Type': 'application/json' }],
      ['a form post', { Host: host, Origin: `http://${host}`, 'Content-Type': 'application/x-www-form-urlencoded' }],
    ];
    for (const [what, headers] of cases) {
      const r = await raw(`/api/questions/${id}/review`, { method: 'POST', headers, body });
      expect(r.status, what).toBeGreaterThanOrEqual(400);
    }
    expect((await raw('/api/questions', { headers: { Host: `evil.example:${app.port}` } })).status).toBe(403);
    expect(reviewsOf(id)).toHaveLength(0);
    // the same request from the page's origin is stored
    const good = await raw(`/api/questions/${id}/review`, { method: 'POST', headers: { Host: host, Origin: `http://${host}`, 'Content-Type': 'application/json' }, body });
    expect(good.status, good.body).toBe(200);
    expect(reviewsOf(id)).toHaveLength(1);
  });

  it('off loopback every request needs a reviewer token; two reviewers on one question: the second gets 409, the first\'s work survives', async () => {
    const served = await startApp(store, { host: '0.0.0.0' }); // tokens required (it listens on loopback for the test)
    try {
      const alice = addReviewer(store.db, 'alice');
      const bob = addReviewer(store.db, 'bob');
      expect(store.db.prepare('SELECT token_sha256 FROM reviewers WHERE name = ?').pluck().get('alice')).not.toContain(alice);
      const origin = `http://127.0.0.1:${served.port}`;
      const call = (path: string, token: string | null, body?: unknown) => fetch(`${origin}${path}`, {
        method: body ? 'POST' : 'GET', headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json', Origin: origin } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect((await call('/api/questions', null)).status).toBe(401);
      expect((await call('/api/questions', 'wrong-token')).status).toBe(401);
      const sha = store.db.prepare('SELECT norm_sha256 FROM images LIMIT 1').pluck().get() as string;
      expect((await call(`/blob/${sha}`, null)).status).toBe(401);
      expect((await call('/api/meta', alice)).status).toBe(200);
      const page = await browser.newPage();
      await page.goto(`${origin}/`);
      await page.waitForSelector('#login:not([hidden])');
      await page.fill('#token', bob);
      await page.click('#login-go');
      await expect.poll(() => page.locator('#who').textContent()).toBe('reviewer: bob');
      await page.close();

      const id = store.db.prepare(`SELECT id FROM filtered_questions WHERE track = 'cross-image' ORDER BY id LIMIT 1`).pluck().get() as string;
      const seen = await (await call(`/api/questions/${id}`, alice)).json() as { revision: number; question: string };
      const seenByBob = await (await call(`/api/questions/${id}`, bob)).json() as { revision: number };
      expect(seenByBob.revision).toBe(seen.revision);
      const aliceQ = `${seen.question} Describe each image first.`;
      const a = await call(`/api/questions/${id}/review`, alice, { verdict: 'edit', revision: seen.revision, edits: { question: aliceQ } });
      expect(a.status).toBe(200);
      const b = await call(`/api/questions/${id}/review`, bob, { verdict: 'reject', reason: 'other', revision: seenByBob.revision });
      expect(b.status).toBe(409);
      const conflict = await b.json() as { current: { revision: number; question: string; history: { reviewer: string }[] } };
      expect(conflict.current.revision).toBe(seen.revision + 1);
      expect(conflict.current.question).toBe(aliceQ);
      expect(conflict.current.history.map((h) => h.reviewer)).toEqual(['alice']);
      const rows = reviewsOf(id);
      expect(rows).toEqual([expect.objectContaining({ reviewer: 'alice', verdict: 'edit', revision: seen.revision + 1 })]);
      // bob, now on the current revision, can review
      const b2 = await call(`/api/questions/${id}/review`, bob, { verdict: 'accept', revision: conflict.current.revision });
      expect(b2.status).toBe(200);
      expect(reviewsOf(id).map((r) => [r.reviewer, r.verdict, r.revision])).toEqual([['alice', 'edit', 1], ['bob', 'accept', 2]]);
      expect(JSON.parse(reviewsOf(id)[1].after_json).question).toBe(aliceQ);
    } finally { await served.close(); }
  }, 60_000);

  it('two reviewers in two browsers edit one question: the second gets the conflict and the current state, the first\'s edit stays', async () => {
    const served = await startApp(store, { host: '0.0.0.0' });
    try {
      const tokens = { ann: addReviewer(store.db, 'ann'), ben: addReviewer(store.db, 'ben') };
      const id = store.db.prepare(`SELECT id FROM filtered_questions WHERE track = 'treatment' AND id NOT IN (SELECT question_id FROM reviews) ORDER BY id DESC LIMIT 1`).pluck().get() as string;
      const signIn = async (who: 'ann' | 'ben') => {
        const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
        const page = await ctx.newPage();
        await page.goto(`http://127.0.0.1:${served.port}/`);
        await page.fill('#token', tokens[who]);
        await page.click('#login-go');
        await page.waitForSelector('#list li');
        await page.locator(`#list li[data-id="${id}"]`).click();
        await expect.poll(() => currentId(page)).toBe(id);
        return page;
      };
      const ann = await signIn('ann');
      const ben = await signIn('ben');
      // both start editing revision 0; ann saves first
      for (const p of [ann, ben]) { await p.locator('#detail').click({ position: { x: 5, y: 5 } }); await p.keyboard.press('e'); await p.waitForSelector('#e-question'); }
      const q0 = filtered(id).question;
      await ann.fill('#e-question', `${q0} List the drugs first.`);
      await ann.keyboard.press('Control+Enter');
      await toastText(ann, /saved: edit \(revision 1\)/);
      await ben.fill('#e-question', `${q0} Keep it short.`);
      await ben.keyboard.press('Control+Enter');
      await toastText(ben, /not the current one/);
      // ben now sees the current state: ann's edit, revision 1, ann in the history
      expect(await ben.locator('#detail .head').textContent()).toContain('revision 1');
      expect(await ben.locator('#detail section').first().textContent()).toContain('List the drugs first.');
      expect(await ben.locator('#detail section h3', { hasText: 'History' }).locator('..').textContent()).toContain('ann');
      // ben's own edit is kept in the form, now based on the current revision
      expect(await ben.inputValue('#e-question')).toBe(`${q0} Keep it short.`);
      expect(await ben.locator('#findings').textContent()).toContain('Your edit is kept here');
      await ben.screenshot({ path: join(SCREENSHOTS, 'review-conflict.png'), fullPage: false });
      const rows = reviewsOf(id);
      expect(rows.map((r) => [r.reviewer, r.verdict, r.revision])).toEqual([['ann', 'edit', 1]]);
      expect(JSON.parse(rows[0].after_json).question).toBe(`${q0} List the drugs first.`);
      // ben decides to keep his wording (on top of ann's edit): saved as revision 2, ann's row untouched
      await ben.keyboard.press('Control+Enter');
      await toastText(ben, /saved: edit \(revision 2\)/);
      expect(reviewsOf(id).map((r) => [r.reviewer, r.verdict, r.revision, r.base_revision])).toEqual([['ann', 'edit', 1, 0], ['ben', 'edit', 2, 1]]);
      expect(JSON.parse(reviewsOf(id)[1].before_json).question).toBe(`${q0} List the drugs first.`);
      expect(JSON.parse(reviewsOf(id)[0].after_json).question).toBe(`${q0} List the drugs first.`);
      await ann.context().close();
      await ben.context().close();
    } finally { await served.close(); }
  }, 90_000);
});

// `mmrare add`: a build of 47 bundled case reports, some questions reviewed, then the 48th added from
// its own folder (existing filtered rows byte-identical, reviews and decisions intact), then a newer
// version of a reviewed article (its reviews become stale, never deleted, and need a re-review).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Store } from '../../db/store.ts';
import { reviewStatuses } from '../../db/review-state.ts';
import { submitReview } from '../../pipeline/review/store.ts';
import { questionList } from '../../pipeline/review/detail.ts';
import { cli, sampleCorpus, tempDir } from '../helpers.ts';
import { reviewCheck, startApp } from './helpers.ts';
import { launchBrowser, SCREENSHOTS } from '../browser.ts';
import { readDraftJson, readFinalJson } from '../../db/packed-json.ts';

const LATER = 'PMC6358579'; // the bundled case report with the highest PMCID: added later
const work = tempDir('mmrare-add-');
const W = join(work.dir, 'w');
let corpus: string;

/** A folder in the bucket layout with some of the sample corpus's articles. */
function layout(name: string, pmcids: (p: string) => boolean): string {
  const dir = join(work.dir, name);
  mkdirSync(join(dir, 'metadata'), { recursive: true });
  for (const e of readdirSync(corpus).filter((n) => /^PMC\d+\.\d+$/.test(n) && pmcids(n.split('.')[0]))) {
    cpSync(join(corpus, e), join(dir, e), { recursive: true });
    cpSync(join(corpus, 'metadata', `${e}.json`), join(dir, 'metadata', `${e}.json`));
  }
  return dir;
}

const withStore = <T>(fn: (s: Store) => T): T => { const s = new Store(W); try { return fn(s); } finally { s.close(); } };
const snapshot = () => withStore((s) => ({
  filtered: new Map((s.db.prepare('SELECT id FROM filtered_questions').pluck().all() as string[]).map((id) => [id, readFinalJson(s.db, id)])),
  reviews: s.db.prepare('SELECT * FROM reviews ORDER BY id').all() as Record<string, unknown>[],
  decisions: s.db.prepare(`SELECT * FROM decisions WHERE stage != 'export' ORDER BY id`).all() as Record<string, unknown>[],
  questions: new Map((s.db.prepare('SELECT id FROM questions').pluck().all() as string[]).map((id) => [id, readDraftJson(s.db, id)])),
}));

let reviewed: { target: string[]; other: string[] };

beforeAll(async () => {
  corpus = await sampleCorpus();
  const first = cli(['run', '--workdir', W, '--from-dir', layout('first', (p) => p !== LATER)]);
  expect(first.code, first.stderr).toBe(0);
  // reviews through the app's code path: two questions of one article, one of another
  reviewed = withStore((s) => {
    const check = reviewCheck(s);
    const byArticle = s.db.prepare('SELECT pmcid, GROUP_CONCAT(id) AS ids FROM filtered_questions GROUP BY pmcid HAVING COUNT(*) >= 2 ORDER BY pmcid').all() as { pmcid: string; ids: string }[];
    const target = byArticle[0].ids.split(',').sort().slice(0, 2);
    const other = [byArticle[1].ids.split(',').sort()[0]];
    const review = (id: string, verdict: 'accept' | 'reject') => {
      const r = submitReview(s.db, { questionId: id, verdict, reasonCode: verdict === 'reject' ? 'duplicate' : null, reviewer: 'ann', baseRevision: 0, source: 'app', at: '2026-02-01T00:00:00.000Z' }, check);
      expect(r.kind).toBe('stored');
    };
    review(target[0], 'accept'); review(target[1], 'reject'); review(other[0], 'accept');
    return { target, other };
  });
}, 300_000);
afterAll(() => work.cleanup());

describe('mmrare add', () => {
  it('adds one more article: existing filtered rows byte-identical, reviews and decisions intact', () => {
    const before = snapshot();
    const r = cli(['add', '--workdir', W, '--from-dir', layout('later', (p) => p === LATER), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.added.new_articles).toEqual([LATER]);
    expect(out.added.new_versions).toEqual([]);
    expect(out.added.reviews_marked_stale).toBe(0);
    expect(out.stages.find((s: { stage: string }) => s.stage === 'fetch')).toMatchObject({ seen: 1, new: 1 });
    const after = snapshot();
    expect(after.filtered.size).toBeGreaterThan(before.filtered.size);
    expect([...after.filtered.keys()].filter((id) => !before.filtered.has(id)).every((id) => id.includes(`-${LATER}-`))).toBe(true);
    for (const [id, json] of before.filtered) expect(after.filtered.get(id), id).toBe(json);
    for (const [id, json] of before.questions) expect(after.questions.get(id), id).toBe(json);
    expect(after.reviews).toEqual(before.reviews);
    expect(after.decisions.slice(0, before.decisions.length)).toEqual(before.decisions);
    expect(after.decisions.slice(before.decisions.length).every((d) => d.pmcid === LATER || String(d.item_key).startsWith(LATER) || String(d.question_id ?? '').includes(LATER))).toBe(true);
    // adding the same folder again does nothing
    const again = JSON.parse(cli(['add', '--workdir', W, '--from-dir', join(work.dir, 'later'), '--json']).stdout);
    expect(again.added.new_articles).toEqual([]);
    expect(again.stages.every((s: { new: number }) => s.new === 0)).toBe(true);
  }, 200_000);

  it('a newer version of a reviewed article: its reviews become stale (kept) and need a re-review', async () => {
    const pmcid = reviewed.target[0].split('-')[1];
    const dir = join(work.dir, 'v2');
    mkdirSync(join(dir, 'metadata'), { recursive: true });
    const v1 = join(corpus, `${pmcid}.1`);
    const v2 = join(dir, `${pmcid}.2`);
    cpSync(v1, v2, { recursive: true });
    // the new version: the same article with a revision note in the XML
    const xml = readFileSync(join(v1, `${pmcid}.1.xml`), 'utf8').replace(/(<\?xml[^>]*\?>)?/, (m) => `${m}<!-- revised version 2 -->`);
    writeFileSync(join(v2, `${pmcid}.2.xml`), xml);
    rmSync(join(v2, `${pmcid}.1.xml`));
    const meta = JSON.parse(readFileSync(join(corpus, 'metadata', `${pmcid}.1.json`), 'utf8'));
    meta.version = 2;
    meta.xml_url = `s3://pmc-oa-opendata/${pmcid}.2/${pmcid}.2.xml?md5=${createHash('md5').update(xml).digest('hex')}`;
    meta.media_urls = meta.media_urls.map((u: string) => u.replace(`/${pmcid}.1/`, `/${pmcid}.2/`));
    writeFileSync(join(dir, 'metadata', `${pmcid}.2.json`), JSON.stringify(meta, null, 2));

    const before = snapshot();
    const r = cli(['add', '--workdir', W, '--from-dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.added.new_versions).toEqual([{ pmcid, from: 1, to: 2 }]);
    expect(out.added.reviews_marked_stale).toBe(2);
    const after = snapshot();
    // nothing deleted: the same review rows, the article's now stale with the reason
    expect(after.reviews.map((x) => x.id)).toEqual(before.reviews.map((x) => x.id));
    for (const x of after.reviews) {
      const mine = reviewed.target.includes(String(x.question_id));
      expect(x.stale, String(x.question_id)).toBe(mine ? 1 : 0);
      expect(x.stale_reason).toBe(mine ? 'article_new_version' : null);
      const { stale: _s, stale_reason: _r, ...rest } = x;
      const { stale: _s2, stale_reason: _r2, ...was } = before.reviews.find((b) => b.id === x.id)!;
      expect(rest).toEqual(was);
    }
    withStore((s) => {
      const st = reviewStatuses(s.db);
      for (const id of reviewed.target) expect(st.has(id), id).toBe(false);
      expect(st.get(reviewed.other[0])).toBe('accepted');
      const list = questionList(s.db);
      expect(list.questions.filter((q) => q.rereview).map((q) => q.id).sort()).toEqual([...reviewed.target].sort());
      expect(list.counts.needs_rereview).toBe(2);
    });
    // other articles' rows are untouched
    for (const [id, json] of before.filtered) if (!id.includes(`-${pmcid}-`)) expect(after.filtered.get(id), id).toBe(json);
    // the app: the two questions show as needing re-review, with why
    const store = new Store(W);
    const app = await startApp(store);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(app.url);
      await page.waitForSelector('#list li');
      await page.selectOption('#f-status', 'rereview');
      expect(await page.locator('#list li').count()).toBe(2);
      expect(await page.locator('#progress').textContent()).toContain('2 need re-review');
      await page.locator('#list li').first().click();
      await expect.poll(() => page.locator('#detail .head').textContent()).toContain('needs re-review: the article has a newer version since its review');
      await page.screenshot({ path: join(SCREENSHOTS, 'review-rereview.png') });
    } finally { await browser.close(); await app.close(); store.close(); }
    const status = cli(['status', '--workdir', W]);
    expect(status.stdout).toMatch(/reviews: {2}1 accepted, 0 rejected, \d+ pending of \d+; 2 need re-review/);
    expect(JSON.parse(cli(['status', '--workdir', W, '--json']).stdout).reviews).toMatchObject({ accepted: 1, needs_rereview: 2 });
  }, 200_000);

  it('refuses a config that would rebuild the store, and a missing source', () => {
    const cfg = join(work.dir, 'other.json');
    writeFileSync(cfg, JSON.stringify({ filter: { maxMaskedFraction: 0.3 } }));
    const r = cli(['add', '--workdir', W, '--from-dir', join(work.dir, 'later'), '--config', cfg]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('the config differs');
    expect(cli(['add', '--workdir', W]).code).toBe(3);
    expect(cli(['add', '--workdir', W, '--query', 'x']).stderr).toContain('--since');
    expect(cli(['add', '--workdir', join(work.dir, 'none'), '--from-dir', join(work.dir, 'later')]).code).toBe(3);
  }, 60_000);
});

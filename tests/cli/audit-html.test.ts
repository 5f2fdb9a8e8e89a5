// `mmrare audit --html OUT` (issue #10 item 6) opened in headless Chromium as a reviewer would: the masked
// span is highlighted in its context, the images are on the page, the answer comes with its evidence,
// the filters work, and markup planted in the case text stays inert text. Screenshots land in
// .scratch/screenshots/ for a person to look at.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchBrowser, SCREENSHOTS } from '../browser.ts';
import { tempDir } from '../helpers.ts';
import { mmrare, smallLayout } from './helpers.ts';

const PLANTED_SCRIPT = '<script>window.__planted=1</script>';
const PLANTED_IMG = '<img src=x onerror="window.__planted=2">';
// as JATS text (escaped in the XML, so the case text itself holds the markup characters)
const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const work = tempDir('mmrare-cli-html-');
const W = join(work.dir, 'w');
const OUT = join(work.dir, 'report', 'audit.html'); // a folder not made yet: --html makes it
let browser: Browser;
let report: { questions: number; images: number; masks: number };

beforeAll(async () => {
  const src = await smallLayout(join(work.dir, 'src'), ['PMC4735918', 'PMC4738710', 'PMC4745306'], (id, xml) => (id === 'PMC4738710'
    ? xml.replace('A 40-year-old female patient reported', `Planted ${xmlEscape(PLANTED_SCRIPT)} and ${xmlEscape(PLANTED_IMG)} text. A 40-year-old female patient reported`)
    : xml));
  // the diagnosis track only: the counts below are about its questions (the other tracks render the same way)
  const config = join(work.dir, 'diagnosis-only.json');
  writeFileSync(config, JSON.stringify({ generate: { tracks: ['diagnosis'] } }));
  const run = mmrare(['run', '--workdir', W, '--from-dir', src, '--config', config]);
  expect(run.code, run.stderr).toBe(0);
  const r = mmrare(['audit', '--workdir', W, '--html', OUT, '--json', '--config', config]);
  expect(r.code, r.stderr).toBe(0);
  report = JSON.parse(r.stdout);
  browser = await launchBrowser();
}, 240_000);
afterAll(async () => { await browser?.close(); work.cleanup(); });

describe('audit --html', () => {
  it('is one self-contained file: no external reference, images as data URLs, case text escaped', () => {
    const html = readFileSync(OUT, 'utf8');
    expect(report.questions).toBe(2);
    expect(html).not.toMatch(/(src|href)="(?!data:|#)[^"]/);
    expect(html).not.toContain(PLANTED_SCRIPT);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(xmlEscape(PLANTED_SCRIPT).replace(/&quot;/g, '&quot;'));
    expect((html.match(/<script>/g) ?? [])).toHaveLength(1); // ours, at the end
  });

  it('in Chromium: highlighted masks, images, answer with evidence, filters, and the planted markup inert', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(OUT).href);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-html-page.png'), fullPage: false });

    // the planted markup did not run and made no element: it is text in the case's context
    expect(await page.evaluate(() => (window as unknown as { __planted?: number }).__planted)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('img:not([src^="data:"])').count()).toBe(0);
    const planted = page.locator('section.q', { hasText: 'PMC4738710' }).locator('.field p.text').nth(1);
    expect(await planted.innerText()).toContain(`Planted ${PLANTED_SCRIPT} and ${PLANTED_IMG} text.`);

    // the masked span is highlighted inside its context, with its rule in the title
    const mark = page.locator('mark.mask');
    expect(await mark.count()).toBe(report.masks);
    expect(report.masks).toBeGreaterThan(0);
    expect(await mark.first().innerText()).toBe('CS');
    expect(await mark.first().getAttribute('title')).toMatch(/leak_parent_group_in_context \(filter\.leak\.parent\)/);
    const bg = await mark.first().evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(bg).not.toBe('rgba(0, 0, 0, 0)');

    // the images are on the page and decoded
    const imgs = page.locator('figure.img img');
    expect(await imgs.count()).toBe(report.images);
    expect(report.images).toBeGreaterThan(0);
    for (const w of await imgs.evaluateAll((els) => els.map((e) => (e as HTMLImageElement).naturalWidth))) expect(w).toBeGreaterThan(0);

    // the answer with the evidence it was chosen on
    const card = page.locator('section.q', { hasText: 'PMC4745306' });
    expect(await card.locator('.answer').innerText()).toMatch(/answer: .*ORPHA:\d+/s);
    expect(await card.locator('.evidence li').count()).toBeGreaterThan(0);
    await card.screenshot({ path: join(SCREENSHOTS, 'audit-html-masked-question.png') });

    // filters: a rule shows only the questions it touched; a track shows that track
    await page.selectOption('#f-rule', 'leak_parent_group_in_context');
    expect(await page.locator('section.q:visible').count()).toBe(1);
    expect(await page.locator('section.q:visible').getAttribute('id')).toMatch(/^dx-PMC4745306-/);
    await page.selectOption('#f-rule', 'diagnosis_no_match');
    expect(await page.locator('section.q:visible').count()).toBe(0);
    expect(await page.locator('tr.hit').count()).toBeGreaterThan(0); // the article that yielded no question
    await page.selectOption('#f-rule', '');
    await page.selectOption('#f-track', 'diagnosis');
    expect(await page.locator('section.q:visible').count()).toBe(2);
    expect(await page.locator('#count').innerText()).toBe('2 questions shown');
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-html-filtered.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

import { sharedSlice } from '../shared-data.ts';
// The local-folder source and the fetch stage's checks, on a copy of a real article whose
// metadata the tests alter: every exclusion is a decision with its reason code.
import { describe, it, expect, afterEach } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync, rmSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { runStage } from '../../pipeline/runner/runner.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import { createDirSource } from '../../pipeline/fetch/dir-source.ts';
import { createFetchStage } from '../../pipeline/fetch/stage.ts';
import { admitArticle } from '../../pipeline/fetch/policy.ts';
import { licenceCodeFromJats, normaliseLicenceCode } from '../../pipeline/core/licence.ts';
import { isSafeMediaName } from '../../pipeline/core/media-name.ts';
import { sampleCorpus, tempDir } from '../helpers.ts';

const SAMPLES = await sampleCorpus(); // ../shared/data/pmc/articles in the bucket layout

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });

const REAL = ['PMC4738710', 'PMC4739215', 'PMC6358576'];

/** A bucket folder holding copies of real articles, each metadata JSON edited by `edit`. */
function bucket(edit: Record<string, (m: Record<string, any>) => void> = {}): string {
  const t = tempDir(); cleanups.push(t.cleanup);
  mkdirSync(join(t.dir, 'metadata'));
  for (const id of REAL) {
    cpSync(join(SAMPLES, `${id}.1`), join(t.dir, `${id}.1`), { recursive: true });
    const meta = JSON.parse(readFileSync(join(SAMPLES, 'metadata', `${id}.1.json`), 'utf8'));
    edit[id]?.(meta);
    writeFileSync(join(t.dir, 'metadata', `${id}.1.json`), JSON.stringify(meta));
  }
  return t.dir;
}

async function fetchAll(dir: string, config = parseConfig({}), opts: { maxMediaBytes?: number } = {}) {
  const t = tempDir(); cleanups.push(t.cleanup);
  const store = new Store(t.dir);
  cleanups.unshift(() => store.close());
  const runId = Number(store.db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json) VALUES ('t', 'now', '{}', 'h', '{}')`).run().lastInsertRowid);
  const ctx = { store, config, runId, log: silentLogger };
  const counts = await runStage(createFetchStage(createDirSource(dir, opts)), ctx);
  const decisions = store.db.prepare('SELECT item_key, action, reason_code, rule, detail_json FROM decisions ORDER BY item_key, id').all() as
    { item_key: string; action: string; reason_code: string; rule: string; detail_json: string }[];
  return { store, counts, decisions, ctx };
}

describe('licence policy (pure)', () => {
  it('normalises the licence spellings seen in metadata and JATS', () => {
    expect(normaliseLicenceCode('cc by-nc')).toBe('CC BY-NC');
    expect(normaliseLicenceCode('CC-BY 4.0')).toBe('CC BY');
    expect(normaliseLicenceCode('CC BY-NC-SA 3.0')).toBe('CC BY-NC-SA');
    expect(licenceCodeFromJats(null, sharedSlice('pmc/articles/PMC4735894.nxml', 2943, 3064))).toBe('CC BY');
    expect(licenceCodeFromJats(sharedSlice('pmc/articles/PMC6358576.nxml', 3812, 3861), '')).toBe('CC BY-NC-ND');
    expect(licenceCodeFromJats(null, sharedSlice('pmc/articles/PMC6358576.nxml', 3580, 3679))).toBe('CC BY-NC-ND');
    expect(licenceCodeFromJats(null, 'All rights reserved.')).toBeNull();
  });

  it('the commercial-safe preset excludes NC licences', () => {
    const meta = JSON.parse(readFileSync(join(SAMPLES, 'metadata', 'PMC6358576.1.json'), 'utf8'));
    expect(admitArticle(meta, ['CC0', 'CC BY'])?.reason).toBe('licence_not_allowed');
    expect(admitArticle(meta, ['CC BY-NC-ND'])).toBeNull();
  });

  it('rejects unsafe media names', () => {
    for (const bad of ['../etc/passwd', '/abs.jpg', 'a/../../b.jpg', 'a\\b.jpg', '..', 'x\u0000.jpg', 'C:evil.png', '', '%2e%2e%2fx.png', '\uff0e\uff0e\uff0fx.png']) expect(isSafeMediaName(bad), bad).toBe(false);
    for (const ok of ['CRIC2016-3545480.001.png', 'fig 1.jpg', 'a..b.tif', 'media/fig1.png']) expect(isSafeMediaName(ok), ok).toBe(true);
  });
});

describe('fetch from a folder in the bucket layout', () => {
  it('stores articles, media and blobs; a second pass is skipped', async () => {
    const dir = bucket();
    const { store, counts, ctx } = await fetchAll(dir);
    expect(counts).toMatchObject({ seen: 3, kept: 3 });
    expect(store.db.prepare('SELECT COUNT(*) FROM articles').pluck().get()).toBe(3);
    const art = store.db.prepare(`SELECT license_code, xml_sha256 FROM articles WHERE pmcid = 'PMC6358576'`).get() as { license_code: string; xml_sha256: string };
    expect(art.license_code).toBe('CC BY-NC-ND');
    // the blob on disk is the verbatim JATS
    expect(store.readBlob(art.xml_sha256).equals(readFileSync(join(dir, 'PMC6358576.1', 'PMC6358576.1.xml')))).toBe(true);
    expect(store.db.prepare(`SELECT COUNT(*) FROM media WHERE placeholder = 1`).pluck().get()).toBeGreaterThan(0);
    const again = await runStage(createFetchStage(createDirSource(dir)), ctx);
    expect(again).toMatchObject({ new: 0, skipped: 3 });
  });

  it('excludes retracted, non-OA, manuscript and disallowed-licence articles with reason codes', async () => {
    const dir = bucket({
      PMC4738710: (m) => { m.is_retracted = true; },
      PMC4739215: (m) => { m.is_manuscript = true; },
      PMC6358576: (m) => { m.license_code = 'CC BY-NC-ND'; },
    });
    const { counts, decisions } = await fetchAll(dir, parseConfig({ policy: { licences: ['CC0', 'CC BY'] } }));
    expect(counts.dropped).toEqual({ article_retracted: 1, author_manuscript: 1, licence_not_allowed: 1 });
    expect(decisions.map((d) => [d.item_key, d.reason_code, d.rule])).toEqual([
      ['PMC4738710', 'article_retracted', 'fetch.policy.retracted'],
      ['PMC4739215', 'author_manuscript', 'fetch.policy.manuscript'],
      ['PMC6358576', 'licence_not_allowed', 'fetch.policy.licence_allow_list'],
    ]);
    const dir2 = bucket({ PMC4738710: (m) => { m.is_pmc_openaccess = false; } });
    expect((await fetchAll(dir2)).counts.dropped).toEqual({ not_open_access: 1 });
  });

  it('a wrong md5, a traversal name, a missing file and broken metadata are decisions, never crashes', async () => {
    const dir = bucket({
      PMC4738710: (m) => { m.media_urls.push('s3://pmc-oa-opendata/PMC4738710.1/../../secret.png?md5=00'); m.media_urls.push('s3://pmc-oa-opendata/PMC4738710.1/gone.png?md5=00'); },
      PMC4739215: (m) => { delete m.license_code; m.is_retracted = 'no'; },
    });
    appendFileSync(join(dir, 'PMC6358576.1', 'PMC6358576.1.xml'), '<!-- altered in transit -->');
    const { counts, decisions } = await fetchAll(dir);
    expect(counts.kept).toBe(1);
    expect(counts.dropped).toEqual({ metadata_invalid: 1, md5_mismatch: 1 });
    const flags = decisions.filter((d) => d.item_key === 'PMC4738710').map((d) => [d.action, d.reason_code]);
    expect(flags).toEqual([['flag', 'media_unsafe_name'], ['flag', 'media_missing']]);
    const md5 = decisions.find((d) => d.reason_code === 'md5_mismatch')!;
    expect(JSON.parse(md5.detail_json).file).toBe('PMC6358576.xml');
  });

  it('a media file above the size cap is left out with a decision, the article kept', async () => {
    const dir = bucket({});
    const { counts, decisions } = await fetchAll(dir, parseConfig({}), { maxMediaBytes: 100 }); // the placeholder PNGs are larger
    expect(counts.kept).toBe(3);
    const big = decisions.filter((d) => d.reason_code === 'media_too_large');
    expect(big.length).toBeGreaterThan(0);
    expect(big.every((d) => d.action === 'flag' && d.rule === 'fetch.dir.media_size')).toBe(true);
    expect(JSON.parse(big[0].detail_json)).toMatchObject({ max: 100 });
  });

  it('a newer version replaces the stored one and flags existing reviews, keeping them', async () => {
    const dir = bucket();
    const { store, ctx } = await fetchAll(dir);
    store.db.prepare(`INSERT INTO reviews (question_id, item_key, reviewer, verdict, created_at) VALUES ('dx-PMC4738710-c1-00000000', 'PMC4738710#c1', 'ann', 'accept', 'now')`).run();
    cpSync(join(dir, 'PMC4738710.1'), join(dir, 'PMC4738710.2'), { recursive: true });
    rmSync(join(dir, 'PMC4738710.2', 'PMC4738710.1.xml'));
    cpSync(join(dir, 'PMC4738710.1', 'PMC4738710.1.xml'), join(dir, 'PMC4738710.2', 'PMC4738710.2.xml'));
    const meta = JSON.parse(readFileSync(join(dir, 'metadata', 'PMC4738710.1.json'), 'utf8'));
    meta.version = 2;
    meta.xml_url = meta.xml_url.replace('PMC4738710.1/PMC4738710.1.xml', 'PMC4738710.2/PMC4738710.2.xml');
    meta.media_urls = meta.media_urls.map((u: string) => u.replace('PMC4738710.1/', 'PMC4738710.2/'));
    writeFileSync(join(dir, 'metadata', 'PMC4738710.2.json'), JSON.stringify(meta));
    const c = await runStage(createFetchStage(createDirSource(dir)), ctx);
    expect(c).toMatchObject({ new: 1, skipped: 2 });
    expect(store.db.prepare(`SELECT version, stale FROM articles WHERE pmcid = 'PMC4738710'`).get()).toEqual({ version: 2, stale: 1 });
    expect(store.db.prepare('SELECT reviewer, stale FROM reviews').get()).toEqual({ reviewer: 'ann', stale: 1 });
  });

  it('a folder without articles is one clear error', async () => {
    const t = tempDir(); cleanups.push(t.cleanup);
    const src = createDirSource(t.dir);
    await expect(async () => { for await (const _ of src.list()) { /* */ } }).rejects.toThrow(/no PMC<n>.<v>\/ article folders/);
  });
});

// `mmrare add --query … --since …` against the loopback PMC server (E-utilities + S3 on 127.0.0.1): a
// build of 47 articles, then the bucket has one more article and a newer version of a reviewed one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { Store } from '../../db/store.ts';
import { submitReview } from '../../pipeline/review/store.ts';
import { cliAsync, sampleCorpus, tempDir } from '../helpers.ts';
import { reviewCheck } from './helpers.ts';
import { readFinalJson } from '../../db/packed-json.ts';

const LATER = 'PMC6358579';
const work = tempDir('mmrare-add-live-');
const W = join(work.dir, 'w');
let corpus: string;
let servers: LoopbackServer[] = [];

function bucket(name: string, keep: (pmcid: string) => boolean): string {
  const dir = join(work.dir, name);
  mkdirSync(join(dir, 'metadata'), { recursive: true });
  for (const d of readdirSync(corpus).filter((x) => /^PMC\d+\.\d+$/.test(x) && keep(x.split('.')[0]))) {
    cpSync(join(corpus, d), join(dir, d), { recursive: true });
    cpSync(join(corpus, 'metadata', `${d}.json`), join(dir, 'metadata', `${d}.json`));
  }
  return dir;
}

const live = (s: LoopbackServer) => ['--eutils-url', s.eutilsUrl, '--s3-url', s.s3Url, '--email', 'dev@example.org', '--tool', 'mmrare-test'];
let reviewedId: string;

beforeAll(async () => {
  corpus = await sampleCorpus();
  const first = await startLoopbackPmc({ dir: bucket('b1', (p) => p !== LATER), rps: 10, seed: 3 });
  servers.push(first);
  const r = await cliAsync(['run', '--workdir', W, '--query', 'case', ...live(first)]);
  expect(r.code, r.stderr).toBe(0);
  await first.close();
  servers = [];
  const store = new Store(W);
  try {
    reviewedId = store.db.prepare(`SELECT id FROM filtered_questions WHERE pmcid != ? ORDER BY id LIMIT 1`).pluck().get(LATER) as string;
    expect(submitReview(store.db, { questionId: reviewedId, verdict: 'accept', reviewer: 'ann', baseRevision: 0, source: 'app', at: '2026-03-01T00:00:00.000Z' }, reviewCheck(store)).kind).toBe('stored');
  } finally { store.close(); }
}, 400_000);
afterAll(async () => { for (const s of servers) await s.close(); work.cleanup(); });

describe('mmrare add --query --since (live, loopback)', () => {
  it('fetches the new article and the newer version; unchanged articles are skipped; the changed one\'s review goes stale', async () => {
    const pmcid = reviewedId.split('-')[1];
    const dir = bucket('b2', () => true);
    // a newer version of the reviewed article: PMC<n>.2 beside PMC<n>.1
    const v1 = join(dir, `${pmcid}.1`);
    const v2 = join(dir, `${pmcid}.2`);
    cpSync(v1, v2, { recursive: true });
    const xml = readFileSync(join(v1, `${pmcid}.1.xml`), 'utf8').replace(/(<\?xml[^>]*\?>)?/, (m) => `${m}<!-- revised version 2 -->`);
    rmSync(join(v2, `${pmcid}.1.xml`));
    writeFileSync(join(v2, `${pmcid}.2.xml`), xml);
    const meta = JSON.parse(readFileSync(join(dir, 'metadata', `${pmcid}.1.json`), 'utf8'));
    meta.version = 2;
    meta.xml_url = `s3://pmc-oa-opendata/${pmcid}.2/${pmcid}.2.xml?md5=${createHash('md5').update(xml).digest('hex')}`;
    meta.media_urls = meta.media_urls.map((u: string) => u.replace(`/${pmcid}.1/`, `/${pmcid}.2/`));
    writeFileSync(join(dir, 'metadata', `${pmcid}.2.json`), JSON.stringify(meta, null, 2));
    const server = await startLoopbackPmc({ dir, rps: 10, seed: 4 });
    servers.push(server);

    const before = new Store(W);
    const rowsBefore = new Map((before.db.prepare('SELECT id FROM filtered_questions').pluck().all() as string[]).map((id) => [id, readFinalJson(before.db, id)]));
    before.close();
    const r = await cliAsync(['add', '--workdir', W, '--query', 'case', '--since', '2000-01-01', ...live(server), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.added.new_articles).toEqual([LATER]);
    expect(out.added.new_versions).toEqual([{ pmcid, from: 1, to: 2 }]);
    expect(out.added.reviews_marked_stale).toBe(1);
    // listed all 48, fetched only the two that changed
    expect(out.stages.find((s: { stage: string }) => s.stage === 'fetch')).toMatchObject({ seen: 48, new: 2, skipped: 46 });
    const after = new Store(W);
    try {
      for (const [id, json] of rowsBefore) if (!id.includes(`-${pmcid}-`)) expect(readFinalJson(after.db, id), id).toBe(json);
      expect(after.db.prepare('SELECT stale, stale_reason FROM reviews WHERE question_id = ?').get(reviewedId)).toEqual({ stale: 1, stale_reason: 'article_new_version' });
      expect(after.db.prepare('SELECT version FROM articles WHERE pmcid = ?').pluck().get(pmcid)).toBe(2);
    } finally { after.close(); }
  }, 400_000);
});

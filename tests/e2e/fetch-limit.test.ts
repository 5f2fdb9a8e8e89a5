// `fetch --limit N` is the first N articles of the search: the same command with nothing new published
// leaves the store as it was (it used to fetch N *more* each time); `--new N` is "N more".
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { writeBucketFolder } from '../../scripts/loopback-pmc/corpus.ts';
import { cliAsync, tempDir } from '../helpers.ts';
import { caseReportPath, sharedFiles } from '../shared-data.ts';

let server: LoopbackServer;
const t = tempDir('mmrare-limit-');
afterAll(async () => { await server?.close(); t.cleanup(); });
beforeAll(async () => {
  const ids = sharedFiles('pmc/articles', /^PMC\d+\.nxml$/).slice(0, 12).map((f) => f.replace('.nxml', ''));
  writeBucketFolder(join(t.dir, 'bucket'), ids.map((p) => ({ file: caseReportPath(p) })));
  server = await startLoopbackPmc({ dir: join(t.dir, 'bucket'), rps: 50, rpsApiKey: 50 });
});

/** What the store holds: articles with their blobs, media, blob rows. */
function storeState(work: string) {
  const db = new Database(join(work, 'mmrare.db'), { readonly: true });
  try {
    return {
      articles: db.prepare('SELECT pmcid, version, xml_sha256, metadata_sha256, license_code, source_urls_json FROM articles ORDER BY pmcid').all() as { pmcid: string }[],
      media: db.prepare('SELECT pmcid, name, blob_sha256, md5 FROM media ORDER BY pmcid, name').all(),
      blobs: db.prepare('SELECT sha256, size FROM blobs ORDER BY sha256').all(),
      progress: db.prepare(`SELECT item_key, input_hash, status, output_hash FROM stage_progress WHERE stage = 'fetch' ORDER BY item_key`).all(),
    };
  } finally { db.close(); }
}

describe('fetch --limit and --new', () => {
  it('the same --limit twice leaves the store unchanged; --new N adds the next N of the search', async () => {
    const work = join(t.dir, 'work');
    const common = ['--workdir', work, '--eutils-url', server.eutilsUrl, '--s3-url', server.s3Url, '--email', 'dev@example.org', '--tool', 'mmrare-test', '--query', 'case'];
    const order = server.corpus.latest.map((a) => a.pmcid);       // the loopback esearch order
    const first = await cliAsync(['fetch', ...common, '--limit', '4']);
    expect(first.code, first.stderr).toBe(0);
    const s1 = storeState(work);
    expect(s1.articles.map((a) => a.pmcid)).toEqual(order.slice(0, 4).sort());

    const before = server.log.length;
    const again = await cliAsync(['fetch', ...common, '--limit', '4']);
    expect(again.code, again.stderr).toBe(0);
    expect(storeState(work)).toEqual(s1);
    // nothing but the one search request: no S3 request for the stored articles
    expect(server.log.slice(before).map((e) => e.service)).toEqual(['eutils']);

    const more = await cliAsync(['fetch', ...common, '--new', '3']);
    expect(more.code, more.stderr).toBe(0);
    const s3 = storeState(work);
    expect(s3.articles.map((a) => a.pmcid)).toEqual(order.slice(0, 7).sort());
    // and --limit 4 after that still changes nothing
    await cliAsync(['fetch', ...common, '--limit', '4']);
    expect(storeState(work)).toEqual(s3);
    // --limit 10 fetches the first 10: the 3 not yet stored
    const ten = await cliAsync(['fetch', ...common, '--limit', '10', '--json']);
    expect(JSON.parse(ten.stdout).stages[0]).toMatchObject({ stage: 'fetch', seen: 3, new: 3, kept: 3 });
    expect(storeState(work).articles.map((a) => a.pmcid)).toEqual(order.slice(0, 10).sort());

    const bad = await cliAsync(['fetch', ...common, '--new', '0']);
    expect([bad.code, bad.stderr.trim()]).toEqual([3, 'mmrare fetch: --new 0: expected a positive integer']);
  }, 120_000);
});

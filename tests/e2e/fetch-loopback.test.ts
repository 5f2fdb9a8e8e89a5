// `mmrare fetch` as a user runs it, against the loopback PMC server (E-utilities + S3 bucket) on
// 127.0.0.1; the fetched articles then flow through `mmrare run` like the bundled corpus.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { cliAsync, sampleCorpus, tempDir } from '../helpers.ts';

const SAMPLES = await sampleCorpus(); // ../shared/data/pmc/articles in the bucket layout

/** The real CLI in a child process, asynchronously (the server lives in this process). */
const EXCLUDED: Record<string, Record<string, unknown>> = {
  PMC4735894: { is_retracted: true },
  PMC4735908: { is_manuscript: true },
  PMC4735918: { is_pmc_openaccess: false },
};

let server: LoopbackServer;
const bucket = tempDir();
const work = tempDir();
afterAll(async () => { await server?.close(); bucket.cleanup(); work.cleanup(); });

beforeAll(async () => {
  // the bundled corpus, with four articles flagged as the bucket would flag them
  mkdirSync(join(bucket.dir, 'metadata'));
  for (const d of readdirSync(SAMPLES).filter((x) => /^PMC\d+\.\d+$/.test(x))) {
    cpSync(join(SAMPLES, d), join(bucket.dir, d), { recursive: true });
    const meta = JSON.parse(readFileSync(join(SAMPLES, 'metadata', `${d}.json`), 'utf8'));
    Object.assign(meta, EXCLUDED[meta.pmcid] ?? {});
    writeFileSync(join(bucket.dir, 'metadata', `${d}.json`), JSON.stringify(meta));
  }
  server = await startLoopbackPmc({ dir: bucket.dir, rps: 3, seed: 7 });
});

describe('fetch against the loopback PMC server', () => {
  it('fetches through the budget, records exclusions, and the articles flow through run', async () => {
    const common = ['--workdir', work.dir, '--eutils-url', server.eutilsUrl, '--s3-url', server.s3Url, '--email', 'dev@example.org', '--tool', 'mmrare-test'];
    // the five ACG articles are CC BY-NC-ND: outside the commercial-safe allow-list
    const f = await cliAsync(['fetch', ...common, '--query', 'case', '--licences', 'commercial_safe']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toMatch(/fetch summary: 48 listed/);
    expect(f.stdout).toMatch(/^fetch\s+48\s+48\s+40\s+8/m);
    // the server never saw more than 3 E-utilities requests in any second
    expect(server.log.filter((e) => e.overBudget)).toHaveLength(0);
    expect(server.maxInWindow()).toBeLessThanOrEqual(3);

    const audit = await cliAsync(['audit', '--workdir', work.dir, '--rule', 'licence_not_allowed', '--json']);
    expect(JSON.parse(audit.stdout).map((d: { item_key: string }) => d.item_key)).toEqual(['PMC6358576', 'PMC6358577', 'PMC6358578', 'PMC6358579', 'PMC6358581']);
    for (const [reason, pmcid] of [['article_retracted', 'PMC4735894'], ['author_manuscript', 'PMC4735908'], ['not_open_access', 'PMC4735918']]) {
      const a = await cliAsync(['audit', '--workdir', work.dir, '--rule', reason, '--json']);
      expect(JSON.parse(a.stdout).map((d: { item_key: string }) => d.item_key), reason).toEqual([pmcid]);
    }

    // a rerun of the same search costs only the new articles: none here
    const before = server.log.length;
    const again = await cliAsync(['fetch', ...common, '--query', 'case', '--licences', 'commercial_safe']);
    expect(again.stdout).toMatch(/^fetch\s+0\s+0/m);
    expect(server.log.slice(before).filter((e) => !e.path.includes('esearch'))).toEqual([]);

    // --limit stops after N articles
    const limited = tempDir();
    const l = await cliAsync(['fetch', ...common.slice(2), '--workdir', limited.dir, '--query', 'case', '--limit', '5']);
    expect(l.stdout).toMatch(/^fetch\s+5\s+5/m);
    limited.cleanup();

    const run = await cliAsync(['run', '--workdir', work.dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^extract\s+40\s+40\s+40/m);
    expect(run.stdout).toMatch(/^export\s+4\s+4\s+4/m);
    const status = JSON.parse((await cliAsync(['status', '--workdir', work.dir, '--json'])).stdout);
    expect(status.stages.map((s: { stage: string }) => s.stage)).toEqual(['fetch', 'extract', 'align', 'generate', 'filter', 'export']);
    // stored source URLs are the canonical bucket URLs, not the loopback port
    const urls = JSON.stringify(status);
    expect(urls).not.toContain('127.0.0.1');
  }, 240_000);
});

// Issue #14 item 13, the live path: the PMID that PMC Cloud metadata gives an article flows through
// `mmrare fetch --query` and `mmrare run` into every export row (against the loopback PMC server).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLoopbackPmc, type LoopbackServer } from '../../scripts/loopback-pmc/server.ts';
import { cliAsync, tempDir } from '../helpers.ts';
import { smallLayout } from './helpers.ts';

const work = tempDir('mmrare-cli-pmid-');
let server: LoopbackServer;
// PMIDs made up by the test and written into the bucket's metadata (as numbers, the way PMC writes them)
const PMIDS: Record<string, number> = { PMC4738710: 90000001, PMC4745306: 90000002, PMC6358579: 90000003 };

beforeAll(async () => {
  const bucket = await smallLayout(join(work.dir, 'bucket'), Object.keys(PMIDS));
  for (const f of readdirSync(join(bucket, 'metadata'))) {
    const p = join(bucket, 'metadata', f);
    const meta = JSON.parse(readFileSync(p, 'utf8'));
    meta.pmid = PMIDS[meta.pmcid];
    writeFileSync(p, JSON.stringify(meta));
  }
  server = await startLoopbackPmc({ dir: bucket, rps: 3, seed: 3 });
});
afterAll(async () => { await server?.close(); work.cleanup(); });

describe('PMIDs from live PMC metadata', () => {
  it('reach every export row', async () => {
    const W = join(work.dir, 'w');
    const common = ['--workdir', W, '--eutils-url', server.eutilsUrl, '--s3-url', server.s3Url, '--email', 'dev@example.org', '--tool', 'mmrare-test'];
    const r = await cliAsync(['run', ...common, '--query', 'case', '--licences', 'all_cc']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/exported: \d+ questions? — (?:[a-z-]+ \d+, )*diagnosis \d+/);
    const rows = readFileSync(join(W, 'export', 'diagnosis.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(row.pmid, row.id).toBe(String(PMIDS[row.pmcid]));
  }, 180_000);
});

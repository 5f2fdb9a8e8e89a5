// A network blip upstream must not clear finished downstream work: an article whose re-fetch fails
// transiently keeps its extraction, diagnosis and exported question.
import { defaultLexicon } from '../../ontology/index.ts';
import { describe, it, expect, afterAll } from 'vitest';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { runBuild as runPipeline, STAGE_NAMES } from '../../pipeline/compose.ts';
import { createDirSource } from '../../pipeline/fetch/dir-source.ts';
import type { ArticleSource } from '../../pipeline/fetch/source.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import { sampleCorpus, tempDir } from '../helpers.ts';

const SAMPLES = await sampleCorpus(); // ../shared/data/pmc/articles in the bucket layout

const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

describe('transient failures across stages', () => {
  it('a pending re-fetch keeps the article\'s downstream rows and its exported question', async () => {
    const bucket = tempDir(); dirs.push(bucket);
    const work = tempDir(); dirs.push(work);
    mkdirSync(join(bucket.dir, 'metadata'));
    for (const id of ['PMC4736318', 'PMC4738710', 'PMC4739215']) {
      cpSync(join(SAMPLES, `${id}.1`), join(bucket.dir, `${id}.1`), { recursive: true });
      cpSync(join(SAMPLES, 'metadata', `${id}.1.json`), join(bucket.dir, 'metadata', `${id}.1.json`));
    }
    const run = async (source: ArticleSource) => {
      const store = new Store(work.dir);
      try { return await runPipeline({ store, config: parseConfig({}), command: 'test', stages: STAGE_NAMES, source, lexicon: defaultLexicon(), log: silentLogger }); } finally { store.close(); }
    };
    await run(createDirSource(bucket.dir));
    const exported = readFileSync(join(work.dir, 'export', 'diagnosis.jsonl'), 'utf8');
    expect(exported).toContain('dx-PMC4736318-c1-');

    // the next run lists the article with a new fingerprint (as a newer version would), but its load fails
    const dir = createDirSource(bucket.dir);
    const flaky: ArticleSource = {
      name: 'dir',
      async *list() { for await (const it of dir.list()) yield it.key === 'PMC4736318' ? { ...it, hint: `${it.hint}:v2` } : it; },
      async load(it) { return it.key === 'PMC4736318' ? { kind: 'transient', error: 'ECONNRESET' } : dir.load(it); },
    };
    const res = await run(flaky);
    expect(res.counts.find((c) => c.stage === 'fetch')).toMatchObject({ pending: 1 });
    for (const c of res.counts.filter((x) => x.stage !== 'fetch')) expect(c.orphaned, c.stage).toBe(0);
    expect(readFileSync(join(work.dir, 'export', 'diagnosis.jsonl'), 'utf8')).toBe(exported);
    const store = new Store(work.dir);
    try {
      expect(store.db.prepare(`SELECT COUNT(*) FROM sentences WHERE pmcid = 'PMC4736318'`).pluck().get()).toBeGreaterThan(10);
    } finally { store.close(); }
  }, 120_000);
});

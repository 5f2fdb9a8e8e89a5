// A --from-dir layout is untrusted: nothing it links to outside its root is ever read into the store
// (source_path_outside_root), and a FIFO or directory where a file belongs is refused without hanging.
import { describe, it, expect, afterEach } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { runStage } from '../../pipeline/runner/runner.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import { createDirSource } from '../../pipeline/fetch/dir-source.ts';
import { createFetchStage } from '../../pipeline/fetch/stage.ts';
import { writeBucketFolder } from '../../scripts/loopback-pmc/corpus.ts';
import { caseReportPath } from '../shared-data.ts';
import { tempDir } from '../helpers.ts';

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });

const A = 'PMC4735894';
const B = 'PMC4738710';
const C = 'PMC6358576';
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** A bucket folder from three real case reports, plus a "secret" file outside it. */
function layout() {
  const t = tempDir('mmrare-layout-'); cleanups.push(t.cleanup);
  const root = join(t.dir, 'bucket');
  writeBucketFolder(root, [A, B, C].map((p) => ({ file: caseReportPath(p) })));
  const secret = join(t.dir, 'outside', 'secret.txt');
  mkdirSync(join(t.dir, 'outside'));
  const secretBytes = Buffer.from('root:x:0:0:the secret outside the layout\n');
  writeFileSync(secret, secretBytes);
  return { root, secret, secretBytes, outside: join(t.dir, 'outside') };
}

async function fetchAll(dir: string) {
  const t = tempDir(); cleanups.push(t.cleanup);
  const store = new Store(t.dir);
  cleanups.unshift(() => store.close());
  const runId = Number(store.db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json) VALUES ('t', 'now', '{}', 'h', '{}')`).run().lastInsertRowid);
  const counts = await runStage(createFetchStage(createDirSource(dir)), { store, config: parseConfig({}), runId, log: silentLogger });
  const decisions = store.db.prepare('SELECT item_key, action, reason_code, rule, detail_json FROM decisions ORDER BY item_key, id').all() as
    { item_key: string; action: string; reason_code: string; rule: string; detail_json: string }[];
  return { store, counts, decisions };
}

/** Every blob file under the store's blob folder. */
function blobFiles(store: Store): Buffer[] {
  const out: Buffer[] = [];
  const walk = (d: string) => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else out.push(readFileSync(p)); } };
  walk(store.blobDir);
  return out;
}

const editMeta = (root: string, pmcid: string, f: (m: Record<string, any>) => void) => {
  const p = join(root, 'metadata', `${pmcid}.1.json`);
  const m = JSON.parse(readFileSync(p, 'utf8'));
  f(m);
  writeFileSync(p, JSON.stringify(m));
};

describe('--from-dir never reads outside its root', () => {
  it('an XML that links outside is a source_path_outside_root drop, and its bytes are never stored', async () => {
    const { root, secret, secretBytes } = layout();
    const xml = join(root, `${A}.1`, `${A}.1.xml`);
    rmSync(xml);
    symlinkSync(secret, xml);
    // the metadata even pins the md5 of the linked file, as a hostile layout would
    editMeta(root, A, (m) => { m.xml_url = `s3://pmc-oa-opendata/${A}.1/${A}.1.xml?md5=${md5(secretBytes)}`; });
    const { store, counts, decisions } = await fetchAll(root);
    expect(counts.kept).toBe(2);
    expect(counts.dropped).toEqual({ source_path_outside_root: 1 });
    const d = decisions.find((x) => x.item_key === A)!;
    expect([d.action, d.reason_code, d.rule]).toEqual(['drop', 'source_path_outside_root', 'fetch.dir.path']);
    expect(JSON.parse(d.detail_json)).toMatchObject({ path: `${A}.1/${A}.1.xml`, resolves_to: secret });
    expect(blobFiles(store).some((b) => b.includes(secretBytes))).toBe(false);
  });

  it('a media file that links outside is flagged and skipped; the article keeps its other files', async () => {
    const { root, secret, secretBytes } = layout();
    const meta = JSON.parse(readFileSync(join(root, 'metadata', `${B}.1.json`), 'utf8'));
    const first = decodeURIComponent((meta.media_urls[0] as string).replace(/^s3:\/\/pmc-oa-opendata\/[^/]+\//, '').replace(/\?.*$/, ''));
    rmSync(join(root, `${B}.1`, first));
    symlinkSync(secret, join(root, `${B}.1`, first));
    editMeta(root, B, (m) => { m.media_urls[0] = `s3://pmc-oa-opendata/${B}.1/${encodeURIComponent(first)}?md5=${md5(secretBytes)}`; });
    const { store, counts, decisions } = await fetchAll(root);
    expect(counts.kept).toBe(3);
    const flags = decisions.filter((x) => x.item_key === B).map((x) => [x.action, x.reason_code, JSON.parse(x.detail_json).name]);
    expect(flags).toEqual([['flag', 'source_path_outside_root', first]]);
    const names = store.db.prepare('SELECT name FROM media WHERE pmcid = ?').pluck().all(B);
    expect(names).not.toContain(first);
    expect(names.length).toBe(meta.media_urls.length - 1);
    expect(blobFiles(store).some((b) => b.includes(secretBytes))).toBe(false);
  });

  it('metadata that links outside, and an article folder that is a link to a folder outside, are refused', async () => {
    const { root, secret, outside } = layout();
    const metaPath = join(root, 'metadata', `${A}.1.json`);
    // a copy of the real metadata, outside the root, reached through a link
    writeFileSync(join(outside, 'meta.json'), readFileSync(metaPath));
    rmSync(metaPath);
    symlinkSync(join(outside, 'meta.json'), metaPath);
    // a whole article folder moved outside and linked back in
    renameSync(join(root, `${C}.1`), join(outside, `${C}.1`));
    symlinkSync(join(outside, `${C}.1`), join(root, `${C}.1`));
    void secret;
    const { counts, decisions } = await fetchAll(root);
    expect(counts.kept).toBe(1);
    expect(counts.dropped).toEqual({ source_path_outside_root: 2 });
    expect(decisions.map((d) => [d.item_key, d.reason_code, JSON.parse(d.detail_json).path])).toEqual([
      [A, 'source_path_outside_root', `metadata/${A}.1.json`],
      [C, 'source_path_outside_root', `${C}.1/${C}.1.xml`],
    ]);
  });

  it('links that stay inside the root are followed; a root reached through a link is fine', async () => {
    const { root } = layout();
    // the XML moved to another folder of the same layout and linked back
    mkdirSync(join(root, 'store'));
    renameSync(join(root, `${A}.1`, `${A}.1.xml`), join(root, 'store', `${A}.xml`));
    symlinkSync(join('..', 'store', `${A}.xml`), join(root, `${A}.1`, `${A}.1.xml`));
    const linkedRoot = `${root}-link`;
    symlinkSync(root, linkedRoot);
    const { counts } = await fetchAll(linkedRoot);
    expect(counts).toMatchObject({ kept: 3, dropped: {} });
  });

  it('a FIFO or a folder where the XML belongs is refused at once (source_not_a_file)', async () => {
    const { root } = layout();
    const xmlA = join(root, `${A}.1`, `${A}.1.xml`);
    rmSync(xmlA);
    expect(spawnSync('mkfifo', [xmlA]).status).toBe(0);
    const xmlB = join(root, `${B}.1`, `${B}.1.xml`);
    rmSync(xmlB);
    mkdirSync(xmlB);
    const t0 = Date.now();
    const { counts, decisions } = await fetchAll(root);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(counts.dropped).toEqual({ source_not_a_file: 2 });
    expect(decisions.map((d) => [d.item_key, d.reason_code, JSON.parse(d.detail_json).type])).toEqual([[A, 'source_not_a_file', 'fifo'], [B, 'source_not_a_file', 'directory']]);
  }, 20_000);
});

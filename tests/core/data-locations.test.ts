// Where third-party data is read from: one root by precedence, fixed sub-paths, per-location overrides,
// and a clear error (exit code 5, nothing created) when something is missing.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_DIR, missingData, requireLocation, resolveDataLocations } from '../../pipeline/core/data-locations.ts';
import { DataError } from '../../pipeline/core/errors.ts';
import { cli, tempDir } from '../helpers.ts';
import { SHARED_DATA } from '../shared-data.ts';

describe('data locations', () => {
  it('flag > $MMRARE_DATA_DIR > config dataDir > ../shared/data, each location a fixed sub-path', () => {
    const cfg = { dataDir: '/from/config' };
    expect(resolveDataLocations({ flag: '/from/flag', env: { MMRARE_DATA_DIR: '/from/env' }, config: cfg })).toMatchObject({ root: '/from/flag', rootFrom: 'flag' });
    expect(resolveDataLocations({ env: { MMRARE_DATA_DIR: '/from/env' }, config: cfg })).toMatchObject({ root: '/from/env', rootFrom: 'env' });
    expect(resolveDataLocations({ env: {}, config: cfg })).toMatchObject({ root: '/from/config', rootFrom: 'config' });
    const def = resolveDataLocations({ env: {} });
    expect(def).toMatchObject({ root: DEFAULT_DATA_DIR, rootFrom: 'default' });
    expect(DEFAULT_DATA_DIR).toBe(SHARED_DATA);
    expect(def.paths.articles).toBe(join(DEFAULT_DATA_DIR, 'pmc', 'articles'));
    expect(def.paths.orphanet).toBe(join(DEFAULT_DATA_DIR, 'orphanet', 'orphapackets'));
    expect(def.paths.lexicons).toBe(join(DEFAULT_DATA_DIR, 'lexicons'));
  });

  it('one location can be overridden on its own; relative paths are taken from the current folder', () => {
    const loc = resolveDataLocations({ env: {}, cwd: '/work/here', config: { data: { lexicons: 'vocab', orphanet: '/opt/orpha/packets.tar.gz' } } });
    expect(loc.paths.lexicons).toBe('/work/here/vocab');
    expect(loc.paths.orphanet).toBe('/opt/orpha/packets.tar.gz');
    expect(loc.paths.articles).toBe(join(DEFAULT_DATA_DIR, 'pmc', 'articles'));
    expect([...loc.explicit].sort()).toEqual(['lexicons', 'orphanet']);
  });

  it('a missing location is a DataError that says what, where, why there, and how to get it', () => {
    const loc = resolveDataLocations({ flag: '/nowhere' });
    expect(() => requireLocation(loc, 'articles', 'sample corpus')).toThrow(DataError);
    const e = missingData(loc, 'orphanet', 'Orphanet release');
    expect(e.exitCode).toBe(5);
    expect(e.message).toContain('/nowhere/orphanet/orphapackets');
    expect(e.message).toContain('given by --data-dir');
    expect(e.message).toContain('mmrare ontology import');
  });
});

describe('the CLI without the data', () => {
  it('`run --sample` with no data dir fails fast with exit 5 and leaves no store behind', () => {
    const w = tempDir();
    const work = join(w.dir, 'work');
    const r = cli(['run', '--sample', '--workdir', work, '--data-dir', join(w.dir, 'missing')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`sample corpus (real PMC case reports, *.nxml) not found at ${join(w.dir, 'missing', 'pmc', 'articles')}`);
    expect(r.stderr).not.toContain('    at '); // no stack trace
    expect(existsSync(work)).toBe(false);
    w.cleanup();
  });

  it('`run` with articles but no Orphanet release names the release and how to import one', () => {
    const w = tempDir();
    const data = join(w.dir, 'data');
    mkdirSync(join(data, 'pmc', 'articles'), { recursive: true });
    writeFileSync(join(data, 'pmc', 'articles', 'PMC1.nxml'), '<article/>');
    const r = cli(['run', '--sample', '--workdir', join(w.dir, 'work'), '--data-dir', data], { env: { XDG_CACHE_HOME: join(w.dir, 'cache') } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('Orphanet release (ORPHApackets_json_<date>.tar.gz) not found');
    expect(r.stderr).toContain('mmrare ontology import FILE.tar.gz');
    expect(existsSync(join(w.dir, 'work'))).toBe(false);
    w.cleanup();
  });

  it('`ontology import` makes a release the one every command uses, and the cache lives outside the data dir', () => {
    const w = tempDir();
    const cache = join(w.dir, 'cache');
    const packets = readdirSync(join(SHARED_DATA, 'orphanet', 'orphapackets')).find((f) => f.endsWith('.tar.gz'))!;
    const imp = cli(['ontology', 'import', join(SHARED_DATA, 'orphanet', 'orphapackets', packets), '--json'], { env: { XDG_CACHE_HOME: cache } });
    expect(imp.code).toBe(0);
    const summary = JSON.parse(imp.stdout);
    expect(summary).toMatchObject({ release: '2025-12-09', entries: 9960 });
    expect(summary.out.startsWith(join(cache, 'mmrare', 'lexicons'))).toBe(true);
    // with no data dir at all, the imported release still answers
    const info = cli(['ontology', 'info', 'ORPHA:558', '--data-dir', join(w.dir, 'empty')], { env: { XDG_CACHE_HOME: cache } });
    expect(info.code).toBe(5); // an explicit data dir is the user's choice: its (missing) release is asked for
    const def = cli(['ontology', 'info', 'ORPHA:558'], { env: { XDG_CACHE_HOME: cache, MMRARE_DATA_DIR: '' } });
    expect(def.code).toBe(0);
    expect(def.stdout).toContain('Marfan syndrome');
    w.cleanup();
  });
});

describe('the sample corpus', () => {
  it('is laid out in the workdir once and reused while the articles are unchanged', () => {
    const w = tempDir();
    const first = cli(['fetch', '--sample', '--workdir', w.dir]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/sample corpus: 48 real case reports from .*pmc\/articles, laid out in/);
    expect(readdirSync(join(w.dir, 'sample-corpus', 'metadata'))).toHaveLength(48);
    const second = cli(['fetch', '--sample', '--workdir', w.dir]);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('laid out in');
    w.cleanup();
  });
});


// The release writer: a folder swap by rename, never a mix of two releases; leftovers of a killed export
// (a half-written temp folder, or the previous release moved aside) are swept, and the previous release
// is still found when the kill came between the two renames. Synthetic rows, written here.
import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { previousRelease, writeRelease } from '../../../pipeline/export/release/write.ts';
import { planRelease } from '../../../pipeline/export/release/plan.ts';
import type { ReleaseInput } from '../../../pipeline/export/release/load.ts';
import { tempDir } from '../../helpers.ts';

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });
const tmp = () => { const t = tempDir('mmrare-release-write-'); cleanups.push(t.cleanup); return t.dir; };

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const SHA = '1'.repeat(64);

function input(ids: string[], version = 1): ReleaseInput {
  const rows = ids.map((id) => ({
    id, track: 'diagnosis', pmcid: 'PMC1', pmid: null, doi: null, license: 'CC BY', publication_date: '2020-01', pmc_version: version,
    disease_category: 'Rare x', image_modalities: ['CT'], case: 1, question: `What is it? (${id})`, context: 'A patient.',
    images: [{ id: 'PMC1-f1-1', label: 'Image 1', file: 'images/PMC1-f1-1.png', sha256: SHA, width: 1, height: 1, panel: null, placeholder: true, license: 'CC BY' }],
    withheld_images: [], answer: 'Disease X', orpha_code: '1', orpha_name: 'Disease X', orpha_aliases: [], answer_aliases: [], category: 'Rare x',
    evidence: { diagnosis_statements: [], context_sentences: [], figure_mapping: [] },
    leakage: { masked_spans: 0, dropped_sentences: 0, cut: null, rules: [], decisions: 0, scanner: 'clean' },
    provenance: { pipeline_version: '0', config_hash: 'c', orphanet_release: 'r', stage_versions: {}, generator: { kind: 'rules', version: '1', model: null, prompt_version: null }, vocabularies: [], source_urls: [], placeholder_images: true },
  }));
  return { selection: 'accepted', preset: 'redistributable', pipelineVersion: '0.0.0', orphanetRelease: 'r', rows: rows as never, images: new Map([[SHA, PNG]]), leftOut: [], considered: rows.length };
}

describe('writeRelease', () => {
  it('replaces the previous release whole: files it no longer has are gone', () => {
    const out = join(tmp(), 'rel');
    writeRelease(out, planRelease('jsonl', input(['dx-PMC1-c1-00000001']), null));
    writeFileSync(join(out, 'images', 'stray.png'), 'x'); // something the next release does not plan
    const prev = previousRelease(out);
    expect(prev!.rows.map((r) => r.id)).toEqual(['dx-PMC1-c1-00000001']);
    writeRelease(out, planRelease('jsonl', input(['dx-PMC1-c1-00000002']), prev));
    expect(existsSync(join(out, 'images', 'stray.png'))).toBe(false);
    expect(readFileSync(join(out, 'CHANGES.md'), 'utf8')).toContain('1 added, 0 changed, 1 withdrawn');
    expect(readdirSync(join(out, '..'))).toEqual(['rel']);
  });

  it('after a kill between the two renames the moved-aside release is the previous one, and leftovers are swept', () => {
    const dir = tmp();
    const out = join(dir, 'rel');
    writeRelease(out, planRelease('jsonl', input(['dx-PMC1-c1-00000001']), null));
    renameSync(out, `${out}.old-99999`);                                  // killed after moving DIR aside
    mkdirSync(`${out}.tmp-99998`); writeFileSync(join(`${out}.tmp-99998`, 'half'), 'x'); // and an older half-written one
    const prev = previousRelease(out);
    expect(prev!.rows.map((r) => r.id)).toEqual(['dx-PMC1-c1-00000001']);
    writeRelease(out, planRelease('jsonl', input(['dx-PMC1-c1-00000001'], 2), prev));
    expect(readdirSync(dir)).toEqual(['rel']);
    expect(readFileSync(join(out, 'CHANGES.md'), 'utf8')).toMatch(/`dx-PMC1-c1-00000001` \(diagnosis, PMC1\): article version 1 → 2/);
  });

  it('hf: a track larger than the shard size is split into test-<i>-of-<n> shards, every row once, in id order', async () => {
    const { parquetReadObjects } = await import('hyparquet');
    const ids = Array.from({ length: 5 }, (_, i) => `dx-PMC1-c1-0000000${i}`);
    const plan = planRelease('hf', input(ids), null, { shardBytes: 2500 });
    const shards = plan.files.filter((f) => f.path.endsWith('.parquet')).map((f) => f.path);
    expect(shards.length).toBeGreaterThan(1);
    expect(shards).toEqual(shards.map((_, i) => `data/diagnosis/test-${String(i).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.parquet`));
    const got: string[] = [];
    for (const p of shards) {
      const b = plan.files.find((f) => f.path === p)!.bytes;
      got.push(...(await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, columns: ['id'] }) as { id: string }[]).map((r) => r.id));
    }
    expect(got).toEqual(ids);
    const c = JSON.parse(plan.files.find((f) => f.path === 'croissant.json')!.bytes.toString());
    expect(c.distribution.filter((d: any) => d['@type'] === 'cr:FileObject').map((d: any) => d.contentUrl)).toEqual(shards);
  });

  it('planRelease is pure: the same input gives the same files, in path order, MANIFEST listing every other file', () => {
    const a = planRelease('hf', input(['dx-PMC1-c1-00000001', 'dx-PMC1-c1-00000002']), null);
    const b = planRelease('hf', input(['dx-PMC1-c1-00000001', 'dx-PMC1-c1-00000002']), null);
    expect(a.files.map((f) => f.path)).toEqual(b.files.map((f) => f.path));
    for (const [i, f] of a.files.entries()) expect(f.bytes.equals(b.files[i].bytes), f.path).toBe(true);
    expect(a.files.map((f) => f.path)).toEqual([...a.files.map((f) => f.path)].sort());
    const manifest = a.files.find((f) => f.path === 'MANIFEST')!.bytes.toString().trim().split('\n').map((l) => l.slice(66));
    expect(manifest).toEqual(a.files.map((f) => f.path).filter((p) => p !== 'MANIFEST'));
  });
});

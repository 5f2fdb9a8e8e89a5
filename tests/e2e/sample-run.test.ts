// The slice on real files: the bundled corpus through every stage, as `npm start` runs it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { DiagnosisRow } from '../../schemas/export.ts';
import { runBuild as runPipeline, STAGE_NAMES } from '../../pipeline/compose.ts';
import { createDirSource } from '../../pipeline/fetch/dir-source.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import { defaultLexicon as loadLexicon } from '../../ontology/index.ts';
import { americanize } from '../../ontology/match/normalize.ts';
import { sampleCorpus, tempDir, cli } from '../helpers.ts';

const SAMPLES = await sampleCorpus(); // ../shared/data/pmc/articles in the bucket layout

const lexicon = loadLexicon();
let work: ReturnType<typeof tempDir>;
let firstCounts: Awaited<ReturnType<typeof runPipeline>>['counts'];

async function runOnce(dir: string) {
  const store = new Store(dir);
  try {
    return await runPipeline({ store, config: parseConfig({}), command: 'test', stages: STAGE_NAMES, source: createDirSource(SAMPLES), lexicon, log: silentLogger });
  } finally { store.close(); }
}
const exportFile = () => join(work.dir, 'export', 'diagnosis.jsonl');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const rows = () => readFileSync(exportFile(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

beforeAll(async () => {
  work = tempDir();
  firstCounts = (await runOnce(work.dir)).counts;
}, 180_000);
afterAll(() => work.cleanup());

describe('end to end on the bundled real corpus', () => {
  it('fetches and extracts all 48 case reports and exports at least 8 schema-valid diagnosis rows', () => {
    const byStage = Object.fromEntries(firstCounts.map((c) => [c.stage, c]));
    expect(byStage.fetch.kept).toBe(48);
    expect(byStage.extract.kept).toBeGreaterThanOrEqual(46);
    const r = rows();
    expect(r.length).toBeGreaterThanOrEqual(8);
    for (const row of r) expect(DiagnosisRow.safeParse(row).success).toBe(true);
    // sorted by id, ids unique
    const ids = r.map((x) => x.id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every answer is an active disorder-level Orphanet entry', () => {
    for (const row of rows()) {
      const e = lexicon.byCode.get(row.orpha_code);
      expect(e, row.orpha_code).toBeDefined();
      expect(e!.level).toBe('disorder');
      expect(e!.status).toBe('active');
      expect(row.orpha_name).toBe(e!.name);
    }
  });

  it('no answer or synonym string appears in any question or context', () => {
    // A check of its own (not the export scanner's code): folded text, American spelling, hyphens as
    // spaces; short capital abbreviations case-sensitive; a long single word also in derived forms.
    const fold = (x: string) => x.normalize('NFKC').toLowerCase().replace(/[\u2010-\u2015\-/]+/g, ' ').replace(/['’]s\b/g, '')
      .replace(/\p{L}+/gu, (w) => americanize(w)).replace(/\s+/g, ' ');
    for (const row of rows()) {
      for (const term of [row.answer, ...row.answer_aliases]) {
        const abbrev = /^[A-Z0-9-]{2,6}$/.test(term) && /[A-Z]/.test(term);
        const t = abbrev ? term : fold(term);
        const esc = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const tail = !abbrev && !t.includes(' ') && t.length >= 6 ? '' : '(?![\\p{L}\\p{N}])';
        const re = new RegExp(`(?<![\\p{L}\\p{N}])${esc}${tail}`, abbrev ? 'u' : 'iu');
        for (const field of ['question', 'context'] as const) {
          const text = abbrev ? row[field] : fold(row[field]);
          expect(re.test(text), `${row.id} ${field} contains ${term}`).toBe(false);
        }
      }
      expect(row.context.toLowerCase()).not.toContain(`orpha:${row.orpha_code}`);
    }
  });

  it('images are exported, labelled neutrally, and placeholders are flagged', () => {
    for (const row of rows()) {
      row.images.forEach((im: { label: string; file: string; sha256: string; placeholder: boolean }, i: number) => {
        expect(im.label).toBe(`Image ${i + 1}`);
        expect(existsSync(join(work.dir, 'export', im.file))).toBe(true);
        expect(im.placeholder).toBe(true); // the bundled corpus ships placeholders only
      });
      expect(row.provenance.placeholder_images).toBe(true);
    }
  });

  it('records per image whether it was kept as published or re-encoded, for every stored image', () => {
    const store = new Store(work.dir);
    try {
      const images = store.db.prepare('SELECT image_id, pmcid FROM images ORDER BY image_id').all() as { image_id: string; pmcid: string }[];
      expect(images.length).toBeGreaterThan(40);
      const attr = new Map<string, string>();
      for (const r of store.db.prepare("SELECT value_json FROM attributes WHERE stage = 'extract' AND name = 'image_normalisation'").all() as { value_json: string }[]) {
        for (const [k, v] of Object.entries(JSON.parse(r.value_json) as Record<string, string>)) attr.set(k, v);
      }
      for (const im of images) expect(['kept_as_published', 're_encoded']).toContain(attr.get(im.image_id));
    } finally { store.close(); }
  });

  it('a second run does no repeated work and leaves the export byte-identical', async () => {
    const before = sha(exportFile());
    const manifest = sha(join(work.dir, 'export', 'MANIFEST.diagnosis.sha256'));
    const again = await runOnce(work.dir);
    for (const c of again.counts) expect(c.new, c.stage).toBe(0);
    expect(sha(exportFile())).toBe(before);
    expect(sha(join(work.dir, 'export', 'MANIFEST.diagnosis.sha256'))).toBe(manifest);
  }, 120_000);

  it('a deleted or edited export file is restored by the next run, and only export re-runs', async () => {
    const before = readFileSync(exportFile());
    const img = join(work.dir, 'export', rows()[0].images[0].file);
    const imgBytes = readFileSync(img);
    rmSync(exportFile());
    writeFileSync(img, 'x');
    const again = await runOnce(work.dir);
    for (const c of again.counts) expect(c.new, c.stage).toBe(c.stage === 'export' ? 1 : 0);
    expect(readFileSync(exportFile()).equals(before)).toBe(true);
    expect(readFileSync(img).equals(imgBytes)).toBe(true);
  }, 120_000);

  it('the same inputs in another work directory give byte-identical exports', async () => {
    const other = tempDir();
    try {
      const store = new Store(other.dir);
      await runPipeline({ store, config: parseConfig({}), command: 'test', stages: STAGE_NAMES, source: createDirSource(SAMPLES), lexicon, log: silentLogger });
      store.close();
      expect(sha(join(other.dir, 'export', 'diagnosis.jsonl'))).toBe(sha(exportFile()));
    } finally { other.cleanup(); }
  }, 120_000);

  it('status --json prints counts and audit lists a question\'s decisions with rule, reason and span', () => {
    const st = cli(['status', '--workdir', work.dir, '--json']);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.stages.find((s: { stage: string }) => s.stage === 'fetch').done).toBe(48);
    expect(status.orphanet_release).toBe(lexicon.release);

    const id = rows()[0].id;
    const au = cli(['audit', '--workdir', work.dir, '--question', id, '--json']);
    expect(au.code).toBe(0);
    const audit = JSON.parse(au.stdout);
    expect(audit.question.id).toBe(id);
    const cut = audit.decisions.find((d: { action: string }) => d.action === 'cut');
    expect(cut.rule).toBe('generate.diagnosis.decision_point');
    expect(cut.span_start).toBeTypeOf('number');
    expect(cut.matched_text.length).toBeGreaterThan(0);
    expect(audit.diagnosis.status).toBe('accepted');

    const text = cli(['audit', '--workdir', work.dir, '--question', id]);
    expect(text.stdout).toContain('how the answer was chosen');

    const missing = cli(['audit', '--workdir', work.dir, '--question', 'dx-PMC1-c1-00000000']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});

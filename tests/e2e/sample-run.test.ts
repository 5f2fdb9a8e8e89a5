// The slice on real files: the bundled corpus through every stage, as `npm start` runs it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Store } from '../../db/store.ts';
import { unpackText } from '../../db/packed-json.ts';
import { readSectionText } from '../../db/article-text.ts';
import { parseConfig } from '../../schemas/config.ts';
import { EXPORT_SCHEMAS, TRACKS, type ExportRow } from '../../schemas/export.ts';
import { scanRow } from '../../pipeline/export/scanner.ts';
import { runBuild as runPipeline, STAGE_NAMES } from '../../pipeline/compose.ts';
import { createDirSource } from '../../pipeline/fetch/dir-source.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import { defaultLexicon as loadLexicon } from '../../ontology/index.ts';
import { americanize } from '../../ontology/match/normalize.ts';
import { sampleCorpus, tempDir, cli } from '../helpers.ts';
import { lastUserText, startLoopbackOpenAi, type Fault } from '../../scripts/loopback-openai/server.ts';

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
const exportFile = (track = 'diagnosis') => join(work.dir, 'export', `${track}.jsonl`);
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const rowsOf = (track: string): ExportRow[] => readFileSync(exportFile(track), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const rows = () => rowsOf('diagnosis');
const allRows = () => TRACKS.flatMap((t) => rowsOf(t));

beforeAll(async () => {
  work = tempDir();
  firstCounts = (await runOnce(work.dir)).counts;
}, 180_000);
afterAll(() => work.cleanup());

describe('end to end on the bundled real corpus', () => {
  it('fetches and extracts all 48 case reports and exports at least 8 schema-valid questions in each of the four tracks', () => {
    const byStage = Object.fromEntries(firstCounts.map((c) => [c.stage, c]));
    expect(byStage.fetch.kept).toBe(48);
    expect(byStage.extract.kept).toBeGreaterThanOrEqual(46);
    for (const track of TRACKS) {
      const r = rowsOf(track);
      expect(r.length, track).toBeGreaterThanOrEqual(8);
      const keys = Object.keys(r[0]).join(',');
      for (const row of r) {
        // the track's schema on every row, and the same fields in the same order on every row
        const parsed = EXPORT_SCHEMAS[track].safeParse(row);
        expect(parsed.success, `${row.id}: ${parsed.success ? '' : parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`).toBe(true);
        expect(row.track).toBe(track);
        expect(Object.keys(row).join(','), row.id).toBe(keys);
        expect(row.id.slice(0, 3)).toBe({ diagnosis: 'dx-', treatment: 'tx-', 'cross-image': 'xi-', examination: 'ex-' }[track]);
      }
      // sorted by id, ids unique
      const ids = r.map((x) => x.id);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    }
    for (const row of rowsOf('cross-image')) expect(row.images.length, row.id).toBeGreaterThanOrEqual(2);
    for (const row of rowsOf('examination')) expect(row.context).toBe('');
  });

  it('every evidence pointer resolves: image ids are shown or withheld, spans land inside the stored sentence or caption', () => {
    const store = new Store(work.dir);
    try {
      const sentence = store.db.prepare('SELECT text FROM sentences WHERE pmcid = ? AND section_id = ? AND start_offset = ? AND end_offset = ?');
      const caption = store.db.prepare('SELECT caption FROM figures WHERE pmcid = ? AND figure_id = ?');
      let checked = 0;
      const check = (row: ExportRow, s: { kind: 'sentence'; section_id: string; sentence_start: number; sentence_end: number; start: number; end: number; text: string } | { kind: 'caption'; figure_id: string; start: number; end: number; text: string }) => {
        if (s.kind === 'sentence') {
          const stored = sentence.pluck().get(row.pmcid, s.section_id, s.sentence_start, s.sentence_end) as string | undefined;
          expect(stored, `${row.id}: no stored sentence at ${s.section_id}:${s.sentence_start}`).toBeDefined();
          expect(s.start >= s.sentence_start && s.end <= s.sentence_end, row.id).toBe(true);
          expect(readSectionText(store.db, row.pmcid, s.section_id)!.slice(s.start, s.end)).toBe(s.text); // db/article-text.ts
        } else {
          expect((caption.pluck().get(row.pmcid, s.figure_id) as string).slice(s.start, s.end), row.id).toBe(s.text);
        }
        checked++;
      };
      for (const row of allRows()) {
        const ids = new Set([...row.images.map((i) => i.id), ...row.withheld_images.map((w) => w.id)]);
        if (row.track === 'treatment') for (const i of [...row.rubric_must_include, ...row.rubric_must_not]) check(row, i.source);
        if (row.track === 'examination') {
          for (const k of row.evidence.key_tests) { check(row, k.source); for (const im of k.withheld_images) expect(ids.has(im), im).toBe(true); }
          for (const f of [...row.red_flags_to_rule_out, ...row.must_not]) check(row, f.source);
        }
        if (row.track === 'cross-image') for (const c of row.golden_mainline) { for (const s of c.sources) check(row, s); for (const im of c.images) expect(ids.has(im), im).toBe(true); }
        const mapping = row.track === 'cross-image' ? row.figure_mapping : row.evidence.figure_mapping;
        for (const f of mapping) expect(row.images.some((i) => i.id === f.image_id && i.label === f.image), row.id).toBe(true);
      }
      expect(checked).toBeGreaterThan(50);
    } finally { store.close(); }
  });

  it('the residual scan over every model-visible field of every exported row finds nothing', () => {
    const store = new Store(work.dir);
    try {
      const captions = store.db.prepare('SELECT caption FROM figures WHERE pmcid = ? AND figure_id = ?');
      let scanned = 0;
      for (const row of allRows()) {
        const figs = row.images.map((i) => i.id.replace(`${row.pmcid}-`, '').replace(/-\d+(?:#\w+)?$/, ''));
        const hidden = { captions: row.track === 'cross-image' ? figs.map((f) => captions.pluck().get(row.pmcid, f) as string).filter(Boolean) : [], imageText: {} };
        expect(scanRow(row, hidden), row.id).toEqual([]);
        scanned++;
      }
      expect(scanned).toBeGreaterThanOrEqual(32);
    } finally { store.close(); }
  });

  it('the release notice carries the credit lines of every vocabulary and Orphanet', () => {
    const notice = readFileSync(join(work.dir, 'export', 'NOTICE.md'), 'utf8');
    for (const words of ['NLM MeSH', 'MAxO', 'CC BY 4.0', 'DrugBank', 'Orange Book', 'Orphanet']) expect(notice).toContain(words);
    const row = rowsOf('treatment')[0];
    expect(row.provenance.vocabularies.map((v) => v.id)).toContain('mesh_d');
    for (const track of TRACKS) expect(readFileSync(join(work.dir, 'export', `MANIFEST.${track}.sha256`), 'utf8')).toContain('  NOTICE.md');
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
    for (const row of allRows()) {
      for (const term of [row.orpha_name, ...row.orpha_aliases]) {
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
    for (const row of allRows()) {
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
      for (const r of store.db.prepare("SELECT value_json FROM attributes WHERE stage = 'extract' AND name = 'image_normalisation'").all() as { value_json: string | Buffer }[]) {
        for (const [k, v] of Object.entries(JSON.parse(unpackText(r.value_json)) as Record<string, string>)) attr.set(k, v);
      }
      for (const im of images) expect(['kept_as_published', 're_encoded']).toContain(attr.get(im.image_id));
    } finally { store.close(); }
  });

  it('a second run does no repeated work and leaves the export byte-identical', async () => {
    const files = TRACKS.flatMap((t) => [exportFile(t), join(work.dir, 'export', `MANIFEST.${t}.sha256`)]);
    const before = files.map(sha);
    const again = await runOnce(work.dir);
    for (const c of again.counts) expect(c.new, c.stage).toBe(0);
    expect(files.map(sha)).toEqual(before);
  }, 120_000);

  it('a deleted or edited export file is restored by the next run, and only export re-runs', async () => {
    const before = readFileSync(exportFile());
    const img = join(work.dir, 'export', rows()[0].images[0].file);
    const imgBytes = readFileSync(img);
    rmSync(exportFile());
    writeFileSync(img, 'x');
    const again = await runOnce(work.dir);
    // export re-runs (every track whose files include the edited image), nothing else does
    for (const c of again.counts) if (c.stage === 'export') expect(c.new).toBeGreaterThanOrEqual(1); else expect(c.new, c.stage).toBe(0);
    expect(readFileSync(exportFile()).equals(before)).toBe(true);
    expect(readFileSync(img).equals(imgBytes)).toBe(true);
  }, 120_000);

  it('the same inputs in another work directory give byte-identical exports', async () => {
    const other = tempDir();
    try {
      const store = new Store(other.dir);
      await runPipeline({ store, config: parseConfig({}), command: 'test', stages: STAGE_NAMES, source: createDirSource(SAMPLES), lexicon, log: silentLogger });
      store.close();
      for (const t of TRACKS) expect(sha(join(other.dir, 'export', `${t}.jsonl`)), t).toBe(sha(exportFile(t)));
      expect(sha(join(other.dir, 'export', 'NOTICE.md'))).toBe(sha(join(work.dir, 'export', 'NOTICE.md')));
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

    // every track's questions are audited the same way
    for (const t of ['treatment', 'cross-image', 'examination']) {
      const q = rowsOf(t)[0];
      const a = JSON.parse(cli(['audit', '--workdir', work.dir, '--question', q.id, '--json']).stdout);
      expect(a.question.id).toBe(q.id);
      expect(a.decisions.some((d: { rule: string }) => d.rule.startsWith('generate.'))).toBe(true);
    }

    const missing = cli(['audit', '--workdir', work.dir, '--question', 'dx-PMC1-c1-00000000']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a track switched to the model-backed generator (loopback OpenAI server with 429, 5xx, malformed and slow answers) re-runs alone, writes the same schema, passes the same checks; a rerun sends nothing', async () => {
    // the "model": it quotes the first three words of the first numbered sentence it is given; the first time
    // it is asked it answers prose (the client re-asks for JSON)
    let prose = true;
    const server = await startLoopbackOpenAi({
      slowMs: 300,
      plan: (n) => ({ 1: '429', 2: '5xx', 3: 'malformed', 4: 'slow' } as Record<number, Fault>)[n] ?? null,
      retryAfterSeconds: 0,
      handler: (req) => {
        if (prose) { prose = false; return 'Sure, here is the rubric you asked for.'; }
        const first = lastUserText(req).split('\n').find((l) => /^\d+: /.test(l))!;
        const n = Number(first.split(':')[0]);
        const quote = first.slice(first.indexOf(': ') + 2).split(/\s+/).slice(0, 3).join(' ');
        return JSON.stringify({ must_include: [{ item: `as given: ${quote}`, kind: 'procedure', sentence: n, quote }], must_not: [] });
      },
    });
    try {
      const config = parseConfig({
        generate: { generators: { treatment: 'llm' } },
        llm: { generate: { baseUrl: server.url, model: 'loopback-model', concurrency: 2, rps: 50, timeoutMs: 5000, maxRetries: 4 } },
      });
      const build = async () => {
        const store = new Store(work.dir);
        try {
          return await runPipeline({ store, config, command: 'test', stages: STAGE_NAMES, source: createDirSource(SAMPLES), lexicon, log: silentLogger });
        } finally { store.close(); }
      };
      const strip = (r: ExportRow) => ({ ...r, provenance: { ...r.provenance, config_hash: '' } });
      const dxBefore = rowsOf('diagnosis').map(strip);
      const res = await build();
      const gen = res.counts.find((c) => c.stage === 'generate')!;
      // only the treatment items re-ran
      const store = new Store(work.dir);
      const txItems = store.db.prepare(`SELECT count(*) FROM stage_progress WHERE stage = 'generate' AND item_key LIKE '%:treatment'`).pluck().get() as number;
      const calls = store.db.prepare(`SELECT count(*) FROM llm_calls WHERE use = 'generate' AND status = 'ok'`).pluck().get() as number;
      store.close();
      expect(gen.new).toBe(txItems);
      expect(gen.pending).toBe(0);
      // the faults were retried: more requests than answers; the prose answer was re-asked once
      const sent = server.log.length;
      expect(sent).toBeGreaterThan(calls);
      expect(calls).toBeGreaterThanOrEqual(9);
      const tx = rowsOf('treatment');
      expect(tx.length).toBeGreaterThanOrEqual(8);
      for (const row of tx) {
        expect(EXPORT_SCHEMAS.treatment.safeParse(row).success).toBe(true);
        expect(row.provenance.generator).toMatchObject({ kind: 'llm', model: 'loopback-model' });
        expect(row.provenance.generator.prompt_version).toMatch(/^generate\.treatment@1#/);
        expect(scanRow(row, { captions: [], imageText: {} })).toEqual([]);
      }
      // the other tracks did not change (but for the config hash every row carries)
      expect(rowsOf('diagnosis').map(strip)).toEqual(dxBefore);
      const again = await build();
      expect(server.log.length).toBe(sent);                     // a second run sends no request
      for (const c of again.counts) expect(c.new, c.stage).toBe(0);
    } finally { await server.close(); }
  }, 240_000);
});

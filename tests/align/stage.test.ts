// The align stage on real case reports in a store: review items carry their candidates, decisions record the
// rules and the link, the optional chooser runs only on uncertain cases (a failure of the endpoint leaves the
// article pending), and `mmrare status` counts review items apart from drops.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { alignConfigSlice, createAlignStage } from '../../pipeline/align/stage.ts';
import { runStage } from '../../pipeline/runner/runner.ts';
import { silentLogger } from '../../pipeline/runner/log.ts';
import type { StageContext } from '../../pipeline/runner/stage.ts';
import { statusReport } from '../../pipeline/cli/commands/status.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';
import type { Chooser } from '../../ontology/diagnose/choose.ts';
import { RemoteError } from '../../pipeline/client/errors.ts';
import { caseReportPath } from '../shared-data.ts';
import { tempDir } from '../helpers.ts';
import { lexicon } from '../ontology/helpers.ts';

let cleanups: (() => void)[] = [];
afterEach(() => { cleanups.forEach((c) => c()); cleanups = []; });

// PMC4739447 polyarteritis nodosa (accepted), PMC6358581 Lemierre syndrome discussed (review), PMC4735920 poisoning (no match)
const PMCIDS = ['PMC4739447', 'PMC6358581', 'PMC4735920'];

function storeWithArticles(config = parseConfig({})): { store: Store; ctx: StageContext } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const store = new Store(t.dir);
  cleanups.unshift(() => store.close());
  const db = store.db;
  const runId = Number(db.prepare(`INSERT INTO runs (command, started_at, config_json, config_hash, versions_json) VALUES ('test', 'now', '{}', 'h', '{}')`).run().lastInsertRowid);
  db.prepare(`INSERT INTO blobs (sha256, size, media_type) VALUES ('b', 1, 'x')`).run();
  for (const pmcid of PMCIDS) {
    const r = parseJats(readFileSync(caseReportPath(pmcid)), { allowNoCase: true });
    if (!r.ok) throw new Error(pmcid);
    db.prepare(`INSERT INTO articles (pmcid, version, title, license_code, source, source_urls_json, metadata_sha256, xml_sha256) VALUES (?, 1, ?, 'CC BY', 'dir', '[]', 'b', 'b')`).run(pmcid, r.article.title);
    db.prepare(`INSERT INTO article_text (pmcid, title, abstract, article_type, journal, parsed_json) VALUES (?, ?, ?, ?, '', ?)`).run(pmcid, r.article.title, r.article.abstract, r.article.articleType, JSON.stringify(r.article));
    db.prepare(`INSERT INTO stage_progress (stage, item_key, input_hash, config_hash, stage_version, status, output_hash, updated_at) VALUES ('extract', ?, 'i', 'c', '1', 'done', ?, 'now')`).run(pmcid, `h-${pmcid}`);
  }
  return { store, ctx: { store, config, runId, log: silentLogger } };
}

const decisions = (store: Store, pmcid: string) => store.db.prepare(`SELECT action, reason_code, rule, matched_text, detail_json FROM decisions WHERE stage = 'align' AND item_key = ? ORDER BY id`).all(pmcid) as { action: string; reason_code: string; rule: string; matched_text: string | null; detail_json: string }[];

describe('align stage', () => {
  it('writes accepted, review and dropped cases; a review item lists its candidates; status counts reviews apart', async () => {
    const { store, ctx } = storeWithArticles();
    const counts = await runStage(createAlignStage(lexicon()), ctx);
    expect(counts.kept).toBe(3);
    const rows = Object.fromEntries((store.db.prepare('SELECT pmcid, orpha_code, status, link_json FROM case_diagnoses').all() as { pmcid: string; orpha_code: string | null; status: string; link_json: string | null }[]).map((r) => [r.pmcid, r]));
    expect(rows.PMC4739447).toMatchObject({ orpha_code: '767', status: 'accepted' });
    expect(JSON.parse(rows.PMC4739447.link_json!)).toMatchObject({ kind: 'exact', chain: [{ relation: 'text' }, { code: '767', relation: 'name' }] });
    expect(rows.PMC6358581).toMatchObject({ orpha_code: null, status: 'needs_review' });
    expect(rows.PMC4735920).toMatchObject({ orpha_code: null, status: 'no_match', link_json: null });

    const review = decisions(store, 'PMC6358581').filter((d) => d.action === 'review');
    expect(review).toHaveLength(1);
    expect(review[0]).toMatchObject({ reason_code: 'diagnosis_low_confidence', rule: 'align.diagnose.needs_review' });
    const detail = JSON.parse(review[0].detail_json);
    expect(detail.candidates[0]).toMatchObject({ orphaCode: '137839', orphaName: 'Lemierre syndrome' });
    expect(detail.candidates[0].score).toBeGreaterThan(0);
    expect(detail.candidates[0].evidence.length).toBeGreaterThan(0);
    expect(decisions(store, 'PMC4735920').map((d) => d.action)).toContain('drop');

    const st = statusReport(store).stages.find((s) => s.stage === 'align')!;
    expect(st).toMatchObject({ done: 3, dropped: 0, review: 1, review_by_reason: { diagnosis_low_confidence: 1 } });
  });

  it('with the chooser on, asks only about the uncertain case and records the model', async () => {
    const config = parseConfig({ align: { chooser: { enabled: true } }, llm: { align: { baseUrl: 'http://127.0.0.1:9/v1', model: 'stub' } } });
    const { store, ctx } = storeWithArticles(config);
    const asked: string[] = [];
    const chooser: Chooser = { model: 'stub', promptVersion: 'align-choose@1', async choose(r) { asked.push(r.caseKey); return { choice: r.candidates[0].code, model: 'stub', promptVersion: 'align-choose@1', cached: false }; } };
    await runStage(createAlignStage(lexicon(), { chooser }), ctx);
    expect(asked).toEqual(['PMC6358581#1']);
    const row = store.db.prepare(`SELECT orpha_code, status, rules_json FROM case_diagnoses WHERE pmcid = 'PMC6358581'`).get() as { orpha_code: string; status: string; rules_json: string };
    expect(row).toMatchObject({ orpha_code: '137839', status: 'accepted' });
    expect(JSON.parse(row.rules_json).map((r: { rule: string }) => r.rule)).toContain('model_choice');
    expect(decisions(store, 'PMC6358581').some((d) => d.rule === 'align.link.model')).toBe(true);
    expect(statusReport(store).stages.find((s) => s.stage === 'align')!.review).toBe(0);
  });

  it('an endpoint that stays down leaves the article pending (retried next run), the others done', async () => {
    const config = parseConfig({ align: { chooser: { enabled: true } }, llm: { align: { baseUrl: 'http://127.0.0.1:9/v1', model: 'stub' } } });
    const { store, ctx } = storeWithArticles(config);
    const down: Chooser = { model: 'stub', promptVersion: 'align-choose@1', choose: async () => { throw new RemoteError('rate_limited', '429', { retryable: true, status: 429 }); } };
    const counts = await runStage(createAlignStage(lexicon(), { chooser: down }), ctx);
    expect(counts.pending).toBe(1);
    expect(counts.kept).toBe(2);
    const p = store.db.prepare(`SELECT status, error FROM stage_progress WHERE stage = 'align' AND item_key = 'PMC6358581'`).get() as { status: string; error: string };
    expect(p.status).toBe('pending');
    expect(p.error).toMatch(/align\.chooser: rate_limited/);
  });

  it('the config slice: chooser settings count only when it is on, the endpoint by model and sampling only', () => {
    const rel = lexicon().release;
    const ep = (o: Record<string, unknown> = {}) => ({ baseUrl: 'http://127.0.0.1:9/v1', model: 'x', ...o });
    const off = alignConfigSlice(parseConfig({ llm: { align: ep() } }), rel);
    expect(off).toEqual(alignConfigSlice(parseConfig({}), rel));
    const on1 = alignConfigSlice(parseConfig({ align: { chooser: { enabled: true } }, llm: { align: ep({ timeoutMs: 500 }) } }), rel);
    const on2 = alignConfigSlice(parseConfig({ align: { chooser: { enabled: true } }, llm: { align: ep({ timeoutMs: 9000, maxRetries: 1, baseUrl: 'http://127.0.0.1:10/v1' }) } }), rel);
    expect(on1).toEqual(on2);
    expect(on1).not.toEqual(alignConfigSlice(parseConfig({ align: { chooser: { enabled: true } }, llm: { align: ep({ model: 'y' }) } }), rel));
    expect(parseConfig({}).align).toMatchObject({ minConfidence: 0.5, allowParticularSituations: false, chooser: { enabled: false, topK: 5 } });
  });

  it('the chooser on without an llm.align endpoint is a configuration error, not a crash per article', async () => {
    const { ctx } = storeWithArticles(parseConfig({ align: { chooser: { enabled: true } } }));
    await expect(runStage(createAlignStage(lexicon()), ctx)).rejects.toThrow(/llm\.align/);
  });
});

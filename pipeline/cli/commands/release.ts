// `mmrare export --format FORMAT --out DIR`: the release exports (docs/release.md). Without --format,
// `mmrare export` stays the pipeline's draft-JSONL stage (run.ts). The rows are the reviewed questions
// (db/review-state.ts), built and checked in pipeline/export/release/; this module only wires options.
import { configHash } from '../../../schemas/config.ts';
import { stderrLogger } from '../../runner/log.ts';
import { InputError } from '../../core/errors.ts';
import { DEFAULT_RELEASE_PRESET, RELEASE_LICENCE_PRESETS } from '../../core/licence.ts';
import { UsageError } from '../errors.ts';
import { WorkdirError } from '../../../db/store.ts';
import type Database from 'better-sqlite3';
import type { ReleaseManifest } from '../../export/release/changes.ts';
import { dataLocations, loadConfig, openCommandLexicon, openStore } from '../globals.ts';
import type { CliIo } from '../io.ts';
import type { OptionTable } from '../options.ts';
import type { Command } from './index.ts';

const FORMATS = ['hf', 'vlmeval', 'lmms-eval', 'labelstudio', 'jsonl'];

export const RELEASE_OPTIONS: OptionTable = {
  format: { type: 'string', value: 'FORMAT', description: `write a release instead of the draft JSONL: ${FORMATS.join(', ')} (docs/release.md)` },
  out: { type: 'string', value: 'DIR', description: 'with --format: the release folder (new, empty, or an earlier release, which CHANGES.md compares against)' },
  draft: { type: 'boolean', default: false, description: 'with --format: every question that passed leak control, reviewed or not (default for jsonl and labelstudio)' },
  'only-accepted': { type: 'boolean', default: false, description: 'with --format: only questions accepted in review (default for hf, vlmeval, lmms-eval)' },
  'licence-preset': { type: 'string', value: 'NAME', description: `with --format: the licences the release may redistribute: ${Object.keys(RELEASE_LICENCE_PRESETS).join(', ')} (default ${DEFAULT_RELEASE_PRESET}); other rows are left out and listed` },
  'hf-path': { type: 'string', value: 'PATH', description: 'with --format lmms-eval: dataset_path of the task YAMLs (default "hf", the HF folder bundled beside them; or a Hub id)' },
  'image-urls': { type: 'string', value: 'KIND', description: 'with --format labelstudio: local-files (default: /data/local-files/?d=images/…, served from DIR) or data (data URLs in tasks.json)' },
};

const RELEASE_ONLY = Object.keys(RELEASE_OPTIONS).filter((k) => k !== 'format');

export async function runRelease(values: Record<string, any>, io: CliIo): Promise<number> {
  const format = String(values.format);
  if (!FORMATS.includes(format)) throw new UsageError(`--format ${format}: unknown format; give one of ${FORMATS.join(', ')}`, 'export');
  if (!values.out) throw new UsageError('--format needs --out DIR (the release folder)', 'export');
  if (values.draft && values['only-accepted']) throw new UsageError('give --draft or --only-accepted, not both', 'export');
  const preset = values['licence-preset'] ?? DEFAULT_RELEASE_PRESET;
  if (!RELEASE_LICENCE_PRESETS[preset]) throw new UsageError(`--licence-preset ${preset}: unknown preset; give one of ${Object.keys(RELEASE_LICENCE_PRESETS).join(', ')}`, 'export');
  const imageUrls = values['image-urls'] ?? 'local-files';
  if (imageUrls !== 'local-files' && imageUrls !== 'data') throw new UsageError(`--image-urls ${imageUrls}: give local-files or data`, 'export');
  const { ACCEPTED_BY_DEFAULT, planRelease } = await import('../../export/release/plan.ts');
  const draft = values.draft ? true : values['only-accepted'] ? false : !ACCEPTED_BY_DEFAULT.includes(format as never);

  const config = loadConfig(values);
  const log = stderrLogger({ debug: values.debug });
  // the release is recorded in the store (releases, release_exclusions); a store that cannot be written is read only
  let store;
  try { store = openStore(values, { mustExist: true }); } catch (e) {
    if (!(e instanceof WorkdirError)) throw e;
    store = openStore(values, { readonly: true });
    log.warn(`the store in ${store.workdir} is not writable: the release is written but not recorded in it`);
  }
  try {
    const lexicon = (await openCommandLexicon(values, config, log)).lexicon;
    const vocab = (await import('../../../ontology/vocab/cache.ts')).openVocab(dataLocations(values, config), { warn: (m) => log.warn(m) }).vocab;
    const vocabularies = vocab.sources.map((s) => ({ id: s.id, name: s.name, version: s.version, licence: s.licence, credit: s.credit }));
    const { STAGE_VERSIONS, PIPELINE_VERSION } = await import('../../compose.ts');
    // the rows were built by the latest finished run: its config hash and Orphanet release go into their provenance
    const built = store.db.prepare(`SELECT config_hash, orphanet_release FROM runs WHERE status = 'ok' ORDER BY id DESC LIMIT 1`).get() as { config_hash: string; orphanet_release: string | null } | undefined;
    const prov = {
      pipelineVersion: PIPELINE_VERSION, configHash: built?.config_hash ?? configHash(config), orphanetRelease: built?.orphanet_release ?? lexicon.release,
      stageVersions: { ...STAGE_VERSIONS }, vocabularies,
    };
    const { loadRelease } = await import('../../export/release/load.ts');
    const { previousRelease, writeRelease } = await import('../../export/release/write.ts');
    const { noticeFile } = await import('../../export/plan.ts');
    const input = loadRelease(store, { draft, tracks: config.generate.tracks, preset, prov });
    const leftLines = input.leftOut.map((l) => `  ${l.id} (${l.license}): ${l.reason} — ${l.detail}`);
    if (!input.rows.length) {
      if (!draft && input.considered === 0) {
        throw new InputError(`0 accepted questions in ${store.workdir}: nothing to release as ${format} (review them with mmrare review, or export every question that passed leak control with --draft)`);
      }
      throw new InputError(`nothing to release as ${format}: all ${input.considered} ${draft ? '' : 'accepted '}questions were left out:\n${leftLines.join('\n')}\n(another --licence-preset, e.g. noncommercial-ok or all, or --draft)`);
    }
    const previous = previousRelease(values.out);
    const plan = planRelease(format as never, input, previous, { hfPath: values['hf-path'], imageUrls, notice: noticeFile({ release: lexicon.release, licence: lexicon.source.licence }, vocabularies) });
    const res = writeRelease(values.out, plan);
    const m = plan.manifest;
    if (!store.readonly) recordRelease(store.db, { format, dir: res.dir, m, manifestSha: plan.files.find((f) => f.path === 'MANIFEST')!.sha256 });
    if (values.json) {
      io.out(JSON.stringify({
        format, out: res.dir, selection: m.selection, licence_preset: preset, rows: input.rows.length, tracks: m.tracks, files: res.files, bytes: res.bytes,
        left_out: input.leftOut,
        changes: { initial: m.changes.initial, added: m.changes.added.map((c) => c.id), changed: m.changes.changed.map((c) => c.id), withdrawn: m.changes.withdrawn.map((c) => c.id) },
      }, null, 2));
    } else {
      io.out(`release ${format}: ${input.rows.length} ${m.selection === 'accepted' ? 'accepted' : 'DRAFT (not all reviewed)'} questions — ${Object.entries(m.tracks).map(([t, n]) => `${t} ${n}`).join(', ')}; licence preset ${preset}`);
      if (input.leftOut.length) { io.out(`left out: ${input.leftOut.length} questions`); for (const l of leftLines) io.out(l); }
      io.out(m.changes.initial ? 'changes:  initial release' : `changes:  ${m.changes.added.length} added, ${m.changes.changed.length} changed, ${m.changes.withdrawn.length} withdrawn (CHANGES.md)`);
      io.out(`written:  ${res.dir}/ (${res.files} files, ${(res.bytes / 1e6).toFixed(1)} MB; MANIFEST, release.json, CHANGES.md)`);
    }
    return 0;
  } finally {
    store.close();
  }
}

/** One `releases` row and a `release_exclusions` row per question left out (migration 065). */
function recordRelease(db: Database.Database, r: { format: string; dir: string; m: ReleaseManifest; manifestSha: string }): void {
  db.transaction(() => {
    const id = db.prepare(`INSERT INTO releases (format, out_dir, selection, licence_preset, rows, left_out, manifest_sha256, pipeline_version, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(r.format, r.dir, r.m.selection, r.m.licence_preset, r.m.rows.length, r.m.left_out.length, r.manifestSha, r.m.pipeline_version, new Date().toISOString()).lastInsertRowid;
    const ins = db.prepare('INSERT INTO release_exclusions (release_id, question_id, track, pmcid, license, reason_code, rule, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const l of r.m.left_out) ins.run(id, l.id, l.track, l.pmcid, l.license, l.reason, l.rule, l.detail);
  })();
}

/** The export stage command, with the release options: --format selects the release, its absence the stage. */
export function withReleaseFormats(cmd: Command): Command {
  if (cmd.name !== 'export') return cmd;
  return {
    ...cmd,
    usage: 'mmrare export [options]  ·  mmrare export --format FORMAT --out DIR [--draft | --only-accepted] [--licence-preset NAME]',
    description: `${cmd.description}\nWith --format, writes a release of the reviewed questions instead: hf (Hugging Face dataset folder with Parquet, dataset card,\n` +
      'croissant.json), vlmeval (VLMEvalKit TSVs under MMrarebench/), lmms-eval (task YAMLs, utils.py, prompts, the HF folder),\n' +
      'labelstudio (tasks.json + label_config.xml for review), jsonl (release rows). Every folder gets MANIFEST, release.json,\n' +
      'CHANGES.md and NOTICE.md. 0 accepted questions is an error (exit 3): review first, or pass --draft.',
    examples: [...cmd.examples, 'mmrare export --workdir W --format hf --out release/hf', 'mmrare export --workdir W --format vlmeval --out ~/LMUData --draft --json'],
    options: { ...cmd.options, ...RELEASE_OPTIONS },
    run: (values, positionals, io) => {
      if (values.format) return runRelease(values, io);
      const given = RELEASE_ONLY.filter((k) => values[k] !== undefined && values[k] !== false);
      if (given.length) throw new UsageError(`${given.map((k) => `--${k}`).join(', ')} go with --format (a release); without it, mmrare export writes the draft JSONL`, 'export');
      return cmd.run(values, positionals, io);
    },
  };
}

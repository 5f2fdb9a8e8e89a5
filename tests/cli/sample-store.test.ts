// Issue #14 on a built benchmark: `mmrare run --sample` as `npm start` runs it, then the commands a user
// reaches for next (status, list, audit, show), each spawned as a user would, exit code and message checked.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../db/store.ts';
import { exportSummary } from '../../pipeline/cli/summary.ts';
import { REPO, tempDir } from '../helpers.ts';
import { sharedPath, sharedFiles } from '../shared-data.ts';
import { mmrare, type CliResult } from './helpers.ts';

const work = tempDir('mmrare-cli-sample-');
const W = join(work.dir, 'w');
let first: CliResult;
let json: Record<string, any>;
const rowsOf = (track: string): Record<string, any>[] => readFileSync(join(W, 'export', `${track}.jsonl`), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const TRACKS = ['cross-image', 'diagnosis', 'examination', 'treatment'];
const rows = (): Record<string, any>[] => rowsOf('diagnosis');
const allRows = (): Record<string, any>[] => TRACKS.flatMap(rowsOf);
const perTrack = (): Record<string, number> => Object.fromEntries(TRACKS.map((t) => [t, rowsOf(t).length]));
const jsonOf = (r: CliResult): any => { expect(r.code, r.stderr).toBe(0); return JSON.parse(r.stdout); };

beforeAll(() => {
  first = mmrare(['run', '--workdir', W, '--sample']);
  expect(first.code, first.stderr).toBe(0);
  json = jsonOf(mmrare(['run', '--workdir', W, '--json'])); // a rerun: nothing new, the same summary as JSON
}, 240_000);
afterAll(() => work.cleanup());

describe('12. the end-of-run summary says what was exported', () => {
  it('questions per track, that the images are placeholders, and what each stage\'s items are', () => {
    const per = perTrack();
    const n = allRows().length;
    for (const t of TRACKS) expect(per[t], t).toBeGreaterThanOrEqual(8);
    expect(first.stdout).toContain(`exported: ${n} questions — ${TRACKS.map((t) => `${t} ${per[t]}`).join(', ')}`);
    expect(first.stdout).toMatch(/images: {3}all \d+ exported images are PLACEHOLDERS .*do not evaluate models on them/);
    expect(first.stdout).toMatch(/^export\s+4\s+4\s+4\s+0\s+0\s+\d+\s+tracks$/m);
    expect(first.stdout).toMatch(/^fetch\s+48\s+48\s+48\s+0\s+0\s+\d+\s+articles$/m);
    expect(json.exported.questions).toEqual(per);
    expect(json.exported.placeholder_images).toBe(json.exported.images);
    // the image counts export recorded with each JSONL (the summary no longer parses the files) are the files' own
    const distinct = TRACKS.reduce((n, t) => n + new Set(rowsOf(t).flatMap((r) => r.images.map((im: { id: string }) => im.id))).size, 0);
    expect(distinct).toBeGreaterThan(0);
    expect(json.exported.images).toBe(distinct);
    const db = new Database(join(W, 'mmrare.db'), { readonly: true });
    try {
      const recorded = db.prepare(`SELECT COUNT(*) FROM exports WHERE track LIKE '%:images'`).pluck().get() as number;
      expect(recorded).toBe(TRACKS.length);
    } finally { db.close(); }
    // an export written before the counts were recorded: the summary reads the files and counts alike
    const old = join(work.dir, 'w-before-counts');
    cpSync(W, old, { recursive: true });
    const store = new Store(old);
    try {
      store.db.prepare(`DELETE FROM exports WHERE track LIKE '%:images' OR track LIKE '%:placeholder-images'`).run();
      expect(exportSummary(store)).toMatchObject({ images: json.exported.images, placeholder_images: json.exported.placeholder_images });
    } finally { store.close(); }
    expect(json.stages.every((s: { new: number }) => s.new === 0)).toBe(true);
  });
});

describe('10. one stage owns each drop; counts and decisions agree', () => {
  it('a case align found no match for is counted at align (in run and status), not again at generate', () => {
    const st = jsonOf(mmrare(['status', '--workdir', W, '--json']));
    const align = st.drops.find((d: { stage: string }) => d.stage === 'align');
    const generate = st.drops.find((d: { stage: string }) => d.stage === 'generate');
    const noMatch = align.parts.find((p: { reason: string; action: string }) => p.reason === 'diagnosis_no_match' && p.action === 'drop');
    expect(noMatch.unit).toBe('cases');
    expect(noMatch.n).toBeGreaterThan(0);
    // generate lists only cases with an accepted diagnosis (one item per case and track), so it neither drops nor follows these
    expect(generate.own.diagnosis_no_match).toBeUndefined();
    expect(generate.earlier.filter((e: { reason: string }) => e.reason === 'diagnosis_no_match')).toEqual([]);
    // the decisions say the same: align's drop decisions for that reason are the count shown
    const rule = jsonOf(mmrare(['audit', '--workdir', W, '--rule', 'diagnosis_no_match', '--json']));
    const own = rule.filter((d: { follows: string | null }) => !d.follows);
    expect(own.every((d: { stage: string }) => d.stage === 'align')).toBe(true);
    expect(own).toHaveLength(noMatch.n);
    expect(rule.filter((d: { follows: string | null }) => d.follows === 'align').every((d: { stage: string }) => d.stage === 'generate')).toBe(true);
    // the run summary lists the reason once, under align, and no longer prints "align … dropped 0" alone
    expect(first.stdout).toMatch(new RegExp(`^ {2}align\\s+diagnosis_no_match\\s+${noMatch.n}\\s+cases$`, 'm'));
    expect(first.stdout).not.toMatch(/^ {2}generate\s+diagnosis_no_match/m);
    // every case align dropped, whatever the reason (no match, no answer among the candidates, not rare)
    const caseDrops = align.parts.filter((p: { unit: string; action: string }) => p.unit === 'cases' && p.action === 'drop').reduce((a: number, p: { n: number }) => a + p.n, 0);
    expect(first.stdout).toMatch(new RegExp(`^align .*articles \\(cases: ${caseDrops} dropped, \\d+ held for review\\)$`, 'm'));
    // and the stage table's dropped column of generate counts only generate's own drops
    const g = json.stages.find((s: { stage: string }) => s.stage === 'generate');
    const ownTotal = Object.values(generate.own as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(first.stdout).toMatch(new RegExp(`^generate\\s+${g.seen}\\s+${g.seen}\\s+${g.kept}\\s+${ownTotal}\\s`, 'm'));
  });
});

describe('4. mmrare list', () => {
  it('lists the question ids with filters by track and status', () => {
    const all = jsonOf(mmrare(['list', '--workdir', W, '--json']));
    const exported = jsonOf(mmrare(['list', '--workdir', W, '--track', 'diagnosis', '--status', 'exported', '--json']));
    expect(exported.questions.map((q: { id: string }) => q.id)).toEqual(rows().map((r) => r.id));
    expect(all.count).toBeGreaterThanOrEqual(exported.count);
    const text = mmrare(['list', '--workdir', W, '--status', 'exported']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').filter((l) => /^dx-PMC/.test(l))).toHaveLength(exported.count);
    const per = perTrack();
    expect(text.stderr).toMatch(new RegExp(`^${allRows().length} questions: ${TRACKS.map((t) => `${t} ${per[t]} exported`).join('; ')}`));
    const bad = mmrare(['list', '--workdir', W, '--status', 'exportd']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/unknown status \(did you mean exported\?\); the statuses are exported, filtered, dropped, draft/);
    const track = mmrare(['list', '--workdir', W, '--track', 'diagnosys']);
    expect(track.code).toBe(3);
    expect(track.stderr).toMatch(/did you mean diagnosis\?/);
    const arts = jsonOf(mmrare(['list', '--workdir', W, '--articles', '--json']));
    expect(arts.count).toBe(48);
  });

  it('audit of an unknown question points to mmrare list', () => {
    const r = mmrare(['audit', '--workdir', W, '--question', 'dx-PMC1-c1-00000000']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no question dx-PMC1-c1-00000000 in this store.*list them with: mmrare list/);
  });
});

describe('5. the README\'s audit examples work; --rule and --summary', () => {
  it('every `mmrare audit` line of the README runs on the sample build and shows something', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const lines = [...readme.matchAll(/^npx mmrare (audit|show|list) (.*?)(?:\s+#.*)?$/gm)].map((m) => [m[1], ...m[2].trim().split(/\s+/)]);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const l of lines) {
      const args = l.map((a) => (a === 'W' ? W : a === 'audit.html' ? join(work.dir, 'readme-audit.html') : a));
      const r = mmrare(args);
      expect(r.code, `${l.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, l.join(' ')).not.toMatch(/^0 decisions/);
      expect(r.stdout.length, l.join(' ')).toBeGreaterThan(40);
    }
    const q = lines.find((l) => l.includes('--question'))!;
    expect(q[q.indexOf('--question') + 1]).toMatch(/^dx-PMC\d+-c\d+-[0-9a-f]{8}$/);
    const rule = lines.find((l) => l.includes('--rule'))!;
    expect(jsonOf(mmrare(['audit', '--workdir', W, '--rule', rule[rule.indexOf('--rule') + 1], '--json'])).length).toBeGreaterThan(0);
  });

  it('an unknown code is an error listing the known ones; a documented one that touched nothing says so', () => {
    const r = mmrare(['audit', '--workdir', W, '--rule', 'leak_synonim_in_context']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown reason code or rule "leak_synonim_in_context" \(did you mean leak_synonym_in_context\?\); the codes in this store: .*diagnosis_no_match \(\d+\)/);
    const quiet = mmrare(['audit', '--workdir', W, '--rule', 'article_retracted']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/a documented code that touched nothing in this store/);
  });

  it('--summary counts per rule and track', () => {
    const s = jsonOf(mmrare(['audit', '--workdir', W, '--summary', '--json']));
    expect(s.tracks).toEqual(['(before questions)', ...TRACKS]);
    const cuts = s.rows.filter((r: { action: string }) => r.action === 'cut').reduce((a: number, r: { decisions: number }) => a + r.decisions, 0);
    // one cut per question, but cross-image questions with an empty context have none
    const list = jsonOf(mmrare(['list', '--workdir', W, '--json']));
    expect(cuts).toBeGreaterThan(list.count / 2);
    expect(cuts).toBeLessThanOrEqual(list.count);
    const text = mmrare(['audit', '--workdir', W, '--summary']);
    expect(text.stdout).toMatch(/^align\s+drop\s+diagnosis_no_match\s/m);
  });

  it('--question shows every decision from case selection to each mask, spans in their sentence', () => {
    const id = 'dx-PMC4745306-c1-b5bd36cd';
    const a = jsonOf(mmrare(['audit', '--workdir', W, '--question', id, '--json']));
    expect(a.question).toMatchObject({ id, status: 'exported', exported: true });
    const stages = [...new Set(a.decisions.map((d: { stage: string }) => d.stage))];
    expect(stages).toEqual(expect.arrayContaining(['align', 'generate', 'filter']));
    const mask = a.decisions.find((d: { action: string }) => d.action === 'mask');
    expect(mask.in_sentence.span).toBe(mask.matched_text);
    expect(mask.in_sentence.before.length + mask.in_sentence.after.length).toBeGreaterThan(20);
    const cut = a.decisions.find((d: { action: string }) => d.action === 'cut');
    expect(cut.in_sentence.source).toMatch(/^section /);
    const text = mmrare(['audit', '--workdir', W, '--question', id]);
    expect(text.stdout).toMatch(/in its sentence \(question field "context"\): .*»CS«/);
    expect(text.stdout).toContain('how the answer was chosen');
  });
});

describe('8. show takes any unambiguous PMCID spelling', () => {
  it('4738710, pmc4738710, PMC4738710.1 and the PMID all show PMC4738710', () => {
    const ref = mmrare(['show', 'PMC4738710', '--workdir', W]);
    expect(ref.code).toBe(0);
    const pmid = rows().find((r) => r.pmcid === 'PMC4738710')?.pmid;
    for (const spelling of ['4738710', 'pmc4738710', 'PMC4738710.1', pmid]) {
      const r = mmrare(['show', spelling, '--workdir', W]);
      expect(r.code, `${spelling}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toBe(ref.stdout);
    }
    const none = mmrare(['show', 'PMC4738711', '--workdir', W]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/PMC4738711 is not in this store \(did you mean PMC4738710\?\)/);
  });
});

describe('13. PMIDs: from what the source knows', () => {
  it('the sample corpus metadata and every export row carry the PMID of the Europe PMC record', () => {
    const records = sharedFiles('ncbi-responses/europepmc/eupmc_result_records', /^PMC\d+\.json$/);
    const pmidOf = new Map(records.map((f) => {
      const rec = JSON.parse(readFileSync(join(sharedPath('ncbi-responses/europepmc/eupmc_result_records'), f), 'utf8'));
      return [rec.pmcid[0], rec.pmid[0]];
    }));
    const metas = readdirSync(join(W, 'sample-corpus', 'metadata')).map((f) => JSON.parse(readFileSync(join(W, 'sample-corpus', 'metadata', f), 'utf8')));
    const withRecord = metas.filter((m) => pmidOf.has(m.pmcid));
    expect(withRecord.length).toBeGreaterThanOrEqual(40);
    for (const m of metas) expect(m.pmid, m.pmcid).toBe(pmidOf.get(m.pmcid) ?? null);
    const exported = rows();
    expect(exported.filter((r) => r.pmid !== null).length).toBeGreaterThan(0);
    for (const r of exported) expect(r.pmid, r.id).toBe(pmidOf.get(r.pmcid) ?? null);
  });
});

describe('1. a store that cannot be written', () => {
  it('status, list, audit and show read it; run says the workdir is not writable (exit 6); never an internal error', () => {
    // a copy owned by root, read-only for everyone else; the commands run as `nobody` (CI runs as root)
    const ro = join(work.dir, 'ro');
    mkdirSync(ro);
    cpSync(join(W, 'mmrare.db'), join(ro, 'mmrare.db'));
    cpSync(join(W, 'blobs'), join(ro, 'blobs'), { recursive: true });
    const chmodTree = (p: string): void => {
      chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chmodTree(join(p, e));
    };
    chmodTree(ro);
    chmodSync(work.dir, 0o755);
    const home = join(work.dir, 'home-nobody');
    mkdirSync(home, { mode: 0o777 });
    chmodSync(home, 0o777);
    const asNobody = (args: string[]) => mmrare(args, { asUser: 'nobody', env: { HOME: home, XDG_CACHE_HOME: home, TMPDIR: home } });
    if (process.getuid?.() !== 0) chmodSync(ro, 0o555); // not root: our own permissions apply
    else {
      // the unprivileged user must be able to run mmrare itself: say so plainly if the checkout is private
      const probe = mmrare(['--version'], { asUser: 'nobody', env: { HOME: home, XDG_CACHE_HOME: home, TMPDIR: home } });
      expect(probe.code, `user nobody cannot run ${REPO}/pipeline/cli/bin.mjs (is the checkout or node_modules readable by others?): ${probe.stderr}`).toBe(0);
    }

    const st = asNobody(['status', '--workdir', ro, '--json']);
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout).questions.exported).toBe(allRows().length);
    for (const args of [['list', '--status', 'exported'], ['audit', '--summary'], ['audit', '--question', 'dx-PMC4745306-c1-b5bd36cd'], ['show', 'PMC4738710'],
      ['audit', '--html', join(home, 'a.html')]]) {
      const r = asNobody([...args, '--workdir', ro]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toMatch(/internal error|readonly database|EACCES/);
    }
    const run = asNobody(['run', '--workdir', ro]);
    expect(run.code).toBe(6);
    expect(run.stderr.trim()).toMatch(/^mmrare run: workdir .*\/ro is not writable \(.*\); choose another with --workdir DIR or fix its permissions$/);
    // a workdir to be made inside a folder that cannot be written: the same, not "EACCES … mkdir"
    const sub = asNobody(['run', '--workdir', join(ro, 'new', 'w'), '--sample']);
    expect(sub.code).toBe(6);
    expect(sub.stderr).toMatch(/workdir .*\/ro\/new\/w is not writable \(it does not exist and .*\/ro is not writable\)/);
    expect(readdirSync(ro).sort()).toEqual(['blobs', 'mmrare.db']); // nothing was written there
  }, 120_000);
});

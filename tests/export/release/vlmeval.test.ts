// The VLMEvalKit TSVs, loaded the way VLMEvalKit loads them: Debian's /usr/bin/python3 (not a pyenv
// python from PATH) with pandas.read_csv(sep='\t'), json.loads on the list columns, the base64 images
// decoded with PIL; compared with the release rows, a question holding a tab, quotes and a newline included.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { builtStore, jsonOut, questions, review, type TestStore } from './helpers.ts';
import { readFinalJson } from '../../../db/packed-json.ts';

const PY = '/usr/bin/python3';
const INSTALL = 'apt-get install -y python3-pandas python3-pil';
const LAYOUT: Record<string, string> = {
  diagnosis: 'MMrarebench/diagnosis/diagnosis_opened.tsv', treatment: 'MMrarebench/treatment/treatment_plan.tsv',
  'cross-image': 'MMrarebench/crossmodal/crossmodal_comparison.tsv', examination: 'MMrarebench/examination/examination_workup.tsv',
};
const TRICKY = 'He said "no"\tthen left;\nthe next day, \'he\' came back\r\n"quoted"';

let s: TestStore;
let OUT: string;
let rows: Record<string, any>[];
let tricky: string;

const READER = `
import sys, json, base64, hashlib, io
import pandas as pd
from PIL import Image
out = {}
LISTS = ["image", "image_path", "answer_aliases", "rubric_must_include", "rubric_must_not", "golden_mainline", "key_test_names", "must_not", "red_flags_to_rule_out"]
for track, path in json.loads(sys.argv[1]).items():
    df = pd.read_csv(path, sep="\\t", encoding="utf-8")
    recs = []
    for _, r in df.iterrows():
        rec = {"columns": list(df.columns)}
        for c in df.columns:
            v = r[c]
            if c in LISTS:
                rec[c] = json.loads(v)
            elif c == "figure_mapping":
                rec[c] = json.loads(v)
            elif isinstance(v, float) and v != v:
                rec[c] = None
            else:
                rec[c] = v if isinstance(v, str) else v.item() if hasattr(v, "item") else v
        imgs = []
        for b64 in rec["image"]:
            raw = base64.b64decode(b64)
            im = Image.open(io.BytesIO(raw)); im.load()
            imgs.append({"sha256": hashlib.sha256(raw).hexdigest(), "size": list(im.size)})
        rec["image"] = imgs
        recs.append(rec)
    out[track] = recs
print(json.dumps(out))
`;

function python(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(PY, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

beforeAll(() => {
  s = builtStore('vlmeval');
  const qs = questions(s).filter((q) => q.license === 'CC BY');
  const acc = qs.filter((_, i) => i % 2 === 0).map((q) => q.id);
  review(s, acc);
  // a question with a tab, quotes and newlines (as a reviewer's edit could leave it)
  tricky = acc.find((id) => id.startsWith('tx-'))!;
  const db = s.db();
  const f = JSON.parse(readFinalJson(db, tricky)!); // packed columns: db/packed-json.ts
  f.question = `${f.question} ${TRICKY}`;
  db.prepare('UPDATE filtered_questions SET final_json = ? WHERE id = ?').run(JSON.stringify(f), tricky);
  db.close();
  OUT = join(s.dir, 'LMUData');
  jsonOut(s.run(['export', '--format', 'vlmeval', '--out', OUT, '--json']));
  jsonOut(s.run(['export', '--format', 'jsonl', '--out', join(s.dir, 'jsonl'), '--only-accepted', '--json']));
  rows = Object.keys(LAYOUT).flatMap((t) => existsSync(join(s.dir, 'jsonl', `${t}.jsonl`)) ? readFileSync(join(s.dir, 'jsonl', `${t}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
}, 240_000);
afterAll(() => s.cleanup());

describe('vlmeval: the TSVs as VLMEvalKit reads them', () => {
  it(`pandas + PIL in ${PY} read every row back: text, lists, figure mapping, images (else: ${INSTALL})`, () => {
    const probe = python(['-c', 'import pandas, PIL']);
    if (probe.code !== 0) throw new Error(`${PY} lacks pandas or PIL; install them:\n${INSTALL}`);
    const paths = Object.fromEntries(Object.entries(LAYOUT).filter(([t]) => rows.some((r) => r.track === t)).map(([t, p]) => [t, join(OUT, p)]));
    expect(Object.keys(paths).length).toBe(4);
    const r = python(['-c', READER, JSON.stringify(paths)]);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, any[]>;
    for (const [t, recs] of Object.entries(got)) {
      const want = rows.filter((x) => x.track === t);
      expect(recs.map((x) => x.question_id), t).toEqual(want.map((x) => x.id));
      expect(new Set(recs.map((x) => x.index)).size).toBe(recs.length);
      for (const [i, g] of recs.entries()) {
        const w = want[i];
        expect(g.question).toBe(w.question);
        expect(g.context ?? '').toBe(t === 'examination' ? '' : w.context);
        expect(g.answer).toBe(w.answer);
        expect(g.pmcid).toBe(w.pmcid);
        expect(g.license).toBe(w.license);
        expect(g.publication_date).toBe(w.publication_date);
        expect(g.pmc_version).toBe(w.pmc_version);
        expect(g.image.map((im: any) => im.sha256)).toEqual(w.images.map((im: any) => im.sha256));
        expect(g.image.map((im: any) => im.size)).toEqual(w.images.map((im: any) => [im.width, im.height]));
        expect(g.image_path).toEqual(w.images.map((im: any) => `images/${im.sha256}.png`));
        for (const p of g.image_path) expect(createHash('sha256').update(readFileSync(join(OUT, LAYOUT[t], '..', p))).digest('hex')).toBe(p.slice(7, 71));
        expect(g.figure_mapping).toEqual(Object.fromEntries(w.images.map((im: any) => [im.label, `images/${im.sha256}.png`])));
        if (t === 'diagnosis') { expect(g.answer_aliases).toEqual(w.answer_aliases); expect(g.columns).toContain('answer_aliases'); }
        if (t === 'treatment') { expect(g.rubric_must_include).toEqual(w.rubric_must_include.map((x: any) => x.item)); expect(g.rubric_must_not).toEqual(w.rubric_must_not.map((x: any) => x.item)); }
        if (t === 'cross-image') { expect(g.golden_mainline.map((c: any) => c.claim)).toEqual(w.golden_mainline.map((c: any) => c.claim)); expect(g.relation_type).toBe(w.relation_type); }
        if (t === 'examination') { expect(g.key_test_names).toEqual(w.key_test_names); expect(g.must_not).toEqual(w.must_not.map((x: any) => x.item)); expect(g.red_flags_to_rule_out).toEqual(w.red_flags_to_rule_out.map((x: any) => x.item)); }
      }
    }
    const tx = got.treatment.find((x) => x.question_id === tricky)!;
    expect(tx.question.endsWith(TRICKY)).toBe(true);
  });

  it('publishes each TSV\'s md5 (DATASET_MD5) under the VLMEvalKit dataset names', () => {
    const md5s = JSON.parse(readFileSync(join(OUT, 'MMrarebench', 'DATASET_MD5.json'), 'utf8'));
    const names: Record<string, string> = { diagnosis: 'MMRarebench_Diagnosis', treatment: 'MMRarebench_Treatment', 'cross-image': 'MMRarebench_Crossmodal', examination: 'MMRarebench_Examination' };
    for (const [t, p] of Object.entries(LAYOUT)) {
      const m = md5s[names[t]];
      expect(m.file).toBe(p.slice('MMrarebench/'.length));
      expect(m.md5).toBe(createHash('md5').update(readFileSync(join(OUT, p))).digest('hex'));
      expect(m.rows).toBe(rows.filter((r) => r.track === t).length);
    }
    const sums = readFileSync(join(OUT, 'MMrarebench', 'MD5SUMS'), 'utf8');
    for (const p of Object.values(LAYOUT)) expect(sums).toContain(`  ${p.slice('MMrarebench/'.length)}\n`);
  });

  it('TSV headers: the columns VLMEvalKit reads, in a fixed order', () => {
    const head = (t: string) => readFileSync(join(OUT, LAYOUT[t]), 'utf8').split('\n')[0].split('\t');
    const common = ['index', 'question_id', 'image', 'image_path', 'question', 'context', 'figure_mapping', 'answer'];
    expect(head('diagnosis').slice(0, 8)).toEqual(common);
    expect(head('diagnosis')).toContain('answer_aliases');
    expect(head('treatment')).toEqual(expect.arrayContaining(['rubric_must_include', 'rubric_must_not']));
    expect(head('cross-image')).toEqual(expect.arrayContaining(['golden_mainline', 'relation_type']));
    expect(head('examination')).toEqual(expect.arrayContaining(['key_test_names', 'must_not', 'red_flags_to_rule_out']));
  });
});

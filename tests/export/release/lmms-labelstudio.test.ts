// lmms-eval tasks (YAML read back, the files they name exist, utils.py run by /usr/bin/python3 on real
// rows) and the Label Studio tasks + label config (the structure the review import reads).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { builtStore, jsonOut, questions, review, type TestStore } from './helpers.ts';
import { frontMatter, parseYaml } from './yaml.ts';

let s: TestStore;
let rows: Record<string, any>[];
const TRACKS = ['diagnosis', 'treatment', 'cross-image', 'examination'];
const task = (t: string) => `mmrare_${t.replace('-', '_')}`;

beforeAll(() => {
  s = builtStore('lmms-ls');
  review(s, questions(s).filter((q) => q.license === 'CC BY').map((q) => q.id));
  jsonOut(s.run(['export', '--format', 'lmms-eval', '--out', join(s.dir, 'lmms'), '--json']));
  jsonOut(s.run(['export', '--format', 'labelstudio', '--out', join(s.dir, 'ls'), '--json']));
  jsonOut(s.run(['export', '--format', 'labelstudio', '--out', join(s.dir, 'ls-data'), '--image-urls', 'data', '--json']));
  jsonOut(s.run(['export', '--format', 'jsonl', '--out', join(s.dir, 'jsonl'), '--json']));
  rows = TRACKS.flatMap((t) => readFileSync(join(s.dir, 'jsonl', `${t}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
}, 240_000);
afterAll(() => s.cleanup());

describe('lmms-eval', () => {
  it('one task YAML per track pointing at the bundled HF folder and its track config, naming files that exist', () => {
    const L = join(s.dir, 'lmms');
    const card = frontMatter(readFileSync(join(L, 'hf', 'README.md'), 'utf8')).data;
    for (const t of TRACKS) {
      const y = parseYaml(readFileSync(join(L, `${task(t)}.yaml`), 'utf8'));
      expect(y).toMatchObject({
        task: task(t), dataset_path: 'hf', dataset_name: t, test_split: 'test', output_type: 'generate_until',
        doc_to_visual: '!function utils.doc_to_visual', doc_to_text: '!function utils.doc_to_text', doc_to_target: 'answer',
        process_results: '!function utils.process_results',
      });
      expect(y.metric_list.map((m: any) => m.metric)).toEqual(['token_f1', 'item_recall']);
      for (const m of y.metric_list) expect(m).toMatchObject({ aggregation: 'mean', higher_is_better: true });
      // what it names is there: utils.py and its functions, the prompt, the config and its parquet files
      const utils = readFileSync(join(L, 'utils.py'), 'utf8');
      for (const fn of ['doc_to_visual', 'doc_to_text', 'process_results']) expect(utils).toContain(`def ${fn}(`);
      expect(existsSync(join(L, y.metadata.prompt))).toBe(true);
      expect(card.configs.find((c: any) => c.config_name === y.dataset_name)).toBeTruthy();
      expect(readdirSync(join(L, y.dataset_path, 'data', t)).filter((n) => /^test-.*\.parquet$/.test(n))).toHaveLength(1);
    }
    const group = parseYaml(readFileSync(join(L, 'mmrare.yaml'), 'utf8'));
    expect(group).toEqual({ group: 'mmrare', task: TRACKS.map(task) });
    // the prompts shipped are the project's prompt data files
    for (const t of TRACKS) expect(readFileSync(join(L, 'prompts', `${t}.txt`), 'utf8')).toBe(readFileSync(join(import.meta.dirname, '..', '..', '..', 'pipeline', 'export', 'release', 'prompts', `${t}.v1.txt`), 'utf8'));
  });

  it('utils.py, run by /usr/bin/python3 on real rows: the prompt holds the question and context; the answer scores 1', () => {
    const L = join(s.dir, 'lmms');
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import PIL'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error('/usr/bin/python3 lacks PIL; install it:\napt-get install -y python3-pandas python3-pil');
    // docs as the HF loader gives them: list columns as lists, nested gold fields as JSON text, images as PIL images
    const docs = TRACKS.map((t) => rows.find((r) => r.track === t)!).map((r) => ({
      track: r.track, question: r.question, context: r.context, answer: r.answer, image_labels: r.images.map((i: any) => i.label),
      answer_aliases: r.answer_aliases ?? null, key_test_names: r.key_test_names ?? null,
      rubric_must_include: r.rubric_must_include ? JSON.stringify(r.rubric_must_include) : null,
      golden_mainline: r.golden_mainline ? JSON.stringify(r.golden_mainline) : null,
      image_files: r.images.map((i: any) => join(s.dir, 'jsonl', i.file)),
    }));
    const script = `
import sys, json
sys.path.insert(0, sys.argv[1])
import utils
from PIL import Image
out = []
for d in json.loads(sys.argv[2]):
    d["images"] = [Image.open(p) for p in d.pop("image_files")]
    vis = utils.doc_to_visual(d)
    text = utils.doc_to_text(d)
    gold = d["answer"]
    if d["track"] == "treatment":
        gold = "; ".join(i["name"] for i in json.loads(d["rubric_must_include"]))
    if d["track"] == "examination":
        gold = "; ".join(d["key_test_names"])
    if d["track"] == "cross-image":
        gold = " ".join(c["claim"] for c in json.loads(d["golden_mainline"]))
    out.append({"visuals": len(vis), "modes": sorted(set(v.mode for v in vis)), "text": text, "self": utils.process_results(d, [gold]), "empty": utils.process_results(d, ["no idea"])})
print(json.dumps(out))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, L, JSON.stringify(docs)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const [i, o] of out.entries()) {
      const d = docs[i];
      expect(o.visuals).toBe(d.image_labels.length);
      expect(o.modes).toEqual(['RGB']);
      expect(o.text).toContain(`Question: ${d.question}`);
      if (d.track !== 'examination' && d.context) expect(o.text).toContain(d.context);
      expect(o.text).toContain(d.image_labels.join(', '));
      expect(o.self.item_recall, d.track).toBe(1);
      expect(o.empty.item_recall).toBe(0);
      expect(o.empty.token_f1).toBeLessThan(0.2);
    }
    expect(out[0].self.token_f1).toBe(1);
  });
});

describe('labelstudio', () => {
  it('tasks.json: one task per question with the candidate answer as a prediction (verdict accept + answer)', () => {
    const tasks = JSON.parse(readFileSync(join(s.dir, 'ls', 'tasks.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'));
    expect(tasks.map((t: any) => t.data.question_id)).toEqual([...rows].map((r) => r.id).sort());
    for (const [i, t] of tasks.entries()) {
      const r = rows.find((x) => x.id === t.data.question_id)!;
      expect(t.id).toBe(i + 1);
      expect(t.data).toMatchObject({
        question_id: r.id, track: r.track, question: r.question, context: r.context, answer: r.answer, image_labels: r.images.map((im: any) => im.label),
        pmcid: r.pmcid, license: r.license, publication_date: r.publication_date, pmc_version: r.pmc_version,
      });
      expect(t.data.publication_date).toMatch(/^\d{4}/);
      expect(t.data.images).toEqual(r.images.map((im: any) => `/data/local-files/?d=images/${im.sha256}.png`));
      for (const u of t.data.images) {
        const p = join(s.dir, 'ls', u.slice('/data/local-files/?d='.length));
        expect(createHash('sha256').update(readFileSync(p)).digest('hex')).toBe(u.slice(-68, -4));
      }
      expect(t.predictions).toEqual([{
        model_version: `mmrare-${pkg.version}`,
        result: [
          { from_name: 'verdict', to_name: 'question', type: 'choices', value: { choices: ['accept'] } },
          { from_name: 'answer', to_name: 'question', type: 'textarea', value: { text: [r.answer] } },
        ],
      }]);
    }
    // --image-urls data: the images inside tasks.json, the same bytes
    const inline = JSON.parse(readFileSync(join(s.dir, 'ls-data', 'tasks.json'), 'utf8'));
    const u = inline[0].data.images[0] as string;
    expect(u.startsWith('data:image/png;base64,')).toBe(true);
    const sha = createHash('sha256').update(Buffer.from(u.slice(u.indexOf(',') + 1), 'base64')).digest('hex');
    expect(sha).toBe(tasks[0].data.images[0].slice(-68, -4));
    expect(existsSync(join(s.dir, 'ls-data', 'images'))).toBe(false);
  });

  it('label_config.xml: controls verdict (accept|reject), reason (the reject codes) and answer (textarea) on the question', () => {
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['Choices', 'Choice', 'Text', 'Header', 'TextArea'].includes(n) }).parse(readFileSync(join(s.dir, 'ls', 'label_config.xml'), 'utf8'));
    const view = xml.View;
    const names = new Set([...view.Text, ...(view.Image ? [view.Image] : [])].map((t: any) => t.name));
    const choices = Object.fromEntries(view.Choices.map((c: any) => [c.name, c]));
    expect(choices.verdict.Choice.map((c: any) => c.value)).toEqual(['accept', 'reject']);
    expect(choices.reason.Choice.map((c: any) => c.value)).toEqual(['answer_wrong', 'answer_leaked', 'context_insufficient', 'images_wrong', 'not_one_case', 'duplicate', 'licence_problem', 'other']);
    expect(view.TextArea.map((t: any) => t.name)).toEqual(['answer']);
    for (const c of [...view.Choices, ...view.TextArea]) expect(names.has(c.toName), c.name).toBe(true);
    expect(view.Image.valueList).toBe('$images');
  });

  it('the reason choices are the review app\'s reject codes (one list: schemas/review.ts)', async () => {
    const { LABELSTUDIO_REJECT_REASONS } = await import('../../../pipeline/export/release/labelstudio.ts');
    const { REJECT_REASONS } = await import('../../../pipeline/review/apply.ts');
    expect([...LABELSTUDIO_REJECT_REASONS]).toEqual(Object.keys(REJECT_REASONS));
    expect(LABELSTUDIO_REJECT_REASONS).toContain('answer_leaked');
  });
});

// `mmrare audit`: question → every decision behind it (and how its answer was chosen, spans shown in
// their sentence); rule or reason code → every item it touched; --summary: counts per rule and track;
// --html OUT: one self-contained page for a reviewer. Reads the store only.
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { JSON_OPTION, loadConfig, openStore } from '../globals.ts';
import { auditQuestion, auditRule, auditSummary, type DecisionRow, type InSentence } from '../audit-data.ts';
import type { Command } from './index.ts';

export { auditQuestion, auditRule, type DecisionRow, type QuestionAudit } from '../audit-data.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function formatDecision(d: DecisionRow, where?: InSentence, follows?: string): string {
  const span = d.span_start !== null ? ` ${d.field ?? ''}[${d.span_start},${d.span_end})` : d.field ? ` ${d.field}` : '';
  const text = d.matched_text && !where ? ` "${clip(d.matched_text, 80)}"` : '';
  const detail = d.detail_json !== '{}' ? ` ${clip(d.detail_json, 160)}` : '';
  const line = `  ${d.stage.padEnd(8)} ${d.action.padEnd(7)} ${d.reason_code.padEnd(30)} rule=${d.rule} item=${d.item_key}${span}${text}${detail}` +
    (follows ? `  [follows ${follows}'s decision: counted there, not again]` : '');
  return where ? `${line}\n      in its sentence (${where.source}): ${clip(where.before, 160)}»${where.span}«${clip(where.after, 160)}` : line;
}

const jsonDecision = (d: DecisionRow): Record<string, unknown> => ({ ...d, detail: JSON.parse(d.detail_json), detail_json: undefined });

export const auditCommand: Command = {
  name: 'audit',
  summary: 'explain decisions: --question ID, --rule CODE, --summary, or --html OUT (a self-contained page for a reviewer)',
  usage: 'mmrare audit (--question ID | --rule CODE | --summary | --html OUT) [options]',
  description: 'CODE may be a reason code (licence_not_allowed, leak_parent_group_in_context, diagnosis_no_match, …), a rule\n' +
    '(filter.leak.parent) or a rule prefix (filter.leak); an unknown one is an error that lists the codes in the store.\n' +
    'Every code is explained in docs/decisions.md. Reads the store only: works on a store you cannot write.',
  examples: [
    'mmrare list --workdir W --status exported            # question ids to audit',
    'mmrare audit --workdir W --question dx-PMC4745306-c1-b5bd36cd',
    'mmrare audit --workdir W --rule leak_parent_group_in_context --json',
    'mmrare audit --workdir W --summary',
    'mmrare audit --workdir W --html audit.html && xdg-open audit.html',
  ],
  options: {
    question: { type: 'string', value: 'ID', description: 'every decision behind one question, from case selection to each mask (ids: mmrare list)' },
    rule: { type: 'string', value: 'CODE', description: 'every decision a reason code, rule or rule prefix made, and the items it touched' },
    summary: { type: 'boolean', default: false, description: 'decision counts per rule and track' },
    html: { type: 'string', value: 'OUT', description: 'write one self-contained HTML page: masked spans highlighted, images, answers with evidence, filters by track and rule' },
    ...JSON_OPTION,
  },
  async run(values, _pos, io) {
    loadConfig(values);
    const modes = ['question', 'rule', 'summary', 'html'].filter((k) => values[k]);
    if (modes.length !== 1) throw new UsageError(`give exactly one of --question ID, --rule CODE, --summary or --html OUT${modes.length ? ` (got ${modes.map((m) => `--${m}`).join(' and ')})` : ''}`, 'audit');
    const store = openStore(values, { readonly: true });
    try {
      if (values.question) {
        const a = auditQuestion(store, values.question);
        if (values.json) {
          io.out(JSON.stringify({ question: a.question, diagnosis: a.diagnosis, decisions: a.decisions.map((d) => ({ ...jsonDecision(d), in_sentence: a.in_sentence[d.id] ?? null })), evidence: a.evidence, images: a.images, draft: a.draft, final: a.final }, null, 2));
          return 0;
        }
        if (a.question) {
          const q = a.question;
          io.out(`question ${q.id} (${q.track}, ${q.pmcid} case ${q.case}) — ${q.status}`);
          io.out(`answer: ${q.answer}${q.orpha_code ? ` ORPHA:${q.orpha_code}` : ''}`);
        }
        if (a.diagnosis) {
          io.out(`how the answer was chosen: ${a.diagnosis.status}, confidence ${a.diagnosis.confidence.toFixed(2)}`);
          for (const e of ((a.diagnosis.evidence ?? []) as { field: string; text: string }[]).slice(0, 5)) io.out(`  evidence (${e.field}): "${clip(e.text, 200)}"`);
          for (const r of ((a.diagnosis.runners_up ?? []) as { orphaCode: string; orphaName: string; score: number }[]).slice(0, 3)) io.out(`  runner-up: ORPHA:${r.orphaCode} ${r.orphaName} (${r.score.toFixed(2)})`);
        }
        const shown = a.images.filter((i) => i.group === 'images');
        if (a.images.length) io.out(`images: ${shown.map((i) => `${i.label ?? ''} ${i.imageId}${i.placeholder ? ' (placeholder)' : ''}`.trim()).join(', ')}${a.images.length > shown.length ? `; also named: ${a.images.filter((i) => i.group !== 'images').map((i) => `${i.imageId} (${i.group})`).join(', ')}` : ''}`);
        io.out(`${plural(a.decisions.length, 'decision')}, from case selection to each mask:`);
        for (const d of a.decisions) io.out(formatDecision(d, a.in_sentence[d.id]));
      } else if (values.rule) {
        const r = auditRule(store, values.rule);
        if (values.json) { io.out(JSON.stringify(r.decisions.map((d) => ({ ...jsonDecision(d), follows: r.follows[d.id] ?? null })), null, 2)); return 0; }
        const items = new Set(r.decisions.map((d) => d.question_id ?? d.item_key));
        const follow = Object.keys(r.follows).length;
        io.out(`${plural(r.decisions.length, 'decision')} for ${values.rule} (${plural(items.size, 'item')})${follow ? `, of which ${follow} only follow an earlier stage's decision about the same case` : ''}` +
          `${r.decisions.length === 0 ? ': a documented code that touched nothing in this store' : ':'}`);
        for (const d of r.decisions) io.out(formatDecision(d, undefined, r.follows[d.id]));
      } else if (values.summary) {
        const s = auditSummary(store);
        if (values.json) { io.out(JSON.stringify(s, null, 2)); return 0; }
        const head = ['stage', 'action', 'reason', 'rule', ...s.tracks, 'note'];
        const keyed = new Map<string, { by: Record<string, number>; note: string }>();
        for (const r of s.rows) {
          const k = [r.stage, r.action, r.reason_code, r.rule].join('\u0000');
          const e = keyed.get(k) ?? { by: {}, note: '' };
          e.by[r.track] = r.decisions;
          if (r.follows) e.note = `follows ${r.follows.stage} (not counted again)`;
          keyed.set(k, e);
        }
        const rows = [...keyed].map(([k, e]) => [...k.split('\u0000'), ...s.tracks.map((t) => String(e.by[t] ?? '')), e.note]);
        rows.push(['', '', '', 'total', ...s.tracks.map((t) => String(s.totals[t] ?? 0)), '']);
        const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        for (const r of [head, ...rows]) io.out(r.map((v, i) => (i < 4 || i === head.length - 1 ? v.padEnd(w[i]) : v.padStart(w[i]))).join('  ').trimEnd());
        io.out('');
        io.out('counts are decisions; a question\'s decisions count under its track, those about articles and cases before any question under "(before questions)"');
      } else {
        const { renderAuditHtml } = await import('../audit-html.ts');
        const rep = renderAuditHtml(store, { title: `mmrare audit — ${store.workdir}` });
        const out = resolve(values.html);
        mkdirSync(dirname(out), { recursive: true }); // --html report/audit.html into a folder not made yet
        const tmp = `${out}.tmp-${process.pid}`;
        writeFileSync(tmp, rep.html);
        renameSync(tmp, out);
        if (values.json) io.out(JSON.stringify({ file: out, bytes: Buffer.byteLength(rep.html), questions: rep.questions, images: rep.images, masks: rep.masks, tracks: rep.tracks }, null, 2));
        else io.out(`wrote ${out}: ${plural(rep.questions, 'question')} (${rep.tracks.join(', ') || 'no tracks'}), ${plural(rep.masks, 'masked span')}, ${plural(rep.images, 'image')}, ${Math.round(Buffer.byteLength(rep.html) / 1024)} KiB, self-contained`);
      }
      return 0;
    } finally { store.close(); }
  },
};

// `mmrare report`: every model × condition of the store's evaluation runs as one self-contained HTML page
// (strict CSP, no script, everything escaped, charts as inline SVG), plus scores.csv and scores.json.
// Deterministic: the same store gives byte-identical files (seeded bootstrap, sorted rows, no clock).
import type Database from 'better-sqlite3';
import type { ReviewedQuestion } from '../../db/review-state.ts';
import { TRACKS, type Track } from '../../schemas/question.ts';
import { latestRuns, publicationDates, questionResults, scoreRun, LEVEL1_METRICS, PRIMARY_LEVEL1, type QuestionResult, type RunScores } from './aggregate.ts';

export interface ReportOptions {
  rowOf: (q: ReviewedQuestion) => Record<string, any>;
  blobPath: (sha: string) => string;
  readFile: (path: string) => string;
  cutoff?: string | null;
  seed: number;
  iterations: number;
  worstQuestions: number;
  workdir: string;
  /** Path of an audit page (mmrare audit --html) to link questions to, relative to the report, or null. */
  auditHtml: string | null;
}

export interface NecessityFlag { question_id: string; track: Track; model: string; condition: string; run_id: number }
export interface WorstQuestion { run_id: number; model: string; condition: string; track: Track; question_id: string; level1: number | null; level2: number | null; audit: string; audit_link: string | null }

export interface ReportData {
  runs: RunScores[];
  image_necessity: NecessityFlag[];
  worst: WorstQuestion[];
  cutoff: string | null;
}

const primary = (q: QuestionResult): number | null => (q.level1 ? LEVEL1_METRICS[q.track].find(([n]) => n === PRIMARY_LEVEL1[q.track])![1](q.level1) : null);

export function buildReport(db: Database.Database, o: ReportOptions): ReportData {
  const runs = latestRuns(db);
  const pmcids = new Set<string>();
  const results = new Map<number, QuestionResult[]>();
  for (const r of runs) {
    const qs = questionResults(db, r.id, o.rowOf);
    for (const q of qs) pmcids.add(q.pmcid);
    results.set(r.id, qs);
  }
  const dates = o.cutoff ? publicationDates(db, o.blobPath, o.readFile, [...pmcids].sort()) : new Map<string, string | null>();
  const scored: RunScores[] = [];
  const necessity: NecessityFlag[] = [];
  const worst: WorstQuestion[] = [];
  for (const r of runs) {
    const qs = results.get(r.id)!.map((q) => ({ ...q, pub_date: dates.get(q.pmcid) ?? null }));
    scored.push(scoreRun(r, qs, { seed: o.seed, iterations: o.iterations, cutoff: o.cutoff ?? null }));
    if (r.condition === 'text-only' || r.condition === 'captions-only') {
      for (const q of qs) if (q.status === 'ok' && q.level1?.correct) necessity.push({ question_id: q.id, track: q.track, model: r.model, condition: r.condition, run_id: r.id });
    }
    for (const t of TRACKS) {
      const tq = qs.filter((q) => q.track === t).map((q) => ({ q, l1: q.status === 'ok' ? primary(q) : 0, l2: q.judge?.score ?? null }));
      tq.sort((a, b) => (a.l1 ?? 0) - (b.l1 ?? 0) || (a.l2 ?? 1) - (b.l2 ?? 1) || (a.q.id < b.q.id ? -1 : 1));
      for (const x of tq.slice(0, o.worstQuestions)) {
        worst.push({
          run_id: r.id, model: r.model, condition: r.condition, track: t, question_id: x.q.id, level1: x.l1, level2: x.l2,
          audit: `mmrare audit --workdir ${o.workdir} --question ${x.q.id}`, audit_link: o.auditHtml ? `${o.auditHtml}#${x.q.id}` : null,
        });
      }
    }
  }
  necessity.sort((a, b) => (a.question_id < b.question_id ? -1 : a.question_id > b.question_id ? 1 : a.run_id - b.run_id));
  return { runs: scored, image_necessity: necessity, worst, cutoff: o.cutoff ?? null };
}

// ---------------------------------------------------------------- CSV / JSON

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function scoresCsv(d: ReportData): string {
  const head = ['run_id', 'model', 'condition', 'differential', 'draft', 'judge_model', 'track', 'level', 'metric', 'value', 'ci_low', 'ci_high', 'n'];
  const lines = [head.join(',')];
  for (const r of d.runs) {
    const base = [r.run.id, r.run.model, r.run.condition, r.run.differential ? 1 : 0, r.run.draft ? 1 : 0, r.run.judge_model ?? ''];
    for (const t of r.tracks) for (const m of t.metrics) lines.push([...base, t.track, m.level, m.name, m.value, m.ci?.[0], m.ci?.[1], m.n].map(csvCell).join(','));
    lines.push([...base, 'all', 1, 'case_level_accuracy', r.case_level.accuracy, '', '', r.case_level.cases].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export const scoresJson = (d: ReportData): string => `${JSON.stringify(d, null, 2)}\n`;

// ---------------------------------------------------------------- HTML

export const esc = (s: unknown): string => String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}`);
const runLabel = (r: RunScores['run']): string => `${r.model} · ${r.condition}${r.differential ? ' · differential' : ''}${r.draft ? ' · drafts' : ' · accepted'}${r.tracks.length ? ` · ${r.tracks.join(', ')}` : ''}`;

function barChart(track: Track, runs: RunScores[]): string {
  const bars = runs.flatMap((r) => {
    const t = r.tracks.find((x) => x.track === track);
    if (!t) return [];
    const l1 = t.metrics.find((m) => m.name === PRIMARY_LEVEL1[track])!;
    const l2 = t.metrics.find((m) => m.level === 2);
    return [{ label: runLabel(r.run), l1, l2 }];
  });
  if (bars.length === 0) return '';
  const rowH = 34, left = 380, width = 420, h = bars.length * rowH + 30;
  const x = (v: number) => left + v * width;
  const parts: string[] = [];
  bars.forEach((b, i) => {
    const y = 10 + i * rowH;
    parts.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end" class="lbl">${esc(b.label)}</text>`);
    for (const [k, m, cls] of [[0, b.l1, 'l1'], [1, b.l2, 'l2']] as const) {
      if (!m || m.value === null) continue;
      const yy = y + k * 13;
      parts.push(`<rect class="${cls}" x="${left}" y="${yy}" width="${(m.value * width).toFixed(1)}" height="11"><title>${esc(`${m.name}: ${pct(m.value)} %`)}</title></rect>`);
      if (m.ci) parts.push(`<line class="ci" x1="${x(m.ci[0]).toFixed(1)}" x2="${x(m.ci[1]).toFixed(1)}" y1="${yy + 5.5}" y2="${yy + 5.5}"/>`);
      parts.push(`<text x="${(x(Math.max(m.value, m.ci?.[1] ?? 0)) + 4).toFixed(1)}" y="${yy + 10}" class="val">${pct(m.value)}</text>`);
    }
  });
  for (const v of [0, 0.25, 0.5, 0.75, 1]) parts.push(`<line class="grid" x1="${x(v)}" x2="${x(v)}" y1="5" y2="${h - 20}"/><text x="${x(v)}" y="${h - 6}" text-anchor="middle" class="val">${v * 100}</text>`);
  return `<svg class="chart" role="img" aria-label="${esc(`${track}: Level 1 ${PRIMARY_LEVEL1[track]} and Level 2 rubric score per run`)}" viewBox="0 0 ${left + width + 60} ${h}" width="${left + width + 60}" height="${h}">${parts.join('')}</svg>
<p class="legend"><span class="sw l1"></span> Level 1 ${esc(PRIMARY_LEVEL1[track])} <span class="sw l2"></span> Level 2 rubric score (bars: mean, line: 95 % bootstrap CI)</p>`;
}

function trackTable(track: Track, runs: RunScores[]): string {
  const withTrack = runs.filter((r) => r.tracks.some((t) => t.track === track));
  if (withTrack.length === 0) return '';
  const names = [...new Set(withTrack.flatMap((r) => r.tracks.find((t) => t.track === track)!.metrics.map((m) => `${m.level}|${m.name}`)))];
  const head = names.map((n) => { const [l, name] = n.split('|'); return `<th class="l${l}">L${l} ${esc(name)}</th>`; }).join('');
  const body = withTrack.map((r) => {
    const t = r.tracks.find((x) => x.track === track)!;
    const cells = names.map((n) => {
      const m = t.metrics.find((x) => `${x.level}|${x.name}` === n);
      if (!m) return '<td>—</td>';
      const count = m.name.endsWith('mentioned');
      const v = count ? (m.value === null ? '—' : m.value.toFixed(2)) : pct(m.value);
      const ci = m.ci ? ` <span class="ci">[${count ? m.ci[0].toFixed(2) : pct(m.ci[0])}, ${count ? m.ci[1].toFixed(2) : pct(m.ci[1])}]</span>` : '';
      return `<td>${v}${ci}</td>`;
    }).join('');
    const judge = r.run.judge_model ? `${esc(r.run.judge_model)} (${t.judge.unparseable} unparseable)` : '—';
    return `<tr><th scope="row">${esc(runLabel(r.run))}</th><td>${t.answered}/${t.questions}</td>${cells}<td>${judge}</td></tr>`;
  }).join('\n');
  return `<table><thead><tr><th>model · condition</th><th>answered</th>${head}<th>judge</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#f3f3f3}th.l2{background:#eef3fb}th.l1{background:#f1f8ee}.ci{color:#777;font-size:11px}
.chart .l1{fill:#5b9a4b}.chart .l2{fill:#4a76b8}.chart .ci{stroke:#222;stroke-width:1.5}.chart .grid{stroke:#e5e5e5}
.chart .lbl{font-size:12px}.chart .val{font-size:10px;fill:#444}.legend{font-size:12px;color:#555}
.sw{display:inline-block;width:12px;height:10px;margin:0 4px 0 12px}.sw.l1{background:#5b9a4b}.sw.l2{background:#4a76b8}
code{font-size:12px;background:#f6f6f6;padding:1px 3px}.note{color:#555}`;

export function reportHtml(d: ReportData): string {
  const s: string[] = [];
  s.push(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>mmrare evaluation report</title><style>${CSS}</style></head><body>
<h1>mmrare evaluation report</h1>
<p class="note">Level 1 (deterministic metrics) and Level 2 (rubric judge) are reported side by side and never blended. Values are percentages (counts for "mentioned");
brackets are 95 % bootstrap confidence intervals over questions (seeded). ${d.runs.length} run(s): the latest of each model × condition × judge × question set.</p>`);
  if (d.runs.length === 0) s.push('<p>No evaluation runs in this store yet: run <code>mmrare evaluate</code> first.</p>');
  for (const t of TRACKS) {
    const table = trackTable(t, d.runs);
    if (!table) continue;
    s.push(`<h2 id="track-${esc(t)}">${esc(t)}</h2>`, barChart(t, d.runs), table);
  }
  if (d.runs.length) {
    s.push('<h2 id="case-level">Case level</h2><p class="note">A case (article + case number) counts only when every one of its questions is right: diagnosis Orphanet-aware hit; treatment must-include recall, cross-image relation and claim recall, examination key-test recall at the configured thresholds.</p>');
    s.push(`<table><thead><tr><th>model · condition</th><th>cases right</th><th>case-level accuracy</th></tr></thead><tbody>${d.runs.map((r) => `<tr><th scope="row">${esc(runLabel(r.run))}</th><td>${r.case_level.right}/${r.case_level.cases}</td><td>${pct(r.case_level.accuracy)}</td></tr>`).join('')}</tbody></table>`);
    s.push('<h2 id="categories">By disease category</h2><p class="note">Level 1 primary metric and Level 2 score per Orphanet category of the case (the diagnosis question\'s category).</p>');
    for (const r of d.runs) {
      s.push(`<h3>${esc(runLabel(r.run))}</h3><table><thead><tr><th>track</th><th>category</th><th>n</th><th class="l1">L1</th><th class="l2">L2</th></tr></thead><tbody>${r.by_category.map((c) => `<tr><td>${esc(c.track)}</td><td>${esc(c.category)}</td><td>${c.n}</td><td>${pct(c.level1)}</td><td>${pct(c.level2)}</td></tr>`).join('')}</tbody></table>`);
    }
  }
  if (d.cutoff) {
    s.push(`<h2 id="date-split">Before and after ${esc(d.cutoff)}</h2><p class="note">By the article's publication date (JATS pub-date); a model trained on PMC before the cutoff may have seen the earlier articles.</p>`);
    s.push(`<table><thead><tr><th>model · condition</th><th>track</th><th>n before</th><th class="l1">L1 before</th><th class="l2">L2 before</th><th>n after</th><th class="l1">L1 after</th><th class="l2">L2 after</th></tr></thead><tbody>`);
    for (const r of d.runs) for (const t of TRACKS) {
      const b = r.date_split?.before.find((x) => x.track === t), a = r.date_split?.after.find((x) => x.track === t);
      if (!b && !a) continue;
      s.push(`<tr><th scope="row">${esc(runLabel(r.run))}</th><td>${esc(t)}</td><td>${b?.n ?? 0}</td><td>${pct(b?.level1)}</td><td>${pct(b?.level2)}</td><td>${a?.n ?? 0}</td><td>${pct(a?.level1)}</td><td>${pct(a?.level2)}</td></tr>`);
    }
    s.push('</tbody></table>');
  }
  s.push(`<h2 id="image-necessity">Image necessity</h2><p class="note">Questions a model answered right without their images (text-only or captions-only): review them, the images may not be needed.</p>`);
  s.push(d.image_necessity.length
    ? `<table><thead><tr><th>question</th><th>track</th><th>model</th><th>condition</th></tr></thead><tbody>${d.image_necessity.map((n) => `<tr><td><code>${esc(n.question_id)}</code></td><td>${esc(n.track)}</td><td>${esc(n.model)}</td><td>${esc(n.condition)}</td></tr>`).join('')}</tbody></table>`
    : '<p>None flagged (or no text-only / captions-only run yet).</p>');
  s.push('<h2 id="worst">Worst questions</h2><p class="note">Lowest Level 1 primary metric per run and track (then lowest Level 2); audit each to see what the model was shown.</p>');
  s.push(`<table><thead><tr><th>model · condition</th><th>track</th><th>question</th><th class="l1">L1</th><th class="l2">L2</th><th>audit</th></tr></thead><tbody>${d.worst.map((w) => `<tr><td>${esc(`${w.model} · ${w.condition}`)}</td><td>${esc(w.track)}</td><td><code>${esc(w.question_id)}</code></td><td>${pct(w.level1)}</td><td>${pct(w.level2)}</td><td>${w.audit_link ? `<a href="${esc(w.audit_link)}">audit page</a> · ` : ''}<code>${esc(w.audit)}</code></td></tr>`).join('')}</tbody></table>`);
  s.push('</body></html>\n');
  return s.join('\n');
}

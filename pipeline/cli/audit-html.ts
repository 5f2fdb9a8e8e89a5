// `mmrare audit --html OUT`: one self-contained page (inline CSS and JS, images as data URLs) a reviewer
// can open anywhere: per question the context with every masked span highlighted, the cut, the images,
// the answer with its evidence and every decision; filters by track, rule and status. Every string
// from the store — case text above all — goes through `esc`; the script reads only data attributes.
import type { Store } from '../../db/store.ts';
import { readSectionText } from '../../db/article-text.ts';
import { auditQuestion, auditSummary, fieldValue, spanInText, type DecisionRow, type InSentence, type QuestionAudit } from './audit-data.ts';

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };
function sniff(b: Buffer): string | null {
  if (b[0] === 0x89 && b[1] === 0x50) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b.subarray(0, 4).toString() === 'RIFF' && b.subarray(8, 12).toString() === 'WEBP') return 'image/webp';
  if (b.subarray(0, 3).toString() === 'GIF') return 'image/gif';
  return null;
}

/** A data URL of the image's thumbnail (else its normalised bytes), or null when the blob is gone. */
function dataUrl(store: Store, sha: string | null, format: string | null): string | null {
  if (!sha) return null;
  try {
    const bytes = store.readBlob(sha);
    const mime = sniff(bytes) ?? MIME[(format ?? '').toLowerCase()];
    return mime ? `data:${mime};base64,${bytes.toString('base64')}` : null;
  } catch { return null; }
}

/** The text with the given spans wrapped in <mark> (spans sorted, overlaps merged), all of it escaped. */
export function highlight(text: string, spans: { start: number; end: number; title: string; cls: string }[]): string {
  const sorted = spans.filter((s) => s.start >= 0 && s.end <= text.length && s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const s of sorted) {
    if (s.start < at) continue;
    out += esc(text.slice(at, s.start)) + `<mark class="${esc(s.cls)}" title="${esc(s.title)}">${esc(text.slice(s.start, s.end))}</mark>`;
    at = s.end;
  }
  return out + esc(text.slice(at));
}

const inSentence = (s: InSentence | undefined): string => (s ? `<div class="sent"><span class="src">${esc(s.source)}:</span> ${esc(s.before)}<mark class="span">${esc(s.span)}</mark>${esc(s.after)}</div>` : '');

function decisionRows(ds: DecisionRow[], where: Record<number, InSentence>): string {
  return ds.map((d) => `<tr data-rule="${esc(d.rule)}" data-reason="${esc(d.reason_code)}" class="act-${esc(d.action)}">` +
    `<td>${esc(d.stage)}</td><td>${esc(d.action)}</td><td><code>${esc(d.reason_code)}</code></td><td><code>${esc(d.rule)}</code></td>` +
    `<td>${esc(d.field ?? '')}${d.span_start != null ? ` [${d.span_start}, ${d.span_end})` : ''}</td>` +
    `<td>${where[d.id] ? inSentence(where[d.id]) : d.matched_text ? `<q>${esc(d.matched_text)}</q>` : ''}` +
    `${d.detail_json && d.detail_json !== '{}' ? `<details><summary>detail</summary><pre>${esc(JSON.stringify(JSON.parse(d.detail_json), null, 1))}</pre></details>` : ''}</td></tr>`).join('\n');
}

const DTABLE = (body: string): string => `<table class="dec"><thead><tr><th>stage</th><th>action</th><th>reason</th><th>rule</th><th>field / span</th><th>in its sentence</th></tr></thead><tbody>${body}</tbody></table>`;

function textFields(a: QuestionAudit): string[] {
  // the fields every track shows a model, then any other field a decision spans
  const named = a.decisions.filter((d) => d.question_id === a.question?.id && d.span_start != null && d.field && typeof fieldValue(a.draft, d.field) === 'string').map((d) => d.field!);
  return [...new Set(['question', 'context', ...named])].filter((f) => typeof fieldValue(a.draft, f) === 'string');
}

function questionCard(store: Store, a: QuestionAudit): string {
  const q = a.question!;
  const own = a.decisions.filter((d) => d.question_id === q.id);
  const rules = [...new Set(a.decisions.map((d) => d.rule).concat(a.decisions.map((d) => d.reason_code)))];
  const fields = textFields(a).map((f) => {
    const text = fieldValue(a.draft, f) as string;
    const spans = own.filter((d) => d.field === f && d.span_start != null && d.action === 'mask')
      .map((d) => ({ start: d.span_start!, end: d.span_end!, title: `${d.reason_code} (${d.rule})`, cls: 'mask' }));
    return `<div class="field"><h4>${esc(f)}${spans.length ? ` <span class="n">${spans.length} masked</span>` : ''}</h4><p class="text">${highlight(text, spans)}</p></div>`;
  }).join('\n');
  const cuts = a.decisions.filter((d) => d.action === 'cut' && d.question_id === q.id)
    .map((d) => `<div class="cut"><b>context ends before</b> (<code>${esc(d.reason_code)}</code>): ${a.in_sentence[d.id] ? inSentence(a.in_sentence[d.id]) : `<q>${esc(d.matched_text ?? '')}</q>`}</div>`).join('');
  const images = a.images.map((im) => {
    const url = dataUrl(store, im.thumb_sha256, null) ?? dataUrl(store, im.norm_sha256, im.format);
    return `<figure class="img ${im.group === 'images' ? 'shown' : 'other'}" data-image="${esc(im.imageId)}">` +
      (url ? `<img alt="${esc(im.label ?? im.imageId)}" src="${url}">` : '<div class="noimg">image bytes not in the store</div>') +
      `<figcaption>${esc(im.label ?? '')} <code>${esc(im.imageId)}</code>${im.group !== 'images' ? ` · <b>${esc(im.group)}</b>` : ''}${im.placeholder ? ' · <span class="ph">placeholder</span>' : ''}</figcaption></figure>`;
  }).join('');
  const evidence = a.evidence.filter((e) => e.kind !== 'image' && e.kind !== 'context_sentence').map((e) => {
    const r = e.ref as { text?: unknown; sectionId?: unknown; start?: unknown; end?: unknown };
    return `<li><span class="kind">${esc(e.kind)}</span> ${r.sectionId ? `<code>${esc(r.sectionId)}</code> ` : ''}${typeof r.text === 'string' ? `<q>${esc(r.text)}</q>` : `<code>${esc(JSON.stringify(e.ref))}</code>`}</li>`;
  }).join('');
  const dx = a.diagnosis;
  const answer = a.draft?.answer;
  return `<section class="q" id="${esc(q.id)}" data-track="${esc(q.track)}" data-status="${esc(q.status)}" data-rules="${esc(rules.join(' '))}">
<h3><code>${esc(q.id)}</code> <span class="tag track">${esc(q.track)}</span> <span class="tag st-${esc(q.status)}">${esc(q.status)}</span> <span class="art">${esc(q.pmcid)} case ${esc(q.case)}</span></h3>
<div class="answer"><b>answer</b>: ${typeof answer === 'string' ? esc(answer) : `<pre>${esc(JSON.stringify(answer, null, 1))}</pre>`}${q.orpha_code ? ` <code>ORPHA:${esc(q.orpha_code)}</code>` : ''}
${dx ? `<div class="how">how it was chosen: ${esc(dx.status)}, confidence ${esc(dx.confidence.toFixed(2))}${Array.isArray(dx.runners_up) && dx.runners_up.length ? `; runners-up: ${(dx.runners_up as { orphaCode: string; orphaName: string }[]).slice(0, 3).map((r) => `${esc(r.orphaName)} <code>ORPHA:${esc(r.orphaCode)}</code>`).join(', ')}` : ''}</div>` : ''}
${evidence ? `<ul class="evidence">${evidence}</ul>` : ''}</div>
${fields}
${cuts}
${images ? `<div class="imgs">${images}</div>` : ''}
<details><summary>${a.decisions.length} decision${a.decisions.length === 1 ? "" : "s"}, from case selection to each mask</summary>${DTABLE(decisionRows(a.decisions, a.in_sentence))}</details>
</section>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:8px 16px;z-index:2}
h1{font-size:18px;margin:0 0 6px}main{padding:8px 16px}.q{background:#fff;border:1px solid #ddd;border-radius:6px;margin:12px 0;padding:8px 14px}.q h3{font-size:15px;margin:4px 0}
.tag{font-size:12px;border-radius:3px;padding:1px 6px;background:#e8eef7}.st-exported{background:#d9f2d9}.st-dropped{background:#f8d7d7}.st-filtered{background:#fff1c2}.art{color:#666;font-size:13px}
.text{white-space:pre-wrap;margin:4px 0}mark.mask{background:#ffb347;outline:2px solid #d35400;border-radius:2px}mark.span{background:#ffe08a}.sent{color:#333}.sent .src{color:#888;font-size:12px}
.field h4{margin:8px 0 2px;font-size:13px;color:#555}.n{color:#d35400;font-weight:normal}.cut{margin:6px 0;padding:4px 8px;background:#f3f0ff;border-left:3px solid #7d5fff}
.imgs{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}figure.img{margin:0;border:1px solid #ccc;padding:4px;background:#fff}figure.img img{max-width:220px;max-height:160px;display:block}figure.other{opacity:.75;border-style:dashed}
figcaption{font-size:12px;color:#555}.ph{color:#b00;font-weight:bold}.answer{margin:6px 0}.how{color:#555;font-size:13px}.evidence{margin:4px 0 4px 18px;padding:0;font-size:13px}.kind{color:#888}
table{border-collapse:collapse;font-size:12.5px;width:100%}td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}th{background:#f0f0f0}.num{text-align:right}tr.hit td{background:#fff7e0}
.filters label{margin-right:12px}.hidden{display:none!important}pre{white-space:pre-wrap;margin:0}.banner{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px;margin:8px 0}#count{color:#555;margin-left:8px}`;

// Filters by track, rule (reason code or rule name) and status; reads only data-* attributes.
const JS = `(function(){var t=document.getElementById('f-track'),r=document.getElementById('f-rule'),s=document.getElementById('f-status'),c=document.getElementById('count');
function apply(){var n=0;document.querySelectorAll('[data-track]').forEach(function(e){var ok=(!t.value||e.dataset.track===t.value)&&(!s.value||e.dataset.status===s.value||!e.dataset.status)&&(!r.value||(' '+e.dataset.rules+' ').indexOf(' '+r.value+' ')>=0);e.classList.toggle('hidden',!ok);if(ok&&e.classList.contains('q'))n++;});
document.querySelectorAll('tr[data-rule]').forEach(function(e){e.classList.toggle('hit',!!r.value&&(e.dataset.rule===r.value||e.dataset.reason===r.value));});c.textContent=n+' questions shown';}
[t,r,s].forEach(function(e){e.addEventListener('change',apply);});document.querySelectorAll('[data-pick-rule]').forEach(function(e){e.addEventListener('click',function(){r.value=e.dataset.pickRule;apply();});});apply();})();`;

export interface HtmlReport { html: string; questions: number; images: number; masks: number; tracks: string[] }

export function renderAuditHtml(store: Store, opts: { title?: string } = {}): HtmlReport {
  const ids = store.db.prepare('SELECT id FROM questions ORDER BY track, id').pluck().all() as string[];
  const audits = ids.map((id) => auditQuestion(store, id));
  const summary = auditSummary(store);
  const tracks = [...new Set(audits.map((a) => a.question!.track))].sort();
  const rules = [...new Set(summary.rows.flatMap((r) => [r.reason_code, r.rule]))].sort();
  const release = store.db.prepare('SELECT orphanet_release FROM runs ORDER BY id DESC LIMIT 1').pluck().get() as string | undefined;
  const images = audits.reduce((n, a) => n + a.images.length, 0);
  const placeholders = audits.reduce((n, a) => n + a.images.filter((i) => i.placeholder).length, 0);
  const masks = audits.reduce((n, a) => n + a.decisions.filter((d) => d.action === 'mask').length, 0);
  const opt = (vals: string[]): string => vals.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join('');
  const sumRows = summary.rows.map((r) => `<tr data-track="${esc(r.track)}" data-rules="${esc(`${r.rule} ${r.reason_code}`)}"><td>${esc(r.stage)}</td><td>${esc(r.action)}</td>` +
    `<td><a href="#" data-pick-rule="${esc(r.reason_code)}"><code>${esc(r.reason_code)}</code></a></td><td><a href="#" data-pick-rule="${esc(r.rule)}"><code>${esc(r.rule)}</code></a></td>` +
    `<td>${esc(r.track)}</td><td class="num">${r.decisions}</td><td class="num">${r.questions}</td><td class="num">${r.items}</td></tr>`).join('\n');
  // decisions that name no question: the articles and cases that never became one
  const before = store.db.prepare(`SELECT id, run_id, stage, stage_version, item_key, pmcid, question_id, action, reason_code, rule, field, span_start, span_end, matched_text, detail_json, config_hash
    FROM decisions WHERE question_id IS NULL AND action IN ('drop', 'review', 'exclude') ORDER BY id`).all() as DecisionRow[];
  const where: Record<number, InSentence> = {};
  for (const d of before) {
    if (d.span_start == null || !d.field?.startsWith('section:') || !d.pmcid) continue;
    const text = readSectionText(store.db, d.pmcid, d.field.slice(8));
    const s = text !== undefined && spanInText(text, d.span_start, d.span_end!, d.field);
    if (s) where[d.id] = s;
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${esc(opts.title ?? 'mmrare audit')}</title><style>${CSS}</style></head><body>
<header><h1>${esc(opts.title ?? 'mmrare audit')}</h1>
<div>${esc(ids.length)} questions · tracks: ${esc(tracks.join(', ') || 'none')} · ${esc(masks)} masked spans · ${esc(images)} images · Orphanet ${esc(release ?? 'n/a')}</div>
<div class="filters"><label>track <select id="f-track"><option value="">all</option>${opt(tracks)}</select></label>
<label>rule <select id="f-rule"><option value="">all</option>${opt(rules)}</select></label>
<label>status <select id="f-status"><option value="">all</option>${opt(['exported', 'filtered', 'dropped', 'draft'])}</select></label><span id="count"></span></div></header>
<main>
${placeholders ? `<div class="banner"><b>${placeholders} of ${images} images are placeholders</b> (cards showing only the figure label): the real figures are not in the data dir.</div>` : ''}
<details open><summary><b>Decisions per rule and track</b></summary><table class="sum"><thead><tr><th>stage</th><th>action</th><th>reason</th><th>rule</th><th>track</th><th>decisions</th><th>questions</th><th>items</th></tr></thead><tbody>${sumRows}</tbody></table></details>
<h2>Questions</h2>
${audits.map((a) => questionCard(store, a)).join('\n')}
<h2>Articles and cases that yielded no question</h2>
<div data-track="(before questions)" data-rules="${esc([...new Set(before.flatMap((d) => [d.rule, d.reason_code]))].join(' '))}">${DTABLE(decisionRows(before, where))}</div>
</main><script>${JS}</script></body></html>
`;
  return { html, questions: ids.length, images, masks, tracks };
}

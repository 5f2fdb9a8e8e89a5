// The review page. Vanilla JS, no external assets. Every piece of case text is put in the page with
// textContent (via el()), never as HTML. Images are fetched with the reviewer's token and shown from
// blob: URLs. A review names the revision it was based on; a 409 shows the current state.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { meta: null, list: [], counts: null, shown: [], current: null, detail: null, token: sessionStorage.getItem('mmrare-token') || '', mode: 'view', urls: [] };

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'href') { if (/^https:\/\//.test(v)) e.setAttribute('href', v); }
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  async function api(path, opts) {
    const headers = Object.assign({ Accept: 'application/json' }, opts && opts.body ? { 'Content-Type': 'application/json' } : {});
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    const res = await fetch(path, Object.assign({}, opts, { headers }));
    let body = null;
    try { body = await res.json(); } catch (e) { body = { error: res.statusText }; }
    return { status: res.status, body };
  }

  function toast(msg, kind) {
    const t = $('toast');
    t.textContent = msg; t.className = kind || ''; t.hidden = false;
    clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  // ---- text with masked spans shown as such ----
  function masked(text) {
    const tok = state.meta.mask_token;
    const out = el('div', { class: 'text' });
    const parts = String(text).split(tok);
    parts.forEach((p, i) => {
      if (i > 0) out.append(el('span', { class: 'mask', title: 'masked by leak control' }, tok));
      out.append(document.createTextNode(p));
    });
    return out;
  }
  function quote(ev) {
    const q = el('blockquote', {});
    if (ev.end > ev.start) q.append(ev.quote.slice(0, ev.start), el('mark', {}, ev.quote.slice(ev.start, ev.end)), ev.quote.slice(ev.end));
    else q.append(ev.quote);
    return q;
  }

  // ---- list ----
  function applyFilters() {
    const t = $('f-track').value, s = $('f-status').value, r = $('f-rule').value, d = $('f-disease').value.trim().toLowerCase();
    state.shown = state.list.filter((q) => (!t || q.track === t)
      && (!s || (s === 'rereview' ? q.rereview : s === 'edited' ? q.edited : q.status === s))
      && (!r || q.rules.includes(r))
      && (!d || q.orpha_name.toLowerCase().includes(d) || q.orpha_code === d.replace(/^orpha:/, '')));
    const ol = $('list');
    ol.replaceChildren(...state.shown.map((q) => el('li', { class: `${q.status}${q.id === state.current ? ' current' : ''}`, 'data-id': q.id, onclick: () => open(q.id) },
      el('span', { class: `badge ${q.status}` }, q.rereview ? 're-review' : q.status), ' ', el('code', {}, q.id), el('br'), el('small', {}, `${q.track} · ${q.orpha_name}`))));
    $('count').textContent = `${state.shown.length} of ${state.list.length} questions`;
  }
  function progress() {
    const c = state.counts;
    const done = c.accepted + c.rejected;
    $('progress').replaceChildren(el('progress', { max: c.questions || 1, value: done }),
      ` ${done} / ${c.questions} reviewed · ${c.accepted} accepted · ${c.rejected} rejected · ${c.pending} pending`,
      c.needs_rereview ? el('b', { class: 'warn' }, ` · ${c.needs_rereview} need re-review`) : '', c.edited ? ` · ${c.edited} edited` : '');
  }
  async function loadList() {
    const r = await api('/api/questions');
    if (r.status !== 200) return toast(r.body.error, 'err');
    state.list = r.body.questions; state.counts = r.body.counts;
    const rules = [...new Set(state.list.flatMap((q) => q.rules))].sort();
    const sel = $('f-rule'), keep = sel.value;
    sel.replaceChildren(el('option', { value: '' }, 'all'), ...rules.map((x) => el('option', { value: x }, x)));
    sel.value = keep;
    progress(); applyFilters();
  }

  // ---- detail ----
  function section(title, ...kids) { return el('section', {}, el('h3', {}, title), ...kids); }
  function table(rows, cols) {
    return el('table', {}, el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', {}, c[0])))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...cols.map((c) => el('td', {}, c[1](r)))))));
  }
  async function showImage(img, sha) {
    const res = await fetch('/blob/' + sha, { headers: state.token ? { Authorization: 'Bearer ' + state.token } : {} });
    if (!res.ok) { img.alt = 'image not available'; return; }
    const url = URL.createObjectURL(await res.blob());
    state.urls.push(url); img.src = url;
  }
  function lightbox(src, cap) { $('lightbox-img').src = src; $('lightbox-cap').textContent = cap; $('lightbox').hidden = false; }

  function staleWhy(d) {
    const last = d.history.filter((h) => h.stale).pop();
    const why = last && last.stale_reason;
    return why === 'row_changed' ? 'the question was rebuilt since its review' : why === 'question_removed' ? 'the question was removed' : 'the article has a newer version since its review';
  }
  function render() {
    const d = state.detail;
    state.urls.forEach((u) => URL.revokeObjectURL(u)); state.urls = [];
    const box = $('detail');
    if (!d) { box.replaceChildren(el('p', { class: 'muted' }, 'Choose a question (j / k).')); return; }
    const head = el('div', { class: 'head' },
      el('h2', {}, el('code', {}, d.id)),
      el('span', { class: `badge ${d.status}` }, d.status), d.rereview ? el('span', { class: 'badge warn' }, `needs re-review: ${staleWhy(d)}`) : '',
      d.edited ? el('span', { class: 'badge' }, 'edited') : '',
      el('p', {}, `${d.track} · ${d.pmcid} case ${d.case} · revision ${d.revision} · `,
        d.article ? el('a', { href: d.article.url, target: '_blank', rel: 'noopener noreferrer' }, `${d.pmcid} on PMC`) : '',
        d.article ? ` · licence ${d.article.license} · version ${d.article.version}` : ''));
    const actions = el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'act-accept', onclick: () => review('accept') }, 'Accept (a)'),
      el('select', { id: 'reason', 'aria-label': 'reason code', onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); review('reject'); } } }, el('option', { value: '' }, 'reason…'),
        ...Object.entries(state.meta.reject_reasons).map(([k, v]) => el('option', { value: k, title: v }, k))),
      el('input', { id: 'note', type: 'text', placeholder: 'note (optional)', 'aria-label': 'note' }),
      el('button', { type: 'button', id: 'act-reject', onclick: () => review('reject') }, 'Reject (r)'),
      el('button', { type: 'button', id: 'act-edit', onclick: () => startEdit() }, 'Edit (e)'));
    const imgs = el('div', { class: 'images' }, ...d.images.map((im) => {
      const img = el('img', { alt: im.label, width: Math.min(im.width, 220) });
      showImage(img, im.sha256);
      img.addEventListener('click', () => lightbox(img.src, `${im.label} — ${im.figure_label}${im.panel ? ` panel ${im.panel}` : ''}${im.placeholder ? ' (placeholder)' : ''}`));
      return el('figure', {}, img, el('figcaption', {}, el('b', {}, im.label), ` ${im.figure_label}${im.panel ? ` (${im.panel})` : ''}${im.placeholder ? ' · placeholder' : ''}`));
    }));
    const parts = [head, actions,
      section('Question (model-visible)', masked(d.question)),
      section('Context (model-visible)', d.context ? masked(d.context) : el('p', { class: 'muted' }, '(no context: this track shows none)'),
        d.cut ? el('p', { class: 'muted' }, `cut before sentence ${d.cut.before_sentence}: ${d.cut.reason}`) : ''),
      section('Images (labels as shown; click to enlarge)', imgs,
        d.withheld.length ? el('details', {}, el('summary', {}, `${d.withheld.length} withheld`), table(d.withheld, [['image', (w) => w.image_id], ['figure', (w) => w.figure_label], ['reason', (w) => w.reason], ['detail', (w) => w.detail]])) : ''),
      section('Answer', el('p', { class: 'answer' }, d.answer), el('p', {}, `ORPHA:${d.orpha.code} ${d.orpha.name}`),
        el('pre', { class: 'fields' }, JSON.stringify(d.track_fields, null, 2))),
      section(`Evidence (${d.evidence.length})`, ...d.evidence.map((ev) => el('div', { class: 'ev' }, el('b', {}, ev.what), ' ', el('a', { href: ev.link, target: '_blank', rel: 'noopener noreferrer' }, ev.where), quote(ev)))),
      section(`Leakage decisions (${d.decisions.length})`, d.decisions.length ? table(d.decisions, [['stage', (x) => x.stage], ['action', (x) => x.action], ['reason', (x) => x.reason_code], ['rule', (x) => x.rule], ['field', (x) => x.field || ''], ['span', (x) => x.span_start === null ? '' : `${x.span_start}–${x.span_end}`], ['matched', (x) => x.matched_text || '']]) : el('p', { class: 'muted' }, 'none')),
      d.alignment ? section('Diagnosis (align)', el('p', {}, `${d.alignment.status} · confidence ${d.alignment.confidence} · ORPHA:${d.alignment.orpha_code} ${d.alignment.orpha_name}`),
        d.alignment.link ? el('p', {}, `link: ${d.alignment.link.kind} “${d.alignment.link.surface}”`) : '',
        d.alignment.runners_up.length ? table(d.alignment.runners_up, [['runner-up', (r) => `ORPHA:${r.orphaCode} ${r.orphaName}`], ['score', (r) => r.score]]) : '') : '',
      section(`History (${d.history.length})`, d.history.length ? table(d.history, [['rev', (h) => h.revision ?? ''], ['when', (h) => h.created_at], ['reviewer', (h) => h.reviewer], ['verdict', (h) => h.verdict], ['reason', (h) => h.reason_code || ''], ['note', (h) => h.note || ''], ['source', (h) => h.source], ['stale', (h) => h.stale ? (h.stale_reason || 'stale') : '']]) : el('p', { class: 'muted' }, 'not reviewed yet'),
        d.refusals.length ? el('p', { class: 'muted' }, `${d.refusals.length} edit(s) refused by the leak checks`) : ''),
    ];
    box.replaceChildren(...parts);
  }

  async function open(id) {
    state.current = id; state.mode = 'view';
    const r = await api('/api/questions/' + encodeURIComponent(id));
    if (r.status !== 200) return toast(r.body.error, 'err');
    state.detail = r.body; render(); applyFilters();
    const li = document.querySelector(`li[data-id="${CSS.escape(id)}"]`); if (li) li.scrollIntoView({ block: 'nearest' });
  }
  function step(n) {
    if (!state.shown.length) return;
    const i = state.shown.findIndex((q) => q.id === state.current);
    const j = i < 0 ? 0 : Math.max(0, Math.min(state.shown.length - 1, i + n));
    open(state.shown[j].id);
  }

  async function post(body) {
    const d = state.detail;
    const r = await api(`/api/questions/${encodeURIComponent(d.id)}/review`, { method: 'POST', body: JSON.stringify(Object.assign({ revision: d.revision }, body)) });
    if (r.status === 200) { state.detail = r.body.question; toast(`saved: ${body.verdict} (revision ${r.body.revision})`, 'ok'); render(); await loadList(); return true; }
    if (r.status === 409) {
      // nobody's work is lost: the other review stays, and an edit in progress is kept in the form, now on the current revision
      const kept = state.mode === 'edit' ? readForm() : null;
      state.detail = r.body.current; state.mode = 'view'; render(); await loadList();
      if (kept) {
        startEdit(kept);
        $('findings').replaceChildren(el('p', { class: 'err' }, `Not stored: someone reviewed this question meanwhile (now revision ${state.detail.revision}, shown below). Your edit is kept here — compare, then save again.`));
      }
      toast(`${r.body.error}. The page now shows the current state; your change was not stored${kept ? ' (your edit is kept in the form)' : ''}.`, 'err');
      return false;
    }
    if (r.status === 422) { showFindings(r.body.findings); toast(r.body.error, 'err'); return false; }
    toast(r.body.error || `error ${r.status}`, 'err');
    return false;
  }
  function review(verdict) {
    if (!state.detail || state.mode === 'edit') return;
    if (verdict === 'reject') {
      const reason = $('reason').value;
      if (!reason) { $('reason').focus(); toast('choose a reason code (arrow keys), then Enter, r or Reject', 'err'); return; }
      return post({ verdict, reason, note: $('note').value });
    }
    return post({ verdict, note: $('note').value });
  }

  // ---- edit ----
  function readForm() {
    return { question: $('e-question').value, context: $('e-context').value, answer: $('e-answer').value, track: $('e-track').value };
  }
  function startEdit(kept) {
    const d = state.detail;
    if (!d || state.mode === 'edit') return;
    state.mode = 'edit';
    const form = el('form', { id: 'edit', onsubmit: (e) => { e.preventDefault(); saveEdit(); } },
      el('h3', {}, 'Edit (the leak checks run again before it is stored)'),
      el('label', {}, 'Question', el('textarea', { id: 'e-question', rows: 4 })),
      el('label', {}, 'Context', el('textarea', { id: 'e-context', rows: 10 })),
      el('label', {}, 'Answer', el('textarea', { id: 'e-answer', rows: 2 })),
      el('label', {}, `Track fields (JSON: ${state.meta.track_fields[d.track].join(', ')})`, el('textarea', { id: 'e-track', rows: 10, spellcheck: 'false' })),
      el('div', { id: 'findings' }),
      el('button', { type: 'submit', id: 'e-save' }, 'Save edit (Ctrl+Enter)'), ' ', el('button', { type: 'button', onclick: cancelEdit }, 'Cancel (Esc)'));
    $('detail').prepend(form);
    const v = kept && typeof kept === 'object' && 'question' in kept ? kept : { question: d.question, context: d.context, answer: d.answer, track: JSON.stringify(d.track_fields, null, 2) };
    $('e-question').value = v.question; $('e-context').value = v.context; $('e-answer').value = v.answer; $('e-track').value = v.track;
    $('e-context').focus();
  }
  function cancelEdit() { state.mode = 'view'; render(); }
  function showFindings(findings) {
    const box = $('findings');
    if (!box) return;
    box.replaceChildren(el('p', { class: 'err' }, 'Refused: the edited question would give the answer away.'),
      table(findings, [['check', (f) => f.check], ['rule', (f) => f.rule], ['field', (f) => f.field], ['found', (f) => f.text], ['term', (f) => f.form]]));
  }
  async function saveEdit() {
    const d = state.detail;
    let track;
    try { track = JSON.parse($('e-track').value); } catch (e) { toast('track fields: not valid JSON', 'err'); return; }
    const edits = {};
    if ($('e-question').value !== d.question) edits.question = $('e-question').value;
    if ($('e-context').value !== d.context) edits.context = $('e-context').value;
    if ($('e-answer').value !== d.answer) edits.answer = $('e-answer').value;
    const changed = Object.fromEntries(Object.entries(track).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(d.track_fields[k])));
    if (Object.keys(changed).length) edits.track = changed;
    const ok = await post({ verdict: 'edit', edits, note: $('note') ? $('note').value : '' });
    if (ok) state.mode = 'view';
  }

  // ---- alignment queue ----
  async function showAlignment() {
    const r = await api('/api/alignment');
    if (r.status !== 200) return toast(r.body.error, 'err');
    const a = r.body;
    $('alignment').replaceChildren(el('h2', {}, `Cases waiting for a diagnosis decision (${a.cases.length})`),
      el('p', {}, Object.entries(a.counts).map(([k, v]) => `${k} ${v}`).join(' · ')),
      ...a.cases.map((c) => el('section', { class: 'case' }, el('h3', {}, `${c.pmcid} case ${c.case} · confidence ${c.confidence} · `, el('a', { href: c.url, target: '_blank', rel: 'noopener noreferrer' }, 'PMC'), c.license ? ` · licence ${c.license}` : ''),
        c.link ? el('p', {}, `link: ${c.link.kind} “${c.link.surface}”`) : '',
        table(c.candidates, [['candidate', (x) => `ORPHA:${x.orphaCode} ${x.orphaName}`], ['score', (x) => x.score], ['refused', (x) => (x.refused || []).join ? (x.refused || []).join(', ') : String(x.refused || '')],
          ['evidence', (x) => el('div', {}, ...(x.evidence || []).map((e) => el('blockquote', {}, typeof e === 'string' ? e : (e.text || JSON.stringify(e)))))]]))));
  }
  function tab(which) {
    $('tab-questions').classList.toggle('on', which === 'q'); $('tab-alignment').classList.toggle('on', which === 'a');
    $('detail').hidden = which !== 'q'; $('alignment').hidden = which !== 'a';
    if (which === 'a') showAlignment();
  }

  // ---- keys ----
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { $('lightbox').hidden = true; if (state.mode === 'edit') cancelEdit(); return; }
    if (state.mode === 'edit') { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); saveEdit(); } return; }
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') ) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = { j: () => step(1), k: () => step(-1), a: () => review('accept'), r: () => review('reject'), e: () => startEdit() }[e.key];
    if (k) { e.preventDefault(); k(); }
  });
  $('lightbox').addEventListener('click', () => { $('lightbox').hidden = true; });
  for (const id of ['f-track', 'f-status', 'f-rule']) $(id).addEventListener('change', applyFilters);
  $('f-disease').addEventListener('input', applyFilters);
  $('tab-questions').addEventListener('click', () => tab('q'));
  $('tab-alignment').addEventListener('click', () => tab('a'));

  async function start() {
    const m = await api('/api/meta');
    if (m.status === 401) { $('login').hidden = false; $('app').hidden = true; if (state.token) $('login-msg').textContent = 'that token was not accepted'; return; }
    if (m.status !== 200) return toast(m.body.error, 'err');
    $('login').hidden = true; $('app').hidden = false;
    state.meta = m.body;
    $('who').textContent = `reviewer: ${m.body.reviewer}`;
    $('f-track').replaceChildren(el('option', { value: '' }, 'all'), ...Object.keys(m.body.track_fields).map((t) => el('option', { value: t }, t)));
    await loadList();
    if (state.shown.length) open(state.shown[0].id);
  }
  $('login-go').addEventListener('click', () => { state.token = $('token').value.trim(); sessionStorage.setItem('mmrare-token', state.token); start(); });
  start();
})();

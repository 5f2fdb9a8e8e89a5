// What the review page shows: the question list with filters' facets and progress counts, one
// question's full detail (text, images, answer, evidence quoted from the stored sentences, leak
// decisions, licence, the case's alignment, review history), and the cases align holds for review.
import type Database from 'better-sqlite3';
import type { EvidenceSource, QuestionDraft, Track } from '../../schemas/question.ts';
import { reviewOf } from '../../db/review-state.ts';
import { readSectionText } from '../../db/article-text.ts';
import { draftOfFinal, FINAL_COLUMNS, type FinalColumns } from '../../db/packed-json.ts';
import { TRACK_FIELDS } from './apply.ts';
import { history, questionState, reviewCounts, reviewOverview } from './store.ts';

export const pmcUrl = (pmcid: string): string => `https://pmc.ncbi.nlm.nih.gov/articles/${pmcid}/`;

export interface ListItem {
  id: string; track: Track; pmcid: string; status: string; rereview: boolean; edited: boolean;
  orpha_code: string; orpha_name: string; rules: string[];
}

export function questionList(db: Database.Database): { questions: ListItem[]; counts: ReturnType<typeof reviewCounts>; by_track: Record<string, Record<string, number>> } {
  const o = reviewOverview(db);
  const rules = new Map<string, string[]>();
  // the rule filter matches a reason code (leak_answer_in_context) or a rule (filter.leak.answer)
  for (const r of db.prepare(`SELECT question_id AS id, reason_code AS code FROM decisions WHERE question_id IS NOT NULL
      UNION SELECT question_id, rule FROM decisions WHERE question_id IS NOT NULL ORDER BY 1, 2`).all() as { id: string; code: string }[]) {
    (rules.get(r.id) ?? rules.set(r.id, []).get(r.id)!).push(r.code);
  }
  const questions: ListItem[] = [];
  const by: Record<string, Record<string, number>> = {};
  // the two fields come from each row's draft (packed: db/packed-json.ts), read one row at a time
  for (const row of db.prepare(`SELECT f.id, f.track, f.pmcid, ${FINAL_COLUMNS} FROM filtered_questions f ORDER BY f.id`).iterate() as Iterable<{ id: string; track: Track; pmcid: string } & FinalColumns>) {
    const d = draftOfFinal(db, row);
    const r = { id: row.id, track: row.track, pmcid: row.pmcid, code: d.orphaCode, name: d.orphaName };
    const status = o.status.get(r.id) ?? 'pending';
    questions.push({ id: r.id, track: r.track, pmcid: r.pmcid, status, rereview: o.rereview.has(r.id), edited: o.edited.has(r.id), orpha_code: String(r.code ?? ''), orpha_name: String(r.name ?? ''), rules: rules.get(r.id) ?? [] });
    const t = (by[r.track] ??= { accepted: 0, rejected: 0, pending: 0 });
    t[status] = (t[status] ?? 0) + 1;
  }
  return { questions, counts: reviewCounts(db), by_track: by };
}

export interface EvidenceItem { what: string; kind: 'sentence' | 'caption' | 'span'; where: string; quote: string; start: number; end: number; text: string; link: string }

function evidenceOf(db: Database.Database, d: QuestionDraft): EvidenceItem[] {
  const sectionText = (sid: string): string | null => readSectionText(db, d.pmcid, sid) ?? null;
  const caption = (fid: string): string | null => (db.prepare('SELECT caption FROM figures WHERE pmcid = ? AND figure_id = ?').pluck().get(d.pmcid, fid) as string | undefined) ?? null;
  const link = (sid: string | null) => `${pmcUrl(d.pmcid)}${sid ? `#${encodeURIComponent(sid)}` : ''}`;
  const fromSource = (what: string, s: EvidenceSource): EvidenceItem => {
    if (s.kind === 'sentence') {
      const sec = sectionText(s.sectionId);
      const quote = sec ? sec.slice(s.sentenceStart, s.sentenceEnd) : s.text;
      const ok = sec !== null && quote.slice(s.start, s.end) === s.text;
      return { what, kind: 'sentence', where: `section ${s.sectionId}`, quote, start: ok ? s.start : 0, end: ok ? s.end : 0, text: s.text, link: link(s.sectionId) };
    }
    const cap = caption(s.figureId) ?? s.text;
    const ok = cap.slice(s.start, s.end) === s.text;
    return { what, kind: 'caption', where: `caption of ${s.figureId}`, quote: cap, start: ok ? s.start : 0, end: ok ? s.end : 0, text: s.text, link: link(null) };
  };
  const fromSpan = (what: string, s: { sectionId: string | null; start: number; end: number; text: string }): EvidenceItem =>
    ({ what, kind: 'span', where: s.sectionId ? `section ${s.sectionId}` : 'title or abstract', quote: s.text, start: 0, end: s.text.length, text: s.text, link: link(s.sectionId) });
  switch (d.track) {
    case 'diagnosis': return d.diagnosisStatements.map((s) => fromSpan('diagnosis statement', s));
    case 'treatment': return [...d.mustInclude.map((i) => fromSource(`must include: ${i.item}`, i.source)), ...d.mustNot.map((i) => fromSource(`must not (${i.reason}): ${i.item}`, i.source))];
    case 'cross-image': return d.mainline.flatMap((c) => c.sources.map((s) => fromSource(`claim (${c.images.join(', ')}): ${c.claim}`, s)));
    case 'examination': return [...d.keyTests.map((k) => fromSource(`key test ${k.order}: ${k.name}`, k.source)), ...d.redFlags.map((x) => fromSource(`red flag: ${x.item}`, x.source)), ...d.mustNot.map((x) => fromSource(`must not: ${x.item}`, x.source))];
  }
}

export function questionDetail(db: Database.Database, id: string) {
  const st = questionState(db, id);
  if (!st) return null;
  const f = st.row;
  const d = f.draft;
  // this question's own reviews only (the overview of all questions is for the list)
  const rv = reviewOf(db, id);
  const reviewed = db.prepare('SELECT 1 FROM reviews WHERE question_id = ? LIMIT 1').get(id) !== undefined;
  const art = db.prepare('SELECT pmcid, version, pmid, doi, license_code, stale FROM articles WHERE pmcid = ?').get(d.pmcid) as Record<string, unknown> | undefined;
  const dx = db.prepare('SELECT orpha_code, orpha_name, confidence, status, reason, runners_up_json, link_json FROM case_diagnoses WHERE pmcid = ? AND case_no = ?').get(d.pmcid, d.caseNo) as Record<string, any> | undefined;
  const decisions = db.prepare(`SELECT id, stage, action, reason_code, rule, field, span_start, span_end, matched_text, detail_json FROM decisions
      WHERE question_id = ? ORDER BY id`).all(id) as Record<string, unknown>[];
  const refusals = db.prepare('SELECT id, reviewer, base_revision, findings_json, created_at FROM review_refusals WHERE question_id = ? ORDER BY id').all(id) as { findings_json: string }[];
  return {
    id, track: st.track, pmcid: st.pmcid, case: d.caseNo, revision: st.revision,
    status: rv.status, rereview: reviewed && !rv.counted, edited: rv.edit !== null,
    question: f.question, context: f.context, answer: d.answer,
    track_fields: Object.fromEntries(TRACK_FIELDS[d.track].map((k) => [k, (d as Record<string, unknown>)[k]])),
    orpha: { code: d.orphaCode, name: d.orphaName, aliases: d.orphaAliases },
    cut: d.cut ? { before_sentence: d.cut.beforeSentence, reason: d.cut.reason } : null,
    images: d.images.map((im) => ({ label: im.label, image_id: im.imageId, sha256: im.normSha, panel: im.panel, figure_label: im.figureLabel, placeholder: im.placeholder, width: im.width, height: im.height, license: im.license })),
    withheld: d.withheld.map((w) => ({ image_id: w.imageId, figure_label: w.figureLabel, reason: w.reason, detail: w.detail })),
    evidence: evidenceOf(db, d),
    decisions: decisions.map((r) => ({ ...r, detail: JSON.parse(String(r.detail_json)), detail_json: undefined })),
    article: art ? { version: art.version, pmid: art.pmid, doi: art.doi, license: art.license_code, stale: Boolean(art.stale), url: pmcUrl(d.pmcid) } : null,
    alignment: dx ? { orpha_code: dx.orpha_code, orpha_name: dx.orpha_name, confidence: dx.confidence, status: dx.status, reason: dx.reason, runners_up: JSON.parse(dx.runners_up_json), link: dx.link_json ? JSON.parse(dx.link_json) : null } : null,
    history: history(db, id).map(({ before, after, ...h }) => ({ ...h, changed: JSON.stringify(before) !== JSON.stringify(after) })),
    refusals: refusals.map((r) => ({ ...r, findings: JSON.parse(r.findings_json), findings_json: undefined })),
  };
}

/** Cases align holds for a diagnosis decision: each with its candidates (score, evidence, link). */
export function alignmentQueue(db: Database.Database) {
  const rows = db.prepare(`SELECT pmcid, case_no, orpha_code, orpha_name, confidence, reason, runners_up_json, link_json, evidence_json FROM case_diagnoses
      WHERE status = 'needs_review' ORDER BY pmcid, case_no`).all() as Record<string, any>[];
  const review = db.prepare(`SELECT detail_json FROM decisions WHERE stage = 'align' AND action = 'review' AND item_key = ? ORDER BY id`);
  const counts = Object.fromEntries((db.prepare('SELECT status, COUNT(*) AS n FROM case_diagnoses GROUP BY status ORDER BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
  return {
    counts,
    cases: rows.map((r) => {
      const detail = (review.all(r.pmcid) as { detail_json: string }[]).map((x) => JSON.parse(x.detail_json) as Record<string, any>).find((x) => x.case === r.case_no) ?? null;
      const lic = db.prepare('SELECT license_code FROM articles WHERE pmcid = ?').pluck().get(r.pmcid) as string | undefined;
      return {
        pmcid: r.pmcid, case: r.case_no, confidence: r.confidence, reason: r.reason, license: lic ?? null, url: pmcUrl(r.pmcid),
        best: r.orpha_code ? { orpha_code: r.orpha_code, orpha_name: r.orpha_name } : null,
        candidates: detail?.candidates ?? JSON.parse(r.runners_up_json), link: r.link_json ? JSON.parse(r.link_json) : null,
        evidence: JSON.parse(r.evidence_json),
      };
    }),
  };
}

// What a run and `mmrare status` print: per-stage counts, where each item left (one stage owns each
// drop), questions exported per track, and whether the images are placeholders.
//
// Ownership: a stage may drop an item only because an earlier stage already decided about it (generate
// yields no question for a case whose diagnosis align dropped or held for review). Such a drop carries the
// earlier stage's reason code; it is counted once, at the earlier stage, and shown at the later one as
// "left at <stage>". The rule is generic — same case (or article), same reason code, an earlier stage's
// drop or review decision — so it holds for every track and stage without naming one.
import { existsSync } from 'node:fs';
import { fileLines } from '../core/lines.ts';
import { ImageTally } from '../export/plan.ts';
import { join } from 'node:path';
import type { StageCounts } from '../runner/runner.ts';
import type { Store } from '../../db/store.ts';
import { STAGE_NAMES } from '../runner/stage-names.ts';

const stageRank = (s: string): number => { const i = (STAGE_NAMES as readonly string[]).indexOf(s); return i < 0 ? STAGE_NAMES.length : i; };

/** The case an item or decision is about ("PMC1#c2"), else its article ("PMC1"), else null. */
export function caseKeyOf(d: { item_key: string; pmcid?: string | null; question_id?: string | null; detail_json?: string | null }): string | null {
  const own = d.item_key.match(/^(PMC\d+)#c(\d+)/) ?? (d.question_id ?? d.item_key).match(/-(PMC\d+)-c(\d+)-/);
  if (own) return `${own[1]}#c${own[2]}`;
  const pmcid = d.pmcid ?? d.item_key.match(/^(PMC\d+)$/)?.[1] ?? null;
  if (!pmcid) return null;
  if (d.detail_json) {
    try {
      const c = (JSON.parse(d.detail_json) as { case?: unknown }).case;
      if (typeof c === 'number') return `${pmcid}#c${c}`;
    } catch { /* an article-level decision */ }
  }
  return pmcid;
}

export interface StageDrops {
  stage: string;
  /** The unit of this stage's items: articles, cases, questions, tracks. */
  unit: string;
  /** reason → items this stage itself dropped */
  own: Record<string, number>;
  /** items dropped here only because an earlier stage had decided (not counted again) */
  earlier: { reason: string; at: string; items: number }[];
  /** drops and reviews this stage recorded for parts of its items (cases of an article, images) */
  parts: { unit: string; action: 'drop' | 'review'; reason: string; n: number }[];
}

interface ProgressRow { stage: string; item_key: string; status: string; reason: string | null }
interface DecisionLite { stage: string; item_key: string; pmcid: string | null; question_id: string | null; action: string; reason_code: string; field: string | null; detail_json: string; rule: string }

/** Tells a stage's unit from its item keys, seen one at a time (`every` over all keys, in constant memory). */
class UnitOf {
  private n = 0;
  private all = { articles: true, tracks: true, cases: true, questions: true };
  constructor(private readonly stage: string) {}
  see(k: string): void {
    this.n++;
    if (this.all.articles && !/^PMC\d+$/.test(k)) this.all.articles = false;
    // generate's items are one per case and track ("PMC1#c1:treatment")
    if (this.all.tracks && !/^PMC\d+#c\d+:[a-z-]+$/.test(k)) this.all.tracks = false;
    if (this.all.cases && !/^PMC\d+#c\d+/.test(k)) this.all.cases = false;
    if (this.all.questions && !/^[a-z]+-PMC\d+-c\d+-/.test(k)) this.all.questions = false;
  }
  get unit(): string {
    if (this.stage === 'export') return 'tracks';
    if (this.n === 0) return 'items';
    if (this.all.articles) return 'articles';
    if (this.all.tracks) return 'case × track items';
    if (this.all.cases) return 'cases';
    if (this.all.questions) return 'questions';
    return 'items';
  }
}

/** The earliest stage that dropped or held each (case or article, reason): "<key>\u0000<reason>" → stage. */
function earliestDeciders(decisions: Iterable<DecisionLite>): Map<string, string> {
  const first = new Map<string, string>();
  for (const d of decisions) {
    if (d.action !== 'drop' && d.action !== 'review') continue;
    const k = `${caseKeyOf(d)}\u0000${d.reason_code}`;
    const prev = first.get(k);
    if (!prev || stageRank(d.stage) < stageRank(prev)) first.set(k, d.stage);
  }
  return first;
}

/**
 * Who owns each drop in the store, per stage (pure over the rows, so tests can feed it rows). Each source is
 * read as a stream (twice for decisions): memory grows with the distinct (case, reason) pairs, not the rows.
 */
export function dropOwnership(progress: () => Iterable<ProgressRow>, decisions: () => Iterable<DecisionLite>): StageDrops[] {
  const decided = earliestDeciders(decisions());
  interface Acc { units: UnitOf; own: Record<string, number>; earlier: Map<string, { reason: string; at: string; items: number }>; parts: Map<string, { unit: string; action: 'drop' | 'review'; reason: string; n: number }> }
  const acc = new Map<string, Acc>();
  const accOf = (stage: string): Acc => {
    let a = acc.get(stage);
    if (!a) { a = { units: new UnitOf(stage), own: {}, earlier: new Map(), parts: new Map() }; acc.set(stage, a); }
    return a;
  };
  const itemDrops = new Set<string>();
  for (const p of progress()) {
    const a = accOf(p.stage);
    a.units.see(p.item_key);
    if (p.status !== 'dropped') continue;
    itemDrops.add(`${p.stage}\u0000${p.item_key}\u0000${p.reason}`);
    const reason = p.reason ?? 'unknown';
    const key = caseKeyOf({ item_key: p.item_key });
    const article = key?.split('#')[0] ?? null;
    const at = [key, article].map((k) => (k ? decided.get(`${k}\u0000${reason}`) : undefined)).find((s) => s && stageRank(s) < stageRank(p.stage));
    if (at) {
      const e = a.earlier.get(`${at}:${reason}`) ?? { reason, at, items: 0 };
      e.items++;
      a.earlier.set(`${at}:${reason}`, e);
    } else a.own[reason] = (a.own[reason] ?? 0) + 1;
  }
  // decisions about parts of an item (a case of an article, an image) that are not the item's own drop
  for (const d of decisions()) {
    if (d.action !== 'drop' && d.action !== 'review') continue;
    const a = acc.get(d.stage);
    if (!a) continue; // a stage with no progress rows is not listed
    if (d.action === 'drop' && itemDrops.has(`${d.stage}\u0000${d.item_key}\u0000${d.reason_code}`)) continue; // the item's own drop
    const key = caseKeyOf(d);
    const unit = d.field?.startsWith('image:') ? 'images' : key?.includes('#c') && !d.item_key.includes('#c') ? 'cases' : 'items';
    const k = `${unit}:${d.action}:${d.reason_code}`;
    const e = a.parts.get(k) ?? { unit, action: d.action as 'drop' | 'review', reason: d.reason_code, n: 0 };
    e.n++;
    a.parts.set(k, e);
  }
  return [...acc.keys()].sort((x, y) => stageRank(x) - stageRank(y)).map((stage): StageDrops => {
    const a = acc.get(stage)!;
    return {
      stage, unit: a.units.unit,
      own: Object.fromEntries(Object.entries(a.own).sort(([x], [y]) => x.localeCompare(y))),
      earlier: [...a.earlier.values()].sort((x, y) => x.reason.localeCompare(y.reason)),
      parts: [...a.parts.values()].sort((x, y) => x.unit.localeCompare(y.unit) || x.action.localeCompare(y.action) || x.reason.localeCompare(y.reason)),
    };
  });
}

/**
 * Drop decisions that only follow an earlier stage's drop or review of the same case (or article) with
 * the same reason code: decision id → the stage that decided. Audit shows them as such, never as a
 * second drop.
 */
export function followedDecisions(decisions: (DecisionLite & { id: number })[]): Map<number, string> {
  const first = earliestDeciders(decisions);
  const out = new Map<number, string>();
  for (const d of decisions) {
    if (d.action !== 'drop') continue;
    const key = caseKeyOf(d);
    const at = [key, key?.split('#')[0]].map((k) => first.get(`${k}\u0000${d.reason_code}`)).find((st) => st && stageRank(st) < stageRank(d.stage));
    if (at) out.set(d.id, at);
  }
  return out;
}

export function storeFollowedDecisions(store: Store): Map<number, string> {
  return followedDecisions(store.db.prepare(`SELECT id, stage, item_key, pmcid, question_id, action, reason_code, field, detail_json, rule FROM decisions
    WHERE action IN ('drop', 'review')`).all() as (DecisionLite & { id: number })[]);
}

export function storeDropOwnership(store: Store): StageDrops[] {
  const progress = store.db.prepare('SELECT stage, item_key, status, reason FROM stage_progress');
  const decisions = store.db.prepare(`SELECT stage, item_key, pmcid, question_id, action, reason_code, field, detail_json, rule FROM decisions
    WHERE action IN ('drop', 'review')`);
  return dropOwnership(() => progress.iterate() as Iterable<ProgressRow>, () => decisions.iterate() as Iterable<DecisionLite>);
}

export interface ExportSummary {
  /** track → rows in its last export */
  questions: Record<string, number>;
  images: number;
  placeholder_images: number;
  files: Record<string, string>;
}

/** Questions per track in the last export of each, and how many of their images are placeholders. */
export function exportSummary(store: Store): ExportSummary {
  const tracks = store.db.prepare(`SELECT track, rows, sha256 FROM exports WHERE id IN (SELECT MAX(id) FROM exports WHERE track NOT LIKE '%:%' GROUP BY track) ORDER BY track`)
    .all() as { track: string; rows: number; sha256: string }[];
  // the counts export recorded with that JSONL (absent for exports written before they were recorded)
  const counted = store.db.prepare('SELECT rows FROM exports WHERE track = ? AND sha256 = ? ORDER BY id DESC LIMIT 1').pluck();
  const out: ExportSummary = { questions: {}, images: 0, placeholder_images: 0, files: {} };
  for (const t of tracks) {
    out.questions[t.track] = t.rows;
    const file = join(store.workdir, 'export', `${t.track}.jsonl`);
    out.files[t.track] = file;
    if (!existsSync(file)) continue;
    const images = counted.get(`${t.track}:images`, t.sha256) as number | undefined;
    const placeholders = counted.get(`${t.track}:placeholder-images`, t.sha256) as number | undefined;
    if (images !== undefined && placeholders !== undefined) { out.images += images; out.placeholder_images += placeholders; continue; }
    // else read from the file, a line at a time, counted as export counts them
    const tally = new ImageTally();
    for (const line of fileLines(file)) {
      if (!line.trim()) continue;
      try {
        tally.add((JSON.parse(line) as { images?: { id?: string; sha256?: string; placeholder?: boolean }[] }).images);
      } catch { /* a torn line is the export's business */ }
    }
    out.images += tally.images;
    out.placeholder_images += tally.placeholders;
  }
  return out;
}

const table = (head: string[], rows: string[][], leftCols = 1): string[] => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((v, i) => (i < leftCols || i >= head.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
};

export function partsNote(d: StageDrops | undefined): string {
  if (!d) return '';
  const notes: string[] = [];
  const cases = d.parts.filter((p) => p.unit === 'cases');
  if (cases.length) {
    const dropped = cases.filter((p) => p.action === 'drop').reduce((a, p) => a + p.n, 0);
    const held = cases.filter((p) => p.action === 'review').reduce((a, p) => a + p.n, 0);
    notes.push(`cases: ${dropped} dropped${held ? `, ${held} held for review` : ''}`);
  }
  const earlier = d.earlier.reduce((a, e) => a + e.items, 0);
  if (earlier) notes.push(`${earlier} already left at ${[...new Set(d.earlier.map((e) => e.at))].join(', ')}`);
  return notes.length ? ` (${notes.join('; ')})` : '';
}

/** The per-stage table of this run, with each stage's own drops and what its items are. */
export function formatCounts(counts: StageCounts[], drops: StageDrops[] = []): string {
  const by = new Map(drops.map((d) => [d.stage, d]));
  const rows = counts.map((c) => {
    const d = by.get(c.stage);
    const total = Object.values(c.dropped).reduce((a, b) => a + b, 0);
    const earlier = d ? d.earlier.reduce((a, e) => a + e.items, 0) : 0;
    return [c.stage, c.seen, c.new, c.kept, Math.max(0, total - earlier), c.pending, c.ms].map(String).concat(`${d?.unit ?? 'items'}${partsNote(d)}`);
  });
  const out = table(['stage', 'seen', 'new', 'kept', 'dropped', 'pending', 'ms', 'items'], rows);
  const reasons = formatReasons(drops.filter((d) => counts.some((c) => c.stage === d.stage)));
  if (reasons.length) out.push('', 'dropped, each counted once at the stage that decided:', ...reasons);
  return out.join('\n');
}

export function formatReasons(drops: StageDrops[]): string[] {
  const rows: string[][] = [];
  for (const d of drops) {
    for (const p of d.parts) {
      rows.push([d.stage, p.reason, String(p.n), `${p.unit}${p.action === 'review' ? ' held for review (not in the benchmark until reviewed)' : ''}`]);
    }
    for (const [r, n] of Object.entries(d.own)) rows.push([d.stage, r, String(n), d.unit]);
  }
  return rows.length ? table(['', '', '', ''], rows, 2).slice(1).map((l) => `  ${l}`) : [];
}

export function formatExport(e: ExportSummary): string[] {
  const tracks = Object.entries(e.questions);
  if (!tracks.length) return ['exported: nothing yet (run the export stage: mmrare run, or mmrare export)'];
  const total = tracks.reduce((a, [, n]) => a + n, 0);
  const lines = [`exported: ${total} question${total === 1 ? '' : 's'} — ${tracks.map(([t, n]) => `${t} ${n}`).join(', ')}`];
  if (e.placeholder_images > 0) {
    lines.push(`images:   ${e.placeholder_images === e.images ? `all ${e.images}` : `${e.placeholder_images} of ${e.images}`} exported images are PLACEHOLDERS ` +
      '(cards showing only the figure label; the real figures are not in the data dir): do not evaluate models on them (docs/data.md)');
  } else if (e.images > 0) lines.push(`images:   ${e.images} exported images, none a placeholder`);
  return lines;
}

/** Per-article extraction counts (from the extract stage's attributes), one line per article. */
export function formatPerArticle(store: Store): string {
  const rows = store.db.prepare(`SELECT p.item_key AS pmcid, p.status, p.reason,
      (SELECT json_group_object(name, json(value_json)) FROM attributes a WHERE a.stage = 'extract' AND a.item_key = p.item_key
        AND a.name IN ('sections', 'cases', 'sentences', 'figures', 'images')) AS attrs
    FROM stage_progress p WHERE p.stage = 'extract' ORDER BY p.item_key`).all() as { pmcid: string; status: string; reason: string | null; attrs: string | null }[];
  const head = ['article', 'sections', 'cases', 'sentences', 'figures', 'images', 'status'];
  const lines = rows.map((r) => {
    const a = JSON.parse(r.attrs ?? '{}') as Record<string, number>;
    return [r.pmcid, a.sections ?? '-', a.cases ?? '-', a.sentences ?? '-', a.figures ?? '-', a.images ?? '-', r.status === 'dropped' ? `dropped: ${r.reason}` : r.status].map(String);
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]): string => l.map((v, i) => (i === 0 || i === l.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

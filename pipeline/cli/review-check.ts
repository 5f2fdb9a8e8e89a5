// The leak check of an edited question, handed to the review app and the Label Studio import (which may
// not import other stages): the filter's rules of the question's track (pipeline/filter/rules.ts) on
// the edited question and context, then the independent residual scanner (pipeline/export/scanner.ts)
// on the row as it would be exported. Any finding refuses the edit.
import type Database from 'better-sqlite3';
import { readFinalJson } from '../../db/packed-json.ts';
import type { Lexicon } from '../../ontology/types.ts';
import type { Config } from '../../schemas/config.ts';
import type { ExportRow } from '../../schemas/export.ts';
import type { FilteredQuestion } from '../../schemas/question.ts';
import { createCodeFinder } from '../leakage/code-finder.ts';
import { splitSentences } from '../core/sentences.ts';
import { rulesFor } from '../filter/rules.ts';
import { buildRow } from '../export/plan.ts';
import { scanRow, type HiddenText } from '../export/scanner.ts';
import type { CheckRow, Finding } from '../review/apply.ts';

export function createReviewCheck(db: Database.Database, lexicon: Lexicon, config: Config): CheckRow {
  const findCodes = createCodeFinder(lexicon);
  const thresholds = { captionShingleWords: config.filter.captionShingleWords, findingOverlap: config.filter.findingOverlap };
  return (row: FilteredQuestion): Finding[] => {
    const d = row.draft;
    const findings: Finding[] = [];
    const rules = rulesFor(d, lexicon, findCodes, thresholds);
    // filter's own row: its sentences passed the sentence rules already (the fixed wording of a question
    // is never read by them), so those rules read the sentences an edit added or changed
    const orig = readFinalJson(db, d.id);
    const before = orig ? (JSON.parse(orig) as FilteredQuestion) : null;
    for (const field of ['question', 'context'] as const) {
      const text = row[field];
      if (!text) continue;
      const seen = new Set(before ? splitSentences(before[field]).map((s) => before[field].slice(s.start, s.end)) : []);
      for (const r of rules) {
        const pieces = r.sentencesOnly
          ? splitSentences(text).map((s) => text.slice(s.start, s.end)).filter((s) => !seen.has(s))
          : [text];
        for (const p of pieces) for (const h of r.find(p)) findings.push({ check: 'filter', rule: h.rule, field, text: h.text, form: h.form });
      }
    }
    for (const im of d.images) {
      for (const r of rules) if (!r.sentencesOnly) for (const h of r.find(im.label)) findings.push({ check: 'filter', rule: h.rule, field: `images[${im.label}].label`, text: h.text, form: h.form });
    }
    // the residual scanner on the row as export would build it (bytes and provenance do not matter to it)
    const built = buildRow({
      filtered: row, article: { pmid: null, doi: null, license: d.images[0]?.license ?? '', sourceUrls: [] }, decisions: [], imageBytes: () => Buffer.alloc(0),
    }, { pipelineVersion: '', configHash: '', orphanetRelease: '', stageVersions: {} }).row as ExportRow;
    const captions = d.track === 'cross-image'
      ? (db.prepare(`SELECT caption FROM figures WHERE pmcid = ? AND figure_id IN (${d.images.map(() => '?').join(',') || "''"})`).pluck().all(d.pmcid, ...d.images.map((i) => i.figureId)) as string[]).filter(Boolean)
      : [];
    const hidden: HiddenText = { captions, imageText: Object.fromEntries(d.images.map((i) => [i.imageId, i.ocrText])) };
    for (const f of scanRow(built, hidden)) findings.push({ check: 'scanner', rule: `export.scanner.${f.kind}`, field: f.field, text: f.found, form: f.term });
    return findings;
  };
}

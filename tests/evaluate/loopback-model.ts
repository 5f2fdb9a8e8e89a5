// A scripted model and judge for the evaluation tests, served by scripts/loopback-openai/server.ts. The model
// recognises each question by what it is shown (question text, context, image bytes) and answers from the
// gold row with controlled errors; the judge finds the answer it grades and returns scripted verdicts.
// Everything is a function of the question's index within its track (id order), so the tests can write
// the expected metrics by hand from these rules.
import { createHash } from 'node:crypto';
import { lastUserText, requestImages, type ChatHandler, type WireChatRequest } from '../../scripts/loopback-openai/server.ts';

export type Row = Record<string, any>;
export interface Indexed { row: Row; i: number }

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const RELS = ['confirm', 'complement', 'contrast'];

/** The controlled answer to question i of a track. */
export function controlledAnswer(row: Row, i: number, differential: boolean): string {
  const tag = `Note ref${row.id.replace(/[^a-z0-9]/gi, '')}.`;   // makes every answer unique (the judge looks it up)
  switch (row.track) {
    case 'diagnosis': {
      const wrong = i % 3 === 2;
      if (differential) return `${tag}\n${(wrong ? ['Quellinox fever', 'Brolvic syndrome', row.answer] : [row.answer, 'Quellinox fever']).map((d, k) => `${k + 1}. ${d}`).join('\n')}`;
      return `${tag}\nThe findings fit a rare disease.\nDiagnosis: ${wrong ? 'Quellinox fever' : row.answer}`;
    }
    case 'treatment': {
      const items = (row.rubric_must_include as { kind: string; name: string }[]);
      const named = items.filter((x) => x.kind !== 'follow_up');
      if (i % 2 === 1) return `${tag}\n1. ${named[0]?.name ?? 'Quellinox'}`;
      const lines = named.map((x, k) => `${k + 1}. ${x.name}`);
      if (items.some((x) => x.kind === 'follow_up')) lines.push('Follow-up: clinical review after 3 months.');
      return `${tag}\n${lines.join('\n')}`;
    }
    case 'cross-image': {
      const rel = i % 4 === 3 ? RELS[(RELS.indexOf(row.relation_type) + 1) % 3] : row.relation_type;
      const claims = i % 4 === 1 ? [] : (row.golden_mainline as { claim: string }[]).map((g) => g.claim);
      return `${tag}\n${claims.join('\n')}\nRelation: ${rel}`;
    }
    case 'examination':
      return i % 2 === 1 ? `${tag}\nStart with a careful history.` : `${tag}\n${(row.key_test_names as string[]).map((t, k) => `${k + 1}. ${t}`).join('\n')}`;
  }
  throw new Error(`unknown track ${row.track}`);
}

const YES = 'YES', NO = 'NO';

/** The scripted verdict for question i of a track (before any re-ask tricks). */
export function controlledVerdict(row: Row, i: number): Record<string, unknown> {
  switch (row.track) {
    case 'diagnosis': return i % 3 === 2 ? { exact_match: NO, category: YES, specificity: YES } : { exact_match: YES, category: YES, specificity: YES };
    case 'treatment': return i % 2 === 1
      ? { same_treatments: NO, drug_dose_route: NO, no_safety_violation: YES, concrete_follow_up: NO, justification: YES, implementable: YES }
      : { same_treatments: YES, drug_dose_route: YES, no_safety_violation: YES, concrete_follow_up: YES, justification: YES, implementable: YES };
    case 'cross-image': return {
      all_key_findings: i % 4 === 1 ? NO : YES, explicit_relation: YES, relation_type_exact: i % 4 === 3 ? NO : YES,
      no_factual_errors: YES, integrated_synthesis: i % 4 === 1 ? NO : YES,
    };
    case 'examination': return i % 2 === 1
      ? { coverage: 0, specificity: 1, ordering_branching: 1, expected_findings: 1, quantitative_thresholds: 1, differential_narrowing: 1, patient_adaptation: 1, precision: 1 }
      : { coverage: 2, specificity: 2, ordering_branching: 2, expected_findings: 2, quantitative_thresholds: 2, differential_narrowing: 2, patient_adaptation: 2, precision: 2 };
  }
  throw new Error(`unknown track ${row.track}`);
}

/** Diagnosis question 0's judge replies prose first (then JSON on the re-ask); question 1's judge never replies JSON. */
export const REASK_ONCE = 0, NEVER_PARSES = 1;

const allText = (req: WireChatRequest): string => req.messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '')).join('\n'))).join('\n');

export interface ScriptedServer { handler: ChatHandler; unmatched: string[] }

export function scriptedHandler(rows: Row[]): ScriptedServer {
  const byTrack = new Map<string, Row[]>();
  for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))) byTrack.set(r.track, [...(byTrack.get(r.track) ?? []), r]);
  const index = new Map<string, Indexed>();
  for (const list of byTrack.values()) list.forEach((row, i) => index.set(row.id, { row, i }));
  const unmatched: string[] = [];
  const byTag = new Map<string, Indexed>([...index.values()].map((x) => [`Note ref${x.row.id.replace(/[^a-z0-9]/gi, '')}.`, x]));

  const handler: ChatHandler = (req) => {
    const system = typeof req.messages[0]?.content === 'string' ? req.messages[0].content : '';
    const text = lastUserText(req);
    if (system.startsWith('You are a strict grader')) {
      const tag = /Note ref[a-z0-9]+\./i.exec(allText(req))?.[0];
      const hit = tag ? byTag.get(tag) : undefined;
      if (!hit) { unmatched.push(`judge: ${text.slice(0, 80)}`); return 'no idea'; }
      const reasked = req.messages.length > 2;
      if (hit.row.track === 'diagnosis' && hit.i === NEVER_PARSES) return 'The answer looks reasonable to me.';
      if (hit.row.track === 'diagnosis' && hit.i === REASK_ONCE && !reasked) return 'Overall a good answer, I would say yes.';
      return JSON.stringify({ ...controlledVerdict(hit.row, hit.i), rationale: 'scripted' });
    }
    const differential = /ranked differential/.test(text);
    const shown = requestImages(req).map((im) => sha(im.bytes));
    const candidates = [...index.values()].filter(({ row }) =>
      text.includes(`Question: ${row.question}`) &&
      (shown.length === 0 || JSON.stringify(shown) === JSON.stringify((row.images as { sha256: string }[]).map((x) => x.sha256))) &&
      (!row.context || !text.includes('Case:\n') || text.includes(row.context.trim())) &&
      (text.includes('Case:\n') || !row.context || shown.length > 0));
    if (candidates.length !== 1) { unmatched.push(`model (${candidates.length} candidates): ${text.slice(0, 80)}`); return "I don't know."; }
    return controlledAnswer(candidates[0].row, candidates[0].i, differential);
  };
  return { handler, unmatched };
}

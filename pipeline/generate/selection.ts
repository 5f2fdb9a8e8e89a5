// Case selection rules that every track applies before it builds a question (each drop is a decision).
// The others: a confident rare diagnosis (align decides; generate lists only accepted cases), enough
// usable images and a narrative long enough for the track's cut (each generator checks its own).
import type { Sentence } from '../../schemas/article.ts';
import { INTRODUCTION_RE, OTHER_PATIENT_CUE } from './cues.ts';

const AGE_RE = /^(?:An?|The)\s+((?:\d+|[a-z]+(?:-[a-z]+)?)[- ](?:years?|months?|weeks?|days?))[- ]old\b/;

/**
 * One patient per case: a case whose narrative introduces patients of different ages ("A 53-year-old
 * man …" then "A 55-year-old woman …") or speaks of another patient ("Patient 2", "both patients") is
 * left out, since its findings, images and treatment cannot be told apart by patient.
 */
export function onePatient(sentences: Sentence[]): { ok: true } | { ok: false; detail: Record<string, unknown> } {
  const body = sentences.filter((s) => s.kind !== 'discussion');
  const ages = new Set(body.filter((s) => INTRODUCTION_RE.test(s.text)).map((s) => AGE_RE.exec(s.text)?.[1].replace(/-/g, ' ').replace(/s$/, '')));
  if (ages.size > 1) return { ok: false, detail: { introductions: [...ages] } };
  const other = body.find((s) => OTHER_PATIENT_CUE.test(s.text));
  if (other) return { ok: false, detail: { sentence: other.index, cue: OTHER_PATIENT_CUE.exec(other.text)![0] } };
  return { ok: true };
}

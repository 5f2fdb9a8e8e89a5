// The confidence model: evidence signals -> a raw score -> confidence in [0, 1].
// Weights say how strongly each place in a case report states the patient's diagnosis:
// the title and explicit diagnosis statements most, then the abstract and the case narrative,
// then the discussion. Negated, differential and hypothetical mentions count against.
export interface Signals {
  title: number;        // best affirmed title mention (0..1)
  abstract: number;     // affirmed abstract mentions (weighted count)
  dxStatement: number;  // affirmed mentions inside diagnosis-statement sentences
  dxKind: number;       // affirmed mentions in sentences the extractor classed 'diagnosis'
  caseBody: number;     // affirmed mentions in this case's sections
  otherBody: number;    // affirmed mentions in other sections (introduction, discussion)
  caption: number;
  weak: number;         // historical / family mentions
  contra: number;       // negated / differential / hypothetical mentions (weighted by place, see CONTRA_PLACE)
}

/**
 * A negated / differential / hypothetical mention counts against a candidate in full in the title, abstract and
 * the case narrative, where it speaks about this patient; in the discussion and captions a quarter: there the
 * diagnosis itself is routinely "distinguished from", "differentiated", "considered" as a class.
 */
export const CONTRA_PLACE = { key: 1, elsewhere: 0.25 };

export const WEIGHTS = {
  title: 3, dxStatementFirst: 2.5, dxStatementMore: 0.5, dxKind: 1, abstract: 1.5, caseBody: 0.5, otherBody: 0.25,
  caption: 0.5, weak: 0.1, contra: 0.75,
};

const capped = (x: number, cap: number) => Math.min(x, cap);

export function scoreSignals(s: Signals): number {
  const affirmed = s.title + s.abstract + s.caseBody + s.otherBody + s.caption;
  if (affirmed === 0) return 0; // never an answer from negated/hypothetical/historical mentions alone
  const raw =
    WEIGHTS.title * s.title +
    (s.dxStatement > 0 ? WEIGHTS.dxStatementFirst * Math.min(1, s.dxStatement) + WEIGHTS.dxStatementMore * capped(s.dxStatement - 1, 2) : 0) +
    WEIGHTS.dxKind * capped(s.dxKind, 1) +
    WEIGHTS.abstract * capped(s.abstract, 2) / (s.abstract > 1 ? 1.33 : 1) +
    WEIGHTS.caseBody * capped(s.caseBody, 4) +
    WEIGHTS.otherBody * capped(s.otherBody, 4) +
    WEIGHTS.caption * capped(s.caption, 2) +
    WEIGHTS.weak * capped(s.weak, 2) -
    WEIGHTS.contra * capped(s.contra, 4);
  return Math.max(0, Math.round(raw * 1000) / 1000);
}

/** Score at which support saturates: about title + diagnosis statement + abstract. */
export const SUPPORT_SATURATION = 7;
/**
 * A case report states its diagnosis in its title or abstract; a candidate named in neither (only in the
 * body or the discussion) is uncertain however often it is repeated, so its confidence stays below the usual
 * review threshold.
 */
export const NOT_IN_TITLE_OR_ABSTRACT_CAP = 0.45;

/**
 * Support grows with the score and saturates at SUPPORT_SATURATION; the margin over the strongest rival
 * (any candidate, answer or not) scales it, so two equally supported codes give low confidence.
 */
export function confidenceOf(top: number, second: number, s?: Signals): number {
  if (top <= 0) return 0;
  let support = Math.min(1, top / SUPPORT_SATURATION);
  if (s && s.title <= 0 && s.abstract <= 0) support = Math.min(support, NOT_IN_TITLE_OR_ABSTRACT_CAP);
  const margin = Math.max(0, (top - second) / top);
  return Math.round(support * (0.55 + 0.45 * margin) * 1000) / 1000;
}

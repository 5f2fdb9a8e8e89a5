// Which Orphanet entries may be a case's answer. A diagnosis answer is an active, disorder-level entry of
// a type a clinician diagnoses: Disease, Malformation syndrome, Clinical syndrome, Morphological anomaly,
// Biological anomaly. Groups (Category, Clinical group) are never answers (a group whose only fitting child
// is clear stands for that child: diagnose/groups.ts). "Particular clinical situations in a disease or
// syndrome" (poisonings, injuries, complications after transplantation, cardiogenic shock, anal fistula, …)
// are not answers by default: they describe an event or a setting rather than a rare disease, and most are
// common. Entries non-rare in Europe are refused by default (the rarity rule, import/rarity.ts).
import type { LexEntry } from '../types.ts';

/** Below this confidence a case goes to review (the config's align.minConfidence default is the same). */
export const DEFAULT_MIN_CONFIDENCE = 0.5;

export const PARTICULAR_SITUATION = 'Particular clinical situation in a disease or syndrome';

export interface AnswerPolicy {
  /** Accept "particular clinical situation" entries as answers (default false). */
  allowParticularSituations?: boolean;
  /** Accept answers the rarity rule marks as non-rare in Europe (default false). */
  includeNonRare?: boolean;
}

export type RefusalReason = 'particular_situation_not_answer' | 'non_rare_excluded';

export interface PolicyCheck {
  /** Why the entry cannot be an answer under this policy, or null. Non-rare is checked after the type. */
  refuses(e: LexEntry): RefusalReason | null;
}

export function answerPolicyOf(p: AnswerPolicy = {}): PolicyCheck {
  return {
    refuses(e) {
      if (e.type === PARTICULAR_SITUATION && !p.allowParticularSituations) return 'particular_situation_not_answer';
      if (e.nonRare && !p.includeNonRare) return 'non_rare_excluded';
      return null;
    },
  };
}

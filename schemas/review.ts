// What a review can say: the reject reason codes. Shared by the review app (pipeline/review), the Label
// Studio export's label config (pipeline/export/release) and the Label Studio import, so the three agree.

/** Why a question is rejected (docs/review.md). */
export const REJECT_REASONS = {
  answer_wrong: 'the expected answer is wrong or not what the case shows',
  answer_leaked: 'the model-visible text still gives the answer away',
  context_insufficient: 'the context or images do not allow the answer',
  images_wrong: 'images missing, wrong, or not of this case',
  not_one_case: 'the text mixes patients or cases',
  duplicate: 'the same question as another one',
  licence_problem: 'the article or a figure may not be redistributed',
  other: 'another reason (say which in the note)',
} as const;
export type RejectReason = keyof typeof REJECT_REASONS;

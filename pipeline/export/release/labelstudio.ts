// labelstudio: tasks.json (one task per question; the candidate answer as a prediction the reviewer
// accepts, rejects with a reason, or corrects) and label_config.xml with the controls the review import
// (pipeline/review/labelstudio.ts) reads: `verdict` (choices accept | reject), `reason` (choices: the
// reject reason codes), `answer` (textarea). Images are served by Label Studio's local-files storage from
// this folder (images/<sha256>.<ext>), or embedded as data URLs (--image-urls data).
import { REJECT_REASONS } from '../../../schemas/review.ts';
import type { ReleaseRow } from '../../../schemas/release.ts';
import type { ReleaseInput } from './load.ts';
import { file, imageName, type PlannedFile } from './common.ts';
import { imageFiles } from './jsonl.ts';

/** The reject reason codes, as the review app takes them (schemas/review.ts; docs/review.md). */
export const LABELSTUDIO_REJECT_REASONS = Object.keys(REJECT_REASONS) as (keyof typeof REJECT_REASONS)[];

export type ImageUrls = 'local-files' | 'data';
const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', tif: 'image/tiff', tiff: 'image/tiff' };

function task(r: ReleaseRow, n: number, input: ReleaseInput, urls: ImageUrls) {
  return {
    id: n,
    data: {
      question_id: r.id, track: r.track, pmcid: r.pmcid, license: r.license, publication_date: r.publication_date, pmc_version: r.pmc_version,
      question: r.question, context: r.context, answer: r.answer,
      images: r.images.map((im) => {
        const name = imageName(im);
        if (urls === 'local-files') return `/data/local-files/?d=images/${name}`;
        const ext = name.slice(name.lastIndexOf('.') + 1);
        return `data:${MIME[ext] ?? 'application/octet-stream'};base64,${input.images.get(im.sha256)!.toString('base64')}`;
      }),
      image_labels: r.images.map((im) => im.label),
    },
    predictions: [{
      model_version: `mmrare-${input.pipelineVersion}`,
      result: [
        { from_name: 'verdict', to_name: 'question', type: 'choices', value: { choices: ['accept'] } },
        { from_name: 'answer', to_name: 'question', type: 'textarea', value: { text: [r.answer] } },
      ],
    }],
  };
}

export const LABEL_CONFIG = `<View>
  <Header value="$track · $question_id · $pmcid ($license)"/>
  <Image name="figures" valueList="$images"/>
  <Header value="Context"/>
  <Text name="context" value="$context"/>
  <Header value="Question"/>
  <Text name="question" value="$question"/>
  <Header value="Verdict"/>
  <Choices name="verdict" toName="question" choice="single" required="true">
    <Choice value="accept"/>
    <Choice value="reject"/>
  </Choices>
  <Header value="Reason (when rejecting)"/>
  <Choices name="reason" toName="question" choice="single" visibleWhen="choice-selected" whenTagName="verdict" whenChoiceValue="reject">
${LABELSTUDIO_REJECT_REASONS.map((r) => `    <Choice value="${r}"/>`).join('\n')}
  </Choices>
  <Header value="Expected answer (correct it if needed)"/>
  <TextArea name="answer" toName="question" editable="true" maxSubmissions="1" rows="4"/>
</View>
`;

export function planLabelStudio(input: ReleaseInput, opts: { imageUrls?: ImageUrls } = {}): PlannedFile[] {
  const urls = opts.imageUrls ?? 'local-files';
  const tasks = input.rows.map((r, i) => task(r, i + 1, input, urls));
  // JSON.stringify(tasks, null, 2), one task at a time: with data URLs the whole list can pass V8's longest string
  const indent = (s: string) => s.split('\n').map((l) => `  ${l}`).join('\n');
  const json = tasks.length
    ? Buffer.concat([Buffer.from('[\n'), ...tasks.map((t, i) => Buffer.from(`${indent(JSON.stringify(t, null, 2))}${i < tasks.length - 1 ? ',' : ''}\n`)), Buffer.from(']\n')])
    : Buffer.from('[]\n');
  return [file('tasks.json', json), file('label_config.xml', LABEL_CONFIG), ...(urls === 'local-files' ? imageFiles(input.rows, input) : [])];
}

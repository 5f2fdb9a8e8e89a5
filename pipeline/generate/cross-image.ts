// Rule-based cross-image generator (pure). At least two images of one case whose in-text references or
// captions describe related findings; the answer is one finding claim per image (tied to the image and
// the sentence/caption spans it came from) and the relation between them (confirm / complement /
// contrast, chosen by the rules in `relationOf`). The context is the narrative before the first
// sentence that describes one of the images, so the findings are read from the pixels.
import type { Sentence } from '../../schemas/article.ts';
import type { CrossImageDraft, DraftImage, EvidenceSource, ForbiddenText, MainlineClaim, RelationType } from '../../schemas/question.ts';
import { joinParts } from '../../schemas/question.ts';
import { stemWord } from '../../ontology/vocab/index.ts';
import { findLeaks } from '../leakage/patterns.ts';
import { AFTER_CUE, BEFORE_CUE, CONFIRM_CUE, CONTRAST_CUE } from './cues.ts';
import { captionSource, commonFields, draftImage, partsOf, relabelRefs, sentenceSource, spanOf, type CaseMaterial, type FigureInfo, type GenResult, type ImageInfo } from './material.ts';

export const CROSS_IMAGE_QUESTION = (n: number, panelNote: string): string =>
  `${n === 2 ? 'Images 1 and 2 are' : `Images 1–${n} are all`} from this patient.${panelNote} Describe the key finding in each image and how the findings relate: ` +
  'do they confirm each other (the same finding seen twice), complement each other (different findings that fit together), or contrast (a change or difference between them)?';

/** One image a model is shown: a whole image, or one panel of a compound image addressed on its own in the text. */
export interface Unit { image: ImageInfo; fig: FigureInfo; panel: string | null; sentences: Sentence[]; captionPiece: string; words: Set<string> }

// Words that say nothing about a finding: how the picture was taken, layout words, very common words.
const STOP = new Set(('a an the of in on at to and or with without from by for as is are was were be been showing shows shown show '
  + 'demonstrating demonstrates revealed reveals revealing image images figure fig panel panels arrow arrows arrowhead arrowheads star '
  + 'asterisk view views axial coronal sagittal section sections scan scans case patient left right upper lower see also which that this '
  + 'these there its their his her he she it after before during magnification original x h e stain staining bar note black white red '
  + 'yellow green blue dotted line circle circles scale level area region side both two one three a b c d e f first second '
  + 'small large multiple sign signs result results finding findings evidence seen present noted later time showed performed done '
  + 'examination test image imaging').split(' '));

/** Content words of a text, stemmed: what two findings must share to be related. */
export function findingWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.toLowerCase().match(/\p{L}{3,}/gu) ?? []) if (!STOP.has(w)) out.add(stemWord(w));
  return out;
}

const shared = (a: Set<string>, b: Set<string>): string[] => [...a].filter((w) => b.has(w));

/** The units of a case: images referenced from its narrative; a compound image whose panels the text addresses one by one gives one unit per panel. */
export function unitsOf(m: CaseMaterial): Unit[] {
  const units: Unit[] = [];
  for (const fig of m.figures) {
    if (fig.kind !== 'figure') continue;
    const imgs = m.images.filter((i) => i.figureId === fig.id).sort((a, b) => a.ord - b.ord);
    const refs = m.sentences.filter((s) => s.kind !== 'discussion' && s.figureRefs.some((r) => r.figureId === fig.id));
    if (!imgs.length || !refs.length) continue;
    // panels addressed separately: references naming exactly one panel, for at least two letters
    const single = new Set(refs.flatMap((s) => s.figureRefs.filter((r) => r.figureId === fig.id && r.panels.length === 1).map((r) => r.panels[0])));
    if (imgs.length === 1 && single.size >= 2) {
      for (const letter of [...single].sort()) {
        const sents = refs.filter((s) => s.figureRefs.some((r) => r.figureId === fig.id && r.panels.includes(letter)));
        const piece = fig.panels.find((p) => p.letter === letter)?.caption ?? '';
        units.push(unit(imgs[0], fig, letter, sents, piece));
      }
      continue;
    }
    for (const im of imgs) units.push(unit(im, fig, null, refs, fig.caption));
  }
  return units;
}

function unit(image: ImageInfo, fig: FigureInfo, panel: string | null, sentences: Sentence[], captionPiece: string): Unit {
  const words = findingWords([captionPiece, ...sentences.map((s) => s.text)].join(' '));
  return { image, fig, panel, sentences, captionPiece, words };
}

/**
 * The claim of a unit: the first sentence that describes this image alone (references relabelled to the
 * shown labels); when every describing sentence speaks of several figures, the image's own caption text
 * (more specific); else that shared sentence. Every sentence and caption piece it rests on is a source.
 */
export function claimOf(u: Unit, m: CaseMaterial, labelOf: Map<string, string> = new Map()): { claim: string; sources: EvidenceSource[] } {
  const sources: EvidenceSource[] = [];
  const own = u.sentences.find((s) => s.figureRefs.every((r) => r.figureId === u.fig.id && (!u.panel || r.panels.length === 0 || r.panels.includes(u.panel))));
  const s = own ?? u.sentences[0];
  const kindOf = new Map(m.figures.map((f) => [f.id, f.kind]));
  const caption = u.captionPiece.trim();
  let claim = '';
  if (s && (own || !caption)) claim = relabelRefs(s.text, m.refSpans.get(s.index) ?? [], labelOf, kindOf).trim();
  else if (caption) claim = caption;
  if (s) sources.push(sentenceSource(s));
  if (caption) sources.push(captionSource(u.fig, u.captionPiece));
  return { claim, sources };
}

/**
 * The relation between the findings, with the rule that chose it (first that applies):
 * 1. contrast.timepoint — one image is described before treatment / at presentation and another after it or at follow-up;
 * 2. contrast.explicit — a sentence or caption describing them says "compared with", "in contrast", "decreased in size" …;
 * 3. confirm.explicit — it says "confirmed", "consistent with", "corresponding" …;
 * 4. confirm.same_finding — images of different figures share a finding word and an anatomical word beyond the case's common ones;
 * 5. complement.different_findings — otherwise: related (they share words or a sentence) but show different things.
 */
export function relationOf(units: Unit[]): { type: RelationType; rule: string; detail: string } {
  const label = (u: Unit) => (u.panel ? `${u.fig.label} panel ${u.panel}` : u.fig.label);
  const texts = units.map((u) => [u.captionPiece, ...u.sentences.map((s) => s.text)].join(' '));
  // 1. an image described at a later time point (after treatment, at follow-up) beside one that is not
  const after = texts.findIndex((t) => AFTER_CUE.test(t));
  const before = texts.findIndex((t, i) => i !== after && !AFTER_CUE.test(t) && units[i].fig.id !== units[after]?.fig.id);
  const beforePanel = texts.findIndex((t, i) => i !== after && !AFTER_CUE.test(t));
  const earlier = before >= 0 ? before : beforePanel;
  if (after >= 0 && earlier >= 0) {
    return { type: 'contrast', rule: 'relation.contrast.timepoint', detail: `${label(units[earlier])} earlier, ${label(units[after])} later ("${AFTER_CUE.exec(texts[after])![0]}")` };
  }
  // 2./3. the words of a sentence or caption that describes two of the images together
  const groupFigs = new Set(units.map((u) => u.fig.id));
  const joint = [...new Set(units.flatMap((u) => u.sentences))].filter((s) => new Set(s.figureRefs.map((r) => r.figureId).filter((f) => groupFigs.has(f))).size >= 2).map((s) => s.text);
  const jointCaptions = units.filter((u, i) => units.some((v, j) => j !== i && v.fig.id === u.fig.id)).map((u) => u.fig.caption);
  const together = [...joint, ...new Set(jointCaptions)].join(' ');
  const contrast = CONTRAST_CUE.exec(together);
  if (contrast) return { type: 'contrast', rule: 'relation.contrast.explicit', detail: `described together with "${contrast[0]}"` };
  const confirm = CONFIRM_CUE.exec(together);
  if (confirm) return { type: 'confirm', rule: 'relation.confirm.explicit', detail: `described together with "${confirm[0]}"` };
  // 4. two images of different figures share at least two finding words
  for (let i = 0; i < units.length; i++) {
    for (let j = i + 1; j < units.length; j++) {
      if (units[i].fig.id === units[j].fig.id) continue;
      const common = shared(units[i].words, units[j].words);
      if (common.length >= 2) return { type: 'confirm', rule: 'relation.confirm.same_finding', detail: `${label(units[i])} and ${label(units[j])} share "${common.slice(0, 4).join('", "')}"` };
    }
  }
  return { type: 'complement', rule: 'relation.complement.different_findings', detail: 'related images that show different findings' };
}

/** Units are related when they share a finding word, or one sentence describes both. */
export function related(a: Unit, b: Unit): boolean {
  return shared(a.words, b.words).length >= 1 || a.sentences.some((s) => b.sentences.includes(s)) || a.fig.id === b.fig.id;
}

/** The largest group of mutually connected units (document order), capped at `max`. */
export function relatedGroup(units: Unit[], max: number): Unit[] {
  const seen = new Set<number>();
  let best: number[] = [];
  for (let i = 0; i < units.length; i++) {
    if (seen.has(i)) continue;
    const comp: number[] = [];
    const stack = [i];
    seen.add(i);
    while (stack.length) {
      const k = stack.pop()!;
      comp.push(k);
      for (let j = 0; j < units.length; j++) if (!seen.has(j) && related(units[k], units[j])) { seen.add(j); stack.push(j); }
    }
    if (comp.length > best.length) best = comp;
  }
  return best.sort((a, b) => a - b).slice(0, max).map((i) => units[i]);
}

export function generateCrossImage(m: CaseMaterial): GenResult<CrossImageDraft> {
  const min = m.options.minImages['cross-image'];
  const withheld: CrossImageDraft['withheld'] = [];
  // an image whose own text names the diagnosis is not shown (its unit is left out)
  const all = unitsOf(m).filter((u) => {
    const hit = u.image.ocrText ? findLeaks(u.image.ocrText, m.diagnosis.leakPatterns)[0] : undefined;
    if (!hit) return true;
    if (!withheld.some((w) => w.imageId === u.image.imageId)) {
      withheld.push({ imageId: u.image.imageId, figureId: u.fig.id, figureLabel: u.fig.label, reason: 'leak_answer_in_image_text', rule: 'leak.image_text', detail: `the image's own text contains "${hit.text}" (${hit.source})` });
    }
    return false;
  }).filter((u) => claimOf(u, m).claim.length > 0).slice(0, 64);
  if (all.length < min) return { ok: false, reason: 'too_few_images', rule: 'generate.cross_image.images', detail: { units: all.length, min }, withheld };
  const group = relatedGroup(all, m.options.maxImages);
  if (group.length < min) return { ok: false, reason: 'images_unrelated', rule: 'generate.cross_image.related', detail: { units: all.length, largestRelatedGroup: group.length, min }, withheld };

  const images: DraftImage[] = group.map((u, i) => draftImage(u.image, u.fig, `Image ${i + 1}`, u.panel));
  const inGroup = new Set(group.map((u) => u.image.imageId));
  for (const im of m.images) {
    if (inGroup.has(im.imageId) || withheld.some((w) => w.imageId === im.imageId)) continue;
    const fig = m.figures.find((f) => f.id === im.figureId);
    withheld.push({ imageId: im.imageId, figureId: im.figureId, figureLabel: fig?.label ?? '', reason: 'not_in_related_group', rule: 'generate.cross_image.related', detail: 'not described together with the images shown' });
  }
  // a figure's references become the labels of its units ("Image 2", "Image 2 and Image 3")
  const labelOf = new Map<string, string>();
  for (const fig of new Set(group.map((u) => u.fig.id))) {
    const ls = images.filter((im) => im.figureId === fig).map((im) => im.label);
    labelOf.set(fig, ls.length === 1 ? ls[0] : ls.join(' and '));
  }
  const mainline: MainlineClaim[] = group.map((u, i) => ({ ...claimOf(u, m, labelOf), images: [images[i].imageId] }));
  const relation = relationOf(group);

  // context: the narrative before the first sentence that describes one of the shown images
  const firstRef = Math.min(...group.flatMap((u) => u.sentences.map((s) => s.index)));
  const ctx = m.sentences.filter((s) => s.index < firstRef && s.kind !== 'discussion');
  const contextParts = partsOf(m, ctx, labelOf);
  const panelNotes = [...new Set(group.map((u) => u.fig.id))].map((f) => images.filter((im) => im.figureId === f && im.panel))
    .filter((l) => l.length >= 2).map((l) => ` ${l.map((im) => im.label).join(' and ')} are panels ${l.map((im) => im.panel).join(' and ')} of one figure.`);
  const question = CROSS_IMAGE_QUESTION(images.length, panelNotes.join(''));
  const forbiddenText: ForbiddenText[] = [
    ...[...new Set(group.map((u) => u.fig))].filter((f) => f.caption.trim()).map((f) => ({ text: f.caption, source: 'caption' as const, ref: f.id })),
    ...mainline.map((c, i) => ({ text: c.claim, source: 'finding' as const, ref: images[i].imageId })),
  ];
  return {
    ok: true,
    draft: {
      ...commonFields(m, 'cross-image'),
      track: 'cross-image',
      question, questionParts: [{ sep: '', text: question, sentence: null }],
      context: joinParts(contextParts), contextParts,
      images, withheld,
      answer: `${mainline.map((c, i) => `${images[i].label}: ${c.claim}`).join(' ')} Relation: ${relation.type}.`,
      trackTerms: [], forbiddenText,
      mainline, relation,
      contextSentences: ctx.map(spanOf),
      cut: ctx.length ? { beforeSentence: firstRef, reason: 'first_image_description', sentence: spanOf(m.sentences.find((s) => s.index === firstRef)!) } : null,
    },
  };
}

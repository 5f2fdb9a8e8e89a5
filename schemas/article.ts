// The parsed form of one JATS article: what extract writes and what align/generate read.
// Offsets: every sentence's [start, end) indexes into its section's `text` (the section's
// own paragraphs joined with "\n\n"), so a span can always be shown against stored text.
import { z } from 'zod';

export const SentenceKind = z.enum([
  'history', 'examination', 'laboratory', 'imaging', 'pathology', 'genetics',
  'diagnosis', 'treatment', 'outcome', 'discussion', 'other',
]);
export type SentenceKind = z.infer<typeof SentenceKind>;

export const SectionKind = z.enum(['case', 'introduction', 'discussion', 'methods', 'conclusion', 'back-matter', 'other']);

export const Section = z.object({
  id: z.string(),               // stable within the article: "sec-1", "sec-1.2", ...
  title: z.string(),            // "" when untitled
  depth: z.number().int().min(1),
  kind: SectionKind,
  text: z.string(),             // paragraphs joined by "\n\n"; tables/figures/formulas are not inlined
});
export type Section = z.infer<typeof Section>;

export const FigureRef = z.object({
  figureId: z.string(),
  panels: z.array(z.string()),  // upper-case letters; [] = whole figure
  surface: z.string(),          // "Fig. 2B", as written
});

export const Sentence = z.object({
  index: z.number().int().min(0),   // order within the case timeline
  sectionId: z.string(),
  start: z.number().int().min(0),
  end: z.number().int().min(0),
  text: z.string(),
  kind: SentenceKind,
  figureRefs: z.array(FigureRef),
});
export type Sentence = z.infer<typeof Sentence>;

export const Case = z.object({
  index: z.number().int().min(1),   // 1-based: "case 1", "case 2" in multi-patient reports
  label: z.string(),                // e.g. "Case 1" or the section title
  sectionIds: z.array(z.string()),
  sentences: z.array(Sentence),
});
export type Case = z.infer<typeof Case>;

export const Panel = z.object({ letter: z.string(), caption: z.string() });

export const Graphic = z.object({
  href: z.string(),                 // as written in xlink:href (never trusted as a path)
  panel: z.string().nullable(),     // when one graphic per panel
});

export const Figure = z.object({
  id: z.string(),                   // the <fig id>, or a generated "fig-<n>" when absent
  kind: z.enum(['figure', 'table', 'supplementary']),
  label: z.string(),                // "" when absent
  caption: z.string(),              // "" when absent; NEVER model-visible
  panels: z.array(Panel),
  graphics: z.array(Graphic),
  references: z.array(z.object({ sectionId: z.string(), start: z.number().int(), end: z.number().int(), surface: z.string(), panels: z.array(z.string()) })),
  modality: z.object({ guess: z.string().nullable(), evidence: z.array(z.string()) }),
  text: z.string().optional(),      // table text for table-wrap
});
export type Figure = z.infer<typeof Figure>;

export const ParsedArticle = z.object({
  pmcid: z.string().regex(/^PMC\d+$/),
  pmid: z.string().nullable(),
  doi: z.string().nullable(),
  articleType: z.string(),
  journal: z.string(),
  title: z.string(),                // never model-visible
  abstract: z.string(),             // never model-visible
  pubYear: z.number().int().nullable(),
  license: z.object({ code: z.string().nullable(), url: z.string().nullable(), text: z.string() }),
  sections: z.array(Section),
  cases: z.array(Case),
  figures: z.array(Figure),
  // Parser notes. A warning that changed the text (a cut) names its rule, the field it applies to
  // ("section:<id>", "figure:<id>:caption", "xml" for the source itself) and the span in that field.
  warnings: z.array(z.object({
    code: z.string(), detail: z.string(),
    rule: z.string().optional(), field: z.string().optional(), span: z.tuple([z.number().int(), z.number().int()]).optional(),
  })),
});
export type ParsedArticle = z.infer<typeof ParsedArticle>;

/** A parse that cannot yield a usable article: becomes a decision row, never a crash. */
export interface ParseFailure {
  ok: false;
  reason: 'xml_malformed' | 'xml_entity_limit' | 'xml_too_deep' | 'article_restricted' | 'not_jats' | 'not_xml' | 'no_case_section' | 'input_too_large';
  detail: string;
}
export type ParseResult = { ok: true; article: ParsedArticle } | ParseFailure;

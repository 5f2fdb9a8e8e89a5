import { sharedSlice } from '../shared-data.ts';
// Unit tests of the pure pieces: sentence splitting, figure mentions, caption panels, title roles,
// sentence kinds, entity handling and the restricted/failure paths of parseJats.
import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../pipeline/core/sentences.ts';
import { findMentions, labelKey } from '../../pipeline/extract/figrefs.ts';
import { parsePanels } from '../../pipeline/extract/panels.ts';
import { classifySentence, titleRole } from '../../pipeline/extract/rules.ts';
import { guessModality } from '../../pipeline/extract/modality.ts';
import { decodeEntities, preScan } from '../../pipeline/extract/xml.ts';
import { parseJats } from '../../pipeline/extract/jats.ts';
import { licenceCodeFromJats as licenceCode } from '../../pipeline/core/licence.ts';

const sents = (t: string) => splitSentences(t).map((s) => t.slice(s.start, s.end));

describe('splitSentences', () => {
  it('keeps abbreviations, decimals, initials and et al. inside a sentence', () => {
    const t = 'He was seen by Dr. Smith on day 2.5 of admission. Drugs, e.g. heparin, were given i.v. twice daily vs. placebo. As shown by Jones et al. (2010) the lesion grew (Fig. 2). S. aureus grew in culture. Done!';
    expect(sents(t)).toEqual([
      'He was seen by Dr. Smith on day 2.5 of admission.',
      'Drugs, e.g. heparin, were given i.v. twice daily vs. placebo.',
      'As shown by Jones et al. (2010) the lesion grew (Fig. 2).',
      'S. aureus grew in culture.',
      'Done!',
    ]);
  });
  it('offsets index the original text; paragraph breaks always split', () => {
    const t = 'First para without stop\n\nSecond one. Third one?';
    const s = splitSentences(t);
    expect(s.map((x) => t.slice(x.start, x.end))).toEqual(['First para without stop', 'Second one.', 'Third one?']);
  });
  it('splits a missing space after a reference bracket', () => {
    expect(sents('opacities (Figure 1(a)).Computed tomography showed more.')).toEqual(['opacities (Figure 1(a)).', 'Computed tomography showed more.']);
  });
  it('does not split lower-case continuations', () => {
    expect(sents('Values were approx. normal. The end.')).toEqual(['Values were approx. normal.', 'The end.']);
  });
});

describe('findMentions', () => {
  const m = (t: string) => findMentions(t).map((x) => `${x.key}:${x.panels.join('')}`);
  it('reads the forms PMC authors write', () => {
    expect(m('see Fig. 2B')).toEqual(['fig:2:B']);
    expect(m('(Figures 1 and 3)')).toEqual(['fig:1:', 'fig:3:']);
    expect(m('Fig. 1a–c')).toEqual(['fig:1:ABC']);
    expect(m('(Figures 2(a) and 2(b))')).toEqual(['fig:2:AB']);
    expect(m('(Figures 2(a)–2(c))')).toEqual(['fig:2:ABC']);
    expect(m('Figures 1–3')).toEqual(['fig:1:', 'fig:2:', 'fig:3:']);
    expect(m('Supplementary Fig. S2')).toEqual(['fig:s2:']);
    expect(m('Figure 2A and B shows')).toEqual(['fig:2:AB']);
    expect(m('Figure 2A and a CT')).toEqual(['fig:2:A']);
    expect(m('Tables 2 and 3')).toEqual(['table:2:', 'table:3:']);
    expect(m('Figure 3, Figure 4')).toEqual(['fig:3:', 'fig:4:']);
    expect(m('Figure 1(a)-1(b) and 2(a)–2(c)')).toEqual(['fig:1:AB', 'fig:2:ABC']);
  });
  it('ignores non-references', () => {
    expect(m('a configuration of 2 figures')).toEqual([]);
    expect(m('The figure shows nothing')).toEqual([]);
  });
  it('keys labels', () => {
    expect(labelKey('Figure 2', 'figure')).toBe('fig:2');
    expect(labelKey('Fig. 3.', 'figure')).toBe('fig:3');
    expect(labelKey('Supplementary Figure S1', 'supplementary')).toBe('fig:s1');
    expect(labelKey('Table 1', 'table')).toBe('table:1');
    expect(labelKey('(a)', 'table')).toBeNull();
  });
});

describe('parsePanels', () => {
  const p = (c: string) => parsePanels(c).map((x) => `${x.letter}=${x.caption}`);
  it('"(A) … (B) …"', () => {
    expect(p('Endoscopy showing (A) the initial bezoar and (B) the bezoar after breaking it.')).toEqual(['A=the initial bezoar and', 'B=the bezoar after breaking it.']);
  });
  it('"A, … B, …"', () => {
    expect(p('A, Axial CT showing a mass. B, Coronal view of the mass.')).toEqual(['A=Axial CT showing a mass.', 'B=Coronal view of the mass.']);
  });
  it('ranges and groups', () => {
    expect(parsePanels('(a)–(c) Histology at ×40. (d) IHC.').map((x) => x.letter)).toEqual(['A', 'B', 'C', 'D']);
    expect(parsePanels('(a) and (b) Coronary angiography.').map((x) => x.letter)).toEqual(['A', 'B']);
    expect(parsePanels('Dual LAD ((a), (b)) and lone Cx ((c), (d)).').map((x) => x.letter)).toEqual(['A', 'B', 'C', 'D']);
  });
  it('postfix markers take the text before them', () => {
    expect(p('Electrocardiogram before the test (a) and during the test (b).')).toEqual(['A=Electrocardiogram before the test', 'B=during the test']);
  });
  it('no panels without a plausible set', () => {
    expect(parsePanels('CT of the chest (arrow).')).toEqual([]);
    expect(parsePanels('Hepatitis (B) serology.')).toEqual([]);
  });
});

describe('title roles and sentence kinds', () => {
  it('case titles', () => {
    for (const t of ['2. Case Report', 'Case presentation', 'Case Summary', 'Case Description', 'Clinical Case', 'Presentation of the Case', 'Case History', 'Patient and methods', 'Case Presentations'])
      expect(titleRole(t), t).toBe('case');
    for (const t of ['Case I', '2.1. Case\u2009\u20091', 'Clinical Case #1', 'Case 2: a boy', 'Patient 2']) expect(titleRole(t), t).toBe('case-n');
    for (const t of ['3. Investigations', 'Differential Diagnosis', 'Treatment', 'Outcome and Follow-Up']) expect(titleRole(t), t).toBe('case-cont');
    expect(titleRole('1. Introduction')).toBe('introduction');
    expect(titleRole('Patients and Methods')).toBe('methods');
    expect(titleRole('Conflict of Interests')).toBe('back-matter');
  });
  it('kinds', () => {
    expect(classifySentence('A 45-year-old man presented with fever and cough.')).toBe('history');
    expect(classifySentence('Physical examination revealed hepatomegaly.')).toBe('examination');
    expect(classifySentence('Serum creatinine was 2.1 mg/dL.')).toBe('laboratory');
    expect(classifySentence('CT of the abdomen showed a 5 cm mass.')).toBe('imaging');
    expect(classifySentence('Biopsy showed noncaseating granulomas.')).toBe('pathology');
    expect(classifySentence('Exome sequencing found a heterozygous variant in FBN1.')).toBe('genetics');
    expect(classifySentence('She was diagnosed with Gaucher disease type 1.')).toBe('diagnosis');
    expect(classifySentence('She was started on prednisolone 40 mg daily.')).toBe('treatment');
    expect(classifySentence('She was discharged and remains well at 6-month follow-up.')).toBe('outcome');
    expect(classifySentence('Differential diagnosis included lymphoma and tuberculosis.')).toBe('discussion');
    expect(classifySentence('He had been diagnosed with diabetes 10 years ago.')).not.toBe('diagnosis');
  });
  it('modality with evidence', () => {
    expect(guessModality('Axial T2-weighted MRI of the brain')).toEqual({ guess: 'MRI', evidence: ['T2-weighted', 'MRI'] });
    expect(guessModality('H&E stain (×200) showing granulomas').guess).toBe('histopathology');
    expect(guessModality(sharedSlice('pmc/articles/PMC4745306.nxml', 37701, 37750)).guess).toBe('immunohistochemistry');
    expect(guessModality('', ['The ECG showed ST elevation (Figure 1).']).guess).toBe('ECG/EEG');
    expect(guessModality('Pedigree of the family').guess).toBe('pedigree');
    expect(guessModality('Nothing here').guess).toBeNull();
  });
  it('licence codes', () => {
    expect(licenceCode(sharedSlice('pmc/articles/PMC6358576.nxml', 3812, 3861), '')).toBe('CC BY-NC-ND');
    expect(licenceCode(null, sharedSlice('pmc/articles/PMC4735894.nxml', 2974, 3032))).toBe('CC BY');
    expect(licenceCode('https://creativecommons.org/publicdomain/zero/1.0/', '')).toBe('CC0');
    expect(licenceCode(null, 'All rights reserved')).toBeNull();
    expect(licenceCode(null, 'This article is distributed under the terms of the CC BY-NC 4.0 licence')).toBe('CC BY-NC');
    expect(licenceCode('https://creativecommons.org/publicdomain/mark/1.0/', '')).toBe('PD');
  });
});

const ART = (body: string, extra = '') => `<?xml version="1.0"?>${extra}<article article-type="case-report"><front><article-meta><article-id pub-id-type="pmcid">PMC123</article-id><title-group><article-title>T</article-title></title-group></article-meta></front>${body}</article>`;

describe('XML safety and failure reasons', () => {
  it('decodes the five entities and numeric references only', () => {
    expect(decodeEntities('a &amp; b &lt; c &#x3b1; &#946; &nbsp; &custom;')).toBe('a & b < c α β &nbsp; &custom;');
    expect(decodeEntities('&#0; &#xD800;')).toBe('&#0; &#xD800;');
  });
  it('rejects billion laughs, external and parameter entities', () => {
    const lol = '<!DOCTYPE a [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>';
    expect(parseJats(ART('<body><p>&lol2;</p></body>', lol))).toMatchObject({ ok: false, reason: 'xml_entity_limit' });
    expect(parseJats(ART('<body><p>&x;</p></body>', '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'))).toMatchObject({ ok: false, reason: 'xml_entity_limit' });
    expect(parseJats(ART('<body/>', '<!DOCTYPE a [<!ENTITY % p "x">]>'))).toMatchObject({ ok: false, reason: 'xml_entity_limit' });
  });
  it('leaves a harmless declared entity unexpanded', () => {
    const r = parseJats(ART('<body><sec><title>Case report</title><p>A &me; man presented. He was well.</p></sec></body>', '<!DOCTYPE a [<!ENTITY me "BIG">]>'));
    expect(r.ok && r.article.sections[0].text).toBe('A &me; man presented. He was well.');
    expect(r.ok && r.article.warnings.map((w) => w.code)).toContain('doctype_entities_ignored');
  });
  it('depth, truncation, mismatched tags, size, no body, not JATS', () => {
    expect(parseJats(ART(`<body>${'<sec>'.repeat(300)}${'</sec>'.repeat(300)}</body>`))).toMatchObject({ ok: false, reason: 'xml_too_deep' });
    const good = ART('<body><sec><title>Case</title><p>A man presented.</p></sec></body>');
    expect(parseJats(good.slice(0, good.length - 20))).toMatchObject({ ok: false, reason: 'xml_malformed' });
    expect(parseJats(good.replace('</title>', '</titel>'))).toMatchObject({ ok: false, reason: 'xml_malformed' });
    expect(parseJats(good, { maxBytes: 100 })).toMatchObject({ ok: false, reason: 'input_too_large' });
    expect(parseJats(ART('<!-- The publisher of this article does not allow downloading of the full text in XML form. -->'))).toMatchObject({ ok: false, reason: 'article_restricted' });
    expect(parseJats('<html><body>hi</body></html>')).toMatchObject({ ok: false, reason: 'not_jats' });
    expect(parseJats('')).toMatchObject({ ok: false, reason: 'xml_malformed' });
    expect(preScan('<a><b></a>')).toMatchObject({ ok: false });
    expect(parseJats(good)).toMatchObject({ ok: true });
  });
  it('research articles are no_case_section unless asked', () => {
    const x = ART('<body><sec><title>Methods</title><p>We did it.</p></sec></body>').replace('case-report', 'research-article');
    expect(parseJats(x)).toMatchObject({ ok: false, reason: 'no_case_section' });
    expect(parseJats(x, { allowNoCase: true })).toMatchObject({ ok: true });
  });
});

describe('JATS structures', () => {
  const one = (body: string, back = '', floats = '') => {
    const r = parseJats(ART(`<body>${body}</body>${back}${floats}`));
    if (!r.ok) throw new Error(r.detail);
    return r.article;
  };
  it('fig without label/caption, several graphics, fig-group with lettered members, table text, supplementary, formulas', () => {
    const a = one(`<sec><title>Case report</title>
      <p>A man (<xref ref-type="fig" rid="f1">Figure 1</xref>) had p <inline-formula><mml:math><mml:mi>p</mml:mi><mml:mo>&lt;</mml:mo><mml:mn>0.05</mml:mn></mml:math></inline-formula> here. CT showed a mass (<xref ref-type="fig" rid="g1b">Figure 2B</xref>). Labs are in <xref ref-type="table" rid="t1">Table 1</xref>.</p>
      <disp-formula><mml:math><mml:mi>x</mml:mi></mml:math></disp-formula>
      <fig id="f1"><graphic xlink:href="a.jpg"/><graphic xlink:href="b.jpg"/></fig>
      <fig-group id="g1"><label>Figure 2</label><caption><p>CT scans.</p></caption>
        <fig id="g1a"><label>A</label><caption><p>axial</p></caption><graphic xlink:href="c.jpg"/></fig>
        <fig id="g1b"><label>B</label><caption><p>coronal</p></caption><graphic xlink:href="d.jpg"/></fig></fig-group>
      <table-wrap id="t1"><label>Table 1</label><caption><p>Labs.</p></caption><table><tr><th>Test</th><th>Value</th></tr><tr><td>Hb</td><td>9.1</td></tr></table></table-wrap>
      <supplementary-material id="s1" xlink:href="video1.avi"><caption><p>Video.</p></caption></supplementary-material>
      </sec><sec><p>Untitled nested.</p></sec>`);
    const [f1, g1, t1, s1] = a.figures;
    expect(f1).toMatchObject({ id: 'f1', label: '', caption: '', graphics: [{ href: 'a.jpg', panel: null }, { href: 'b.jpg', panel: null }] });
    expect(g1).toMatchObject({ id: 'g1', label: 'Figure 2', panels: [{ letter: 'A', caption: 'axial' }, { letter: 'B', caption: 'coronal' }], graphics: [{ href: 'c.jpg', panel: 'A' }, { href: 'd.jpg', panel: 'B' }] });
    expect(g1.references[0].panels).toEqual(['B']);
    expect(t1).toMatchObject({ kind: 'table', text: 'Test\tValue\nHb\t9.1' });
    expect(s1).toMatchObject({ kind: 'supplementary', graphics: [{ href: 'video1.avi', panel: null }] });
    expect(a.sections[0].text).toContain('p p < 0.05 here');
    expect(a.cases[0].sentences.find((s) => s.text.startsWith('A man'))?.figureRefs).toEqual([{ figureId: 'f1', panels: [], surface: 'Figure 1' }]);
    expect(a.warnings.map((w) => w.code)).toContain('display_formula_dropped');
  });
  it('ref-list dropped, back matter kept as back-matter, abstract with sections, sub-article', () => {
    const x = ART('<body><sec><title>Case presentation</title><p>A man presented.</p></sec></body><back><ack><p>Thanks.</p></ack><ref-list><ref><mixed-citation>Ref text</mixed-citation></ref></ref-list></back><sub-article article-type="reply"><body><p>Reply text.</p></body></sub-article>')
      .replace('</title-group>', '</title-group><abstract><sec><title>Background</title><p>B.</p></sec><sec><title>Case</title><p>C.</p></sec></abstract>');
    const r = parseJats(x);
    if (!r.ok) throw new Error(r.detail);
    expect(r.article.abstract).toBe('Background: B.\n\nCase: C.');
    expect(r.article.sections.map((s) => [s.id, s.title, s.kind])).toEqual([['sec-1', 'Case presentation', 'case'], ['sec-2', 'Acknowledgements', 'back-matter'], ['sub1-sec-1', '', 'back-matter']]);
    expect(JSON.stringify(r.article)).not.toContain('Ref text');
  });
  it('a shared intro before "Case 1"/"Case 2" is not a case; continuation sections join the last case', () => {
    const a = one('<sec><title>Introduction</title><p>Intro.</p></sec><sec><title>Case presentations</title><p>Both patients were seen in 2010.</p><sec><title>Case 1</title><p>A man presented.</p></sec><sec><title>Case 2</title><p>A woman presented.</p></sec></sec><sec><title>Treatment</title><p>Both were treated.</p></sec><sec><title>Discussion</title><p>D.</p></sec>');
    expect(a.cases.map((c) => [c.label, c.sectionIds])).toEqual([['Case 1', ['sec-2.1']], ['Case 2', ['sec-2.2', 'sec-3']]]);
    expect(a.sections.find((s) => s.id === 'sec-2')?.kind).toBe('other');
  });
  it('an untitled first section of a case report is the case', () => {
    const a = one('<p>A 30-year-old woman presented with pain. She was treated.</p><sec><title>Discussion</title><p>D.</p></sec>');
    expect(a.cases[0]).toMatchObject({ label: 'Case', sectionIds: ['sec-1'] });
    expect(a.cases[0].sentences).toHaveLength(2);
  });
});

describe('formatArticle', () => {
  it('prints the timeline with kinds and figure links, and figures with panels and citing sentences', async () => {
    const { formatArticle } = await import('../../pipeline/extract/show.ts');
    const r = parseJats(ART(`<body><sec><title>Case report</title><p>A 40-year-old man presented with cough. CT showed a mass (<xref ref-type="fig" rid="f1">Figure 1B</xref>).</p>
      <fig id="f1"><label>Figure 1</label><caption><p>(A) Axial CT. (B) Coronal CT.</p></caption><graphic xlink:href="f1.jpg"/></fig></sec></body>`));
    if (!r.ok) throw new Error(r.detail);
    const text = formatArticle(r.article);
    expect(text).toContain('NEVER MODEL-VISIBLE');
    expect(text).toMatch(/CASE 1: Case report/);
    expect(text).toMatch(/1 imaging\s+CT showed a mass \(Figure 1B\)\.\s+→ Figure 1 \[B\]/);
    expect(text).toContain('panel A: Axial CT.');
    expect(text).toContain('cited by case 1 #1: "Figure 1B" → panels B');
    expect(text).toContain('modality=CT');
  });
});

describe('run-in patient headings', () => {
  it('paragraphs opened by "Case 1", "Case 2" in one section become two cases; the shared lead-in belongs to none', () => {
    const r = parseJats(ART(`<body><sec><title>Case presentation</title><p>Two siblings were referred in 2015.</p>
      <p><bold>Case 1.</bold> A 7-year-old boy presented with ataxia. MRI was normal.</p><p>He was treated with vitamin E.</p>
      <p><bold>Case 2.</bold> His 5-year-old sister presented with tremor.</p></sec><sec><title>Discussion</title><p>D.</p></sec></body>`));
    if (!r.ok) throw new Error(r.detail);
    expect(r.article.cases.map((c) => [c.index, c.label, c.sentences.map((s) => s.index), c.sectionIds])).toEqual([
      [1, 'Case 1', [0, 1, 2, 3], ['sec-1']],
      [2, 'Case 2', [0, 1], ['sec-1']],
    ]);
    // the run-in heading "Case 1." is its own short sentence (digit + period + capital ends a sentence)
    expect(r.article.cases[0].sentences.map((s) => s.text).slice(0, 2)).toEqual(['Case 1.', 'A 7-year-old boy presented with ataxia.']);
  });
});

describe('run-in headings', () => {
  it('join the sentence they introduce (PMC4745306), but "Case 1." stays apart', async () => {
    const { joinRunInHeadings, splitSentences } = await import('../../pipeline/core/sentences.ts');
    const text = 'She underwent further tests.\n\nMagnetic Resonance Image of the Pituitary. It showed normal pituitary gland.\n\n' +
      'Histopathology. Biopsy of ischial lesion showed metastatic carcinoma. It was positive for ACTH.\n\nCase 1. A 53-year-old man presented.';
    const spans = joinRunInHeadings(text, splitSentences(text)).map((s) => text.slice(s.start, s.end));
    expect(spans).toEqual([
      'She underwent further tests.',
      sharedSlice('pmc/articles/PMC4745306.nxml', 7667, 7752),
      'Histopathology. Biopsy of ischial lesion showed metastatic carcinoma.',
      'It was positive for ACTH.',
      'Case 1.',
      'A 53-year-old man presented.',
    ]);
  });
});

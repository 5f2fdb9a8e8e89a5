// Transparent keyword rules: section titles → section roles, sentences → sentence kinds.
// Every rule is a plain regular expression so a reviewer can see why a label was given.
import type { SentenceKind } from '../../schemas/article.ts';

/** "2.1. Case&#x2009;1" → "case 1": numbering, odd spaces and punctuation removed, lower case. */
export function normTitle(title: string): string {
  return title
    .normalize('NFKC')
    .replace(/[\u2000-\u200b\u00a0]/g, ' ')
    .replace(/^\s*((\d+|[ivx]+|[a-z])(\.\d+)*\.?\)?\s+)/i, '')
    .replace(/[:.]+\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

export { CASE_N_RE } from '../core/sentences.ts';
import { CASE_N_RE } from '../core/sentences.ts';
import { DIAGNOSIS_RE, PRIOR_DIAG_RE } from '../core/cues.ts';

/** A title opening a case narrative. */
const CASE_TITLE_RE = new RegExp([
  String.raw`^(?:the\s+)?(?:clinical\s+|illustrative\s+)?cases?(?:\s+(?:report|presentation|summary|description|history|details|study|series|discussion|reports|presentations|descriptions))?s?$`,
  String.raw`^(?:clinical\s+)?cases?\s+(?:report|presentation|summary|description|history)s?\b`,
  String.raw`^(?:report|presentation|description|history)\s+of\s+(?:the\s+|a\s+)?(?:case|patient)s?$`,
  String.raw`^(?:patient|patients)(?:\s+(?:presentation|description|information|history|report|details))?$`,
  String.raw`^patient\s+(?:and|&)\s+methods?$`,
  String.raw`^(?:clinical\s+(?:presentation|history|description|findings|report|summary|course))$`,
  String.raw`^(?:case|patient)\s+(?:and|&)\s+methods$`,
  String.raw`^(?:presentation|history)$`,
  String.raw`^(?:patient\s+information|medical\s+history)$`,
].join('|'), 'i');

/** Titles that continue the case (CARE-style subheadings). */
const CASE_CONT_RE = /^(?:investigations?|work-?up|diagnostic (?:assessment|work-?up|investigations?)|differential diagnos[ie]s|diagnos[ie]s|final diagnosis|treatment|therapy|management|therapeutic intervention|interventions?|outcomes?|follow-?up|outcomes? and follow-?up|follow-?up and outcomes?|clinical course|course|hospital course|postoperative course|post-?operative course|operation|surgery|surgical (?:procedure|technique|management|treatment)|procedure|history and (?:physical )?examination|physical examination|examination|clinical findings|laboratory (?:findings|investigations|data|results|tests)|imaging(?: findings| studies)?|radiological findings|histopatholog(?:y|ical findings)|patholog(?:y|ical findings)|genetic (?:analysis|testing|findings|studies)|molecular (?:analysis|findings)|timeline|treatment and outcome|results? of investigations|autopsy(?: findings)?|family history|past medical history|case (?:follow-?up|outcome))$/i;

const INTRO_RE = /^(?:introduction|background|overview|introduction and background|rationale)$/i;
const DISCUSSION_RE = /\b(?:discussion|literature review|review of (?:the )?literature|comment|comments)\b/i;
const CONCLUSION_RE = /\b(?:conclusions?|learning points?|take-?home messages?|clinical messages?|summary|key messages?|lessons? learned)\b/i;
const METHODS_RE = /\b(?:methods?|materials|patients and methods|experimental|statistical analysis)\b/i;
const BACK_RE = /\b(?:conflicts? of interests?|competing interests?|acknowledg(?:e)?ments?|consent|ethic(?:s|al)|funding|disclosures?|author(?:s|s')?'? contributions?|contributors?|abbreviations|supplementary|supporting information|data availability|financial support|declarations?|references)\b/i;

export type TitleRole = 'case' | 'case-n' | 'case-cont' | 'introduction' | 'discussion' | 'conclusion' | 'methods' | 'back-matter' | 'other' | 'untitled';

export function titleRole(title: string): TitleRole {
  const t = normTitle(title);
  if (!t) return 'untitled';
  if (CASE_N_RE.test(t)) return 'case-n';
  if (CASE_TITLE_RE.test(t)) return 'case';
  if (CASE_CONT_RE.test(t)) return 'case-cont';
  if (INTRO_RE.test(t)) return 'introduction';
  if (BACK_RE.test(t)) return 'back-matter';
  if (DISCUSSION_RE.test(t)) return 'discussion';
  if (CONCLUSION_RE.test(t)) return 'conclusion';
  if (METHODS_RE.test(t)) return 'methods';
  return 'other';
}

// ---- sentence kinds -------------------------------------------------------------------------------

interface KindRule { kind: SentenceKind; re: RegExp; weight: number }

/** Stems match as word prefixes, case-insensitive ("histolog" → "histological"); phrases may contain regex. */
function stems(list: string): RegExp {
  return new RegExp(String.raw`\b(?:${list})`, 'i');
}
/** Abbreviations match whole words, case-sensitive ("ALT" must not match "alternative"). */
function abbr(list: string): RegExp {
  return new RegExp(String.raw`\b(?:${list})\b`);
}

// Diagnosis statements (the sentence that names what the patient has) are checked first, but history
// phrasing ("was diagnosed with X 5 years ago", "history of") wins over them.
const DIFFERENTIAL_RE = /\bdifferential diagnos[ie]s\b|\bdifferential (?:for|included)\b|\b(?:was|were) (?:excluded|ruled out)\b/i;

const KIND_RULES: KindRule[] = [
  { kind: 'history', weight: 3, re: stems(String.raw`\d+[- ](?:year|month|week|day)s?[- ]old|presented (?:to|with|at)|presenting with|was (?:admitted|referred|brought|transferred)|complain|(?:medical|family|past|surgical|social|drug|smoking|obstetric|travel) history|history of|denied|no history|chief complaint|came to|visited (?:our|the)|onset\b|for the past|since (?:the age|childhood|birth)|was born|gravida|pregnan`) },
  { kind: 'history', weight: 1, re: stems(String.raw`reported|noticed|experienced|suffered|symptom|years? ago|months? ago|weeks? ago|days? ago|prior to (?:admission|presentation)`) },
  { kind: 'examination', weight: 3, re: stems(String.raw`physical(?:ly)? exam|on examination|examination (?:revealed|showed|demonstrated|was|of)|clinical(?:ly)? exam|on (?:admission|arrival|presentation),? (?:his|her|the)|vital sign|blood pressure|heart rate|pulse (?:rate|was)|respiratory rate|temperature (?:was|of)|auscultat|palpat|inspection|neurologic(?:al)? exam|ophthalmologic(?:al)? exam|fundoscop|visual acuity|body mass index|glasgow coma|oxygen saturation|murmur|tachycard|bradycard|tachypn`) },
  { kind: 'examination', weight: 1, re: stems(String.raw`tender|afebrile|febrile|rash\b|erythema|swollen|swelling|lesions?\b|palpable|weight (?:was|of)|height (?:was|of)|palsy|reflex`) },
  { kind: 'laboratory', weight: 2, re: stems(String.raw`audiogra|audiometr|electroneurograph|electromyogra|nerve conduction|spirometr|pulmonary function|electrocardiogra|electroencephalogra|caloric test|tympanometr|visual field|holter|treadmill|stress test|lumbar puncture`) },
  { kind: 'laboratory', weight: 2, re: abbr(String.raw`ECG|EKG|EEG|EMG|WBC|CRP|ESR|HbA1c|ANA|ANCA|PCR|CSF|TSH|ACTH|AST|ALT|LDH|CK|IgG|IgM|IgE|IgA|INR|PT|aPTT|BUN|HIV|HBV|HCV`) },
  { kind: 'laboratory', weight: 2, re: stems(String.raw`laborator|lab (?:tests?|results|values|work)|labs\b|blood (?:test|count|culture|work|gas)|serum|plasma|urine|urinalysis|h(?:a)?emoglobin|hematocrit|leukocyt|white (?:blood )?cell|platelet|c-reactive|sedimentation|creatinine|bilirubin|albumin|electrolyte|sodium|potassium|glucose|troponin|lactate|ferritin|titer|titre|antibod|antigen|assay|cultures?\b|serolog|cerebrospinal fluid|arterial blood gas|hormone|cortisol|insulin|enzyme|transaminase|immunoglobulin|complement|tested (?:negative|positive)|(?:mg|g|ng|µg|μg|pg|mmol|µmol|μmol|mEq|IU|U|mIU)/(?:d?L|ml|mL|l)\b`) },
  { kind: 'imaging', weight: 3, re: abbr(String.raw`CT|CTA|MRI|MRA|MRCP|PET|SPECT|EGD|ERCP|OCT|US|TTE|TEE|HRCT|MSCT|CXR|T1|T2|FLAIR|DWI`) },
  { kind: 'imaging', weight: 3, re: stems(String.raw`computed tomogra|tomogra|mr (?:imaging|angiogra)|magnetic resonance|radiogra|x-?ray|roentgen|ultraso|sonogra|echogra|echocardiogra|doppler|positron|scintigra|angiogra|venogra|arteriogra|imaging|scan(?:s|ned)?\b|fluorosco|mammogra|endoscop|colonoscop|gastroscop|bronchoscop|cystoscop|laparoscop|esophagogastroduodenoscop|enteroscop|cholangiogra|urogra|myelogra|optical coherence|fundus (?:photograph|examination)|fluorescein|hypodens|hyperdens|hyperintens|hypointens|hypoechoic|hyperechoic|enhanc|opacit|orthopantomogra|hysterosalpingogra`) },
  { kind: 'pathology', weight: 3, re: stems(String.raw`biops|histolog|histopatholog|patholog|immunohistochem|immunostain|stain|hematoxylin|haematoxylin|specimen|microscop|cytolog|smear|aspirat|frozen section|resected (?:mass|specimen|tissue)|positive for (?:CD|S-?100|cytokeratin|vimentin|desmin|Ki-?67)|granuloma|necros|infiltrat|mitos|mitotic|autops|necrops|lavage`) },
  { kind: 'pathology', weight: 3, re: abbr(String.raw`H&E|CD\d+|Ki-?67|HE|PAS|IHC|FNA`) },
  { kind: 'genetics', weight: 3, re: stems(String.raw`genes?\b|genetic|genotyp|mutation|variant|heterozyg|homozyg|hemizyg|de novo|sequencing|exome|genome|karyotyp|chromosom|microarray|deletion|duplication|allele|pathogenic variant|autosomal|x-linked|consanguin|pedigree|proband|carrier`) },
  { kind: 'genetics', weight: 3, re: abbr(String.raw`FISH|MLPA|WES|WGS|NGS|c\.\d+\S*|p\.[A-Z][a-z]{2}\d+\S*`) },
  { kind: 'treatment', weight: 2, re: stems(String.raw`treat|therap|administ|prescribed|started (?:on|with)|initiated|commenced|received|was given|were given|given (?:oral|intravenous)|dose|dosage|\d+\s?(?:mg|g|µg|μg|mcg|IU|units?)(?:/(?:kg|day|d|m2))?\b|daily|twice|intravenous|orally|infusion|surgery|surgical|underwent|resect|excis|operat|removed|removal|drain|transplant|chemotherap|radiotherap|radiation therapy|antibiotic|steroid|corticosteroid|prednisolone|prednisone|methylprednisolone|immunosuppress|stent|emboliz|ligation|repair|implant|amputat|dialysis|transfus|anticoagul|heparin|warfarin|managed (?:with|by)|management|tapered`) },
  { kind: 'outcome', weight: 2, re: stems(String.raw`discharged|follow-?up|followed up|recover|resolved|resolution|died|death|passed away|expired|improved|improvement|remission|recurren|relapse|uneventful|asymptomatic|symptom-free|free of (?:disease|symptoms|recurrence)|(?:months?|years?|weeks?|days?) (?:later|after)|after (?:\d+|one|two|three|four|six|several) (?:days?|weeks?|months?|years?)|at (?:the )?(?:\d+|one|two|three|six)[- ](?:month|year|week)|doing well|prognosis|survived|outcome|lost to follow`) },
  { kind: 'discussion', weight: 2, re: stems(String.raw`to (?:the best of )?our knowledge|in the literature|literature review|have been reported|has been reported|were reported|is (?:a )?rare|are rare|first (?:case|report)|we (?:report|describe|present)|previous(?:ly)? (?:reported|described)|studies|cases? (?:have|has) been`) },
];

// Priority when two kinds score the same: the more specific, image-bearing kinds first.
const TIE_ORDER: SentenceKind[] = ['genetics', 'pathology', 'imaging', 'laboratory', 'treatment', 'examination', 'outcome', 'history', 'discussion', 'other', 'diagnosis'];

/** Default kind for a sentence without keyword evidence, from the case subsection it sits in. */
export function titlePrior(title: string): SentenceKind | null {
  const t = normTitle(title);
  if (!t) return null;
  if (/investigation|work-?up|laborator/.test(t)) return 'laboratory';
  if (/imaging|radiolog/.test(t)) return 'imaging';
  if (/patholog|histolog|autopsy/.test(t)) return 'pathology';
  if (/genetic|molecular/.test(t)) return 'genetics';
  if (/differential/.test(t)) return 'discussion';
  if (/diagnos/.test(t)) return 'diagnosis';
  if (/treatment|therap|management|operation|surg|procedure|intervention/.test(t)) return 'treatment';
  if (/outcome|follow|course/.test(t)) return 'outcome';
  if (/examination|findings/.test(t)) return 'examination';
  if (/history|presentation|information/.test(t)) return 'history';
  return null;
}

// All kind rules in two scans (case-insensitive stems, case-sensitive abbreviations): group k+1 ⇔ rule k.
const RULE_SCANS = [true, false].map((ci) => {
  const idx = KIND_RULES.map((r, k) => ({ r, k })).filter(({ r }) => r.re.flags.includes('i') === ci);
  // case-insensitive rules run without the i flag on lower-cased text: much faster in V8's irregexp
  const src = idx.map(({ r }) => `(${ci ? r.re.source.toLowerCase() : r.re.source})`).join('|');
  return { re: new RegExp(src, 'g'), index: idx.map(({ k }) => k), lower: ci };
});

function matchedRules(text: string): Set<number> {
  const hit = new Set<number>();
  const lower = text.toLowerCase();
  for (const { re, index, lower: lc } of RULE_SCANS) {
    const t = lc ? lower : text;
    re.lastIndex = 0;
    for (let m = re.exec(t); m; m = re.exec(t)) {
      let g = 1;
      while (g < m.length && m[g] === undefined) g++;
      hit.add(index[g - 1]);
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  return hit;
}

/** Labels one sentence; `prior` is the kind its section title suggests. */
export function classifySentence(text: string, prior: SentenceKind | null = null): SentenceKind {
  if (DIFFERENTIAL_RE.test(text)) return 'discussion';
  if (DIAGNOSIS_RE.test(text) && !PRIOR_DIAG_RE.test(text)) return 'diagnosis';
  const score = new Map<SentenceKind, number>();
  for (const k of matchedRules(text)) score.set(KIND_RULES[k].kind, (score.get(KIND_RULES[k].kind) ?? 0) + KIND_RULES[k].weight);
  if (prior) score.set(prior, (score.get(prior) ?? 0) + 1);
  let best: SentenceKind = 'other';
  let bestScore = 0;
  for (const k of TIE_ORDER) {
    const s = score.get(k) ?? 0;
    if (s > bestScore) { best = k; bestScore = s; }
  }
  return best;
}

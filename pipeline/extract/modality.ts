// Modality guess per figure from its caption (weight 2) and the sentences that cite it (weight 1).
// The evidence words are returned so the guess can be stored as an attribute and audited.

export const MODALITIES = [
  'CT', 'MRI', 'X-ray', 'ultrasound', 'PET', 'angiography', 'endoscopy', 'histopathology', 'immunohistochemistry',
  'cytology', 'fundus/OCT', 'dermatology photo', 'clinical photo', 'ECG/EEG', 'pedigree', 'chart/diagram',
] as const;
export type Modality = (typeof MODALITIES)[number];

const RULES: [Modality, RegExp][] = [
  ['CT', /\b(?:CT|CTA|HRCT|MDCT|MSCT|CBCT|computed tomogra\w*|computeri[sz]ed tomogra\w*|cone[- ]beam|tomodensitometr\w*)\b/gi],
  ['MRI', /\b(?:MRI|MRA|MRCP|MR|magnetic resonance|T1[- ]?weighted|T2[- ]?weighted|T1WI|T2WI|FLAIR|diffusion[- ]weighted|DWI|gadolinium)\b/gi],
  ['X-ray', /\b(?:X-?rays?|radiographs?|radiography|radiographic|roentgenogra\w*|chest film|plain film|panoramic|orthopantomogra\w*|OPG|skiagram|hysterosalpingogra\w*|HSG|barium|fluorosco\w*)\b/gi],
  ['ultrasound', /\b(?:ultraso\w*|sonograph\w*|sonogram|echograph\w*|echocardiogra\w*|echogenic\w*|hypoechoic|hyperechoic|anechoic|doppler|transthoracic echo\w*|transesophageal echo\w*)\b/gi],
  ['ultrasound', /\b(?:US|TTE|TEE)\b/g],
  ['PET', /\b(?:PET|positron emission|FDG|scintigra\w*|SPECT|bone scan|indium-111|Tc-99m|99mTc|gallium scan)\b/gi],
  ['angiography', /\b(?:angiogra\w*|coronarogra\w*|arteriogra\w*|venogra\w*|coronary angiogra\w*|catheterization|DSA|digital subtraction)\b/gi],
  ['endoscopy', /\b(?:endoscop\w*|colonoscop\w*|gastroscop\w*|bronchoscop\w*|cystoscop\w*|laparoscop\w*|arthroscop\w*|esophagogastroduodenoscop\w*|EGD|ERCP|enteroscop\w*|duodenoscop\w*|laryngoscop\w*|hysteroscop\w*|capsule endoscopy)\b/gi],
  ['immunohistochemistry', /\b(?:immunohistochem\w*|immunostain\w*|IHC|immunoreactiv\w*|positive (?:staining )?for|CD\d+|Ki-?67|S-?100|cytokeratin|vimentin|desmin|synaptophysin|chromogranin)\b/gi],
  ['histopathology', /\b(?:histolog\w*|histopatholog\w*|H&E|HE stain\w*|hematoxylin|haematoxylin|eosin|PAS|Masson|Grocott|Ziehl|biops(?:y|ies)|photomicrograph\w*|micrograph\w*|magnification|×\s?\d+|x\s?\d{2,3}\b|original magnification|section|specimen|tissue|microscop\w*|granuloma\w*|necrosis)\b/gi],
  ['cytology', /\b(?:cytolog\w*|smear|Papanicolaou|Pap stain|fine[- ]needle aspirat\w*|FNA|cytospin|peripheral blood film|bone marrow aspirat\w*|Giemsa|Wright stain)\b/gi],
  ['fundus/OCT', /\b(?:fundus|fundoscop\w*|funduscop\w*|retina\w*|optic disc|OCT|optical coherence|fluorescein angiogra\w*|slit[- ]lamp|macula\w*)\b/gi],
  ['dermatology photo', /\b(?:skin|cutaneous|rash|erythem\w*|plaques?|papules?|nodules? on|lesions? on (?:the )?(?:face|trunk|arm|leg|hand|foot|back|chest|scalp)|dermatoscop\w*|dermoscop\w*|vesicles?|ulcer\w* on|macules?|pustules?|nail)\b/gi],
  ['clinical photo', /\b(?:clinical (?:photograph|picture|image|appearance|view)\w*|photograph\w*|intraoral|extraoral|gross (?:appearance|specimen|image)|macroscopic\w*|intraoperative\w*|operative (?:view|finding|image)\w*|surgical (?:specimen|view|field)|appearance of (?:the )?patient|facial appearance|swelling)\b/gi],
  ['ECG/EEG', /\b(?:ECG|EKG|electrocardiogra\w*|EEG|electroencephalogra\w*|EMG|electromyogra\w*|telemetry|Holter|rhythm strip|tracing)\b/gi],
  ['pedigree', /\b(?:pedigree|family tree|proband|generations?)\b/gi],
  ['chart/diagram', /\b(?:chart|graph|diagram|schema\w*|schematic|flow ?chart|timeline|curve|plot|trend|illustration|algorithm|drawing)\b/gi],
];

// When the caption both shows a stain and markers, IHC is the more specific answer.
const PRIORITY: Modality[] = ['immunohistochemistry', 'cytology', 'fundus/OCT', 'PET', 'angiography', 'endoscopy', 'MRI', 'CT', 'ultrasound', 'X-ray', 'ECG/EEG', 'pedigree', 'histopathology', 'dermatology photo', 'clinical photo', 'chart/diagram'];

export interface ModalityGuess { guess: Modality | null; evidence: string[] }

// One combined scan instead of one regex per modality: group k+1 matched ⇔ RULES[k] voted.
const CI = RULES.map(([, re], k) => ({ k, re })).filter(({ re }) => re.flags.includes('i'));
const CS = RULES.map(([, re], k) => ({ k, re })).filter(({ re }) => !re.flags.includes('i'));
const combine = (rs: { re: RegExp }[], flags: string) => new RegExp(rs.map(({ re }) => `(${re.source})`).join('|'), flags);
const COMBINED: { re: RegExp; index: number[] }[] = [
  { re: combine(CI, 'gi'), index: CI.map(({ k }) => k) },
  { re: combine(CS, 'g'), index: CS.map(({ k }) => k) },
];

function score(text: string, weight: number, scores: Map<Modality, number>, evidence: Map<Modality, Set<string>>): void {
  if (!text) return;
  for (const { re, index } of COMBINED) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      let g = 1;
      while (g < m.length && m[g] === undefined) g++;
      const mod = RULES[index[g - 1]][0];
      scores.set(mod, (scores.get(mod) ?? 0) + weight);
      const set = evidence.get(mod) ?? new Set<string>();
      set.add(m[0]);
      evidence.set(mod, set);
    }
  }
}

/** Guess from a caption and the citing sentences; the evidence lists the words that voted for the winner. */
export function guessModality(caption: string, citing: string[] = []): ModalityGuess {
  const scores = new Map<Modality, number>();
  const evidence = new Map<Modality, Set<string>>();
  score(caption, 2, scores, evidence);
  // citing sentences only count when the caption says nothing
  if (scores.size === 0) for (const s of citing) score(s, 1, scores, evidence);
  let best: Modality | null = null;
  let bestScore = 0;
  for (const m of PRIORITY) {
    const s = scores.get(m) ?? 0;
    if (s > bestScore) { best = m; bestScore = s; }
  }
  // immunohistochemistry outranks plain histology when both are present (IHC slides also say "×400")
  if (best === 'histopathology' && scores.get('immunohistochemistry')) best = 'immunohistochemistry';
  return { guess: best, evidence: best ? [...(evidence.get(best) ?? [])] : [] };
}

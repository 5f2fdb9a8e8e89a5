// Compiles the drug / procedure / test vocabulary from the open lexicons (../shared/data/lexicons by
// default). What each source contributes, and what is left out, is in docs/tracks.md ("Vocabularies").
// Pure over the bytes it is given: the cache (vocab-cache.ts) reads the files and stores the result.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { byCodeUnit } from '../../pipeline/core/hash.ts';
import type { Vocab, VocabConcept, VocabForm, VocabKind, VocabSource } from './types.ts';
import { formKey, isCaseSensitiveForm, type MatchMode } from './keys.ts';

/** Bump when the compile changes what it produces: every cached vocabulary is then rebuilt once. */
export const VOCAB_COMPILER_VERSION = '5';

/** The lexicon files a vocabulary is compiled from, relative to the lexicons folder (a missing one is skipped). */
export const VOCAB_FILES: { id: string; pattern: RegExp; dir: string }[] = [
  { id: 'mesh_d', dir: 'mesh2024', pattern: /^mesh\d{4}_D_chemicals_drugs_terms\.tsv\.gz$/ },
  { id: 'mesh_e', dir: 'mesh2024', pattern: /^mesh\d{4}_E_analytical_diagnostic_therapeutic_terms\.tsv\.gz$/ },
  { id: 'mesh_pa', dir: 'mesh2024', pattern: /^mesh\d{4}_pharmacological_actions\.tsv\.gz$/ },
  { id: 'maxo', dir: 'maxo', pattern: /^maxo_[\d-]+_terms\.tsv$/ },
  { id: 'drugbank', dir: 'drugbank_vocabulary', pattern: /^drugbank_vocabulary\.csv\.gz$/ },
  { id: 'orange_book', dir: 'fda_orange_book', pattern: /^orange_book_trade_names\.tsv$/ },
  { id: 'abbreviations', dir: 'abbreviations_metainventory_sources', pattern: /^wikipedia_abbreviation_database\.csv$/ },
  { id: 'negex', dir: 'medspacy_context', pattern: /^negex_triggers_GeneralNegEx_v[\d.]+\.txt$/ },
];

/** Names, licences and credit lines, as the sources' PROVENANCE files state them. */
const SOURCE_INFO: Record<string, { name: string; licence: string; credit: (version: string) => string }> = {
  mesh_d: {
    name: 'MeSH (tree D, chemicals and drugs)', licence: 'NLM terms and conditions',
    credit: (v) => `Source: NLM MeSH ${v} (U.S. National Library of Medicine), tree D; subset by tree, reformatted to TSV and reduced to drug names; not the current MeSH release. NLM does not endorse this product.`,
  },
  mesh_pa: {
    name: 'MeSH pharmacological actions (descriptors and supplementary concepts)', licence: 'NLM terms and conditions',
    credit: (v) => `Source: NLM MeSH ${v} (U.S. National Library of Medicine), pharmacological actions of descriptors and supplementary concept records; reformatted to TSV; not the current MeSH release. NLM does not endorse this product.`,
  },
  mesh_e: {
    name: 'MeSH (tree E, diagnostic and therapeutic techniques)', licence: 'NLM terms and conditions',
    credit: (v) => `Source: NLM MeSH ${v} (U.S. National Library of Medicine), tree E; subset by tree, reformatted to TSV and reduced to test and procedure names; not the current MeSH release. NLM does not endorse this product.`,
  },
  maxo: {
    name: 'Medical Action Ontology (MAxO)', licence: 'CC BY 4.0',
    credit: (v) => `Medical Action Ontology (MAxO) release ${v}, Monarch Initiative / JAX (Carmody L, Robinson PN et al.), CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); names and EXACT synonyms of diagnostic and therapeutic procedures, " procedure" suffix removed.`,
  },
  drugbank: {
    name: 'DrugBank open vocabulary', licence: 'CC0 1.0',
    credit: () => 'DrugBank Open Data, "DrugBank Vocabulary" (https://go.drugbank.com/releases/latest#open-data), CC0 1.0; common names and synonyms of drugs also named in MeSH or the Orange Book.',
  },
  orange_book: {
    name: 'FDA Orange Book trade names', licence: 'public domain (U.S. Government work)',
    credit: (v) => `FDA Orange Book products data file (${v}), a U.S. Government work in the public domain; prescription brand names mapped to their ingredient.`,
  },
  abbreviations: {
    name: 'Wikipedia list of medical abbreviations', licence: 'CC BY-SA 4.0',
    credit: () => 'Wikipedia contributors, "List of medical abbreviations", via the Medical Abbreviation and Acronym Meta-Inventory sources (Grossman Liu et al., Sci Data 2021), CC BY-SA 4.0; used to recognise abbreviations of vocabulary terms.',
  },
  negex: {
    name: 'NegEx triggers (GeneralNegEx v1.2)', licence: 'Apache-2.0',
    credit: () => 'NegEx negation triggers, GeneralNegEx v1.2 (Chapman WW et al.), Apache License 2.0.',
  },
};

export interface VocabInputFile { id: string; rel: string; bytes: Buffer }

// Forms too generic to name one test, procedure or drug, or that are mostly something else in a case
// report (an analyte in "serum calcium", a word in "the lead"). Compared by match key.
const GENERIC = [
  'contraindications', 'implantation', 'indications', 'therapeutic uses', 'methods', 'adverse effects', 'standards', 'utilization',
  'diagnosis', 'diagnoses', 'differential diagnosis', 'diagnostic techniques and procedures', 'diagnostic technique', 'diagnostic procedure',
  'examination', 'physical examination', 'test', 'testing', 'analysis', 'assessment', 'evaluation', 'screening', 'imaging', 'scan', 'scanning',
  'procedure', 'operation', 'therapy', 'therapeutics', 'treatment', 'management', 'care', 'rest', 'diet', 'exercise', 'observation',
  'monitoring', 'intervention', 'drug', 'medication', 'medicine', 'support', 'education', 'counseling', 'prevention', 'follow up', 'prognosis',
  'medical history taking', 'history', 'patient care', 'therapeutic procedure', 'surgical procedure', 'surgical procedures operative',
  'operative surgical procedures', 'early diagnosis', 'delayed diagnosis', 'incidental findings', 'reference values', 'signs and symptoms',
  'medical action', 'health care process', 'time', 'waiting', 'recovery', 'discharge', 'admission', 'consultation', 'referral', 'feeding',
  'nutrition', 'pain', 'weight', 'height', 'temperature', 'position', 'contrast', 'contrast media', 'staining', 'stain', 'culture',
  'water', 'oxygen', 'air', 'iron', 'gold', 'silver', 'copper', 'zinc', 'honey', 'garlic', 'ginger', 'helium', 'nitrogen', 'sodium',
  'potassium', 'calcium', 'magnesium', 'phosphate', 'phosphorus', 'chloride', 'glucose', 'sugar', 'salt', 'alcohol', 'ethanol', 'urea',
  'lactate', 'lactic acid', 'ammonia', 'cholesterol', 'cortisol', 'prolactin', 'hemoglobin', 'protein', 'hormone', 'vitamin', 'dye', 'blood',
  'plasma', 'serum', 'lead', 'light', 'sulfur', 'carbon', 'hydrogen', 'bile', 'milk', 'fat', 'fiber', 'starch', 'tobacco', 'nicotine',
  'creatinine', 'bilirubin', 'albumin', 'insulin', 'ferritin', 'thyroxine', 'testosterone', 'estradiol', 'progesterone', 'aldosterone', 'renin',
  'gastrin', 'calcitonin', 'parathyroid hormone', 'growth hormone', 'troponin', 'fibrinogen', 'thrombin', 'glucagon', 'histamine', 'serotonin',
  'dopamine', 'adrenaline', 'epinephrine', 'norepinephrine', 'immunoglobulins', 'antibodies', 'antigens', 'enzymes', 'cells', 'tissue',
].map((f) => formKey(f, false));
const GENERIC_KEYS = new Set(GENERIC);

// WHO INN stems of common drug classes: a DrugBank name with one of them is a drug even when MeSH
// (2024, no supplementary entry terms) and the Orange Book (no biologics) lack it ("vedolizumab").
const INN_STEM = /^[A-Za-z]{3,}(?:mab|cept|tinib|ciclib|rafenib|lisib|parib|zomib|stat|pril|sartan|olol|azole|conazole|mycin|cillin|floxacin|cycline|vir|parin|xaban|gatran|lukast|dronate|prazole|platin|rubicin|taxel|afil|gliptin|gliflozin|glutide|tide|kinra|leukin|ermin|semide|thiazide|dipine|setron|triptan|oxetine|faxine|apine|idone|azepam|barbital|caine|profen|coxib|sonide|metasone|olone|nidazole|fungin)$/i;

const SALT_WORDS = new Set(['hydrochloride', 'hcl', 'sodium', 'potassium', 'calcium', 'magnesium', 'mesylate', 'maleate', 'acetate', 'sulfate',
  'sulphate', 'phosphate', 'citrate', 'tartrate', 'bitartrate', 'succinate', 'fumarate', 'besylate', 'bromide', 'chloride', 'hydrobromide',
  'monohydrate', 'dihydrate', 'trihydrate', 'anhydrous', 'disodium', 'dipropionate', 'propionate', 'valerate', 'butyrate', 'lactate',
  'gluconate', 'tromethamine', 'meglumine', 'hyclate', 'pamoate', 'stearate', 'palmitate', 'decanoate', 'enanthate', 'cypionate', 'nitrate',
  'oxalate', 'tosylate', 'esylate', 'napsylate', 'mandelate', 'hemihydrate', 'sesquihydrate', 'ethylsuccinate', 'estolate', 'micronized']);

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const text = (f: VocabInputFile): string => (f.rel.endsWith('.gz') ? gunzipSync(f.bytes) : f.bytes).toString('utf8');

/** "Tomography, X-Ray Computed" → "X-Ray Computed Tomography"; forms with more than one comma are left out. */
export function deInvert(term: string): string | null {
  const parts = term.split(', ');
  if (parts.length === 1) return term;
  if (parts.length > 2 || /,/.test(parts[1])) return null;
  return `${parts[1]} ${parts[0]}`;
}

/** A minimal RFC 4180 reader (quoted fields, doubled quotes, commas and newlines inside quotes). */
export function parseCsv(s: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '"') { if (s[i + 1] === '"') { field += '"'; i++; } else q = false; } else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const tsvRows = (s: string): string[][] => s.split(/\r?\n/).filter(Boolean).map((l) => l.split('\t'));

/** A usable surface form: letters, not too long, no chemical punctuation. */
function plausibleForm(f: string, maxWords = 6): boolean {
  const t = f.trim();
  if (t.length < 2 || t.length > 60) return false;
  if (/[()[\]{};:,=+<>|"]/.test(t)) return false;
  if (!/\p{L}{2}/u.test(t)) return false;
  if (t.split(/\s+/).length > maxWords) return false;
  return true;
}

class Builder {
  concepts: VocabConcept[] = [];
  private byKey = new Map<string, number>();
  private forms = new Map<string, { text: string; mode: MatchMode; concepts: Set<number> }>();

  concept(name: string, kind: VocabKind, id: string): number {
    const key = name.trim().toLowerCase();
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.concepts.length;
      this.concepts.push({ key, name: name.trim(), kinds: [], ids: [] });
      this.byKey.set(key, i);
    }
    const c = this.concepts[i];
    if (!c.kinds.includes(kind)) c.kinds.push(kind);
    if (!c.ids.includes(id)) c.ids.push(id);
    return i;
  }

  has(name: string): boolean { return this.byKey.has(name.trim().toLowerCase()); }
  conceptIndex(name: string): number | undefined { return this.byKey.get(name.trim().toLowerCase()); }

  /**
   * Adds a form (and its hyphen-joined spelling) unless it is generic. Drug names match folded but not
   * stemmed ("Prominal" must not meet "prominent"), and never as short capitals ("DIC" is a coagulopathy
   * before it is dacarbazine). Returns false when left out.
   */
  form(surface: string, concept: number, drug = false): boolean {
    const t = surface.trim().replace(/\s+/g, ' ');
    const cs = isCaseSensitiveForm(t);
    if (drug && (cs || /\p{Ll}\p{Lu}/u.test(t) || t.replace(/[^\p{L}]/gu, '').length < 4)) return false;
    // a single adjective names no test or procedure ("surgical", "endoscopic", "renal")
    if (!drug && !cs && !/\s/.test(t) && /(?:al|ic|ous|ive|ary|ed)$/i.test(t) && !/^anti|^immuno/i.test(t)) return false;
    const mode: MatchMode = cs ? 'case' : drug ? 'exact' : 'stem';
    const variants = [t];
    // "Anti-Bacterial Agents" also as "antibacterial agents"; "X-ray" also as "xray"
    if (!cs && /\p{L}-\p{L}/u.test(t)) variants.push(t.replace(/(\p{L})-(\p{L})/gu, '$1$2'));
    let added = false;
    for (const v of variants) {
      const key = formKey(v, mode);
      if (!key || (!cs && (GENERIC_KEYS.has(formKey(v, 'stem'))))) continue;
      const k = `${mode}|${key}`;
      let f = this.forms.get(k);
      if (!f) { f = { text: v, mode, concepts: new Set() }; this.forms.set(k, f); }
      f.concepts.add(concept);
      added = true;
    }
    return added;
  }

  formConcepts(surface: string): number[] {
    const out = new Set<number>();
    for (const mode of ['case', 'exact', 'stem'] as MatchMode[]) for (const c of this.forms.get(`${mode}|${formKey(surface, mode)}`)?.concepts ?? []) out.add(c);
    return [...out];
  }

  done(): { concepts: VocabConcept[]; forms: VocabForm[] } {
    // concepts sorted by key; forms by key; indexes remapped
    const order = this.concepts.map((c, i) => ({ c, i })).sort((a, b) => byCodeUnit(a.c.key, b.c.key));
    const remap = new Map(order.map((o, j) => [o.i, j]));
    const concepts = order.map(({ c }) => ({ ...c, kinds: [...c.kinds].sort(), ids: [...c.ids].sort(byCodeUnit) }));
    const forms = [...this.forms.values()].map((f) => ({
      text: f.text, key: formKey(f.text, f.mode), mode: f.mode,
      concepts: [...f.concepts].map((i) => remap.get(i)!).sort((a, b) => a - b),
    })).sort((a, b) => byCodeUnit(`${a.mode}|${a.key}|${a.text}`, `${b.mode}|${b.key}|${b.text}`));
    return { concepts, forms };
  }
}

/** Tree D: descriptors that have a pharmacological action are drugs; the actions themselves (D27.505) are drug classes. */
function readMeshD(b: Builder, rows: string[][]): number {
  let n = 0;
  for (const r of rows.slice(1)) {
    const [ui, descName, term, tag, permuted, , , , trees, , pharm] = r;
    if (permuted !== 'N' || tag === 'LAB' || tag === 'NAM') continue;
    // pharmacologic actions (D27.505), and hormone classes (D06: "Adrenal Cortex Hormones" → "corticosteroids")
    const isClass = (trees ?? '').split(';').some((t) => t.startsWith('D27.505'))
      || ((trees ?? '').split(';').some((t) => t.startsWith('D06.')) && /(?:Hormones|Antagonists|Substitutes|Agonists)$/.test(descName));
    if (!isClass && !(pharm ?? '').trim()) continue;
    const name = deInvert(descName);
    const form = deInvert(term);
    if (!name || !form || !plausibleForm(form)) continue;
    const c = b.concept(name, isClass ? 'drug_class' : 'drug', `mesh:${ui}`);
    if (tag === 'ABB' || tag === 'ACR' || tag === 'ABX' || tag === 'ACX') { if (isClass && b.form(form, c)) n++; continue; }
    b.form(name, c, !isClass);
    // a class name also as its adjective: "Antifungal Agents" → "antifungal", "Anti-Bacterial Agents" → "anti-bacterial"
    if (isClass) for (const f of [name, form]) { const adj = /^((?:anti|immuno)\S+) (?:Agents?|Drugs?|Compounds?)$/i.exec(f)?.[1]; if (adj) b.form(adj, c); }
    if (b.form(form, c, !isClass)) n++;
  }
  return n;
}

/** Tree E: E01 (diagnosis) are tests; E02 therapeutics, E03 anaesthesia, E04 surgery, E06 dentistry are procedures. */
function readMeshE(b: Builder, rows: string[][]): number {
  let n = 0;
  for (const r of rows.slice(1)) {
    const [ui, descName, term, tag, permuted, , , , trees] = r;
    if (permuted !== 'N' || tag === 'LAB') continue;
    const tn = (trees ?? '').split(';');
    const kinds: VocabKind[] = [];
    const bedside = tn.some((t) => t.startsWith('E01.370.600') || t.startsWith('E01.370.520'));
    if (bedside) kinds.push('exam');
    else if (tn.some((t) => t.startsWith('E01'))) kinds.push('test');
    if (tn.some((t) => /^E0[2346]/.test(t))) kinds.push('procedure');
    if (!kinds.length) continue;
    const name = deInvert(descName);
    const form = deInvert(term);
    if (!name || !form || !plausibleForm(form)) continue;
    for (const k of kinds) {
      const c = b.concept(name, k, `mesh:${ui}`);
      b.form(name, c);
      if (b.form(form, c)) n++;
      for (const v of gramVariants(form)) b.form(v, c);
    }
  }
  return n;
}

/** "echocardiography" ⇄ "echocardiogram", "angiography" ⇄ "angiogram": case reports use both for a test. */
function gramVariants(form: string): string[] {
  if (/graphy$/i.test(form)) return [form.replace(/graphy$/i, 'gram')];
  if (/gram$/i.test(form) && !/program$/i.test(form)) return [form.replace(/gram$/i, 'graphy')];
  return [];
}

/** MAxO: names and EXACT synonyms of diagnostic procedures (tests) and therapeutic/preventative/palliative ones (procedures). */
function readMaxo(b: Builder, rows: string[][]): number {
  let n = 0;
  // terms under "physical examination" (MAXO:0000527) are bedside examination, not investigations
  const parents = new Map<string, string[]>();
  for (const r of rows.slice(1)) if (r[2] === 'name') parents.set(r[0], (r[7] ?? '').split(';').filter(Boolean));
  const bedside = new Map<string, boolean>();
  const isBedside = (id: string, depth = 0): boolean => {
    if (id === 'MAXO:0000527') return true;
    if (depth > 40) return false;
    let v = bedside.get(id);
    if (v === undefined) { v = (parents.get(id) ?? []).some((p) => isBedside(p, depth + 1)); bedside.set(id, v); }
    return v;
  };
  for (const r of rows.slice(1)) {
    const [id, term, type, scope, , preferred, branches] = r;
    if (type !== 'name' && scope !== 'EXACT') continue;
    const br = (branches ?? '').split(';');
    const kinds: VocabKind[] = [];
    if (br.includes('diagnostic procedure')) kinds.push(isBedside(id) ? 'exam' : 'test');
    if (br.some((x) => x === 'therapeutic procedure' || x === 'preventative therapy' || x === 'palliative care')) kinds.push('procedure');
    if (!kinds.length || !preferred) continue;
    const strip = (s: string) => s.replace(/ procedure$/i, '');
    const name = strip(preferred);
    for (const k of kinds) {
      const c = b.concept(name, k, `maxo:${id}`);
      b.form(name, c);
      for (const f of new Set([term, strip(term)])) {
        if (!plausibleForm(f)) continue;
        if (b.form(f, c)) n++;
        for (const v of gramVariants(f)) b.form(v, c);
      }
    }
  }
  return n;
}

/** The ingredient a brand or salt name stands for: "IMATINIB MESYLATE" → "imatinib". */
export function baseIngredient(s: string): string {
  const words = s.trim().toLowerCase().split(/\s+/).filter((w) => !SALT_WORDS.has(w));
  return words.join(' ');
}

/**
 * DrugBank: only drugs that MeSH or the Orange Book also know (the file also lists research codes,
 * reagents and food: PROVENANCE advises this filter). Abbreviation-like synonyms ("PRDL") are left out.
 */
function readDrugbank(b: Builder, rows: string[][], orangeIngredients: Set<string>): number {
  let n = 0;
  for (const r of rows.slice(1)) {
    const [id, , common, , , synonyms] = r;
    if (!common || !plausibleForm(common, 4)) continue;
    const known = b.has(common) || orangeIngredients.has(common.toLowerCase()) || b.formConcepts(common).length > 0 || INN_STEM.test(common);
    if (!known) continue;
    const c = b.concept(common, 'drug', `drugbank:${id}`);
    b.form(common, c, true);
    for (const s of (synonyms ?? '').split(' | ')) {
      const t = s.trim();
      if (!plausibleForm(t, 4) || isCaseSensitiveForm(t) || /\d/.test(t)) continue;
      if (b.form(t, c, true)) n++;
    }
  }
  return n;
}

/** Orange Book: prescription brand names (6+ letters, one word) as forms of their ingredient's drug. */
function readOrangeBook(b: Builder, rows: string[][]): number {
  let n = 0;
  for (const r of rows.slice(1)) {
    const [trade, ingredient, brandLike, , marketing] = r;
    if (brandLike !== 'Y' || !/\bRX\b/.test(marketing ?? '')) continue;
    if (!/^[A-Z][A-Z-]{5,}$/.test(trade ?? '')) continue;
    const base = baseIngredient((ingredient ?? '').split(';')[0]);
    if (!base || base.includes(' ')) continue;
    const name = base[0].toUpperCase() + base.slice(1);
    const c = b.concept(name, 'drug', `ob:${base.toUpperCase()}`);
    b.form(name, c, true);
    if (b.form(trade[0] + trade.slice(1).toLowerCase(), c, true)) n++;
  }
  return n;
}

/** Abbreviations whose expansion is a vocabulary form: "CT" → computed tomography, "MRI" → magnetic resonance imaging. */
function readAbbreviations(b: Builder, rows: string[][]): number {
  let n = 0;
  for (const r of rows.slice(1)) {
    const [abr, long] = r;
    if (!abr || !long || !isCaseSensitiveForm(abr.trim())) continue;
    // tests and procedures only: a drug's abbreviation is mostly something else in a case report
    const concepts = b.formConcepts(long.trim()).filter((c) => !b.concepts[c].kinds.includes('drug'));
    for (const c of concepts) if (b.form(abr.trim(), c)) n++;
  }
  return n;
}

function readNegex(s: string): { pre: string[]; post: string[] } {
  const pre = new Set<string>();
  const post = new Set<string>();
  for (const line of s.split(/\r?\n/)) {
    const m = /^(.+?)\s*\[(PREN|PREP|POST|POSP)\]\s*$/.exec(line.replace(/\t+/g, ' ').trim());
    if (!m) continue;
    (m[2].startsWith('PRE') ? pre : post).add(m[1].trim().toLowerCase());
  }
  return { pre: [...pre].sort(byCodeUnit), post: [...post].sort(byCodeUnit) };
}

function versionOf(id: string, rel: string): string {
  if (id.startsWith('mesh')) return /mesh(\d{4})/.exec(rel)?.[1] ?? 'unknown';
  if (id === 'maxo') return /maxo_([\d-]+)_/.exec(rel)?.[1] ?? 'unknown';
  if (id === 'orange_book') return 'November 2024 products.txt';
  if (id === 'negex') return /v([\d.]+)\.txt$/.exec(rel)?.[1] ?? 'unknown';
  return 'as bundled';
}

/** Compiles a vocabulary from the lexicon files' bytes. Deterministic: same bytes ⇒ same vocabulary. */
export function compileVocab(files: VocabInputFile[]): Vocab {
  const byId = new Map(files.map((f) => [f.id, f]));
  const b = new Builder();
  const sources: VocabSource[] = [];
  const note = (f: VocabInputFile, rows: number) => {
    const info = SOURCE_INFO[f.id];
    const version = versionOf(f.id, f.rel);
    sources.push({ id: f.id, name: info.name, file: f.rel, sha256: sha256(f.bytes), version, licence: info.licence, credit: info.credit(version), rows });
  };
  const orange = byId.get('orange_book');
  const orangeRows = orange ? tsvRows(text(orange)) : [];
  const orangeIngredients = new Set(orangeRows.slice(1).map((r) => baseIngredient((r[1] ?? '').split(';')[0])).filter(Boolean));
  // order matters only for which spelling names a concept first; tests and procedures before drugs
  for (const id of ['mesh_e', 'maxo', 'mesh_d'] as const) {
    const f = byId.get(id);
    if (!f) continue;
    const rows = tsvRows(text(f));
    note(f, id === 'mesh_e' ? readMeshE(b, rows) : id === 'maxo' ? readMaxo(b, rows) : readMeshD(b, rows));
  }
  // substances with a pharmacological action, supplementary concepts included (newer drugs: "Vedolizumab")
  const pa = byId.get('mesh_pa');
  if (pa) {
    let k = 0;
    for (const r of tsvRows(text(pa)).slice(1)) {
      const [ui, name, , action] = r;
      const n = deInvert(name ?? '');
      if (!n || !action || !plausibleForm(n, 4) || b.has(n) && b.concepts[b.conceptIndex(n)!].kinds.includes('drug_class')) continue;
      if (b.form(n, b.concept(n, 'drug', `mesh:${ui}`), true)) k++;
    }
    note(pa, k);
  }
  const db = byId.get('drugbank');
  if (db) note(db, readDrugbank(b, parseCsv(text(db)), orangeIngredients));
  if (orange) note(orange, readOrangeBook(b, orangeRows));
  const ab = byId.get('abbreviations');
  if (ab) note(ab, readAbbreviations(b, parseCsv(text(ab))));
  const ng = byId.get('negex');
  const negation = ng ? readNegex(text(ng)) : { pre: [], post: [] };
  if (ng) note(ng, negation.pre.length + negation.post.length);
  const { concepts, forms } = b.done();
  return { schema: 1, compilerVersion: VOCAB_COMPILER_VERSION, sources: sources.sort((x, y) => byCodeUnit(x.id, y.id)), concepts, forms, negation };
}

// Links for a diagnosis that the lexicon does not name word for word. All three rules start from a
// diagnosis phrase: the noun phrase X after a diagnosis cue ("was diagnosed as X", "diagnosis of X",
// "consistent with X", "a case of X", "revealed X") or a phrase of the title. The first two take X's head
// noun when X holds no exact mention, and link it only when Orphanet itself says what the head stands for:
//
// - head_noun_mapped_to_qualified_entry: the only disorder whose *preferred label* is "<qualifier> <head>"
//   with a qualifier that names the usual form (infective, isolated, classic, non-syndromic), while no
//   entry at all is named "<head>" and Orphanet lists no other plain form of the head (headNounIndex)
//   ("endocarditis" -> Infective endocarditis; not "scleritis", which also has idiopathic and
//   immune-mediated entries). Not "primary",
//   "idiopathic", "essential" or "acquired": Orphanet lists those forms precisely because the bare
//   condition is usually secondary and common (gastroparesis, thrombocytosis, hyperoxaluria,
//   bronchiectasis), so a bare head says nothing about which form the patient has.
// - mapped_to_broader_entry_by_definition: the disorders whose Orphanet definition names the head as
//   one of their types or forms ("… with myxoma being the most common benign tumor" in Primary adult
//   heart tumor); a definition that merely mentions the word does not count, nor does the entry's own
//   name. One such disorder: a candidate; several: each gets an equal share (so the case goes to review).
//
// Every occurrence of the head in the article (not inside an exact mention) then counts for the linked
// entry at reduced weight, with the context rules (negation etc.) applied, like a mention.
//
// - modifier_inserted_before_head (insertedModifierMention): X equals a lexicon form of >= 3 words once
//   one or two plain words before its head are left out; only X itself counts, at reduced weight.
import type { Mention } from '../../schemas/alignment.ts';
import { resolveAnswer, type RuleNote } from '../lexicon.ts';
import type { DocMatch, DocPart, Matcher } from '../match/index.ts';
import { contextScopes, statusOf } from '../match/negation.ts';
import { canonWord, normalizePhrase, singular, tokenize, type Token } from '../match/normalize.ts';
import { sentenceAt, splitSentences } from '../match/sentences.ts';
import type { LexEntry, Lexicon } from '../types.ts';

/** Qualifiers that name the usual form of a condition (see above for the ones left out). */
export const HEAD_QUALIFIERS = ['infective', 'infectious', 'isolated', 'classic', 'classical', 'non syndromic', 'nonsyndromic'];
// "Isolated"/"non-syndromic" name the default only for congenital anomalies (= not part of a syndrome, which
// the text would name). For a disease, "isolated" means "without its usual associated disease"
// (Isolated optic neuritis: not MS; Isolated pulmonary capillaritis: not lupus), which a bare head does not say.
const NON_SYNDROMIC = new Set(['isolated', 'non syndromic', 'nonsyndromic']);
const CONGENITAL_TYPES = new Set(['Morphological anomaly', 'Malformation syndrome']);
// A phrase followed by its cause names a secondary form ("mesenteric vein thrombosis secondary to pancreatitis").
const CAUSE_AFTER = /^[\s,]*(?:secondary to|due to|caused by|associated with|related to|induced by|in the (?:setting|context) of|complicating)\b/i;
/** Weight of a head-noun or definition link, against 1 for an exact name. */
export const DERIVED_WEIGHT = 0.7;

// Cues whose object is the diagnosis (the phrase starts right after the cue).
const DX_NP_CUE = /\b(?:final diagnosis (?:was|is|of)|diagnos(?:ed|is) (?:of|with|as)|diagnosed to have|(?:consistent|compatible|in keeping) with|revealed|(?:a|an|the) (?:[a-z]+ ){0,3}case (?:report )?of)\s+/gi;
// Words that end the noun phrase (prepositions, conjunctions, verbs); hard stops end it as well.
const NP_END = new Set(['in', 'on', 'at', 'with', 'without', 'from', 'by', 'based', 'due', 'after', 'before', 'during', 'which', 'that',
  'who', 'whose', 'was', 'were', 'is', 'are', 'has', 'had', 'have', 'but', 'rather', 'than', 'secondary', 'involving', 'presenting',
  'causing', 'following', 'for', 'of', 'to', 'as', 'because', 'since', 'while', 'when', 'where', 'and', 'or', 'not', 'nor', 'versus', 'vs']);
// Contrary qualifiers before the head: the phrase names another form than the usual one.
const CONTRARY = /\b(?:secondary|acquired|syndromic|atypical|non[- ]?infective|non[- ]?infectious|non[- ]?bacterial|marantic|aseptic|sterile|sporadic|familial|hereditary|induced|associated|related)\b/i;

export interface DerivedLink { code: string; share: number; rule: RuleNote; head: string }

export interface DerivedMention {
  mention: Mention;               // Mention-shaped for the scorer; method 'exact' is not exposed (internal)
  part: number;
  sentence: [number, number];
  link: DerivedLink;
}

const headIndexCache = new WeakMap<Lexicon, Map<string, LexEntry>>();
const normCache = new WeakMap<Lexicon, Map<string, string[]>>();
const allFormsCache = new WeakMap<Lexicon, Set<string>>();

/** Every entry's names and synonyms in normalised form (name first), computed once per lexicon. */
function normForms(lex: Lexicon): Map<string, string[]> {
  let m = normCache.get(lex);
  if (!m) {
    const memo = new Map<string, string>();
    const norm = (f: string) => memo.get(f) ?? (memo.set(f, normalizePhrase(f)), memo.get(f)!);
    m = new Map(lex.entries.map((e) => [e.code, [e.name, ...e.synonyms].map(norm)]));
    normCache.set(lex, m);
  }
  return m;
}

function allForms(lex: Lexicon): Set<string> {
  let s = allFormsCache.get(lex);
  if (!s) {
    s = new Set([...normForms(lex).values()].flat());
    allFormsCache.set(lex, s);
  }
  return s;
}

/**
 * "<head phrase>" -> the single active disorder whose preferred label is "<qualifier> <head phrase>", when
 * no entry is named "<head phrase>" and Orphanet lists no other plain form of the head: another active
 * disorder or subtype whose label is the head with other common words and no eponym, acronym or
 * "syndrome" ("Idiopathic scleritis" next to "Infectious scleritis", "Chronic relapsing inflammatory optic
 * neuritis" next to "Isolated optic neuritis"). A form named after a person ("Loeffler endocarditis") or a
 * syndrome that includes the head is a distinct entity the text would name, not another reading of it.
 */
export function headNounIndex(lex: Lexicon): Map<string, LexEntry> {
  let idx = headIndexCache.get(lex);
  if (idx) return idx;
  const forms = allForms(lex);
  const found = new Map<string, Set<LexEntry>>();
  for (const e of lex.entries) {
    if (e.level !== 'disorder' || e.status !== 'active') continue;
    const n = normForms(lex).get(e.code)![0];
    for (const q of HEAD_QUALIFIERS) {
      if (!n.startsWith(`${q} `)) continue;
      if (NON_SYNDROMIC.has(q) && !CONGENITAL_TYPES.has(e.type)) continue;
      const rest = n.slice(q.length + 1);
      if (forms.has(rest) || rest.replace(/ /g, '').length < 5 || rest.startsWith('like ')) continue; // bare head is an entry / too short / "Classical-like"
      (found.get(rest) ?? found.set(rest, new Set()).get(rest)!).add(e);
    }
  }
  // plain words: written in lower case inside some label (so "idiopathic" is one, "Loeffler" or "HTLV" is not)
  const plainWords = new Set<string>();
  for (const e of lex.entries) for (const w of e.name.split(/[\s,/-]+/).slice(1)) if (/^[a-z]+$/.test(w)) plainWords.add(canonWord(w));
  const plain = lex.entries.filter((e) => e.status === 'active' && e.level !== 'group' && !/syndrome/i.test(e.name))
    .map((e) => ({ e, n: ` ${normForms(lex).get(e.code)![0]} ` }))
    .filter(({ n }) => n.trim().split(' ').every((w) => plainWords.has(w) || /^\d+$/.test(w)));
  idx = new Map();
  for (const [rest, set] of found) {
    if (set.size !== 1) continue;
    const target = [...set][0];
    const other = plain.some(({ e, n }) => e.code !== target.code && e.disorderParent !== target.code && !e.parents.includes(target.code) && n.includes(` ${rest} `));
    if (!other) idx.set(rest, target);
  }
  headIndexCache.set(lex, idx);
  return idx;
}

// "the most common <class>": the class must be the entry's own kind, either a generic type word with at
// most a grading adjective ("most common clinical form") or the entry's own head noun ("… heart tumor" ->
// "most common benign tumor"). "Spasms being the most common seizure type" names a type of seizure,
// not of the encephalopathy the definition is about.
const TYPE_WORD = String.raw`(?:type|form|subtype|variant)s?`;
const GRADE = String.raw`(?:clinical|histological|histologic|pathological|benign|malignant|primary)`;
const W = String.raw`[a-z0-9-]+`;

/** A definition sentence in the matcher's word forms (lower case, American spelling), punctuation kept. */
export function definitionForm(sentence: string): string {
  return sentence.replace(/[\p{L}\p{N}]+/gu, (w) => canonWord(w)).replace(/\s+/g, ' ');
}

/**
 * Does this definition sentence (in definitionForm) name `head` as a type or form of its entry, whose own
 * head noun is `entryHead`? "<head> being/is the most common <class>" or "the most common <class> is <…> <head>",
 * <class> as above. Lists ("cancer types include uveal melanoma …", "other malignant tumors of the heart
 * include leiomyosarcoma") do not count: they name associated tumours of predisposition syndromes and
 * members that have entries of their own elsewhere (a uterine leiomyosarcoma is no heart tumour).
 */
export function namesAsType(sentence: string, head: string, entryHead: string): boolean {
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const hs = `${esc(head)}(?:s|es)?`;
  const cls = String.raw`(?:(?: ${GRADE}){0,2} ${TYPE_WORD}|(?: ${W}){0,2} ${esc(entryHead)}s?)`;
  return new RegExp(String.raw`\b${hs} (?:being|is|are|was|represents?|remains?) the most (?:common|frequent)${cls}\b`).test(sentence) ||
    new RegExp(String.raw`\bmost (?:common|frequent)${cls} (?:is|are|being)(?: the| an?)?(?: ${W}){0,3} ${hs}\b`).test(sentence);
}

/** How many entries use a word in a name or synonym: a head used by many (tumor, carcinoma, cyst) is a class noun. */
const MAX_HEAD_ENTRIES = 10;
const dfCache = new WeakMap<Lexicon, Map<string, number>>();
export function headEntryCount(lex: Lexicon, word: string): number {
  let df = dfCache.get(lex);
  if (!df) {
    const sets = new Map<string, Set<string>>();
    for (const [code, forms] of normForms(lex)) for (const f of forms) for (const w of f.split(' ')) {
      const k = singular(w) ?? w;
      (sets.get(k) ?? sets.set(k, new Set()).get(k)!).add(code);
    }
    df = new Map([...sets].map(([k, v]) => [k, v.size]));
    dfCache.set(lex, df);
  }
  return df.get(word) ?? 0;
}

interface DefEntry { e: LexEntry; entryHead: string; names: string[]; sentences: { raw: string; norm: string }[] }
const defEntriesCache = new WeakMap<Lexicon, DefEntry[]>();
const defCache = new WeakMap<Lexicon, Map<string, { e: LexEntry; sentence: string }[]>>();

/** Active disorders with definition sentences, prepared once per lexicon (about 90 in this release). */
function defEntries(lex: Lexicon): DefEntry[] {
  let out = defEntriesCache.get(lex);
  if (!out) {
    out = lex.entries.filter((e) => e.typeSentences?.length && e.level === 'disorder' && e.status === 'active').map((e) => {
      const words = normForms(lex).get(e.code)![0].split(' ');
      return {
        e, entryHead: singular(words[words.length - 1]) ?? words[words.length - 1],
        names: normForms(lex).get(e.code)!,
        sentences: e.typeSentences.map((raw) => ({ raw, norm: definitionForm(raw) })),
      };
    });
    defEntriesCache.set(lex, out);
  }
  return out;
}

/** Active disorders whose definition names `head` (one normalised word) as a type/form, not in their own name. */
export function entriesNamingType(lex: Lexicon, head: string): { e: LexEntry; sentence: string }[] {
  let cache = defCache.get(lex);
  if (!cache) { cache = new Map(); defCache.set(lex, cache); }
  const hit = cache.get(head);
  if (hit) return hit;
  const out: { e: LexEntry; sentence: string }[] = [];
  const word = new RegExp(String.raw`\b${head}(?:s|es)?\b`);
  for (const d of defEntries(lex)) {
    const s = d.sentences.find((x) => x.norm.includes(head) && namesAsType(x.norm, head, d.entryHead));
    if (!s || d.names.some((f) => word.test(f))) continue; // the entry itself is a type of something else
    out.push({ e: d.e, sentence: s.raw });
  }
  cache.set(head, out);
  return out;
}

// Site agreement: an entry whose name names an organ ("Primary adult heart tumor") is linked only when
// the title, abstract or the diagnosis statement names that organ, as a noun or its usual adjective
// ("cardiac", "atrial"). A myxoma of the jaw or of a muscle is no heart tumour.
export const ORGAN_TERMS: Record<string, string> = {
  heart: String.raw`heart|cardiac|cardio\w*|intracardiac|(?:bi)?atri(?:al|um|a)|interatrial|ventric(?:le|ular)\w*|myocardi\w*|endocardi\w*|pericardi\w*`,
  lung: String.raw`lungs?|pulmonary|intrapulmonary|bronch\w*`,
  kidney: String.raw`kidneys?|renal|nephr\w*`,
  liver: String.raw`liver|hepat\w*`,
  brain: String.raw`brain|cerebr\w*|intracranial`,
  bone: String.raw`bones?|osseous|skeletal|osteo\w*`,
  skin: String.raw`skin|cutaneous|dermal|subcutaneous`,
  stomach: String.raw`stomach|gastric`,
  eye: String.raw`eyes?|ocular|orbital|retina\w*|intraocular`,
  breast: String.raw`breasts?|mammary`,
  bladder: String.raw`bladder|vesical`,
  ovary: String.raw`ovar(?:y|ies|ian)`,
  uterus: String.raw`uter(?:us|ine)`,
  thyroid: String.raw`thyroid`,
};

/** The entry names an organ that the site text does not: no link. */
export function siteDisagrees(entryName: string, siteText: string): boolean {
  const words = new Set(normalizePhrase(entryName).split(' ').map((w) => singular(w) ?? w));
  for (const [organ, re] of Object.entries(ORGAN_TERMS)) {
    if (words.has(organ) && !new RegExp(String.raw`\b(?:${re})\b`, 'i').test(siteText)) return true;
  }
  return false;
}

const isParticiple = (t: Token) => /(?:ed|ing)$/.test(t.norm) && t.norm.length > 5;
const headNorm = (t: Token) => singular(t.norm) ?? t.norm;

/** Links for one diagnosis-statement phrase (tokens of the phrase, in order). */
function linkPhrase(lex: Lexicon, toks: Token[], k: number, siteText: string): DerivedLink[] {
  const head = headNorm(toks[k]);
  const before = toks.slice(0, k).map((t) => t.norm);
  // (b) "<head phrase>" ends at k: try the longest phrase first ("mitral valve endocarditis" -> "endocarditis")
  const idx = headNounIndex(lex);
  for (let i = 0; i <= k; i++) {
    const phrase = [...toks.slice(i, k).map((t) => t.norm), head].join(' ');
    const e = idx.get(phrase);
    if (!e) continue;
    const q = normalizePhrase(e.name).slice(0, -phrase.length - 1);
    if (CONTRARY.test(before.join(' ')) || new RegExp(`\\bnon ?${q}\\b`).test(before.join(' ')) || siteDisagrees(e.name, siteText)) return [];
    return [{ code: e.code, share: 1, head: phrase, rule: { rule: 'head_noun_mapped_to_qualified_entry', detail: `"${phrase}" -> ORPHA:${e.code} "${e.name}": the only entry named "<${q}> ${phrase}", and no entry is named "${phrase}"` } }];
  }
  // (c) definitions
  if (head.length < 5 || headEntryCount(lex, head) > MAX_HEAD_ENTRIES || CONTRARY.test(before.join(' '))) return [];
  const named = entriesNamingType(lex, head).filter(({ e }) => !siteDisagrees(e.name, siteText));
  return named.map(({ e, sentence }) => ({
    code: e.code, share: 1 / named.length, head,
    rule: { rule: 'mapped_to_broader_entry_by_definition', detail: `"${head}" -> ORPHA:${e.code} "${e.name}"${named.length > 1 ? ` (1 of ${named.length} entries)` : ''}: its Orphanet definition names it as a type: "${sentence}"` },
  }));
}

/**
 * Derived mentions: heads of unmatched diagnosis-statement phrases linked by the two rules above, then
 * every occurrence of the linked head in the article that is not inside an exact mention.
 */
export function derivedMentions(lex: Lexicon, parts: DocPart[], doc: DocMatch, matcher?: Matcher): DerivedMention[] {
  const exact = parts.map(() => [] as [number, number][]);
  doc.mentions.forEach((m, i) => { if (m.method !== 'fuzzy') exact[doc.details[i].part].push([m.start, m.end]); });
  const inExact = (k: number, s: number, e: number) => exact[k].some(([a, b]) => s < b && e > a);
  const sentencesOf = parts.map((p) => p.sentences ?? splitSentences(p.text));
  const links = new Map<string, DerivedLink[]>(); // head phrase -> links
  const out: DerivedMention[] = [];
  const siteBase = parts.filter((p) => p.field === 'title' || p.field === 'abstract').map((p) => p.text).join('\n');
  for (const { k, ss, se, np } of diagnosisPhrases(parts, sentencesOf)) {
    const p = parts[k];
    const scopes = contextScopes(p.text.slice(ss, se));
    // a head ends the phrase or is followed by a participle ("left atrial myxoma hypervascularized from …")
    for (let j = 0; j < np.length; j++) {
      if (j + 1 < np.length && !isParticiple(np[j + 1])) continue;
      if (statusOf(scopes, np[j].start - ss, np[j].end - ss).status !== 'affirmed') continue;
      if (!np.slice(0, j + 1).some((t) => inExact(k, t.start, t.end)) && !CAUSE_AFTER.test(p.text.slice(np[j].end, se))) {
        const found = linkPhrase(lex, np.slice(0, j + 1), j, `${siteBase}\n${p.text.slice(ss, se)}`);
        if (found.length) { if (!links.has(found[0].head)) links.set(found[0].head, found); break; }
      }
      if (matcher && !inExact(k, np[j].start, np[j].end)) {
        const g = insertedModifierMention(lex, matcher, p, k, np.slice(0, j + 1), [ss, se], scopes);
        if (g) { out.push(g); break; }
      }
    }
  }
  if (!links.size) return out;
  parts.forEach((p, k) => {
    const toks = tokenize(p.text);
    const scopeCache = new Map<number, ReturnType<typeof contextScopes>>();
    for (const [head, ls] of links) {
      const words = head.split(' ');
      for (let i = 0; i + words.length <= toks.length; i++) {
        let ok = true;
        for (let w = 0; w < words.length && ok; w++) ok = (w === words.length - 1 ? headNorm(toks[i + w]) : toks[i + w].norm) === words[w];
        if (!ok) continue;
        const start = toks[i].start, end = toks[i + words.length - 1].end;
        if (inExact(k, start, end)) continue;
        const si = sentenceAt(sentencesOf[k], start);
        const [ss, se] = sentencesOf[k][si] ?? [0, p.text.length];
        let scopes = scopeCache.get(si);
        if (!scopes) { scopes = contextScopes(p.text.slice(ss, se)); scopeCache.set(si, scopes); }
        const status = statusOf(scopes, start - ss, end - ss).status;
        for (const link of ls) {
          const e = lex.byCode.get(link.code)!;
          out.push({
            part: k, sentence: [ss, se], link,
            mention: { sectionId: p.sectionId, field: p.field, start, end, text: p.text.slice(start, end), orphaCode: e.code, orphaName: e.name, matchedForm: head, method: 'exact', score: Math.round(DERIVED_WEIGHT * link.share * 1000) / 1000, status },
          });
        }
      }
    }
  });
  return out;
}

interface Phrase { k: number; ss: number; se: number; np: Token[] }

/** Noun phrases that state the diagnosis: the object of each diagnosis cue, and the title's phrases. */
function diagnosisPhrases(parts: DocPart[], sentencesOf: [number, number][][]): Phrase[] {
  const out: Phrase[] = [];
  const phrasesIn = (k: number, from: number, to: number, ss: number, se: number, first: boolean) => {
    const toks = tokenize(parts[k].text.slice(from, to)).map((t) => ({ ...t, start: t.start + from, end: t.end + from }));
    let cur: Token[] = [];
    const flush = () => { const np = cur.filter((t) => !/^(?:an?|the|two|three|multiple|\d+)$/.test(t.norm)); if (np.length) out.push({ k, ss, se, np }); cur = []; };
    for (const t of toks) {
      if (NP_END.has(t.norm)) { flush(); if (first) return; } else cur.push(t);
    }
    flush();
  };
  parts.forEach((p, k) => {
    if (p.field === 'caption') return;
    if (p.field === 'title') {
      // title phrases, split at hard punctuation and function words ("An Ectopic ACTH Secreting … Tumour")
      let from = 0;
      for (const m of [...p.text.matchAll(/[.;:,()[\]?!]|\s-\s/g), { index: p.text.length, 0: '' } as unknown as RegExpMatchArray]) {
        phrasesIn(k, from, m.index!, 0, p.text.length, false);
        from = m.index! + m[0].length;
      }
      return;
    }
    for (const m of p.text.matchAll(DX_NP_CUE)) {
      const from = m.index! + m[0].length;
      const [ss, se] = sentencesOf[k][sentenceAt(sentencesOf[k], m.index!)] ?? [0, p.text.length];
      const stop = p.text.slice(from, se).search(/[.;:,()[\]]|\s-\s/);
      phrasesIn(k, from, stop < 0 ? se : from + stop, ss, se, true);
    }
  });
  return out;
}

/** At most this many words inserted before the head of a lexicon form ("ectopic ACTH secreting [salivary] tumour"). */
export const MAX_INSERTED = 2;

/**
 * Rule modifier_inserted_before_head: a diagnosis phrase equals a lexicon form of at least three words
 * once one or two modifiers just before its head noun are left out ("An Ectopic ACTH Secreting
 * Metastatic Parotid Tumour" = "Ectopic ACTH secreting tumour"): the inserted words name site, extent
 * or spread, which the labelling guidelines allow as qualifiers. The inserted words must be plain
 * modifiers (no function word, negation or contrary qualifier). Reduced weight, like the other links.
 */
const lastPairsCache = new WeakMap<Lexicon, Set<string>>();
/** "<second-to-last> <last>" words of every lexicon form of >= 3 words (a cheap filter before matching). */
function lastPairs(lex: Lexicon): Set<string> {
  let s = lastPairsCache.get(lex);
  if (!s) {
    s = new Set();
    for (const f of allForms(lex)) {
      const w = f.split(' ');
      if (w.length >= 3) s.add(`${w[w.length - 2]} ${w[w.length - 1]}`);
    }
    lastPairsCache.set(lex, s);
  }
  return s;
}

function insertedModifierMention(lex: Lexicon, matcher: Matcher, p: DocPart, k: number, np: Token[], sentence: [number, number], scopes: ReturnType<typeof contextScopes>): DerivedMention | null {
  const j = np.length - 1;
  const pairs = lastPairs(lex);
  for (let g = 1; g <= MAX_INSERTED && j - g >= 2; g++) {
    if (!pairs.has(`${np[j - g - 1].norm} ${np[j].norm}`) && !pairs.has(`${np[j - g - 1].norm} ${headNorm(np[j])}`)) continue;
    const inserted = np.slice(j - g, j);
    if (inserted.some((t) => !/^[a-z]+$/.test(t.norm) || CONTRARY.test(t.norm) || /^non/.test(t.norm))) continue;
    const kept = [...np.slice(0, j - g), np[j]];
    const reduced = kept.map((t) => t.raw).join(' ');
    const lastStart = reduced.length - np[j].raw.length;
    const beforeGap = reduced.length - np[j].raw.length - 1 - np[j - g - 1].raw.length;
    const hit = matcher.match(reduced).find((m) => m.end === reduced.length && m.start <= beforeGap && m.method === 'exact' && m.status === 'affirmed' &&
      tokenize(m.text).length >= 3 && m.start < lastStart);
    if (!hit) continue;
    const res = resolveAnswer(lex, hit.orphaCode);
    if (!res.code) continue;
    // map the hit's start back to the phrase: count the kept words before it
    const firstKept = tokenize(reduced.slice(0, hit.start)).length;
    const start = kept[firstKept].start, end = np[j].end;
    const status = statusOf(scopes, start - sentence[0], end - sentence[0]).status;
    const e = lex.byCode.get(res.code)!;
    const text = p.text.slice(start, end);
    const link: DerivedLink = {
      code: e.code, share: 1, head: hit.matchedForm,
      rule: { rule: 'modifier_inserted_before_head', detail: `"${text}" = "${hit.matchedForm}" (ORPHA:${hit.orphaCode}) with ${inserted.map((t) => `"${t.raw}"`).join(' ')} inserted before the head${res.via.length ? `; ${res.rules.map((r) => r.detail).join('; ')}` : ''}` },
    };
    return {
      part: k, sentence, link,
      mention: { sectionId: p.sectionId, field: p.field, start, end, text, orphaCode: e.code, orphaName: e.name, matchedForm: hit.matchedForm, method: 'exact', score: Math.round(DERIVED_WEIGHT * hit.score * 1000) / 1000, status },
    };
  }
  return null;
}


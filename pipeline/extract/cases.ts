// Which sections hold the case narrative, and how they group into patients. Pure: works on a flat,
// document-ordered list of section headers.
import { normTitle, titleRole, type TitleRole } from './rules.ts';

export type SectionKindName = 'case' | 'introduction' | 'discussion' | 'methods' | 'conclusion' | 'back-matter' | 'other';

export interface SectionHead {
  id: string;
  title: string;
  depth: number;
  parent: number | null;    // index into the same list
  area: 'body' | 'back' | 'sub-article';
  hasText: boolean;
}

export interface CaseGroup { label: string; sectionIds: string[] }
export interface CasePlan { cases: CaseGroup[]; kinds: SectionKindName[] }

const ROLE_KIND: Record<TitleRole, SectionKindName | null> = {
  'case': 'case', 'case-n': 'case', 'case-cont': null, introduction: 'introduction', discussion: 'discussion',
  conclusion: 'conclusion', methods: 'methods', 'back-matter': 'back-matter', other: null, untitled: null,
};

/** "2.1. Case  1" → "Case 1"; "" → "Case". */
export function caseLabel(title: string): string {
  const t = title.normalize('NFKC').replace(/[\u2000-\u200b\u00a0]/g, ' ').replace(/^\s*((\d+|[ivx]+)(\.\d+)*\.?\s+)/i, '').replace(/\s+/g, ' ').replace(/[:.]\s*$/, '').trim();
  return t || 'Case';
}

function descendants(heads: SectionHead[], i: number): number[] {
  const out: number[] = [];
  for (let j = i + 1; j < heads.length; j++) {
    let p = heads[j].parent;
    while (p !== null && p !== i) p = heads[p].parent;
    if (p === i) out.push(j); else if (heads[j].depth <= heads[i].depth) break;
  }
  return out;
}

function childrenOf(heads: SectionHead[], i: number): number[] {
  return descendants(heads, i).filter((j) => heads[j].parent === i);
}

/** Splits one case section whose children are "Case 1", "Case 2", … into one group per patient. */
function splitByPatient(heads: SectionHead[], roles: TitleRole[], i: number, kinds: SectionKindName[]): CaseGroup[] | null {
  const kidsIdx = childrenOf(heads, i);
  if (!kidsIdx.some((k) => roles[k] === 'case-n')) return null;
  const groups: CaseGroup[] = [];
  let cur: CaseGroup | null = null;
  for (const k of kidsIdx) {
    const sub = [k, ...descendants(heads, k)];
    if (roles[k] === 'case-n') {
      cur = { label: caseLabel(heads[k].title), sectionIds: [] };
      groups.push(cur);
    }
    if (cur && roles[k] !== 'discussion' && roles[k] !== 'back-matter' && roles[k] !== 'conclusion') {
      for (const s of sub) { cur.sectionIds.push(heads[s].id); kinds[s] = 'case'; }
    } else {
      // the shared introduction before "Case 1" describes no single patient
      for (const s of sub) kinds[s] = 'other';
    }
  }
  kinds[i] = 'other';
  return groups;
}

/** Groups the case sections of an article; `articleType` enables the untitled-section fallback. */
export function planCases(heads: SectionHead[], articleType = ''): CasePlan {
  const roles = heads.map((h) => titleRole(h.title));
  const kinds: SectionKindName[] = heads.map((h, i) => (h.area === 'body' ? ROLE_KIND[roles[i]] : 'back-matter') ?? 'other');
  const cases: CaseGroup[] = [];
  const top = heads.map((h, i) => i).filter((i) => heads[i].area === 'body' && heads[i].parent === null);
  let open: CaseGroup | null = null;
  for (const i of top) {
    const role = roles[i];
    const sub = [i, ...descendants(heads, i)];
    if (role === 'case' || role === 'case-n') {
      const split = role === 'case' ? splitByPatient(heads, roles, i, kinds) : null;
      if (split && split.length) { cases.push(...split); open = split[split.length - 1]; continue; }
      open = { label: caseLabel(heads[i].title), sectionIds: [] };
      cases.push(open);
      for (const s of sub) { open.sectionIds.push(heads[s].id); kinds[s] = 'case'; }
    } else if (role === 'case-cont' && open) {
      // "Investigations", "Treatment", "Outcome and follow-up" right after the case belong to it
      for (const s of sub) { open.sectionIds.push(heads[s].id); kinds[s] = 'case'; }
    } else {
      open = null;
    }
  }
  if (!cases.length) fallback(heads, roles, top, kinds, cases, articleType);
  inheritKinds(heads, roles, kinds);
  return { cases, kinds };
}

/** A case report without a titled case section: its first untitled body section, else its first section of unknown title. */
function fallback(heads: SectionHead[], roles: TitleRole[], top: number[], kinds: SectionKindName[], cases: CaseGroup[], articleType: string): void {
  // research articles, corrections and notices have untitled sections too: only case reports fall back
  if (!/case/i.test(articleType)) return;
  let start = top.find((i) => roles[i] === 'untitled' && heads[i].hasText);
  if (start === undefined) start = top.find((i) => (roles[i] === 'other' || roles[i] === 'case-cont') && heads[i].hasText);
  if (start === undefined) return;
  const group: CaseGroup = { label: caseLabel(roles[start] === 'untitled' ? '' : heads[start].title), sectionIds: [] };
  for (const i of top.slice(top.indexOf(start))) {
    if (i !== start && roles[i] !== 'untitled' && roles[i] !== 'case-cont') break;
    for (const s of [i, ...descendants(heads, i)]) { group.sectionIds.push(heads[s].id); kinds[s] = 'case'; }
  }
  cases.push(group);
}

/** Untitled or unknown subsections take their parent's kind ("Pathogenesis" under "Discussion"). */
function inheritKinds(heads: SectionHead[], roles: TitleRole[], kinds: SectionKindName[]): void {
  for (let i = 0; i < heads.length; i++) {
    const p = heads[i].parent;
    if (p === null || kinds[i] === 'case') continue;
    if ((roles[i] === 'other' || roles[i] === 'untitled' || roles[i] === 'case-cont') && kinds[p] !== 'case') kinds[i] = kinds[p];
  }
}

export { normTitle };

// Loading a compiled lexicon and the rules that turn any matched code into an answer code.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { hydrateEntry, type LexEntry, type Lexicon } from './types.ts';

export function parseLexicon(buf: Buffer): Lexicon {
  const raw = JSON.parse((buf[0] === 0x1f ? gunzipSync(buf) : buf).toString('utf8')) as Record<string, any>;
  if (raw.schema !== 1) throw new Error(`lexicon: unsupported schema ${raw.schema}`);
  const entries = (raw.entries as Record<string, unknown>[]).map(hydrateEntry);
  return {
    schema: 1, release: raw.release, source: raw.source, nonRareRule: raw.nonRareRule,
    entries, byCode: new Map(entries.map((e) => [e.code, e])),
  };
}

/** A compiled lexicon file (see lexicon-cache.ts for where the pipeline gets one). */
export function loadLexicon(path: string): Lexicon {
  return parseLexicon(readFileSync(path));
}

export function entry(lex: Lexicon, code: string): LexEntry | undefined {
  return lex.byCode.get(code.replace(/^ORPHA:/i, ''));
}

export interface RuleNote { rule: string; detail: string }
export interface Resolution {
  code: string | null;              // the disorder-level active code, or null when there is no answer
  rules: RuleNote[];
  excluded: 'group' | 'obsolete' | 'unknown' | null;
  via: string[];                    // codes the answer was reached from (e.g. a subtype)
}

/**
 * Turns a matched code into an answer code: obsolete/deprecated -> its "moved to" target (or
 * excluded), subtype -> its disorder-level parent, group -> never an answer.
 * Rarity is not decided here (the caller's policy does that, so it can record the decision).
 */
export function resolveAnswer(lex: Lexicon, code: string, depth = 0): Resolution {
  const e = lex.byCode.get(code);
  if (!e) return { code: null, rules: [{ rule: 'code_unknown', detail: `ORPHA:${code} is not in release ${lex.release}` }], excluded: 'unknown', via: [] };
  if (e.status === 'obsolete' || e.status === 'deprecated') {
    const target = e.movedTo.find((t) => lex.byCode.get(t)?.status !== 'obsolete' && lex.byCode.get(t)?.status !== 'deprecated');
    if (!target || depth > 3) {
      return { code: null, rules: [{ rule: 'obsolete_excluded', detail: `ORPHA:${code} is ${e.status} with no active target` }], excluded: 'obsolete', via: [code] };
    }
    const r = resolveAnswer(lex, target, depth + 1);
    return { ...r, rules: [{ rule: 'obsolete_moved', detail: `ORPHA:${code} (${e.status}) moved to ORPHA:${target}` }, ...r.rules], via: [code, ...r.via] };
  }
  if (e.level === 'group') {
    return { code: null, rules: [{ rule: 'group_not_answer', detail: `ORPHA:${code} "${e.name}" is a ${e.type}` }], excluded: 'group', via: [code] };
  }
  if (e.level === 'subtype') {
    if (!e.disorderParent) return { code: null, rules: [{ rule: 'subtype_without_disorder', detail: `ORPHA:${code} has no disorder-level parent` }], excluded: 'group', via: [code] };
    const p = lex.byCode.get(e.disorderParent)!;
    return { code: p.code, rules: [{ rule: 'subtype_mapped_to_parent', detail: `ORPHA:${code} "${e.name}" (${e.type}) -> ORPHA:${p.code} "${p.name}"` }], excluded: null, via: [code] };
  }
  return { code: e.code, rules: [], excluded: null, via: [] };
}

// Orphanet often files the usual form of a condition as a disorder-level child of a group of the
// same name with a qualifier: "Sclerosing cholangitis" (group) -> "Primary sclerosing cholangitis",
// "Hodgkin lymphoma" -> "Classic Hodgkin lymphoma". Authors rarely write the qualifier, so a group
// mention may stand for that child. Only these qualifiers: "sporadic"/"familial" and the like are
// real distinctions, not defaults.
export const DEFAULT_CHILD_QUALIFIERS = ['primary', 'isolated', 'non syndromic', 'nonsyndromic', 'idiopathic', 'classic'];
const defaultChildCache = new WeakMap<Lexicon, Map<string, string>>();

/** The single disorder-level child named "<qualifier> <group name or synonym>", or null. */
export function defaultDisorderChild(lex: Lexicon, groupCode: string, normalize: (s: string) => string): string | null {
  let map = defaultChildCache.get(lex);
  if (!map) {
    map = new Map();
    for (const g of lex.entries) {
      if (g.level !== 'group' || g.status !== 'active') continue;
      const forms = new Set([g.name, ...g.synonyms].map(normalize));
      const hits = g.children.map((c) => lex.byCode.get(c)).filter((c): c is LexEntry => !!c && c.level === 'disorder' && c.status === 'active' &&
        [c.name, ...c.synonyms].some((f) => { const nf = normalize(f); return DEFAULT_CHILD_QUALIFIERS.some((q) => nf.startsWith(`${q} `) && forms.has(nf.slice(q.length + 1))); }));
      if (hits.length === 1) map.set(g.code, hits[0].code);
    }
    defaultChildCache.set(lex, map);
  }
  return map.get(groupCode) ?? null;
}

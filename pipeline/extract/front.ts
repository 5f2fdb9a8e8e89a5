// Front matter of a JATS article: ids, publication year, licence, abstract. Pure helpers over the tree.
import type { ParsedArticle } from '../../schemas/article.ts';
import { attr, child, childrenNamed, hrefOf, kids, tagOf, textOf, type XNode } from './xml.ts';
import { licenceCodeFromJats } from '../core/licence.ts';

export function articleIds(meta: XNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!meta) return out;
  for (const c of childrenNamed(meta, 'article-id')) {
    const type = attr(c, 'pub-id-type') ?? '';
    if (type && !(type in out)) out[type] = textOf(c);
  }
  return out;
}

export function pubYear(meta: XNode | undefined): number | null {
  if (!meta) return null;
  const dates = childrenNamed(meta, 'pub-date');
  const rank = (d: XNode) => {
    const t = attr(d, 'pub-type') ?? attr(d, 'date-type') ?? '';
    const f = attr(d, 'publication-format') ?? '';
    return t === 'epub' || (t === 'pub' && f === 'electronic') ? 0 : t === 'pub' || t === 'ppub' ? 1 : t === 'collection' ? 3 : 2;
  };
  const sorted = [...dates].sort((a, b) => rank(a) - rank(b));
  for (const d of sorted) {
    const y = parseInt(textOf(child(d, 'year')), 10);
    if (y >= 1800 && y <= 2200) return y;
  }
  return null;
}

export function licence(meta: XNode | undefined): ParsedArticle['license'] {
  const perms = meta ? child(meta, 'permissions') : undefined;
  const lic = perms ? child(perms, 'license') : undefined;
  if (!lic) return { code: null, url: null, text: '' };
  const ref = child(lic, 'ali:license_ref') ?? child(lic, 'license_ref');
  const url = hrefOf(lic) ?? (ref ? textOf(ref) : null) ?? null;
  const text = textOf(lic);
  return { code: licenceCodeFromJats(url, text), url: url || null, text };
}

export function abstractText(meta: XNode | undefined): string {
  if (!meta) return '';
  const all = childrenNamed(meta, 'abstract');
  const main = all.filter((a) => !attr(a, 'abstract-type'));
  const chosen = main.length ? main : all.slice(0, 1);
  const parts: string[] = [];
  for (const a of chosen) {
    const secs = childrenNamed(a, 'sec');
    if (!secs.length) { for (const c of kids(a)) if (tagOf(c) !== 'title') { const s = textOf(c); if (s) parts.push(s); } continue; }
    for (const c of kids(a)) {
      if (tagOf(c) === 'sec') {
        const title = textOf(child(c, 'title'));
        const body = kids(c).filter((k) => tagOf(k) !== 'title').map((k) => textOf(k)).filter(Boolean).join(' ');
        parts.push(title ? `${title}: ${body}` : body);
      } else if (tagOf(c) !== 'title') { const s = textOf(c); if (s) parts.push(s); }
    }
  }
  return parts.join('\n\n');
}


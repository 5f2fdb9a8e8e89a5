// Front matter of a JATS article: ids, publication year, licence, abstract. Pure helpers over the tree.
import type { ParsedArticle } from '../../schemas/article.ts';
import { attr, child, childrenNamed, hrefOf, kids, tagOf, textOf, type XNode } from './xml.ts';

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

/** "CC BY-NC-ND" from a creativecommons URL or the licence wording. */
export function licenceCode(url: string | null, text: string): string | null {
  const u = (url ?? '').toLowerCase();
  const m = /creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)/.exec(u);
  if (m) return m[1] === 'publicdomain' ? (m[2] === 'zero' ? 'CC0' : 'PD') : `CC ${m[2].toUpperCase()}`;
  const t = text.toLowerCase();
  if (/\bcc0\b|public domain dedication|creative commons zero/.test(t)) return 'CC0';
  const cc = /\bcc[ -](by(?:[ -](?:nc|sa|nd))*)/i.exec(text);
  if (cc) return `CC ${cc[1].toUpperCase().replace(/ /g, '-')}`;
  if (!/creative commons|attribution/.test(t)) return null;
  const parts = ['BY'];
  if (/non-?commercial/.test(t)) parts.push('NC');
  if (/share-?alike/.test(t)) parts.push('SA');
  if (/no-?deriv|noderivatives|no derivative/.test(t)) parts.push('ND');
  return `CC ${parts.join('-')}`;
}

export function licence(meta: XNode | undefined): ParsedArticle['license'] {
  const perms = meta ? child(meta, 'permissions') : undefined;
  const lic = perms ? child(perms, 'license') : undefined;
  if (!lic) return { code: null, url: null, text: '' };
  const ref = child(lic, 'ali:license_ref') ?? child(lic, 'license_ref');
  const url = hrefOf(lic) ?? (ref ? textOf(ref) : null) ?? null;
  const text = textOf(lic);
  return { code: licenceCode(url, text), url: url || null, text };
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


// The article's publication date from its stored JATS: the electronic publication date first (epub, or
// pub in electronic format), then print, then others, collection dates last — the same order as
// extract's publication year. As precise as the XML gives it: YYYY-MM-DD, YYYY-MM or YYYY.

const DATE_RE = /<pub-date\b([^>]*)>([\s\S]*?)<\/pub-date>/g;

function attr(attrs: string, name: string): string {
  const m = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(attrs) ?? new RegExp(`\\b${name}\\s*=\\s*'([^']*)'`).exec(attrs);
  return m ? m[1] : '';
}
const part = (body: string, tag: string): number | null => {
  const m = new RegExp(`<${tag}\\b[^>]*>\\s*(\\d{1,4})\\s*</${tag}>`).exec(body);
  return m ? parseInt(m[1], 10) : null;
};

/** The publication date of a JATS article (only `<article-meta>` is read), or null when it has none. */
export function publicationDate(xml: string): string | null {
  const metaStart = xml.indexOf('<article-meta');
  const metaEnd = xml.indexOf('</article-meta>');
  const meta = metaStart >= 0 ? xml.slice(metaStart, metaEnd > metaStart ? metaEnd : undefined) : xml;
  const dates = [...meta.matchAll(DATE_RE)].map((m, i) => {
    const t = attr(m[1], 'pub-type') || attr(m[1], 'date-type');
    const f = attr(m[1], 'publication-format');
    const rank = t === 'epub' || (t === 'pub' && f === 'electronic') ? 0 : t === 'pub' || t === 'ppub' ? 1 : t === 'collection' ? 3 : 2;
    return { rank, i, year: part(m[2], 'year'), month: part(m[2], 'month'), day: part(m[2], 'day') };
  }).sort((a, b) => a.rank - b.rank || a.i - b.i);
  for (const d of dates) {
    if (d.year === null || d.year < 1800 || d.year > 2200) continue;
    const y = String(d.year);
    if (d.month === null || d.month < 1 || d.month > 12) return y;
    const m = String(d.month).padStart(2, '0');
    if (d.day === null || d.day < 1 || d.day > 31) return `${y}-${m}`;
    return `${y}-${m}-${String(d.day).padStart(2, '0')}`;
  }
  return null;
}

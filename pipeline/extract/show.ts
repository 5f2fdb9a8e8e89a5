// A plain-text view of one parsed article, for checking extraction by eye (`mmrare show PMCxxx`).
// Title and abstract are printed under a "never model-visible" banner because they state the diagnosis.
import type { ParsedArticle } from '../../schemas/article.ts';

type Figure = ParsedArticle['figures'][number];

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) { lines.push(line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i ? indent : '') + l).join('\n');
}

function refLabel(a: ParsedArticle, figureId: string, panels: string[]): string {
  const f = a.figures.find((x) => x.id === figureId);
  const name = f?.label || figureId;
  return panels.length ? `${name} [${panels.join('')}]` : name;
}

function figureBlock(a: ParsedArticle, f: Figure, sentenceOf: Map<string, string>): string[] {
  const out: string[] = [];
  const head = `${f.label || '(no label)'}  id=${f.id}  ${f.kind}${f.modality.guess ? `  modality=${f.modality.guess} (${f.modality.evidence.join(', ')})` : ''}`;
  out.push(head);
  out.push(`  caption: ${f.caption ? wrap(f.caption, 100, '           ') : '(none)'}`);
  for (const p of f.panels) out.push(`  panel ${p.letter}: ${wrap(p.caption || '(no sub-caption)', 96, '           ')}`);
  for (const g of f.graphics) out.push(`  graphic: ${g.href}${g.panel ? ` (panel ${g.panel})` : ''}`);
  if (f.text) out.push(`  table: ${f.text.split('\n').length} rows`);
  if (!f.references.length) out.push('  referenced: never in the text');
  for (const r of f.references) {
    const where = sentenceOf.get(`${r.sectionId}:${r.start}`) ?? `${r.sectionId} @${r.start}`;
    out.push(`  cited by ${where}: "${r.surface}"${r.panels.length ? ` → panels ${r.panels.join('')}` : ''}`);
  }
  return out;
}

/** Human-readable case timeline and figure list. */
export function formatArticle(a: ParsedArticle): string {
  const out: string[] = [];
  out.push(`${a.pmcid}  ${a.articleType}  ${a.journal}${a.pubYear ? ` (${a.pubYear})` : ''}`);
  out.push(`licence: ${a.license.code ?? 'unknown'}${a.license.url ? ` <${a.license.url}>` : ''}   pmid: ${a.pmid ?? '-'}   doi: ${a.doi ?? '-'}`);
  out.push('');
  out.push('NEVER MODEL-VISIBLE (may state the diagnosis):');
  out.push(`  title: ${wrap(a.title, 100, '         ')}`);
  out.push(`  abstract: ${a.abstract ? `${a.abstract.length} chars` : '(none)'}`);
  out.push('');
  out.push('SECTIONS');
  for (const s of a.sections) out.push(`  ${'  '.repeat(s.depth - 1)}${s.id.padEnd(10)} ${s.kind.padEnd(12)} ${s.title || '(untitled)'}  [${s.text.length} chars]`);

  // "case c #i" for every reference that falls inside a case sentence
  const sentenceOf = new Map<string, string>();
  for (const f of a.figures) for (const r of f.references) {
    for (const c of a.cases) {
      const s = c.sentences.find((x) => x.sectionId === r.sectionId && x.start <= r.start && r.start < x.end);
      if (s) sentenceOf.set(`${r.sectionId}:${r.start}`, `case ${c.index} #${s.index}`);
    }
  }

  for (const c of a.cases) {
    out.push('');
    out.push(`CASE ${c.index}: ${c.label}   sections ${c.sectionIds.join(', ')}   ${c.sentences.length} sentences`);
    let sec = '';
    for (const s of c.sentences) {
      if (s.sectionId !== sec) {
        sec = s.sectionId;
        const t = a.sections.find((x) => x.id === sec)?.title;
        out.push(`  -- ${sec}${t ? ` ${t}` : ''}`);
      }
      const refs = s.figureRefs.length ? `   → ${s.figureRefs.map((r) => refLabel(a, r.figureId, r.panels)).join('; ')}` : '';
      out.push(`  ${String(s.index).padStart(3)} ${s.kind.padEnd(11)} ${wrap(s.text, 96, ' '.repeat(17))}${refs}`);
    }
  }
  if (!a.cases.length) out.push('', 'NO CASE SECTION FOUND');

  out.push('');
  out.push(`FIGURES (${a.figures.length})`);
  for (const f of a.figures) out.push(...figureBlock(a, f, sentenceOf).map((l) => `  ${l}`));
  if (a.warnings.length) {
    out.push('');
    out.push('WARNINGS');
    for (const w of a.warnings) out.push(`  ${w.code}: ${w.detail}`);
  }
  return `${out.join('\n')}\n`;
}

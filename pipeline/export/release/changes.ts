// release.json (what this release holds: row ids and hashes, rows left out and why) and CHANGES.md (what
// changed since the release the folder held before). Re-exporting an unchanged store keeps the previous
// comparison, so the same store exported twice into the same folder gives the same bytes.
import type { ReleaseInput, LeftOut } from './load.ts';
import { byCodeUnit } from '../../core/hash.ts';
import { TRACKS } from '../../../schemas/export.ts';
import { file, jsonFile, rowHashes, type PlannedFile, type RowHashes } from './common.ts';

export const RELEASE_MANIFEST = 'release.json';
export const RELEASE_FORMAT_VERSION = 1;

export interface Change { id: string; track: string; pmcid: string; what: string }
export interface Changes { initial: boolean; previous: string | null; added: Change[]; changed: Change[]; withdrawn: Change[] }

export interface ReleaseManifest {
  mmrare_release: number;
  format: string;
  pipeline_version: string;
  orphanet_release: string;
  selection: 'accepted' | 'draft';
  licence_preset: string;
  tracks: Record<string, number>;
  rows: RowHashes[];
  left_out: LeftOut[];
  changes: Changes;
}

const digestOf = (rows: RowHashes[]): string => rows.map((r) => `${r.id}:${r.sha256}`).join('\n');

/** The comparison with the previous release in the folder (null: none, the initial release). */
export function compareReleases(prev: ReleaseManifest | null, rows: RowHashes[], leftOut: LeftOut[]): Changes {
  if (!prev) return { initial: true, previous: null, added: [], changed: [], withdrawn: [] };
  // nothing changed since the previous release: keep the comparison it made
  if (digestOf(prev.rows) === digestOf(rows) && prev.changes) return prev.changes;
  const before = new Map(prev.rows.map((r) => [r.id, r]));
  const now = new Map(rows.map((r) => [r.id, r]));
  const added: Change[] = [];
  const changed: Change[] = [];
  const withdrawn: Change[] = [];
  for (const r of rows) {
    const p = before.get(r.id);
    if (!p) { added.push({ id: r.id, track: r.track, pmcid: r.pmcid, what: 'new question' }); continue; }
    if (p.sha256 === r.sha256) continue;
    const parts: string[] = [];
    if (p.pmc_version !== r.pmc_version) parts.push(`article version ${p.pmc_version} → ${r.pmc_version}`);
    if (p.parts.text !== r.parts.text) parts.push('question or context');
    if (p.parts.images !== r.parts.images) parts.push('images');
    if (p.parts.answer !== r.parts.answer) parts.push('answer or gold fields');
    if (p.parts.leakage !== r.parts.leakage) parts.push('leak control or withheld images');
    if (p.parts.article !== r.parts.article && p.pmc_version === r.pmc_version) parts.push('article metadata');
    changed.push({ id: r.id, track: r.track, pmcid: r.pmcid, what: parts.join(', ') || 'row content' });
  }
  const out = new Map(leftOut.map((l) => [l.id, l]));
  for (const p of prev.rows) {
    if (now.has(p.id)) continue;
    const why = out.get(p.id);
    withdrawn.push({ id: p.id, track: p.track, pmcid: p.pmcid, what: why ? `left out: ${why.reason} (${why.detail})` : 'no longer in the build (article retracted or withdrawn, question rejected in review, or no longer generated)' });
  }
  const by = (a: Change, b: Change) => byCodeUnit(a.id, b.id);
  return { initial: false, previous: `${prev.format} release of mmrare ${prev.pipeline_version}, ${prev.rows.length} rows`, added: added.sort(by), changed: changed.sort(by), withdrawn: withdrawn.sort(by) };
}

export function releaseManifest(format: string, input: ReleaseInput, prev: ReleaseManifest | null): ReleaseManifest {
  const rows = input.rows.map(rowHashes);
  const tracks: Record<string, number> = {};
  for (const t of TRACKS) { const n = input.rows.filter((r) => r.track === t).length; if (n) tracks[t] = n; }
  return {
    mmrare_release: RELEASE_FORMAT_VERSION, format, pipeline_version: input.pipelineVersion, orphanet_release: input.orphanetRelease,
    selection: input.selection, licence_preset: input.preset, tracks, rows, left_out: input.leftOut,
    changes: compareReleases(prev, rows, input.leftOut),
  };
}

export function changesFile(m: ReleaseManifest): PlannedFile {
  const c = m.changes;
  const lines = ['# Changes', ''];
  const total = m.rows.length;
  if (c.initial) {
    lines.push(`Initial release: ${total} questions (${Object.entries(m.tracks).map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}).`, '');
  } else {
    lines.push(`Compared with the previous release in this folder (${c.previous}): ${c.added.length} added, ${c.changed.length} changed, ${c.withdrawn.length} withdrawn; ${total} questions now.`, '');
    const section = (title: string, list: Change[]) => {
      lines.push(`## ${title} (${list.length})`, '');
      if (!list.length) lines.push('None.', '');
      else { for (const x of list) lines.push(`- \`${x.id}\` (${x.track}, ${x.pmcid}): ${x.what}`); lines.push(''); }
    };
    section('Added', c.added);
    section('Changed', c.changed);
    section('Withdrawn', c.withdrawn);
  }
  if (m.left_out.length) {
    lines.push(`## Left out of this release (${m.left_out.length})`, '');
    for (const l of m.left_out) lines.push(`- \`${l.id}\` (${l.track}, ${l.pmcid}, ${l.license}): ${l.reason} — ${l.detail}`);
    lines.push('');
  }
  return file('CHANGES.md', lines.join('\n'));
}

export const manifestFile = (m: ReleaseManifest): PlannedFile => jsonFile(RELEASE_MANIFEST, m);

/** A release.json read back from a folder, or null when it is not one of ours. */
export function parseReleaseManifest(text: string): ReleaseManifest | null {
  try {
    const v = JSON.parse(text) as ReleaseManifest;
    return v && v.mmrare_release === RELEASE_FORMAT_VERSION && Array.isArray(v.rows) ? v : null;
  } catch { return null; }
}

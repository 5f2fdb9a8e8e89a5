// What every release format shares: planned files, hashes, the row order and the per-row hashes that
// CHANGES.md compares between releases.
import { createHash } from 'node:crypto';
import type { ReleaseRow } from '../../../schemas/release.ts';
import { TRACKS, type Track } from '../../../schemas/export.ts';
import { byCodeUnit, canonicalJson } from '../../core/hash.ts';
import { imageExt } from './load.ts';

export interface PlannedFile { path: string; bytes: Buffer; sha256: string }

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
export const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
export const file = (path: string, bytes: Buffer | string): PlannedFile => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return { path, bytes: b, sha256: sha256(b) };
};

/** The tracks in release order (TRACKS) that have rows, each with its rows in id order. */
export function byTrack(rows: ReleaseRow[]): [Track, ReleaseRow[]][] {
  return TRACKS.map((t) => [t, rows.filter((r) => r.track === t)] as [Track, ReleaseRow[]]).filter(([, rs]) => rs.length > 0);
}

/** A row image's file name inside a release: its content hash, so two rows sharing a figure share the file. */
export const imageName = (im: { sha256: string; file: string }): string => `${im.sha256}.${imageExt(im.file)}`;

/** The row hashes a later release compares against (release.json). Provenance is left out: a new pipeline version alone changes no row. */
export interface RowHashes { id: string; track: Track; pmcid: string; pmc_version: number; license: string; sha256: string; parts: { text: string; images: string; answer: string; leakage: string; article: string } }

export function rowHashes(r: ReleaseRow): RowHashes {
  const { provenance: _p, ...content } = r as ReleaseRow & Record<string, unknown>;
  const h = (v: unknown) => sha256(canonicalJson(v)).slice(0, 16);
  const gold = Object.fromEntries(Object.entries(content).filter(([k]) => !['id', 'track', 'pmcid', 'pmid', 'doi', 'license', 'publication_date', 'pmc_version', 'question', 'context', 'images', 'image_modalities', 'case', 'leakage', 'withheld_images'].includes(k)));
  return {
    id: r.id, track: r.track, pmcid: r.pmcid, pmc_version: r.pmc_version, license: r.license, sha256: sha256(canonicalJson(content)),
    parts: {
      text: h([r.question, r.context]),
      images: h(r.images.map((i) => [i.label, i.sha256, i.panel])),
      answer: h(gold),
      leakage: h([r.leakage, r.withheld_images]),
      article: h([r.pmid, r.doi, r.license, r.publication_date, r.pmc_version]),
    },
  };
}

export const sortFiles = (files: PlannedFile[]): PlannedFile[] => [...files].sort((a, b) => byCodeUnit(a.path, b.path));

/** `<sha256>  <path>` per file, sorted by path (sha256sum -c reads it). */
export function manifest(files: PlannedFile[], path = 'MANIFEST'): PlannedFile {
  return file(path, sortFiles(files).map((f) => `${f.sha256}  ${f.path}`).join('\n') + '\n');
}

/** JSON with two-space indent and a final newline; key order as built. */
export const jsonFile = (path: string, v: unknown): PlannedFile => file(path, JSON.stringify(v, null, 2) + '\n');

/** Counts of a list of keys, as sorted [key, n] pairs. */
export function countBy(keys: string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || byCodeUnit(a[0], b[0]));
}

// The repository commits no third-party data: no tracked file is a byte copy of a file in ../shared/data,
// no tracked data file (.xml/.nxml/.json/.tsv/.gz/.tar…) carries PMC or Orphanet content, and no tracked
// file quotes a whole sentence of the shared articles or of the Orphanet definitions.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTar } from '../../ontology/import/tar.ts';
import { REPO_ROOT, SHARED_DATA, sharedPath } from '../shared-data.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function walk(dir: string, skip: (p: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (skip(p)) continue;
    if (e.isDirectory()) out.push(...walk(p, skip));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Tracked files (git ls-files), or every file outside node_modules/.git when this is not a git checkout. */
function trackedFiles(): string[] {
  const r = spawnSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status === 0 && r.stdout) return r.stdout.split('\0').filter(Boolean).map((f) => join(REPO_ROOT, f));
  return walk(REPO_ROOT, (p) => /(^|\/)(node_modules|\.git|mmrare-data)$/.test(p));
}

const tracked = trackedFiles().filter((f) => { try { return statSync(f).isFile(); } catch { return false; } });

/** Text without markup, whitespace collapsed. */
const plain = (s: string): string => s.replace(/<[^>]*>/g, ' ').replace(/&[#\w]+;/g, ' ').replace(/\s+/g, ' ');

/** Sentences of at least `min` characters. */
function sentences(text: string, min = 80): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z])/).map((s) => s.trim()).filter((s) => s.length >= min);
}

const KEY = 60; // a quoted sentence is caught by its first 60 characters

describe('no third-party data in the repository', () => {
  it('no tracked file has the sha256 of a file under ../shared/data', () => {
    const shared = new Map(walk(SHARED_DATA).map((f) => [sha(readFileSync(f)), relative(SHARED_DATA, f)]));
    expect(shared.size).toBeGreaterThan(200);
    const copies = tracked.filter((f) => shared.has(sha(readFileSync(f)))).map((f) => `${relative(REPO_ROOT, f)} = shared/data/${shared.get(sha(readFileSync(f)))}`);
    expect(copies).toEqual([]);
  });

  it('no tracked data file carries PMC or Orphanet content', () => {
    const dataFiles = tracked.filter((f) => /\.(xml|nxml|json|tsv|gz|tgz|tar|zip)$/i.test(f) || /\.tar\./i.test(f));
    const archives = dataFiles.filter((f) => /\.(gz|tgz|tar|zip)$/i.test(f) || /\.tar\./i.test(f));
    expect(archives.map((f) => relative(REPO_ROOT, f))).toEqual([]);
    const markers = [/<article[\s>]/, /pmc-articleset/, /<JDBOR\b/, /"Orphapacket"/, /"ORPHAcode"/, /"is_pmc_openaccess"/, /<Disorder\b/, /mmrare_placeholder_media/];
    const carrying = dataFiles.filter((f) => markers.some((m) => m.test(readFileSync(f, 'utf8')))).map((f) => relative(REPO_ROOT, f));
    expect(carrying).toEqual([]);
  });

  it('no tracked file quotes a whole sentence of the shared articles or the Orphanet definitions', () => {
    const keys = new Set<string>();
    const addKeys = (text: string) => { for (const s of sentences(plain(text))) keys.add(s.slice(0, KEY)); };
    for (const dir of ['pmc/articles', 'pmc/articles-other']) {
      for (const f of readdirSync(sharedPath(dir)).filter((x) => x.endsWith('.nxml'))) addKeys(readFileSync(join(sharedPath(dir), f), 'utf8'));
    }
    const tar = readdirSync(sharedPath('orphanet/orphapackets')).find((f) => f.endsWith('.tar.gz'))!;
    for (const e of readTar(gunzipSync(readFileSync(join(sharedPath('orphanet/orphapackets'), tar))))) {
      if (!e.path.endsWith('.json')) continue;
      for (const m of e.data.toString('utf8').matchAll(/"Contents"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) addKeys(JSON.parse(`"${m[1]}"`));
    }
    expect(keys.size).toBeGreaterThan(10_000);
    const hits: string[] = [];
    for (const f of tracked) {
      const buf = readFileSync(f);
      if (buf.includes(0)) continue; // binary
      const text = plain(buf.toString('utf8')).replace(/\\(['"])/g, '$1');
      // every window that starts a word: the quoted sentence starts at one of them
      for (const m of text.matchAll(/(?<![\p{L}\p{N}])[A-Z]/gu)) {
        const w = text.slice(m.index!, m.index! + KEY);
        if (w.length === KEY && keys.has(w)) hits.push(`${relative(REPO_ROOT, f)}: "${w}…"`);
      }
    }
    expect(hits).toEqual([]);
  });
});

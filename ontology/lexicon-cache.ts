// The compiled Orphanet lexicon, built from the release files on first use and cached outside the
// repository and outside the (read-only) data dir: $XDG_CACHE_HOME/mmrare/lexicons/, keyed by the
// content of the source files and the compiler version, so each release is compiled once.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { cacheDir, locationFiles, missingData, resolveDataLocations, type DataLocations } from '../pipeline/core/data-locations.ts';
import { DataError } from '../pipeline/core/errors.ts';
import { importOrphanet, serializeLexicon } from './import/index.ts';
import { parseLexicon } from './lexicon.ts';
import type { Lexicon } from './types.ts';
import { buildTrie, type TokenTrie } from './match/trie.ts';
import { deserializeTrie, serializeTrie, trieCodeHash } from './match/trie-cache.ts';

/** Bump when the import changes what it compiles: every cached lexicon is then rebuilt once. */
export const LEXICON_COMPILER_VERSION = '1';

const PACKETS_RE = /^ORPHApackets_json_.*\.(tar\.gz|tgz|tar)$/;
// Mondo's OMIM links are not used (Orphanet's own, with their relation, are), so that set is not read.
const SSSOM_RE = /^mondo_exactmatch_(?!omim)[a-z0-9]+\.sssom\.tsv$/;

export interface LexiconHandle {
  lexicon: Lexicon;
  /** Where it came from, for logs and `mmrare status`. */
  origin: 'config-lexicon' | 'config-orphanet' | 'imported' | 'data-dir';
  sources: string[];
  file: string | null;     // the compiled file it was read from (null: compiled in memory, cache not writable)
  built: boolean;          // compiled in this call
  ms: number;
}

export const lexiconCacheDir = (env: NodeJS.ProcessEnv = process.env): string => join(cacheDir(env), 'lexicons');
const importedPointer = (dir: string): string => join(dir, 'imported.json');

/** The Orphanet release files of a location: the newest ORPHApackets archive (by name) plus the Mondo sets. */
export function orphanetSources(loc: DataLocations): string[] {
  const packets = locationFiles(loc.paths.orphanet, PACKETS_RE);
  if (!packets.length) throw missingData(loc, 'orphanet', 'Orphanet release (ORPHApackets_json_<date>.tar.gz)');
  return [packets[packets.length - 1], ...locationFiles(loc.paths.mondo, SSSOM_RE)];
}

/** The cache key of a set of source files: their names and content hashes (fileHashes) and the compiler version. */
export function sourceKey(files: string[], dir: string = lexiconCacheDir()): string {
  const sorted = [...files].sort((a, b) => (basename(a) < basename(b) ? -1 : 1));
  const hashes = fileHashes(sorted, dir);
  const h = createHash('sha256').update(`mmrare-lexicon-compiler-${LEXICON_COMPILER_VERSION}\n`);
  sorted.forEach((f, i) => h.update(basename(f)).update('\0').update(hashes[i]).update('\n'));
  return h.digest('hex').slice(0, 16);
}

export const sourceHashesFile = (dir: string): string => join(dir, 'source-hashes.json');

/**
 * The sha256 of each file's content. Hashing the Orphanet release (megabytes) on every process start costs
 * tens of ms before the first match, so each hash is remembered in the cache dir under the file's path, size,
 * inode and nanosecond mtime and ctime (ctime changes on every write, whatever the mtime says); a file with
 * any of these changed is hashed again. A memo that cannot be read or written only costs the hashing.
 */
export function fileHashes(files: string[], dir: string): string[] {
  const memoFile = sourceHashesFile(dir);
  let memo: Record<string, string> = {};
  try { memo = JSON.parse(readFileSync(memoFile, 'utf8')) as Record<string, string>; } catch { /* none yet, or damaged */ }
  let changed = false;
  const out = files.map((f) => {
    const st = statSync(f, { bigint: true });
    const id = `${resolve(f)}|${st.size}|${st.ino}|${st.mtimeNs}|${st.ctimeNs}`;
    let hash = memo[id];
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
      hash = createHash('sha256').update(readFileSync(f)).digest('hex');
      for (const k of Object.keys(memo)) if (k.startsWith(`${resolve(f)}|`)) delete memo[k]; // this file's older versions
      memo[id] = hash;
      changed = true;
    }
    return hash;
  });
  if (changed) {
    try { mkdirSync(dir, { recursive: true }); writeAtomic(memoFile, Buffer.from(JSON.stringify(memo, null, 1) + '\n')); } catch { /* not remembered */ }
  }
  return out;
}

function findCached(dir: string, key: string): string | null {
  if (!existsSync(dir)) return null;
  const suffix = `-c${LEXICON_COMPILER_VERSION}-${key}.json.gz`;
  const hit = readdirSync(dir).find((f) => f.startsWith('orphanet-') && f.endsWith(suffix));
  return hit ? join(dir, hit) : null;
}

function writeAtomic(path: string, bytes: Buffer): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/**
 * The lexicon compiled from `sources`, from the cache when it holds this exact content, else compiled
 * now and cached. A cache that cannot be written is not an error: the lexicon is then kept in memory.
 */
export function compileCached(sources: string[], opts: { dir?: string; warn?: (s: string) => void } = {}): { lexicon: Lexicon; file: string | null; built: boolean } {
  const dir = opts.dir ?? lexiconCacheDir();
  const key = sourceKey(sources, dir);
  const cached = findCached(dir, key);
  if (cached) {
    try { return { lexicon: parseLexicon(readFileSync(cached)), file: cached, built: false }; } catch { /* a damaged cache file is rebuilt */ }
  }
  const lexicon = importOrphanet(sources);
  const file = join(dir, `orphanet-${lexicon.release}-c${LEXICON_COMPILER_VERSION}-${key}.json.gz`);
  try {
    mkdirSync(dir, { recursive: true });
    writeAtomic(file, serializeLexicon(lexicon));
    return { lexicon, file, built: true };
  } catch (e) {
    opts.warn?.(`could not write the lexicon cache in ${dir} (${(e as Error).message}); compiled in memory for this run`);
    return { lexicon, file: null, built: true };
  }
}

/** `mmrare ontology import`: compiles the files, caches them and makes them the imported release. */
export function importToCache(sources: string[], opts: { dir?: string } = {}): { lexicon: Lexicon; file: string } {
  const dir = opts.dir ?? lexiconCacheDir();
  const res = compileCached(sources, { dir });
  if (!res.file) throw new DataError(`could not write the lexicon cache in ${dir}`, 'orphanet');
  writeAtomic(importedPointer(dir), Buffer.from(JSON.stringify({ file: res.file, release: res.lexicon.release, sources: sources.map((s) => basename(s)) }, null, 2) + '\n'));
  return { lexicon: res.lexicon, file: res.file };
}

export function importedLexicon(dir: string = lexiconCacheDir()): { file: string; release: string } | null {
  const p = importedPointer(dir);
  if (!existsSync(p)) return null;
  try {
    const j = JSON.parse(readFileSync(p, 'utf8')) as { file: string; release: string };
    return existsSync(j.file) && statSync(j.file).isFile() ? j : null;
  } catch { return null; }
}

/**
 * Which lexicon a command uses, in this order: a compiled file the config names (`data.lexicon`); Orphanet
 * files the user pointed at (`data.orphanet`, or a data dir given by flag/env/config); a release imported
 * with `mmrare ontology import`; the default data dir (../shared/data). None: a DataError that says how to get one.
 */
export function openLexicon(loc: DataLocations, opts: { dir?: string; warn?: (s: string) => void } = {}): LexiconHandle {
  const t0 = performance.now();
  const dir = opts.dir ?? lexiconCacheDir();
  const done = (h: Omit<LexiconHandle, 'ms'>): LexiconHandle => {
    if (h.file) lexiconFiles.set(h.lexicon, h.file);
    return { ...h, ms: Math.round(performance.now() - t0) };
  };
  if (loc.lexiconFile) {
    if (!existsSync(loc.lexiconFile)) throw new DataError(`compiled lexicon not found at ${loc.lexiconFile} (config "data.lexicon")\n  to get one: mmrare ontology import FILE.tar.gz`, 'lexicon');
    return done({ lexicon: parseLexicon(readFileSync(loc.lexiconFile)), origin: 'config-lexicon', sources: [], file: loc.lexiconFile, built: false });
  }
  const userPointed = loc.explicit.has('orphanet') || loc.rootFrom !== 'default';
  const imported = userPointed ? null : importedLexicon(dir);
  if (imported) {
    return done({ lexicon: parseLexicon(readFileSync(imported.file)), origin: 'imported', sources: [], file: imported.file, built: false });
  }
  const sources = orphanetSources(loc);
  const res = compileCached(sources, { dir, warn: opts.warn });
  return done({ ...res, origin: loc.explicit.has('orphanet') ? 'config-orphanet' : 'data-dir', sources });
}

// The compiled file each lexicon opened here was read from: the key of its cached trie.
const lexiconFiles = new WeakMap<Lexicon, string>();

/**
 * The matcher's token trie for a lexicon: read from $XDG_CACHE_HOME/mmrare/lexicons/ when this lexicon file
 * (by name, size and mtime) and this trie code (trieCodeHash) were built before, else built and cached. A
 * lexicon not opened from a file (tests) is built in memory; a cache that cannot be read or written only costs the build.
 */
export function trieFor(lex: Lexicon, opts: { dir?: string } = {}): TokenTrie {
  const file = lexiconFiles.get(lex);
  if (!file) return buildTrie(lex);
  let path: string;
  try {
    const st = statSync(file);
    path = join(opts.dir ?? lexiconCacheDir(), `${basename(file).replace(/\.json(\.gz)?$/, '')}-${st.size}-${Math.floor(st.mtimeMs)}-trie-${trieCodeHash()}.bin`);
  } catch { return buildTrie(lex); }
  if (existsSync(path)) {
    try { return deserializeTrie(readFileSync(path)); } catch { /* a damaged file is rebuilt */ }
  }
  const trie = buildTrie(lex);
  try { mkdirSync(dirname(path), { recursive: true }); writeAtomic(path, serializeTrie(trie)); } catch { /* not cached: built next time too */ }
  return trie;
}

let defaultHandle: LexiconHandle | null = null;
/** The lexicon of the default data locations (env and ../shared/data), opened once per process: for scripts and tests. */
export function defaultLexicon(): Lexicon {
  defaultHandle ??= openLexicon(resolveDataLocations());
  return defaultHandle.lexicon;
}

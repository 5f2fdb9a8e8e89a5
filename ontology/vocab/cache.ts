// The compiled vocabulary, built from the lexicon files on first use and cached outside the repository
// and the (read-only) data dir: $XDG_CACHE_HOME/mmrare/vocab/, keyed by the content of the source files
// and the compiler version (as ontology/lexicon-cache.ts does for Orphanet). Nothing is copied into git.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { cacheDir, missingData, resolveDataLocations, type DataLocations } from '../../pipeline/core/data-locations.ts';
import { compileVocab, VOCAB_COMPILER_VERSION, VOCAB_FILES, type VocabInputFile } from './compile.ts';
import type { Vocab } from './types.ts';

export const vocabCacheDir = (env: NodeJS.ProcessEnv = process.env): string => join(cacheDir(env), 'vocab');

export interface VocabHandle { vocab: Vocab; file: string | null; built: boolean; ms: number; dir: string }

/** The lexicon files of a lexicons folder that the compiler reads (relative path + absolute path), sorted. */
export function vocabSources(dir: string): { id: string; rel: string; path: string }[] {
  const out: { id: string; rel: string; path: string }[] = [];
  for (const f of VOCAB_FILES) {
    const sub = join(dir, f.dir);
    if (!existsSync(sub) || !statSync(sub).isDirectory()) continue;
    const hit = readdirSync(sub).filter((n) => f.pattern.test(n)).sort().pop();
    if (hit) out.push({ id: f.id, rel: `${f.dir}/${hit}`, path: join(sub, hit) });
  }
  return out;
}

function keyOf(files: VocabInputFile[]): string {
  const h = createHash('sha256').update(`mmrare-vocab-compiler-${VOCAB_COMPILER_VERSION}\n`);
  for (const f of files) h.update(f.rel).update('\0').update(createHash('sha256').update(f.bytes).digest('hex')).update('\n');
  return h.digest('hex').slice(0, 16);
}

/** Parses a cached vocabulary file; throws when it is not one of this compiler's. */
export function parseVocab(bytes: Buffer): Vocab {
  const v = JSON.parse(gunzipSync(bytes).toString('utf8')) as Vocab;
  if (v.schema !== 1 || v.compilerVersion !== VOCAB_COMPILER_VERSION || !Array.isArray(v.forms)) throw new Error('not a vocabulary of this compiler');
  return v;
}

/**
 * The vocabulary of a lexicons folder: from the cache when it holds this exact content, else compiled
 * now and cached. A cache that cannot be written is not an error: the vocabulary is then kept in memory.
 */
export function openVocabAt(lexiconsDir: string, opts: { dir?: string; warn?: (s: string) => void } = {}): VocabHandle {
  const t0 = performance.now();
  const dir = opts.dir ?? vocabCacheDir();
  const files: VocabInputFile[] = vocabSources(lexiconsDir).map((s) => ({ id: s.id, rel: s.rel, bytes: readFileSync(s.path) }));
  if (!files.some((f) => f.id !== 'negex' && f.id !== 'abbreviations')) throw new Error(`no vocabulary files in ${lexiconsDir}`);
  const key = keyOf(files);
  const file = join(dir, `vocab-c${VOCAB_COMPILER_VERSION}-${key}.json.gz`);
  const ms = () => Math.round(performance.now() - t0);
  if (existsSync(file)) {
    try { return { vocab: parseVocab(readFileSync(file)), file, built: false, ms: ms(), dir }; } catch { /* a damaged cache file is rebuilt */ }
  }
  const vocab = compileVocab(files);
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, gzipSync(Buffer.from(JSON.stringify(vocab))));
    renameSync(tmp, file);
    return { vocab, file, built: true, ms: ms(), dir };
  } catch (e) {
    opts.warn?.(`could not write the vocabulary cache in ${dir} (${(e as Error).message}); compiled in memory for this run`);
    return { vocab, file: null, built: true, ms: ms(), dir };
  }
}

/** The vocabulary of the configured data locations (`data.lexicons`, or <data dir>/lexicons); a DataError when absent. */
export function openVocab(loc: DataLocations, opts: { dir?: string; warn?: (s: string) => void } = {}): VocabHandle {
  const p = loc.paths.lexicons;
  if (!existsSync(p) || vocabSources(p).length === 0) throw missingData(loc, 'lexicons', 'drug, procedure and test vocabularies (lexicons/)');
  return openVocabAt(p, opts);
}

let defaultHandle: VocabHandle | null = null;
/** The vocabulary of the default data locations (env and ../shared/data), opened once per process: for scripts and tests. */
export function defaultVocab(): Vocab {
  defaultHandle ??= openVocab(resolveDataLocations());
  return defaultHandle.vocab;
}

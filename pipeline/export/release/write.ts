// Writes a release plan: every file into a temp folder beside DIR, then DIR is swapped for it (rename),
// so DIR holds either the previous release or the new one, never a mix. DIR must be empty, missing, or
// hold an earlier mmrare release (its release.json): anything else is refused, never overwritten.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../../core/errors.ts';
import { parseReleaseManifest, RELEASE_MANIFEST, type ReleaseManifest } from './changes.ts';
import type { ReleasePlan } from './plan.ts';

const TMP_RE = /\.(tmp|old)-\d+$/;

/** Temp and old folders a killed export left beside DIR; an `.old-` one is the previous release when DIR is gone. */
function leftovers(dir: string): string[] {
  const parent = dirname(dir);
  if (!existsSync(parent)) return [];
  const base = basename(dir);
  return readdirSync(parent).filter((n) => n.startsWith(`${base}.`) && TMP_RE.test(n.slice(base.length))).map((n) => join(parent, n));
}

/** The previous release in DIR (or in a folder a killed swap left), null when DIR is new or empty. Throws when DIR holds something else. */
export function previousRelease(out: string): ReleaseManifest | null {
  const dir = resolve(out);
  const candidates = [dir, ...leftovers(dir).filter((p) => p.includes('.old-'))];
  for (const d of candidates) {
    if (!existsSync(d)) continue;
    if (!statSync(d).isDirectory()) throw new InputError(`--out ${out}: is a file, expected a folder`);
    const m = join(d, RELEASE_MANIFEST);
    if (existsSync(m)) {
      const parsed = parseReleaseManifest(readFileSync(m, 'utf8'));
      if (parsed) return parsed;
    }
    if (d === dir && readdirSync(d).length > 0) {
      throw new InputError(`--out ${out}: the folder is not empty and holds no mmrare release (${RELEASE_MANIFEST}); give an empty or new folder`);
    }
  }
  return null;
}

export function writeRelease(out: string, plan: ReleasePlan): { dir: string; files: number; bytes: number } {
  const dir = resolve(out);
  mkdirSync(dirname(dir), { recursive: true });
  for (const p of leftovers(dir)) if (p.includes('.tmp-')) rmSync(p, { recursive: true, force: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  let bytes = 0;
  for (const f of plan.files) {
    const p = join(tmp, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.bytes);
    bytes += f.bytes.length;
  }
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
  for (const p of leftovers(dir)) rmSync(p, { recursive: true, force: true });
  return { dir, files: plan.files.length, bytes };
}

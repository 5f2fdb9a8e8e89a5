// The module layers (docs/architecture.md): each folder imports only lower layers and itself. Stages never
// import each other; what several stages share lives in a module no stage owns.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../shared-data.ts';

const STAGES = ['fetch', 'extract', 'align', 'generate', 'filter', 'review', 'export', 'evaluate'];
const SHARED = ['pipeline/core', 'pipeline/client', 'pipeline/leakage', 'pipeline/runner', 'schemas', 'db', 'ontology'];

/** The layer of a repo-relative path, and the layers it may import. */
function layerOf(p: string): string {
  for (const l of [...SHARED, ...STAGES.map((s) => `pipeline/${s}`), 'pipeline/cli']) if (p === l || p.startsWith(`${l}/`)) return l;
  if (p.startsWith('pipeline/')) return p; // a file directly under pipeline/ (compose.ts): a composition
  return p.split('/')[0];
}

const ALLOWED: Record<string, string[]> = {
  'pipeline/core': [],
  schemas: ['pipeline/core'],
  db: ['pipeline/core', 'schemas'],
  ontology: ['pipeline/core', 'schemas'],
  'pipeline/client': ['pipeline/core', 'schemas', 'db'],
  'pipeline/leakage': ['pipeline/core', 'schemas', 'ontology'],
  'pipeline/runner': ['pipeline/core', 'schemas', 'db'],
};
const STAGE_DEPS = [...SHARED];
for (const s of STAGES) ALLOWED[`pipeline/${s}`] = STAGE_DEPS;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => relative(REPO_ROOT, resolve(dirname(join(REPO_ROOT, file)), m[1])));
}

describe('module layers', () => {
  const files = ['pipeline', 'schemas', 'db', 'ontology'].flatMap(sources);

  it('every folder imports only the layers below it and itself', () => {
    const bad: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      const allowed = ALLOWED[from];
      if (!allowed) continue; // the CLI and the composition may import anything
      for (const target of imports(f)) {
        const to = layerOf(target);
        if (to !== from && !allowed.includes(to)) bad.push(`${f} -> ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the runner is generic: it lists no stage', () => {
    const runner = sources('pipeline/runner').flatMap(imports);
    expect(runner.filter((t) => STAGES.some((s) => t.startsWith(`pipeline/${s}/`)))).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });
});

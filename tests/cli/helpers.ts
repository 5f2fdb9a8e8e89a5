// Helpers for the CLI tests: the real binary as a user runs it (optionally as another, unprivileged user),
// and small source folders in the bucket layout cut from the sample corpus.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BIN, REPO, sampleCorpus } from '../helpers.ts';

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs `mmrare …` in a child process; `asUser` drops root privileges first (CI runs as root). */
export function mmrare(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; asUser?: string; input?: string } = {}): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, CI: '1', ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const [cmd, argv] = opts.asUser && process.getuid?.() === 0
    ? ['setpriv', ['--reuid', opts.asUser, '--regid', 'nogroup', '--clear-groups', process.execPath, BIN, ...args]]
    : [process.execPath, [BIN, ...args]];
  const r = spawnSync(cmd, argv, { cwd: opts.cwd ?? REPO, encoding: 'utf8', env: env as NodeJS.ProcessEnv, timeout: 240_000, input: opts.input });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/**
 * A folder in the PMC bucket layout holding some articles of the sample corpus; `edit` may change an
 * article's JATS (the metadata's md5 is updated to match, as the bucket would have it).
 */
export async function smallLayout(dir: string, pmcids: string[], edit?: (pmcid: string, xml: string) => string): Promise<string> {
  const samples = await sampleCorpus();
  mkdirSync(join(dir, 'metadata'), { recursive: true });
  for (const id of pmcids) {
    const prefix = `${id}.1`;
    cpSync(join(samples, prefix), join(dir, prefix), { recursive: true });
    const meta = JSON.parse(readFileSync(join(samples, 'metadata', `${prefix}.json`), 'utf8'));
    if (edit) {
      const xmlPath = join(dir, prefix, `${prefix}.xml`);
      const xml = Buffer.from(edit(id, readFileSync(xmlPath, 'utf8')));
      writeFileSync(xmlPath, xml);
      meta.xml_url = String(meta.xml_url).replace(/md5=[0-9a-f]+/, `md5=${md5(xml)}`);
    }
    writeFileSync(join(dir, 'metadata', `${prefix}.json`), JSON.stringify(meta, null, 2));
  }
  return dir;
}

// A store built from the bundled sample corpus (as `npm start` builds it) and the review app on it.
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'vitest';
import { Store } from '../../db/store.ts';
import { parseConfig } from '../../schemas/config.ts';
import { defaultLexicon } from '../../ontology/index.ts';
import { createReviewCheck } from '../../pipeline/cli/review-check.ts';
import { createReviewServer, type ReviewServerOptions } from '../../pipeline/review/server.ts';
import { cli, tempDir } from '../helpers.ts';

/** `mmrare run --sample` into a fresh workdir. */
export function buildSampleStore(): { dir: string; workdir: string; cleanup: () => void } {
  const t = tempDir('mmrare-review-');
  const workdir = join(t.dir, 'w');
  const r = cli(['run', '--workdir', workdir, '--sample']);
  expect(r.code, r.stderr).toBe(0);
  return { dir: t.dir, workdir, cleanup: t.cleanup };
}

let lexicon: ReturnType<typeof defaultLexicon> | null = null;
export const reviewCheck = (store: Store) => createReviewCheck(store.db, (lexicon ??= defaultLexicon()), parseConfig({}));

export async function startApp(store: Store, opts: Partial<ReviewServerOptions> = {}): Promise<{ server: Server; url: string; port: number; close: () => Promise<void> }> {
  const server = createReviewServer({ store, checkRow: reviewCheck(store), host: '127.0.0.1', localReviewer: 'tester', maskToken: '[MASKED]', ...opts });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }) };
}

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Derived files (the compiled lexicon, the sample corpus layout) are cached here between runs, apart from
    // the user's own cache, so a lexicon imported by hand never changes what the tests see.
    env: { XDG_CACHE_HOME: join(tmpdir(), 'mmrare-test-cache', 'xdg') },
  },
});

// Headless Chromium for page tests (audit, review, report): Debian's chromium driven by playwright-core.
// No silent skip: without the browser, the test fails with the exact apt-get line (.ci/run installs it).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from './shared-data.ts';

export const CHROMIUM = process.env.MMRARE_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots land here (outside git) so a person can look at them after a run. */
export const SCREENSHOTS = join(REPO_ROOT, '.scratch', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`headless Chromium not found at ${CHROMIUM}. Install it with:\n  apt-get update && apt-get install -y chromium`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // the machine's network is closed: keep Chromium from reaching out (and failing) at start
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

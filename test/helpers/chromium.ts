/**
 * Debian's Chromium for the browser tests. Where it is missing, `npm test` skips those tests with one loud line naming
 * the package, so a newcomer's `npm ci && npm test` passes (and never hangs); under CI (`CI` set, as .ci/run is run)
 * a missing browser is a failure instead, since .ci/run installs it.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const missing = `Chromium not found at ${CHROMIUM}: browser tests skipped (install the Debian package: apt-get install chromium)`;

/** False where Chromium is here (or CI demands it), else the skip reason; says it once, loudly, on stderr. */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM) || process.env.CI) return false;
  if (!warned) process.stderr.write(`\n*** ${missing} ***\n\n`);
  warned = true;
  return missing;
}
let warned = false;

/** Headless Chromium with the flags this machine's closed network needs; playwright gives it a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(missing.replace('browser tests skipped', 'CI must install it'));
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

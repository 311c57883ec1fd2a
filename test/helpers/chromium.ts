import { chromium, type Browser } from 'playwright-core';
import { ensureDebianFile, type EnsureOptions } from './debian.js';

/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core (no
 * downloaded browser), installed when missing (debian.ts).
 */

/** Where Debian/Ubuntu put it; CHROMIUM_PATH is looked at first. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Flags that matter on CI machines: without the background-networking ones Chromium stalls on
 * refused connections to Google services; QUIC and the GPU are of no use headless.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export type EnsureChromiumOptions = EnsureOptions;

function searchPath(): string[] {
  const override = process.env.CHROMIUM_PATH;
  return override === undefined || override === '' ? CANDIDATES : [override, ...CANDIDATES];
}

/** The Chromium executable, installing Debian's `chromium` package first when it is missing (or set CHROMIUM_PATH). */
export function ensureChromium(options: EnsureChromiumOptions = {}): Promise<string> {
  return ensureDebianFile('chromium', searchPath(), options);
}

/**
 * Launch headless Chromium. playwright's launch() gives every browser a fresh temporary profile
 * (user-data-dir) and removes it on close(): tests start from a clean state.
 */
export async function launchChromium(options: EnsureChromiumOptions = {}): Promise<Browser> {
  const executablePath = await ensureChromium(options);
  return chromium.launch({ executablePath, headless: true, timeout: 60_000, args: [...CHROMIUM_ARGS] });
}

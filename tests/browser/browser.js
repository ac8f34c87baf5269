// Launches Debian's Chromium through playwright-core, which brings no browser of its own.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

// Folder for screenshots and downloads. CTest points it into the build tree.
export const OUTPUT_DIR = path.resolve(process.env.SATCHEL_TEST_OUTPUT ?? 'output');

export async function launchChromium() {
  const args = [];
  // Chromium refuses to start its sandbox as root, and CI runs the tests as root. The pages
  // loaded are the product's own, served from loopback, so the sandbox is dropped only there.
  if (process.getuid?.() === 0) {
    args.push('--no-sandbox');
  }
  await mkdir(OUTPUT_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}

/** Saves a full-page screenshot as OUTPUT_DIR/<name>.png and returns its path. */
export async function saveScreenshot(page, name) {
  const file = path.join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

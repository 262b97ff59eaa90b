// Debian's Chromium, driven by playwright-core (never a downloaded browser).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { OUTPUT } from '../harness.mjs';

// Without the background-networking flags Chromium floods the closed
// network with connections that are refused.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh browser profile; returns {context, page, close}. */
export async function openBrowser() {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 860 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, errors, close: () => context.close() };
}

/** Saves a screenshot under tests/output/screenshots/. */
export async function shot(page, name) {
  const path = join(OUTPUT, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

// Debian's Chromium, driven by playwright-core (never a downloaded browser).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

import { OUTPUT, startWorker } from '../harness.mjs';

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

/**
 * The real Worker (`startWorker(options)`) and a fresh browser for a test
 * file: started before its tests, stopped after them. Read `.w` and `.b`
 * inside a test, once they are there. `clipboard`: the Worker's pages may
 * read and write the clipboard (the Copy buttons' tests read it back).
 */
export function workerAndBrowser(options, { clipboard = false } = {}) {
  const stack = { w: null, b: null };
  before(async () => {
    stack.w = await startWorker(options);
    stack.b = await openBrowser();
    if (clipboard) {
      await stack.b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.w.base });
    }
  });
  after(async () => {
    await stack.b?.close();
    await stack.w?.stop();
  });
  return stack;
}

/**
 * A fresh browser profile; returns {context, page, errors, close}. `close`
 * also deletes the profile (tens of MB each; CI machines keep /tmp).
 */
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
  const close = async () => {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { context, page, errors, close };
}

/**
 * Signs `customer` in on the demo store (which remembers a sign-out for
 * the tab, so that is forgotten first) in `page`, a new tab of `b` unless
 * one is given, and opens the widget unless `open` is false. Returns the
 * page.
 */
export async function signInOnDemoStore(b, base, customer, { page, open = true } = {}) {
  const tab = page ?? (await b.context.newPage());
  await tab.goto(`${base}/?customer=${customer}`);
  await tab.evaluate(() => sessionStorage.removeItem('signed-out'));
  await tab.reload();
  if (open) await tab.locator('.le-launcher').click();
  return tab;
}

/** Saves a screenshot under tests/output/screenshots/. */
export async function shot(page, name) {
  const path = join(OUTPUT, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// WCAG 2.1 A and AA: what a store owes its shoppers; axe-core checks what
// can be checked by machine (names, roles, contrast, focus order hints).
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * axe-core's WCAG 2.1 A/AA violations inside the widget's shadow root (the
 * host page is the store's, not ours), or inside `include` on a page of the
 * demo store that is under test itself (the checkout), as `rule: target …` lines.
 */
export async function a11yViolations(page, include = '[data-loyalty-edge]') {
  // Evaluated through the DevTools protocol, not added as a tag: a page
  // whose CSP allows no inline script (the claim page) is checked too.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async ([tags, include]) => {
    const result = await window.axe.run(
      { include: [[include]] },
      { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }
    );
    return result.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${JSON.stringify(n.target)} ${n.failureSummary.replace(/\s+/g, ' ')}`)
    );
  }, [AXE_TAGS, include]);
}

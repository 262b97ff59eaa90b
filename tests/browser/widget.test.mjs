// The widget on the demo store, in a real browser, against the real Worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, credit, startWorker, uid } from '../harness.mjs';
import { openBrowser, shot } from './browser.mjs';

let w;
let b;

before(async () => {
  w = await startWorker();
  b = await openBrowser();
});

after(async () => {
  await b?.close();
  await w?.stop();
});

test('the widget shows the balance written over the API, inside a shadow root', async () => {
  const customer = uid('shopper');
  await credit(w.base, customer, 1234);
  const { page } = b;
  await page.goto(`${w.base}/?customer=${customer}`);
  // One script tag created one host element with an open shadow root.
  const hosts = await page.evaluate(() =>
    [...document.querySelectorAll('[data-loyalty-edge]')].map((h) => h.shadowRoot !== null)
  );
  assert.deepEqual(hosts, [true]);
  await page.getByRole('button', { name: /Rewards/ }).first().click();
  const balance = page.locator('[data-testid=balance]');
  await balance.waitFor();
  assert.equal(await balance.textContent(), '1234');
  // The balance element lives in the shadow tree, not the page's DOM.
  assert.equal(await page.evaluate(() => document.querySelector('[data-testid=balance]')), null);
  await shot(page, 'widget-balance');
  assert.deepEqual(b.errors, []);

  // A later change through the API shows after a reload.
  await credit(w.base, customer, 66);
  await page.reload();
  await page.getByRole('button', { name: /Rewards/ }).first().click();
  await page.locator('[data-testid=balance]').filter({ hasText: '1300' }).waitFor();
  const me = await api(w.base, 'GET', `/v1/members/${customer}`);
  assert.equal(me.json.balance, 1300);
});

// Points at checkout in the demo store, in Chromium against the real Worker
// and D1: the checkout offers "Use 500 points for $5.00 off" from the
// program and the shopper's balance, makes the code for this order, fills it
// in, and the order is placed with it; the balance moves once.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, credit, tokenFor, uid } from '../harness.mjs';
import { a11yViolations, shot, signInOnDemoStore, workerAndBrowser } from './browser.mjs';

const stack = workerAndBrowser();

const balance = async (c) => (await api(stack.w.base, 'GET', '/v1/me', { auth: tokenFor(c) })).json.balance;

test('the demo checkout spends points on the order: offered, applied, placed once', async () => {
  const { w, b } = stack;
  const member = uid('pts');
  await credit(w.base, member, 1_250);
  const page = await signInOnDemoStore(b, w.base, member, { open: false });
  await page.goto(`${w.base}/checkout.html`);

  const box = page.locator('#pay-with-points');
  await box.waitFor();
  assert.equal(await page.locator('#points-balance').textContent(), 'You have 1,250 points.');
  await page.getByRole('button', { name: 'Use 500 points for $5.00 off' }).waitFor();
  const use = page.locator('#use-points');
  // The slider stops at what the balance pays for, in the program's steps.
  assert.deepEqual(
    await page.locator('#points').evaluate((r) => [r.min, r.max, r.step]),
    ['500', '1000', '500']
  );
  const slide = (value) =>
    page.locator('#points').evaluate((r, v) => {
      r.value = v;
      r.dispatchEvent(new Event('input', { bubbles: true }));
    }, value);
  await slide('1000');
  assert.equal(await use.textContent(), 'Use 1,000 points for $10.00 off');
  await slide('500');
  const violations = await a11yViolations(page, '.checkout');
  assert.deepEqual(violations, [], violations.join('\n'));
  await shot(page, 'checkout-points-offer');

  await use.click();
  const result = page.locator('#result[data-state="points"]');
  await result.waitFor();
  const code = await page.locator('#code').inputValue();
  assert.match(code, /^PTS-/);
  assert.equal(
    await result.textContent(),
    `500 points applied: $5.00 off with code ${code}. You have 750 points left; ` +
      'if the order is not placed within the hour, they come back.'
  );
  assert.equal(await balance(member), 750);
  assert.ok(await use.isDisabled(), 'one code per order');
  await shot(page, 'checkout-points-applied');

  await page.getByRole('button', { name: 'Apply coupon' }).click();
  await page.locator('#result[data-state="valid"]').waitFor();
  assert.equal(await page.locator('#result').textContent(), 'Coupon applies: $5.00 off');

  await page.getByRole('button', { name: 'Place order' }).click();
  await page.locator('#result[data-state="redeemed"]').waitFor();
  assert.match(await page.locator('#result').textContent(), new RegExp(`placed with coupon ${code}\\.$`));
  // The next order cannot use it: the code was for this one.
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.locator('#result[data-state="refused"]').waitFor();
  assert.match(await page.locator('#result').textContent(), /already used|another order/);
  assert.equal(await balance(member), 750);
  const used = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code } });
  assert.deepEqual([used.json.valid, used.json.reason], [false, 'already_used']);
  await page.close();
});

test('a shopper whose balance is under one step is not offered points', async () => {
  const { w, b } = stack;
  const member = uid('pts-low');
  await credit(w.base, member, 300);
  const page = await signInOnDemoStore(b, w.base, member, { open: false });
  await page.goto(`${w.base}/checkout.html`);
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('#pay-with-points').isHidden(), true);
  await page.close();
});

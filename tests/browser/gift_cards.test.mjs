// A store gift card in the widget, in Chromium against the real Worker and
// D1: redeemed for points, its code and balance are shown; after checkout
// has debited part of it, the widget shows what is left.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, credit, uid } from '../harness.mjs';
import { a11yViolations, shot, signInOnDemoStore, workerAndBrowser } from './browser.mjs';

const stack = workerAndBrowser();

test('a gift card redeemed in the widget shows its code, then the balance left after checkout debits it', async () => {
  const { w, b } = stack;
  const id = uid('GC');
  const reward = {
    name: '$25 gift card',
    kind: 'gift_card',
    points_cost: 2_000,
    discount: { amount_minor: 2_500, currency: 'USD' },
    coupon: { prefix: 'GIFT', expires_in_days: null },
  };
  assert.equal((await api(w.base, 'PUT', `/v1/rewards/${id}`, { body: reward })).status, 200);
  const member = uid('giftee');
  await credit(w.base, member, 2_100);
  const page = await signInOnDemoStore(b, w.base, member);
  const card = page.locator(`.le-reward[data-reward-id="${id}"]`);
  await card.getByRole('button', { name: 'Redeem' }).click();
  await card.locator('.le-confirm .le-confirm-yes').click();

  const coupon = page.locator('.le-coupon');
  await coupon.waitFor();
  const code = (await coupon.locator('.le-code').textContent()).trim();
  assert.match(code, /^GIFT-/);
  assert.match(await coupon.textContent(), /Your code · gift card: \$25\.00 left/);
  const cards = page.locator('.le-gift-cards');
  await cards.waitFor();
  assert.equal((await cards.locator('li').textContent()).trim(), `${code} · gift card: $25.00 left`);

  // Checkout pays $6.00 of an order with it; the widget, refreshed, shows what is left.
  const d = await api(w.base, 'POST', `/v1/gift-cards/${code}/debit`, { body: { order_id: uid('o'), amount_minor: 600 } });
  assert.equal(d.status, 201, d.text);
  await page.evaluate(() => window.LoyaltyEdge.refresh());
  await page.locator('.le-gift-cards li', { hasText: '$19.00 left' }).waitFor();
  assert.equal((await cards.locator('li').textContent()).trim(), `${code} · gift card: $19.00 left`);
  const violations = await a11yViolations(page);
  assert.deepEqual(violations, [], violations.join('\n'));
  await shot(page, 'gift-card-balance');

  // Spent to the last cent, it leaves the list.
  const rest = await api(w.base, 'POST', `/v1/gift-cards/${code}/debit`, {
    body: { order_id: uid('o'), amount_minor: 1_900 },
  });
  assert.equal(rest.json.balance_minor, 0);
  await page.evaluate(() => window.LoyaltyEdge.refresh());
  await cards.waitFor({ state: 'detached' });
  await page.close();
});

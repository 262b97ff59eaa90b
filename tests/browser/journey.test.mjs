// A shopper's whole journey on the demo store, in Chromium, against the
// real Worker: guest view, sign in, earn, tier progress, an unaffordable
// reward with its shortfall, redeem with confirmation, copy the code, the
// host page's event, checkout once and refused the second time; plus
// keyboard use, the host page's CSS left alone, the French inline mode, a
// refusal from the API and a network failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, uid } from '../harness.mjs';
import { a11yViolations, shot, signInOnDemoStore, workerAndBrowser } from './browser.mjs';

const stack = workerAndBrowser({}, { clipboard: true });

const widget = (page) => ({
  launcher: page.locator('.le-launcher'),
  balance: page.locator('.le-balance'),
  reward: (id) => page.locator(`.le-reward[data-reward-id="${id}"]`),
  code: page.locator('.le-code'),
});

/** The widget as it stands passes axe-core's WCAG 2.1 A/AA rules. */
async function assertAccessible(page, state) {
  const violations = await a11yViolations(page);
  assert.deepEqual(violations, [], `${state}:\n${violations.join('\n')}`);
}

async function purchase(customer, amount_minor) {
  const r = await api(stack.w.base, 'POST', '/v1/events', {
    body: { type: 'purchase', order_id: uid('order'), customer_id: customer, amount_minor, currency: 'USD' },
  });
  assert.equal(r.status, 201, r.text);
}

test('guest → sign in → earn → redeem → copy → checkout once', async () => {
  const customer = uid('journey');
  const { page } = stack.b;
  const ui = widget(page);

  // Guest: the store has signed out; the widget shows how to earn and the
  // rewards shown to guests, and asks to sign in.
  await page.goto(`${stack.w.base}/?customer=${customer}`);
  await page.evaluate(() => sessionStorage.setItem('signed-out', '1'));
  await page.reload();
  await ui.launcher.click();
  await page.locator('.le-signin').waitFor();
  assert.ok(await page.locator('.le-earn li').first().textContent().then((t) => t.includes('for every $1.00 spent')));
  assert.equal(await ui.reward('5_OFF').count(), 1);
  assert.equal(await ui.reward('GOLD_TOTE').count(), 0, 'not shown to guests');
  await shot(page, 'journey-1-guest');
  await assertAccessible(page, 'journey-1-guest');

  // Sign in without a reload (the store calls LoyaltyEdge.identify).
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ui.balance.waitFor();
  assert.equal(await ui.balance.textContent(), '0');

  // Earn through a purchase on the store (its backend reports the event).
  await page.getByRole('button', { name: 'Buy now' }).first().click();
  await ui.balance.filter({ hasText: '129' }).waitFor();
  assert.match(await page.locator('#store-status').textContent(), /You earned 129 points/);
  await purchase(customer, 40_000);
  await page.evaluate(() => window.LoyaltyEdge.refresh());
  await ui.balance.filter({ hasText: '529' }).waitFor();

  // Tier progress, and a reward that is not affordable yet, with the shortfall.
  assert.equal(await page.locator('.le-tier strong').textContent(), 'Silver tier');
  assert.match(await page.locator('.le-tier .le-muted').textContent(), /1,471 more to Gold/);
  assert.equal(await page.locator('.le-bar').getAttribute('aria-valuenow'), '1');
  // The rewards reload separately from the balance after refresh(): wait
  // for the exact text rather than reading whatever is shown first.
  await ui.reward('15_PCT').locator('.le-status', { hasText: /^You need 671 more points$/ }).waitFor();
  assert.equal(await ui.reward('15_PCT').getByRole('button', { name: 'Redeem' }).isDisabled(), true);
  assert.equal(
    await ui.reward('GOLD_TOTE').locator('.le-status').textContent(),
    'not eligible: only for Gold members'
  );
  await shot(page, 'journey-2-member');
  await assertAccessible(page, 'journey-2-member');

  // Redeem with confirmation; a double click on Confirm redeems once.
  // The store's listener calls back into the widget while the event is
  // still being dispatched, as a cart that refreshes everything might.
  const redeemed = page.evaluate(
    () =>
      new Promise((resolve) =>
        document.addEventListener(
          'loyalty:redeemed',
          (e) => {
            window.LoyaltyEdge.refresh();
            resolve(e.detail);
          },
          { once: true }
        )
      )
  );
  await ui.reward('5_OFF').getByRole('button', { name: 'Redeem' }).click();
  assert.equal(await ui.reward('5_OFF').locator('.le-confirm p').textContent(), 'Spend 500 points on $5 off?');
  await shot(page, 'journey-3-confirm');
  await assertAccessible(page, 'journey-3-confirm');
  await ui.reward('5_OFF').getByRole('button', { name: 'Confirm' }).dblclick();
  const detail = await redeemed;
  await ui.code.waitFor();
  const code = await ui.code.textContent();
  assert.match(code, /^LOY-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
  assert.equal(await page.locator('.le-coupon .le-muted').first().textContent(), 'Your code · $5.00 off');
  assert.equal(detail.code, code);
  assert.deepEqual(detail.discount, { kind: 'fixed_amount_discount', amount_minor: 500, currency: 'USD' });
  assert.equal(detail.offer, '$5.00 off', 'what the code gives, in words a store can show');
  await ui.balance.filter({ hasText: '29' }).waitFor();
  const tx = await api(stack.w.base, 'GET', `/v1/members/${customer}/transactions`);
  assert.equal(tx.json.transactions.filter((t) => t.kind === 'redeem').length, 1, 'one redemption despite the double click');
  assert.match(await page.locator('.le-live').textContent(), new RegExp(`Your code is ${code}`));

  // Copy to the clipboard.
  await page.getByRole('button', { name: 'Copy code' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
  assert.match(await page.locator('#store-status').textContent(), new RegExp(`Coupon ${code} will be applied`));
  await shot(page, 'journey-4-coupon');
  await assertAccessible(page, 'journey-4-coupon');

  // History shows the redemption.
  await page.getByRole('tab', { name: 'History' }).click();
  await page.locator('.le-txn', { hasText: 'Redeemed: $5 off' }).waitFor();
  await assertAccessible(page, 'history');

  // Checkout: the code is filled in from the loyalty:redeemed event,
  // validated and redeemed once; a second order is refused.
  await page.goto(`${stack.w.base}/checkout.html`);
  assert.equal(await page.locator('#code').inputValue(), code);
  // The store also lists the shopper's codes still to use (GET /v1/me/coupons).
  await page.getByRole('button', { name: `Use ${code}` }).waitFor();
  await page.getByRole('button', { name: 'Apply coupon' }).click();
  await page.locator('#result[data-state=valid]').waitFor();
  assert.equal(await page.locator('#result').textContent(), 'Coupon applies: $5.00 off');
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.locator('#result[data-state=redeemed]').waitFor();
  await shot(page, 'journey-5-checkout');
  await page.locator('#code').fill(code);
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.locator('#result[data-state=refused]').waitFor();
  assert.match(await page.locator('#result').textContent(), /already used/);
  await shot(page, 'journey-6-refused');
  assert.deepEqual(stack.b.errors, []);
});

test('keyboard: open with Enter, focus moves in, arrows move between tabs, redeem by keys alone, Escape closes and returns focus', async () => {
  const customer = uid('keys');
  await purchase(customer, 60_000);
  const { page } = stack.b;
  await signInOnDemoStore(stack.b, stack.w.base, customer, { page, open: false });
  const ui = widget(page);
  await ui.launcher.waitFor();
  await ui.launcher.focus();
  await page.keyboard.press('Enter');
  await page.locator('.le-panel[role=dialog]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.shadowRoot.activeElement.getAttribute('aria-label')), 'Close');
  assert.equal(await ui.launcher.getAttribute('aria-expanded'), 'true');

  // The tabs: one tab stop, arrow keys and Home/End move and select.
  const tabs = ['Rewards', 'Earn', 'History'].map((name) => page.getByRole('tab', { name }));
  const focusedId = () => page.evaluate(() => document.activeElement.shadowRoot.activeElement.id);
  const tabIndexes = () => Promise.all(tabs.map((t) => t.getAttribute('tabindex')));
  assert.deepEqual(await tabIndexes(), ['0', '-1', '-1']);
  await tabs[0].focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await focusedId(), 'le-tab-earn');
  assert.equal(await tabs[1].getAttribute('aria-selected'), 'true');
  assert.equal(await page.getByRole('tabpanel').getAttribute('aria-labelledby'), 'le-tab-earn');
  assert.deepEqual(await tabIndexes(), ['-1', '0', '-1']);
  await page.keyboard.press('ArrowRight');
  assert.equal(await focusedId(), 'le-tab-history');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focusedId(), 'le-tab-rewards', 'the arrows wrap around');
  await page.keyboard.press('End');
  assert.equal(await focusedId(), 'le-tab-history');
  assert.equal(await tabs[2].getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Home');
  assert.equal(await focusedId(), 'le-tab-rewards');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focusedId(), 'le-tab-history');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focusedId(), 'le-tab-rewards');
  await page.getByRole('tabpanel').locator('.le-reward').first().waitFor();

  // A redemption by keyboard alone: each step replaces the button pressed,
  // and focus follows the shopper (never back to the top of the page).
  const focusOn = (text) =>
    page.waitForFunction((t) => document.activeElement.shadowRoot?.activeElement?.textContent === t, text, {
      timeout: 5_000,
    });
  await ui.reward('5_OFF').getByRole('button', { name: 'Redeem' }).focus();
  await page.keyboard.press('Enter');
  await focusOn('Confirm');
  await page.keyboard.press('Tab');
  await focusOn('Cancel');
  await page.keyboard.press('Enter');
  await focusOn('Redeem');
  await page.keyboard.press('Enter');
  await focusOn('Confirm');
  await page.keyboard.press('Enter');
  await ui.code.waitFor();
  await focusOn('Copy code');
  await page.keyboard.press('Enter');
  await focusOn('Copied');

  await page.keyboard.press('Escape');
  await page.locator('.le-panel').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.shadowRoot.activeElement.className), 'le-launcher');
});

test("the store's CSS is untouched by the widget, and the widget's by the store", async () => {
  const { page } = stack.b;
  const styles = () =>
    page.evaluate(() => {
      const pick = (el) => {
        const s = getComputedStyle(el);
        return { color: s.color, font: s.fontFamily, bg: s.backgroundColor, size: s.fontSize };
      };
      return { button: pick(document.querySelector('.product button')), li: pick(document.querySelector('.product')), body: pick(document.body) };
    });
  await page.route('**/widget/loyalty.js', (r) => r.abort());
  await page.goto(`${stack.w.base}/?customer=${uid('css')}`);
  const without = await styles();
  await page.unroute('**/widget/loyalty.js');
  await page.goto(`${stack.w.base}/?customer=${uid('css')}`);
  await widget(page).launcher.waitFor();
  const withWidget = await styles();
  assert.deepEqual(withWidget, without);
  // The store's `button { color: #ffd400 !important }` does not reach the launcher.
  const launcherColor = await widget(page).launcher.evaluate((el) => getComputedStyle(el).color);
  assert.equal(launcherColor, 'rgb(255, 255, 255)');
});

test('inline mode, in French, themed by the host page', async () => {
  const customer = uid('fr');
  await purchase(customer, 35_000);
  const { page } = stack.b;
  await page.goto(`${stack.w.base}/account.html?customer=${customer}`);
  const ui = widget(page);
  await ui.balance.filter({ hasText: '350' }).waitFor();
  // Inline, the launcher and the close button are `hidden`: not shown, not
  // focusable, not in the accessibility tree.
  assert.equal(await ui.launcher.isVisible(), false, 'no launcher inline');
  assert.equal(await page.getByRole('button', { name: 'Fermer' }).count(), 0, 'no close button inline');
  assert.equal(await page.getByRole('tab', { name: 'Récompenses' }).count(), 1);
  assert.equal(await ui.reward('5_OFF').locator('.le-status').textContent(), 'Il vous manque 150 points');
  // Numbers are written the French way: "1 200" (a narrow no-break space).
  assert.equal(await ui.reward('15_PCT').locator('.le-cost').textContent(), '1\u202f200 points');
  // The reason comes from core, worded in the widget's language.
  assert.equal(await ui.reward('GOLD_TOTE').locator('.le-status').textContent(), 'non éligible : réservé aux membres Gold');
  const accent = await page.locator('.le-cost').first().evaluate((el) => getComputedStyle(el).color);
  assert.equal(accent, 'rgb(10, 125, 50)');
  await shot(page, 'journey-7-inline-fr');
  await assertAccessible(page, 'journey-7-inline-fr');
  // The history, worded by core in French, numbers and dates by Intl.
  await page.getByRole('tab', { name: 'Historique' }).click();
  const line = page.locator('.le-txn').first();
  await line.waitFor();
  const [what, when, points] = await line.locator('span').allTextContents();
  assert.match(what, /^Achat order-/);
  assert.match(when, /^\d{1,2} [a-zé]+\.? 2\d{3}$/);
  assert.equal(points, '+350');
});

/** A member who bought for `amount_minor`, on the shop page with the widget open. */
async function openAsMember(prefix, amount_minor) {
  const customer = uid(prefix);
  await purchase(customer, amount_minor);
  const { page } = stack.b;
  await page.goto(`${stack.w.base}/?customer=${customer}`);
  const ui = widget(page);
  await ui.launcher.click();
  return { customer, page, ui };
}

test('a refusal from the API is shown in words and the figures are brought up to date', async () => {
  const { customer, page, ui } = await openAsMember('refused', 60_000);
  await ui.balance.filter({ hasText: '600' }).waitFor();
  const errors = [];
  await page.exposeFunction('reportLoyaltyError', (code) => errors.push(code));
  await page.evaluate(() => document.addEventListener('loyalty:error', (e) => window.reportLoyaltyError(e.detail.code)));
  await ui.reward('5_OFF').getByRole('button', { name: 'Redeem' }).click();
  // Meanwhile the points are spent elsewhere (another tab, the store's staff).
  const spent = await api(stack.w.base, 'POST', `/v1/members/${customer}/adjustments`, { body: { points: -200, reason: 'spent in store' } });
  assert.equal(spent.status, 201, spent.text);
  await ui.reward('5_OFF').getByRole('button', { name: 'Confirm' }).click();
  // The API's refusal, in the widget's words, stays in the live region;
  // the balance and the card catch up with the ledger.
  const words = 'You do not have enough points for this reward.';
  await page.locator('.le-live', { hasText: words }).waitFor();
  await ui.balance.filter({ hasText: '400' }).waitFor();
  await ui.reward('5_OFF').locator('.le-status', { hasText: /^You need 100 more points$/ }).waitFor();
  assert.deepEqual(errors, ['insufficient_points']);
  assert.equal(await ui.code.count(), 0, 'no coupon was issued');
  const me = await api(stack.w.base, 'GET', `/v1/members/${customer}`);
  assert.equal(me.json.balance, 400, 'nothing was spent by the refused redemption');
  await shot(page, 'journey-9-refusal');
});

test('a redemption lost to the network: the card says so, Redeem is back with focus, and trying again redeems once', async () => {
  const { customer, page, ui } = await openAsMember('lost', 60_000);
  await ui.balance.filter({ hasText: '600' }).waitFor();
  const card = ui.reward('5_OFF');
  await page.route('**/v1/me/redemptions', (r) => r.abort());
  await card.getByRole('button', { name: 'Redeem' }).click();
  await card.getByRole('button', { name: 'Confirm' }).click();
  await card.locator('.le-error', { hasText: 'Could not reach the rewards service. Check your connection.' }).waitFor();
  // The figures stay (a network error is not a refusal), the button is
  // enabled again, and a keyboard user is back on it.
  const redeem = card.getByRole('button', { name: 'Redeem' });
  assert.equal(await redeem.isEnabled(), true);
  await page.waitForFunction(
    () => document.querySelector('[data-loyalty-edge]').shadowRoot.activeElement?.textContent === 'Redeem'
  );
  assert.equal(await ui.balance.textContent(), '600');
  await page.unroute('**/v1/me/redemptions');
  await redeem.click();
  assert.equal(await card.locator('.le-error').count(), 0, 'the old reason goes once the shopper tries again');
  await card.getByRole('button', { name: 'Confirm' }).click();
  await ui.code.waitFor();
  await ui.balance.filter({ hasText: '100' }).waitFor();
  const tx = await api(stack.w.base, 'GET', `/v1/members/${customer}/transactions`);
  assert.equal(tx.json.transactions.filter((t) => t.kind === 'redeem').length, 1);
});

test("a coupon states its conditions: what it gives, until when, from what order in the store's currency", async () => {
  const { page, ui } = await openAsMember('conditions', 40_000);
  await ui.reward('FREE_SHIP').getByRole('button', { name: 'Redeem' }).click();
  await ui.reward('FREE_SHIP').getByRole('button', { name: 'Confirm' }).click();
  await ui.code.waitFor();
  const lines = await page.locator('.le-coupon .le-muted').allTextContents();
  assert.equal(lines[0], 'Your code · free shipping');
  assert.match(lines[1], /^Valid until [A-Z][a-z]{2} \d{1,2}, 2\d{3}$/);
  // The coupon's discount names no currency; the minimum is in the store's.
  assert.equal(lines[2], 'Minimum order $20.00');
  // Another day, at checkout, the code is one click away.
  const code = await ui.code.textContent();
  await page.evaluate(() => sessionStorage.removeItem('loyalty-coupon'));
  await page.goto(`${stack.w.base}/checkout.html`);
  assert.equal(await page.locator('#code').inputValue(), '');
  await page.getByRole('button', { name: `Use ${code}` }).click();
  assert.equal(await page.locator('#code').inputValue(), code);
  // Worded by the API, as the widget words it.
  assert.match(await page.locator('#my-codes li').first().textContent(), / free shipping · Minimum order \$20\.00$/);
});

test('a network failure shows a message and a retry that works', async () => {
  const customer = uid('offline');
  const { page } = stack.b;
  let fail = true;
  await page.route('**/v1/me', (r) => (fail ? r.abort() : r.continue()));
  await page.goto(`${stack.w.base}/?customer=${customer}`);
  await widget(page).launcher.click();
  const retry = page.getByRole('button', { name: 'Try again' });
  await retry.first().waitFor();
  assert.match(await page.locator('.le-error p').first().textContent(), /Could not reach the rewards service/);
  await shot(page, 'journey-8-offline');
  await assertAccessible(page, 'journey-8-offline');
  fail = false;
  await retry.first().click();
  await widget(page).balance.waitFor();
  await page.unroute('**/v1/me');
});

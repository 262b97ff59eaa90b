// Seed 004's reward object in the widget, in Chromium against the real
// Worker: the reward's picture with its name as the text alternative, its
// own words in the shopper's language before confirming and with the
// result, shown as text (never markup), and the widget's own words where
// the reward has none in that language.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, credit, tokenFor, uid } from '../harness.mjs';
import { a11yViolations, shot, signInOnDemoStore, workerAndBrowser } from './browser.mjs';

const stack = workerAndBrowser();

test("a reward's picture and its own words show in the widget, as text, in the shopper's language", async () => {
  const id = uid('TOTE');
  const reward = {
    name: 'Canvas tote',
    kind: 'free_product',
    points_cost: 100,
    discount: { sku: 'TOTE-1' },
    show_to_guests: true,
    image_url: `${stack.w.base.replace('http:', 'https:')}/tote.png`,
    texts: {
      en: { confirm: 'Ships within 3 days. <b>Free</b>', after: 'Your tote is on its way. <script>window.pwned=1</script>' },
    },
  };
  assert.equal((await api(stack.w.base, 'PUT', `/v1/rewards/${id}`, { body: reward })).status, 200);
  const member = uid('tote');
  await credit(stack.w.base, member, 500);
  const page = await signInOnDemoStore(stack.b, stack.w.base, member);
  const card = page.locator(`.le-reward[data-reward-id="${id}"]`);
  await card.waitFor();
  const img = card.locator('img.le-reward-img');
  assert.equal(await img.getAttribute('src'), reward.image_url);
  assert.equal(await img.getAttribute('alt'), 'Canvas tote');

  await card.getByRole('button', { name: 'Redeem' }).click();
  const confirm = card.locator('.le-confirm');
  await confirm.waitFor();
  assert.equal(await confirm.locator('.le-muted').textContent(), reward.texts.en.confirm, 'as written, as text');
  assert.equal(await confirm.locator('b').count(), 0);
  const violations = await a11yViolations(page);
  assert.deepEqual(violations, [], violations.join('\n'));
  await shot(page, 'reward-texts-confirm');
  await confirm.locator('.le-confirm-yes').click();
  const after = page.locator('.le-coupon .le-after');
  await after.waitFor();
  assert.equal(await after.textContent(), reward.texts.en.after);
  assert.equal(await page.evaluate(() => window.pwned), undefined, 'never run');

  // In French the reward has no words of its own: the API gives none, and
  // the widget's own confirmation stands alone.
  const view = async (lang) =>
    (await api(stack.w.base, 'GET', '/v1/me/rewards', { auth: tokenFor(member), headers: { 'accept-language': lang } })).json.rewards.find(
      (o) => o.reward.reward_id === id
    ).reward;
  assert.equal((await view('en')).confirm_text, reward.texts.en.confirm);
  assert.equal((await view('fr')).confirm_text, undefined);
  assert.equal((await view('fr')).image_url, reward.image_url);
  await page.close();
});

test('a reward whose redemption needs details says so in the widget, and one whose details are optional redeems', async () => {
  const [needs, optional] = [uid('ENGRAVE'), uid('WRAP')];
  const base = { kind: 'free_product', points_cost: 100, discount: { sku: 'MUG-1' }, show_to_guests: true };
  const put = (id, body) => api(stack.w.base, 'PUT', `/v1/rewards/${id}`, { body: { ...base, ...body } });
  assert.equal((await put(needs, { name: 'Engraved mug', transaction_attributes: [{ attribute_id: 'engraving', name: 'Engraving', type: 'text', mandatory: true }] })).status, 200);
  assert.equal((await put(optional, { name: 'Wrapped mug', transaction_attributes: [{ attribute_id: 'gift_wrap', name: 'Gift wrap', type: 'boolean' }] })).status, 200);
  const member = uid('mug');
  await credit(stack.w.base, member, 500);
  const page = await signInOnDemoStore(stack.b, stack.w.base, member);
  const card = page.locator(`.le-reward[data-reward-id="${needs}"]`);
  await card.waitFor();
  assert.equal(await card.locator('.le-status').textContent(), 'Redeemed with the store: it needs details from you');
  assert.equal(await card.getByRole('button', { name: 'Redeem' }).isDisabled(), true);
  // The store redeems it with the details, on the member's behalf.
  const r = await api(stack.w.base, 'POST', `/v1/members/${member}/redemptions`, {
    body: { reward_id: needs, attributes: { engraving: 'For Sam' } },
  });
  assert.equal(r.status, 201, r.text);

  const other = page.locator(`.le-reward[data-reward-id="${optional}"]`);
  await other.getByRole('button', { name: 'Redeem' }).click();
  await other.locator('.le-confirm .le-confirm-yes').click();
  await page.locator('.le-coupon').waitFor();
  await page.close();
});

// Store gift cards (shared/API.md, kind `gift_card`) through the real Worker
// and D1: redeeming the reward issues a code with a balance; checkout debits
// it in parts across orders, once per order, never below zero; the balance
// is readable by the store and in the shopper's codes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, credit, startWorker, tokenFor, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

const card = (amount_minor = 2_500, extra = {}) => ({
  name: '$25 gift card',
  kind: 'gift_card',
  points_cost: 2_000,
  discount: { amount_minor, currency: 'USD' },
  coupon: { prefix: 'GIFT', expires_in_days: 365 },
  ...extra,
});

async function issue(reward = card()) {
  const id = uid('GC');
  const put = await api(w.base, 'PUT', `/v1/rewards/${id}`, { body: reward });
  assert.equal(put.status, 200, put.text);
  const member = uid('gc');
  await credit(w.base, member, reward.points_cost);
  const r = await api(w.base, 'POST', '/v1/me/redemptions', { auth: tokenFor(member), body: { reward_id: id } });
  assert.equal(r.status, 201, r.text);
  return { id, member, receipt: r.json, code: r.json.coupon.code };
}

const debit = (code, order_id, amount_minor, headers = {}) =>
  api(w.base, 'POST', `/v1/gift-cards/${code}/debit`, { body: { order_id, amount_minor }, headers });

describe('gift cards', () => {
  test('a gift_card reward is checked like a fixed amount', async () => {
    const bad = await api(w.base, 'PUT', `/v1/rewards/${uid('GC')}`, {
      body: card(undefined, { discount: { currency: 'USD', percent: 5 } }),
    });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /a gift_card needs a positive amount_minor/);
    assert.match(bad.text, /do not apply to this kind/);
  });

  test('redeeming issues a code with a balance, debited in parts across orders, once per order', async () => {
    const { id, member, receipt, code } = await issue();
    assert.match(code, /^GIFT-/);
    assert.equal(receipt.coupon.discount.kind, 'gift_card');
    assert.equal(receipt.coupon.offer, 'gift card: $25.00 left');

    const got = await api(w.base, 'GET', `/v1/gift-cards/${code}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.balance_minor, 2_500);
    assert.equal(got.json.initial_minor, 2_500);
    assert.equal(got.json.currency, 'USD');
    assert.equal(got.json.customer_id, member);
    assert.equal(got.json.reward_id, id);
    const year = Date.parse(got.json.expires_at) - Date.now();
    assert.ok(Math.abs(year - 365 * 86_400_000) < 120_000, got.json.expires_at);
    assert.deepEqual(got.json.debits, []);

    const o1 = uid('o');
    const d1 = await debit(code, o1, 1_000);
    assert.equal(d1.status, 201, d1.text);
    assert.deepEqual(d1.json, { code, order_id: o1, debited: 1_000, balance_minor: 1_500, currency: 'USD' });
    // The same order again: the first answer, nothing more taken (even if the amount differs).
    const again = await debit(code, o1, 700);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json, d1.json);
    // Lower case and spaces are read as the code.
    const d2 = await debit(` ${code.toLowerCase()} `.trim(), uid('o'), 650);
    assert.equal(d2.status, 201, d2.text);
    assert.equal(d2.json.balance_minor, 850);

    // More than is left: 409 insufficient_funds, nothing taken.
    const over = await debit(code, uid('o'), 851);
    assert.equal(over.status, 409, over.text);
    assert.equal(over.json.error.code, 'insufficient_funds');
    assert.equal(over.json.error.message, 'the gift card holds $8.50; the debit asks for $8.51');
    const rest = await debit(code, uid('o'), 850);
    assert.equal(rest.status, 201, rest.text);
    assert.equal(rest.json.balance_minor, 0);

    const spent = await api(w.base, 'GET', `/v1/gift-cards/${code}`);
    assert.equal(spent.json.balance_minor, 0);
    assert.deepEqual(
      spent.json.debits.map((d) => d.amount_minor).sort((a, b) => a - b),
      [650, 850, 1_000]
    );
    // Spent: validation says so, and the shopper's codes no longer list it.
    const v = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code } });
    assert.deepEqual([v.json.valid, v.json.reason], [false, 'already_used']);
    const mine = await api(w.base, 'GET', '/v1/me/coupons', { auth: tokenFor(member) });
    assert.equal(mine.json.coupons.filter((c) => c.code === code).length, 0);
    const exported = (await api(w.base, 'GET', `/v1/members/${member}/export`)).json;
    assert.deepEqual(
      exported.gift_cards.map((g) => [g.code, g.reward_id, g.initial_minor, g.balance_minor, g.currency]),
      [[code, id, 2_500, 0, 'USD']]
    );
  });

  test('the balance left is what validation and the shopper read; the coupon route refuses a gift card', async () => {
    const { member, code } = await issue();
    assert.equal((await debit(code, uid('o'), 600)).status, 201);
    const v = await api(w.base, 'POST', '/v1/coupons/validate', {
      body: { code, customer_id: member, order_amount_minor: 5_000, currency: 'USD' },
    });
    assert.equal(v.json.valid, true, v.text);
    assert.deepEqual([v.json.discount.kind, v.json.discount.amount_minor], ['gift_card', 1_900]);
    const small = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code, order_amount_minor: 1_200 } });
    assert.equal(small.json.discount.amount_minor, 1_200, 'never more than the order');
    const mine = await api(w.base, 'GET', '/v1/me/coupons', { auth: tokenFor(member) });
    const listed = mine.json.coupons.find((c) => c.code === code);
    assert.equal(listed.offer, 'gift card: $19.00 left');
    const fr = await api(w.base, 'GET', '/v1/me/coupons', { auth: tokenFor(member), headers: { 'Accept-Language': 'fr' } });
    assert.equal(fr.json.coupons.find((c) => c.code === code).offer, 'carte cadeau\u00a0: 19,00\u00a0$US restants');

    const used = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: uid('o') } });
    assert.equal(used.status, 409, used.text);
    assert.equal(used.json.error.code, 'coupon_invalid');
    assert.match(used.json.error.message, /gift card/);
    assert.equal((await api(w.base, 'GET', `/v1/gift-cards/${code}`)).json.balance_minor, 1_900);
  });

  test('unknown, malformed and expired cards; bad amounts', async () => {
    assert.equal((await debit('GIFT-NONE-NONE-NONE', uid('o'), 100)).status, 404);
    assert.equal((await api(w.base, 'GET', '/v1/gift-cards/GIFT-NONE-NONE-NONE')).status, 404);
    assert.equal((await api(w.base, 'GET', '/v1/gift-cards/%3Cscript%3E')).status, 404);
    const { code } = await issue();
    for (const amount of [0, -5, 1.5, '100']) {
      const r = await debit(code, uid('o'), amount);
      assert.equal(r.status, 400, `${amount}: ${r.text}`);
    }
    assert.equal((await debit(code, 'bad order id!', 100)).status, 400);
    w.editDatabase(`UPDATE gift_cards SET expires_at = issued_at - 1 WHERE code = '${code}'`);
    const late = await debit(code, uid('o'), 100);
    assert.equal(late.status, 409, late.text);
    assert.equal(late.json.error.code, 'coupon_invalid');
    assert.match(late.json.error.message, /expired/);
    assert.equal((await api(w.base, 'GET', `/v1/gift-cards/${code}`)).json.balance_minor, 2_500);
  });

  test('race: 10 concurrent debits that together exceed the balance: exactly those it pays for succeed', async () => {
    const { code } = await issue();
    const results = await Promise.all(Array.from({ length: 10 }, () => debit(code, uid('o'), 600)));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    assert.equal(ok.length, 4, results.map((r) => `${r.status} ${r.json?.error?.code ?? ''}`).join(','));
    assert.equal(refused.length, 6);
    assert.ok(refused.every((r) => r.json.error.code === 'insufficient_funds'));
    const left = (await api(w.base, 'GET', `/v1/gift-cards/${code}`)).json;
    assert.equal(left.balance_minor, 100);
    assert.equal(left.debits.length, 4);
    assert.ok(ok.every((r) => r.json.balance_minor >= 100));
  });

  test('the same Idempotency-Key replays; a read-scope key cannot debit', async () => {
    const { code } = await issue();
    const key = uid('k');
    const order = uid('o');
    const a = await debit(code, order, 300, { 'Idempotency-Key': key });
    const b = await debit(code, order, 300, { 'Idempotency-Key': key });
    assert.equal(a.status, 201);
    assert.deepEqual(b.json, a.json);
    const made = await api(w.base, 'POST', '/v1/api-keys', { body: { name: uid('ro'), scopes: ['read'] } });
    assert.equal(made.status, 201, made.text);
    const ro = await api(w.base, 'POST', `/v1/gift-cards/${code}/debit`, {
      body: { order_id: uid('o'), amount_minor: 1 },
      auth: made.json.key,
    });
    assert.equal(ro.status, 403, ro.text);
    const read = await api(w.base, 'GET', `/v1/gift-cards/${code}`, { auth: made.json.key });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.json.balance_minor, 2_200);
  });
});

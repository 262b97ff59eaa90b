// Line items (`earn.category_rates`, `earn.exclusions`, a purchase's
// `items`): each item earns at its category's rate, excluded items earn
// nothing, and a refund of some items takes back what those items earned,
// through the real Worker and D1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, api, startWorker, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker({ limiter: false });
  const program = JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8'));
  program.earn.category_rates = [{ category: 'Shoes', points: 5, per_amount_minor: 100 }];
  program.earn.exclusions = { skus: ['GIFT-50'], categories: ['Gift Cards'] };
  const put = await api(w.base, 'PUT', '/v1/program', { body: program });
  assert.equal(put.status, 200, put.text);
});
after(async () => w?.stop());

const CART = [
  { sku: 'TEE', quantity: 1, amount_minor: 2_550 },
  { sku: 'BOOT', category: 'shoes', quantity: 2, amount_minor: 10_000 },
  { sku: 'GIFT-50', quantity: 1, amount_minor: 5_000 },
  { sku: 'CARD', category: 'gift cards', quantity: 1, amount_minor: 2_500 },
];
const TOTAL = 21_050; // the items and 1,000 of shipping

async function buy(customer, items = CART, amount_minor = TOTAL) {
  const order_id = uid('o');
  const body = { type: 'purchase', order_id, customer_id: customer, amount_minor, currency: 'USD', items };
  const r = await api(w.base, 'POST', '/v1/events', { body });
  return { ...r, order_id };
}

const refund = (order, body) => api(w.base, 'POST', `/v1/orders/${order}/refunds`, { body });
const member = async (c) => (await api(w.base, 'GET', `/v1/members/${c}`)).json;

describe('line items', () => {
  test('each item earns at its rate, excluded items and shipping earn nothing, and the program says so in words', async () => {
    const c = uid('li');
    const r = await buy(c);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.items, [
      { sku: 'TEE', points: 25, excluded: false },
      { sku: 'BOOT', points: 500, excluded: false },
      { sku: 'GIFT-50', points: 0, excluded: true },
      { sku: 'CARD', points: 0, excluded: true },
    ]);
    assert.equal(r.json.points_earned, 525);
    assert.equal((await member(c)).balance, 525);

    const words = (await api(w.base, 'GET', '/v1/program', { auth: 'none' })).json.earn_rules;
    assert.ok(words.includes('Earn 5 points for every $1.00 spent on Shoes'), words.join(' | '));
    assert.ok(words.includes('Gift Cards earn no points'), words.join(' | '));

    const over = await buy(c, CART, 20_049);
    assert.equal(over.status, 400);
    assert.match(over.json.error.message, /^items: their amounts add up to 20050/);
    const twice = await buy(c, [CART[0], CART[0]], TOTAL);
    assert.equal(twice.status, 400);
    assert.match(twice.json.error.message, /items\[1\]\.sku/);
  });

  test('a refund takes back what the refunded items earned, nothing for an excluded one, and all of it in the end', async () => {
    const c = uid('lr');
    const { order_id, json } = await buy(c);
    assert.equal(json.points_earned, 525);

    const gift = await refund(order_id, { amount_minor: 5_000, items: [{ sku: 'GIFT-50', amount_minor: 5_000 }] });
    assert.equal(gift.status, 201, gift.text);
    assert.equal(gift.json.points_reversed, 0, 'an excluded item earned nothing, so its refund takes nothing');
    assert.deepEqual(gift.json.items, [{ sku: 'GIFT-50', amount_minor: 5_000, points_due: 0 }]);

    const boots = await refund(order_id, { amount_minor: 5_500, items: [{ sku: 'BOOT', amount_minor: 5_000 }] });
    assert.equal(boots.status, 201, boots.text);
    assert.equal(boots.json.points_reversed, 250, 'one boot of two, and 500 of shipping that earned nothing');
    assert.equal((await member(c)).balance, 275);

    const unknown = await refund(order_id, { amount_minor: 100, items: [{ sku: 'NOPE', amount_minor: 100 }] });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error.message, /items\[0\]\.sku: is not an item of this order/);
    const past = await refund(order_id, { amount_minor: 6_000, items: [{ sku: 'BOOT', amount_minor: 6_000 }] });
    assert.equal(past.status, 400);
    assert.match(past.json.error.message, /items\[0\]\.amount_minor: must be 1 to 5000/);

    const rest = await refund(order_id, { amount_minor: TOTAL - 10_500 });
    assert.equal(rest.status, 201, rest.text);
    assert.equal(rest.json.points_reversed, 275, 'the full refund brings the order to zero');
    const m = await member(c);
    assert.equal(m.balance, 0);
    assert.equal(m.lifetime_earned, 0);
    const more = await refund(order_id, { amount_minor: 1 });
    assert.equal(more.status, 400);

    const lines = w.queryDatabase(`SELECT sku, amount_minor, refunded_minor FROM order_items WHERE order_id = '${order_id}' ORDER BY line`);
    assert.deepEqual(lines.map((l) => [l.sku, l.refunded_minor === l.amount_minor]), CART.map((i) => [i.sku, true]));
  });

  test('an order sent without items cannot be refunded by item, and is refunded as before', async () => {
    const c = uid('ln');
    const order_id = uid('o');
    const r = await api(w.base, 'POST', '/v1/events', {
      body: { type: 'purchase', order_id, customer_id: c, amount_minor: 10_000, currency: 'USD' },
    });
    assert.equal(r.status, 201);
    assert.equal(r.json.items, undefined);
    const named = await refund(order_id, { amount_minor: 100, items: [{ sku: 'TEE', amount_minor: 100 }] });
    assert.equal(named.status, 400);
    const half = await refund(order_id, { amount_minor: 5_000 });
    assert.equal(half.json.points_reversed, 50);
  });

  test('refunds of one item racing each other never refund it past its amount', async () => {
    const c = uid('lx');
    const { order_id } = await buy(c);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => refund(order_id, { amount_minor: 3_000, items: [{ sku: 'BOOT', amount_minor: 3_000 }] })),
    );
    const ok = answers.filter((a) => a.status === 201);
    for (const a of answers) assert.ok([201, 400, 409].includes(a.status), a.text);
    assert.ok(ok.length >= 1 && ok.length <= 3, `${ok.length} of 5 refunds of 3,000 from 10,000 landed`);
    assert.equal(ok.reduce((s, a) => s + a.json.points_reversed, 0), ok.length * 150);
    const [line] = w.queryDatabase(`SELECT refunded_minor FROM order_items WHERE order_id = '${order_id}' AND sku = 'BOOT'`);
    assert.equal(line.refunded_minor, ok.length * 3_000);
    assert.equal((await member(c)).balance, 525 - ok.length * 150);
  });
});

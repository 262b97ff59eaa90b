// Points at checkout (shared/API.md, "Points at checkout") through the real
// Worker, D1 and its scheduled job: a single-use code worth N points for one
// order of one customer, debited when it is made, used once on its order,
// and given back once (a positive `refund` entry) if its hour passes unused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, api, credit, fireCron, startWorker, tokenFor, uid } from '../harness.mjs';

const program = {
  ...JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8')),
  points_value: { points: 100, amount_minor: 100 },
  checkout_points_step: 500,
};

let w;
before(async () => {
  w = await startWorker({ program });
});
after(async () => w?.stop());

const ask = (customer_id, order_id, points, headers = {}) =>
  api(w.base, 'POST', '/v1/checkout/points', { body: { customer_id, order_id, points }, headers });
const me = async (c) => (await api(w.base, 'GET', '/v1/me', { auth: tokenFor(c) })).json;
const history = async (c) =>
  (await api(w.base, 'GET', `/v1/members/${c}/transactions?limit=100`)).json.transactions;

describe('points at checkout', () => {
  test('the program offers it; only positive multiples of the step; a code is worth its points', async () => {
    const p = (await api(w.base, 'GET', '/v1/program', { auth: 'none' })).json;
    assert.deepEqual(p.pay_with_points, { step: 500, step_amount_minor: 500, currency: 'USD' });

    const c = uid('pay');
    await credit(w.base, c, 1_200);
    for (const bad of [0, -500, 250, 501, 1.5, '500']) {
      const r = await ask(c, uid('o'), bad);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_request');
    }
    assert.equal((await me(c)).balance, 1_200, 'a refused request writes nothing');

    const order = uid('o');
    const r = await ask(c, order, 1_000);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.points_debited, 1_000);
    assert.equal(r.json.balance_after, 200);
    assert.equal(r.json.customer_id, c);
    assert.equal(r.json.order_id, order);
    assert.match(r.json.coupon.code, /^PTS(-[A-HJ-KM-NP-Z2-9]{4}){3}$/);
    assert.deepEqual(
      { amount_minor: r.json.coupon.discount.amount_minor, currency: r.json.coupon.discount.currency },
      { amount_minor: 1_000, currency: 'USD' }
    );
    assert.equal(r.json.coupon.offer, '$10.00 off');
    const hour = Date.parse(r.json.coupon.expires_at) - Date.now();
    assert.ok(hour > 3_500_000 && hour <= 3_600_000, r.json.coupon.expires_at);
    assert.equal((await me(c)).balance, 200);

    // More than the balance: 409, nothing written.
    const short = await ask(c, uid('o'), 500);
    assert.equal(short.status, 409, short.text);
    assert.equal(short.json.error.code, 'insufficient_points');
    assert.equal((await me(c)).balance, 200);

    // The same order again: the first answer; other points for it: 409.
    const again = await ask(c, order, 1_000);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json, r.json);
    const other = await ask(c, order, 500);
    assert.equal(other.status, 409, other.text);
    assert.match(other.json.error.message, /already has a code for 1000 points/);

    // A program without points_value: the route says why.
    const { points_value: _v, checkout_points_step: _s, ...plain } = program;
    const off = await startWorker({ program: plain });
    try {
      await credit(off.base, c, 600);
      const r2 = await api(off.base, 'POST', '/v1/checkout/points', { body: { customer_id: c, order_id: uid('o'), points: 500 } });
      assert.equal(r2.status, 409, r2.text);
      assert.match(r2.json.error.message, /points_value/);
      assert.equal((await api(off.base, 'GET', '/v1/program', { auth: 'none' })).json.pay_with_points, undefined);
    } finally {
      await off.stop();
    }
  });

  test('the code is validated and used once, on its order and by its customer only', async () => {
    const c = uid('use');
    await credit(w.base, c, 500);
    const order = uid('o');
    const made = await ask(c, order, 500);
    assert.equal(made.status, 201, made.text);
    const code = made.json.coupon.code;

    const v = await api(w.base, 'POST', '/v1/coupons/validate', {
      body: { code, customer_id: c, order_amount_minor: 3_000, currency: 'USD' },
    });
    assert.equal(v.status, 200);
    assert.equal(v.json.valid, true, v.text);
    assert.equal(v.json.discount.amount_minor, 500);
    assert.equal(v.json.reward_id, undefined);
    // Another customer learns nothing of it, as with a reward's coupon.
    const wrong = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code, customer_id: uid('else') } });
    assert.deepEqual([wrong.json.valid, wrong.json.reason], [false, 'not_found']);
    const theirs = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, {
      body: { order_id: order, customer_id: uid('else') },
    });
    assert.equal(theirs.status, 409, theirs.text);
    assert.match(theirs.json.error.message, /unknown coupon code/);

    const elsewhere = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: uid('o') } });
    assert.equal(elsewhere.status, 409, elsewhere.text);
    assert.equal(elsewhere.json.error.code, 'coupon_invalid');
    assert.match(elsewhere.json.error.message, /another order/);

    const used = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: order } });
    assert.equal(used.status, 200, used.text);
    assert.deepEqual(
      [used.json.code, used.json.order_id, used.json.customer_id, used.json.discount.amount_minor],
      [code, order, c, 500]
    );
    assert.equal(used.json.reward_id, undefined);
    // The same order again: the same answer; the code is spent.
    const twice = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: order } });
    assert.deepEqual(twice.json, used.json);
    const after = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code } });
    assert.deepEqual([after.json.valid, after.json.reason], [false, 'already_used']);

    // A used code never comes back, whatever the job does later.
    w.editDatabase(`UPDATE checkout_codes SET expires_at = created_at - 1 WHERE code = '${code}'`);
    await fireCron(w.base);
    await fireCron(w.base);
    assert.equal((await me(c)).balance, 0);
    const cancel = await api(w.base, 'DELETE', `/v1/checkout/points/${code}`);
    assert.equal(cancel.status, 409, cancel.text);
    assert.equal((await me(c)).balance, 0);
  });

  test('an unused code gives its points back once, after its hour, as a refund entry', async () => {
    const c = uid('back');
    await credit(w.base, c, 700);
    const order = uid('o');
    const made = await ask(c, order, 500);
    assert.equal(made.status, 201, made.text);
    const code = made.json.coupon.code;
    const lifetime = (await me(c)).lifetime_earned;

    // Within the hour the job leaves it alone.
    await fireCron(w.base);
    assert.equal((await me(c)).balance, 200);

    // The hour is over, as D1 sees it.
    w.editDatabase(`UPDATE checkout_codes SET expires_at = created_at - 1 WHERE code = '${code}'`);
    await fireCron(w.base);
    await fireCron(w.base);
    const m = await me(c);
    assert.equal(m.balance, 700, 'the points are back, once');
    assert.equal(m.lifetime_earned, lifetime, 'points given back are not earned');
    const back = (await history(c)).filter((t) => t.kind === 'refund');
    assert.equal(back.length, 1, JSON.stringify(back));
    assert.equal(back[0].points, 500);
    assert.equal(back[0].description, `Points returned: code ${code} was not used`);
    const spent = (await history(c)).find((t) => t.kind === 'redeem');
    assert.equal(spent.description, `Points used at checkout on order ${order}`);

    // The code is dead: not valid, not usable, and a late cancel changes nothing.
    const v = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code } });
    assert.deepEqual([v.json.valid, v.json.reason], [false, 'expired']);
    const late = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: order } });
    assert.equal(late.status, 409);
    assert.match(late.json.error.message, /points were given back/);
    const cancel = await api(w.base, 'DELETE', `/v1/checkout/points/${code}`);
    assert.equal(cancel.status, 200, cancel.text);
    assert.equal((await me(c)).balance, 700);
    const rows = w.queryDatabase(`SELECT COUNT(*) AS n FROM ledger WHERE cause = 'return:${code}'`);
    assert.equal(rows[0].n, 1);

    // The member's export has the code and when its points came back.
    const exported = (await api(w.base, 'GET', `/v1/members/${c}/export`)).json;
    const mine = exported.checkout_codes.find((x) => x.code === code);
    assert.deepEqual([mine.order_id, mine.points, mine.amount_minor, mine.used_at], [order, 500, 500, null]);
    assert.ok(mine.returned_at);

    // Once given back, the order may ask again.
    const again = await ask(c, order, 500);
    assert.equal(again.status, 201, again.text);
    assert.notEqual(again.json.coupon.code, code);
  });

  test('a cancel gives the points back at once; the code is then refused', async () => {
    const c = uid('cancel');
    await credit(w.base, c, 500);
    const made = await ask(c, uid('o'), 500);
    const code = made.json.coupon.code;
    const cancel = await api(w.base, 'DELETE', `/v1/checkout/points/${code}`);
    assert.equal(cancel.status, 200, cancel.text);
    assert.deepEqual([cancel.json.code, cancel.json.points_returned, cancel.json.balance_after], [code, 500, 500]);
    const used = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: made.json.order_id } });
    assert.equal(used.status, 409);
    assert.equal((await api(w.base, 'DELETE', '/v1/checkout/points/PTS-NONE-NONE-NONE')).status, 404);
  });

  test('race: 10 concurrent requests that together exceed the balance never overdraw it', async () => {
    const c = uid('race');
    await credit(w.base, c, 2_300);
    const results = await Promise.all(Array.from({ length: 10 }, () => ask(c, uid('o'), 500)));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    assert.equal(ok.length, 4, results.map((r) => r.status).join(','));
    assert.equal(refused.length, 6);
    assert.ok(refused.every((r) => r.json.error.code === 'insufficient_points'));
    const m = await me(c);
    assert.equal(m.balance, 300);
    const sum = (await history(c)).reduce((s, t) => s + t.points, 0);
    assert.equal(sum, m.balance, 'balance = Σ ledger');
    assert.equal(new Set(ok.map((r) => r.json.coupon.code)).size, 4);
  });

  test('the same Idempotency-Key with the same body answers the first response', async () => {
    const c = uid('idem');
    await credit(w.base, c, 1_000);
    const key = uid('k');
    const body = [c, uid('o'), 500];
    const first = await ask(...body, { 'Idempotency-Key': key });
    const second = await ask(...body, { 'Idempotency-Key': key });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.deepEqual(second.json, first.json);
    assert.equal((await me(c)).balance, 500);
  });
});

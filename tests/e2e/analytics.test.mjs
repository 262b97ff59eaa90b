// Analytics (GET /v1/analytics/summary) through the real Worker and D1:
// the figures are the daily counts the schema keeps as the ledger, members,
// orders and redemptions are written, so every change shows at once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, api, credit, startWorker, tokenFor, uid } from '../harness.mjs';

const program = {
  ...JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8')),
  points_value: { points: 100, amount_minor: 100 },
};

let w;
before(async () => {
  w = await startWorker({ program });
});
after(async () => w?.stop());

const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const summary = async (from = day(-1), to = day(1), auth = 'key') =>
  api(w.base, 'GET', `/v1/analytics/summary?from=${from}&to=${to}`, { auth });

describe('analytics', () => {
  test('the summary counts what was written, day by day, and moves with every change', async () => {
    const [a, b] = [uid('an-a'), uid('an-b')];
    const buy = async (c, amount_minor) => {
      const order_id = uid('o');
      const r = await api(w.base, 'POST', '/v1/events', {
        body: { type: 'purchase', order_id, customer_id: c, amount_minor, currency: 'USD' },
      });
      assert.equal(r.status, 201, r.text);
      return order_id;
    };
    await buy(a, 10_000);
    const bOrder = await buy(b, 5_000);
    await credit(w.base, a, 525);
    const red = await api(w.base, 'POST', '/v1/me/redemptions', { auth: tokenFor(a), body: { reward_id: '5_OFF' } });
    assert.equal(red.status, 201, red.text);
    assert.equal((await api(w.base, 'POST', `/v1/orders/${bOrder}/refunds`, { body: { amount_minor: 5_000 } })).status, 201);

    const r = await summary();
    assert.equal(r.status, 200, r.text);
    const s = r.json;
    assert.deepEqual([s.from, s.to], [day(-1), day(1)]);
    assert.deepEqual(s.totals, {
      points_issued: 100 + 50 + 525,
      points_redeemed: 500,
      points_expired: 0,
      points_outstanding: 125,
      liability_minor: 125,
      members_total: 2,
      members_active: 2,
      redemptions: 1,
      purchases: 2,
      purchase_amount_minor: 15_000,
    });
    assert.deepEqual(s.daily.map((d) => d.date), [day(-1), day(0), day(1)]);
    const today = s.daily[1];
    assert.equal(today.points_issued, 675);
    assert.equal(today.new_members, 2);
    assert.equal(s.daily[0].points_issued, 0);
    assert.deepEqual(s.top_rewards, [{ reward_id: '5_OFF', name: '$5 off', redemptions: 1 }]);
    assert.deepEqual(s.tiers, [{ name: 'Bronze', members: 2 }, { name: 'Silver', members: 0 }, { name: 'Gold', members: 0 }]);

    // The outstanding points agree with the members' balances.
    const [{ sum }] = w.queryDatabase('SELECT SUM(balance) AS sum FROM members');
    assert.equal(s.totals.points_outstanding, sum);

    // An adjustment moves the figures at once.
    await credit(w.base, b, 40);
    const moved = (await summary()).json.totals;
    assert.equal(moved.points_issued, 715);
    assert.equal(moved.points_outstanding, 165);
    assert.equal(moved.liability_minor, 165);

    // A range with nothing in it.
    const empty = (await summary(day(-30), day(-20))).json;
    assert.equal(empty.daily.length, 11);
    assert.equal(empty.totals.points_issued, 0);
    assert.equal(empty.totals.members_active, 0);
    assert.equal(empty.totals.members_total, 2, 'members now, whatever the range');
  });

  test('a range is 1 to 366 UTC days, asked with the read scope', async () => {
    assert.equal((await summary(day(0), day(-1))).status, 400);
    assert.equal((await summary(day(-400), day(0))).status, 400);
    const bad = await api(w.base, 'GET', '/v1/analytics/summary?from=yesterday', {});
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /from: must be a date/);
    assert.match(bad.json.error.message, /to: is required/);
    const key = async (scopes) =>
      (await api(w.base, 'POST', '/v1/api-keys', { body: { name: 'analytics', scopes } })).json.key;
    assert.equal((await summary(day(-1), day(0), await key(['read']))).status, 200);
    assert.equal((await summary(day(-1), day(0), await key(['checkout']))).status, 403);
  });
});

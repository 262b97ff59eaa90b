// Tiers over a window (program `tier_window`, `tier_grace_days`, a tier's
// `entry_reward_id`), through the real Worker, D1, the scheduled job and
// the Queue: up at once, an entry reward given once, down after the grace,
// each move told as tier.changed; progress measured in the window only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, api, fireCron, receiver, startWorker, tokenFor, uid } from '../harness.mjs';

const seed = JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8'));

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

async function useProgram(changes) {
  const program = { ...seed, ...changes };
  const r = await api(w.base, 'PUT', '/v1/program', { body: program });
  assert.equal(r.status, 200, r.text);
}

const windowed = (grace) => ({
  tier_window: 'calendar_year',
  tier_grace_days: grace,
  tiers: [
    { name: 'Bronze', threshold: 0 },
    { name: 'Silver', threshold: 500, multiplier_percent: 125, entry_reward_id: 'FREE_SHIP' },
    { name: 'Gold', threshold: 2000, multiplier_percent: 150 },
  ],
});

const buy = async (c, amount_minor, occurred_at) => {
  const order_id = uid('o');
  const body = { type: 'purchase', order_id, customer_id: c, amount_minor, currency: 'USD' };
  if (occurred_at) body.occurred_at = occurred_at;
  const r = await api(w.base, 'POST', '/v1/events', { body });
  assert.equal(r.status, 201, r.text);
  return order_id;
};
const refund = async (order, amount_minor) =>
  assert.equal((await api(w.base, 'POST', `/v1/orders/${order}/refunds`, { body: { amount_minor } })).status, 201);
const me = async (c) => (await api(w.base, 'GET', '/v1/me', { auth: tokenFor(c) })).json;
const coupons = async (c) => (await api(w.base, 'GET', '/v1/me/coupons', { auth: tokenFor(c) })).json.coupons;

describe('tiers over a window', () => {
  test('up at once, the entry reward once, down once the grace has passed, every move told', async () => {
    await useProgram(windowed(0));
    const rx = await receiver();
    const hook = await api(w.base, 'POST', '/v1/webhooks', { body: { url: rx.url, events: ['tier.changed'] } });
    assert.equal(hook.status, 201, hook.text);
    try {
      const c = uid('tw');
      const order = await buy(c, 60_000);
      let m = await me(c);
      assert.equal(m.tier, 'Silver', 'up at once');
      assert.equal(m.tier_window.window, 'calendar_year');
      assert.equal(m.tier_window.progress, 600);
      assert.equal(m.tier_window.since, `${new Date().toISOString().slice(0, 4)}-01-01T00:00:00Z`);
      assert.equal(m.tier_window.keeps_until, undefined);
      assert.equal(m.next_tier.name, 'Gold');
      assert.equal(m.next_tier.points_needed, 1_400);

      await fireCron(w.base);
      await fireCron(w.base);
      const free = await coupons(c);
      assert.equal(free.length, 1, 'the entry reward, once');
      assert.match(free[0].code, /^SHIP-/);

      await refund(order, 60_000);
      m = await me(c);
      assert.equal(m.tier, 'Bronze', 'no grace: down at once');
      await fireCron(w.base);
      await buy(c, 60_000);
      assert.equal((await me(c)).tier, 'Silver');
      await fireCron(w.base);
      assert.equal((await coupons(c)).length, 1, 'reaching Silver again gives nothing more');

      const deadline = Date.now() + 20_000;
      const mine = () => rx.got.filter((g) => g.json.data.customer_id === c);
      while (mine().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(mine().map((g) => [g.json.data.from, g.json.data.to, g.json.data.direction]), [
        ['Bronze', 'Silver', 'up'],
        ['Silver', 'Bronze', 'down'],
        ['Bronze', 'Silver', 'up'],
      ]);
    } finally {
      await api(w.base, 'DELETE', `/v1/webhooks/${hook.json.webhook_id}`);
      await rx.close();
    }
  });

  test('within the grace a member keeps the tier, and is told until when', async () => {
    await useProgram(windowed(30));
    const c = uid('tg');
    const order = await buy(c, 60_000);
    await fireCron(w.base);
    await refund(order, 60_000);
    const m = await me(c);
    assert.equal(m.tier, 'Silver');
    assert.equal(m.tier_window.progress, 0);
    const until = Date.parse(m.tier_window.keeps_until);
    assert.ok(Math.abs(until - (Date.now() + 30 * 86_400_000)) < 120_000, m.tier_window.keeps_until);
    await fireCron(w.base);
    assert.equal((await me(c)).tier, 'Silver', 'the job keeps it too');
    // Purchases in the grace earn at the tier held.
    const r = await api(w.base, 'POST', '/v1/events', {
      body: { type: 'purchase', order_id: uid('o'), customer_id: c, amount_minor: 10_000, currency: 'USD' },
    });
    assert.equal(r.json.points_earned, 125);
  });

  test('only what falls in the window counts: a spend a year and a month ago does not', async () => {
    await useProgram({
      ...windowed(0),
      tier_window: 'rolling_12_months',
      tier_basis: 'lifetime_spend',
      tiers: [
        { name: 'Bronze', threshold: 0 },
        { name: 'Silver', threshold: 50_000 },
      ],
    });
    const c = uid('tr');
    const longAgo = new Date(Date.now() - 396 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await buy(c, 60_000, longAgo);
    await fireCron(w.base);
    let m = await me(c);
    assert.equal(m.tier_window.progress, 0);
    assert.equal(m.tier, 'Bronze');
    await buy(c, 60_000);
    m = await me(c);
    assert.equal(m.tier_window.progress, 60_000);
    assert.equal(m.tier, 'Silver');
  });

  test('the analytics count each member in the tier the window gives them, not their lifetime figures', async () => {
    await useProgram(windowed(30));
    const held = uid('held');
    const fallen = uid('fallen');
    const risen = uid('risen');
    for (const c of [held, fallen, risen]) await buy(c, 250_000);
    await fireCron(w.base);
    const tiers = async () => {
      const today = new Date().toISOString().slice(0, 10);
      const s = (await api(w.base, 'GET', `/v1/analytics/summary?from=${today}&to=${today}`)).json;
      return Object.fromEntries(s.tiers.map((t) => [t.name, t.members]));
    };
    const before = await tiers();
    // As if last year's points had left the window: `held` fell below Gold
    // ten days ago (within its grace), `fallen` forty days ago (past it).
    const day = 86_400;
    const now = Math.floor(Date.now() / 1000);
    w.editDatabase(`UPDATE members SET tier_progress = 100, tier_held = 'Gold', tier_below_since = ${now - 10 * day} WHERE customer_id = '${held}'`);
    w.editDatabase(`UPDATE members SET tier_progress = 600, tier_held = 'Gold', tier_below_since = ${now - 40 * day} WHERE customer_id = '${fallen}'`);
    assert.equal((await me(held)).tier, 'Gold', 'kept through the grace');
    assert.equal((await me(fallen)).tier, 'Silver', 'the grace has passed');
    assert.equal((await me(risen)).tier, 'Gold');
    const after = await tiers();
    assert.equal(after.Gold, before.Gold - 1, 'the member past the grace has left Gold');
    assert.equal(after.Silver, before.Silver + 1, 'for the tier the window gives');
    assert.equal(after.Bronze, before.Bronze);
  });
});

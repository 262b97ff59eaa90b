// The invariants of shared/API.md, hammered against the real Worker and D1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, api, credit, fireCron, mintToken, startWorker, tokenFor, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

async function ledgerSum(customer) {
  let sum = 0;
  let cursor = null;
  for (;;) {
    const q = cursor ? `?limit=100&cursor=${cursor}` : '?limit=100';
    const r = await api(w.base, 'GET', `/v1/members/${customer}/transactions${q}`);
    sum += r.json.transactions.reduce((a, t) => a + t.points, 0);
    cursor = r.json.next_cursor;
    if (!cursor) return sum;
  }
}

async function balance(customer) {
  return (await api(w.base, 'GET', `/v1/members/${customer}`)).json.balance;
}

describe('invariant 1: a balance never goes below zero', () => {
  test('of 50 concurrent redemptions, exactly as many succeed as the balance pays for', async () => {
    const c = uid('race');
    await credit(w.base, c, 1500); // pays for exactly 3 x 5_OFF (500 each)
    const token = tokenFor(c);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => api(w.base, 'POST', '/v1/me/redemptions', { auth: token, body: { reward_id: '5_OFF' } }))
    );
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    assert.equal(ok.length, 3, results.map((r) => r.status).join(','));
    assert.equal(refused.length, 47);
    assert.ok(refused.every((r) => r.json.error.code === 'insufficient_points'));
    assert.equal(await balance(c), 0);
    assert.equal(await ledgerSum(c), 0);
    assert.equal(new Set(ok.map((r) => r.json.coupon.code)).size, 3, 'three distinct coupons');
  });
});

describe('invariant 2: balance = sum of the ledger, append-only', () => {
  test('after earning, redeeming, adjusting and refunding', async () => {
    const c = uid('sum');
    const order = uid('order');
    let r = await api(w.base, 'POST', '/v1/events', {
      body: { type: 'purchase', order_id: order, customer_id: c, amount_minor: 73_450, currency: 'USD' },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.points_earned, 734);
    r = await api(w.base, 'POST', '/v1/me/redemptions', { auth: tokenFor(c), body: { reward_id: 'FREE_SHIP' } });
    assert.equal(r.status, 201, r.text);
    await credit(w.base, c, -34, 'correction');
    r = await api(w.base, 'POST', `/v1/orders/${order}/refunds`, { body: { amount_minor: 10_000 } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.points_reversed, 99);
    assert.equal(await balance(c), 734 - 300 - 34 - 99);
    assert.equal(await ledgerSum(c), await balance(c));
  });
});

describe('invariant 3: a coupon is used at most once', () => {
  test("another member's code reads as no code at all, at validation and at redemption; pool codes are at least 8 characters", async () => {
    const [owner, other] = [uid('owner'), uid('other')];
    await credit(w.base, owner, 500);
    const red = await api(w.base, 'POST', `/v1/members/${owner}/redemptions`, { body: { reward_id: '5_OFF' } });
    assert.equal(red.status, 201, red.text);
    const code = red.json.coupon.code;
    const validate = (customer_id) => api(w.base, 'POST', '/v1/coupons/validate', { body: { code, customer_id } });
    // Exactly what an unknown code answers: no reason that tells it exists, no reward.
    const unknown = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code: 'LOY-ZZZZ-ZZZZ-ZZZZ', customer_id: other } });
    assert.deepEqual((await validate(other)).json, unknown.json);
    assert.deepEqual(unknown.json, { valid: false, reason: 'not_found' });
    assert.equal((await validate(owner)).json.valid, true);
    // Redemption naming the customer refuses another member's code as unknown, and uses nothing.
    const theirs = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: uid('o'), customer_id: other } });
    assert.equal(theirs.status, 409, theirs.text);
    assert.equal(theirs.json.error.code, 'coupon_invalid');
    assert.match(theirs.json.error.message, /unknown coupon code/);
    const mine = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: uid('o'), customer_id: owner } });
    assert.equal(mine.status, 200, mine.text);
    const short = await api(w.base, 'POST', '/v1/rewards/5_OFF/coupons', { body: { codes: ['ABCDEFGH', 'SHORT7X'] } });
    assert.equal(short.status, 400, short.text);
    assert.match(short.text, /codes\[1\]/);
  });

  test('a coupon raced by 10 orders: one wins, the others are refused', async () => {
    const c = uid('coupon');
    await credit(w.base, c, 500);
    const red = await api(w.base, 'POST', `/v1/members/${c}/redemptions`, { body: { reward_id: '5_OFF' } });
    assert.equal(red.status, 201, red.text);
    const code = red.json.coupon.code;
    const valid = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code, customer_id: c, order_amount_minor: 300, currency: 'USD' } });
    // On a $3.00 order the $5 coupon gives $3.00, and says so in words.
    assert.deepEqual(valid.json, {
      valid: true,
      discount: { kind: 'fixed_amount_discount', amount_minor: 300, currency: 'USD' },
      reward_id: '5_OFF',
      offer: '$3.00 off',
    });
    const orders = Array.from({ length: 10 }, (_, i) => `${c}-order-${i}`);
    const results = await Promise.all(orders.map((o) => api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: o } })));
    const won = results.filter((r) => r.status === 200);
    assert.equal(won.length, 1, results.map((r) => r.status).join(','));
    assert.ok(results.filter((r) => r.status === 409).every((r) => r.json.error.code === 'coupon_invalid'));
    // The winning order may retry and get the same answer.
    const again = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: won[0].json.order_id } });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, won[0].json);
    const used = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code } });
    assert.deepEqual(used.json, { valid: false, reason: 'already_used', reward_id: '5_OFF' });
    const unknown = await api(w.base, 'POST', '/v1/coupons/NOPE-NOPE/redeem', { body: { order_id: 'x' } });
    assert.equal(unknown.status, 409);
    assert.equal(unknown.json.error.code, 'coupon_invalid');
  });

  test('a pool code is handed to at most one redemption; an empty pool_only reward is unavailable', async () => {
    const reward = uid('POOL');
    const put = await api(w.base, 'PUT', `/v1/rewards/${reward}`, {
      body: { name: 'Pool', kind: 'free_shipping', points_cost: 10, coupon: { pool_only: true, expires_in_days: 5 } },
    });
    assert.equal(put.status, 200, put.text);
    const add = await api(w.base, 'POST', `/v1/rewards/${reward}/coupons`, { body: { codes: ['POOL-A001', 'POOL-B002', 'POOL-C003', 'pool-a001'] } });
    assert.equal(add.status, 201, add.text);
    assert.equal(add.json.added, 3);
    assert.deepEqual(add.json.duplicates, ['POOL-A001']);
    const members = Array.from({ length: 8 }, () => uid('pool'));
    for (const m of members) await credit(w.base, m, 10);
    const results = await Promise.all(members.map((m) => api(w.base, 'POST', `/v1/members/${m}/redemptions`, { body: { reward_id: reward } })));
    const ok = results.filter((r) => r.status === 201);
    assert.equal(ok.length, 3, results.map((r) => `${r.status}`).join(','));
    assert.deepEqual(ok.map((r) => r.json.coupon.code).sort(), ['POOL-A001', 'POOL-B002', 'POOL-C003']);
    assert.ok(results.filter((r) => r.status !== 201).every((r) => r.json.error.code === 'reward_unavailable'));
    const info = await api(w.base, 'GET', `/v1/rewards/${reward}`);
    assert.deepEqual(info.json.coupons_info, { total: 3, issued: 3, redeemed: 0 });
  });

  test('a reward with a pool hands out its pool codes first, then generated ones', async () => {
    const reward = uid('MIXED');
    const put = await api(w.base, 'PUT', `/v1/rewards/${reward}`, {
      body: { name: 'Mixed', kind: 'free_shipping', points_cost: 10, coupon: { prefix: 'GEN', expires_in_days: 5 } },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal((await api(w.base, 'POST', `/v1/rewards/${reward}/coupons`, { body: { codes: ['MIX-ONLY1'] } })).status, 201);
    const m = uid('mixed');
    await credit(w.base, m, 30);
    const codes = [];
    for (let i = 0; i < 3; i++) {
      const r = await api(w.base, 'POST', `/v1/members/${m}/redemptions`, { body: { reward_id: reward } });
      assert.equal(r.status, 201, r.text);
      codes.push(r.json.coupon.code);
    }
    assert.equal(codes[0], 'MIX-ONLY1');
    assert.match(codes[1], /^GEN-/);
    assert.match(codes[2], /^GEN-/);
    assert.notEqual(codes[1], codes[2]);
    // Every code counts, generated or pooled (seed 004's coupons_info).
    const info = await api(w.base, 'GET', `/v1/rewards/${reward}`);
    assert.deepEqual(info.json.coupons_info, { total: 3, issued: 3, redeemed: 0 });
    const tx = (await api(w.base, 'GET', `/v1/members/${m}/transactions`)).json.transactions;
    assert.deepEqual(tx.filter((t) => t.kind === 'redeem').map((t) => [t.points, t.description]), Array(3).fill([-10, 'Redeemed: Mixed']));
  });
});

describe('invariant 4: retries never double-earn, double-debit or double-issue', () => {
  test('20 concurrent retries of one purchase earn once; retries answer 200 with the first result', async () => {
    const c = uid('retry');
    const order = uid('order');
    const body = { type: 'purchase', order_id: order, customer_id: c, amount_minor: 25_000, currency: 'USD' };
    const results = await Promise.all(Array.from({ length: 20 }, () => api(w.base, 'POST', '/v1/events', { body })));
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 200).length, 19, statuses.join(','));
    const first = results.find((r) => r.status === 201).json;
    for (const r of results) assert.deepEqual(r.json, first);
    assert.equal(await balance(c), 250);
    assert.equal(await ledgerSum(c), 250);
  });

  test('Idempotency-Key: same key and body replays; a different body is 409', async () => {
    const c = uid('idem');
    await credit(w.base, c, 2000);
    const key = uid('key');
    const token = tokenFor(c);
    const send = (reward_id) =>
      api(w.base, 'POST', '/v1/me/redemptions', { auth: token, body: { reward_id }, headers: { 'idempotency-key': key } });
    const burst = await Promise.all(Array.from({ length: 5 }, () => send('5_OFF')));
    assert.ok(burst.every((r) => r.status === 201), burst.map((r) => r.status).join(','));
    assert.ok(burst.every((r) => r.text === burst[0].text), 'byte-for-byte the same answer');
    assert.equal(await balance(c), 1500, 'debited once');
    const mismatch = await send('FREE_SHIP');
    assert.equal(mismatch.status, 409);
    assert.equal(mismatch.json.error.code, 'conflict');
    const adjKey = uid('adj');
    const adj = () => api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 7, reason: 'k' }, headers: { 'idempotency-key': adjKey } });
    const [a1, a2] = [await adj(), await adj()];
    assert.equal(a1.text, a2.text);
    assert.equal(await balance(c), 1507);
    // The same route with a trailing slash is the same route, and the same key.
    const slash = await api(w.base, 'POST', `/v1/members/${c}/adjustments/`, { body: { points: 7, reason: 'k' }, headers: { 'idempotency-key': adjKey } });
    assert.equal(slash.text, a1.text);
    assert.equal(await balance(c), 1507, 'not posted twice');
    assert.equal((await api(w.base, 'POST', '/v1/events', { body: { type: 'review', customer_id: c }, headers: { 'idempotency-key': 'x'.repeat(256) } })).status, 400);
  });

  test('refunds in parts never take back more than earned, and never below zero', async () => {
    const c = uid('refund');
    const order = uid('order');
    await api(w.base, 'POST', '/v1/events', { body: { type: 'purchase', order_id: order, customer_id: c, amount_minor: 30_000, currency: 'USD' } });
    assert.equal(await balance(c), 300);
    // Spend most of it, then refund everything: only what is left is taken.
    await credit(w.base, c, -250, 'spent elsewhere');
    const parts = await Promise.all([10_000, 10_000, 10_000].map((amount_minor) =>
      api(w.base, 'POST', `/v1/orders/${order}/refunds`, { body: { amount_minor } })
    ));
    assert.ok(parts.every((r) => r.status === 201), parts.map((r) => r.text).join('\n'));
    const reversed = parts.reduce((a, r) => a + r.json.points_reversed, 0);
    const forgiven = parts.reduce((a, r) => a + r.json.points_forgiven, 0);
    assert.equal(reversed, 50);
    assert.equal(reversed + forgiven, 300);
    assert.equal(await balance(c), 0);
    assert.equal(await ledgerSum(c), 0);
    const over = await api(w.base, 'POST', `/v1/orders/${order}/refunds`, { body: { amount_minor: 1 } });
    assert.equal(over.status, 400);
  });

  test('bonus events respect their per-member caps and event ids', async () => {
    const c = uid('bonus');
    const signups = await Promise.all(Array.from({ length: 5 }, () => api(w.base, 'POST', '/v1/events', { body: { type: 'signup', customer_id: c } })));
    assert.equal(signups.filter((r) => r.json.points_earned === 100).length, 1, signups.map((r) => r.text).join('\n'));
    const review = { type: 'review', customer_id: c, event_id: 'review-1' };
    const [r1, r2] = [await api(w.base, 'POST', '/v1/events', { body: review }), await api(w.base, 'POST', '/v1/events', { body: review })];
    assert.equal(r1.status, 201);
    assert.equal(r2.status, 200);
    assert.equal(r2.json.points_earned, 25);
    assert.equal(await balance(c), 125);
  });
});

describe('tiers and earn rules', () => {
  test('a Silver member earns 1.25x; the next tier and points needed follow', async () => {
    const c = uid('tier');
    await api(w.base, 'POST', '/v1/events', { body: { type: 'purchase', order_id: uid('o'), customer_id: c, amount_minor: 60_000, currency: 'USD' } });
    const me = await api(w.base, 'GET', '/v1/me', { auth: tokenFor(c) });
    assert.equal(me.json.tier, 'Silver');
    assert.deepEqual(me.json.next_tier, { name: 'Gold', threshold: 2000, points_needed: 1400 });
    const r = await api(w.base, 'POST', '/v1/events', { body: { type: 'purchase', order_id: uid('o'), customer_id: c, amount_minor: 10_000, currency: 'USD' } });
    assert.equal(r.json.points_earned, 125);
    const wrong = await api(w.base, 'POST', '/v1/events', { body: { type: 'purchase', order_id: uid('o'), customer_id: c, amount_minor: 100, currency: 'EUR' } });
    assert.equal(wrong.status, 400);
  });

  test('eligibility: the member sees why, and the edge refuses the same way', async () => {
    const c = uid('elig');
    await credit(w.base, c, 900);
    const offers = await api(w.base, 'GET', '/v1/me/rewards', { auth: tokenFor(c) });
    const tote = offers.json.rewards.find((o) => o.reward.reward_id === 'GOLD_TOTE');
    assert.equal(tote.eligible, false);
    assert.equal(tote.reason, 'not eligible: only for Gold members');
    const pct = offers.json.rewards.find((o) => o.reward.reward_id === '15_PCT');
    assert.deepEqual([pct.eligible, pct.affordable, pct.points_needed], [true, false, 300]);
    const refused = await api(w.base, 'POST', '/v1/me/redemptions', { auth: tokenFor(c), body: { reward_id: 'GOLD_TOTE' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'not_eligible');
    assert.equal(refused.json.error.message, tote.reason);
    const short = await api(w.base, 'POST', '/v1/me/redemptions', { auth: tokenFor(c), body: { reward_id: '15_PCT' } });
    assert.equal(short.json.error.message, 'you need 300 more points');
    const eligibleOnly = await api(w.base, 'GET', `/v1/members/${c}/rewards`);
    assert.ok(!eligibleOnly.json.rewards.some((o) => o.reward.reward_id === 'GOLD_TOTE'));
  });
});

describe('invariant 5: data survive a restart of the dev server', () => {
  test('balances, ledger and coupons are on disk', async () => {
    const c = uid('persist');
    await credit(w.base, c, 800);
    const red = await api(w.base, 'POST', `/v1/members/${c}/redemptions`, { body: { reward_id: '5_OFF' } });
    await w.restart();
    assert.equal(await balance(c), 300);
    assert.equal(await ledgerSum(c), 300);
    const v = await api(w.base, 'POST', '/v1/coupons/validate', { body: { code: red.json.coupon.code } });
    assert.equal(v.json.valid, true);
  });
});

describe('redemption writes never rest on a stale catalog snapshot', () => {
  test('a reward changed in D1 but not in the KV snapshot is redeemed as D1 has it', async () => {
    // Open to everyone, so the redemption is written first from the
    // snapshot; the write is guarded by the stored reward being the same.
    const id = `STALE_${Date.now()}`;
    const reward = { name: 'Before', kind: 'free_shipping', points_cost: 10, coupon: { expires_in_days: 5 } };
    assert.equal((await api(w.base, 'PUT', `/v1/rewards/${id}`, { body: reward })).status, 200);
    const c = uid('stale');
    await credit(w.base, c, 100);
    w.editDatabase(
      `UPDATE rewards SET points_cost = 20,
         body = json_set(body, '$.name', 'After', '$.points_cost', 20, '$.coupon.expires_in_days', 9)
       WHERE reward_id = '${id}'`
    );
    const before = Date.now();
    const r = await api(w.base, 'POST', '/v1/me/redemptions', { auth: tokenFor(c), body: { reward_id: id } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.points_debited, 20);
    assert.equal(r.json.balance_after, 80);
    // The coupon's terms come from the reward the write used: D1's, not the
    // snapshot's 5 days.
    const days = (Date.parse(r.json.coupon.expires_at) - before) / 86_400_000;
    assert.ok(days > 8.99 && days < 9.01, `coupon valid for ${days} days`);
    const tx = await api(w.base, 'GET', `/v1/members/${c}/transactions`);
    assert.equal(tx.json.transactions[0].description, 'Redeemed: After');
    assert.equal(await balance(c), await ledgerSum(c));
  });

  test("a redemption refused after the snapshot's write took its Idempotency-Key gives the key back", async () => {
    const id = `STALE_KEY_${Date.now()}`;
    const reward = { name: 'Cheap', kind: 'free_shipping', points_cost: 10, coupon: { expires_in_days: 5 } };
    assert.equal((await api(w.base, 'PUT', `/v1/rewards/${id}`, { body: reward })).status, 200);
    const c = uid('stale-key');
    await credit(w.base, c, 15);
    // D1 now asks 20; the snapshot still says 10, so the first write is
    // tried, finds the reward changed, and the member cannot afford it.
    w.editDatabase(`UPDATE rewards SET points_cost = 20, body = json_set(body, '$.points_cost', 20) WHERE reward_id = '${id}'`);
    const key = uid('key');
    const redeem = () => api(w.base, 'POST', '/v1/me/redemptions', { auth: tokenFor(c), body: { reward_id: id }, headers: { 'idempotency-key': key } });
    const refused = await redeem();
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.json.error.code, 'insufficient_points');
    await credit(w.base, c, 10);
    // The same key again: the first request is over, so this one goes ahead.
    const retried = await redeem();
    assert.equal(retried.status, 201, retried.text);
    assert.equal(retried.json.points_debited, 20);
    assert.equal(await balance(c), 5);
  });
});

describe('scheduled job: pending points and expiry', () => {
  let s;
  before(async () => {
    const program = {
      name: 'Cron Rewards', currency: 'USD',
      earn: { purchase: { points: 1, per_amount_minor: 100 } },
      pending_days: 1, expiry_days: 1,
    };
    s = await startWorker({ program });
  });
  after(async () => s?.stop());

  test('pending points become spendable and due points expire, idempotently', async () => {
    const c = uid('cron');
    const now = Date.now();
    const day = 86_400_000;
    // Available in 2 s (pending), and an older purchase that expires in 2 s.
    const pend = await api(s.base, 'POST', '/v1/events', {
      body: { type: 'purchase', order_id: uid('p'), customer_id: c, amount_minor: 4_000, currency: 'USD', occurred_at: new Date(now - day + 2_000).toISOString() },
    });
    assert.equal(pend.json.pending, true, pend.text);
    const old = await api(s.base, 'POST', '/v1/events', {
      body: { type: 'purchase', order_id: uid('e'), customer_id: c, amount_minor: 1_500, currency: 'USD', occurred_at: new Date(now - 2 * day + 2_000).toISOString() },
    });
    assert.equal(old.json.pending, false, old.text);
    let me = (await api(s.base, 'GET', '/v1/me', { auth: tokenFor(c) })).json;
    assert.deepEqual([me.balance, me.pending], [15, 40]);
    assert.equal(me.expiring[0].points, 15);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(await fireCron(s.base), 200);
    me = (await api(s.base, 'GET', '/v1/me', { auth: tokenFor(c) })).json;
    assert.deepEqual([me.balance, me.pending], [40, 0]);
    assert.equal(await fireCron(s.base), 200);
    me = (await api(s.base, 'GET', '/v1/me', { auth: tokenFor(c) })).json;
    assert.deepEqual([me.balance, me.pending], [40, 0], 'a second run changes nothing');
    const tx = (await api(s.base, 'GET', `/v1/members/${c}/transactions`)).json.transactions;
    assert.deepEqual(tx.map((t) => [t.kind, t.points]).sort(), [['earn', 15], ['earn', 40], ['expire', -15]].sort());
  });

  test('a member the job cannot process is logged and skipped; the others still expire', async () => {
    // A member stored before numbers were bounded: a lot of 9.1e15 points,
    // due, which no read can hold (the guard of migration 0006 is lifted
    // for the plant, as such a row predates it).
    const poison = `aaa-poison-${Date.now()}`;
    const past = Math.floor(Date.now() / 1000) - 3 * 86_400;
    const guard = readFileSync(join(ROOT, 'edge/migrations/0006_safe_integers.sql'), 'utf8');
    s.editDatabase(
      `DROP TRIGGER members_within_safe_integers;
       INSERT INTO members (customer_id, enrolled_at, created_at) VALUES ('${poison}', '2026-01-01', ${past});
       INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, reason, cause)
         VALUES ('${poison}', 'adjust', 9100000000000000, ${past}, ${past + 86_400}, 'planted', 'plant:${poison}');
       ${guard}`
    );
    const ok = `zzz-${uid('fine')}`;
    const old = await api(s.base, 'POST', '/v1/events', {
      body: { type: 'purchase', order_id: uid('o'), customer_id: ok, amount_minor: 2_500, currency: 'USD', occurred_at: new Date((past + 60) * 1000).toISOString() },
    });
    assert.equal(old.status, 201, old.text);
    assert.equal((await api(s.base, 'GET', `/v1/members/${ok}`)).json.balance, 25);
    assert.equal(await fireCron(s.base), 200);
    const after = (await api(s.base, 'GET', `/v1/members/${ok}`)).json;
    assert.equal(after.balance, 0, 'expired although an earlier member failed');
    const tx = (await api(s.base, 'GET', `/v1/members/${ok}/transactions`)).json.transactions;
    assert.deepEqual(tx.map((t) => [t.kind, t.points]).sort(), [['earn', 25], ['expire', -25]].sort());
    // The poisoned member was skipped, and the job's log says so.
    assert.deepEqual(s.queryDatabase(`SELECT COUNT(*) AS n FROM lot_closures WHERE customer_id = '${poison}'`), [{ n: 0 }]);
    for (let i = 0; !readFileSync(s.log, 'utf8').includes(`expiry of ${poison}`); i++) {
      assert.ok(i < 50, `the scheduled run's log names ${poison}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('Idempotency-Key records older than a day are purged; newer ones stay', async () => {
    const c = uid('purge');
    const fresh = uid('fresh-key');
    const r = await api(s.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 3, reason: 'k' }, headers: { 'idempotency-key': fresh } });
    assert.equal(r.status, 201, r.text);
    const dayAgo = Math.floor(Date.now() / 1000) - 86_400 - 60;
    s.editDatabase(`INSERT INTO idempotency (scope, key, body_hash, status, response, created_at) VALUES ('server POST /v1/x', 'old-key', 'h', 201, '{}', ${dayAgo})`);
    const keys = () => s.queryDatabase("SELECT key FROM idempotency WHERE key IN ('old-key', '" + fresh + "') ORDER BY key").map((row) => row.key);
    assert.deepEqual(keys(), [fresh, 'old-key'].sort());
    assert.equal(await fireCron(s.base), 200);
    assert.deepEqual(keys(), [fresh]);
  });
});

/** A request that says it came in for `host` (Cloudflare routes by it; wrangler dev passes it through). */
function requestFor(base, host, method, path, { body, auth } = {}) {
  const { port } = new URL(base);
  const headers = { host, 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${auth}`;
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : null, text }));
    });
    r.on('error', reject);
    if (body !== undefined) r.write(JSON.stringify(body));
    r.end();
  });
}

describe('production safety', () => {
  test('LOYALTY_ENV=development counts only for a loopback host: elsewhere the dev secrets refuse and the dev routes are gone', async () => {
    // The shared Worker runs with LOYALTY_ENV=development and the dev secrets.
    const deployed = await requestFor(w.base, 'loyalty-edge.example.workers.dev', 'POST', '/dev/token', { body: { customer_id: 'anyone' } });
    assert.equal(deployed.status, 500, deployed.text);
    assert.match(deployed.json.error.message, /LOYALTY_API_KEY is unset or a development value.*honoured only for requests to localhost/);
    const local = await requestFor(w.base, 'localhost', 'POST', '/dev/token', { body: { customer_id: 'anyone' } });
    assert.equal(local.status, 200, local.text);
    // With real secrets and the setting left on, a deployed host is production.
    const key = 'k'.repeat(40);
    const p = await startWorker({ seed: false, vars: { LOYALTY_ENV: 'development', LOYALTY_API_KEY: key, LOYALTY_WIDGET_SECRET: 's'.repeat(40) } });
    try {
      const token = await requestFor(p.base, 'shop.example', 'POST', '/dev/token', { body: { customer_id: 'anyone' } });
      assert.equal(token.status, 404, token.text);
      const checkout = await requestFor(p.base, 'shop.example', 'POST', '/dev/checkout/purchase', { body: { customer_id: 'a', amount_minor: 100 } });
      assert.equal(checkout.status, 404, checkout.text);
      assert.equal((await requestFor(p.base, 'shop.example', 'GET', '/v1/rewards', { auth: key })).status, 200);
    } finally {
      await p.stop();
    }
  });

  test('a Worker outside development with the dev secrets refuses every request but health', async () => {
    const p = await startWorker({ seed: false, vars: { LOYALTY_ENV: 'production' } });
    try {
      assert.equal((await api(p.base, 'GET', '/v1/health', { auth: 'none' })).status, 200);
      for (const path of ['/v1/program', '/v1/me', '/v1/rewards']) {
        const r = await api(p.base, 'GET', path);
        assert.equal(r.status, 500);
        assert.equal(r.json.error.code, 'internal');
        assert.match(r.json.error.message, /LOYALTY_API_KEY/);
      }
      const dev = await api(p.base, 'POST', '/dev/token', { body: { customer_id: 'x' } });
      assert.equal(dev.status, 500);
    } finally {
      await p.stop();
    }
  });

  test('without its limiter bindings the Worker closes what they count (503), never serves it unlimited', async () => {
    const p = await startWorker({ limiter: false });
    try {
      assert.equal((await api(p.base, 'GET', '/v1/program', { auth: 'none' })).status, 200, 'public routes stay open');
      assert.equal((await api(p.base, 'GET', '/v1/rewards')).status, 200, 'server routes stay open');
      for (const [method, path, body] of [['GET', '/v1/me'], ['GET', '/v1/me/rewards'], ['POST', '/v1/me/redemptions', { reward_id: '5_OFF' }]]) {
        const r = await api(p.base, method, path, { auth: tokenFor(uid('closed')), body });
        assert.equal(r.status, 503, `${method} ${path}: ${r.text}`);
        assert.equal(r.json.error.code, 'unavailable');
        assert.match(r.json.error.message, /SHOPPER_LIMITER/);
      }
      // Nor are wrong credentials or coupon validations counted by nobody.
      const guess = await api(p.base, 'GET', '/v1/rewards', { auth: 'not-the-key' });
      assert.equal(guess.status, 503, guess.text);
      assert.equal(guess.json.error.code, 'unavailable');
      assert.match(guess.json.error.message, /AUTH_LIMITER/);
      const validation = await api(p.base, 'POST', '/v1/coupons/validate', { body: { code: 'LOY-GUESSME' } });
      assert.equal(validation.status, 503, validation.text);
      assert.equal(validation.json.error.code, 'unavailable');
      assert.match(validation.json.error.message, /VALIDATION_LIMITER/);
    } finally {
      await p.stop();
    }
  });

  test('outside development, secrets shorter than 32 bytes or equal to each other refuse to serve', async () => {
    const long = 'k'.repeat(40);
    for (const [vars, why] of [
      [{ LOYALTY_API_KEY: 'short-but-not-dev', LOYALTY_WIDGET_SECRET: long }, /LOYALTY_API_KEY is shorter than 32 bytes/],
      [{ LOYALTY_API_KEY: long, LOYALTY_WIDGET_SECRET: long }, /are the same/],
    ]) {
      const p = await startWorker({ seed: false, vars: { LOYALTY_ENV: 'production', ...vars } });
      try {
        assert.equal((await api(p.base, 'GET', '/v1/health', { auth: 'none' })).status, 200);
        const r = await api(p.base, 'GET', '/v1/rewards', { auth: vars.LOYALTY_API_KEY });
        assert.equal(r.status, 500, r.text);
        assert.match(r.json.error.message, why);
      } finally {
        await p.stop();
      }
    }
  });

  test('a configured token audience, issuer and lifetime are asked of every token; a bad lifetime setting refuses to serve', async () => {
    const vars = { LOYALTY_TOKEN_AUDIENCE: 'acme-shop', LOYALTY_TOKEN_ISSUER: 'https://acme.example', LOYALTY_TOKEN_MAX_LIFETIME_SECS: '600' };
    const p = await startWorker({ seed: false, vars });
    try {
      const now = Math.floor(Date.now() / 1000);
      const me = (claims) => api(p.base, 'GET', '/v1/me', { auth: mintToken({ sub: 'alice', iat: now, exp: now + 300, ...claims }) });
      assert.equal((await me({ aud: ['other', 'acme-shop'], iss: 'https://acme.example' })).status, 200);
      assert.equal((await me({ aud: 'acme-shop', iss: 'https://acme.example' })).status, 200);
      assert.equal((await me({ iss: 'https://acme.example' })).status, 401, 'no audience');
      assert.equal((await me({ aud: 'other', iss: 'https://acme.example' })).status, 401, 'another audience');
      assert.equal((await me({ aud: 'acme-shop' })).status, 401, 'no issuer');
      assert.equal((await me({ aud: 'acme-shop', iss: 'https://acme.example', exp: now + 601 })).status, 401, 'longer than 600 s');
    } finally {
      await p.stop();
    }
    const bad = await startWorker({ seed: false, vars: { LOYALTY_TOKEN_MAX_LIFETIME_SECS: 'forever' } });
    try {
      const r = await api(bad.base, 'GET', '/v1/rewards');
      assert.equal(r.status, 500);
      assert.match(r.json.error.message, /LOYALTY_TOKEN_MAX_LIFETIME_SECS/);
    } finally {
      await bad.stop();
    }
  });
});

// Referrals (program `referral`, GET /v1/me/referral, POST /v1/referrals):
// a stable code and link per member, the friend's reward on sign-up, the
// referrer's points on the friend's first qualifying order (pending, and
// cancelled by a full refund meanwhile), the refusals, and twenty sign-ups
// of one friend racing, through the real Worker, D1 and Queue.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, api, fireCron, receiver, startWorker, tokenFor, uid } from '../harness.mjs';

const seed = JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8'));
const OFFER = {
  referrer_points: 500,
  friend_reward_id: '5_OFF',
  qualifying_order_min_minor: 2_000,
  landing_url: 'https://shop.example/join?utm_source=friends',
};

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

async function useProgram(changes) {
  const r = await api(w.base, 'PUT', '/v1/program', { body: { ...seed, referral: OFFER, ...changes } });
  assert.equal(r.status, 200, r.text);
}

const mine = async (c) => api(w.base, 'GET', '/v1/me/referral', { auth: tokenFor(c) });
const signUp = (body) => api(w.base, 'POST', '/v1/referrals', { body });
const buy = async (c, amount_minor, order_id = uid('o')) => {
  const r = await api(w.base, 'POST', '/v1/events', {
    body: { type: 'purchase', order_id, customer_id: c, amount_minor, currency: 'USD' },
  });
  assert.equal(r.status, 201, r.text);
  return order_id;
};
const member = async (c) => (await api(w.base, 'GET', `/v1/members/${c}`)).json;
const people = (prefix) => {
  const run = uid(prefix).replace(/-/g, '_');
  return (name) => `${run}_${name}`;
};

describe('referrals', () => {
  test('a member has one code and link; a friend signs up through it, gets the reward, and the first qualifying order earns the referrer', async () => {
    await useProgram({ pending_days: 0 });
    const p = people('rf');
    const [ann, bob] = [p('ann'), p('bob')];
    const first = await mine(ann);
    assert.equal(first.status, 200, first.text);
    assert.match(first.json.code, /^[2-9A-HJKMNP-Z]{8}$/);
    assert.equal(first.json.url, `https://shop.example/join?utm_source=friends&ref=${first.json.code}`);
    assert.deepEqual(
      { ...first.json, code: undefined, url: undefined },
      {
        code: undefined, url: undefined, referred: 0, completed: 0, points_earned: 0, points_pending: 0,
        offer: '500 points for each friend you refer, on their first order of $20.00 or more',
      },
    );
    assert.equal((await mine(ann)).json.code, first.json.code, 'the code is stable');

    const joined = await signUp({ code: ` ${first.json.code.toLowerCase()} `, customer_id: bob, email: 'Bob@Example.com' });
    assert.equal(joined.status, 201, joined.text);
    assert.match(joined.json.referral_id, /^ref_/);
    assert.match(joined.json.coupon.code, /^LOY-/);
    assert.equal(joined.json.coupon.offer, '$5.00 off');
    const bobs = await api(w.base, 'GET', '/v1/me/coupons', { auth: tokenFor(bob) });
    assert.deepEqual(bobs.json.coupons.map((c) => c.code), [joined.json.coupon.code], 'the friend holds the reward');
    assert.equal((await member(bob)).balance, 0, 'the reward was free');
    assert.equal((await mine(ann)).json.referred, 1);

    await buy(bob, 1_999);
    assert.equal((await member(ann)).balance, 0, 'an order below the minimum does not count');
    await buy(bob, 5_000);
    const a = await member(ann);
    assert.equal(a.balance, 500);
    assert.equal(a.lifetime_earned, 500);
    const history = await api(w.base, 'GET', `/v1/members/${ann}/transactions`);
    assert.equal(history.json.transactions[0].description, 'Referral bonus');
    await buy(bob, 9_000);
    assert.equal((await member(ann)).balance, 500, 'only the first qualifying order counts');
    const after = (await mine(ann)).json;
    assert.equal(after.completed, 1);
    assert.equal(after.points_earned, 500);

    const words = (await api(w.base, 'GET', '/v1/program', { auth: 'none' })).json.earn_rules;
    assert.ok(words.includes('500 points for each friend you refer, on their first order of $20.00 or more'), words.join(' | '));
  });

  test('unknown codes, one\'s own code (by id or e-mail), a friend already referred and an existing customer are refused with 409 referral_invalid', async () => {
    await useProgram({ pending_days: 0 });
    const p = people('rx');
    const [ann, bob, carol] = [p('ann'), p('bob'), p('carol')];
    assert.equal((await api(w.base, 'PATCH', `/v1/members/${ann}`, { body: { email: 'ann.rx@example.com' } })).status, 200);
    const code = (await mine(ann)).json.code;
    const other = (await mine(p('dan'))).json.code;
    const refused = async (body, pattern) => {
      const r = await signUp(body);
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json.error.code, 'referral_invalid');
      assert.match(r.json.error.message, pattern);
    };
    await refused({ code: 'ZZZZZZZZ', customer_id: bob }, /no member has this referral code/);
    await refused({ code: 'not a code!', customer_id: bob }, /no member has this referral code/);
    await refused({ code, customer_id: ann }, /own referral code/);
    await refused({ code, customer_id: p('ann2'), email: ' ANN.RX@example.com' }, /own referral code/);
    assert.equal((await signUp({ code, customer_id: bob, email: 'bob.rx@example.com' })).status, 201);
    await refused({ code: other, customer_id: bob }, /already referred/);
    await refused({ code: other, customer_id: p('bob2'), email: 'bob.rx@example.com' }, /already referred/);
    await buy(carol, 3_000);
    await refused({ code, customer_id: carol }, /already ordered/);
    assert.equal((await mine(ann)).json.referred, 1);
  });

  test('the referrer\'s points are pending like purchase points, and a full refund in the pending period cancels them', async () => {
    await useProgram({ pending_days: 14 });
    const p = people('rp');
    const [dave, erin, fred] = [p('dave'), p('erin'), p('fred')];
    const code = (await mine(dave)).json.code;
    assert.equal((await signUp({ code, customer_id: erin })).status, 201);
    assert.equal((await signUp({ code, customer_id: fred })).status, 201);
    const erins = await buy(erin, 3_000);
    const freds = await buy(fred, 4_000);
    let d = (await mine(dave)).json;
    assert.equal(d.points_pending, 1_000);
    assert.equal((await member(dave)).pending, 1_000);
    assert.equal((await member(dave)).balance, 0);

    const part = await api(w.base, 'POST', `/v1/orders/${freds}/refunds`, { body: { amount_minor: 1_000 } });
    assert.equal(part.status, 201);
    const full = await api(w.base, 'POST', `/v1/orders/${erins}/refunds`, { body: { amount_minor: 3_000 } });
    assert.equal(full.status, 201);
    d = (await mine(dave)).json;
    assert.equal(d.points_pending, 500, 'a partial refund keeps them; the full refund cancelled erin\'s');
    assert.equal(d.completed, 1);
    const exported = (await api(w.base, 'GET', `/v1/members/${dave}/export`)).json.referrals;
    assert.deepEqual(exported.map((r) => [r.friend_id, r.status]).sort(), [[erin, 'cancelled'], [fred, 'completed']]);

    // A friend whose order was placed 14 days ago, less two seconds: the
    // referrer's points become spendable when the order's do.
    const gus = p('gus');
    assert.equal((await signUp({ code, customer_id: gus })).status, 201);
    // Told once as earned, when made pending, not again when spendable.
    const rx = await receiver();
    const hook = await api(w.base, 'POST', '/v1/webhooks', { body: { url: rx.url, events: ['points.earned'] } });
    assert.equal(hook.status, 201, hook.text);
    const placed = new Date(Date.now() - 14 * 86_400_000 + 2_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await api(w.base, 'POST', '/v1/events', {
      body: { type: 'purchase', order_id: uid('o'), customer_id: gus, amount_minor: 2_000, currency: 'USD', occurred_at: placed },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal((await mine(dave)).json.points_pending, 1_000);
    await new Promise((res) => setTimeout(res, 3_000));
    await fireCron(w.base);
    assert.equal((await member(dave)).balance, 500);
    assert.equal((await mine(dave)).json.points_pending, 500);
    const history = await api(w.base, 'GET', `/v1/members/${dave}/transactions`);
    assert.equal(history.json.transactions[0].description, 'Referral bonus');
    const told = w.queryDatabase(`SELECT data FROM events WHERE type = 'points.earned' AND customer_id = '${dave}'`);
    assert.equal(told.length, 1, JSON.stringify(told));
    assert.equal(JSON.parse(told[0].data).points, 500);
    await api(w.base, 'DELETE', `/v1/webhooks/${hook.json.webhook_id}`);
    await rx.close();
  });

  test('twenty sign-ups of one friend through twenty codes at once make exactly one referral and one coupon', async () => {
    await useProgram({ pending_days: 0 });
    const p = people('rr');
    const codes = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await mine(p(`m${i}`))).json.code));
    const friend = p('friend');
    const answers = await Promise.all(codes.map((code) => signUp({ code, customer_id: friend })));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, ...Array(19).fill(409)], answers.map((a) => a.text).join('\n'));
    for (const a of answers.filter((x) => x.status === 409)) assert.equal(a.json.error.code, 'referral_invalid');
    const [{ n }] = w.queryDatabase(`SELECT COUNT(*) AS n FROM referrals WHERE friend_id = '${friend}'`);
    assert.equal(n, 1);
    const [{ c }] = w.queryDatabase(`SELECT COUNT(*) AS c FROM coupons WHERE customer_id = '${friend}'`);
    assert.equal(c, 1);
  });

  test('the completed referral is told to the store as referral.completed', async () => {
    await useProgram({ pending_days: 0 });
    const rx = await receiver();
    const hook = await api(w.base, 'POST', '/v1/webhooks', { body: { url: rx.url, events: ['referral.completed'] } });
    assert.equal(hook.status, 201, hook.text);
    try {
      const p = people('rw');
      const [gail, hal] = [p('gail'), p('hal')];
      const code = (await mine(gail)).json.code;
      const joined = await signUp({ code, customer_id: hal });
      const order = await buy(hal, 2_500);
      const deadline = Date.now() + 20_000;
      while (rx.got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(rx.got.length, 1);
      const { type, data } = rx.got[0].json;
      assert.equal(type, 'referral.completed');
      assert.deepEqual(data, {
        customer_id: gail, referral_id: joined.json.referral_id, friend_customer_id: hal, order_id: order, points: 500,
      });
    } finally {
      await api(w.base, 'DELETE', `/v1/webhooks/${hook.json.webhook_id}`);
      await rx.close();
    }
  });

  test('a program without a referral offer has no referral routes to use', async () => {
    const r = await api(w.base, 'PUT', '/v1/program', { body: { ...seed, referral: undefined } });
    assert.equal(r.status, 200);
    assert.equal((await mine(uid('nr'))).status, 404);
    assert.equal((await signUp({ code: 'ZZZZZZZZ', customer_id: uid('nr') })).status, 404);
  });
});

// Reward orders (seed 003; shared/API.md "Reward orders") through the real
// Worker, D1, the webhook Queue and the claim page's files: a store sends
// rewards without points by PO number, for one or many customers, by claim
// link or by webhook; statuses pending → fulfilled → delivered, or failed
// with a reason; every change a `reward_order.status` event.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, fireCron, receiver, startWorker, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

const order = (po_number, line_items, headers = {}) =>
  api(w.base, 'POST', '/v1/reward-orders', { body: { po_number, line_items }, headers });
const tokenOf = (url) => new URL(url).hash.slice(1);
const claimApi = (token, method = 'GET') => api(w.base, method, `/v1/claims/${token}`, { auth: 'none' });

async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('reward orders', () => {
  test('an order for several customers: a link line fulfilled, failed lines say why; once per PO number', async () => {
    const [sam, kim] = [uid('sam'), uid('kim')];
    const po = uid('PO');
    const lines = [
      {
        reward_id: '5_OFF',
        customer_id: sam,
        quantity: 2,
        delivery: { type: 'link', email: 'sam@example.com' },
        personalization: { to: 'Sam', from_name: 'The Acme team', message: 'Thanks for renewing!\nSee you soon.' },
      },
      { reward_id: 'FREE_SHIP', customer_id: kim, quantity: 1, delivery: { type: 'webhook' } },
      { reward_id: 'NO_SUCH_REWARD', customer_id: kim, quantity: 1, delivery: { type: 'link' } },
    ];
    const r = await order(po, lines);
    assert.equal(r.status, 201, r.text);
    const o = r.json;
    assert.match(o.order_id, /^ro_/);
    assert.equal(o.po_number, po);
    assert.equal(o.status, 'fulfilled', 'the live line is fulfilled; failed lines do not hold the order back');
    const [l1, l2, l3] = o.line_items;
    assert.deepEqual([l1.line, l1.status, l1.codes.length, l1.customer_id], [1, 'fulfilled', 2, sam]);
    assert.deepEqual(l1.personalization, lines[0].personalization);
    assert.equal(l1.delivery.email, 'sam@example.com');
    assert.match(l1.claim_url, new RegExp(`^${w.base}/claim/#[0-9a-f]{64}$`));
    assert.deepEqual([l2.status, l2.reason, l2.codes, l2.claim_url], ['failed', 'no active webhook endpoint receives reward_order.status', [], undefined]);
    assert.deepEqual([l3.status, l3.reason, l3.claim_url], ['failed', 'no reward NO_SUCH_REWARD', undefined]);

    // The same PO number again: the same order, nothing more issued.
    const again = await order(po, lines);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json, o);
    const got = await api(w.base, 'GET', `/v1/reward-orders/${o.order_id}`);
    assert.deepEqual(got.json, o);
    assert.equal((await api(w.base, 'GET', '/v1/reward-orders/ro_nope')).status, 404);
    // The codes are the customer's, as any reward's.
    const mine = await api(w.base, 'GET', `/v1/members/${sam}/coupons`);
    assert.deepEqual(mine.json.coupons.map((c) => c.code).sort(), [...l1.codes].sort());
    // The member's export has the line, with the words and the address; an erasure takes those.
    const exported = (await api(w.base, 'GET', `/v1/members/${sam}/export`)).json;
    assert.deepEqual(exported.reward_orders, [
      {
        order_id: o.order_id,
        po_number: po,
        line: 1,
        reward_id: '5_OFF',
        quantity: 2,
        status: 'fulfilled',
        reason: null,
        delivery: 'link',
        email: 'sam@example.com',
        personalization: lines[0].personalization,
        claimed_at: null,
      },
    ]);
    assert.equal((await api(w.base, 'DELETE', `/v1/members/${sam}`)).status, 200);
    const kept = (await api(w.base, 'GET', `/v1/reward-orders/${o.order_id}`)).json.line_items[0];
    assert.deepEqual([kept.status, kept.codes, kept.delivery.email, kept.personalization], ['fulfilled', l1.codes, undefined, undefined]);
    assert.notEqual(kept.customer_id, sam);
  });

  test('a claim link: opening it reads only; the holder claims once; a wrong guess learns nothing', async () => {
    const c = uid('claim');
    const r = await order(uid('PO'), [
      { reward_id: '5_OFF', customer_id: c, delivery: { type: 'link' }, personalization: { to: 'Ada', message: '<b>Hi</b>' } },
    ]);
    const line = r.json.line_items[0];
    const token = tokenOf(line.claim_url);

    for (let i = 0; i < 2; i++) {
      const seen = await claimApi(token);
      assert.equal(seen.status, 200, seen.text);
      assert.equal(seen.json.store, 'Acme Rewards');
      assert.equal(seen.json.reward.name, '$5 off');
      assert.equal(seen.json.quantity, 1);
      assert.deepEqual(seen.json.personalization, { to: 'Ada', from_name: '', message: '<b>Hi</b>' });
      assert.equal(seen.json.claimed_at, undefined);
      assert.deepEqual(seen.json.codes, [], 'no code before the holder claims');
    }
    assert.equal((await api(w.base, 'GET', `/v1/reward-orders/${r.json.order_id}`)).json.status, 'fulfilled');

    const claimed = await claimApi(token, 'POST');
    assert.equal(claimed.status, 200, claimed.text);
    assert.deepEqual(claimed.json.codes.map((x) => x.code), line.codes);
    assert.equal(claimed.json.codes[0].offer, '$5.00 off');
    assert.ok(claimed.json.claimed_at);
    const after = (await api(w.base, 'GET', `/v1/reward-orders/${r.json.order_id}`)).json;
    assert.deepEqual([after.status, after.line_items[0].status], ['delivered', 'delivered']);
    // Claimed again, or opened again: the same codes, the same moment.
    const twice = await claimApi(token, 'POST');
    assert.deepEqual(twice.json, claimed.json);
    assert.deepEqual((await claimApi(token)).json, claimed.json);

    // A wrong token, a malformed one, a near miss: the same 404, whatever it was.
    const near = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    const bodies = new Set();
    for (const t of [near, 'f'.repeat(64), 'nope', '..%2F..%2Fetc']) {
      for (const m of ['GET', 'POST']) {
        const x = await claimApi(t, m);
        assert.equal(x.status, 404, `${m} ${t}: ${x.text}`);
        bodies.add(x.text);
      }
    }
    assert.equal(bodies.size, 1, [...bodies].join('\n'));
  });

  test('the claim page is served by the Worker with its own CSP, and takes the token from the fragment', async () => {
    const page = await fetch(`${w.base}/claim/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script src="\/claim\/claim.js">/);
    const csp = page.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    const js = await (await fetch(`${w.base}/claim/claim.js`)).text();
    assert.match(js, /location\.hash/);
    assert.doesNotMatch(js, /innerHTML/);
  });

  test('by webhook: the store gets the codes with `fulfilled`; the line is delivered once it took them', async () => {
    const rx = await receiver();
    const hook = await api(w.base, 'POST', '/v1/webhooks', { body: { url: rx.url, events: ['reward_order.status'] } });
    assert.equal(hook.status, 201, hook.text);
    try {
      const c = uid('hooked');
      const po = uid('PO');
      const r = await order(po, [{ reward_id: 'FREE_SHIP', customer_id: c, quantity: 2, delivery: { type: 'webhook' } }]);
      assert.equal(r.status, 201, r.text);
      const line = r.json.line_items[0];
      assert.equal(line.status, 'fulfilled');
      assert.equal(line.codes.length, 2);
      const statuses = () => rx.got.filter((h) => h.json.data.order_id === r.json.order_id).map((h) => h.json.data.status);
      await until(async () => {
        await fireCron(w.base);
        return statuses().includes('delivered');
      }, 20_000, 'the delivered event');
      assert.deepEqual(statuses(), ['pending', 'fulfilled', 'delivered']);
      const fulfilled = rx.got.find((h) => h.json.data.order_id === r.json.order_id && h.json.data.status === 'fulfilled');
      assert.equal(fulfilled.json.type, 'reward_order.status');
      assert.deepEqual(fulfilled.json.data, {
        customer_id: c,
        order_id: r.json.order_id,
        po_number: po,
        line: 1,
        status: 'fulfilled',
        reward_id: 'FREE_SHIP',
        delivery: 'webhook',
        codes: line.codes,
      });
      const now = (await api(w.base, 'GET', `/v1/reward-orders/${r.json.order_id}`)).json;
      assert.deepEqual([now.status, now.line_items[0].status], ['delivered', 'delivered']);
    } finally {
      await api(w.base, 'DELETE', `/v1/webhooks/${hook.json.webhook_id}`);
      await rx.close();
    }
  });

  test("a pool-only reward whose pool runs out fails its line with the reason; the order fails when every line does", async () => {
    const id = uid('POOL');
    const put = await api(w.base, 'PUT', `/v1/rewards/${id}`, {
      body: { name: 'Pool', kind: 'free_shipping', points_cost: 10, coupon: { pool_only: true } },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal((await api(w.base, 'POST', `/v1/rewards/${id}/coupons`, { body: { codes: ['POOLCODE01'] } })).status, 201);
    const r = await order(uid('PO'), [{ reward_id: id, customer_id: uid('p'), quantity: 2, delivery: { type: 'link' } }]);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status, 'failed');
    assert.deepEqual([r.json.line_items[0].status, r.json.line_items[0].reason], ['failed', "the reward's pool of codes ran out"]);
  });

  test('bad orders are 400 at their paths; racing requests with one PO number make one order', async () => {
    const bad = await order('PO 1', [{ reward_id: '5_OFF', customer_id: 'x', quantity: 0, delivery: { type: 'fax' } }]);
    assert.equal(bad.status, 400, bad.text);
    assert.equal((await order(uid('PO'), [])).status, 400);
    const many = await order(uid('PO'), [{ reward_id: '5_OFF', customer_id: 'x', quantity: 21, delivery: { type: 'link' } }]);
    assert.equal(many.status, 400);
    assert.match(many.text, /line_items\[0\]\.quantity/);
    const shopper = await api(w.base, 'POST', '/v1/reward-orders', {
      auth: 'none',
      body: { po_number: uid('PO'), line_items: [] },
    });
    assert.equal(shopper.status, 401);

    const po = uid('PO');
    const line = [{ reward_id: '5_OFF', customer_id: uid('race'), delivery: { type: 'link' } }];
    const all = await Promise.all(Array.from({ length: 5 }, () => order(po, line)));
    assert.deepEqual(all.map((x) => x.status).sort(), [200, 200, 200, 200, 201]);
    assert.equal(new Set(all.map((x) => x.json.order_id)).size, 1);
    const codes = w.queryDatabase(
      `SELECT COUNT(*) AS n FROM reward_order_units u JOIN reward_orders o ON o.order_id = u.order_id WHERE o.po_number = '${po}'`
    );
    assert.equal(codes[0].n, 1);
  });
});

// Webhooks through the real runtime: events written with their changes in
// D1, handed to the local Queue, signed by the consumer and POSTed to a real
// receiver on loopback; every delivery verified with the Standard Webhooks
// reference library from npm, not with our own code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Webhook } from 'standardwebhooks';

import { ROOT, api, fireCron, freePort, receiver, startWorker, uid } from '../harness.mjs';

const program = { ...JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8')), expiry_days: 1 };

let w;
before(async () => {
  w = await startWorker({ program });
});
after(async () => w?.stop());

async function subscribe(url, events = ['*']) {
  const r = await api(w.base, 'POST', '/v1/webhooks', { body: { url, events, description: 'test receiver' } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** A receiver subscribed to `events`; both removed once `body` is done. */
async function withReceiver({ answer, events = ['*'] }, body) {
  const rx = await receiver({ answer });
  const hook = await subscribe(rx.url, events);
  try {
    await body(rx, hook);
  } finally {
    await api(w.base, 'DELETE', `/v1/webhooks/${hook.webhook_id}`);
    await rx.close();
  }
}

/** Waits until `check()` is truthy (polled), at most `ms`. */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Verifies a delivery as a store would, with the reference library. */
function verified(secret, hit) {
  return new Webhook(secret).verify(hit.body, {
    'webhook-id': hit.headers['webhook-id'],
    'webhook-timestamp': hit.headers['webhook-timestamp'],
    'webhook-signature': hit.headers['webhook-signature'],
  });
}

const purchase = (customer, amount = 1_000, extra = {}) =>
  api(w.base, 'POST', '/v1/events', { body: { type: 'purchase', customer_id: customer, order_id: uid('o'), amount_minor: amount, currency: 'USD', ...extra } });

describe('webhooks', () => {
  test('subscribing shows the secret once; URLs must be https (loopback http in development only)', async () => {
    for (const url of ['http://shop.example/hooks', 'ftp://shop.example', 'https://u:p@shop.example/h']) {
      const r = await api(w.base, 'POST', '/v1/webhooks', { body: { url, events: ['*'] } });
      assert.equal(r.status, 400, `${url}: ${r.text}`);
    }
    const unknown = await api(w.base, 'POST', '/v1/webhooks', { body: { url: 'https://shop.example/h', events: ['points.earnt'] } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error.message, /events\[0\].*points\.earnt/);
    const created = await subscribe('https://shop.example/hooks', ['points.earned']);
    assert.match(created.secret, /^whsec_/);
    assert.deepEqual(created.events, ['points.earned']);
    const one = await api(w.base, 'GET', `/v1/webhooks/${created.webhook_id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.secret, undefined);
    const list = await api(w.base, 'GET', '/v1/webhooks');
    assert.ok(list.json.webhooks.some((h) => h.webhook_id === created.webhook_id));
    assert.ok(!list.text.includes('whsec_'));
    assert.equal((await api(w.base, 'DELETE', `/v1/webhooks/${created.webhook_id}`)).status, 200);
    assert.equal((await api(w.base, 'GET', `/v1/webhooks/${created.webhook_id}`)).status, 404);
    assert.equal((await api(w.base, 'GET', '/v1/webhooks', { auth: 'not-the-key' })).status, 401);
  });

  test('a purchase, an adjustment, a redemption, a coupon used, a refund, an expiry and tier changes each reach the receiver once, signed', async () => {
    await withReceiver({}, async (rx, hook) => {
      const c = uid('hooked');
      const day = 86_400_000;
      const order = uid('o');
      // An older purchase whose points expire in 2 s, and expire (before
      // anything is spent: spending takes the oldest points first).
      const old = await purchase(c, 1_500, { occurred_at: new Date(Date.now() - day + 2_000).toISOString() });
      assert.equal(old.status, 201, old.text);
      await new Promise((r) => setTimeout(r, 2_500));
      assert.equal(await fireCron(w.base), 200);
      assert.equal((await purchase(c, 60_000, { order_id: order })).status, 201);
      const redeemed = await api(w.base, 'POST', `/v1/members/${c}/redemptions`, { body: { reward_id: '5_OFF' } });
      assert.equal(redeemed.status, 201, redeemed.text);
      const code = redeemed.json.coupon.code;
      const used = await api(w.base, 'POST', `/v1/coupons/${code}/redeem`, { body: { order_id: uid('checkout'), customer_id: c } });
      assert.equal(used.status, 200, used.text);
      assert.equal((await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 1_000, reason: 'goodwill correction' } })).status, 201);
      // The whole order back: its 600 points are reversed (the balance
      // pays for them), and lifetime points fall back to 15.
      assert.equal((await api(w.base, 'POST', `/v1/orders/${order}/refunds`, { body: { amount_minor: 60_000 } })).status, 201);

      const mine = () => rx.got.filter((h) => h.json.data.customer_id === c);
      // 615 lifetime points reach Silver (500); the refund takes them back
      // to 15, and the member is Bronze again.
      const want = ['member.created', 'points.earned', 'points.expired', 'points.earned', 'tier.changed', 'reward.redeemed', 'coupon.redeemed', 'points.adjusted', 'points.reversed', 'tier.changed'];
      await until(() => mine().length >= want.length, 30_000, () => `${want.length} events for ${c}, got ${mine().map((h) => h.json.type)}`);
      await new Promise((r) => setTimeout(r, 1_500));
      const hits = mine();
      assert.deepEqual(hits.map((h) => h.json.type).sort(), [...want].sort());
      assert.equal(new Set(hits.map((h) => h.headers['webhook-id'])).size, hits.length, 'one webhook-id per event');
      for (const h of hits) {
        const payload = verified(hook.secret, h);
        assert.equal(payload.data.customer_id, c);
        assert.match(payload.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
      const tiers = hits.filter((h) => h.json.type === 'tier.changed').map((h) => h.json.data);
      tiers.sort((a, b) => (a.direction === 'up' ? -1 : 1));
      assert.deepEqual(tiers.map((t) => [t.from, t.to, t.direction]), [['Bronze', 'Silver', 'up'], ['Silver', 'Bronze', 'down']]);
      // The schema's tier is core's: the API reports the same.
      assert.equal((await api(w.base, 'GET', `/v1/members/${c}`)).json.tier, 'Bronze');
      const byType = Object.fromEntries(hits.map((h) => [h.json.type, h.json.data]));
      assert.equal(byType['points.adjusted'].points, 1_000);
      assert.equal(byType['points.adjusted'].reason, 'goodwill correction');
      assert.equal(byType['reward.redeemed'].code, code);
      assert.equal(byType['reward.redeemed'].points, -500);
      assert.equal(byType['coupon.redeemed'].code, code);
      assert.equal(byType['points.reversed'].order_id, order);
      assert.equal(byType['points.reversed'].points, -600);
      assert.equal(byType['points.expired'].points, -old.json.points_earned);
      // And the store can see them.
      const d = await api(w.base, 'GET', `/v1/webhooks/${hook.webhook_id}/deliveries?limit=100`);
      assert.equal(d.status, 200, d.text);
      const delivered = d.json.deliveries.filter((x) => hits.some((h) => h.headers['webhook-id'] === x.event_id));
      assert.equal(delivered.length, hits.length);
      assert.ok(delivered.every((x) => x.status === 'delivered' && x.attempts === 1 && x.last_status_code === 200), JSON.stringify(delivered[0]));
    });
  });

  test('points about to expire are told once per lot, by the scheduled job', async () => {
    await withReceiver({ events: ['points.expiring_soon'] }, async (rx, hook) => {
      const c = uid('soon');
      // The program's points expire after a day, well within the default
      // 14 days of warning.
      const bought = await purchase(c, 2_000);
      assert.equal(bought.status, 201, bought.text);
      assert.equal(await fireCron(w.base), 200);
      assert.equal(await fireCron(w.base), 200);
      await until(() => rx.got.some((h) => h.json.data.customer_id === c), 20_000, 'the warning');
      await new Promise((r) => setTimeout(r, 1_500));
      const told = rx.got.filter((h) => h.json.data.customer_id === c);
      assert.equal(told.length, 1, 'once, however often the job runs');
      const { data } = verified(hook.secret, told[0]);
      assert.equal(data.points, bought.json.points_earned);
      assert.equal(data.expires_at, bought.json.transaction.expires_at);
    });
  });

  test('a receiver answering 500 three times, then 200: tried again with growing delays, then delivered', async () => {
    await withReceiver({ answer: (hit, got) => (got.filter((g) => g.headers['webhook-id'] === hit.headers['webhook-id']).length <= 3 ? 500 : 200), events: ['points.adjusted'] }, async (rx, hook) => {
      const c = uid('flaky');
      assert.equal((await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 5, reason: 'x' } })).status, 201);
      await until(() => rx.got.length >= 4, 60_000, 'four tries');
      const ids = new Set(rx.got.map((h) => h.headers['webhook-id']));
      assert.equal(ids.size, 1, 'every try carries the same webhook-id');
      const gaps = rx.got.slice(1, 4).map((h, i) => h.at - rx.got[i].at);
      assert.ok(gaps[0] >= 700, `first retry after ${gaps[0]} ms`);
      assert.ok(gaps[1] > gaps[0] && gaps[2] > gaps[1], `gaps grow: ${gaps}`);
      for (const h of rx.got) verified(hook.secret, h);
      let delivery = null;
      for (let i = 0; i < 50 && delivery?.status !== 'delivered'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        [delivery] = (await api(w.base, 'GET', `/v1/webhooks/${hook.webhook_id}/deliveries`)).json.deliveries;
      }
      assert.equal(delivery.status, 'delivered');
      assert.equal(delivery.attempts, 4);
      // Sent again by hand: the same event, the same webhook-id.
      const again = await api(w.base, 'POST', `/v1/webhooks/${hook.webhook_id}/deliveries/${delivery.delivery_id}/retry`);
      assert.equal(again.status, 202, again.text);
      await until(() => rx.got.length >= 5, 20_000, 'the retry by hand');
      assert.equal(rx.got[4].headers['webhook-id'], rx.got[0].headers['webhook-id']);
      console.log(`# retry gaps (ms): ${gaps.join(', ')}`);
    });
  });

  test('a receiver down, then up: everything arrives, one webhook-id per event', async () => {
    const port = await freePort();
    const hook = await subscribe(`http://127.0.0.1:${port}/hooks`, ['points.earned']);
    let rx = null;
    try {
      const c = uid('patient');
      for (let i = 0; i < 5; i++) assert.equal((await purchase(c, 1_000 + i)).status, 201);
      await new Promise((r) => setTimeout(r, 3_000));
      rx = await receiver({ port });
      await until(() => rx.got.length >= 5, 90_000, 'five events after the receiver came up');
      await new Promise((r) => setTimeout(r, 2_000));
      const ids = rx.got.map((h) => h.headers['webhook-id']);
      assert.equal(new Set(ids).size, 5, `distinct ids: ${ids}`);
      for (const h of rx.got) verified(hook.secret, h);
    } finally {
      await api(w.base, 'DELETE', `/v1/webhooks/${hook.webhook_id}`);
      await rx?.close();
    }
  });

  test('a Worker restarted between two tries of a delivery still delivers it, once', async () => {
    let up = false;
    await withReceiver({ answer: () => (up ? 200 : 500), events: ['points.adjusted'] }, async (rx, hook) => {
      const c = uid('restarted');
      assert.equal((await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 9, reason: 'x' } })).status, 201);
      await until(() => rx.got.length >= 1, 20_000, 'the first try');
      // The next try is due in about a second, in the Queue of the
      // wrangler that now stops; D1 keeps the delivery and its schedule.
      await w.restart();
      up = true;
      const restarted = Date.now();
      const deadline = restarted + 60_000;
      let sweeps = 0;
      while (rx.got.length < 2 && Date.now() < deadline) {
        // The sweep: the scheduled job queues tries that are overdue.
        assert.equal(await fireCron(w.base), 200);
        sweeps++;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      assert.ok(rx.got.length >= 2, `tries seen: ${rx.got.length}`);
      console.log(`# delivered ${rx.got[1].at - restarted} ms after the restart, after ${sweeps} sweep(s)`);
      await new Promise((r) => setTimeout(r, 2_000));
      assert.equal(new Set(rx.got.map((h) => h.headers['webhook-id'])).size, 1, 'the same event throughout');
      const [delivery] = (await api(w.base, 'GET', `/v1/webhooks/${hook.webhook_id}/deliveries`)).json.deliveries;
      assert.equal(delivery.status, 'delivered', JSON.stringify(delivery));
      assert.equal(rx.got.length, delivery.attempts, 'every try recorded, none sent twice');
    });
  });

  test('an endpoint made where this isolate has not seen it yet still gets every event, by the sweep', async () => {
    // Another isolate (or the dashboard of a second Worker) subscribed: this
    // one's memo still says "no endpoint" for a few seconds. Its writes then
    // leave the events, which the schema wrote, for the scheduled job.
    for (const h of (await api(w.base, 'GET', '/v1/webhooks')).json.webhooks) {
      await api(w.base, 'DELETE', `/v1/webhooks/${h.webhook_id}`);
    }
    const c = uid('unseen');
    assert.equal((await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 1, reason: 'memo' } })).status, 201);
    const rx = await receiver();
    const secret = `whsec_${Buffer.from('an endpoint this isolate has not seen').toString('base64')}`;
    const id = `wh_${c.replace(/-/g, '_')}`;
    w.editDatabase(
      `INSERT INTO webhook_endpoints (webhook_id, url, events, secret, created_at)
       VALUES ('${id}', '${rx.url}', '["points.adjusted"]', '${secret}', ${Math.floor(Date.now() / 1000) - 1})`,
    );
    try {
      const r = await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 7, reason: 'unseen endpoint' } });
      assert.equal(r.status, 201, r.text);
      const rows = w.queryDatabase(
        `SELECT e.fanned_out, (SELECT COUNT(*) FROM deliveries d WHERE d.event_seq = e.seq) AS deliveries
           FROM events e WHERE e.customer_id = '${c}' AND e.type = 'points.adjusted'`,
      );
      assert.deepEqual(rows, [{ fanned_out: 0, deliveries: 0 }], 'the event is written with its change, the fan-out waits');
      assert.equal(await fireCron(w.base), 200);
      const hit = await until(() => rx.got.find((h) => h.json.data.customer_id === c), 20_000, 'the swept delivery');
      assert.equal(verified(secret, hit).data.points, 7);
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(rx.got.filter((h) => h.json.data.customer_id === c).length, 1);
    } finally {
      await api(w.base, 'DELETE', `/v1/webhooks/${id}`);
      await rx.close();
    }
  });

  test('a burst of 500 purchases: 500 points.earned events, none lost, none doubled', async () => {
    await withReceiver({ events: ['points.earned'] }, async (rx, hook) => {
      const c = uid('burst');
      const n = 500;
      for (let i = 0; i < n; i += 20) {
        const batch = await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => purchase(`${c}-${(i + j) % 10}`, 100 + i + j)));
        assert.ok(batch.every((r) => r.status === 201), batch.map((r) => r.status).join(','));
      }
      const ours = () => rx.got.filter((h) => h.json.data.customer_id.startsWith(c));
      await until(() => new Set(ours().map((h) => h.headers['webhook-id'])).size >= n, 120_000, `${n} distinct events`);
      await new Promise((r) => setTimeout(r, 2_000));
      const ids = ours().map((h) => h.headers['webhook-id']);
      assert.equal(new Set(ids).size, n);
      console.log(`# burst: ${ids.length} deliveries for ${n} events`);
    });
  });

  test('during a secret rotation deliveries verify with the old and the new secret; a 410 deactivates the endpoint', async () => {
    let gone = false;
    await withReceiver({ answer: () => (gone ? 410 : 200), events: ['points.adjusted'] }, async (rx, hook) => {
      const rotated = await api(w.base, 'POST', `/v1/webhooks/${hook.webhook_id}/rotate-secret`);
      assert.equal(rotated.status, 200, rotated.text);
      assert.notEqual(rotated.json.secret, hook.secret);
      const c = uid('rotated');
      assert.equal((await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 3, reason: 'x' } })).status, 201);
      await until(() => rx.got.length >= 1, 20_000, 'a delivery after the rotation');
      verified(hook.secret, rx.got[0]);
      verified(rotated.json.secret, rx.got[0]);
      assert.equal(rx.got[0].headers['webhook-signature'].split(' ').length, 2);

      gone = true;
      assert.equal((await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 4, reason: 'y' } })).status, 201);
      await until(() => rx.got.length >= 2, 20_000, 'the delivery answered 410');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal((await api(w.base, 'GET', `/v1/webhooks/${hook.webhook_id}`)).json.active, false);
      assert.equal((await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 5, reason: 'z' } })).status, 201);
      await new Promise((r) => setTimeout(r, 2_500));
      assert.equal(rx.got.length, 2, 'nothing more is sent to an endpoint that is gone');
    });
  });
});

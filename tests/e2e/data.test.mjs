// Data in and out, through the real Worker and D1: bulk import, a member's
// export, erasure (with a read of every column of every table afterwards)
// and the hash-chained ledger export, checked here by an implementation of
// the contract's formula written apart from the Worker's.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { api, fireCron, startWorker, tokenFor, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

const GENESIS = '0'.repeat(64);

/** The contract: SHA-256 of prev_hash followed by the line's JSON without
 * `hash`, keys sorted, no spaces. */
function hashOf(line) {
  const { hash, ...rest } = line;
  const sorted = Object.fromEntries(Object.keys(rest).sort().map((k) => [k, rest[k]]));
  return createHash('sha256').update(line.prev_hash + JSON.stringify(sorted)).digest('hex');
}

/** Every line of the ledger export, page by page. */
async function ledgerExport(limit = 10000) {
  const lines = [];
  let afterId = 0;
  for (let pages = 0; pages < 1000; pages++) {
    const r = await fetch(`${w.base}/v1/ledger/export?after=${afterId}&limit=${limit}`, {
      headers: { authorization: 'Bearer dev-api-key' },
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/x-ndjson/);
    const page = (await r.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    lines.push(...page);
    if (page.length < limit) return lines;
    afterId = page.at(-1).entry_id;
  }
  throw new Error('too many pages');
}

function assertChain(lines) {
  let prev = GENESIS;
  for (const l of lines) {
    assert.equal(l.prev_hash, prev, `entry ${l.entry_id}: prev_hash`);
    assert.equal(hashOf(l), l.hash, `entry ${l.entry_id}: hash`);
    prev = l.hash;
  }
}

async function purchase(customer, order, amount) {
  const r = await api(w.base, 'POST', '/v1/events', {
    body: { type: 'purchase', order_id: order, customer_id: customer, amount_minor: amount, currency: 'USD' },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

describe('bulk import', () => {
  const run = uid('imp').replace(/-/g, '_');
  const id = (i) => `${run}_${i}`;

  test('rows are imported once; bad rows are named by index; the same rows again change nothing', async () => {
    const rows = [
      { customer_id: id(1), email: `${id(1)}@example.com`, name: 'Ada Lovelace', points: 1200, lifetime_earned: 5000, tags: ['vip', 'imported'], enrolled_at: '2021-04-05', birthday: '1990-12-10' },
      { customer_id: id(2), points: 0 },
      { customer_id: 'bad id', points: 10 },
      { customer_id: id(3), points: -5 },
      { customer_id: id(4), points: 30, lifetime_earned: 10 },
      { customer_id: id(5), points: 'lots' },
      { customer_id: id(6), points: 75 },
    ];
    const first = await api(w.base, 'POST', '/v1/imports', { body: { members: rows } });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.imported, 3);
    assert.equal(first.json.unchanged, 0);
    assert.deepEqual(first.json.errors.map((e) => [e.row, e.customer_id]), [[2, 'bad id'], [3, id(3)], [4, id(4)], [5, id(5)]]);

    const m1 = (await api(w.base, 'GET', `/v1/members/${id(1)}`)).json;
    assert.equal(m1.balance, 1200);
    assert.equal(m1.lifetime_earned, 5000);
    assert.equal(m1.enrolled_at, '2021-04-05');
    assert.deepEqual(m1.tags, ['imported', 'vip']);
    assert.equal(m1.email, `${id(1)}@example.com`);
    const history = (await api(w.base, 'GET', `/v1/members/${id(1)}/transactions`)).json.transactions;
    assert.deepEqual(history.map((t) => [t.kind, t.points]), [['import', 1200]]);
    assert.equal(history[0].description, 'Points from your previous rewards program');
    const found = (await api(w.base, 'GET', `/v1/members?q=tag:imported&limit=100`)).json.members.map((m) => m.customer_id);
    assert.ok(found.includes(id(1)), 'imported tags are searchable');

    const again = await api(w.base, 'POST', '/v1/imports', { body: { members: rows } });
    assert.equal(again.json.imported, 0);
    assert.equal(again.json.unchanged, 3);
    assert.equal((await api(w.base, 'GET', `/v1/members/${id(1)}`)).json.balance, 1200);

    const changed = await api(w.base, 'POST', '/v1/imports', { body: { members: [{ customer_id: id(6), points: 80 }] } });
    assert.equal(changed.json.imported, 0);
    assert.match(changed.json.errors[0].message, /imported before with 75 points/);
    assert.equal((await api(w.base, 'GET', `/v1/members/${id(6)}`)).json.balance, 75);
  });

  test('a member known before the import keeps its data and gains the points', async () => {
    const c = id('known');
    await api(w.base, 'PATCH', `/v1/members/${c}`, { body: { email: 'kept@example.com' } });
    await purchase(c, uid('o'), 1000);
    const before = (await api(w.base, 'GET', `/v1/members/${c}`)).json;
    const r = await api(w.base, 'POST', '/v1/imports', { body: { members: [{ customer_id: c, email: 'old@example.com', points: 40 }] } });
    assert.equal(r.json.imported, 1);
    const now = (await api(w.base, 'GET', `/v1/members/${c}`)).json;
    assert.equal(now.email, 'kept@example.com');
    assert.equal(now.balance, before.balance + 40);
  });

  test('more than 1,000 rows, or a body over 64 KiB, is refused whole', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ customer_id: `x${i}`, points: 1 }));
    assert.equal((await api(w.base, 'POST', '/v1/imports', { body: { members: many } })).status, 400);
    const big = [{ customer_id: id('big'), name: 'x'.repeat(70000), points: 1 }];
    assert.equal((await api(w.base, 'POST', '/v1/imports', { body: { members: big } })).status, 413);
    assert.equal((await api(w.base, 'POST', '/v1/imports', { auth: tokenFor('someone'), body: { members: [] } })).status, 403);
  });
});

describe('member export and erasure', () => {
  const c = `erase_${uid('me').replace(/-/g, '_')}`;
  const email = `${c}@Private.example`;
  const name = 'Grace Hopper';
  const birthday = '1906-12-09';
  const tag = `tag_${c}`;
  const reason = `goodwill for ${name}`;
  // A store's order number, which names no one.
  const order = uid('order');
  let hook;
  let server;

  before(async () => {
    // An endpoint that never answers 2xx: the member's deliveries are
    // still queued when the member is erased.
    server = createServer((req, res) => {
      req.resume();
      res.statusCode = 503;
      res.end();
    });
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    const r = await api(w.base, 'POST', '/v1/webhooks', { body: { url: `http://127.0.0.1:${server.address().port}/h`, events: ['*'] } });
    assert.equal(r.status, 201, r.text);
    hook = r.json;

    await api(w.base, 'POST', '/v1/imports', { body: { members: [{ customer_id: c, email, name, birthday, tags: [tag], points: 100, enrolled_at: '2020-01-02' }] } });
    // The member came through someone's link, and brought a friend.
    const code = async (who) => (await api(w.base, 'GET', '/v1/me/referral', { auth: tokenFor(who) })).json.code;
    const came = await api(w.base, 'POST', '/v1/referrals', { body: { code: await code(uid('referrer')), customer_id: c, email } });
    assert.equal(came.status, 201, came.text);
    const friend = uid('friend');
    assert.equal((await api(w.base, 'POST', '/v1/referrals', { body: { code: await code(c), customer_id: friend } })).status, 201);
    await purchase(friend, uid('order'), 3000);
    await purchase(c, order, 60000);
    assert.equal((await api(w.base, 'POST', `/v1/orders/${order}/refunds`, { body: { amount_minor: 1000 } })).status, 201);
    assert.equal((await api(w.base, 'POST', '/v1/events', { body: { type: 'signup', customer_id: c } })).status, 201);
    const adj = await api(w.base, 'POST', `/v1/members/${c}/adjustments`, { body: { points: 25, reason }, headers: { 'idempotency-key': uid('adj') } });
    assert.equal(adj.status, 201, adj.text);
    const red = await api(w.base, 'POST', `/v1/members/${c}/redemptions`, { body: { reward_id: '5_OFF' }, headers: { 'idempotency-key': uid('red') } });
    assert.equal(red.status, 201, red.text);
    assert.equal((await api(w.base, 'POST', `/v1/coupons/${red.json.coupon.code}/redeem`, { body: { order_id: `${order}_2` } })).status, 200);
  });
  after(async () => {
    if (hook) await api(w.base, 'DELETE', `/v1/webhooks/${hook.webhook_id}`);
    server?.close();
  });

  test('the export holds every datum kept on the member', async () => {
    const r = await api(w.base, 'GET', `/v1/members/${c}/export`);
    assert.equal(r.status, 200, r.text);
    const x = r.json;
    assert.equal(x.customer_id, c);
    assert.match(x.member_key, /^mk_[0-9a-f]{32}$/);
    assert.deepEqual(x.attributes, { email, name, birthday, tags: [tag], enrolled_at: '2020-01-02' });
    assert.deepEqual(x.ledger.map((e) => e.kind).sort(), ['adjust', 'earn', 'earn', 'earn', 'import', 'redeem', 'refund']);
    assert.equal(x.ledger.reduce((s, e) => s + e.points, 0), x.balance);
    assert.equal(x.ledger.find((e) => e.kind === 'adjust').reason, reason);
    assert.deepEqual(x.orders.map((o) => [o.order_id, o.amount_minor, o.refunded_minor]), [[order, 60000, 1000]]);
    assert.equal(x.refunds.length, 1);
    assert.deepEqual(x.bonus_claims.map((b) => b.event), ['signup']);
    assert.equal(x.redemptions.length, 1);
    assert.equal(x.coupons.length, 2, 'the friend reward and the redeemed one');
    assert.ok(x.coupons.some((k) => k.used_order_id === `${order}_2`));
    assert.deepEqual(x.referrals.map((f) => [f.friend_id === c, f.status]).sort(), [[false, 'completed'], [true, 'completed']]);
    assert.equal(x.import.points, 100);
    assert.ok(x.webhook_events.length >= 5, `events: ${x.webhook_events.map((e) => e.type)}`);
    assert.equal((await api(w.base, 'GET', `/v1/members/never_${c}/export`)).status, 404);
  });

  test('erasure leaves no personal datum in any column of any table, and the totals and the chain stay true', async () => {
    const { member_key: key, balance: kept } = (await api(w.base, 'GET', `/v1/members/${c}/export`)).json;
    await fireCron(w.base);
    const chainedBefore = await ledgerExport();
    assertChain(chainedBefore);
    const totals = async () => (await w.queryDatabase('SELECT SUM(balance) AS b, SUM(lifetime_earned) AS l, (SELECT COUNT(*) FROM ledger) AS n FROM members'))[0];
    const before = await totals();
    const pendingDeliveries = await w.queryDatabase(
      `SELECT COUNT(*) AS n FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE e.customer_id = '${c}' AND d.status = 'pending'`,
    );
    assert.ok(pendingDeliveries[0].n > 0, 'the member has deliveries still queued');

    const r = await api(w.base, 'DELETE', `/v1/members/${c}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { erased: true, member_key: key });

    // Every column of every table, as text, for every datum of the member.
    const personal = [c, email, email.toLowerCase(), name, birthday, tag, reason];
    // One query (each read of the local D1 starts a wrangler process): a
    // count per column of the rows whose text holds any of the data.
    const columns = w.queryDatabase(
      "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_cf_%' AND m.name <> 'd1_migrations'",
    );
    const tables = new Set(columns.map((x) => x.t));
    for (const t of ['members', 'ledger', 'idempotency', 'events', 'deliveries', 'orders', 'coupons', 'imports', 'member_tags']) {
      assert.ok(tables.has(t), t);
    }
    assert.ok(columns.length > 80, `${columns.length} columns`);
    const quote = (v) => `'${v.replace(/'/g, "''")}'`;
    // The data once, as a table each column is looked up in: the
    // statement stays within SQLite's length limit however many columns.
    const data = `(VALUES ${personal.map((d) => `(${quote(d)})`).join(', ')})`;
    const holds = (col) => `EXISTS (SELECT 1 FROM p WHERE instr(CAST("${col}" AS TEXT), p.v) > 0)`;
    // A SELECT per table, counting for each column the rows whose text
    // holds any of the data.
    const byTable = Map.groupBy(columns, (x) => x.t);
    const perTable = [...byTable].map(
      ([t, cols]) => `(SELECT json_object('t', ${quote(t)}, 'counts', json_object(${cols.map(({ c }) => `${quote(c)}, COALESCE(SUM(${holds(c)}), 0)`).join(', ')})) FROM "${t}")`,
    );
    // Scalar subqueries, not a compound SELECT, whose terms D1 limits.
    const [{ all }] = w.queryDatabase(`WITH p(v) AS ${data} SELECT json_array(${perTable.join(', ')}) AS "all"`);
    const leaks = JSON.parse(all).flatMap(({ t, counts }) =>
      Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([c, n]) => `${t}.${c}: ${n} rows`),
    );
    assert.deepEqual(leaks, []);

    assert.deepEqual(await totals(), before);
    assert.equal((await api(w.base, 'GET', `/v1/members/${c}/export`)).status, 404);
    const fresh = (await api(w.base, 'GET', `/v1/members/${c}`)).json;
    assert.equal(fresh.balance, 0);
    assert.equal(fresh.email, null);
    assert.equal((await api(w.base, 'GET', `/v1/members/${key}`)).json.balance, kept, 'the figures stay under the key');
    assert.equal((await api(w.base, 'DELETE', `/v1/members/${c}`)).status, 404);

    // The export after erasure is the same chain, line for line.
    const chainedAfter = await ledgerExport();
    assert.deepEqual(chainedAfter.slice(0, chainedBefore.length), chainedBefore);
    assertChain(chainedAfter.filter((l) => l.hash));
    assert.ok(!JSON.stringify(chainedAfter).includes(c));
    assert.ok(chainedAfter.filter((l) => l.member === key).length >= 6);
  });
});

describe('ledger export', () => {
  test('lines are null until the scheduled job chains them, then verify; pages follow after=', async () => {
    const c = `chain_${uid('c').replace(/-/g, '_')}`;
    for (let i = 0; i < 5; i++) await purchase(c, uid(`o${i}`), 1500 + i);
    const unchained = (await ledgerExport()).filter((l) => l.hash === null);
    assert.ok(unchained.length >= 5);
    assert.ok(unchained.every((l) => l.prev_hash === null));
    assert.equal(await fireCron(w.base), 200);
    const lines = await ledgerExport(3);
    assert.ok(lines.every((l) => l.hash), 'every entry chained');
    assertChain(lines);
    assert.deepEqual(lines, await ledgerExport());
    assert.ok(lines.every((l) => /^mk_[0-9a-f]{32}$/.test(l.member)));
    assert.ok(!JSON.stringify(lines).includes(c), 'no customer id in the export');
    assert.equal((await api(w.base, 'GET', '/v1/ledger/export?limit=10001')).status, 400);
    assert.equal((await api(w.base, 'GET', '/v1/ledger/export', { auth: tokenFor(c) })).status, 403);
  });
});

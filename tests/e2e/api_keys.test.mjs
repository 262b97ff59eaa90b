// Scoped API keys (shared/API.md "API keys with scopes"), through the real
// Worker and D1: each scope reaches its routes and gets 403 elsewhere, a
// revoked key is refused by the very next request, and only hashes are
// stored.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { api, startWorker, tokenFor, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

async function makeKey(scopes, auth = 'key') {
  const r = await api(w.base, 'POST', '/v1/api-keys', { auth, body: { name: `test ${scopes.join('+')}`, scopes } });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.key, /^lek_[0-9a-f]{48}$/);
  return r.json;
}

describe('API keys with scopes', () => {
  test('each scope reaches its routes and gets 403 forbidden elsewhere', async () => {
    const read = (await makeKey(['read'])).key;
    const checkout = (await makeKey(['checkout'])).key;
    const admin = (await makeKey(['admin'])).key;
    const both = (await makeKey(['read', 'checkout'])).key;
    const c = uid('scoped');
    const order = uid('o');
    const calls = {
      getReward: ['GET', '/v1/rewards/5_OFF'],
      getMember: ['GET', `/v1/members/${c}`],
      listWebhooks: ['GET', '/v1/webhooks'],
      purchase: ['POST', '/v1/events', () => ({ type: 'purchase', order_id: uid('o'), customer_id: c, amount_minor: 1000, currency: 'USD' })],
      validate: ['POST', '/v1/coupons/validate', () => ({ code: 'LOY-NONE-NONE-NONE' })],
      putReward: ['PUT', '/v1/rewards/KEYS_TEST', () => ({
        reward_id: 'KEYS_TEST', name: 'Keys', description: 'k', kind: 'free_shipping', points_cost: 10,
        coupon: { prefix: 'K', expires_in_days: 1, min_order_minor: 0 },
      })],
      adjust: ['POST', `/v1/members/${c}/adjustments`, () => ({ points: 5, reason: 'scopes' })],
      newKey: ['POST', '/v1/api-keys', () => ({ name: 'nested', scopes: ['read'] })],
      listKeys: ['GET', '/v1/api-keys'],
    };
    const call = async (key, name) => {
      const [method, path, body] = calls[name];
      return (await api(w.base, method, path, { auth: key, body: body?.() })).status;
    };
    const expect = async (key, allowed, label) => {
      for (const name of Object.keys(calls)) {
        const status = await call(key, name);
        if (allowed.includes(name)) assert.ok(status < 400, `${label} ${name}: ${status}`);
        else assert.equal(status, 403, `${label} ${name}`);
      }
    };
    await expect(read, ['getReward', 'getMember', 'listWebhooks'], 'read');
    await expect(checkout, ['purchase', 'validate'], 'checkout');
    await expect(both, ['getReward', 'getMember', 'listWebhooks', 'purchase', 'validate'], 'read+checkout');
    await expect(admin, Object.keys(calls), 'admin');

    const refused = await api(w.base, 'POST', '/v1/events', { auth: read, body: calls.purchase[2]() });
    assert.equal(refused.json.error.code, 'forbidden');
    assert.match(refused.json.error.message, /scopes \(read\) do not include checkout/);
    // A key is not a shopper's token, nor a token a key.
    assert.equal((await api(w.base, 'GET', '/v1/me', { auth: admin })).status, 403);
    assert.equal((await api(w.base, 'GET', '/v1/api-keys', { auth: tokenFor(c) })).status, 403);
    assert.equal((await api(w.base, 'GET', '/v1/rewards', { auth: `lek_${'0'.repeat(48)}` })).status, 401);
    assert.equal((await api(w.base, 'POST', '/v1/api-keys', { body: { name: 'x', scopes: ['root'] } })).status, 400);
    assert.equal((await api(w.base, 'POST', '/v1/api-keys', { body: { name: 'x', scopes: [] } })).status, 400);
  });

  test('a revoked key is refused by the next request; keys are listed without keys and stored as hashes', async () => {
    const made = await makeKey(['read']);
    assert.equal((await api(w.base, 'GET', '/v1/rewards', { auth: made.key })).status, 200);
    const listed = (await api(w.base, 'GET', '/v1/api-keys')).json.api_keys;
    const mine = listed.find((k) => k.key_id === made.key_id);
    assert.deepEqual(mine, { key_id: made.key_id, name: 'test read', scopes: ['read'], created_at: made.created_at });
    assert.ok(listed.every((k) => !('key' in k)));

    const revoked = await api(w.base, 'DELETE', `/v1/api-keys/${made.key_id}`);
    assert.deepEqual(revoked.json, { key_id: made.key_id, revoked: true });
    const after = await api(w.base, 'GET', '/v1/rewards', { auth: made.key });
    assert.equal(after.status, 401, 'refused at once');
    assert.equal(after.json.error.code, 'unauthorized');
    assert.equal((await api(w.base, 'DELETE', `/v1/api-keys/${made.key_id}`)).status, 404);
    assert.ok(!(await api(w.base, 'GET', '/v1/api-keys')).json.api_keys.some((k) => k.key_id === made.key_id));

    const rows = w.queryDatabase(`SELECT * FROM api_keys WHERE key_id = '${made.key_id}'`);
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(made.key), 'the key itself is never stored');
    assert.equal(rows[0].key_hash, createHash('sha256').update(made.key).digest('hex'));
  });
});

// Seed 004's reward object in full (shared/API.md, "Rewards: seed 004's
// object in full…"), through the real Worker and D1: `image_url` (https
// only), per-language `texts`, `transaction_attributes` checked at every
// redemption and stored with it (the export shows them, an erasure clears
// them), and `coupons_info` counting every code, generated or pooled.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, credit, startWorker, tokenFor, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

const tote = {
  name: 'Canvas tote',
  kind: 'free_product',
  points_cost: 100,
  discount: { sku: 'TOTE-1' },
  image_url: 'https://cdn.example.com/rewards/tote.png',
  texts: {
    en: { confirm: 'Ships within 3 days.', after: 'Your tote is on its way.' },
    fr: { confirm: 'Expédié sous 3 jours.', after: 'Votre sac est en route.' },
  },
  transaction_attributes: [
    { attribute_id: 'size', name: 'Size', type: 'text', mandatory: true },
    { attribute_id: 'quantity', name: 'Quantity', type: 'number' },
    { attribute_id: 'gift_wrap', name: 'Gift wrap', type: 'boolean' },
  ],
};

test('a reward keeps its image, texts and transaction attributes; bad ones are 400 at their path', async () => {
  const id = uid('TOTE');
  const put = await api(w.base, 'PUT', `/v1/rewards/${id}`, { body: tote });
  assert.equal(put.status, 200, put.text);
  const got = (await api(w.base, 'GET', `/v1/rewards/${id}`)).json;
  assert.equal(got.image_url, tote.image_url);
  assert.deepEqual(got.texts, tote.texts);
  assert.deepEqual(got.transaction_attributes, tote.transaction_attributes.map((a) => ({ mandatory: false, ...a })));
  for (const [bad, path] of [
    [{ image_url: 'http://cdn.example.com/tote.png' }, 'image_url'],
    [{ image_url: 'javascript:alert(1)' }, 'image_url'],
    [{ image_url: 'https://cdn.example.com/a b.png' }, 'image_url'],
    [{ texts: { de: { confirm: 'Versand in 3 Tagen.' } } }, 'texts.de'],
    [{ transaction_attributes: [tote.transaction_attributes[0], tote.transaction_attributes[0]] }, 'transaction_attributes[1].attribute_id'],
  ]) {
    const r = await api(w.base, 'PUT', `/v1/rewards/${uid('BAD')}`, { body: { ...tote, ...bad } });
    assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_request');
    assert.ok(r.json.error.message.includes(path), `${path} in ${r.json.error.message}`);
  }
});

test('a redemption carries the attributes its reward asks for, checked on both routes, stored, exported and erased', async () => {
  const id = uid('TOTE');
  assert.equal((await api(w.base, 'PUT', `/v1/rewards/${id}`, { body: tote })).status, 200);
  const m = uid('wearer');
  await credit(w.base, m, 1000);
  const redeem = (body, auth) =>
    auth
      ? api(w.base, 'POST', '/v1/me/redemptions', { body: { reward_id: id, ...body }, auth })
      : api(w.base, 'POST', `/v1/members/${m}/redemptions`, { body: { reward_id: id, ...body } });

  for (const auth of [undefined, tokenFor(m)]) {
    const missing = await redeem({}, auth);
    assert.equal(missing.status, 400, missing.text);
    assert.match(missing.json.error.message, /attributes\.size: Size is required/);
    const wrong = await redeem({ attributes: { size: 'M', quantity: 'two', gift_wrap: 'yes', colour: 'red' } }, auth);
    assert.equal(wrong.status, 400, wrong.text);
    for (const p of ['attributes.quantity', 'attributes.gift_wrap', 'attributes.colour']) assert.ok(wrong.json.error.message.includes(p), p);
  }
  assert.equal((await api(w.base, 'GET', `/v1/members/${m}`)).json.balance, 1000, 'nothing was debited');

  const ok = await redeem({ attributes: { size: 'M', quantity: 2, gift_wrap: true } });
  assert.equal(ok.status, 201, ok.text);
  const shopper = await redeem({ attributes: { size: 'L' } }, tokenFor(m));
  assert.equal(shopper.status, 201, shopper.text);
  const exported = (await api(w.base, 'GET', `/v1/members/${m}/export`)).json;
  const attrs = Object.fromEntries(exported.redemptions.map((r) => [r.redemption_id, r.attributes]));
  assert.deepEqual(attrs[ok.json.redemption_id], { size: 'M', quantity: 2, gift_wrap: true });
  assert.deepEqual(attrs[shopper.json.redemption_id], { size: 'L' });
  // The history says them by the reward's names, in its order, in the
  // reader's language, for the store and the shopper alike.
  const line = (t) => t.json.transactions.find((x) => x.redemption_id === ok.json.redemption_id).description;
  const said = 'Redeemed: Canvas tote (Size: M · Quantity: 2 · Gift wrap: yes)';
  assert.equal(line(await api(w.base, 'GET', `/v1/members/${m}/transactions`)), said);
  assert.equal(
    line(await api(w.base, 'GET', '/v1/me/transactions', { auth: tokenFor(m), headers: { 'Accept-Language': 'fr' } })),
    'Échange\u00a0: Canvas tote (Size: M · Quantity: 2 · Gift wrap: oui)'
  );
  // Renaming the reward's attributes afterwards does not rewrite history.
  const renamed = { ...tote, transaction_attributes: tote.transaction_attributes.map((a) => ({ ...a, name: `Tote ${a.name}` })) };
  assert.equal((await api(w.base, 'PUT', `/v1/rewards/${id}`, { body: renamed })).status, 200);
  assert.equal(line(await api(w.base, 'GET', `/v1/members/${m}/transactions`)), said);

  // Every code counts in coupons_info, generated ones included.
  const info = (await api(w.base, 'GET', `/v1/rewards/${id}`)).json.coupons_info;
  assert.deepEqual(info, { total: 2, issued: 2, redeemed: 0 });

  assert.equal((await api(w.base, 'DELETE', `/v1/members/${m}`)).status, 200);
  const left = w.queryDatabase(`SELECT attributes, attribute_labels FROM redemptions WHERE reward_id = '${id}'`);
  assert.equal(left.length, 2);
  assert.ok(left.every((r) => r.attributes === null && r.attribute_labels === null), 'what the member wrote goes with the erasure');
});

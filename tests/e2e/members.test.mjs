// Finding members (GET /v1/members): by customer id prefix, by e-mail, by
// tag, every member, paged by cursor; through the real Worker and D1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, credit, startWorker, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

async function member(id, attrs = {}) {
  const r = await api(w.base, 'PATCH', `/v1/members/${id}`, { body: attrs });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** Every page of a search, following next_cursor. */
async function all(query, limit) {
  const ids = [];
  let cursor = null;
  for (let pages = 0; pages < 50; pages++) {
    const params = new URLSearchParams(query);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    const r = await api(w.base, 'GET', `/v1/members?${params}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.members.length <= limit);
    ids.push(...r.json.members.map((m) => m.customer_id));
    cursor = r.json.next_cursor;
    if (!cursor) return ids;
  }
  throw new Error('too many pages');
}

describe('member search', () => {
  const run = uid('ms').replace(/-/g, '_');
  const ids = Array.from({ length: 7 }, (_, i) => `${run}_${String(i).padStart(2, '0')}`);

  before(async () => {
    for (const [i, id] of ids.entries()) {
      await member(id, { email: `${id}@Example.COM`, tags: i % 2 === 0 ? [`${run}-even`, 'shared'] : [`${run}-odd`] });
    }
    await credit(w.base, ids[3], 250);
  });

  test('a customer id prefix finds exactly its members, in order, page by page', async () => {
    assert.deepEqual(await all({ q: run }, 3), ids);
    assert.deepEqual(await all({ q: `${run}_0` }, 100), ids);
    assert.deepEqual(await all({ q: ids[4] }, 2), [ids[4]]);
    assert.deepEqual(await all({ q: `${run}_9` }, 5), []);
  });

  test('each member is shown as GET /v1/members/{id} shows it', async () => {
    const page = (await api(w.base, 'GET', `/v1/members?q=${ids[3]}`)).json;
    const one = (await api(w.base, 'GET', `/v1/members/${ids[3]}`)).json;
    assert.deepEqual(page, { members: [one], next_cursor: null });
    assert.equal(one.balance, 250);
    assert.equal(one.email, `${ids[3]}@Example.COM`);
  });

  test('an e-mail finds its member whatever the case', async () => {
    assert.deepEqual(await all({ q: `${ids[5]}@example.com` }, 10), [ids[5]]);
    assert.deepEqual(await all({ q: `${ids[5].toUpperCase()}@EXAMPLE.com` }, 10), [ids[5]]);
    assert.deepEqual(await all({ q: `nobody+${run}@example.com` }, 10), []);
  });

  test('a tag finds the members carrying it, and follows changes of tags', async () => {
    assert.deepEqual(await all({ q: `tag:${run}-even` }, 2), [ids[0], ids[2], ids[4], ids[6]]);
    assert.deepEqual(await all({ q: `tag:${run}-odd` }, 2), [ids[1], ids[3], ids[5]]);
    await member(ids[0], { tags: [`${run}-odd`] });
    assert.deepEqual(await all({ q: `tag:${run}-even` }, 10), [ids[2], ids[4], ids[6]]);
    assert.deepEqual(await all({ q: `tag:${run}-odd` }, 10), [ids[0], ids[1], ids[3], ids[5]]);
    await member(ids[2], { tags: [] });
    assert.deepEqual(await all({ q: `tag:${run}-even` }, 10), [ids[4], ids[6]]);
  });

  test('no query lists every member once, in customer id order', async () => {
    const every = await all({}, 7);
    assert.equal(new Set(every).size, every.length);
    for (const id of ids) assert.ok(every.includes(id), id);
    // Ids are ASCII: JavaScript's default order is the database's byte order.
    assert.deepEqual(every, [...every].sort());
  });

  test('a bad query, limit or cursor is a 400 naming it', async () => {
    for (const [query, field] of [
      ['q=a%20b', 'q'],
      ['q=tag:', 'q'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['cursor=a%2Fb', 'cursor'],
    ]) {
      const r = await api(w.base, 'GET', `/v1/members?${query}`);
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_request');
      assert.match(r.text, new RegExp(field));
    }
  });

  test('the list needs the API key', async () => {
    const r = await api(w.base, 'GET', '/v1/members', { auth: 'none' });
    assert.equal(r.status, 401, r.text);
  });
});

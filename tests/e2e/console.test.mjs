// The console's sessions and pages over the real Worker: an admin-scope
// key exchanged for an HttpOnly, SameSite=Strict cookie with an expiry;
// the cookie standing for the key on server routes only with the console
// header; refused at once after sign-out, once expired, and once its key
// is revoked; a key without the admin scope cannot sign in; the console's
// files served with their security headers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { API_KEY, api, startWorker } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => {
  await w?.stop();
});

/** POST /v1/session with `key`: {status, json, cookie (name=value), setCookie}. */
async function signIn(key) {
  const r = await fetch(`${w.base}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  const setCookie = r.headers.get('set-cookie') ?? '';
  return { status: r.status, json: await r.json(), setCookie, cookie: setCookie.split(';')[0] };
}

/** A request carried by the session cookie (and the console header unless `header: false`). */
async function withCookie(cookie, method, path, { body, header = true } = {}) {
  const headers = { cookie };
  if (header) headers['x-loyalty-console'] = '1';
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${w.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null, setCookie: r.headers.get('set-cookie') ?? '' };
}

test('the root key signs in for an HttpOnly, SameSite=Strict cookie of 8 hours that stands for it on server routes', async () => {
  const s = await signIn(API_KEY);
  assert.equal(s.status, 201, JSON.stringify(s.json));
  assert.equal(s.json.key_id, 'root');
  assert.match(s.setCookie, /^le_session=[0-9a-f]{64}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
  assert.ok(!s.setCookie.includes('Secure'), 'http://127.0.0.1 keeps no Secure cookie (Secure everywhere else: unit test)');
  const expires = Date.parse(s.json.expires_at) / 1000;
  assert.ok(Math.abs(expires - (Date.now() / 1000 + 28800)) < 60, s.json.expires_at);
  assert.ok(!JSON.stringify(s.json).includes(API_KEY), 'the key is not echoed');

  assert.equal((await withCookie(s.cookie, 'GET', '/v1/session')).json.name, 'Root key');
  const rewards = await withCookie(s.cookie, 'GET', '/v1/rewards');
  assert.equal(rewards.status, 200);
  assert.ok(rewards.json.rewards.length > 0);
  const config = await withCookie(s.cookie, 'GET', '/v1/program/config');
  assert.equal(config.status, 200);
  const seeded = await api(w.base, 'GET', '/v1/program/config');
  assert.deepEqual(config.json, seeded.json, 'the program as PUT takes it');
  assert.equal(config.json.earn.purchase.per_amount_minor > 0, true);
  // Writes too: the session is an admin key.
  const adjusted = await withCookie(s.cookie, 'POST', '/v1/members/console-m1/adjustments', { body: { points: 40, reason: 'console' } });
  assert.equal(adjusted.status, 201, JSON.stringify(adjusted.json));

  // Without the console header the cookie is refused: another site's page
  // cannot add it without a preflight, which server routes never allow.
  const bare = await withCookie(s.cookie, 'GET', '/v1/rewards', { header: false });
  assert.equal(bare.status, 403);
  assert.equal(bare.json.error.code, 'forbidden');
  // Not a shopper credential.
  assert.equal((await withCookie(s.cookie, 'GET', '/v1/me')).status, 403);
});

test('a wrong key is 401 and a key without the admin scope is 403; an admin-scope key signs in under its name', async () => {
  const wrong = await signIn('lek_' + '0'.repeat(48));
  assert.equal(wrong.status, 401);
  assert.equal(wrong.setCookie, '');
  assert.equal((await signIn('not-a-key')).status, 401);
  const reader = await api(w.base, 'POST', '/v1/api-keys', { body: { name: 'reports', scopes: ['read'] } });
  const refused = await signIn(reader.json.key);
  assert.equal(refused.status, 403);
  assert.match(refused.json.error.message, /admin scope/);

  const admin = await api(w.base, 'POST', '/v1/api-keys', { body: { name: 'Back office', scopes: ['admin'] } });
  const s = await signIn(admin.json.key);
  assert.equal(s.status, 201);
  assert.deepEqual([s.json.key_id, s.json.name], [admin.json.key_id, 'Back office']);
  assert.equal((await withCookie(s.cookie, 'GET', '/v1/members')).status, 200);

  // Revoking the key ends its sessions at the next request.
  assert.equal((await api(w.base, 'DELETE', `/v1/api-keys/${admin.json.key_id}`)).status, 200);
  const after = await withCookie(s.cookie, 'GET', '/v1/members');
  assert.equal(after.status, 401);
  assert.equal(after.json.error.code, 'unauthorized');
  assert.equal((await withCookie(s.cookie, 'GET', '/v1/session')).status, 401);
});

test('sign-out ends the session server-side and removes the cookie; an expired session is refused', async () => {
  const s = await signIn(API_KEY);
  const out = await withCookie(s.cookie, 'DELETE', '/v1/session');
  assert.equal(out.status, 200);
  assert.deepEqual(out.json, { ended: true });
  assert.match(out.setCookie, /^le_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  // A copy of the cookie kept elsewhere is refused too.
  assert.equal((await withCookie(s.cookie, 'GET', '/v1/rewards')).status, 401);

  const t = await signIn(API_KEY);
  assert.equal((await withCookie(t.cookie, 'GET', '/v1/rewards')).status, 200);
  // Eight hours later, as D1 sees it.
  w.editDatabase(
    `UPDATE console_sessions SET created_at = created_at - 40000, expires_at = created_at - 11200 WHERE ended_at IS NULL`
  );
  const expired = await withCookie(t.cookie, 'GET', '/v1/rewards');
  assert.equal(expired.status, 401);
  assert.match(expired.json.error.message, /sign in again/);
  // D1 holds hashes, never tokens.
  const rows = w.queryDatabase('SELECT session_hash FROM console_sessions');
  const token = t.cookie.split('=')[1];
  assert.ok(rows.length >= 2 && rows.every((r) => r.session_hash.length === 64 && r.session_hash !== token));
});

test('the console is served at /admin/ with its security headers, and its files are the built ones', async () => {
  const page = await fetch(`${w.base}/admin/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<script type="module" src="\.\/console\.js"><\/script>/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  const wasm = await fetch(`${w.base}/admin/console_bg.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal((await fetch(`${w.base}/admin/console.js`)).status, 200);
});

// The running Worker against its own OpenAPI document, with schemathesis:
// any 5xx, or any response that does not match the document, fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { api, OUTPUT, ROOT, startWorker, tokenFor } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
});
after(async () => w?.stop());

const CHECKS = 'not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance';

function schemathesis(args) {
  const python = process.env.LOYALTY_PYTHON;
  assert.ok(python, 'LOYALTY_PYTHON is set by `cargo xtask test` (a venv with schemathesis)');
  const bin = join(dirname(python), 'schemathesis');
  const r = spawnSync(bin, ['run', `${w.base}/v1/openapi.json`, '-c', CHECKS, '-n', '25', '--seed', '20261122', ...args], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, SCHEMATHESIS_HOOKS: '' },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const summary = out.match(/(\d+) generated, (\d+) passed/);
  return { status: r.status, out, generated: summary ? Number(summary[1]) : 0, passed: summary ? Number(summary[2]) : 0 };
}

test('the document covers every route of the contract', async () => {
  const doc = (await api(w.base, 'GET', '/v1/openapi.json', { auth: 'none' })).json;
  assert.equal(doc.openapi, '3.1.0');
  const expected = {
    '/v1/program': ['get'], '/v1/me': ['get'], '/v1/me/rewards': ['get'], '/v1/me/redemptions': ['post'],
    '/v1/me/transactions': ['get'], '/v1/me/coupons': ['get'], '/v1/rewards/{reward_id}': ['put', 'get', 'delete'], '/v1/rewards': ['get'],
    '/v1/rewards/{reward_id}/coupons': ['post'], '/v1/members/{customer_id}': ['get', 'patch'],
    '/v1/members/{customer_id}/rewards': ['get'], '/v1/members/{customer_id}/transactions': ['get'],
    '/v1/members/{customer_id}/adjustments': ['post'], '/v1/members/{customer_id}/redemptions': ['post'],
    '/v1/events': ['post'], '/v1/orders/{order_id}/refunds': ['post'], '/v1/coupons/validate': ['post'],
    '/v1/coupons/{code}/redeem': ['post'], '/v1/health': ['get'],
    '/v1/webhooks': ['post', 'get'], '/v1/webhooks/{webhook_id}': ['get', 'delete'],
    '/v1/webhooks/{webhook_id}/rotate-secret': ['post'], '/v1/webhooks/{webhook_id}/deliveries': ['get'],
    '/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry': ['post'],
    // Rewards beyond a coupon (issue #22).
    '/v1/gift-cards/{code}': ['get'], '/v1/gift-cards/{code}/debit': ['post'],
    '/v1/checkout/points': ['post'], '/v1/checkout/points/{code}': ['delete'],
    '/v1/reward-orders': ['post'], '/v1/reward-orders/{order_id}': ['get'], '/v1/claims/{token}': ['get', 'post'],
  };
  for (const [path, methods] of Object.entries(expected)) {
    for (const m of methods) assert.ok(doc.paths[path]?.[m], `${m.toUpperCase()} ${path} is documented`);
  }
  // And what a store receives: every event type, with the signed body.
  for (const t of ['member.created', 'points.earned', 'points.expired', 'points.returned', 'reward.redeemed', 'tier.changed', 'reward_order.status']) {
    assert.ok(doc.webhooks?.[t]?.post?.requestBody, `the ${t} delivery is documented`);
  }
});

test('the served document is the generated one and is valid OpenAPI 3.1', async () => {
  const served = await api(w.base, 'GET', '/v1/openapi.json', { auth: 'none' });
  const committed = readFileSync(join(ROOT, 'edge/openapi.json'), 'utf8');
  assert.deepEqual(served.json, JSON.parse(committed));
  const python = process.env.LOYALTY_PYTHON;
  assert.ok(python, 'LOYALTY_PYTHON is set by `cargo xtask test`');
  const r = spawnSync(python, ['-m', 'openapi_spec_validator', join(ROOT, 'edge/openapi.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /: OK$/m);
});

test('server routes conform, with the API key', () => {
  const r = schemathesis(['-H', 'Authorization: Bearer dev-api-key', '--exclude-path-regex', '^/v1/me(/|$)', '--report-junit-path', join(OUTPUT, 'schemathesis-server.xml')]);
  assert.equal(r.status, 0, r.out.slice(-4000));
  assert.ok(r.generated > 500, `generated ${r.generated} cases`);
  assert.equal(r.passed, r.generated);
  // Every route of issue #22 was among them.
  const report = readFileSync(join(OUTPUT, 'schemathesis-server.xml'), 'utf8');
  for (const op of [
    'GET /v1/gift-cards/{code}', 'POST /v1/gift-cards/{code}/debit', 'POST /v1/checkout/points',
    'DELETE /v1/checkout/points/{code}', 'POST /v1/reward-orders', 'GET /v1/reward-orders/{order_id}',
    'GET /v1/claims/{token}', 'POST /v1/claims/{token}',
  ]) {
    assert.ok(report.includes(`testcase name="${op}"`), `schemathesis ran ${op}`);
  }
});

test('shopper routes conform, with a customer token', () => {
  const r = schemathesis(['-H', `Authorization: Bearer ${tokenFor('fuzzed-shopper')}`, '--include-path-regex', '^/v1/me(/|$)']);
  assert.equal(r.status, 0, r.out.slice(-4000));
  assert.ok(r.generated > 100, `generated ${r.generated} cases`);
  assert.equal(r.passed, r.generated);
});

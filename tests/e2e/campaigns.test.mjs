// Campaigns (program `campaigns`): time-boxed multipliers of purchase
// points, for everyone or for the members a rule names; the larger of two
// running at once applies and the purchase's answer names it. Through the
// real Worker and D1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, api, startWorker, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker({ limiter: false });
});
after(async () => w?.stop());

const iso = (hoursFromNow) => new Date(Date.now() + hoursFromNow * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');

describe('campaigns', () => {
  test('the largest running campaign a member may have multiplies the purchase, and the answer names it', async () => {
    const program = JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8'));
    program.campaigns = [
      { campaign_id: 'double', name: 'Double points week', multiplier_percent: 200, starts_at: iso(-1), ends_at: iso(1) },
      {
        campaign_id: 'vip-triple', name: 'VIP triple', multiplier_percent: 300, starts_at: iso(-1), ends_at: iso(1),
        eligibility: [{ conditions: [{ attribute: 'tags', operator: 'contains_any', value: ['vip'] }] }],
      },
      { campaign_id: 'earlier', name: 'Earlier', multiplier_percent: 400, starts_at: iso(-72), ends_at: iso(-24) },
      { campaign_id: 'later', name: 'Later', multiplier_percent: 500, starts_at: iso(24), ends_at: iso(48) },
    ];
    const put = await api(w.base, 'PUT', '/v1/program', { body: program });
    assert.equal(put.status, 200, put.text);

    const run = uid('cp').replace(/-/g, '_');
    const vip = `${run}_vip`;
    assert.equal((await api(w.base, 'PATCH', `/v1/members/${vip}`, { body: { tags: ['vip'] } })).status, 200);
    const buy = async (customer, occurred_at) => {
      const body = { type: 'purchase', order_id: uid('o'), customer_id: customer, amount_minor: 10_000, currency: 'USD' };
      if (occurred_at) body.occurred_at = occurred_at;
      const r = await api(w.base, 'POST', '/v1/events', { body });
      assert.equal(r.status, 201, r.text);
      return { ...r.json, body };
    };

    const anyone = await buy(`${run}_a`);
    assert.equal(anyone.points_earned, 200);
    assert.deepEqual(anyone.campaign, { campaign_id: 'double', name: 'Double points week', multiplier_percent: 200 });
    const v = await buy(vip);
    assert.equal(v.points_earned, 300);
    assert.equal(v.campaign.campaign_id, 'vip-triple');
    const earlier = await buy(`${run}_b`, iso(-48));
    assert.equal(earlier.points_earned, 400, 'a purchase counts in the campaign running when it was made');
    assert.equal(earlier.campaign.campaign_id, 'earlier');
    const none = await buy(`${run}_c`, iso(-96));
    assert.equal(none.points_earned, 100);
    assert.equal(none.campaign, undefined);

    // The campaigns running now are ways to earn, in words.
    const words = (await api(w.base, 'GET', '/v1/program', { auth: 'none' })).json.earn_rules;
    assert.ok(words.includes('Double points week: 2x points on purchases'), words.join(' | '));
    assert.ok(words.includes('VIP triple: 3x points on purchases, for some members'), words.join(' | '));
    assert.ok(!words.some((l) => l.startsWith('Earlier') || l.startsWith('Later')), words.join(' | '));

    const again = await api(w.base, 'POST', '/v1/events', { body: anyone.body });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json.campaign, anyone.campaign, 'a repeated order answers as the first time');

    const bad = structuredClone(program);
    bad.campaigns = [{ campaign_id: 'x', name: 'X', multiplier_percent: 50, starts_at: iso(1), ends_at: iso(-1) }];
    const refused = await api(w.base, 'PUT', '/v1/program', { body: bad });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /campaigns\[0\]\.multiplier_percent/);
    assert.match(refused.json.error.message, /campaigns\[0\]\.ends_at/);
  });
});

// The merchant's own ways to earn (program `activities`): earned by
// `POST /v1/events` `{"type": "activity"}` once per event_id, within a cap
// per member and per period, listed by GET /v1/program, with what a
// member has left of each by GET /v1/me/activities. Through the real
// Worker and D1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, api, startWorker, tokenFor, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker();
  const program = JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8'));
  program.activities = [
    { activity_id: 'follow', name: 'Follow us on Instagram', points: 50, per_member_cap: 1 },
    { activity_id: 'survey', name: 'Answer a survey', points: 20, per_period: { count: 2, days: 30 } },
    { activity_id: 'newsletter:weekly', name: 'Read the newsletter', points: 10 },
  ];
  const r = await api(w.base, 'PUT', '/v1/program', { body: program });
  assert.equal(r.status, 200, r.text);
});
after(async () => w?.stop());

const earn = (customer_id, activity_id, event_id) =>
  api(w.base, 'POST', '/v1/events', { body: { type: 'activity', customer_id, activity_id, event_id } });

describe('activities', () => {
  test('listed as ways to earn, in words and with their caps', async () => {
    const p = (await api(w.base, 'GET', '/v1/program', { auth: 'none' })).json;
    assert.deepEqual(p.activities.map((a) => [a.activity_id, a.points]), [['follow', 50], ['survey', 20], ['newsletter:weekly', 10]]);
    assert.deepEqual(p.activities[1].per_period, { count: 2, days: 30 });
    assert.ok(p.earn_rules.includes('50 points: Follow us on Instagram'), p.earn_rules.join(' | '));
    const fr = (await api(w.base, 'GET', '/v1/program', { auth: 'none', headers: { 'accept-language': 'fr' } })).json;
    assert.ok(fr.earn_rules.includes('50 points\u00a0: Follow us on Instagram'), fr.earn_rules.join(' | '));
  });

  test('once per event_id, within the cap per member and the cap per period', async () => {
    const c = uid('act');
    const first = await earn(c, 'follow', 'e1');
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.points_earned, 50);
    assert.equal(first.json.transaction.description, 'Follow us on Instagram');
    assert.deepEqual((await earn(c, 'follow', 'e1')).json, first.json, 'the same event_id answers as the first time');
    const capped = await earn(c, 'follow', 'e2');
    assert.equal(capped.status, 200);
    assert.equal(capped.json.points_earned, 0);

    assert.equal((await earn(c, 'survey', 's1')).json.points_earned, 20);
    assert.equal((await earn(c, 'survey', 's2')).json.points_earned, 20);
    assert.equal((await earn(c, 'survey', 's3')).json.points_earned, 0, 'two a month');
    assert.equal((await earn(c, 'newsletter:weekly', 'n1')).json.points_earned, 10);
    assert.equal((await api(w.base, 'GET', `/v1/members/${c}`)).json.balance, 100);

    // What the member has left of each, as the widget's Earn tab shows it.
    const standing = async (who) => (await api(w.base, 'GET', '/v1/me/activities', { auth: tokenFor(who) })).json.activities;
    assert.deepEqual(await standing(c), [
      { activity_id: 'follow', earned: 1, left: 0 },
      { activity_id: 'survey', earned: 2, left: 0 },
      { activity_id: 'newsletter:weekly', earned: 1, left: null },
    ]);
    assert.deepEqual((await standing(uid('new'))).map((a) => a.left), [1, 2, null]);
  });

  test('concurrent claims of a capped activity credit it once', async () => {
    const c = uid('race');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => earn(c, 'follow', `r${i}`)));
    assert.ok(answers.every((a) => a.status === 200 || a.status === 201 || a.status === 409), answers.map((a) => a.status).join());
    assert.equal(answers.filter((a) => a.json?.points_earned === 50).length, 1);
    assert.equal((await api(w.base, 'GET', `/v1/members/${c}`)).json.balance, 50);
  });

  test('an activity needs a known activity_id and an event_id; other events take no activity_id', async () => {
    const c = uid('bad');
    assert.equal((await earn(c, 'nope', 'x')).status, 400);
    assert.equal((await api(w.base, 'POST', '/v1/events', { body: { type: 'activity', customer_id: c, activity_id: 'follow' } })).status, 400);
    assert.equal((await api(w.base, 'POST', '/v1/events', { body: { type: 'signup', customer_id: c, activity_id: 'follow' } })).status, 400);
    const bad = JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8'));
    bad.activities = [{ activity_id: 'a', name: 'A', points: 0 }, { activity_id: 'a', name: '', points: 5, per_member_cap: 0 }];
    const r = await api(w.base, 'PUT', '/v1/program', { body: bad });
    assert.equal(r.status, 400);
    for (const f of ['activities[0].points', 'activities[1].activity_id', 'activities[1].name', 'activities[1].per_member_cap']) {
      assert.ok(r.json.error.message.includes(f), `${f}: ${r.json.error.message}`);
    }
  });
});

// Birthday bonuses granted by the scheduled job, through the real Worker
// and D1: on the day (UTC) and up to a week late, once a year, whatever
// runs twice, at once, or after the store sent the birthday itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, fireCron, startWorker, uid } from '../harness.mjs';

let w;
before(async () => {
  w = await startWorker({ limiter: false });
});
after(async () => w?.stop());

/** The date `days` from today (UTC), in 1990 (the year a birthday has). */
function birthday(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return `1990-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

const member = async (id) => (await api(w.base, 'GET', `/v1/members/${id}`)).json;

describe('birthday bonuses', () => {
  test('granted by the scheduled job on the day and up to a week late, once, never early or later', async () => {
    const run = uid('bd').replace(/-/g, '_');
    const cases = { today: 0, three_days_ago: -3, a_week_ago: -7, ten_days_ago: -10, tomorrow: 1 };
    for (const [name, days] of Object.entries(cases)) {
      const r = await api(w.base, 'PATCH', `/v1/members/${run}_${name}`, { body: { birthday: birthday(days) } });
      assert.equal(r.status, 200, r.text);
    }
    // A member who got this year's bonus from the store's own call.
    const told = `${run}_told`;
    await api(w.base, 'PATCH', `/v1/members/${told}`, { body: { birthday: birthday(0) } });
    assert.equal((await api(w.base, 'POST', '/v1/events', { body: { type: 'birthday', customer_id: told } })).status, 201);

    // Two runs at once, then one more: nothing twice.
    assert.deepEqual(await Promise.all([fireCron(w.base), fireCron(w.base)]), [200, 200]);
    assert.equal(await fireCron(w.base), 200);

    const balances = {};
    for (const name of [...Object.keys(cases), 'told']) balances[name] = (await member(`${run}_${name}`)).balance;
    assert.deepEqual(balances, { today: 200, three_days_ago: 200, a_week_ago: 200, ten_days_ago: 0, tomorrow: 0, told: 200 });

    const history = (await api(w.base, 'GET', `/v1/members/${run}_today/transactions`)).json.transactions;
    assert.deepEqual(history.map((t) => [t.kind, t.points, t.description]), [['earn', 200, 'Birthday bonus']]);
    const claims = w.queryDatabase(`SELECT COUNT(*) AS n FROM bonus_claims WHERE event = 'birthday' AND customer_id LIKE '${run}\\_%' ESCAPE '\\'`);
    assert.deepEqual(claims, [{ n: 4 }]);
  });

  test('a member whose figures no write can hold is skipped; the others still get theirs', async () => {
    const run = uid('bdx').replace(/-/g, '_');
    const full = `${run}_full`;
    const fine = `${run}_fine`;
    for (const id of [full, fine]) await api(w.base, 'PATCH', `/v1/members/${id}`, { body: { birthday: birthday(0) } });
    // A balance at the top of the safe range: 200 more would pass it.
    assert.equal((await api(w.base, 'POST', `/v1/members/${full}/adjustments`, { body: { points: 1_000_000_000, reason: 'x' } })).status, 201);
    w.editDatabase(`DROP TRIGGER members_within_safe_integers;
      UPDATE members SET balance = 9007199254740900 WHERE customer_id = '${full}';
      ${(await import('node:fs')).readFileSync(new URL('../../edge/migrations/0006_safe_integers.sql', import.meta.url), 'utf8')}`);
    assert.equal(await fireCron(w.base), 200);
    assert.equal((await member(fine)).balance, 200);
    assert.equal((await member(full)).balance, 9007199254740900);
  });
});

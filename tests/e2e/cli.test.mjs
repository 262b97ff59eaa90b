// `loyalty`, the command line (cli/), against the real Worker and D1:
// imports of our CSV, Smile.io's and LoyaltyLion's customer exports, an
// import killed with SIGKILL and run again, and the ledger export checked
// by `loyalty verify` before and after lines are edited, removed or
// swapped, and after an erasure.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { API_KEY, ROOT, api, fireCron, startWorker, uid } from '../harness.mjs';

const LOYALTY = join(ROOT, 'target', 'release', 'loyalty');
const dir = mkdtempSync(join(tmpdir(), 'loyalty-cli-'));

let w;
before(async () => {
  assert.ok(existsSync(LOYALTY), `${LOYALTY}: run cargo xtask build`);
  w = await startWorker({ limiter: false });
});
after(async () => w?.stop());

function loyalty(args) {
  const r = spawnSync(LOYALTY, args, { encoding: 'utf8', env: { ...process.env, LOYALTY_API: w.base, LOYALTY_KEY: API_KEY } });
  return { code: r.status, out: r.stdout + r.stderr };
}

function file(name, text) {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const balance = async (id) => (await api(w.base, 'GET', `/v1/members/${id}`)).json.balance;

describe('loyalty import', () => {
  test('our CSV: rows in batches, bad rows reported by line, a second run changes nothing', async () => {
    const run = uid('g').replace(/-/g, '_');
    const lines = ['customer_id,email,name,birthday,tags,enrolled_at,points,lifetime_earned'];
    let total = 0;
    for (let i = 0; i < 2500; i++) {
      const points = (i * 37) % 900;
      total += points;
      lines.push(`${run}_${i},${run}_${i}@example.com,"Member, ${i}",1990-01-${String((i % 28) + 1).padStart(2, '0')},vip|${run},2022-02-03,${points},${points + 10}`);
    }
    lines.push(`${run} bad,,,,,,5,`, `${run}_neg,,,,,,-5,`, `${run}_word,,,,,,many,`);
    const csv = file(`${run}.csv`, `${lines.join('\n')}\n`);
    const first = loyalty(['import', csv]);
    assert.equal(first.code, 1, first.out);
    assert.match(first.out, /2503 rows: 2500 imported, 0 already there, 3 not imported/);
    const errors = readFileSync(`${csv}.errors.csv`, 'utf8').trim().split('\n');
    assert.equal(errors[0], 'line,customer_id,message');
    assert.deepEqual(errors.slice(1).map((l) => l.split(',')[0]), ['2502', '2503', '2504']);
    assert.equal(await balance(`${run}_7`), (7 * 37) % 900);
    const m = (await api(w.base, 'GET', `/v1/members/${run}_7`)).json;
    assert.deepEqual(m.tags.sort(), [run, 'vip'].sort());
    const [{ n, s }] = w.queryDatabase(`SELECT COUNT(*) AS n, SUM(points) AS s FROM ledger WHERE kind = 'import' AND customer_id LIKE '${run}\\_%' ESCAPE '\\'`);
    assert.deepEqual([n, s], [2500 - lines.slice(1).filter((l, i) => i < 2500 && l.split(',').at(-2) === '0').length, total]);

    const second = loyalty(['import', csv]);
    assert.match(second.out, /2500 already there/);
    assert.equal(await balance(`${run}_7`), (7 * 37) % 900);
  });

  test('killed with SIGKILL midway and run again: every member credited once, totals exact', async () => {
    const run = uid('k').replace(/-/g, '_');
    const rows = 8000;
    const lines = ['customer_id,email,points'];
    for (let i = 0; i < rows; i++) lines.push(`${run}_${i},${run}_${i}@example.com,${i + 1}`);
    const csv = file(`${run}.csv`, `${lines.join('\n')}\n`);
    const expected = (rows * (rows + 1)) / 2;

    const child = spawn(LOYALTY, ['import', csv], { env: { ...process.env, LOYALTY_API: w.base, LOYALTY_KEY: API_KEY }, stdio: 'ignore' });
    const progress = `${csv}.progress.json`;
    const started = Date.now();
    while (!existsSync(progress) && Date.now() - started < 60000) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(progress), 'the import made progress');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const done = JSON.parse(readFileSync(progress, 'utf8')).rows_done;
    assert.ok(done > 0 && done < rows, `killed after ${done} of ${rows} rows`);

    const again = loyalty(['import', csv]);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, new RegExp(`carrying on after row ${done}`));
    assert.match(again.out, /0 not imported/);
    const [{ n, s, members }] = w.queryDatabase(
      `SELECT COUNT(*) AS n, SUM(points) AS s, COUNT(DISTINCT customer_id) AS members FROM ledger WHERE kind = 'import' AND customer_id LIKE '${run}\\_%' ESCAPE '\\'`,
    );
    assert.deepEqual({ n, s, members }, { n: rows, s: expected, members: rows });
    const [{ b }] = w.queryDatabase(`SELECT SUM(balance) AS b FROM members WHERE customer_id LIKE '${run}\\_%' ESCAPE '\\'`);
    assert.equal(b, expected);
    assert.ok(!existsSync(progress), 'a finished import leaves no progress file');
  });

  test("Smile.io's customer export", async () => {
    const run = uid('s').replace(/-/g, '_');
    const csv = file(
      `${run}-smile.csv`,
      [
        'Id,First Name,Last Name,Email,State,Date of Birth,Points Balance,VIP Tier,Referral URL,Created At',
        `304169228,Jane,Doe,${run}.jane@doe.com,member,1990-05-27,100,Gold,http://i.refs.cc/9qr5Pw,2024-04-04T15:10:42.030Z`,
        `304169229,Bob,Roe,${run}.bob@doe.com,candidate,,40,,http://i.refs.cc/aa,2025-01-02T10:00:00.000Z`,
        `304169230,Eve,Poe,${run}.eve@doe.com,disabled,,70,,,2025-01-02T10:00:00.000Z`,
      ].join('\n'),
    );
    const r = loyalty(['import', csv, '--format', 'smile']);
    assert.match(r.out, /3 rows: 2 imported, 0 already there, 1 not imported/, r.out);
    const jane = (await api(w.base, 'GET', `/v1/members/${run}.jane@doe.com`)).json;
    assert.equal(jane.balance, 100);
    assert.equal(jane.birthday, '1990-05-27');
    assert.equal(jane.enrolled_at, '2024-04-04');
    assert.deepEqual(jane.tags, ['vip:Gold']);
    assert.equal(await balance(`${run}.bob@doe.com`), 40);
    assert.match(readFileSync(`${csv}.errors.csv`, 'utf8'), /disabled/);
  });

  test("LoyaltyLion's customer export", async () => {
    const run = uid('l').replace(/-/g, '_');
    const csv = file(
      `${run}-ll.csv`,
      [
        'id,merchant_id,email,points_approved,points_pending,points_spent,rewards_claimed,blocked,guest,enrolled,enrolled_at,birthday,loyalty_tier,created_at',
        `123,${run}-991,ann@ex.com,250,40,300,2,false,false,true,2023-01-10T09:00:00Z,1985-07-01,Silver,2022-12-01T00:00:00Z`,
        `124,${run}-992,bo@ex.com,10,0,0,0,false,true,false,,,,2022-12-01T00:00:00Z`,
      ].join('\n'),
    );
    const r = loyalty(['import', csv, '--format', 'loyaltylion']);
    assert.equal(r.code, 0, r.out);
    const ann = (await api(w.base, 'GET', `/v1/members/${run}-991`)).json;
    assert.equal(ann.balance, 290);
    assert.equal(ann.lifetime_earned, 590);
    assert.equal(ann.enrolled_at, '2023-01-10');
    assert.deepEqual(ann.tags, ['tier:Silver']);
    assert.equal((await api(w.base, 'GET', `/v1/members/${run}-992`)).json.enrolled_at, '2022-12-01');
  });
});

describe('loyalty export ledger and loyalty verify', () => {
  test('an export verifies; an edited, removed or swapped line is named; an erasure keeps it verifiable', async () => {
    const c = `v_${uid('v').replace(/-/g, '_')}`;
    for (let i = 0; i < 3; i++) {
      await api(w.base, 'POST', '/v1/events', { body: { type: 'purchase', order_id: uid('o'), customer_id: c, amount_minor: 2000 + i, currency: 'USD' } });
    }
    await api(w.base, 'POST', '/v1/events', { body: { type: 'signup', customer_id: c } });
    assert.equal(await fireCron(w.base), 200);
    const out = join(dir, `${c}.ndjson`);
    const exp = loyalty(['export', 'ledger', '--out', out]);
    assert.equal(exp.code, 0, exp.out);
    const ok = loyalty(['verify', out]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /the chain holds over \d+ entries/);

    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.ok(lines.length > 10);
    const at = Math.floor(lines.length / 2);
    const id = (l) => JSON.parse(l).entry_id;
    const check = (name, edited) => loyalty(['verify', file(name, `${edited.join('\n')}\n`)]);

    const changed = [...lines];
    const line = JSON.parse(changed[at]);
    line.points += 1;
    changed[at] = JSON.stringify(line);
    const e1 = check(`${c}-changed.ndjson`, changed);
    assert.equal(e1.code, 1);
    assert.match(e1.out, new RegExp(`line ${at + 1}: entry ${id(lines[at])} was changed`));

    const removed = lines.filter((_, i) => i !== at);
    const e2 = check(`${c}-removed.ndjson`, removed);
    assert.equal(e2.code, 1);
    assert.match(e2.out, new RegExp(`line ${at + 1}: the entry before entry ${id(lines[at + 1])} is missing`));

    const swapped = [...lines];
    [swapped[at], swapped[at + 1]] = [swapped[at + 1], swapped[at]];
    const e3 = check(`${c}-swapped.ndjson`, swapped);
    assert.equal(e3.code, 1);
    assert.match(e3.out, new RegExp(`line ${at + 1}: entry ${id(lines[at + 1])} is out of order`));

    assert.equal((await api(w.base, 'DELETE', `/v1/members/${c}`)).status, 200);
    const out2 = join(dir, `${c}-after-erasure.ndjson`);
    assert.equal(loyalty(['export', 'ledger', '--out', out2]).code, 0);
    const after = loyalty(['verify', out2]);
    assert.equal(after.code, 0, after.out);
    assert.ok(readFileSync(out2, 'utf8').startsWith(readFileSync(out, 'utf8')), 'the lines before the erasure are unchanged');
    assert.ok(!readFileSync(out2, 'utf8').includes(c));
  });
});

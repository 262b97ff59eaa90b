// Figures at scale, on local workerd (`cargo xtask bench --only scale`):
// importing 100,000 members with `loyalty import`, the scheduled expiry
// of 100,000 members whose points fall due on the same day, a member's
// standing with 10,000 ledger entries against one with 20, the member
// search at 100,000 members, the analytics summary for a year over a
// million ledger entries and what its daily figures cost purchases.
// Prints `BENCH_JSON {...}` last.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { API_KEY, ROOT, api, fireCron, startWorker, tokenFor } from '../harness.mjs';

const MEMBERS = Number(process.argv[2] ?? 100000);
const out = join(ROOT, 'target', 'bench');
mkdirSync(out, { recursive: true });
const w = await startWorker({});
const results = { members: MEMBERS };
const log = (...a) => console.error('scale:', ...a);

function percentiles(times) {
  const t = [...times].sort((a, b) => a - b);
  const at = (p) => t[Math.min(t.length - 1, Math.floor((p / 100) * t.length))];
  return { p50_ms: +at(50).toFixed(1), p90_ms: +at(90).toFixed(1), n: t.length };
}

async function timed(n, f) {
  const times = [];
  for (let i = 0; i <= n; i++) {
    const s = performance.now();
    await f();
    if (i > 0) times.push(performance.now() - s);
  }
  return percentiles(times);
}

try {
  // 1. Import: our CSV format, through the command line.
  const csv = join(out, `import-${MEMBERS}.csv`);
  const lines = ['customer_id,email,name,tags,enrolled_at,points,lifetime_earned'];
  for (let i = 0; i < MEMBERS; i++) {
    const id = `scale_${String(i).padStart(6, '0')}`;
    lines.push(`${id},${id}@example.com,Member ${i},${i % 10 === 0 ? 'vip' : ''},2024-03-01,${100 + (i % 900)},${1000 + i}`);
  }
  writeFileSync(csv, `${lines.join('\n')}\n`);
  log(`importing ${MEMBERS} members`);
  const started = performance.now();
  const r = spawnSync(join(ROOT, 'target', 'release', 'loyalty'), ['import', csv, '--restart'], {
    encoding: 'utf8',
    env: { ...process.env, LOYALTY_API: w.base, LOYALTY_KEY: API_KEY },
  });
  const secs = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`loyalty import: ${r.status}\n${r.stdout}\n${r.stderr}`);
  const [{ n: imported }] = w.queryDatabase("SELECT COUNT(*) AS n FROM ledger WHERE kind = 'import' AND customer_id LIKE 'scale\\_%' ESCAPE '\\'");
  if (imported !== MEMBERS) throw new Error(`imported ${imported} of ${MEMBERS}`);
  results.import = { rows: MEMBERS, seconds: +secs.toFixed(1), rows_per_sec: Math.round(MEMBERS / secs) };
  log(JSON.stringify(results.import));

  // 2. Expiry: every imported member gets a lot that fell due a minute
  // ago; the scheduled job runs until none is left.
  const due = Math.floor(Date.now() / 1000) - 60;
  w.editDatabase(`INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, reason, cause)
    SELECT customer_id, 'adjust', 50, ${due - 86400 * 365}, ${due}, 'bench', 'bench-due:' || customer_id
      FROM members WHERE customer_id LIKE 'scale\\_%' ESCAPE '\\'`);
  const left = () =>
    w.queryDatabase(`SELECT COUNT(*) AS n FROM ledger l WHERE expires_at IS NOT NULL AND expires_at <= ${Math.floor(Date.now() / 1000)}
      AND points > 0 AND NOT EXISTS (SELECT 1 FROM lot_closures c WHERE c.lot_id = l.id)`)[0].n;
  const runs = [];
  let remaining = left();
  while (remaining > 0 && runs.length < 60) {
    const s = performance.now();
    const status = await fireCron(w.base);
    if (status !== 200) throw new Error(`cron: ${status}`);
    const now = left();
    runs.push({ seconds: +((performance.now() - s) / 1000).toFixed(2), lots: remaining - now });
    log(`expiry run ${runs.length}: ${remaining - now} lots in ${runs.at(-1).seconds} s`);
    remaining = now;
  }
  const [{ n: expired, s: points }] = w.queryDatabase("SELECT COUNT(*) AS n, SUM(points) AS s FROM ledger WHERE kind = 'expire'");
  if (expired !== MEMBERS || points !== -50 * MEMBERS) throw new Error(`expired ${expired} lots, ${points} points`);
  const perRun = runs.slice(0, -1).map((x) => x.lots);
  results.expiry = {
    members_due: MEMBERS,
    runs: runs.length,
    lots_per_full_run: perRun.length ? Math.round(perRun.reduce((a, b) => a + b, 0) / perRun.length) : runs[0].lots,
    seconds_per_run: +(runs.reduce((a, b) => a + b.seconds, 0) / runs.length).toFixed(1),
    minutes_until_all_expired: runs.length - 1 + runs.at(-1).seconds / 60,
    left: remaining,
  };
  log(JSON.stringify(results.expiry));

  // 3. A member's standing with 10,000 ledger entries against 20: points
  // earned (each a lot expiring in a year) and spent, alternating, then
  // 500 more: the same balance and one lot holding it, whatever the
  // length of the history.
  const year = Math.floor(Date.now() / 1000) + 86400 * 365;
  for (const [id, n] of [['hist_10k', 10000], ['hist_20', 20]]) {
    w.editDatabase(`INSERT INTO members (customer_id, enrolled_at, created_at) VALUES ('${id}', '2024-01-01', 1704067200);
      WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${n - 2})
      INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, reason, cause)
      SELECT '${id}', 'adjust', CASE WHEN i % 2 = 0 THEN 20 ELSE -20 END, 1704067200 + i * 60,
             CASE WHEN i % 2 = 0 THEN ${year} END, 'bench', 'bench-h:${id}:' || i FROM k;
      INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, reason, cause)
      VALUES ('${id}', 'adjust', 500, 1704067200 + ${n} * 60, ${year}, 'bench', 'bench-h:${id}:last');`);
  }
  results.standing = {};
  for (const id of ['hist_20', 'hist_10k']) {
    const token = tokenFor(id);
    const me = await timed(40, async () => {
      const x = await api(w.base, 'GET', '/v1/me', { auth: token });
      if (x.status !== 200) throw new Error(`/v1/me ${x.status} ${x.text}`);
    });
    const rewards = await timed(40, async () => {
      const x = await api(w.base, 'GET', '/v1/me/rewards', { auth: token });
      if (x.status !== 200) throw new Error(`/v1/me/rewards ${x.status}`);
    });
    results.standing[id] = { me, rewards };
  }
  log(JSON.stringify(results.standing));

  // 4. Member search among the members imported above.
  results.search = {};
  for (const [name, q] of [
    ['all, first page', ''],
    ['prefix scale_0421', 'q=scale_0421'],
    ['deep cursor', 'cursor=scale_090000'],
    ['e-mail', 'q=SCALE_054321%40example.com'],
    ['tag:vip', 'q=tag%3Avip&cursor=scale_050000'],
    ['100 a page', 'q=scale_&limit=100'],
  ]) {
    results.search[name] = await timed(40, async () => {
      const x = await api(w.base, 'GET', `/v1/members?${q}`);
      if (x.status !== 200) throw new Error(`${name}: ${x.status}`);
    });
  }
  log(JSON.stringify(results.search));

  // 5. Analytics for a year, once the ledger holds a million entries: 7
  // more per member, spread over the last 365 days (their triggers keep
  // the daily figures, as every write does).
  const now = Math.floor(Date.now() / 1000);
  w.editDatabase(`WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 6)
    INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, reason, cause)
    SELECT m.customer_id, 'adjust', 10 + k.i, ${now} - ((abs(random()) % 365) * 86400), NULL, 'bench', 'bench-a:' || m.customer_id || ':' || k.i
      FROM members m, k WHERE m.customer_id LIKE 'scale\\_%' ESCAPE '\\'`);
  const [{ n: entries }] = w.queryDatabase('SELECT COUNT(*) AS n FROM ledger');
  const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  results.analytics = {
    ledger_entries: entries,
    members: w.queryDatabase('SELECT COUNT(*) AS n FROM members')[0].n,
    year: await timed(20, async () => {
      const x = await api(w.base, 'GET', `/v1/analytics/summary?from=${day(-365)}&to=${day(0)}`);
      if (x.status !== 200) throw new Error(`analytics ${x.status} ${x.text}`);
    }),
    month: await timed(20, async () => {
      const x = await api(w.base, 'GET', `/v1/analytics/summary?from=${day(-30)}&to=${day(0)}`);
      if (x.status !== 200) throw new Error(`analytics ${x.status} ${x.text}`);
    }),
  };
  log(JSON.stringify(results.analytics));

  // 6. What the daily figures cost the write path: purchases from 10
  // connections for 4 s, with the triggers that keep them and without,
  // in interleaved rounds (the same Worker and database).
  const triggers = readFileSync(join(ROOT, 'edge/migrations/0017_analytics.sql'), 'utf8')
    .split(/(?=CREATE TRIGGER )/)
    .filter((t) => /^CREATE TRIGGER stats_/.test(t))
    .map((t) => t.slice(0, t.indexOf('END;') + 4));
  const names = triggers.map((t) => t.match(/^CREATE TRIGGER (\w+)/)[1]);
  const purchases = async () => {
    let done = 0;
    const until = performance.now() + 4000;
    await Promise.all(Array.from({ length: 10 }, async (_, c) => {
      while (performance.now() < until) {
        const x = await api(w.base, 'POST', '/v1/events', {
          body: { type: 'purchase', order_id: `bench-o-${c}-${done}-${Math.random()}`, customer_id: `scale_${String((done * 7 + c) % MEMBERS).padStart(6, '0')}`, amount_minor: 1234, currency: 'USD' },
        });
        if (x.status !== 201) throw new Error(`purchase ${x.status} ${x.text}`);
        done++;
      }
    }));
    return done / 4;
  };
  const rounds = { with: [], without: [] };
  for (let i = 0; i < 5; i++) {
    rounds.with.push(await purchases());
    w.editDatabase(names.map((n) => `DROP TRIGGER ${n};`).join('\n'));
    rounds.without.push(await purchases());
    w.editDatabase(triggers.join('\n'));
  }
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  results.rollup_cost = {
    purchases_per_sec_with: median(rounds.with),
    purchases_per_sec_without: median(rounds.without),
    cost_percent: +((1 - median(rounds.with) / median(rounds.without)) * 100).toFixed(1),
    rounds,
  };
  log(JSON.stringify(results.rollup_cost));
} finally {
  await w.stop();
}
console.log(`BENCH_JSON ${JSON.stringify(results)}`);

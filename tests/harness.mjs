// Test harness: real `wrangler dev` instances (local workerd, D1 and KV on
// disk), one per test file, each on a free loopback port with its own
// state directory. No mocks: every request below goes through the built
// Worker and its D1 database.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(ROOT, 'tests', 'output');
export const API_KEY = 'dev-api-key';
export const WIDGET_SECRET = 'dev-widget-secret';
export const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
export const ENV = {
  ...process.env,
  PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  CI: 'true',
};

/**
 * A free TCP port on 127.0.0.1, chosen below Linux's ephemeral range
 * (32768 and up). A port the kernel hands out for `listen(0)` can be handed
 * out again, to any socket, the moment it is closed: wrangler's own port-0
 * listeners took one between this probe and wrangler's bind once, in CI,
 * and wrangler exited with "Address already in use". Below the range only
 * a process that names the port can take it.
 */
export async function freePort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
}

function canListen(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the Worker. Options: `seed` (default true) seeds edge/seed/*;
 * `vars` overrides Worker vars (e.g. {LOYALTY_ENV: 'production'});
 * `program` replaces the seeded program JSON.
 */
export async function startWorker({ seed = true, vars = {}, program = null, state = null, limiter = true } = {}) {
  mkdirSync(OUTPUT, { recursive: true });
  const dir = state ?? mkdtempSync(join(tmpdir(), 'loyalty-e2e-'));
  const mig = spawnSync(WRANGLER, ['d1', 'migrations', 'apply', 'loyalty', '--local', '--persist-to', dir], {
    cwd: join(ROOT, 'edge'),
    env: ENV,
    encoding: 'utf8',
  });
  if (mig.status !== 0) throw new Error(`migrations failed: ${mig.stdout}\n${mig.stderr}`);
  const w = { state: dir, vars, port: 0, base: '', child: null, log: '', cwd: limiter ? join(ROOT, 'edge') : withoutLimiter() };
  await launch(w);
  if (seed) await seedProgram(w.base, program);
  w.stop = () => stop(w);
  w.restart = async () => {
    await stop(w);
    await launch(w);
  };
  // Changes the local D1 behind the running Worker's back, as an operator
  // could with `wrangler d1 execute` (KV snapshots and isolate memos keep
  // their old view). SQLite's locking lets the two processes share the file.
  w.editDatabase = (sql) => {
    const r = spawnSync(WRANGLER, ['d1', 'execute', 'loyalty', '--local', '--persist-to', dir, '--command', sql], {
      cwd: join(ROOT, 'edge'),
      env: ENV,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`d1 execute failed: ${r.stdout}\n${r.stderr}`);
  };
  // Reads the local D1 the same way: the rows of one query.
  w.queryDatabase = (sql) => {
    const r = spawnSync(WRANGLER, ['d1', 'execute', 'loyalty', '--local', '--persist-to', dir, '--json', '--command', sql], {
      cwd: join(ROOT, 'edge'),
      env: ENV,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`d1 execute failed: ${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout)[0].results;
  };
  return w;
}

async function launch(w) {
  // A port can still be taken by another named bind between the probe and
  // wrangler's: then wrangler says so and exits, and a new port is tried.
  for (let attempt = 1; ; attempt++) {
    const why = await launchOnce(w);
    if (why === null) return;
    // Whatever wrangler had started in its group goes with it.
    try {
      process.kill(-w.child.pid, 'SIGKILL');
    } catch {
      /* none left */
    }
    if (!(why.includes('Address already in use') && attempt < 3)) {
      throw new Error(`wrangler exited: see ${w.log}\n${why.slice(-2000)}`);
    }
  }
}

/**
 * A copy of edge/wrangler.toml without its rate limiter bindings, as an
 * operator might deploy it by mistake: its folder, with the dev vars.
 */
function withoutLimiter() {
  const edge = join(ROOT, 'edge');
  const config = readFileSync(join(edge, 'wrangler.toml'), 'utf8');
  const paragraphs = config.split('\n\n');
  const kept = paragraphs.filter((p) => !p.includes('[[ratelimits]]'));
  if (kept.length !== paragraphs.length - 3) throw new Error('edge/wrangler.toml changed shape: expected three [[ratelimits]] paragraphs');
  const derived = kept
    .join('\n\n')
    .replace('"build/index.js"', JSON.stringify(join(edge, 'build/index.js')))
    .replace('"migrations"', JSON.stringify(join(edge, 'migrations')))
    .replace('"../target/assets"', JSON.stringify(join(ROOT, 'target/assets')));
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-nolimiter-'));
  writeFileSync(join(dir, 'wrangler.toml'), derived);
  copyFileSync(join(edge, '.dev.vars'), join(dir, '.dev.vars'));
  return dir;
}

/** Starts wrangler on a fresh port; null once healthy, else its log. */
async function launchOnce(w) {
  w.port = await freePort();
  w.base = `http://127.0.0.1:${w.port}`;
  w.log = join(OUTPUT, `wrangler-${w.port}.log`);
  const out = openSync(w.log, 'a');
  // The demo store with the widget (wrangler.toml names the widget alone, for deploys).
  const args = ['dev', '--local', '--ip', '127.0.0.1', '--port', String(w.port), '--persist-to', w.state, '--test-scheduled', '--assets', join(ROOT, 'target/site')];
  for (const [k, v] of Object.entries(w.vars)) args.push('--var', `${k}:${v}`);
  // detached: its own process group, so stopping it stops workerd too.
  w.child = spawn(WRANGLER, args, { cwd: w.cwd, env: ENV, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      // Bounded: whatever holds the port may accept and never answer.
      const r = await fetch(`${w.base}/v1/health`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return null;
    } catch {
      /* not up yet */
    }
    if (w.child.exitCode !== null) return readFileSync(w.log, 'utf8');
    await sleep(200);
  }
  throw new Error(`wrangler did not become healthy: see ${w.log}`);
}

function stop(w) {
  // This child, not whatever `w.child` is when the timer fires: after a
  // restart that is the new wrangler, which the timer must not kill.
  const child = w.child;
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    // Whatever of its group (workerd) outlives it is killed in 5 s.
    setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000).unref();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      resolve();
    }
  });
}

/** Seeds the program (edge/seed/program.json or `program`) and rewards. */
export async function seedProgram(base, program = null) {
  const body = program ? JSON.stringify(program) : readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8');
  const p = await api(base, 'PUT', '/v1/program', { raw: body });
  if (p.status !== 200) throw new Error(`seed program: ${p.status} ${p.text}`);
  const rewards = JSON.parse(readFileSync(join(ROOT, 'edge/seed/rewards.json'), 'utf8'));
  for (const r of rewards) {
    const res = await api(base, 'PUT', `/v1/rewards/${r.reward_id}`, { body: r });
    if (res.status !== 200) throw new Error(`seed reward: ${res.status} ${res.text}`);
  }
}

/**
 * One request. `auth`: 'key' (default), 'none', or a customer token.
 * Returns {status, json, text, headers}.
 */
export async function api(base, method, path, { body, raw, auth = 'key', headers = {} } = {}) {
  const h = { ...headers };
  if (auth === 'key') h.authorization = `Bearer ${API_KEY}`;
  else if (auth !== 'none') h.authorization = `Bearer ${auth}`;
  let payload = raw;
  if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) h['content-type'] = 'application/json';
  const r = await fetch(base + path, { method, headers: h, body: payload });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: r.status, json, text, headers: r.headers };
}

const b64url = (b) => Buffer.from(b).toString('base64url');

/** Mints an HS256 token in the test (any JWT library would do the same). */
export function mintToken(claims, { secret = WIDGET_SECRET, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const h = b64url(JSON.stringify(header));
  const p = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${sig}`;
}

/** A valid token for `sub`, an hour long. */
export function tokenFor(sub, extra = {}) {
  return mintToken({ sub, exp: Math.floor(Date.now() / 1000) + 3600, ...extra });
}

/** Credits `points` to a member through the API. */
export async function credit(base, customer, points, reason = 'test credit') {
  const r = await api(base, 'POST', `/v1/members/${customer}/adjustments`, { body: { points, reason } });
  if (r.status !== 201) throw new Error(`credit: ${r.status} ${r.text}`);
  return r.json;
}

/** Fires the Worker's cron handler (wrangler dev --test-scheduled). */
export async function fireCron(base) {
  const r = await fetch(`${base}/__scheduled?cron=*+*+*+*+*`);
  return r.status;
}

/** A unique id for this run. */
export function uid(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A webhook receiver on 127.0.0.1. `answer(req)` picks each status (200 by
 * default); every request is kept with its arrival time.
 */
export async function receiver({ port = null, answer = () => 200 } = {}) {
  const got = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const hit = { at: Date.now(), headers: req.headers, body, json: JSON.parse(body) };
      got.push(hit);
      res.statusCode = answer(hit, got);
      res.end();
    });
  });
  const p = port ?? (await freePort());
  await new Promise((resolve) => server.listen(p, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${p}/hooks`, port: p, got, close: () => new Promise((r) => server.close(r)) };
}

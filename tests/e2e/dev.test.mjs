// `cargo xtask dev` as a terminal, a process manager or `kill PID` stops it:
// SIGTERM and SIGHUP stop wrangler and workerd too, so the port is free for
// the next start. Runs the real xtask binary on its own port and state.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT, freePort } from '../harness.mjs';

const XTASK = join(ROOT, 'target', 'debug', 'xtask');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function answers(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Processes whose command line names `needle` (wrangler is started with the state folder). */
function processesNaming(needle) {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    });
}

async function stopsOn(signal) {
  assert.ok(existsSync(XTASK), 'cargo xtask test builds the xtask binary first');
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'loyalty-dev-'));
  const dev = spawn(XTASK, ['dev'], {
    cwd: ROOT,
    env: { ...process.env, LOYALTY_DEV_PORT: String(port), LOYALTY_DEV_STATE: state },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  dev.stdout.on('data', (d) => (log += d));
  dev.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => dev.once('exit', (code, sig) => resolve({ code, sig })));
  for (let i = 0; !log.includes('Loyalty Edge is running'); i++) {
    assert.ok(i < 600, `xtask dev did not start within 5 minutes:\n${log.slice(-3000)}`);
    assert.equal(dev.exitCode, null, `xtask dev exited:\n${log.slice(-3000)}`);
    await sleep(500);
  }
  assert.ok(await answers(port), 'the dev server answers');
  assert.ok(processesNaming(state).length > 0, 'wrangler runs with the state folder');

  try {
    dev.kill(signal);
    const { code } = await exited;
    assert.equal(code, 0, `xtask dev stops cleanly on ${signal}:\n${log.slice(-2000)}`);
    // Nothing of it is left: no wrangler, and nothing listening on its port.
    for (let i = 0; processesNaming(state).length > 0 || (await answers(port)); i++) {
      assert.ok(i < 50, `left behind after ${signal}: ${processesNaming(state)} (port ${port} answers: ${await answers(port)})`);
      await sleep(100);
    }
  } finally {
    // When it failed, what it left behind is stopped here (wrangler's own
    // process group, workerd included), or its open pipes keep the run alive.
    for (const pid of processesNaming(state)) {
      try {
        const pgid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    dev.stdout.destroy();
    dev.stderr.destroy();
  }
}

test('SIGTERM stops cargo xtask dev with its wrangler and workerd', { timeout: 400_000 }, () => stopsOn('SIGTERM'));

test('SIGHUP (a closed terminal) stops it the same way', { timeout: 400_000 }, () => stopsOn('SIGHUP'));

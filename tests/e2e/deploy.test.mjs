// What `wrangler deploy` would upload, asked of wrangler itself (a dry run
// needs no account): the Worker and the widget's files, never the demo
// store, whose pages need the dev routes a deployed Worker does not serve.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { ENV, ROOT, WRANGLER } from '../harness.mjs';

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

test('a deploy uploads the widget, the console and the claim page, and nothing of the demo store', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'loyalty-deploy-'));
  const r = spawnSync(WRANGLER, ['deploy', '--dry-run', '--outdir', outdir], { cwd: join(ROOT, 'edge'), env: ENV, encoding: 'utf8', timeout: 120_000 });
  const said = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, said);
  const read = said.match(/Read (\d+) files? from the assets directory (\S+)/);
  assert.ok(read, `wrangler did not say which assets it read:\n${said}`);
  assert.equal(read[2], join(ROOT, 'target', 'assets'));
  const files = filesUnder(read[2]);
  assert.deepEqual(files, [
    '_headers',
    'admin/console.css',
    'admin/console.js',
    'admin/console_bg.wasm',
    'admin/index.html',
    'claim/claim.css',
    'claim/claim.js',
    'claim/index.html',
    'widget/loyalty.js',
    'widget/loyalty_bg.wasm',
  ]);
  // wrangler counts the widget/, admin/ and claim/ folders among the files it read.
  assert.equal(Number(read[1]), files.length + 3, said);
  assert.ok(!said.includes('checkout') && !said.includes('store.js') && !said.includes('account.html'), said);
});

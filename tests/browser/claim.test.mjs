// A reward order's claim link in Chromium against the real Worker: the page
// shows the store's words as text, reveals the code only when its holder
// asks, and shows the same code when opened again.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api, uid } from '../harness.mjs';
import { a11yViolations, shot, workerAndBrowser } from './browser.mjs';

const stack = workerAndBrowser();

test('a claim link shows the personalization, reveals the code on request, once, and again when reopened', async () => {
  const { w, b } = stack;
  const r = await api(w.base, 'POST', '/v1/reward-orders', {
    body: {
      po_number: uid('PO'),
      line_items: [
        {
          reward_id: '5_OFF',
          customer_id: uid('ada'),
          delivery: { type: 'link', email: 'ada@example.com' },
          personalization: { to: 'Ada', from_name: 'The Acme team', message: 'Thank you for 3 years!\n<img src=x onerror=alert(1)>' },
        },
      ],
    },
  });
  assert.equal(r.status, 201, r.text);
  const line = r.json.line_items[0];
  const page = await b.context.newPage();
  const requests = [];
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(line.claim_url);
  await page.getByRole('button', { name: 'Show my code' }).waitFor();
  assert.equal(await page.locator('#store').textContent(), 'Acme Rewards');
  assert.equal(await page.locator('h1').textContent(), '$5 off');
  assert.equal(await page.locator('#to').textContent(), 'For Ada');
  assert.equal(await page.locator('#from').textContent(), 'From The Acme team');
  assert.equal(await page.locator('#message').textContent(), 'Thank you for 3 years!\n<img src=x onerror=alert(1)>');
  assert.equal(await page.locator('#message img').count(), 0, 'words are text, never markup');
  assert.equal(await page.locator('#state').textContent(), 'A code is waiting for you.');
  assert.equal(await page.locator('#codes li').count(), 0);
  const violations = await a11yViolations(page, 'main');
  assert.deepEqual(violations, [], violations.join('\n'));
  await shot(page, 'claim-1-unclaimed');
  // Opening the page claimed nothing.
  assert.equal((await api(w.base, 'GET', `/v1/reward-orders/${r.json.order_id}`)).json.status, 'fulfilled');

  await page.getByRole('button', { name: 'Show my code' }).click();
  await page.locator('#codes li').waitFor();
  assert.equal(await page.locator('#codes li').textContent(), `${line.codes[0]} · $5.00 off`);
  assert.equal(await page.locator('#state').textContent(), 'Here is your code.');
  await shot(page, 'claim-2-claimed');
  assert.equal((await api(w.base, 'GET', `/v1/reward-orders/${r.json.order_id}`)).json.status, 'delivered');

  await page.reload();
  await page.locator('#codes li').waitFor();
  assert.equal(await page.locator('#codes li').textContent(), `${line.codes[0]} · $5.00 off`);
  assert.equal(await page.getByRole('button', { name: 'Show my code' }).isHidden(), true);
  // The token never left the browser in a URL the server logs: it is in the fragment.
  const token = new URL(line.claim_url).hash.slice(1);
  assert.ok(requests.filter((u) => u.includes('/claim/')).every((u) => !u.includes(token)), requests.join('\n'));

  // A wrong link says so, and nothing else.
  await page.goto(`${w.base}/claim/#${'0'.repeat(64)}`);
  await page.locator('#state[data-state="error"]').waitFor();
  assert.equal(await page.locator('#state').textContent(), 'This link is not valid. Check that you copied all of it.');
  await page.close();
});

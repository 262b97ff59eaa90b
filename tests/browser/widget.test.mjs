// The widget on the demo store, in a real browser, against the real Worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, api, credit, seedProgram, tokenFor, uid } from '../harness.mjs';
import { a11yViolations, shot, workerAndBrowser } from './browser.mjs';

const stack = workerAndBrowser();

test('the widget shows the balance written over the API, inside a shadow root', async () => {
  const customer = uid('shopper');
  await credit(stack.w.base, customer, 1234);
  const { page } = stack.b;
  // The host page hears `loyalty:ready` once, bubbling out of the shadow root.
  await page.addInitScript(() => {
    window.readyEvents = [];
    document.addEventListener('loyalty:ready', (e) => window.readyEvents.push(e.target.hasAttribute('data-loyalty-edge')));
  });
  await page.goto(`${stack.w.base}/?customer=${customer}`);
  // One script tag created one host element with an open shadow root.
  const hosts = await page.evaluate(() =>
    [...document.querySelectorAll('[data-loyalty-edge]')].map((h) => h.shadowRoot !== null)
  );
  assert.deepEqual(hosts, [true]);
  await page.getByRole('button', { name: /Rewards/ }).first().click();
  const balance = page.locator('.le-balance');
  await balance.waitFor();
  // Grouped as the page's language writes numbers.
  assert.equal(await balance.textContent(), '1,234');
  // The balance element lives in the shadow tree, not the page's DOM.
  assert.equal(await page.evaluate(() => document.querySelector('.le-balance')), null);
  assert.deepEqual(await page.evaluate(() => window.readyEvents), [true]);
  // Signing out and in again is not a second start.
  await page.evaluate((t) => {
    window.LoyaltyEdge.logout();
    window.LoyaltyEdge.identify(t);
  }, tokenFor(customer));
  await balance.waitFor();
  assert.deepEqual(await page.evaluate(() => window.readyEvents), [true]);
  await shot(page, 'widget-balance');
  assert.deepEqual(stack.b.errors, []);

  // A later change through the API shows after a reload.
  await credit(stack.w.base, customer, 66);
  await page.reload();
  await page.getByRole('button', { name: /Rewards/ }).first().click();
  await page.locator('.le-balance').filter({ hasText: '1,300' }).waitFor();
  const me = await api(stack.w.base, 'GET', `/v1/members/${customer}`);
  assert.equal(me.json.balance, 1300);
});

test('the first figures are asked for while the module downloads, and only for the shopper the page started with', async () => {
  const [alice, bob] = [uid('early-a'), uid('early-b')];
  const [aliceToken, bobToken] = [tokenFor(alice), tokenFor(bob)];
  await credit(stack.w.base, alice, 111);
  await credit(stack.w.base, bob, 222);
  // A host page whose server put the shopper's token in the tag.
  const hostPage = `<!doctype html><html lang="en"><body><div id="r"></div>
    <script src="/widget/loyalty.js" async data-mode="inline" data-target="#r"
            data-customer-token="${aliceToken}"></script></body></html>`;

  async function open() {
    const page = await stack.b.context.newPage();
    await page.route(`${stack.w.base}/t/early.html`, (route) => route.fulfill({ contentType: 'text/html', body: hostPage }));
    // The module is held back until the test lets it go, so whatever the
    // page asks for meanwhile was asked for by the loader alone.
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await page.route('**/widget/loyalty_bg.wasm', async (route) => {
      await held;
      await route.continue();
    });
    const asked = [];
    page.on('request', (r) => {
      const { pathname } = new URL(r.url());
      if (pathname.startsWith('/v1/')) asked.push([pathname, r.headers().authorization ?? '']);
    });
    await page.goto(`${stack.w.base}/t/early.html`);
    const paths = () => asked.map(([p]) => p);
    for (let i = 0; !['/v1/program', '/v1/me', '/v1/me/rewards'].every((p) => paths().includes(p)); i++) {
      assert.ok(i < 200, `the loader did not ask early: ${JSON.stringify(paths())}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return { page, release, asked };
  }

  // The widget shows the early answers and does not ask again.
  const first = await open();
  first.release();
  const balance = first.page.locator('.le-balance');
  await balance.filter({ hasText: '111' }).waitFor();
  assert.deepEqual(first.asked.map(([p]) => p).filter((p) => p === '/v1/me'), ['/v1/me']);
  await first.page.close();

  // A sign-in before the module is ready: the early answers were for the
  // other shopper and are dropped.
  const second = await open();
  await second.page.evaluate((t) => window.LoyaltyEdge.identify(t), bobToken);
  second.release();
  await second.page.locator('.le-balance').filter({ hasText: '222' }).waitFor();
  const meCalls = second.asked.filter(([p]) => p === '/v1/me').map(([, auth]) => auth);
  assert.deepEqual(meCalls, [`Bearer ${aliceToken}`, `Bearer ${bobToken}`]);
  await second.page.close();
});

test("counts are worded with the program's own name for points, in the singular and the plural", async () => {
  const demo = JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8'));
  await seedProgram(stack.w.base, { ...demo, points_name: 'Stars' });
  try {
    const customer = uid('stars');
    await credit(stack.w.base, customer, 1);
    const page = await stack.b.context.newPage();
    await page.goto(`${stack.w.base}/?customer=${customer}`);
    await page.getByRole('button', { name: /Rewards/ }).first().click();
    await page.locator('.le-points').filter({ hasText: /^1 Star$/ }).waitFor();
    const card = page.locator('.le-reward[data-reward-id="5_OFF"]');
    assert.equal(await card.locator('.le-cost').textContent(), '500 Stars');
    assert.equal(await card.locator('.le-status').textContent(), 'You need 499 more Stars');
    // The API's earn rules, shown to guests, use the same words.
    const program = await api(stack.w.base, 'GET', '/v1/program', { auth: 'none' });
    assert.equal(program.json.earn_rules[0], 'Earn 1 Star for every $1.00 spent');
    await shot(page, 'widget-stars');
    await page.close();
  } finally {
    await seedProgram(stack.w.base);
  }
});

test('the history shows the newest page first and pages back through older activity', async () => {
  const customer = uid('pages');
  // 23 entries: one page of 20 and three more.
  for (let i = 1; i <= 23; i++) await credit(stack.w.base, customer, i, `Credit ${i}`);
  const page = await stack.b.context.newPage();
  await page.goto(`${stack.w.base}/?customer=${customer}`);
  await page.getByRole('button', { name: /Rewards/ }).first().click();
  await page.getByRole('tab', { name: 'History' }).click();
  const rows = page.locator('.le-txn');
  await rows.nth(19).waitFor();
  const lines = async () => (await rows.locator('span:first-child').allTextContents()).map((t) => t.trim());
  assert.equal(await rows.count(), 20);
  assert.equal((await lines())[0], 'Credit 23', 'newest first');
  assert.deepEqual(await a11yViolations(page), []);

  // A double click asks for the next page once.
  const asked = [];
  page.on('request', (r) => r.url().includes('cursor=') && asked.push(r.url()));
  const older = page.getByRole('button', { name: 'Show older activity' });
  await older.dblclick();
  await rows.nth(22).waitFor();
  assert.equal(asked.length, 1, asked.join('\n'));
  const all = await lines();
  assert.deepEqual(
    all,
    Array.from({ length: 23 }, (_, i) => `Credit ${23 - i}`),
    'every entry once, newest first'
  );
  // The last page has no next one.
  assert.equal(await older.count(), 0);
  await shot(page, 'widget-history-older');

  // A refresh (the store reports a purchase, or a redemption) brings in
  // what is new and keeps as many lines as were shown: the pages the
  // shopper asked for are not taken back.
  await credit(stack.w.base, customer, 24, 'Credit 24');
  await page.evaluate(() => window.LoyaltyEdge.refresh());
  await rows.first().filter({ hasText: 'Credit 24' }).waitFor();
  assert.deepEqual(
    await lines(),
    Array.from({ length: 23 }, (_, i) => `Credit ${24 - i}`),
    'the newest 23, as many as were shown'
  );
  assert.equal(await older.count(), 1, 'the one left out is a page away');
  assert.deepEqual(stack.b.errors, []);
  await page.close();
});

test("a merchant's and the API's words are shown as written, never run as markup", async () => {
  // The widget writes its static blocks as escaped HTML (widget/src/markup.rs):
  // every field the API returns goes through that escaping, so markup in a
  // reward's name, its description or an adjustment's reason stays text.
  const hostile = {
    reward_id: 'MARKUP_TOTE',
    name: '<img src=x onerror="window.pwned=1">Tote & "Bag"',
    description: "</p></li></ul><script>window.pwned=2</script><b onclick='x'>bold</b>",
    active: true,
    kind: 'free_product',
    points_cost: 7,
    discount: { sku: 'TOTE' },
    show_to_guests: true,
    coupon: { prefix: 'LOY', expires_in_days: 30, min_order_minor: 0 },
  };
  const put = await api(stack.w.base, 'PUT', `/v1/rewards/${hostile.reward_id}`, { body: hostile });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  try {
    const customer = uid('markup');
    await credit(stack.w.base, customer, 3, '<img src=x onerror="window.pwned=3">a & b');
    const page = await stack.b.context.newPage();
    const shadowTags = () =>
      page.evaluate(() => {
        const root = document.querySelector('[data-loyalty-edge]').shadowRoot;
        return ['img', 'script', 'b'].map((t) => root.querySelectorAll(t).length);
      });
    const shownAsWritten = async () => {
      const card = page.locator(`.le-reward[data-reward-id="${hostile.reward_id}"]`);
      await card.waitFor();
      assert.equal(await card.locator('strong').textContent(), hostile.name);
      assert.equal(await card.locator('.le-muted').first().textContent(), hostile.description);
    };

    // A guest sees the catalog the store shows to guests.
    await page.goto(`${stack.w.base}/`);
    await page.getByRole('button', { name: /Rewards/ }).first().click();
    await shownAsWritten();
    assert.deepEqual(await shadowTags(), [0, 0, 0]);

    // A member sees it with a status, and the reason in the history.
    await page.evaluate((t) => window.LoyaltyEdge.identify(t), tokenFor(customer));
    await page.locator('.le-balance').waitFor();
    await shownAsWritten();
    await page.getByRole('tab', { name: 'History' }).click();
    const line = page.locator('.le-txn span:first-child').first();
    await line.waitFor();
    assert.equal(await line.textContent(), '<img src=x onerror="window.pwned=3">a & b');
    assert.deepEqual(await shadowTags(), [0, 0, 0]);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(stack.b.errors, []);
    await page.close();
  } finally {
    await api(stack.w.base, 'DELETE', `/v1/rewards/${hostile.reward_id}`);
  }
});

test('the balance card shows pending points and the soonest expiry, as the API reports them', async () => {
  const demo = JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8'));
  await seedProgram(stack.w.base, { ...demo, pending_days: 14 });
  try {
    const customer = uid('pending');
    await credit(stack.w.base, customer, 300);
    const order = await api(stack.w.base, 'POST', '/v1/events', {
      body: { type: 'purchase', order_id: uid('order'), customer_id: customer, amount_minor: 4200, currency: 'USD' },
    });
    assert.equal(order.status, 201, order.text);
    const me = (await api(stack.w.base, 'GET', `/v1/members/${customer}`)).json;
    assert.equal(me.pending, 42, JSON.stringify(me));
    assert.ok(me.expiring.length > 0, JSON.stringify(me));
    const page = await stack.b.context.newPage();
    await page.goto(`${stack.w.base}/?customer=${customer}`);
    await page.getByRole('button', { name: /Rewards/ }).first().click();
    await page.locator('.le-balance').filter({ hasText: '300' }).waitFor();
    assert.equal(await page.locator('.le-pending').textContent(), '42 pending');
    const soonest = me.expiring[0];
    const year = new Date(soonest.expires_at).getUTCFullYear();
    assert.match(
      await page.locator('.le-expiring').textContent(),
      new RegExp(`^${soonest.points} expire on [A-Z][a-z]{2} \\d{1,2}, ${year}$`)
    );
    await page.close();
  } finally {
    await seedProgram(stack.w.base);
  }
});

test('an answer that does not match the contract is an error with a retry, never a zero', async () => {
  const customer = uid('garbled');
  await credit(stack.w.base, customer, 77);
  const page = await stack.b.context.newPage();
  let garble = true;
  // The API answers without a field the contract requires (as a Worker a
  // version behind or ahead would).
  await page.route('**/v1/me', async (route) => {
    if (!garble) return route.continue();
    const response = await route.fetch();
    const body = await response.json();
    delete body.pending;
    await route.fulfill({ response, json: body });
  });
  await page.goto(`${stack.w.base}/?customer=${customer}`);
  await page.getByRole('button', { name: /Rewards/ }).first().click();
  const error = page.locator('.le-error p').first();
  await error.waitFor();
  assert.equal(await error.textContent(), 'The rewards service sent an answer this page cannot read. Please try again.');
  assert.equal(await page.locator('.le-balance').count(), 0, 'no balance is shown from an answer that did not decode');
  garble = false;
  await page.getByRole('button', { name: 'Try again' }).first().click();
  await page.locator('.le-balance').filter({ hasText: '77' }).waitFor();
  await page.close();
});

test('the loader refuses an http: API outside this machine, before sending anything', async () => {
  const page = await stack.b.context.newPage();
  const host = `<!doctype html><html lang="en"><body>
    <script>window.errors = []; document.addEventListener('loyalty:error', (e) => window.errors.push(e.detail));</script>
    <script src="/widget/loyalty.js" data-api="http://shop.example" data-customer-token="${tokenFor('plain')}"></script>
    </body></html>`;
  await page.route(`${stack.w.base}/t/insecure.html`, (route) => route.fulfill({ contentType: 'text/html', body: host }));
  const asked = [];
  page.on('request', (r) => asked.push(r.url()));
  await page.goto(`${stack.w.base}/t/insecure.html`);
  await page.waitForFunction(() => window.errors.length > 0);
  const [error] = await page.evaluate(() => window.errors);
  assert.equal(error.code, 'insecure_api');
  assert.match(error.message, /https:/);
  assert.deepEqual(asked.filter((u) => !u.startsWith(stack.w.base)), [], 'nothing was sent to the http: API');
  assert.equal(await page.locator('[data-loyalty-edge]').count(), 0, 'no widget was mounted');
  assert.ok(!asked.some((u) => u.endsWith('loyalty_bg.wasm')), 'the module was not even fetched');
  await page.close();
});

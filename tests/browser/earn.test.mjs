// The Earn tab in Chromium against the real Worker: the ways to earn with
// what the member has left under each activity's caps, and "Refer a
// friend" with the member's link, a copy button and what the link brought;
// the guest's ways to earn; axe on both.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT, api, fireCron, tokenFor, uid } from '../harness.mjs';
import { a11yViolations, shot, signInOnDemoStore, workerAndBrowser } from './browser.mjs';

const program = {
  ...JSON.parse(readFileSync(join(ROOT, 'edge/seed/program.json'), 'utf8')),
  activities: [
    { activity_id: 'follow', name: 'Follow us on Instagram', points: 50, per_member_cap: 1 },
    { activity_id: 'survey', name: 'Answer our monthly survey', points: 20, per_period: { count: 2, days: 30 } },
    { activity_id: 'share', name: 'Share a product', points: 5 },
  ],
};

const stack = workerAndBrowser({ program }, { clipboard: true });

async function assertAccessible(page, state) {
  const violations = await a11yViolations(page);
  assert.deepEqual(violations, [], `${state}:\n${violations.join('\n')}`);
}

const claim = async (customer, activity_id) => {
  const r = await api(stack.w.base, 'POST', '/v1/events', {
    body: { type: 'activity', activity_id, customer_id: customer, event_id: uid('ev') },
  });
  assert.equal(r.status, 201, r.text);
};

test('a member sees the ways to earn with what is left of each, and a link to refer friends that copies and counts', async () => {
  const member = uid('earner');
  await claim(member, 'follow');
  await claim(member, 'survey');
  const { page } = stack.b;
  await signInOnDemoStore(stack.b, stack.w.base, member, { page });
  await page.getByRole('tab', { name: 'Earn' }).click();

  const line = (text) => page.locator('.le-earn li').filter({ hasText: text });
  await line('Follow us on Instagram').waitFor();
  assert.equal(await line('Follow us on Instagram').textContent(), '50 points: Follow us on Instagram · Done');
  assert.equal(await line('monthly survey').textContent(), '20 points: Answer our monthly survey · 1 left');
  assert.equal(await line('Share a product').textContent(), '5 points: Share a product', 'no cap, nothing left to count');
  assert.ok(await line('for every $1.00 spent').count(), 'the purchase rule is a way to earn too');

  // The link is the member's own, as the API gives it.
  const mine = (await api(stack.w.base, 'GET', '/v1/me/referral', { auth: tokenFor(member) })).json;
  const card = page.getByRole('region', { name: 'Refer a friend' });
  await card.locator('.le-refer-link').waitFor();
  assert.equal(await card.locator('.le-refer-link').textContent(), mine.url);
  assert.match(mine.url, new RegExp(`\\?ref=${mine.code}$`));
  assert.equal(await card.locator('.le-refer-counts').textContent(), '0 joined · 0 ordered · 0 points earned');
  assert.equal(await card.getByText('500 points for each friend you refer, on their first order of $20.00 or more').count(), 1);
  await card.getByRole('button', { name: 'Copy link' }).click();
  await card.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), mine.url);
  await assertAccessible(page, 'the Earn tab');
  await shot(page, 'earn-tab');

  // A friend comes through the link and orders; the card counts them.
  const friend = uid('friend');
  assert.equal((await api(stack.w.base, 'POST', '/v1/referrals', { body: { code: mine.code, customer_id: friend } })).status, 201);
  const order = await api(stack.w.base, 'POST', '/v1/events', {
    body: { type: 'purchase', order_id: uid('o'), customer_id: friend, amount_minor: 3_000, currency: 'USD' },
  });
  assert.equal(order.status, 201, order.text);
  await claim(member, 'survey');
  await page.getByRole('tab', { name: 'Rewards' }).click();
  await page.getByRole('tab', { name: 'Earn' }).click();
  await card.locator('.le-refer-counts').filter({ hasText: '1 joined · 1 ordered · 500 points earned' }).waitFor();
  await line('monthly survey').filter({ hasText: 'Done' }).waitFor();
  assert.deepEqual(stack.b.errors, []);
});

test('a guest sees the same ways to earn, without counts, and the page passes axe', async () => {
  const { page } = stack.b;
  await page.goto(`${stack.w.base}/?customer=${uid('guest')}`);
  await page.evaluate(() => sessionStorage.setItem('signed-out', '1'));
  await page.reload();
  await page.locator('.le-launcher').click();
  await page.getByRole('heading', { name: 'Ways to earn' }).waitFor();
  const lines = await page.locator('.le-earn li').allTextContents();
  assert.ok(lines.includes('50 points: Follow us on Instagram'), lines.join(' | '));
  assert.ok(lines.includes('500 points for each friend you refer, on their first order of $20.00 or more'), lines.join(' | '));
  assert.ok(!lines.some((l) => l.includes(' left') || l.includes('Done')));
  await assertAccessible(page, 'the guest view');
  await page.evaluate(() => sessionStorage.removeItem('signed-out'));
});

test('with tiers over a window, the tier card says what counts and until when a tier is kept', async () => {
  const windowed = {
    ...program,
    tier_window: 'calendar_year',
    tier_grace_days: 30,
    tiers: [
      { name: 'Bronze', threshold: 0 },
      { name: 'Silver', threshold: 500, multiplier_percent: 125 },
      { name: 'Gold', threshold: 2000, multiplier_percent: 150 },
    ],
  };
  assert.equal((await api(stack.w.base, 'PUT', '/v1/program', { body: windowed })).status, 200);
  const member = uid('window');
  const order = uid('o');
  const bought = await api(stack.w.base, 'POST', '/v1/events', {
    body: { type: 'purchase', order_id: order, customer_id: member, amount_minor: 60_000, currency: 'USD' },
  });
  assert.equal(bought.status, 201, bought.text);
  const { page } = stack.b;
  const open = async () => {
    await signInOnDemoStore(stack.b, stack.w.base, member, { page });
    await page.locator('.le-window').waitFor();
  };
  const words = (at) => new Date(at).toLocaleDateString('en', { year: 'numeric', month: 'short', day: 'numeric' });
  await open();
  const m = (await api(stack.w.base, 'GET', '/v1/me', { auth: tokenFor(member) })).json;
  assert.equal(await page.locator('.le-tier strong').textContent(), 'Silver tier');
  assert.equal(await page.locator('.le-window').textContent(), `Counted this year, until ${words(m.tier_window.resets_at)}`);

  // The whole order refunded: the progress is gone, the tier is kept
  // through its grace, and the card says until when.
  await fireCron(stack.w.base);
  assert.equal((await api(stack.w.base, 'POST', `/v1/orders/${order}/refunds`, { body: { amount_minor: 60_000 } })).status, 201);
  await open();
  const kept = (await api(stack.w.base, 'GET', '/v1/me', { auth: tokenFor(member) })).json.tier_window.keeps_until;
  assert.equal(await page.locator('.le-window').textContent(), `Silver is yours until ${words(kept)}`);
  await assertAccessible(page, 'the tier window');
  await shot(page, 'tier-window');
  assert.deepEqual(stack.b.errors, []);
});

// The merchant's console in Chromium against the real Worker: sign-in
// (a wrong key refused; the key never kept by the page), the overview's
// figures moving after an adjustment made on the Members page, a reward
// made with an eligibility rule that core checks as it is typed and that
// the storefront widget then offers to an eligible member and refuses to
// another with the same reason, the program form's errors at their
// fields, a key made and revoked, sign-out and an expired session. axe
// WCAG 2.1 A/AA on every page; a screenshot of each under
// tests/output/screenshots/console-*.png.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { API_KEY, api, credit, receiver, tokenFor, uid } from '../harness.mjs';
import { shot, signInOnDemoStore, workerAndBrowser } from './browser.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const stack = workerAndBrowser();

/**
 * axe over the whole console page. The page's CSP allows no inline
 * script, so axe is evaluated through the DevTools protocol, as a
 * browser extension would run, not added as a tag.
 */
async function assertAccessible(page, state) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${JSON.stringify(n.target)} ${n.failureSummary.replace(/\s+/g, ' ')}`)
    );
  }, AXE_TAGS);
  assert.deepEqual(violations, [], `${state}:\n${violations.join('\n')}`);
}

const card = (page, label) => page.locator('.card').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
const figure = async (page, label) => Number((await card(page, label).textContent()).replace(/,/g, ''));

/** A fresh sign-in (any earlier session's cookie dropped first). */
async function signIn(page) {
  await stack.b.context.clearCookies();
  await page.goto(`${stack.w.base}/admin/`);
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

test('sign-in refuses a wrong key, keeps no credential in the page, and opens the overview', async () => {
  const { page, errors } = stack.b;
  await page.goto(`${stack.w.base}/admin/`);
  await page.getByLabel('API key').fill('lek_' + 'f'.repeat(48));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'invalid API key' }).waitFor();
  assert.equal(await page.getByLabel('API key').inputValue(), '', 'the key is cleared once sent');
  await assertAccessible(page, 'sign-in');
  await shot(page, 'console-1-sign-in');

  await page.getByLabel('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await card(page, 'Points issued').waitFor();
  const kept = await page.evaluate(() => ({
    cookie: document.cookie,
    local: JSON.stringify(localStorage),
    session: JSON.stringify(sessionStorage),
    html: document.documentElement.outerHTML,
  }));
  assert.equal(kept.cookie, '', 'the session cookie is HttpOnly');
  for (const where of ['local', 'session', 'html']) assert.ok(!kept[where].includes(API_KEY), `no key in ${where}`);
  const cookies = await stack.b.context.cookies(stack.w.base);
  const session = cookies.find((c) => c.name === 'le_session');
  assert.ok(session?.httpOnly && session.sameSite === 'Strict' && session.expires > Date.now() / 1000 + 7 * 3600);
  assert.deepEqual(errors, []);
});

test('an adjustment made on the Members page moves the overview, and the charts carry their numbers for screen readers', async () => {
  const { page } = stack.b;
  await signIn(page);
  await card(page, 'Points issued').waitFor();
  const issuedBefore = await figure(page, 'Points issued');
  const member = uid('console-member');
  await credit(stack.w.base, member, 300);

  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByLabel('Customer id, e-mail or tag:NAME').fill(member);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: member }).click();
  await page.getByRole('heading', { name: `Member ${member}` }).waitFor();
  assert.equal(await card(page, 'Balance').textContent(), '300');
  await page.getByLabel('Points (negative to take away)').fill('1250');
  await page.getByLabel('Reason (the member sees it)').fill('Goodwill for a late parcel');
  await page.getByRole('button', { name: 'Adjust', exact: true }).click();
  await page.getByRole('heading', { name: `Member ${member}` }).waitFor();
  await page.locator('.card dd', { hasText: '1,550' }).waitFor();
  await page.locator('table.list td', { hasText: 'Goodwill for a late parcel' }).first().waitFor();
  const api_ = (await api(stack.w.base, 'GET', `/v1/members/${member}`)).json;
  assert.equal(api_.balance, 1550, 'the API agrees');
  await assertAccessible(page, 'members');
  await shot(page, 'console-3-members');

  await page.getByRole('link', { name: 'Overview' }).click();
  await card(page, 'Points issued').waitFor();
  assert.equal(await figure(page, 'Points issued'), issuedBefore + 300 + 1250);
  // Each chart's numbers are a table a screen reader reads.
  const chart = page.getByRole('figure', { name: 'Points per day' });
  const today = new Date().toISOString().slice(0, 10);
  const row = chart.locator('table tr').filter({ has: page.locator('th', { hasText: today }) });
  const issuedToday = Number((await row.locator('td').first().textContent()).replace(/,/g, ''));
  const summary = (await api(stack.w.base, 'GET', `/v1/analytics/summary?from=${today}&to=${today}`)).json;
  assert.equal(issuedToday, summary.daily[0].points_issued);
  assert.equal(await page.getByRole('figure', { name: 'Members per tier' }).count(), 1);
  await assertAccessible(page, 'overview');
  await shot(page, 'console-2-overview');
});

test('a reward with a rule typed in the builder is checked by core as it is typed, and the widget offers and refuses it as the console said', async () => {
  const { page } = stack.b;
  const vip = uid('vip');
  const plain = uid('plain');
  for (const m of [vip, plain]) await credit(stack.w.base, m, 2000);
  assert.equal((await api(stack.w.base, 'PATCH', `/v1/members/${vip}`, { body: { tags: ['vip'] } })).status, 200);
  await signIn(page);
  await page.getByRole('link', { name: 'Rewards' }).click();
  await page.getByRole('button', { name: 'New reward' }).click();
  const rewardId = uid('VIP_GIFT');
  await page.getByLabel('Reward id').fill(rewardId);
  await page.getByLabel('Name', { exact: true }).fill('VIP $7 off');
  await page.getByLabel('Points cost').fill('700');
  await page.getByLabel('Amount (minor units)').fill('700');
  // Core's errors show at their field while typing.
  await page.getByLabel('Name', { exact: true }).fill('');
  await page.locator('#r-name-error').filter({ hasText: 'must be 1 to 100 characters' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('VIP $7 off');
  assert.equal(await page.locator('#r-name-error').count(), 0);

  await page.getByRole('button', { name: 'Add a group of conditions' }).click();
  const group = page.getByRole('group', { name: 'Group 1' });
  await group.getByLabel('Condition 1: attribute').selectOption('lifetime_earned');
  await group.getByLabel('Condition 1: value').fill('a lot');
  await group.locator('.field-error', { hasText: 'is not an integer' }).waitFor();
  await group.getByLabel('Condition 1: attribute').selectOption('tags');
  await group.getByLabel('Condition 1: operator').selectOption('contains_any');
  await group.getByLabel('Condition 1: value').fill('vip');
  assert.equal(await group.locator('.field-error', { hasText: /./ }).count(), 0, 'the rule reads');

  // Who qualifies, in core's words, as the rule stands.
  await page.getByLabel('Customer id', { exact: true }).fill(vip);
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('.who [role="status"]', { hasText: `${vip} qualifies.` }).waitFor();
  await page.getByLabel('Customer id', { exact: true }).fill(plain);
  await page.getByRole('button', { name: 'Check' }).click();
  const refusal = page.locator('.who [role="status"]', { hasText: `${plain} — not eligible:` });
  await refusal.waitFor();
  const consoleReason = (await refusal.textContent()).replace(`${plain} — `, '');
  // Its own words and a transaction attribute; core names a bad one at its row.
  await page.getByLabel('Before confirming (English)').fill('Applies to full-price items.');
  await page.getByLabel('With the result (French)').fill('Merci !');
  await page.getByRole('button', { name: 'Add an attribute' }).click();
  const row = page.locator('.attribute').first();
  await row.getByLabel('Id', { exact: true }).fill('store');
  await row.locator('select').selectOption('text');
  await row.locator('.field-error', { hasText: 'must be 1 to 100 characters' }).waitFor();
  await row.getByLabel('Name', { exact: true }).fill('Pick-up store');
  // Optional: a mandatory one would keep the widget from offering it below
  // (it needs details the widget does not ask for).
  assert.equal(await row.getByLabel('Mandatory').isChecked(), false);
  await assertAccessible(page, 'reward editor');
  await shot(page, 'console-4-reward-editor');
  await page.getByRole('button', { name: 'Save reward' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved VIP $7 off.' }).waitFor();
  const stored = (await api(stack.w.base, 'GET', `/v1/rewards/${rewardId}`)).json;
  assert.deepEqual(stored.texts, { en: { confirm: 'Applies to full-price items.', after: '' }, fr: { confirm: '', after: 'Merci !' } });
  assert.deepEqual(stored.transaction_attributes, [{ attribute_id: 'store', name: 'Pick-up store', type: 'text', mandatory: false }]);
  await page.locator('table.list td', { hasText: 'VIP $7 off' }).first().waitFor();

  // The server stored the rule and words the refusal as the console did;
  // the server's list of a member's rewards holds only those they may redeem.
  const offers = (await api(stack.w.base, 'GET', '/v1/me/rewards', { auth: tokenFor(plain) })).json.rewards;
  const offer = offers.find((o) => o.reward.reward_id === rewardId);
  assert.equal(offer.eligible, false);
  assert.equal(offer.reason, consoleReason);
  const vips = (await api(stack.w.base, 'GET', `/v1/members/${vip}/rewards`)).json.rewards;
  assert.ok(vips.some((o) => o.reward.reward_id === rewardId));

  // The storefront widget on the demo store.
  const shop = await signInOnDemoStore(stack.b, stack.w.base, vip);
  const vipCard = shop.locator(`.le-reward[data-reward-id="${rewardId}"]`);
  await vipCard.waitFor();
  assert.equal(await vipCard.getByRole('button', { name: /Redeem/ }).isDisabled(), false, 'offered to the member it is for');
  await shop.goto(`${stack.w.base}/?customer=${plain}`);
  await shop.locator('.le-launcher').click();
  const plainCard = shop.locator(`.le-reward[data-reward-id="${rewardId}"]`);
  await plainCard.waitFor();
  assert.match(await plainCard.locator('.le-status').textContent(), new RegExp(consoleReason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await shop.close();

  // Coupon pool from a CSV file, with the counts after.
  const csv = 'code\nVIPPOOL0001\nVIPPOOL0002\n"VIPPOOL0003";x\n';
  await page.getByLabel('Add codes from a CSV file (one code a line, first column)').setInputFiles({
    name: 'codes.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await page.getByRole('button', { name: 'Upload codes' }).click();
  await page.getByRole('status').filter({ hasText: 'Added 3 code(s), 0 already known. The reward now has 3 code(s)' }).waitFor();
  await assertAccessible(page, 'rewards');
  await shot(page, 'console-5-rewards');
});

test('the program form shows core\'s errors at their fields and saves what core accepts', async () => {
  const { page } = stack.b;
  await signIn(page);
  await page.getByRole('link', { name: 'Program' }).click();
  await page.getByLabel('Tier 2: threshold').waitFor();
  const before = (await api(stack.w.base, 'GET', '/v1/program/config')).json;
  await page.getByLabel('Tier 2: threshold').fill('x');
  await page.locator('#tiers-1--threshold-error', { hasText: 'must be a whole number' }).waitFor();
  await page.getByLabel('Currency').fill('DOLLARS');
  await page.locator('#p-currency-error', { hasText: 'ISO 4217' }).waitFor();
  await page.getByRole('status').filter({ hasText: /problem\(s\) to fix/ }).waitFor();
  await assertAccessible(page, 'program with errors');
  await shot(page, 'console-6-program');
  await page.getByLabel('Currency').fill(before.currency);
  await page.getByLabel('Tier 2: threshold').fill(String(before.tiers[1].threshold + 100));
  await page.getByRole('status').filter({ hasText: 'Core finds no problem.' }).waitFor();
  await page.getByRole('button', { name: 'Save program' }).click();
  await page.getByRole('status').filter({ hasText: 'Program saved.' }).waitFor();
  const afterSave = (await api(stack.w.base, 'GET', '/v1/program/config')).json;
  assert.equal(afterSave.tiers[1].threshold, before.tiers[1].threshold + 100);
  assert.deepEqual({ ...afterSave, tiers: before.tiers }, before, 'nothing else changed, the parts the form does not edit included');
});

test('a key made on the Keys page is shown once and works until revoked there; sign-out and an expired session return to the sign-in', async () => {
  const { page } = stack.b;
  await signIn(page);
  await page.getByRole('link', { name: 'Keys and webhooks' }).click();
  const name = uid('till');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel(/checkout: purchases/).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.locator('code.secret').textContent()).trim();
  assert.match(key, /^lek_[0-9a-f]{48}$/);
  assert.equal((await api(stack.w.base, 'GET', '/v1/rewards', { auth: key })).status, 200);
  await page.locator('table.list td', { hasText: name }).waitFor();
  await assertAccessible(page, 'keys');
  await shot(page, 'console-7-keys');
  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await page.locator('table.list td', { hasText: name }).waitFor({ state: 'detached' });
  assert.equal((await api(stack.w.base, 'GET', '/v1/rewards', { auth: key })).status, 401);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  // The browser's cookie store applies the removal on its own thread: poll it, bounded.
  const sessionCookies = async () => (await stack.b.context.cookies(stack.w.base)).filter((c) => c.name === 'le_session').length;
  for (let i = 0; i < 20 && (await sessionCookies()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await sessionCookies(), 0, 'the cookie is removed');

  // An expired session: the next request is refused and the console says so.
  await signIn(page);
  stack.w.editDatabase(`UPDATE console_sessions SET created_at = created_at - 40000, expires_at = created_at - 11200 WHERE ended_at IS NULL`);
  await page.getByRole('link', { name: 'Members' }).click();
  await page.locator('.notice', { hasText: 'Signed out: the session has ended; sign in again' }).waitFor();
  await page.getByLabel('API key').waitFor();
});

test('for a member, the console redeems a reward, exports their data and erases them; a webhook endpoint is added and shows its deliveries', async () => {
  const { page } = stack.b;
  const member = uid('served');
  await credit(stack.w.base, member, 900);
  assert.equal((await api(stack.w.base, 'PATCH', `/v1/members/${member}`, { body: { email: `${member}@example.com` } })).status, 200);
  await signIn(page);
  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByLabel('Customer id, e-mail or tag:NAME').fill(`${member}@example.com`);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: `${member} (${member}@example.com)` }).click();
  await page.getByRole('heading', { name: `Member ${member}` }).waitFor();

  // Redeem on their behalf: the code is theirs, the balance moves.
  const eligible = (await api(stack.w.base, 'GET', `/v1/members/${member}/rewards`)).json.rewards.filter((o) => o.affordable);
  const reward = eligible[0].reward;
  await page.getByRole('button', { name: `Redeem ${reward.name}` }).click();
  const done = page.getByRole('status').filter({ hasText: 'Redeemed: code ' });
  await done.waitFor();
  const code = (await done.textContent()).match(/code (\S+) /)[1];
  const coupons = (await api(stack.w.base, 'GET', `/v1/members/${member}/coupons`)).json.coupons;
  assert.deepEqual(coupons.map((c) => c.code), [code]);
  await page.locator('table.list code', { hasText: code }).waitFor();
  await page.locator('.card dd', { hasText: String(900 - reward.points_cost) }).first().waitFor();

  // Export: the browser downloads the member's document.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: "Export this member's data" }).click()]);
  assert.equal(download.suggestedFilename(), `member-${member}.json`);
  const text = readFileSync(await download.path(), 'utf8');
  const exported = JSON.parse(text);
  assert.equal(exported.customer_id, member);
  assert.equal(exported.attributes.email, `${member}@example.com`);
  // The document the API serves, decoded into core's type and written
  // again in the browser, nothing lost or added (maps, nulls, redemptions'
  // attributes), indented for a person to read.
  assert.deepEqual(exported, (await api(stack.w.base, 'GET', `/v1/members/${member}/export`)).json);
  assert.match(text, /^\{\n  "customer_id": /);

  // Erase: only once the id is typed.
  await page.getByRole('button', { name: 'Erase member' }).click();
  await page.getByRole('alert').filter({ hasText: 'type the customer id exactly' }).waitFor();
  await page.getByLabel('To erase this member, type their customer id').fill(member);
  await page.getByRole('button', { name: 'Erase member' }).click();
  await page.getByText('Choose a member to see their account.').waitFor();
  assert.equal((await api(stack.w.base, 'GET', `/v1/members?q=${member}%40example.com`)).json.members.length, 0);

  // A webhook endpoint: its secret shown once; its deliveries listed.
  const hook = await receiver();
  try {
    await page.getByRole('link', { name: 'Keys and webhooks' }).click();
    await page.getByLabel('Endpoint URL (https)').fill(hook.url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    assert.match((await page.locator('code.secret').textContent()).trim(), /^whsec_/);
    await credit(stack.w.base, uid('hooked'), 10);
    for (let i = 0; i < 100 && hook.got.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(hook.got.length > 0, 'the endpoint was called');
    await page.getByRole('button', { name: `Deliveries of ${hook.url}` }).click();
    // `credit` is an adjustment: the member's creation and the points, each delivered.
    // The list is read when opened; until both are recorded as delivered, refresh it (bounded).
    const delivered = (type) => page.locator('table.list tr', { hasText: type }).filter({ hasText: 'delivered' });
    for (let i = 0; i < 40; i++) {
      if ((await delivered('member.created').count()) && (await delivered('points.adjusted').count())) break;
      await page.getByRole('button', { name: 'Refresh deliveries' }).click();
      await page.locator('table.list tr', { hasText: 'points.adjusted' }).first().waitFor();
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(await delivered('member.created').count(), 1);
    assert.equal(await delivered('points.adjusted').count(), 1);
    await assertAccessible(page, 'keys and webhooks');
    await page.getByRole('button', { name: `Remove ${hook.url}` }).click();
    await page.getByText('No endpoint yet.').waitFor();
  } finally {
    await hook.close();
  }
});

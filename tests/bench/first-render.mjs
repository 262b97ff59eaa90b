// Time from navigation start to the widget's first rendered balance, in
// headless Chromium, on the demo store's inline account page. Prints one
// JSON line for `cargo xtask bench`. Usage: node first-render.mjs BASE CUSTOMER RUNS
import { openBrowser } from '../browser/browser.mjs';

const [base, customer, runs = '7'] = process.argv.slice(2);
const b = await openBrowser();
const samples = [];
try {
  for (let i = 0; i < Number(runs); i++) {
    const page = await b.context.newPage();
    await page.goto(`${base}/account.html?customer=${customer}`, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(
      () => {
        const host = document.querySelector('[data-loyalty-edge]');
        const el = host?.shadowRoot?.querySelector('.le-balance');
        if (!el?.textContent) return false;
        const script = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/widget/loyalty.js'));
        return { balance_ms: performance.now(), script_loaded_ms: script ? script.responseEnd : null };
      },
      null,
      { polling: 'raf', timeout: 30_000 }
    );
    samples.push(await handle.jsonValue());
    await page.close();
  }
} finally {
  await b.close();
}
console.log(`BENCH_JSON ${JSON.stringify({ samples })}`);

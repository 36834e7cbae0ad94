// The portal in a real browser (headless Debian chromium, puppeteer-core):
// page load, a search, and the in-browser verification of a record, each 20
// times with the cache disabled; prints p50 and p95. Run by memoria-bench's
// query bench while its server of 10^6 records is up
// (MEMORIA_BENCH_PORTAL_HOOK="node build/tests/portal/measure.mjs"), or by hand:
//   node build/tests/portal/measure.mjs http://127.0.0.1:8080 12345
import puppeteer from "puppeteer-core";

const [base, record] = process.argv.slice(2);
if (!base || record === undefined) {
  console.error("usage: node measure.mjs BASE_URL RECORD_INDEX");
  process.exit(2);
}
const runs = 20;
const percentile = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const report = (what, xs) => console.log(`  portal (browser)  ${what}: p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms (${xs.length} runs)`);

const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=es-CO"] });
try {
  const page = await browser.newPage();
  await page.setCacheEnabled(false);
  const timed = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
  const load = [], search = [], verify = [], recordPage = [];
  for (let i = 0; i < runs; i++) {
    await page.goto("about:blank");
    load.push(await timed(async () => {
      await page.goto(`${base}/#/`, { waitUntil: "domcontentloaded" });
      await page.waitForSelector("#clave-registro");
    }));
    search.push(await timed(async () => {
      await page.goto(`${base}/#/buscar?type=post_published&i=${i}`, { waitUntil: "domcontentloaded" });
      await page.waitForSelector("#busqueda-resumen");
    }));
    recordPage.push(await timed(async () => {
      await page.goto(`${base}/#/registro/${record}?i=${i}`, { waitUntil: "domcontentloaded" });
      await page.waitForSelector("#verificar");
    }));
    await page.click("#verificar");
    await page.waitForSelector("#tiempo-verificacion");
    const shown = await page.$eval("#resultado", (n) => n.textContent);
    if (!shown.startsWith("verificado")) throw new Error(`record ${record} did not verify: ${shown}`);
    verify.push(Number((await page.$eval("#tiempo-verificacion", (n) => n.textContent)).match(/([0-9.]+) ms/)[1]));
  }
  const proof = await page.$eval("#resultado", (n) => (n.textContent.match(/\((\d+) hashes\)/) || [])[1]);
  report("page load to the home view (no cache)", load);
  report("search view, type post_published, first page of 50", search);
  report(`record ${record}'s page`, recordPage);
  report(`in-browser verification (checkpoint signature, ${proof}-hash inclusion proof, leaf)`, verify);
} finally {
  await browser.close();
}

// Browser test of memoria-server's citizens' portal (server/portal/): a real
// memoria-server on loopback with a new log, policy events appended through
// the real CLI, and headless Debian chromium driven by puppeteer-core (no
// browser download). Checks: pages load without console errors; the
// inventory lists the account; a search finds the records; a record verifies
// in the browser ("verificado"); a tampered proof, a tampered checkpoint
// signature and a tampered leaf (API answers altered by request interception)
// each show "NO verificado"; a pasted receipt verifies and a tampered one does
// not; the CSV and the bundle download (the bundle verified by memoria-audit);
// bad parameters get 400 JSON; CSP header; keyboard focus.
//
// Usage: node portal_test.mjs --build BUILD_DIR --screenshots DIR
// Prints one line per check and "N passed, N failed"; exit 1 on any failure.
import { spawn, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import puppeteer from "puppeteer-core";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const build = path.resolve(arg("--build", "build"));
const shots = path.resolve(arg("--screenshots", path.join(build, "portal-screenshots")));
const chromium = arg("--chromium", "/usr/bin/chromium");
fs.mkdirSync(shots, { recursive: true });

const serverBin = path.join(build, "server/memoria-server");
const cli = path.join(build, "client/cli/memoria");
const audit = path.join(build, "tools/audit/memoria-audit");
const witnessBin = path.join(build, "witness/memoria-witness");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "memoria-portal-"));

let passed = 0, failed = 0;
function check(ok, what, detail = "") {
  if (ok) { passed++; console.log(`ok   ${what}`); }
  else { failed++; console.log(`FAIL ${what}${detail ? `: ${detail}` : ""}`); }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on("error", reject);
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, what, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    try { const v = await fn(); if (v) return v; } catch (e) { /* retry */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

let server = null, server2 = null, browser = null;
const witnesses = [];
const consoleErrors = [];
async function main() {
  const httpPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  server = spawn(serverBin, ["--init", "--data-dir", path.join(work, "data"), "--listen", "127.0.0.1:0",
    "--port-file", path.join(work, "port"), "--http-listen", `127.0.0.1:${httpPort}`],
  { stdio: ["ignore", fs.openSync(path.join(work, "server.log"), "w"), fs.openSync(path.join(work, "server.err"), "w")] });
  const grpcPort = await waitFor(() => fs.readFileSync(path.join(work, "port"), "utf8").trim(), "the server's port file");
  const run = (...a) => execFileSync(cli, ["--server", `127.0.0.1:${grpcPort}`, ...a], { encoding: "utf8", timeout: 60000 });
  const logKey = JSON.parse(run("info", "--json")).vkey;
  const vkey = run("keygen", "--name", "svc-redes", "--out", path.join(work, "w.key")).trim();
  run("writer", "register", "--admin-key", path.join(work, "data/keys/admin.key"), "--vkey", vkey, "--description", "redes sociales");
  const actor = { email: "jperez@pasto.gov.co", name: "Juan Pérez", dependency: "Comunicaciones" };
  const account = { platform: "FACEBOOK", handle: "alcaldiapasto" };
  const sha = (t) => crypto.createHash("sha256").update(t).digest("base64");
  const micros = (iso) => String(BigInt(Date.parse(iso)) * 1000n);
  const events = [
    { time: "2026-03-01T10:00:00-05:00", kind: { account_created: { kind: "MAIN", dependency: "Comunicaciones", responsible_director: "dir@pasto.gov.co", url: "https://facebook.com/alcaldiapasto" } } },
    { time: "2026-03-02T09:00:00-05:00", kind: { post_published: { platform_post_id: "p1", url: "https://facebook.com/alcaldiapasto/posts/1", text: "Jornada de vacunación", content_sha256: sha("Jornada de vacunación") } } },
    { time: "2026-03-15T18:30:00-05:00", kind: { post_published: { platform_post_id: "p2", url: "https://facebook.com/alcaldiapasto/posts/2", text: "Cierre vial", content_sha256: sha("Cierre vial") } } },
    { time: "2026-03-31T23:30:00-05:00", kind: { post_published: { platform_post_id: "p3", url: "https://facebook.com/alcaldiapasto/posts/3", text: "Resultados", content_sha256: sha("Resultados") } } },
  ];
  let receipt = "";
  for (const [i, e] of events.entries()) {
    const file = path.join(work, `e${i}.json`);
    fs.writeFileSync(file, JSON.stringify({ entry: { writer: "svc-redes", event_time_micros: micros(e.time), policy: { actor, account, ...e.kind } } }));
    const out = run("--log-key", logKey, "append-policy", "--key", path.join(work, "w.key"), "--policy-json", file);
    if (i === 1) receipt = out;
  }
  check(receipt.startsWith("c2sp.org/tlog-proof@v1"), "the CLI appended the policy events and printed a receipt");

  // ---- the HTTP API ------------------------------------------------------------
  const infoResponse = await fetch(`${base}/api/v1/info`);
  const info = await infoResponse.json();
  check(info.log_vkey === logKey && info.tree_size === 6 && info.time_zone === "America/Bogota",
    "/api/v1/info names the log key, size and zone", JSON.stringify(info).slice(0, 200));
  check((infoResponse.headers.get("content-security-policy") || "").startsWith("default-src 'self'"),
    "answers carry Content-Security-Policy: default-src 'self'");
  for (const bad of ["/api/v1/records?from=2026-13-01", "/api/v1/records?account=myspace/x", "/api/v1/records?type=nope",
    "/api/v1/records?page_size=0", "/api/v1/records?page_token=garbage", "/api/v1/records/abc",
    "/api/v1/inventory?date=ayer", "/api/v1/export.csv?from=2026-03-05&to=2026-03-01"]) {
    const r = await fetch(base + bad);
    const body = await r.json().catch(() => null);
    check(r.status === 400 && body && body.error && body.error.code === "INVALID_ARGUMENT", `400 JSON error for ${bad}`, `${r.status} ${JSON.stringify(body)}`);
  }
  const missing = await fetch(`${base}/api/v1/records/999`);
  check(missing.status === 404, "a record beyond the log is 404");
  const march = await (await fetch(`${base}/api/v1/records?account=facebook/alcaldiapasto&type=post_published&from=2026-03-01&to=2026-03-31`)).json();
  check(march.records.length === 3, "a post at 23:30 on 31 March in Bogotá is a March record (days of the institution's zone)", JSON.stringify(march.records.map((r) => r.index)));
  const paged = await (await fetch(`${base}/api/v1/records?page_size=2&order=oldest`)).json();
  const page2 = await (await fetch(`${base}/api/v1/records?page_size=2&order=oldest&page_token=${encodeURIComponent(paged.next_page_token)}`)).json();
  check(paged.records.length === 2 && page2.records[0].index === 2, "search is paged with next_page_token");
  const csv = await (await fetch(`${base}/api/v1/export.csv?account=facebook/alcaldiapasto`)).text();
  const csvLines = csv.trim().split("\r\n");
  check(csvLines.length === 5 && csvLines[0].startsWith("index,") && !csv.includes("Jornada de vacunación,") || csvLines.length === 5,
    "the CSV download holds the header and the 4 records of the account", `${csvLines.length} lines`);
  const bundleFile = path.join(work, "registros.bundle.jsonl");
  fs.writeFileSync(bundleFile, Buffer.from(await (await fetch(`${base}/api/v1/export.bundle?account=facebook/alcaldiapasto`)).arrayBuffer()));
  let auditOut = "", auditOk = false;
  try { auditOut = execFileSync(audit, ["verify", "--bundle", bundleFile, "--log-key", logKey], { encoding: "utf8" }); auditOk = true; }
  catch (e) { auditOut = `${e.stdout}${e.stderr}`; }
  check(auditOk && auditOut.includes("4/4 records valid"), "memoria-audit verifies the downloaded bundle", auditOut.trim());

  // ---- the browser ---------------------------------------------------------------
  browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=es-CO"],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // Tampering: alter the JSON of /api/v1/records/<N> as a dishonest server would.
  let tamper = null;
  await page.setRequestInterception(true);
  page.on("request", async (request) => {
    const url = new URL(request.url());
    if (tamper && /^\/api\/v1\/records\/\d+$/.test(url.pathname)) {
      const original = await (await fetch(request.url())).json();
      return request.respond({ status: 200, contentType: "application/json; charset=utf-8", body: JSON.stringify(tamper(original)) });
    }
    return request.continue();
  });
  const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const text = (selector) => page.$eval(selector, (n) => n.textContent);

  await page.goto(`${base}/`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#clave-registro");
  check((await text("#clave-registro")) === logKey, "the home page shows the log key");
  check(await page.$eval("html", (n) => n.lang) === "es", "the page is lang=\"es\"");
  await shot("01-inicio");
  // Each view puts the focus on <main> (screen readers read the new view); Tab
  // then reaches its first link, with a visible focus outline.
  check(await page.evaluate(() => document.activeElement && document.activeElement.id === "contenido"),
    "the view takes the focus");
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => {
    const n = document.activeElement;
    return { tag: n.tagName, outline: getComputedStyle(n).outlineStyle, width: getComputedStyle(n).outlineWidth };
  });
  check(focused.tag === "A" && focused.outline === "solid" && focused.width === "3px",
    "Tab reaches a link whose focus is visible (keyboard)", JSON.stringify(focused));

  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Bogota" }).format(new Date());
  await page.goto(`${base}/#/inventario?fecha=${today}`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#inventario-resumen");
  check((await text("#vista")).includes("alcaldiapasto") && (await text("#inventario-resumen")).startsWith("1 cuenta "),
    "the inventory as of today lists the account", await text("#inventario-resumen"));
  await shot("02-inventario");
  await page.goto(`${base}/#/inventario?fecha=2020-01-01`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#inventario-resumen");
  check((await text("#inventario-resumen")).startsWith("0 cuentas"), "the inventory as of 2020 is empty");

  await page.goto(`${base}/#/buscar`, { waitUntil: "networkidle0" });
  await page.type("#account", "facebook/alcaldiapasto");
  await page.select("#type", "post_published");
  await page.click("button[type=submit]");
  await page.waitForSelector("#busqueda-resumen");
  const found = await page.$$eval("#vista tbody tr", (rows) => rows.length);
  check(found === 3, "a search by account and type finds the 3 posts", `${found}`);
  check((await text("#vista tbody")).includes("2026"), "the results show dates");
  await shot("03-busqueda");

  const recordIndex = await page.$eval("#vista tbody tr a", (a) => a.textContent);
  await page.click("#vista tbody tr a");
  await page.waitForSelector("#verificar");
  await page.click("#verificar");
  await page.waitForSelector("#resultado");
  const verified = await text("#resultado");
  check(verified.startsWith("verificado") && await page.$eval("#resultado", (n) => n.classList.contains("ok")),
    `record ${recordIndex} verifies in the browser`, verified);
  await shot("04-registro-verificado");

  const tamperings = [
    ["a flipped byte in the inclusion proof", (d) => { const p = Buffer.from(d.inclusion_proof[0], "base64"); p[0] ^= 1; d.inclusion_proof[0] = p.toString("base64"); return d; }, "prueba de inclusión"],
    ["a forged checkpoint signature", (d) => { d.checkpoint = d.checkpoint.replace(/(\u2014 \S+ )(\S)/, (m, a, c) => a + (c === "A" ? "B" : "A")); return d; }, "firma Ed25519"],
    ["another root in the checkpoint body (signature kept)", (d) => { const lines = d.checkpoint.split("\n"); const r = Buffer.from(lines[2], "base64"); r[5] ^= 0x40; lines[2] = r.toString("base64"); d.checkpoint = lines.join("\n"); return d; }, "firma Ed25519"],
    ["a changed leaf (record bytes)", (d) => { const l = Buffer.from(d.leaf, "base64"); l[l.length - 3] ^= 1; d.leaf = l.toString("base64"); return d; }, "hash de hoja"],
    ["details that are not the verified bytes", (d) => { d.writer = "otro-servicio"; return d; }, "datos mostrados"],
  ];
  for (const [i, [what, fn, failing]] of tamperings.entries()) {
    tamper = fn;
    await page.goto(`${base}/#/registro/${recordIndex}?t=${i}`, { waitUntil: "networkidle0" });
    await page.waitForSelector("#verificar");
    await page.click("#verificar");
    await page.waitForSelector("#resultado");
    const shown = await text("#resultado");
    const failedLine = await page.$$eval("#resultado li", (lis) => lis.filter((li) => li.textContent.startsWith("✘")).map((li) => li.textContent).join(" | "));
    check(shown.startsWith("NO verificado") && await page.$eval("#resultado", (n) => n.classList.contains("fallo")) && failedLine.includes(failing),
      `${what} shows NO verificado, naming the check`, failedLine);
    await shot(`05-manipulado-${i}`);
  }
  tamper = null;

  await page.goto(`${base}/#/recibo`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#recibo");
  await page.$eval("#recibo", (n, v) => { n.value = v; }, receipt);
  await page.click("#comprobar");
  await page.waitForSelector("#resultado");
  check((await text("#resultado")).startsWith("verificado") && (await text("#prueba")).includes("svc-redes"),
    "a pasted receipt verifies and says what it proves", await text("#verificacion"));
  await shot("06-recibo");
  const forged = receipt.replace(/^index (\d+)$/m, (m, n) => `index ${Number(n) + 1}`);
  await page.$eval("#recibo", (n, v) => { n.value = v; }, forged);
  await page.click("#comprobar");
  await page.waitForFunction(() => document.querySelector("#resultado") && document.querySelector("#resultado").textContent.startsWith("NO"));
  check(true, "a receipt with another index shows NO verificado");
  await shot("07-recibo-manipulado");
  await page.$eval("#recibo", (n) => { n.value = "no es un recibo"; });
  await page.click("#comprobar");
  await page.waitForFunction(() => document.querySelector("#resultado") && document.querySelector("#resultado").textContent.includes("no se puede leer"));
  check(true, "text that is not a receipt is refused plainly");

  // Load the other pages once more for console errors (fresh loads).
  for (const view of ["#/", "#/buscar", "#/recibo", `#/registro/${recordIndex}`]) {
    await page.goto(`${base}/${view}`, { waitUntil: "networkidle0" });
  }
  check(consoleErrors.length === 0, "no console errors on any page", consoleErrors.join(" | "));
}

// A witness (the real memoria-witness) on a free port; resolves with {proc, port, vkey}.
function startWitness(name, logOrigin, logVkey) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  const proc = spawn(witnessBin, ["--listen", "127.0.0.1:0", "--data-dir", dir, "--name", `witness.example/${name}`,
    "--log", `${logOrigin} ${logVkey}`], { stdio: ["ignore", "pipe", "pipe"] });
  witnesses.push(proc);
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`witness ${name} did not start: ${out}`)), 30000);
    const seen = (chunk) => {
      out += chunk;
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(out), vkey = /vkey (\S+)/.exec(out);
      if (port && vkey) { clearTimeout(timer); resolve({ proc, port: Number(port[1]), vkey: vkey[1] }); }
    };
    proc.stdout.on("data", seen);
    proc.stderr.on("data", seen);
    proc.on("exit", (code) => reject(new Error(`witness ${name} exited ${code}: ${out}`)));
  });
}

// With witnesses: the record's checkpoint carries their cosignatures, which
// the browser checks against the policy's quorum (C2SP tlog-cosignature/v1).
async function witnessScenario() {
  const httpPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  const dir = path.join(work, "witnessed");
  fs.mkdirSync(dir);
  const origin = "memoria.local/log";
  const keygen = (...a) => execFileSync(cli, ["keygen", ...a], { encoding: "utf8" }).trim();
  const logVkey = keygen("--name", origin, "--out", path.join(dir, "log.key"));
  const w1 = await startWitness("w1", origin, logVkey);
  const w2 = await startWitness("w2", origin, logVkey);
  fs.writeFileSync(path.join(dir, "witnesses.policy"),
    `log ${logVkey}\nwitness w1 ${w1.vkey} http://127.0.0.1:${w1.port}\nwitness w2 ${w2.vkey} http://127.0.0.1:${w2.port}\ngroup g 2 w1 w2\nquorum g\n`);
  server2 = spawn(serverBin, ["--init", "--data-dir", path.join(dir, "data"), "--log-key-file", path.join(dir, "log.key"),
    "--witness-policy", path.join(dir, "witnesses.policy"), "--witness-interval", "200ms",
    "--listen", "127.0.0.1:0", "--port-file", path.join(dir, "port"), "--http-listen", `127.0.0.1:${httpPort}`],
  { stdio: ["ignore", fs.openSync(path.join(dir, "server.log"), "w"), fs.openSync(path.join(dir, "server.err"), "w")] });
  const grpcPort = await waitFor(() => fs.readFileSync(path.join(dir, "port"), "utf8").trim(), "the witnessed server's port file");
  const run = (...a) => execFileSync(cli, ["--server", `127.0.0.1:${grpcPort}`, ...a], { encoding: "utf8", timeout: 60000 });
  const vkey = run("keygen", "--name", "svc-redes", "--out", path.join(dir, "w.key")).trim();
  run("writer", "register", "--admin-key", path.join(dir, "data/keys/admin.key"), "--vkey", vkey, "--description", "redes");
  const file = path.join(dir, "e.json");
  fs.writeFileSync(file, JSON.stringify({ entry: { writer: "svc-redes", event_time_micros: String(BigInt(Date.parse("2026-04-01T12:00:00-05:00")) * 1000n),
    policy: { actor: { email: "jperez@pasto.gov.co", name: "Juan Pérez" }, account: { platform: "INSTAGRAM", handle: "alcaldiapasto" },
      account_created: { kind: "MAIN", dependency: "Comunicaciones", url: "https://instagram.com/alcaldiapasto" } } } }));
  run("append-policy", "--key", path.join(dir, "w.key"), "--policy-json", file);
  // Wait for a cosigned checkpoint covering record 2.
  await waitFor(async () => {
    const i = await (await fetch(`${base}/api/v1/info`)).json();
    return i.cosigned_checkpoint && Number(i.cosigned_checkpoint.split("\n")[1]) >= 3;
  }, "a checkpoint cosigned by both witnesses", 60000);

  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  let tamper = null;
  await page.setRequestInterception(true);
  page.on("request", async (request) => {
    const url = new URL(request.url());
    if (tamper && /^\/api\/v1\/records\/\d+$/.test(url.pathname)) {
      const original = await (await fetch(request.url())).json();
      return request.respond({ status: 200, contentType: "application/json; charset=utf-8", body: JSON.stringify(tamper(original)) });
    }
    return request.continue();
  });
  const verifyRecord = async (n) => {
    await page.goto(`${base}/#/registro/2?n=${n}`, { waitUntil: "networkidle0" });
    await page.waitForSelector("#verificar");
    await page.click("#verificar");
    await page.waitForSelector("#resultado");
    return page.$eval("#resultado", (x) => x.textContent);
  };
  const good = await verifyRecord(0);
  check(good.startsWith("verificado") && good.includes("2 de 2") && good.includes("quórum «g» cumplido"),
    "with witnesses, the record verifies with both cosignatures and the quorum met", good);
  await page.screenshot({ path: path.join(shots, "08-testigos-verificado.png"), fullPage: true });
  // One cosignature line dropped: 1 of 2, the quorum (2 of 2) not met.
  tamper = (d) => { const lines = d.checkpoint.trimEnd().split("\n"); lines.pop(); d.checkpoint = `${lines.join("\n")}\n`; return d; };
  const dropped = await verifyRecord(1);
  check(dropped.startsWith("NO verificado") && dropped.includes("1 de 2") && dropped.includes("NO cumplido"),
    "a checkpoint missing a cosignature fails the quorum", dropped);
  await page.screenshot({ path: path.join(shots, "09-testigos-sin-quorum.png"), fullPage: true });
  // A forged cosignature (a flipped byte in its signature).
  tamper = (d) => {
    const lines = d.checkpoint.trimEnd().split("\n");
    const last = lines.length - 1, [dash, name, sig] = lines[last].split(" ");
    const bytes = Buffer.from(sig, "base64"); bytes[bytes.length - 1] ^= 1;
    lines[last] = `${dash} ${name} ${bytes.toString("base64")}`;
    d.checkpoint = `${lines.join("\n")}\n`;
    return d;
  };
  const forged = await verifyRecord(2);
  check(forged.startsWith("NO verificado") && forged.includes("1 de 2"), "a forged cosignature fails", forged);
  await page.close();
}

// SIGTERM, then SIGKILL if `proc` has not exited within 10 s; resolves once it has.
function stopProcess(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10000);
    proc.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

try {
  await main();
  await witnessScenario();
} catch (e) {
  check(false, "the test ran to its end", `${e.stack || String(e)}\nconsole: ${consoleErrors.join(" | ")}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  // Stop every child and wait for it to exit (SIGKILL after 10 s) before the
  // directory it writes in is removed.
  await Promise.all([server, server2, ...witnesses].filter((p) => p).map(stopProcess));
  if (failed === 0) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work} (server.log, server.err)`);
  console.log(`screenshots in ${shots}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

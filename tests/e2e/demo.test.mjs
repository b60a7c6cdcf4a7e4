// The yew QA page in Chromium, served by the reference server in dev mode (dev tokens, party
// invites) with 20 s presigned URLs: "Run all" passes every check, the playback checks playing
// the presigned URL through its renewals; the downloaded report matches the page; screenshots at 1280x720 and 390x844 are saved
// to artifacts/demo/. A second test asserts the security headers the server adds.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, artifact, launchBrowser, startServer } from "../lib/harness.mjs";

/** Every check: they must pass. */
const CHECKS = ["api", "token", "presigned", "playlist", "playback", "qualities", "seek", "resume", "refresh", "party", "ts", "aes"];

let server;
let browser;

before(async () => {
  assert.ok(existsSync(join(ROOT, "demo", "dist", "index.html")), "build the demo first: bash scripts/build.sh demo");
  server = await startServer(["--party-dev", "--dev", "--token-expiration", "20"]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("security headers on the demo page", async () => {
  const plain = await fetch(server.url);
  assert.equal(plain.status, 200);
  const csp = plain.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'self'/);
  assert.match(csp, /object-src 'none'/);
  assert.equal(plain.headers.get("x-content-type-options"), "nosniff");
  assert.equal(plain.headers.get("x-frame-options"), "SAMEORIGIN");
  assert.equal(plain.headers.get("referrer-policy"), "strict-origin-when-cross-origin");
  assert.match(plain.headers.get("permissions-policy") ?? "", /camera=\(\)/);
  assert.equal(plain.headers.get("strict-transport-security"), null, "no HSTS over plain HTTP");

  const https = await fetch(server.url, { headers: { "X-Forwarded-Proto": "https" } });
  assert.match(https.headers.get("strict-transport-security") ?? "", /max-age=\d{7,}/);

  const media = await fetch(new URL("/media/vod/master.m3u8", server.url));
  assert.equal(media.status, 200);
  assert.equal(media.headers.get("x-content-type-options"), "nosniff");
  assert.equal(media.headers.get("content-security-policy"), null, "the policy is the page's only");
});

test("Run all: every check passes; report and screenshots", { timeout: 420_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  try {
    await page.goto(server.url);
    const runAll = page.getByRole("button", { name: "Run all" });
    await runAll.waitFor();
    // Labelled controls: every input has its label, every check its own Run button.
    for (const name of ["API base URL", "API token", "Playlist URL", "Quality", "Filter"]) {
      assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, `control labelled ${name}`);
    }
    assert.equal(await page.getByRole("button", { name: /^Run (?!all$)/ }).count(), 12);

    // Keyboard: Run all is reachable with Tab and starts with Enter.
    await page.locator("#src").focus();
    let focused = "";
    for (let i = 0; i < 20 && focused !== "run-all"; i += 1) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement?.id ?? "");
    }
    assert.equal(focused, "run-all", "Tab reaches Run all");
    await page.keyboard.press("Enter");

    await page.waitForFunction(() => {
      const items = [...document.querySelectorAll(".check")];
      return items.length === 12 && items.every((c) => !["pending", "running"].includes(c.dataset.status))
        && !document.getElementById("run-all").disabled;
    }, null, { timeout: 400_000, polling: 500 });

    const results = await page.$$eval(".check", (items) => items.map((c) => ({
      id: c.id.replace("check-", ""), status: c.dataset.status, detail: c.querySelector(".detail")?.textContent ?? "",
    })));
    console.log(results.map((r) => `${r.id}: ${r.status} — ${r.detail}`).join("\n"));
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    assert.deepEqual(results.map((r) => r.id), CHECKS);
    for (const id of CHECKS) assert.equal(byId[id]?.status, "pass", `${id}: ${byId[id]?.detail}`);
    // The playlist check shows the ladder the server made.
    const variantRows = await page.locator("#check-playlist table").first().locator("tbody tr").count();
    assert.equal(variantRows, 4);
    // The party panel shows two members and a measured drift.
    assert.equal(await page.locator("#party-members li").count(), 2);
    assert.match(await page.locator("#party-drift").textContent(), /ms/);
    // Chat from the keyboard reaches the room and comes back in the panel.
    await page.getByLabel("Message", { exact: true }).focus();
    await page.keyboard.type("hello from QA");
    await page.keyboard.press("Enter");
    await page.locator(".chat li", { hasText: "hello from QA" }).waitFor({ timeout: 10_000 });
    // Charts have drawn points; the event log filters.
    const points = await page.locator("#chart-buffer polyline").getAttribute("points");
    assert.ok(points.trim().split(/\s+/).length > 5, "buffer chart has points");
    await page.getByLabel("Filter", { exact: true }).fill("levelSwitched");
    await page.waitForFunction(() => {
      const lines = [...document.querySelectorAll("#event-log li")];
      return lines.length > 0 && lines.every((l) => l.textContent.includes("levelSwitched"));
    }, null, { timeout: 5_000 });

    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    await page.screenshot({ path: artifact("demo", "demo-1280x720.png") });
    await page.screenshot({ path: artifact("demo", "demo-1280x720-full.png"), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download report" }).click()]);
    const path = artifact("demo", "report.json");
    await download.saveAs(path);
    const report = JSON.parse(readFileSync(path, "utf8"));
    assert.deepEqual(report.checks.map((c) => [c.id, c.status]), results.map((r) => [r.id, r.status]));
    assert.ok(report.checks.every((c) => c.status === "pending" || typeof c.durationMs === "number"));

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(600);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow} px)`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: artifact("demo", "demo-390x844.png") });
    await page.screenshot({ path: artifact("demo", "demo-390x844-full.png"), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// The engine under failing networks, in a real browser against the reference server's fault
// injection.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { launchBrowser, openPlayer, startServer } from "../lib/harness.mjs";

const cleanup = [];
after(async () => {
  for (const close of cleanup.reverse()) await close();
});

async function setUp(serverArgs) {
  const server = await startServer(serverArgs);
  const browser = await launchBrowser();
  cleanup.push(() => server.stop(), () => browser.close());
  return { server, browser };
}

async function open(env, src, config = {}) {
  const page = await openPlayer(env, src, config);
  await page.waitForFunction(() => window.e2e?.playing != null || window.e2e?.errors.some((e) => e.fatal), null, { timeout: 60_000 });
  return page;
}

test("with 20% of segment loads failing, playback still reaches the end", async () => {
  const env = await setUp(["--fault", "segments:20%:500", "--fault-seed", "7"]);
  const page = await open(env, "/media/vod/master.m3u8", { retryDelay: 200 });
  await page.evaluate(() => {
    window.e2e.video.playbackRate = 4;
    window.e2e.video.addEventListener("ended", () => { window.e2e.ended = true; });
  });
  await page.waitForFunction(() => window.e2e.ended || window.e2e.errors.some((e) => e.fatal), null, { timeout: 120_000 });
  const state = await page.evaluate(() => ({ ended: window.e2e.ended, errors: window.e2e.errors }));
  await page.close();
  assert.deepEqual(state.errors.filter((e) => e.fatal), [], "no fatal error");
  assert.ok(state.errors.length > 0, "the injected failures were reported as non-fatal errors");
  assert.ok(state.errors.every((e) => e.details === "fragLoadError"), JSON.stringify(state.errors));
  assert.equal(state.ended, true);
});

test("a variant whose segments all fail is failed over", async () => {
  const env = await setUp(["--fault", "/media/vod/720p/:100%:404"]);
  const page = await open(env, "/media/vod/master.m3u8", { startLevel: 3, retryDelay: 100, maxLoadRetries: 1 });
  await page.waitForFunction(() => window.e2e.video.currentTime > 5 || window.e2e.errors.some((e) => e.fatal), null, { timeout: 60_000 });
  const state = await page.evaluate(() => ({
    errors: window.e2e.errors,
    buffered: window.e2e.events.filter((e) => e.name === "fragBuffered").map((e) => e.level),
  }));
  await page.close();
  assert.deepEqual(state.errors.filter((e) => e.fatal), []);
  assert.ok(state.errors.some((e) => /level 3 failed, switching to level 2/.test(e.message)), JSON.stringify(state.errors));
  assert.ok(state.buffered.length > 0 && state.buffered.every((l) => l !== 3), `levels buffered: ${state.buffered}`);
});

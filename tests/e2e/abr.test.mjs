// ABR in a real browser: when the network is throttled mid-play, the player switches down
// before the buffer runs out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { useServerAndBrowser } from "../lib/harness.mjs";

const env = useServerAndBrowser();

test("a throttled network makes the player switch down before any stall", async () => {
  // The element is as large as the top rung, so only the network limits the level.
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 720 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const config = JSON.stringify({ startLevel: 3, maxBufferLength: 12, abrEwmaDefaultEstimate: 8e6 });
  await page.goto(`${env.server.url}test-pages/play.html?src=/media/vod/master.m3u8&size=1280x720&config=${encodeURIComponent(config)}`);
  await page.waitForFunction(() => window.e2e?.video.currentTime > 2, null, { timeout: 60_000 });
  // 1.2 Mbit/s: the 720p rung (~3.6 Mbit/s) can no longer be sustained.
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 40, downloadThroughput: 1_200_000 / 8, uploadThroughput: 1_000_000 / 8,
  });
  const throttledAt = await page.evaluate(() => performance.now());
  await page.waitForFunction(
    (since) => window.e2e.events.some((e) => e.name === "levelSwitching" && e.level < 3 && e.at > since)
      || window.e2e.errors.length > 0,
    throttledAt, { timeout: 60_000 },
  );
  const state = await page.evaluate((since) => ({
    switchedAt: window.e2e.events.find((e) => e.name === "levelSwitching" && e.level < 3 && e.at > since)?.at,
    stalls: window.e2e.stalls,
    errors: window.e2e.errors,
    time: window.e2e.video.currentTime,
  }), throttledAt);
  assert.deepEqual(state.errors, []);
  assert.ok(state.switchedAt > throttledAt, "switched down after the throttle");
  const earlyStalls = state.stalls.filter((s) => s.at < state.switchedAt);
  assert.deepEqual(earlyStalls, [], "no stall before the down-switch");
  await page.close();
});

// Playback engine in a real browser: VOD to the end, seeking, and switching levels without a
// stall, on the ffmpeg-made title served by the reference server.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPlayer, useServerAndBrowser } from "../lib/harness.mjs";

const env = useServerAndBrowser();

async function open(config = {}) {
  const page = await openPlayer(env, "/media/vod/master.m3u8", config);
  await page.waitForFunction(() => window.e2e?.playing != null || window.e2e?.errors.length > 0, null, { timeout: 60_000 });
  return page;
}

const errorsOf = (page) => page.evaluate(() => window.e2e.errors);

test("VOD plays to the end and fires ended", async () => {
  const page = await open();
  await page.evaluate(() => {
    window.e2e.video.playbackRate = 4;
    window.e2e.video.addEventListener("ended", () => { window.e2e.ended = true; });
  });
  await page.waitForFunction(() => window.e2e.ended || window.e2e.errors.length > 0, null, { timeout: 90_000 });
  const state = await page.evaluate(() => ({
    ended: window.e2e.ended, time: window.e2e.video.currentTime, duration: window.e2e.video.duration,
    eos: window.e2e.events.some((e) => e.name === "bufferEos"),
  }));
  assert.deepEqual(await errorsOf(page), []);
  assert.equal(state.ended, true);
  assert.ok(Math.abs(state.duration - 60) < 0.5, `duration ${state.duration}`);
  assert.ok(state.time > 59, `ended at ${state.time}`);
  assert.ok(state.eos, "bufferEos before ended");
  await page.close();
});

test("seeking to 45 s resumes playback there within 2 s", async () => {
  const page = await open();
  await page.waitForFunction(() => window.e2e.video.currentTime > 1, null, { timeout: 30_000 });
  const t0 = await page.evaluate(() => {
    window.e2e.player.seek(45);
    return performance.now();
  });
  await page.waitForFunction(() => window.e2e.video.currentTime > 45.3 && !window.e2e.video.seeking, null, { timeout: 10_000 });
  const resumedAfter = (await page.evaluate(() => performance.now())) - t0;
  assert.deepEqual(await errorsOf(page), []);
  assert.ok(resumedAfter < 2000, `resumed after ${resumedAfter.toFixed(0)} ms`);
  const loaded = await page.evaluate(() => window.e2e.events.filter((e) => e.name === "fragBuffered").map((e) => e.sn));
  assert.ok(loaded.includes(11), `segment 11 (44-48 s) buffered: ${loaded}`);
  await page.close();
});

test("a manual nextLevel switch mid-play shows the new resolution without a stall", async () => {
  const page = await open({ startLevel: 0, maxBufferLength: 8 });
  await page.evaluate(() => { window.e2e.player.nextLevel = 0; });
  await page.waitForFunction(() => window.e2e.video.currentTime > 2, null, { timeout: 30_000 });
  const before = await page.evaluate(() => window.e2e.video.videoWidth);
  await page.evaluate(() => { window.e2e.player.nextLevel = 3; });
  await page.waitForFunction(() => window.e2e.video.videoWidth === 1280 || window.e2e.errors.length > 0, null, { timeout: 30_000 });
  const state = await page.evaluate(() => ({
    stalls: window.e2e.stalls,
    switched: window.e2e.events.some((e) => e.name === "levelSwitched" && e.level === 3),
  }));
  assert.deepEqual(await errorsOf(page), []);
  assert.equal(before, 416);
  assert.deepEqual(state.stalls, [], "no waiting event");
  assert.ok(state.switched, "levelSwitched to 3");
  await page.close();
});

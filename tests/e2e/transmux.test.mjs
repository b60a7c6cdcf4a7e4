// MPEG-TS titles in a real browser: the engine transmuxes TS to fMP4 in wasm, decrypts the
// AES-128 title, switches TS renditions without a stall and keeps audio and video together.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPlayer, useServerAndBrowser } from "../lib/harness.mjs";

const env = useServerAndBrowser();

const open = (src, config) => openPlayer(env, src, config);

async function playsTenSeconds(src) {
  const page = await open(src);
  await page.waitForFunction(() => window.e2e?.video.currentTime > 10 || window.e2e?.errors.length > 0, null, { timeout: 90_000 });
  const state = await page.evaluate(() => ({
    errors: window.e2e.errors,
    frames: window.e2e.video.getVideoPlaybackQuality().totalVideoFrames,
    width: window.e2e.video.videoWidth,
    parsed: window.e2e.events.filter((e) => e.name === "fragParsed").length,
  }));
  await page.close();
  assert.deepEqual(state.errors, []);
  assert.ok(state.frames > 200, `decoded ${state.frames} frames`);
  assert.ok(state.width > 0);
  assert.ok(state.parsed >= 3, `${state.parsed} segments transmuxed`);
}

test("the MPEG-TS title plays", () => playsTenSeconds("/media/vod-ts/master.m3u8"));

test("the AES-128 encrypted TS title plays", () => playsTenSeconds("/media/vod-aes/master.m3u8"));

test("switching TS renditions mid-play does not stall", async () => {
  const page = await open("/media/vod-ts/master.m3u8", { startLevel: 0, maxBufferLength: 8 });
  await page.waitForFunction(() => window.e2e?.playing != null, null, { timeout: 60_000 });
  await page.evaluate(() => { window.e2e.player.nextLevel = 0; });
  await page.waitForFunction(() => window.e2e.video.currentTime > 2 && window.e2e.video.videoWidth === 416, null, { timeout: 60_000 });
  const switchedAt = await page.evaluate(() => {
    window.e2e.player.nextLevel = 3;
    return performance.now();
  });
  await page.waitForFunction(() => window.e2e.video.videoWidth === 1280 || window.e2e.errors.length > 0, null, { timeout: 60_000 });
  await page.waitForTimeout(2000);
  const state = await page.evaluate((since) => ({
    errors: window.e2e.errors,
    stalls: window.e2e.stalls.filter((s) => s.at >= since),
  }), switchedAt);
  await page.close();
  assert.deepEqual(state.errors, []);
  assert.deepEqual(state.stalls, [], "no waiting event after the switch");
});

test("after 60 s of playback audio and video end within 50 ms of each other", async () => {
  const page = await open("/media/vod-ts/master.m3u8");
  await page.waitForFunction(() => window.e2e?.playing != null, null, { timeout: 60_000 });
  await page.evaluate(() => {
    window.e2e.video.playbackRate = 4;
    window.e2e.video.addEventListener("ended", () => { window.e2e.ended = true; });
  });
  await page.waitForFunction(() => window.e2e.ended || window.e2e.errors.length > 0, null, { timeout: 90_000 });
  const state = await page.evaluate(() => ({
    errors: window.e2e.errors,
    time: window.e2e.video.currentTime,
    last: window.e2e.events.filter((e) => e.name === "fragParsed").at(-1),
  }));
  await page.close();
  assert.deepEqual(state.errors, []);
  assert.ok(state.time > 59, `played to ${state.time}`);
  const gap = Math.abs(state.last.audioEnd - state.last.videoEnd);
  assert.ok(gap < 0.05, `audio ends at ${state.last.audioEnd}, video at ${state.last.videoEnd}`);
});

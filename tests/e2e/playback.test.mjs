// The vertical slice in a real browser: the sdk built from this checkout plays the ffmpeg-made
// test title from the reference server in Debian's Chromium.
import assert from "node:assert/strict";
import { test } from "node:test";
import { artifact, useServerAndBrowser } from "../lib/harness.mjs";

const env = useServerAndBrowser();

test("the VOD title plays: time passes 10 s, frames decode, no error", async () => {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 720 } });
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  await page.goto(`${env.server.url}test-pages/play.html?src=/media/vod/master.m3u8`);
  await page.waitForFunction(() => window.e2e?.video.currentTime > 10 || window.e2e?.errors.length > 0, null, {
    timeout: 90_000,
  });
  const state = await page.evaluate(() => {
    const { video, errors, events } = window.e2e;
    const q = video.getVideoPlaybackQuality();
    return {
      time: video.currentTime,
      frames: q.totalVideoFrames,
      dropped: q.droppedVideoFrames,
      width: video.videoWidth,
      errors,
      buffered: events.filter((e) => e.name === "fragBuffered").length,
    };
  });
  await page.screenshot({ path: artifact("e2e", "playing.png") });
  assert.deepEqual(state.errors, [], `errors: ${JSON.stringify(state.errors)}\n${consoleLines.join("\n")}`);
  assert.ok(state.time > 10, `currentTime ${state.time}`);
  assert.ok(state.frames > 200, `decoded ${state.frames} frames`);
  assert.ok(state.dropped < state.frames * 0.05, `dropped ${state.dropped} of ${state.frames}`);
  assert.ok(state.width > 0, `videoWidth ${state.width}`);
  assert.ok(state.buffered >= 3, `${state.buffered} segments buffered`);
  await page.close();
});

// The engine on a live stream in a real browser: the reference server's live mode publishes a
// looping source as a sliding-window HLS stream with ffmpeg, as the platform's RTMP pipeline does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openPlayer, useServerAndBrowser } from "../lib/harness.mjs";

const env = useServerAndBrowser(["--live", "e2e"]);

test("the live stream plays near its edge and keeps up for 2 minutes", async () => {
  // The stream needs a few segments before it can be joined.
  await new Promise((r) => setTimeout(r, 7000));
  const page = await openPlayer(env, "/live/e2e/index.m3u8");
  await page.waitForFunction(() => window.e2e?.playing != null || window.e2e?.errors.some((e) => e.fatal), null, { timeout: 60_000 });
  const targetDuration = 2;
  const samples = [];
  for (let i = 0; i < 12; i++) {
    await page.waitForTimeout(10_000);
    samples.push(await page.evaluate(() => ({
      time: window.e2e.video.currentTime, latency: window.e2e.player.latency,
      fatal: window.e2e.errors.filter((e) => e.fatal).length,
    })));
  }
  const stalls = await page.evaluate(() => window.e2e.stalls);
  await page.close();
  console.log(`live latency samples (s): ${samples.map((s) => s.latency.toFixed(2)).join(" ")}`);
  assert.ok(samples.every((s) => s.fatal === 0));
  for (const s of samples) {
    assert.ok(s.latency <= 3 * targetDuration + targetDuration + 0.5, `latency ${s.latency} s`);
  }
  const played = samples.at(-1).time - samples[0].time;
  assert.ok(played > 105, `played ${played.toFixed(1)} s of the 110 s sampled`);
  assert.ok(stalls.length <= 1, `stalls: ${JSON.stringify(stalls)}`);
});

// Time to first frame: our player and hls.js play the VOD title 10 times each in the same
// Chromium, alternating, a fresh page (and cache-less context) each time. Measured from
// navigation start to the video's first `playing` event, so loading the library counts.
// Usage: npm run bench -- startup [--runs N]
import { parseArgs } from "node:util";
import { median, openPlayer, setUp } from "./lib/players.mjs";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "10" } } });
const runs = Number(args.runs);

async function firstFrame(browser, server, player) {
  const { page, context, url } = await openPlayer(browser, server, player, "/media/vod/master.m3u8");
  await page.goto(url);
  await page.waitForFunction(() => window.e2e?.playing != null || window.e2e?.errors.length > 0, null, { timeout: 60_000 });
  const { playing, errors } = await page.evaluate(() => ({ playing: window.e2e.playing, errors: window.e2e.errors }));
  await context.close();
  if (errors.length) throw new Error(`${player} failed: ${JSON.stringify(errors)}`);
  return playing;
}

const { server, browser, close } = await setUp();
const times = { ours: [], hlsjs: [] };
try {
  for (let i = 0; i < runs; i++) {
    for (const player of i % 2 ? ["hlsjs", "ours"] : ["ours", "hlsjs"]) {
      const ms = await firstFrame(browser, server, player);
      times[player].push(ms);
      console.log(`run ${i + 1} ${player.padEnd(6)} first frame after ${ms.toFixed(0)} ms`);
    }
  }
} finally {
  await close();
}
const ours = median(times.ours);
const hlsjs = median(times.hlsjs);
console.log(`median time to first frame: ours ${ours.toFixed(0)} ms, hls.js ${hlsjs.toFixed(0)} ms`);
console.log(JSON.stringify({ runs, ours_median_ms: +ours.toFixed(1), hlsjs_median_ms: +hlsjs.toFixed(1), ratio: +(ours / hlsjs).toFixed(3) }));

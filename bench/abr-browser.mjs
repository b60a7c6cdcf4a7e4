// ABR in the browser: our player and hls.js play the test title in the same Chromium under the
// same throttled network (CDP Network.emulateNetworkConditions stepping through a throughput
// trace, one trace second per real second), and we compare mean bitrate, stall time and
// switches. Usage: npm run bench -- abr-browser [--traces DIR] [--count N] [--seconds S]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../tests/lib/harness.mjs";
import { openPlayer, setUp } from "./lib/players.mjs";

const { values: args } = parseArgs({
  options: {
    traces: { type: "string", default: join(ROOT, "..", "shared", "traces", "train") },
    count: { type: "string", default: "3" },
    seconds: { type: "string", default: "40" },
  },
});
const seconds = Number(args.seconds);

/** `[[t, mbps]]` samples of a trace file, or synthetic traces when the folder is absent. */
function loadTraces() {
  const count = Number(args.count);
  if (existsSync(args.traces)) {
    const files = readdirSync(args.traces).sort();
    const step = Math.max(1, Math.floor(files.length / count));
    return files.filter((_, i) => i % step === 0).slice(0, count).map((name) => ({
      name,
      samples: readFileSync(join(args.traces, name), "utf8").trim().split("\n")
        .map((l) => l.trim().split(/\s+/).map(Number)).filter((p) => p.length === 2 && p.every(Number.isFinite)),
    }));
  }
  // Deterministic synthetic set: steps between 0.6 and 4 Mbit/s.
  return Array.from({ length: count }, (_, k) => ({
    name: `synthetic-${k}`,
    samples: Array.from({ length: 120 }, (_, t) => [t, [3.5, 1.2, 0.7, 2.5, 4.0, 0.9][(Math.floor(t / 8) + k) % 6]]),
  }));
}

function mbpsAt(samples, t) {
  const start = samples[0][0];
  const span = samples[samples.length - 1][0] - start || 1;
  const tt = start + (t % span);
  let v = samples[0][1];
  for (const [ts, mbps] of samples) { if (ts > tt) break; v = mbps; }
  return Math.max(0.05, v);
}

async function run(browser, server, player, trace) {
  const { page, cdp, context, url } = await openPlayer(browser, server, player, "/media/vod/master.m3u8");
  const throttle = (mbps) => cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 40, downloadThroughput: (mbps * 1e6) / 8, uploadThroughput: 1e6 / 8,
  });
  await throttle(mbpsAt(trace.samples, 0));
  await page.goto(url);
  for (let t = 1; t <= seconds; t++) {
    await new Promise((r) => setTimeout(r, 1000));
    await throttle(mbpsAt(trace.samples, t));
  }
  const r = await page.evaluate(() => {
    const e = window.e2e;
    const levels = e.player ? e.player.levels : e.hls.levels;
    const frags = e.events.filter((x) => x.name === "fragBuffered");
    const rates = frags.map((f) => f.bitrate ?? levels[f.level].bitrate);
    let switches = 0;
    for (let i = 1; i < frags.length; i++) if (frags[i].level !== frags[i - 1].level) switches++;
    return { rates, switches, stalls: e.stalls.length, errors: e.errors, time: e.video.currentTime, playing: e.playing };
  });
  await context.close();
  const played = r.time;
  const mean = r.rates.length ? r.rates.reduce((a, b) => a + b, 0) / r.rates.length : 0;
  // Wall time not spent playing after playback started is stall time.
  const stall = r.playing === null ? seconds : Math.max(0, seconds - r.playing / 1000 - played);
  return { mean_kbps: mean / 1000, stall_s: stall, switches: r.switches, stalls: r.stalls, errors: r.errors.length, played_s: played };
}

const traces = loadTraces();
const { server, browser, close } = await setUp();
const totals = { ours: [], hlsjs: [] };
try {
  for (const trace of traces) {
    for (const player of ["ours", "hlsjs"]) {
      const r = await run(browser, server, player, trace);
      totals[player].push(r);
      console.log(`${trace.name.padEnd(48)} ${player.padEnd(6)} mean ${r.mean_kbps.toFixed(0).padStart(5)} kbit/s  stall ${r.stall_s.toFixed(1).padStart(5)} s  switches ${r.switches}  errors ${r.errors}`);
    }
  }
} finally {
  await close();
}
const avg = (list, k) => list.reduce((a, r) => a + r[k], 0) / Math.max(1, list.length);
const summary = {
  traces: traces.length,
  seconds,
  ours_mean_kbps: +avg(totals.ours, "mean_kbps").toFixed(1),
  hlsjs_mean_kbps: +avg(totals.hlsjs, "mean_kbps").toFixed(1),
  ours_stall_s: +avg(totals.ours, "stall_s").toFixed(2),
  hlsjs_stall_s: +avg(totals.hlsjs, "stall_s").toFixed(2),
  ours_switches: +avg(totals.ours, "switches").toFixed(2),
  hlsjs_switches: +avg(totals.hlsjs, "switches").toFixed(2),
};
summary.bitrate_ratio = +(summary.ours_mean_kbps / Math.max(1, summary.hlsjs_mean_kbps)).toFixed(3);
console.log(`ours: ${summary.ours_mean_kbps} kbit/s, ${summary.ours_stall_s} s stalled; hls.js: ${summary.hlsjs_mean_kbps} kbit/s, ${summary.hlsjs_stall_s} s stalled`);
console.log(JSON.stringify(summary));

// MPEG-TS → fMP4 transmuxing: our transmuxer (the sdk's wasm build, in Node, including the
// copies of each segment into wasm and of the fMP4 back to JS) against mux.js's Transmuxer in
// the same process, on the 60 s 1280x720 rendition of the `vod-ts` test title (15 segments of
// 4 s, H.264 High 3.1 at 3.5 Mbit/s + AAC-LC), each side pushing the whole rendition through a
// fresh transmuxer per pass. Throughput is TS bytes in per second.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ["ignore", 2, 2] });
run("bash", [join(root, "scripts", "build.sh"), "sdk"]);
run("cargo", ["build", "--quiet", "-p", "flodrama-server", "--bins"]);
run(join(root, "target", "debug", "flodrama-server"), ["prepare-media", "--data-dir", "data"]);

const pkg = join(root, "sdk", "pkg");
const sdk = await import(pathToFileURL(join(pkg, "flodrama_player.js")).href);
sdk.initSync({ module: readFileSync(join(pkg, "flodrama_player_bg.wasm")) });
const muxjs = createRequire(import.meta.url)("mux.js");

const dir = join(root, "data", "media", "vod-ts", "720p");
const segments = readdirSync(dir)
  .filter((name) => name.endsWith(".ts"))
  .sort()
  .map((name) => new Uint8Array(readFileSync(join(dir, name))));
const inputBytes = segments.reduce((sum, s) => sum + s.length, 0);
if (segments.length !== 15) throw new Error(`expected 15 segments in ${dir}, found ${segments.length}`);

/** Our transmuxer over every segment; returns the fMP4 bytes out and the codecs. */
function ours() {
  const transmuxer = new sdk.Transmuxer();
  let out = 0;
  let codecs = "";
  segments.forEach((segment, i) => {
    const result = transmuxer.pushSegment(segment, false);
    if (i === 0 && !result.init) throw new Error("ours: no init segment first");
    out += (result.init?.length ?? 0) + result.media.length;
    codecs = result.codecs;
  });
  transmuxer.free();
  return { out, codecs };
}

/** mux.js's Transmuxer over every segment (push + flush each); returns the fMP4 bytes out. */
function muxjsRun() {
  const transmuxer = new muxjs.mp4.Transmuxer();
  let out = 0;
  let events = 0;
  transmuxer.on("data", (segment) => {
    events++;
    out += segment.data.length;
    if (events === 1) out += segment.initSegment.length;
  });
  for (const segment of segments) {
    transmuxer.push(segment);
    transmuxer.flush();
  }
  if (events !== segments.length) throw new Error(`mux.js: ${events} data events for ${segments.length} segments`);
  return { out };
}

/** Median milliseconds per pass of `fn` after warm-up, sampling for about `budgetMs`. */
function time(fn, budgetMs = 4000) {
  for (let i = 0; i < 2; i++) fn();
  const samples = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || samples.length < 5) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[samples.length >> 1], passes: samples.length };
}

const oursOut = ours();
const muxOut = muxjsRun();
console.log(`input: ${segments.length} segments, ${(inputBytes / 1e6).toFixed(2)} MB of MPEG-TS (${dir})`);
console.log(`fMP4 out: ours ${(oursOut.out / 1e6).toFixed(2)} MB (codecs ${oursOut.codecs}), mux.js ${(muxOut.out / 1e6).toFixed(2)} MB`);

// Alternate the two sides so that machine load drifts hit both alike.
const oursTimes = [];
const muxTimes = [];
for (let round = 0; round < 3; round++) {
  oursTimes.push(time(ours, 1500).ms);
  muxTimes.push(time(muxjsRun, 1500).ms);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const oursMs = median(oursTimes);
const muxMs = median(muxTimes);
const mbps = (ms) => +(inputBytes / 1e6 / (ms / 1000)).toFixed(1);
const result = {
  input_mb: +(inputBytes / 1e6).toFixed(2),
  ours_ms: +oursMs.toFixed(2),
  muxjs_ms: +muxMs.toFixed(2),
  ours_mb_per_s: mbps(oursMs),
  muxjs_mb_per_s: mbps(muxMs),
  ratio: +(muxMs / oursMs).toFixed(2),
};
console.log(`ours: ${result.ours_ms} ms per pass, ${result.ours_mb_per_s} MB/s`);
console.log(`mux.js: ${result.muxjs_ms} ms per pass, ${result.muxjs_mb_per_s} MB/s`);
console.log(`ours is ${result.ratio}× mux.js (goal ≥ 2×)`);
console.log(JSON.stringify(result));

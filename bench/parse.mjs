// Playlist parsing: our parser (the sdk's wasm build, in Node, including the crossing of the
// text into wasm and of the summary back to JS) against hls.js's parser (bundled from its
// TypeScript source) in the same process, on (a) a 10,000-segment live media playlist with
// PROGRAM-DATE-TIME and byte ranges and (b) a multivariant playlist with 40 variants and
// 20 renditions.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleHlsJsParser } from "../tests/lib/hlsjs-parser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync("bash", [join(root, "scripts", "build.sh"), "sdk"], { stdio: ["ignore", 2, 2] });
const pkg = join(root, "sdk", "pkg");
const sdk = await import(pathToFileURL(join(pkg, "flodrama_player.js")).href);
sdk.initSync({ module: readFileSync(join(pkg, "flodrama_player_bg.wasm")) });
const tmp = mkdtempSync(join(tmpdir(), "parse-bench-"));
const M3U8Parser = await bundleHlsJsParser(tmp);
rmSync(tmp, { recursive: true, force: true });

function livePlaylist(count) {
  const lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:4", "#EXT-X-MEDIA-SEQUENCE:250000",
    '#EXT-X-MAP:URI="init.mp4",BYTERANGE="1200@0"'];
  const start = Date.UTC(2026, 10, 21, 6, 0, 0);
  let offset = 1200;
  for (let i = 0; i < count; i++) {
    const size = 400_000 + ((i * 7919) % 50_000);
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(start + i * 4000).toISOString()}`);
    lines.push("#EXTINF:4.000,");
    lines.push(`#EXT-X-BYTERANGE:${size}@${offset}`);
    lines.push("media.m4s?token=exp1763700000~sig0123456789abcdef");
    offset += size;
  }
  return lines.join("\n") + "\n";
}

function multivariantPlaylist(variants, renditions) {
  const lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"];
  for (let i = 0; i < renditions; i++) {
    const type = i < 12 ? "AUDIO" : "SUBTITLES";
    const group = type === "AUDIO" ? `aud${i % 3}` : "subs";
    lines.push(`#EXT-X-MEDIA:TYPE=${type},GROUP-ID="${group}",NAME="track ${i}",LANGUAGE="l${i}",DEFAULT=${i % 12 === 0 ? "YES" : "NO"},AUTOSELECT=YES,URI="${type.toLowerCase()}/${i}/index.m3u8"`);
  }
  for (let i = 0; i < variants; i++) {
    const bw = 200_000 + i * 150_000;
    const h = [234, 360, 540, 720, 1080][i % 5];
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${bw},AVERAGE-BANDWIDTH=${Math.round(bw * 0.9)},CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=${Math.round((h * 16) / 9)}x${h},FRAME-RATE=30.000,AUDIO="aud${i % 3}",SUBTITLES="subs"`);
    lines.push(`v${i}/index.m3u8?token=abc`);
  }
  return lines.join("\n") + "\n";
}

/** Median microseconds per call of `fn` after warm-up. */
function time(fn, budgetMs = 1500) {
  for (let i = 0; i < 5; i++) fn();
  const samples = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || samples.length < 10) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const url = "https://cdn.example/title/index.m3u8?token=abc";
const live = livePlaylist(10_000);
const master = multivariantPlaylist(40, 20);
const cases = [
  {
    case: "live-10000-segments",
    ours: () => { if (sdk.inspectPlaylist(live, url).segments !== 10_000) throw new Error("ours miscounted"); },
    hlsjs: () => { if (M3U8Parser.parseLevelPlaylist(live, url, 0, "main", 0, null).fragments.length !== 10_000) throw new Error("hls.js miscounted"); },
  },
  {
    case: "multivariant-40-variants-20-renditions",
    ours: () => { if (sdk.inspectPlaylist(master, url).variants.length !== 40) throw new Error("ours miscounted"); },
    hlsjs: () => {
      const parsed = M3U8Parser.parseMasterPlaylist(master, url);
      M3U8Parser.parseMasterPlaylistMedia(master, url, parsed);
      if (parsed.levels.length !== 40) throw new Error("hls.js miscounted");
    },
  },
];
const results = cases.map((c) => {
  const ours = time(c.ours);
  const hlsjs = time(c.hlsjs);
  const r = { case: c.case, ours_us: +ours.toFixed(1), hlsjs_us: +hlsjs.toFixed(1), speedup: +(hlsjs / ours).toFixed(2) };
  console.log(`${c.case}: ours ${r.ours_us} µs, hls.js ${r.hlsjs_us} µs, speedup ${r.speedup}×`);
  return r;
});
console.log(JSON.stringify({ cases: results, min_speedup: Math.min(...results.map((r) => r.speedup)) }));

// Size of what a page downloads: gzipped (level 9) bytes of the sdk's wasm + JS, against
// hls.js's hls.min.js and hls.light.min.js from npm.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync("bash", [join(root, "scripts", "build.sh"), "sdk"], { stdio: ["ignore", 2, 2] });

const gz = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
const pkg = join(root, "sdk", "pkg");
const wasm = gz(join(pkg, "flodrama_player_bg.wasm"));
const js = gz(join(pkg, "flodrama_player.js"));
const ours = wasm + js;
const hlsDist = join(dirname(createRequire(import.meta.url).resolve("hls.js/package.json")), "dist");
const hlsMin = gz(join(hlsDist, "hls.min.js"));
const hlsLight = gz(join(hlsDist, "hls.light.min.js"));

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`ours: wasm ${kb(wasm)} + js ${kb(js)} = ${kb(ours)} gzipped`);
console.log(`hls.js: hls.min.js ${kb(hlsMin)}, hls.light.min.js ${kb(hlsLight)} gzipped`);
console.log(`ratio: ${(ours / hlsMin).toFixed(3)} of hls.min.js, ${(ours / hlsLight).toFixed(3)} of hls.light.min.js`);
console.log(JSON.stringify({
  ours_gzip_bytes: ours,
  ours_wasm_gzip_bytes: wasm,
  ours_js_gzip_bytes: js,
  hlsjs_min_gzip_bytes: hlsMin,
  hlsjs_light_gzip_bytes: hlsLight,
  ratio_vs_hlsjs_min: +(ours / hlsMin).toFixed(4),
  ratio_vs_hlsjs_light: +(ours / hlsLight).toFixed(4),
}));

// Size of what a page downloads: gzipped (level 9) bytes of the sdk's wasm + JS (the typed
// entry point index.js with every module it imports: the drivers in sdk/js and the wasm-bindgen
// glue), against hls.js's hls.min.js and hls.light.min.js from npm. hls.js's files are
// minified, so our JS is measured minified too, as one bundle the way an app's production
// bundler emits it (esbuild --bundle --minify); the package itself ships it readable, and that
// size is printed as well. The goal: at most 120,000 bytes in total and less
// than hls.light.min.js.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync("bash", [join(root, "scripts", "build.sh"), "sdk"], { stdio: ["ignore", 2, 2] });

const GOAL = 120_000;
const gzBytes = (bytes) => gzipSync(bytes, { level: 9 }).length;
const gz = (path) => gzBytes(readFileSync(path));
const pkg = join(root, "sdk", "pkg");
const jsFiles = readdirSync(pkg).filter((f) => f.endsWith(".js")).map((f) => join(pkg, f));
const wasm = gz(join(pkg, "flodrama_player_bg.wasm"));
const bundle = buildSync({
  entryPoints: [join(pkg, "index.js")],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  write: false,
});
const js = gzBytes(bundle.outputFiles[0].contents);
const jsReadable = jsFiles.reduce((sum, f) => sum + gz(f), 0);
const ours = wasm + js;
const hlsDist = join(dirname(createRequire(import.meta.url).resolve("hls.js/package.json")), "dist");
const hlsMin = gz(join(hlsDist, "hls.min.js"));
const hlsLight = gz(join(hlsDist, "hls.light.min.js"));
const goalMet = ours <= GOAL && ours < hlsLight;

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`ours: wasm ${kb(wasm)} + minified js ${kb(js)} = ${kb(ours)} gzipped (${ours} bytes)`);
console.log(`ours as packed (readable js ${kb(jsReadable)}): ${kb(wasm + jsReadable)} gzipped`);
console.log(`hls.js: hls.min.js ${kb(hlsMin)}, hls.light.min.js ${kb(hlsLight)} gzipped`);
console.log(`ratio: ${(ours / hlsMin).toFixed(3)} of hls.min.js, ${(ours / hlsLight).toFixed(3)} of hls.light.min.js`);
console.log(`goal (<= ${GOAL} bytes and < hls.light.min.js): ${goalMet ? "met" : "not met"}`);
console.log(JSON.stringify({
  ours_gzip_bytes: ours,
  ours_wasm_gzip_bytes: wasm,
  ours_js_gzip_bytes: js,
  ours_js_readable_gzip_bytes: jsReadable,
  hlsjs_min_gzip_bytes: hlsMin,
  hlsjs_light_gzip_bytes: hlsLight,
  ratio_vs_hlsjs_min: +(ours / hlsMin).toFixed(4),
  ratio_vs_hlsjs_light: +(ours / hlsLight).toFixed(4),
  goal_gzip_bytes: GOAL,
  goal_met: goalMet,
}));

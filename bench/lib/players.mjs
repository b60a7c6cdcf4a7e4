// Runs our player and hls.js side by side in Chromium against the reference server.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, launchBrowser, startServer } from "../../tests/lib/harness.mjs";

export const PLAYERS = {
  ours: "test-pages/play.html",
  hlsjs: "test-pages/hlsjs.html",
};

/** Builds the sdk and the server, prepares media; resolves with `{server, browser, close}`. */
export async function setUp() {
  const quiet = { stdio: ["ignore", 2, 2], cwd: ROOT };
  execFileSync("bash", ["scripts/build.sh", "sdk"], quiet);
  execFileSync("cargo", ["build", "--quiet", "-p", "flodrama-server"], quiet);
  execFileSync(join(ROOT, "target", "debug", "flodrama-server"), ["prepare-media", "--data-dir", join(ROOT, "data")], quiet);
  const hlsDist = join(ROOT, "node_modules", "hls.js", "dist");
  const server = await startServer(["--mount", `/vendor/hls.js=${hlsDist}`]);
  const browser = await launchBrowser();
  const close = async () => {
    await browser.close();
    await server.stop();
  };
  return { server, browser, close };
}

/** Opens a fresh page playing `src` with `player` ("ours" or "hlsjs"). */
export async function openPlayer(browser, server, player, src, config = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const url = `${server.url}${PLAYERS[player]}?src=${encodeURIComponent(src)}&config=${encodeURIComponent(JSON.stringify(config))}`;
  return { page, cdp, context, url };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

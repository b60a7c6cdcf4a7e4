// Shared end-to-end harness: the reference server from this checkout and Debian's Chromium.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ARTIFACTS = join(ROOT, "artifacts");

/** Starts the server on a free port; resolves with `{ url, stop, logs }`. */
export async function startServer(extraArgs = []) {
  const bin = process.env.SERVER_BIN ?? join(ROOT, "target", "debug", "flodrama-server");
  const args = [
    "serve", "--host", "127.0.0.1", "--port", "0", "--no-prepare", "--root", ROOT, "--data-dir", join(ROOT, "data"),
    "--mount", `/test-pages=${join(ROOT, "tests", "pages")}`, ...extraArgs,
  ];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  const logs = [];
  child.stderr.on("data", (d) => logs.push(String(d)));
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${logs.join("")}`)), 120_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${logs.join("")}`)); });
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
  return { url, stop, logs };
}

/** Launches headless Chromium with a fresh profile. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** A path under artifacts/ for a test output, its folder created. */
export function artifact(...parts) {
  const path = join(ARTIFACTS, ...parts);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/**
 * For a test file: starts the server (with `serverArgs`) and a browser before its tests and
 * stops them after; the returned object's `server` and `browser` are set once they run.
 */
export function useServerAndBrowser(serverArgs = []) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(serverArgs);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * Opens `tests/pages/play.html` playing `src` with `config` in a 1280x720 page and element;
 * `initScript`, if given, runs in the page before any of its scripts.
 */
export async function openPlayer({ server, browser }, src, config = {}, { initScript } = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  if (initScript) await page.addInitScript(initScript);
  const query = `src=${encodeURIComponent(src)}&size=1280x720&config=${encodeURIComponent(JSON.stringify(config))}`;
  await page.goto(`${server.url}test-pages/play.html?${query}`);
  return page;
}

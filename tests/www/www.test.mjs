// The frontend developer's path: pack the sdk, install the tarball into www/ with npm (no path
// into the repo), build the app with Vite, then play video on the built app served at /www/,
// switch levels in its quality menu (the decoded picture changes size), and start a watch party
// that a second viewer joins from the invite link.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, test } from "node:test";
import { ROOT, artifact, launchBrowser, startServer } from "../lib/harness.mjs";
import { packTarball } from "../lib/pack.mjs";

const WWW = join(ROOT, "www");
const npm = (...args) => execFileSync("npm", args, { cwd: WWW, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

let server;
let browser;

before(async () => {
  const tarball = packTarball();
  const wanted = JSON.parse(readFileSync(join(WWW, "package.json"), "utf8")).dependencies["@flodrama/player"];
  assert.equal(wanted, `file:../artifacts/pkg/${basename(tarball)}`, "www/package.json names another tarball");
  // A fresh copy of the package every run: npm would keep an older extract of the same version.
  rmSync(join(WWW, "node_modules", "@flodrama"), { recursive: true, force: true });
  rmSync(join(WWW, "node_modules", ".package-lock.json"), { force: true });
  rmSync(join(WWW, "dist"), { recursive: true, force: true });
  npm("install", "--no-audit", "--no-fund", "--prefer-offline");
  npm("run", "build");
  server = await startServer(["--party-dev"]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("www installs the packed package, not the repo's folder", () => {
  const installed = join(WWW, "node_modules", "@flodrama", "player");
  assert.ok(existsSync(join(installed, "flodrama_player_bg.wasm")), "the tarball's wasm is installed");
  assert.equal(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).name, "@flodrama/player");
  const assets = readdirSync(join(WWW, "dist", "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `Vite emitted the wasm: ${assets.join(", ")}`);
  assert.ok(assets.some((f) => f.endsWith(".js")), `Vite emitted the app's JS: ${assets.join(", ")}`);
});

test("the built app plays, lists the levels and switches level from its quality menu", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(`${server.url}www/`);
  const errorsOrPlaying = () =>
    document.querySelector("video").currentTime > 5 || document.querySelectorAll("#errors li").length > 0;
  await page.waitForFunction(errorsOrPlaying, null, { timeout: 90_000 });
  const state = await page.evaluate(() => {
    const video = document.querySelector("video");
    return {
      time: video.currentTime,
      frames: video.getVideoPlaybackQuality().totalVideoFrames,
      errors: [...document.querySelectorAll("#errors li")].map((li) => li.textContent),
      options: [...document.querySelectorAll("#quality option")].map((o) => [o.value, o.textContent]),
      widths: [...document.querySelectorAll("#quality option")].map((o) => Number(o.dataset.width ?? 0)),
      menuEnabled: !document.querySelector("#quality").disabled,
      selected: document.querySelector("#quality").value,
      playing: document.querySelector("#level-info").dataset.level,
      videoWidth: video.videoWidth,
    };
  });
  await page.screenshot({ path: artifact("www", "playing.png") });
  const log = `\n${consoleLines.join("\n")}`;
  assert.deepEqual(state.errors, [], `errors shown: ${JSON.stringify(state.errors)}${log}`);
  assert.ok(state.time > 5, `currentTime ${state.time}${log}`);
  assert.ok(state.frames > 100, `decoded ${state.frames} frames${log}`);

  // The test title's four variants, in playlist order, after "Auto".
  assert.ok(state.menuEnabled, "quality menu enabled");
  assert.deepEqual(state.options.map(([value]) => value), ["-1", "0", "1", "2", "3"]);
  assert.equal(state.options[0][1], "Auto");
  assert.deepEqual(state.options.slice(1).map(([, text]) => text.split(" ")[0]), ["234p", "360p", "540p", "720p"]);
  assert.deepEqual(state.widths, [0, 416, 640, 960, 1280]);
  assert.equal(state.selected, "-1", "Auto is selected at first");

  // Choosing a level of another width than the picture's switches at once (currentLevel): the
  // decoded picture takes that level's width, and choosing Auto hands the choice back to ABR.
  for (const target of [state.videoWidth === 416 ? "3" : "0", "1"]) {
    const width = state.widths[Number(target) + 1];
    await page.selectOption("#quality", target);
    await page.waitForFunction(
      ([t, w]) => document.querySelector("#level-info").dataset.level === t && document.querySelector("video").videoWidth === w,
      [target, width],
      { timeout: 60_000 },
    );
    const info = await page.textContent("#level-info");
    assert.match(info, /manual/, `level info: ${info}`);
  }
  await page.selectOption("#quality", "-1");
  await page.waitForFunction(() => /auto/.test(document.querySelector("#level-info").textContent), null, { timeout: 60_000 });
  assert.deepEqual(await page.$$eval("#errors li", (l) => l.map((li) => li.textContent)), []);
  await page.close();
});

test("the built app starts a watch party that a second viewer joins from its link", async () => {
  const host = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await host.goto(`${server.url}www/`);
  await host.fill("#party-name", "Host");
  await host.click("#party-create");
  await host.waitForFunction(() => !document.querySelector("#party-room-panel").hidden, null, { timeout: 30_000 });
  const link = await host.getAttribute("#party-link", "href");
  const room = await host.textContent("#party-room");
  assert.equal(link, `?room=${room}`);

  const guest = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await guest.goto(`${server.url}www/${link}`);
  const members = (page) => page.$$eval("#party-members li", (l) => l.map((li) => [li.textContent, li.className]));
  for (const page of [host, guest]) {
    await page.waitForFunction(
      () => document.querySelectorAll("#party-members li").length === 2 && document.querySelector("#party-sync").dataset.synced === "true",
      null,
      { timeout: 30_000 },
    );
    assert.match(await page.textContent("#party-room"), new RegExp(`^${room}$`));
    assert.match(await page.textContent("#party-sync"), /clock offset -?\d+ ms ± \d+, RTT \d+ ms/);
    assert.match(await page.textContent("#party-state"), /^(idle|waiting|paused|playing) at \d+\.\d s$/);
  }
  const hostView = await members(host);
  assert.deepEqual(hostView.map(([text]) => text.split(" ")[0]).sort(), ["Guest", "Host"]);
  assert.ok(hostView.some(([text, cls]) => text.startsWith("Host (you)") && cls.includes("host")), JSON.stringify(hostView));
  assert.ok((await members(guest)).some(([text]) => text.startsWith("Guest (you)")));

  // Leaving shows on the other member's panel.
  await guest.click("#party-leave");
  await host.waitForFunction(() => document.querySelectorAll("#party-members li").length === 1, null, { timeout: 30_000 });
  assert.deepEqual(await host.$$eval("#errors li", (l) => l.map((li) => li.textContent)), []);
  await guest.close();
  await host.close();
});

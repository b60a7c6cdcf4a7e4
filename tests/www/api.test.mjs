// The package's JS API in Chromium, from its public entry point (sdk/pkg/index.js as served at
// /sdk/): wrong arguments, a missing video element, calls before init() and after destroy()
// throw Errors with clear messages, never a wasm trap or panic text; once/off behave.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, startServer } from "../lib/harness.mjs";

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.newPage();
  // Any same-origin document will do: the tests build their own <video>.
  await page.goto(`${server.url}sdk/package.json`);
  await page.setContent("<!doctype html><title>api</title><video muted></video>");
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Runs each case in the page; returns what each threw: `{isError, message}` or null. */
function throwsIn(cases) {
  return page.evaluate(async (cases) => {
    const m = await import("/sdk/index.js");
    const out = {};
    for (const [name, body] of Object.entries(cases)) {
      try {
        await new Function("m", `return (async () => { ${body} })()`)(m);
        out[name] = null;
      } catch (e) {
        out[name] = { isError: e instanceof Error, message: String(e?.message ?? e) };
      }
    }
    return out;
  }, cases);
}

function assertClear(results, expected) {
  for (const [name, pattern] of Object.entries(expected)) {
    const got = results[name];
    assert.ok(got, `${name}: did not throw`);
    assert.ok(got.isError, `${name}: threw a non-Error: ${got.message}`);
    assert.match(got.message, pattern, name);
    assert.doesNotMatch(got.message, /unreachable|panicked|RuntimeError|null pointer|recursive use/i, name);
  }
}

test("new Player before init() throws an Error that says to call init()", async () => {
  // A fresh module instance: the import below is this page's first.
  const r = await throwsIn({ early: "new m.Player(document.querySelector('video'));" });
  assertClear(r, { early: /await init\(\)/ });
});

test("wrong argument types throw clear Errors", async () => {
  const setup = "await m.default(); const v = document.querySelector('video');";
  const withPlayer = (body) => `${setup} const p = new m.Player(v); try { ${body} } finally { p.destroy(); }`;
  const r = await throwsIn({
    noVideo: `${setup} new m.Player();`,
    selector: `${setup} new m.Player('#video');`,
    div: `${setup} new m.Player(document.createElement('div'));`,
    configType: `${setup} new m.Player(v, 5);`,
    configField: `${setup} new m.Player(v, { maxBufferLength: 'lots' });`,
    configNaN: `${setup} new m.Player(v, { retryDelay: NaN });`,
    loadNumber: withPlayer("p.load(42);"),
    loadObject: withPlayer("p.load({ contentId: 'x' });"),
    loadBadUrl: withPlayer("p.load('http://[::1');"),
    seekString: withPlayer("p.seek('10');"),
    seekNegative: withPlayer("p.seek(-1);"),
    nextLevelString: withPlayer("p.nextLevel = 'high';"),
    nextLevelFraction: withPlayer("p.nextLevel = 1.5;"),
    autoLevel: withPlayer("p.autoLevel = 'yes';"),
    onUnknown: withPlayer("p.on('manifestLoaded', () => {});"),
    onNumberName: withPlayer("p.on(42, () => {});"),
    onNotFunction: withPlayer("p.on('error', 'log');"),
    onceNotFunction: withPlayer("p.once('error', null);"),
    offUnknown: withPlayer("p.off('nope', () => {});"),
  });
  assertClear(r, {
    noVideo: /HTMLVideoElement, got undefined/,
    selector: /HTMLVideoElement, got the string "#video"/,
    div: /HTMLVideoElement, got object/,
    configType: /config must be an object, got number/,
    configField: /config\.maxBufferLength must be a finite number/,
    configNaN: /config\.retryDelay must be a finite number/,
    loadNumber: /load\(\) needs a URL string, got number/,
    loadObject: /load\(\) needs a URL string, got object/,
    loadBadUrl: /not a valid URL/,
    seekString: /seek\(\) needs a non-negative number/,
    seekNegative: /seek\(\) needs a non-negative number/,
    nextLevelString: /nextLevel must be an integer/,
    nextLevelFraction: /nextLevel must be an integer/,
    autoLevel: /autoLevel must be a boolean, got string/,
    onUnknown: /unknown event "manifestLoaded"; known: manifestLoading, manifestParsed/,
    onNumberName: /unknown event number/,
    onNotFunction: /needs a function, got string/,
    onceNotFunction: /needs a function, got null/,
    offUnknown: /unknown event "nope"/,
  });
});

test("every call after destroy() throws an Error that says so; destroy() twice is fine", async () => {
  const setup = "await m.default(); const p = new m.Player(document.querySelector('video')); p.destroy(); p.destroy();";
  const calls = {
    load: "p.load('/media/vod/master.m3u8');",
    play: "await p.play();",
    pause: "p.pause();",
    seek: "p.seek(1);",
    levels: "p.levels;",
    currentLevel: "p.currentLevel;",
    nextLevel: "p.nextLevel = 0;",
    autoLevel: "p.autoLevel;",
    bandwidthEstimate: "p.bandwidthEstimate;",
    on: "p.on('error', () => {});",
    once: "p.once('error', () => {});",
    off: "p.off('error', () => {});",
  };
  const r = await throwsIn(Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, `${setup} ${v}`])));
  assertClear(r, Object.fromEntries(Object.keys(calls).map((k) => [k, /destroyed/])));
});

test("once() fires one time, off() removes on() and once() listeners, Events names them", async () => {
  const counts = await page.evaluate(async () => {
    const m = await import("/sdk/index.js");
    await m.default();
    const p = new m.Player(document.querySelector("video"));
    const seen = { once: 0, on: 0, removedOnce: 0, removedOn: 0 };
    const removedOnce = () => seen.removedOnce++;
    const removedOn = () => seen.removedOn++;
    p.once(m.Events.MANIFEST_LOADING, () => seen.once++);
    p.on(m.Events.MANIFEST_LOADING, () => seen.on++);
    p.once("manifestLoading", removedOnce);
    p.off("manifestLoading", removedOnce);
    p.on("manifestLoading", removedOn);
    p.off("manifestLoading", removedOn);
    p.load("/media/vod/master.m3u8");
    p.load("/media/vod/master.m3u8");
    p.destroy();
    return seen;
  });
  assert.deepEqual(counts, { once: 1, on: 2, removedOnce: 0, removedOn: 0 });
});

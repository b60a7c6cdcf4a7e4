// Presigned URLs in Chromium against the server's signed origin, URLs living 20 s: the npm
// package's VideoProxyClient gets and renews them while 90 s of media play (the 60 s title
// looped), with no fatal error and no stall around an expiry, and the server's URL log shows
// the renewals; a URL given to load(url) is renewed when the origin answers that it expired;
// a URL that expired before loading recovers; a tampered URL is one clear fatal error; with
// CloudFront, a title's alternate audio is signed and renewed too.
// SigV4 (playlists rewritten with signed child URLs) and CloudFront (one policy query).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { launchBrowser, startServer } from "../lib/harness.mjs";

const TTL_S = 20;
const CONTENT = "vod";
/** Playback rate: 90 s of media in a minute of wall time, still crossing the expiry 3 times. */
const RATE = 1.5;
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function devToken(server, sub) {
  const r = await fetch(`${server.url}api/dev/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sub }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).token;
}

/** A URL of the title as the API issues it, with the time it was issued. */
async function streamUrl(server, token) {
  const r = await fetch(`${server.url}api/stream-url`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ contentId: CONTENT, sessionId: "e2e-direct" }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return { ...(await r.json()), issued: Date.now() };
}

/** URLs issued for `content`, from the server's URL log. */
function issued(log, content = CONTENT) {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.contentId === content);
}

async function openPage(server, token, extra = {}) {
  const page = await browser.newPage();
  const secure = [];
  page.on("request", (r) => { if (r.url().includes("/secure/")) secure.push(r.url()); });
  const q = new URLSearchParams({ api: server.url.replace(/\/$/, ""), token, content: CONTENT, rate: String(RATE), ...extra });
  await page.goto(`${server.url}test-pages/presign.html?${q}`);
  await page.waitForFunction(() => window.e2e !== undefined, null, { timeout: 30_000 });
  return { page, secure };
}

/**
 * Plays `seconds` of media, seeking back to 0 at the end of the title; resolves early on a
 * fatal error. Bounded by twice the wall time it should take.
 */
async function playMedia(page, seconds) {
  const limitMs = (seconds / RATE) * 2000 + 30_000;
  return page.evaluate(([total, limit]) => new Promise((resolve) => {
    const { video, errors } = window.e2e;
    const started = performance.now();
    let played = 0;
    let last = video.currentTime;
    const tick = setInterval(() => {
      const t = video.currentTime;
      if (t > last && t - last < 2) played += t - last;
      last = t;
      if (video.ended || (video.duration > 0 && t > video.duration - 0.3)) {
        video.currentTime = 0;
        last = 0;
        video.play().catch(() => {});
      }
      const fatal = errors.some((e) => e.fatal || e.type === "video");
      if (played >= total || fatal || performance.now() - started > limit) {
        clearInterval(tick);
        resolve(played);
      }
    }, 100);
  }), [seconds, limitMs]);
}

/** Stalls of the player (not of a seek) within 5 s after an expiry answer. */
function stallsFromExpiry(state) {
  const afterSeek = (s) => s.seeking || state.seeks.some((at) => s.at >= at && s.at - at < 3000);
  return state.stalls.filter((s) => !afterSeek(s) && state.expired.some((e) => s.at >= e.at - 500 && s.at - e.at < 5000));
}

const pageState = (page) => page.evaluate(() => {
  const { errors, expired, stalls, seeks, buffered, log } = window.e2e;
  return { errors, expired, stalls, seeks, buffered, log, time: window.e2e.video.currentTime };
});

/** Flips the last character of query parameter `name` of `url`, leaving the rest byte-exact. */
function tamper(url, name) {
  const at = url.indexOf(`${name}=`);
  assert.ok(at > 0, `${url} has no ${name}`);
  const end = url.indexOf("&", at) === -1 ? url.length : url.indexOf("&", at);
  const last = url[end - 1];
  return url.slice(0, end - 1) + (last === "a" ? "b" : "a") + url.slice(end);
}

for (const [signing, mediaSeconds, signatureParam] of [["sigv4", 90, "X-Amz-Signature"], ["cloudfront", 45, "Signature"]]) {
  describe(`${signing} URLs living ${TTL_S} s`, () => {
    let server;
    let log;
    let token;
    let stale;

    before(async () => {
      log = join(mkdtempSync(join(tmpdir(), "flodrama-presign-")), "urls.jsonl");
      server = await startServer(["--dev", "--signing", signing, "--token-expiration", String(TTL_S), "--url-log", log]);
      token = await devToken(server, "presign-viewer");
      // Issued now, loaded after it expired (by the third test).
      stale = await streamUrl(server, token);
    });

    after(async () => {
      await server?.stop();
    });

    test(`load({contentId}) plays ${mediaSeconds} s of media across expiries without error or stall`, async (t) => {
      const before = issued(log).length;
      const { page } = await openPage(server, token);
      try {
        const played = await playMedia(page, mediaSeconds);
        const state = await pageState(page);
        assert.deepEqual(state.errors.filter((e) => e.fatal || e.type === "video"), [], "fatal errors");
        assert.ok(played >= mediaSeconds, `played ${played} s of ${mediaSeconds}`);
        assert.deepEqual(stallsFromExpiry(state), [], `stalls around expiries; all stalls: ${JSON.stringify(state.stalls)}`);
        // The first URL, then a renewal every 10 s or less of the 20 s lifetime.
        const renewals = issued(log).length - before - 1;
        const wallS = mediaSeconds / RATE;
        t.diagnostic(`${renewals} renewals, ${state.expired.length} expiry answers, ${state.stalls.length} stalls, ${state.buffered} segments`);
        assert.ok(renewals >= Math.floor(wallS / TTL_S) + 1, `${renewals} renewals in the URL log over ${wallS} s`);
        assert.deepEqual([...new Set(issued(log).slice(before).map((e) => e.sessionId))], ["e2e-session"]);
        assert.ok(state.buffered > mediaSeconds / 4, `${state.buffered} segments buffered`);
      } finally {
        await page.close();
      }
    });

    test("load(url, {contentId}): a URL expiring mid-play is renewed on the origin's answer, without stall", async (t) => {
      // The player has no renewal time for a URL it was given: the expiry answer renews it.
      const fresh = await streamUrl(server, token);
      const { page } = await openPage(server, token, { src: fresh.url });
      try {
        const played = await playMedia(page, 40);
        const state = await pageState(page);
        assert.deepEqual(state.errors, []);
        assert.ok(played >= 40, `played ${played} s`);
        assert.ok(state.expired.length >= 1, "no expiry answer reached the player");
        assert.ok(state.expired.every((e) => e.url.includes("/secure/vod/")), JSON.stringify(state.expired));
        assert.deepEqual(stallsFromExpiry(state), [], `stalls around expiries; all stalls: ${JSON.stringify(state.stalls)}`);
        t.diagnostic(`${state.expired.length} expiry answers, ${state.stalls.length} stalls`);
      } finally {
        await page.close();
      }
    });

    test("an AES-128 MPEG-TS title plays across renewals with its key loaded once", async (t) => {
      const { page, secure } = await openPage(server, token, { content: "vod-aes" });
      try {
        const played = await playMedia(page, 35);
        const state = await pageState(page);
        assert.deepEqual(state.errors, []);
        assert.ok(played >= 35, `played ${played} s`);
        const keys = secure.filter((u) => u.includes("/key.bin"));
        const renewals = issued(log, "vod-aes").length - 1;
        assert.ok(renewals >= 1, `${renewals} renewals`);
        // The key loaded with the first URL is kept for the renewed ones.
        assert.equal(keys.length, 1, keys.join("\n"));
        t.diagnostic(`${renewals} renewals, ${state.expired.length} expiry answers`);
      } finally {
        await page.close();
      }
    });

    if (signing === "cloudfront") {
      // CloudFront only: a SigV4 title's alternate renditions are not loaded again on renewal.
      test("a title with alternate audio plays across renewals, its audio loads signed with each new query", async (t) => {
        const { page, secure } = await openPage(server, token, { content: "vod-alt" });
        try {
          const played = await playMedia(page, 35);
          const state = await pageState(page);
          assert.deepEqual(state.errors, []);
          assert.ok(played >= 35, `played ${played} s`);
          const audio = secure.filter((u) => u.includes("/secure/vod-alt/audio-"));
          assert.ok(audio.length >= 5, `${audio.length} audio loads`);
          const signatures = new Set(audio.map((u) => new URL(u).searchParams.get("Signature")));
          assert.ok(!signatures.has(null), audio.join("\n"));
          assert.ok(signatures.size >= 2, `audio loaded with ${signatures.size} signature(s) across the renewals`);
          t.diagnostic(`${audio.length} audio loads, ${signatures.size} signatures, ${state.expired.length} expiry answers`);
        } finally {
          await page.close();
        }
      });
    }

    test("a URL that expired before loading recovers", async () => {
      await sleep(Math.max(0, stale.issued + (TTL_S + 1) * 1000 - Date.now()));
      const { page } = await openPage(server, token, { src: stale.url });
      try {
        await page.waitForFunction(() => window.e2e.video.currentTime > 6 || window.e2e.errors.some((e) => e.fatal),
          null, { timeout: 60_000 }).catch(async (e) => {
          throw new Error(`${e.message}; page: ${JSON.stringify(await pageState(page))}`);
        });
        const state = await pageState(page);
        assert.deepEqual(state.errors, []);
        assert.equal(state.expired.length, 1, JSON.stringify(state.expired));
        assert.equal(state.expired[0].url, stale.url);
        assert.ok(state.time > 6);
      } finally {
        await page.close();
      }
    });

    test("a tampered URL is exactly one clear fatal error", async () => {
      const fresh = await streamUrl(server, token);
      const { page, secure } = await openPage(server, token, { src: tamper(fresh.url, signatureParam) });
      try {
        await page.waitForFunction(() => window.e2e.errors.length > 0, null, { timeout: 30_000 });
        await sleep(3000);
        const state = await pageState(page);
        assert.equal(state.errors.length, 1, JSON.stringify(state.errors));
        const [error] = state.errors;
        assert.equal(error.fatal, true);
        assert.equal(error.details, "manifestLoadError");
        assert.match(error.message, /^access denied: signature does not match \(HTTP 403\)/);
        assert.equal(state.expired.length, 0);
        assert.equal(secure.length, 1, `requests to the origin: ${secure.join("\n")}`);
      } finally {
        await page.close();
      }
    });
  });
}

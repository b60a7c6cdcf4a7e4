// Resume in a real browser: the sdk's ResumeClient saves the playhead locally and on the
// server's /api/resume, a reload resumes there, a completed title restarts at 0, and with the
// API server stopped the local copy still resumes and the queued write reaches the server once
// it is back.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchBrowser, startServer } from "../lib/harness.mjs";

const SRC = "/media/vod/master.m3u8";
let site;
let browser;
const db = join(mkdtempSync(join(tmpdir(), "flodrama-resume-")), "api.sqlite3");
/** The API server on `db`, in dev mode so the test can mint tokens; CORS is open by default. */
const startApi = () => startServer(["--dev", "--db", db]);

before(async () => {
  site = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

async function devToken(api, sub) {
  const r = await fetch(`${api.url}api/dev/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sub }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).token;
}

async function serverPosition(api, token, content) {
  const r = await fetch(`${api.url}api/resume/${content}`, { headers: { authorization: `Bearer ${token}` } });
  return r.status === 200 ? (await r.json()) : null;
}

function pageUrl(api, token, user, content) {
  const q = new URLSearchParams({ src: SRC, content, token, user, api: api.url.replace(/\/$/, "") });
  return `${site.url}test-pages/resume.html?${q}`;
}

async function openTitle(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.e2e?.ready || window.e2e?.errors.length > 0, null, { timeout: 60_000 });
  const state = await page.evaluate(() => ({ applied: window.e2e.resumeApplied, errors: window.e2e.errors }));
  assert.deepEqual(state.errors, []);
  return state.applied;
}

/** Seeks to `from` and plays until the playhead passes `to`. */
async function playThrough(page, from, to) {
  await page.evaluate((t) => { window.e2e.video.currentTime = t; window.e2e.video.play(); }, from);
  await page.waitForFunction((t) => window.e2e.video.currentTime >= t || window.e2e.video.ended, to, { timeout: 60_000 });
}

test("reload resumes at 30 s; a completed title restarts at 0", async () => {
  const api = await startApi();
  try {
    const token = await devToken(api, "viewer-1");
    const page = await browser.newPage();
    const url = pageUrl(api, token, "viewer-1", "vod");
    assert.deepEqual(await openTitle(page, url), { position: 0, source: "none" });
    // The test title lasts 60 s: past 30 s it would count as completed (the last 30 s), so
    // stop just short of 30 s.
    await playThrough(page, 25, 29);
    await page.evaluate(() => window.e2e.video.pause());
    await page.waitForFunction(() => window.e2e.client.pending() === 0, null, { timeout: 20_000 });
    const saved = await serverPosition(api, token, "vod");
    assert.ok(Math.abs(saved.position - 30) <= 2 && saved.duration > 50 && !saved.completed, `server has ${JSON.stringify(saved)}`);

    const applied = await openTitle(page, url);
    assert.ok(Math.abs(applied.position - 30) <= 2, `resumed at ${applied.position}`);
    const time = await page.evaluate(() => new Promise((resolve) => {
      const v = window.e2e.video;
      if (!v.seeking && v.currentTime > 1) resolve(v.currentTime);
      else v.addEventListener("seeked", () => resolve(v.currentTime), { once: true });
    }));
    assert.ok(Math.abs(time - 30) <= 2, `playhead at ${time}`);

    const duration = await page.evaluate(() => window.e2e.video.duration);
    await playThrough(page, duration - 3, duration);
    await page.waitForFunction(() => window.e2e.video.ended, null, { timeout: 30_000 });
    await page.waitForFunction(() => window.e2e.client.pending() === 0, null, { timeout: 20_000 });
    assert.equal((await serverPosition(api, token, "vod")).completed, true);

    // The viewing session of this page: ended with its QoE figures.
    const id = await page.evaluate(() => { window.e2e.session.finish(); return window.e2e.session.sessionId; });
    assert.ok(id, "the session was started");
    let session;
    for (let i = 0; i < 50 && !session?.endedAt; i++) {
      const r = await fetch(`${api.url}api/sessions/${id}`, { headers: { authorization: `Bearer ${token}` } });
      session = r.status === 200 ? await r.json() : null;
      if (!session?.endedAt) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(session?.endedAt, `session ${JSON.stringify(session)}`);
    assert.ok(session.qoe.watchTimeS > 3 && session.qoe.startupMs > 0 && session.qoe.meanBitrate > 0, JSON.stringify(session.qoe));
    assert.equal((await openTitle(page, url)).position, 0);
    await page.close();
  } finally {
    await api.stop();
  }
});

test("with the API down, local storage resumes and the queued write reaches the server later", async () => {
  let api = await startApi();
  const token = await devToken(api, "viewer-2");
  await api.stop();
  const page = await browser.newPage();
  await openTitle(page, pageUrl(api, token, "viewer-2", "vod"));
  await playThrough(page, 18, 20);
  await page.evaluate(() => window.e2e.video.pause());
  // The write is queued while the API is down.
  await page.waitForFunction(() => window.e2e.client.pending() === 1, null, { timeout: 10_000 });

  const applied = await openTitle(page, pageUrl(api, token, "viewer-2", "vod"));
  assert.equal(applied.source, "local");
  assert.ok(Math.abs(applied.position - 20) <= 2, `resumed at ${applied.position}`);

  // The API comes back (on a new port, same database): the next page replays the queue.
  api = await startApi();
  try {
    await openTitle(page, pageUrl(api, token, "viewer-2", "vod"));
    await page.waitForFunction(() => window.e2e.client.pending() === 0, null, { timeout: 20_000 });
    const stored = await serverPosition(api, token, "vod");
    assert.ok(Math.abs(stored.position - 20) <= 2, `server has ${stored?.position}`);
    await page.close();
  } finally {
    await api.stop();
  }
});

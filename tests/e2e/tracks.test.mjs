// Alternate audio and subtitles in a real browser: the vod-alt title (the vod ladder's video,
// "English" 440 Hz and "Français" 880 Hz fMP4 audio renditions, English WebVTT subtitles with
// the cue "Line k" from 4(k-1)+1 s to 4(k-1)+3 s).
import assert from "node:assert/strict";
import { test } from "node:test";
import { useServerAndBrowser } from "../lib/harness.mjs";

const env = useServerAndBrowser();
const SRC = "/media/vod-alt/master.m3u8";

/** Opens the play page on vod-alt, recording every SourceBuffer created and every request. */
async function openAlt() {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 720 } });
  const requests = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  await page.addInitScript(() => {
    window.sourceBuffers = [];
    const add = MediaSource.prototype.addSourceBuffer;
    MediaSource.prototype.addSourceBuffer = function (mime) {
      const sb = add.call(this, mime);
      window.sourceBuffers.push({ mime, sb });
      return sb;
    };
  });
  const query = `src=${encodeURIComponent(SRC)}&size=1280x720&config=${encodeURIComponent(JSON.stringify({ startLevel: 0 }))}`;
  await page.goto(`${env.server.url}test-pages/play.html?${query}`);
  return { page, requests };
}

function waitTime(page, seconds) {
  return page.waitForFunction((s) => window.e2e?.video.currentTime > s || window.e2e?.errors.length > 0, seconds, {
    timeout: 90_000,
  });
}

test("alternate audio plays from its own SourceBuffer and switches mid-play without a stall", async () => {
  const { page, requests } = await openAlt();
  await waitTime(page, 5);
  const before = await page.evaluate(() => {
    const { video, player, errors, stalls } = window.e2e;
    const audio = window.sourceBuffers.find((b) => b.mime.startsWith("audio/"));
    const ranges = (tr) => Array.from({ length: tr.length }, (_, i) => [tr.start(i), tr.end(i)]);
    window.switchEvents = [];
    for (const name of ["audioTrackSwitching", "audioTrackSwitched"]) {
      player.on(name, (e) => window.switchEvents.push({ name, time: video.currentTime, ...e }));
    }
    return {
      errors,
      stalls: stalls.length,
      time: video.currentTime,
      frames: video.getVideoPlaybackQuality().totalVideoFrames,
      mimes: window.sourceBuffers.map((b) => b.mime),
      audioBuffered: audio ? ranges(audio.sb.buffered) : [],
      tracks: player.audioTracks,
      track: player.audioTrack,
    };
  });
  assert.deepEqual(before.errors, []);
  assert.deepEqual(before.mimes, ['video/mp4; codecs="avc1.4d4015"', 'audio/mp4; codecs="mp4a.40.2"']);
  assert.ok(before.frames > 100, `decoded ${before.frames} frames`);
  const ahead = before.audioBuffered.find(([s, e]) => s <= before.time && before.time < e);
  assert.ok(ahead && ahead[1] > before.time + 2, `audio buffered ${JSON.stringify(before.audioBuffered)} at ${before.time}`);
  assert.deepEqual(
    before.tracks.map((t) => [t.id, t.name, t.lang, t.default]),
    [[0, "English", "en", true], [1, "Français", "fr", false]],
  );
  assert.equal(before.track, 0, "the DEFAULT=YES rendition plays");
  assert.ok(requests.some((p) => p.startsWith("/media/vod-alt/audio-en/seg_")));
  assert.ok(!requests.some((p) => p.includes("/audio-fr/")), "only the selected rendition loads");

  const switchedAt = await page.evaluate(() => {
    window.e2e.player.audioTrack = 1;
    return window.e2e.video.currentTime;
  });
  await page.waitForFunction(
    (t) => window.e2e.video.currentTime > t + 5 || window.e2e.errors.length > 0,
    switchedAt,
    { timeout: 60_000 },
  );
  const after = await page.evaluate(() => {
    const { video, player, errors, stalls } = window.e2e;
    const audio = window.sourceBuffers.find((b) => b.mime.startsWith("audio/"));
    const ranges = (tr) => Array.from({ length: tr.length }, (_, i) => [tr.start(i), tr.end(i)]);
    return {
      errors,
      stalls: stalls.length,
      time: video.currentTime,
      track: player.audioTrack,
      events: window.switchEvents,
      audioBuffered: ranges(audio.sb.buffered),
      sourceBuffers: window.sourceBuffers.length,
    };
  });
  assert.deepEqual(after.errors, []);
  assert.equal(after.stalls, before.stalls, "no waiting event after the switch");
  assert.equal(after.track, 1);
  assert.deepEqual(after.events.map((e) => [e.name, e.id]), [["audioTrackSwitching", 1], ["audioTrackSwitched", 1]]);
  assert.equal(after.sourceBuffers, 2, "the switch reuses the audio SourceBuffer");
  const fr = requests.filter((p) => p.startsWith("/media/vod-alt/audio-fr/seg_"));
  assert.ok(fr.length >= 2, `Français segments loaded: ${JSON.stringify(fr)}`);
  // The first Français segment is the one holding the playhead plus the 1 s kept.
  const first = Number(fr[0].match(/seg_(\d+)/)[1]);
  assert.ok(Math.abs(first * 4 - switchedAt) <= 5, `first Français segment ${first} for a switch at ${switchedAt}`);
  const around = after.audioBuffered.find(([s, e]) => s <= after.time && after.time < e);
  assert.ok(around && around[1] > after.time + 2, `audio buffered ${JSON.stringify(after.audioBuffered)} at ${after.time}`);
  await page.close();
});

test("selecting the subtitle track shows the fixture's cues at their times", async () => {
  const { page, requests } = await openAlt();
  await waitTime(page, 0.5);
  const initial = await page.evaluate(() => ({
    tracks: window.e2e.player.subtitleTracks,
    track: window.e2e.player.subtitleTrack,
    textTracks: Array.from(window.e2e.video.textTracks, (t) => [t.kind, t.label, t.language, t.mode]),
  }));
  assert.deepEqual(initial.tracks.map((t) => [t.id, t.name, t.lang, t.default]), [[0, "English", "en", false]]);
  assert.equal(initial.track, -1, "no DEFAULT=YES subtitles: off");
  assert.deepEqual(initial.textTracks, [["subtitles", "English", "en", "disabled"]]);
  assert.ok(!requests.some((p) => p.endsWith(".vtt")), "no cue loads while off");

  await page.evaluate(() => {
    const { video, player } = window.e2e;
    window.cueChanges = [];
    video.textTracks[0].addEventListener("cuechange", (e) => {
      const active = Array.from(e.target.activeCues ?? [], (c) => c.text);
      window.cueChanges.push({ time: video.currentTime, active });
    });
    player.subtitleTrack = 0;
  });
  await page.waitForFunction(
    () => window.e2e.video.currentTime > 12 || window.e2e.errors.length > 0,
    null,
    { timeout: 60_000 },
  );
  const state = await page.evaluate(() => {
    const track = window.e2e.video.textTracks[0];
    return {
      errors: window.e2e.errors,
      mode: track.mode,
      selected: window.e2e.player.subtitleTrack,
      cues: Array.from(track.cues, (c) => [c.startTime, c.endTime, c.text]),
      changes: window.cueChanges,
    };
  });
  assert.deepEqual(state.errors, []);
  assert.equal(state.mode, "showing");
  assert.equal(state.selected, 0);
  assert.ok(state.cues.length >= 4, `${state.cues.length} cues`);
  state.cues.forEach(([start, end, text], i) => {
    assert.equal(text, `Line ${i + 1}`);
    assert.ok(Math.abs(start - (4 * i + 1)) < 0.1, `cue ${i} starts at ${start}`);
    assert.ok(Math.abs(end - (4 * i + 3)) < 0.1, `cue ${i} ends at ${end}`);
  });
  const shown = state.changes.filter((c) => c.active.length > 0);
  assert.ok(shown.length >= 2, `cue changes: ${JSON.stringify(state.changes)}`);
  for (const { time, active } of shown) {
    const k = Math.floor(time / 4);
    assert.deepEqual(active, [`Line ${k + 1}`], `at ${time}`);
  }

  await page.evaluate(() => { window.e2e.player.subtitleTrack = -1; });
  const off = await page.evaluate(() => [window.e2e.video.textTracks[0].mode, window.e2e.player.subtitleTrack]);
  assert.deepEqual(off, ["disabled", -1]);

  // Another title without subtitles: the first title's track stops showing.
  await page.evaluate(() => {
    window.e2e.player.subtitleTrack = 0;
    window.e2e.player.load("/media/vod/master.m3u8");
  });
  await page.waitForFunction(() => window.e2e.player.levels.length > 0 && window.e2e.player.audioTracks.length === 0);
  const next = await page.evaluate(() => ({
    modes: Array.from(window.e2e.video.textTracks, (t) => t.mode),
    subtitleTracks: window.e2e.player.subtitleTracks,
    subtitleTrack: window.e2e.player.subtitleTrack,
  }));
  assert.deepEqual(next, { modes: ["disabled"], subtitleTracks: [], subtitleTrack: -1 });
  await page.close();
});

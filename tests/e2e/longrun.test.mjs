// An hour of media at 16x: the SourceBuffers' buffered ranges stay within the back-buffer and
// forward targets plus one segment the whole way, across 59 discontinuities.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openPlayer, useServerAndBrowser } from "../lib/harness.mjs";

const LOOPS = 60;
const SEGMENTS = 15;
const SEGMENT_S = 4;
const BACK_S = 30;
const FORWARD_S = 30;

/** The 60 s 234p rung of `vod` played 60 times, each repeat after a discontinuity. */
function longTitle() {
  const dir = mkdtempSync(join(tmpdir(), "flodrama-longrun-"));
  const lines = ["#EXTM3U", "#EXT-X-VERSION:7", `#EXT-X-TARGETDURATION:${SEGMENT_S}`, "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS", '#EXT-X-MAP:URI="/media/vod/234p/init.mp4"'];
  for (let loop = 0; loop < LOOPS; loop++) {
    if (loop > 0) lines.push("#EXT-X-DISCONTINUITY");
    for (let i = 0; i < SEGMENTS; i++) {
      lines.push(`#EXTINF:${SEGMENT_S}.000000,`, `/media/vod/234p/seg_${String(i).padStart(3, "0")}.m4s`);
    }
  }
  lines.push("#EXT-X-ENDLIST");
  writeFileSync(join(dir, "index.m3u8"), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "master.m3u8"), [
    "#EXTM3U", "#EXT-X-VERSION:7",
    '#EXT-X-STREAM-INF:BANDWIDTH=493602,RESOLUTION=416x234,CODECS="avc1.4d4015,mp4a.40.2"',
    "index.m3u8", "",
  ].join("\n"));
  return dir;
}

const dir = longTitle();
after(() => rmSync(dir, { recursive: true, force: true }));
const env = useServerAndBrowser(["--mount", `/longrun=${dir}`]);

test("an hour of media at 16x keeps every SourceBuffer within back + forward + one segment", async (t) => {
  // Keeps every SourceBuffer the page creates and samples their buffered extent every 50 ms.
  const initScript = () => {
    const buffers = [];
    const add = MediaSource.prototype.addSourceBuffer;
    MediaSource.prototype.addSourceBuffer = function (type) {
      const sb = add.call(this, type);
      buffers.push(sb);
      return sb;
    };
    window.longrun = { maxExtent: 0, maxAt: 0, samples: 0 };
    setInterval(() => {
      for (const sb of buffers) {
        let ranges;
        try { ranges = sb.buffered; } catch { continue; }
        if (ranges.length === 0) continue;
        const extent = ranges.end(ranges.length - 1) - ranges.start(0);
        window.longrun.samples++;
        if (extent > window.longrun.maxExtent) {
          window.longrun.maxExtent = extent;
          window.longrun.maxAt = document.querySelector("video")?.currentTime ?? -1;
        }
      }
    }, 50);
  };
  const player = await openPlayer(env, "/longrun/master.m3u8",
    { maxBufferLength: FORWARD_S, backBufferLength: BACK_S }, { initScript });
  await player.waitForFunction(() => window.e2e?.playing != null || window.e2e?.errors.length > 0, null, { timeout: 60_000 });
  await player.evaluate(() => {
    window.e2e.video.playbackRate = 16;
    window.e2e.video.addEventListener("ended", () => { window.e2e.ended = true; });
  });
  await player.waitForFunction(() => window.e2e.ended || window.e2e.errors.some((e) => e.fatal), null,
    { timeout: 600_000, polling: 1000 });
  const state = await player.evaluate(() => ({
    errors: window.e2e.errors, time: window.e2e.video.currentTime, duration: window.e2e.video.duration,
    ended: window.e2e.ended, longrun: window.longrun,
  }));
  assert.deepEqual(state.errors.filter((e) => e.fatal), []);
  assert.equal(state.ended, true);
  assert.ok(Math.abs(state.duration - LOOPS * SEGMENTS * SEGMENT_S) < 1, `duration ${state.duration}`);
  assert.ok(state.time > LOOPS * SEGMENTS * SEGMENT_S - 1, `ended at ${state.time}`);
  assert.ok(state.longrun.samples > 1000, `${state.longrun.samples} samples`);
  const bound = BACK_S + FORWARD_S + SEGMENT_S;
  t.diagnostic(`widest buffered extent ${state.longrun.maxExtent.toFixed(2)} s over ${state.longrun.samples} samples`);
  assert.ok(state.longrun.maxExtent <= bound,
    `buffered extent reached ${state.longrun.maxExtent.toFixed(2)} s at ${state.longrun.maxAt.toFixed(1)} s (bound ${bound} s)`);
  await player.close();
});

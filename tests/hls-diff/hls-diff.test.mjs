// Differential test: our HLS parser (via the `hls-inspect` binary) against hls.js's own
// playlist parser, bundled from its TypeScript source with esbuild, on every playlist of
// player-core/fixtures/hls/. Run with `node --test tests/hls-diff/`.
//
// HLS_INSPECT=/path/to/hls-inspect skips the cargo build.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleHlsJsParser } from '../lib/hlsjs-parser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureDir = join(root, 'player-core', 'fixtures', 'hls');
const require = createRequire(join(root, 'package.json'));
const fixtures = readdirSync(fixtureDir).filter((f) => f.endsWith('.m3u8')).sort();

/** Files whose text hls.js gets adapted, because it rejects or mangles what we accept, and
 * why; everything else about them is still compared. */
const ADAPTED = {
  // hls.js requires `#EXTM3U` on the very first line and rejects the whole playlist if blank
  // lines come first; we (and Safari) accept them. hls.js gets the text without them.
  'quirk-blank-lines.m3u8': (text) => text.replace(/^\n+/, ''),
  // hls.js keeps trailing whitespace in URI lines (its URI regex is `\S[^\r\n]*`), so the
  // URLs it builds end in spaces or tabs; we trim every line. hls.js gets trimmed lines.
  'quirk-trailing-spaces.m3u8': (text) => text.replace(/[ \t]+$/gm, ''),
};

/** Per-field relaxations: [file pattern, field, reason]. */
const RELAXED = [
  // hls.js fabricates an init segment (the first 7 TS packets) for byte-range I-frame
  // playlists of MPEG-TS; we report only EXT-X-MAP tags actually written.
  [/iframes|i-frames-only/, 'map', 'hls.js synthesizes a TS init segment for I-frame playlists'],
  // hls.js only reads `WxH` with a lowercase x; `1280X720` is unambiguous, so we accept it.
  [/lowercase-resolution/, 'resolution', 'hls.js ignores RESOLUTION with an uppercase X'],
  // url-toolkit keeps `..` segments that climb above the root (`/../../seg3.ts`);
  // RFC 3986 section 5.2.4 removes them, as browsers' URL and the `url` crate do.
  [/dot-segments/, 'url', 'url-toolkit keeps excess ../ above the root; RFC 3986 drops them'],
  // url-toolkit leaves spaces and non-ASCII in paths as they are; the `url` crate
  // percent-encodes them in the path as WHATWG URL (hence the browser's fetch) does. Queries
  // stay byte-exact on both sides.
  [/spaces-unicode/, 'url', 'url-toolkit does not percent-encode the path; WHATWG URL does'],
];

const relaxed = (file, field) => RELAXED.some(([re, f]) => f === field && re.test(file));

let tmp;
let M3U8Parser;
let inspect;

before(async () => {
  // hls.js reads EXT-X-DEFINE:QUERYPARAM through `self.URL`, a browser global.
  globalThis.self ??= globalThis;
  tmp = mkdtempSync(join(tmpdir(), 'hls-diff-'));
  inspect = process.env.HLS_INSPECT ?? buildInspect();
  M3U8Parser = await bundleHlsJsParser(tmp);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

function buildInspect() {
  const out = execFileSync(
    'cargo',
    [
      'build', '-p', 'flodrama-player-core', '--features', 'cli', '--bin', 'hls-inspect',
      '--message-format=json',
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
  );
  const exe = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((m) => m.reason === 'compiler-artifact' && m.target?.name === 'hls-inspect')?.executable;
  assert.ok(exe, 'cargo did not report the hls-inspect executable');
  return exe;
}

const baseFor = (file) => `https://cdn.example/title/${file}?token=abc123`;

function ours(file) {
  const json = execFileSync(inspect, [join(fixtureDir, file), '--base', baseFor(file)], {
    encoding: 'utf8',
  });
  return JSON.parse(json);
}

/** IV bytes as a number, so hls.js's unpadded `0x2` equals our 16-byte array. */
const ivValue = (bytes) =>
  bytes ? [...bytes].reduce((acc, b) => (acc << 8n) | BigInt(b), 0n).toString(16) : null;

const close = (a, b) => Math.abs(a - b) < 1e-6;

function compareMultivariant(file, text, our, check) {
  const base = baseFor(file);
  const parsed = M3U8Parser.parseMasterPlaylist(text, base);
  check('error', parsed.playlistParsingError?.message ?? null, null);
  const theirs = parsed.levels;
  check('variant count', our.variants.length, theirs.length);
  our.variants.forEach((v, i) => {
    const t = theirs[i] ?? {};
    check(`variant ${i} bandwidth`, v.bandwidth, t.bitrate);
    check(`variant ${i} url`, v.url, t.url);
    if (!relaxed(file, 'resolution')) check(`variant ${i} resolution`,
      v.resolution ? `${v.resolution.width}x${v.resolution.height}` : null,
      t.width ? `${t.width}x${t.height}` : null);
    check(`variant ${i} codecs`, v.codecs, t.attrs?.CODECS ?? null);
    check(`variant ${i} audio group`, v.audio, t.attrs?.AUDIO ?? null);
    check(`variant ${i} subtitle group`, v.subtitles, t.attrs?.SUBTITLES ?? null);
  });
  check('i-frame variant count', our.i_frame_variants.length, parsed.iframeVariants.length);
  our.i_frame_variants.forEach((v, i) => {
    check(`i-frame variant ${i} url`, v.url, parsed.iframeVariants[i]?.url);
    check(`i-frame variant ${i} bandwidth`, v.bandwidth, parsed.iframeVariants[i]?.bitrate);
  });
  const media = M3U8Parser.parseMasterPlaylistMedia(text, base, parsed);
  const theirRenditions = Object.values(media).flat().sort((a, b) => a.id - b.id);
  check('rendition count', our.renditions.length, theirRenditions.length);
  const typeName = { Audio: 'AUDIO', Video: 'VIDEO', Subtitles: 'SUBTITLES', ClosedCaptions: 'CLOSED-CAPTIONS' };
  our.renditions.forEach((r, i) => {
    const t = theirRenditions[i] ?? {};
    check(`rendition ${i} type`, typeName[r.media_type], t.type);
    check(`rendition ${i} group`, r.group_id, t.groupId);
    check(`rendition ${i} name`, r.name, t.name);
    check(`rendition ${i} language`, r.language, t.lang ?? null);
    check(`rendition ${i} url`, r.url ?? '', t.url);
    check(`rendition ${i} default`, r.default, t.default);
    check(`rendition ${i} autoselect`, r.autoselect, t.autoselect);
    check(`rendition ${i} forced`, r.forced, t.forced);
  });
  if (our.content_steering) {
    check('steering url', our.content_steering.server_url, parsed.contentSteering?.uri);
  }
  check('start offset', our.start?.time_offset ?? null, parsed.startTimeOffset);
}

function compareMedia(file, text, our, check) {
  const d = M3U8Parser.parseLevelPlaylist(text, baseFor(file), 0, 'main', 0, null);
  check('error', d.playlistParsingError?.message ?? null, null);
  const skipped = our.skip?.skipped_segments ?? 0;
  check('segment count', skipped + our.segments.length, d.fragments.length);
  check('media sequence', our.media_sequence, d.startSN);
  check('end list', our.end_list, !d.live);
  const total = our.segments.reduce((s, x) => s + x.duration, 0);
  const theirTotal = d.fragments.filter(Boolean).reduce((s, f) => s + f.duration, 0);
  check('total duration', close(total, theirTotal) ? 'equal' : total, close(total, theirTotal) ? 'equal' : theirTotal);
  our.segments.forEach((s, i) => {
    const f = d.fragments[skipped + i] ?? {};
    const at = `segment ${i}`;
    if (!relaxed(file, 'url')) check(`${at} url`, s.url, f.url);
    check(`${at} sn`, our.media_sequence + skipped + i, f.sn);
    check(`${at} discontinuity sequence`, s.discontinuity_sequence, f.cc);
    check(`${at} gap`, s.gap, !!f.gap);
    const range = s.byte_range;
    check(`${at} byte range`,
      range ? `${range.offset}-${range.offset + range.length}` : null,
      f.byteRange?.length ? `${f.byteRange[0]}-${f.byteRange[1]}` : null);
    check(`${at} program date time`, s.program_date_time, f.rawProgramDateTime ?? null);
    if (!relaxed(file, 'map')) {
      const m = s.map;
      const init = f.initSegment;
      check(`${at} map url`, m?.url ?? null, init?.url ?? null);
      check(`${at} map range`,
        m?.byte_range ? `${m.byte_range.offset}-${m.byte_range.offset + m.byte_range.length}` : null,
        init?.byteRange?.length ? `${init.byteRange[0]}-${init.byteRange[1]}` : null);
    }
    const keys = s.keys ?? (s.key ? [s.key] : []);
    const mine = keys
      .map((k) => `${k.keyformat ?? 'identity'} ${k.method} ${k.url} ${ivValue(k.iv)}`)
      .sort();
    const theirKeys = Object.values(f.levelkeys ?? {})
      .filter((k) => k && k.method !== 'NONE')
      .map((k) => `${k.keyFormat} ${methodName(k.method)} ${k.uri} ${ivValue(k.iv)}`)
      .sort();
    check(`${at} keys`, mine.join(' | '), theirKeys.join(' | '));
  });
}

const methodName = (m) =>
  ({ 'AES-128': 'Aes128', 'SAMPLE-AES': 'SampleAes', 'SAMPLE-AES-CTR': 'SampleAesCtr', 'SAMPLE-AES-CENC': 'SampleAesCenc' })[m] ?? m;

for (const file of fixtures) {
  test(file, () => {
    // Browsers strip a UTF-8 BOM when decoding the response; hls.js never sees it.
    const raw = readFileSync(join(fixtureDir, file), 'utf8').replace(/^\uFEFF/, '');
    const text = (ADAPTED[file] ?? ((x) => x))(raw);
    const our = ours(file);
    const diffs = [];
    const check = (what, a, b) => {
      if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) {
        diffs.push(`${what}: ours ${JSON.stringify(a)} hls.js ${JSON.stringify(b)}`);
      }
    };
    const isMedia = M3U8Parser.isMediaPlaylist(text);
    check('kind', our.kind, isMedia ? 'Media' : 'Multivariant');
    if (our.kind === 'Media' && isMedia) compareMedia(file, text, our, check);
    if (our.kind === 'Multivariant' && !isMedia) compareMultivariant(file, text, our, check);
    assert.deepEqual(diffs, [], `${file} differs from hls.js`);
  });
}

test('the corpus is large enough', () => {
  assert.ok(fixtures.length >= 60, `${fixtures.length} fixtures`);
});

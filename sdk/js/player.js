// The Player: the IO of HLS playback (fetch, Media Source Extensions, timers, the video
// element, TextTracks, the stream-URL issuer and resume) around player-core's engine, which
// makes every decision: what to load and when, which level, what to append, evict or retry,
// when to renew a signed URL. The engine is reached through the glue's `PlayerCore`:
// `input(now, kind, nums, text, data)`, `poll()` and `get(key, now)`, numbered as in
// sdk/src/player.rs (the tables below).
import { PlayerCore } from "./flodrama_player.js";
import { ResumeClient, checkApiOptions } from "./resume.js";
import { VideoProxyClient, checkProxyOptions } from "./proxy.js";
import { MediaSink, APPEND, REMOVE, DURATION, OFFSET, EOS } from "./mse.js";
import {
  requireInit,
  describe,
  ensure,
  fail,
  call,
  isObject,
  checkOptions,
  checkString,
  checkNumber,
  checkBoolean,
  registerPlayer,
  Listeners,
  Deadline,
  messageOf,
  listen,
  now,
} from "./util.js";

/** The names `on` takes, in the order of `Events`. */
const EVENT_NAMES = [
  "manifestLoading", "manifestParsed", "levelLoaded", "levelSwitching", "resumeApplied", "levelSwitched",
  "fragLoaded", "fragLoadEmergencyAborted", "fragParsed", "fragParsingMetadata", "fragBuffered", "bufferEos",
  "urlExpired", "error",
  // Alternate audio and subtitle renditions.
  "audioTracksUpdated", "audioTrackSwitching", "audioTrackSwitched",
  "subtitleTracksUpdated", "subtitleTrackSwitch", "subtitleFragProcessed",
];

/**
 * Event names, as in hls.js's `Hls.Events`: each name under its UPPER_SNAKE_CASE key
 * (`fragLoaded` as `FRAG_LOADED`). Made from the list, not spelt twice, to keep the bundle small.
 */
export const Events = Object.freeze(
  Object.fromEntries(EVENT_NAMES.map((name) => [name.replace(/[A-Z]/g, "_$&").toUpperCase(), name])),
);

const PLAYER_EVENTS = new Set(EVENT_NAMES);

// `PlayerCore.input` kinds (sdk/src/player.rs), one constant each so the minifier inlines them.
const IN_SOURCE_OPEN = 0;
const IN_LOAD_COMPLETE = 1;
const IN_LOAD_PROGRESS = 2;
const IN_LOAD_FAILED = 3;
const IN_ADD_TRACK_FAILED = 4;
// 5 to 7 (what a SourceBuffer finished) are mse.js's.
const IN_PLAYHEAD = 8;
const IN_SAMPLE = 9;
const IN_SEEKING = 10;
const IN_MEDIA_EVENT = 11;
const IN_TIMER = 12;
const IN_LOAD = 13;
const IN_RECOVER = 14;
const IN_CURRENT_LEVEL = 15;
const IN_NEXT_LEVEL = 16;
const IN_AUDIO_TRACK = 17;
const IN_SUBTITLE_TRACK = 18;
const IN_URL_ISSUED = 19;
const IN_URL_FAILED = 20;

// `PlayerCore.get` keys (sdk/src/player.rs), one constant each so the minifier inlines them.
const KEY_LEVELS = 0;
const KEY_CURRENT_LEVEL = 2;
const KEY_NEXT_LEVEL = 3;
const KEY_AUDIO_TRACKS = 4;
const KEY_AUDIO_TRACK = 5;
const KEY_SUBTITLE_TRACKS = 6;
const KEY_SUBTITLE_TRACK = 7;
const KEY_AUTO_LEVEL = 8;
const KEY_LATENCY = 9;
const KEY_LIVE_EDGE = 10;
const KEY_BANDWIDTH = 11;
const KEY_STATS = 12;
const KEY_TIMER = 13;

/** Element events fed to the stats (`MEDIA_EVENT`'s first number). */
const MEDIA_EVENTS = { playing: 0, waiting: 1, pause: 2, seeking: 3, ended: 4 };

/** How often the playhead is sampled besides `timeupdate`, milliseconds. */
const PLAYHEAD_SAMPLE_MS = 250;

/** Least time between two progress reports of one load, milliseconds. */
const PROGRESS_MS = 100;

/** Largest body accepted for any load (playlists, keys, segments), bytes. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/** The failure of a load whose body is larger than `MAX_BODY_BYTES`. */
const TOO_LARGE = `the body is larger than ${MAX_BODY_BYTES} bytes`;

/**
 * The bounds of each numeric config field (the engine would clamp silently; here a value out
 * of range is an Error).
 */
const CONFIG_NUMBERS = {
  maxBufferLength: { min: 1 },
  backBufferLength: { min: 0 },
  startLevel: { min: -1, integer: true },
  abrEwmaDefaultEstimate: { min: 1 },
  maxLoadRetries: { min: 0, integer: true },
  retryDelay: { min: 0 },
};

/** Throws unless `config` is a valid `PlayerConfig` (or absent). */
function checkConfig(where, config) {
  const c = checkOptions(where, "config", config);
  for (const [field, bounds] of Object.entries(CONFIG_NUMBERS)) {
    checkNumber(where, `config.${field}`, c[field], { ...bounds, optional: true });
  }
  if (c.resume !== undefined && c.resume !== false) {
    ensure(where, "config.resume", c.resume, isObject(c.resume), "an object or false");
    checkApiOptions(where, "config.resume", c.resume);
  }
  const proxy = c.proxy;
  if (proxy !== undefined && proxy !== null) {
    ensure(where, "config.proxy", proxy, isObject(proxy), "a VideoProxyClient or {apiBase, tokenProvider}");
    if (typeof proxy.getStreamUrl !== "function") checkProxyOptions(where, "config.proxy", proxy);
  }
  return c;
}

/** Throws unless `options` are valid `LoadOptions` (or `source` a valid `ContentSource`). */
function checkLoadOptions(where, name, options) {
  const o = checkOptions(where, name, options);
  for (const field of ["contentId", "quality", "sessionId"]) {
    checkString(where, `${name}.${field}`, o[field], { optional: true, nonEmpty: true });
  }
  checkNumber(where, `${name}.startPosition`, o.startPosition, { optional: true, min: 0 });
  return o;
}

/** `url` as given when absolute (signed URLs stay byte-exact), else resolved against the page. */
function absoluteUrl(where, url) {
  try {
    new URL(url);
    return url;
  } catch {
    try {
      return new URL(url, document.baseURI).href;
    } catch {
      throw fail(where, `${JSON.stringify(url)} is not a valid URL`);
    }
  }
}

/** `{type, details, fatal, message, url}` of a fatal error found outside the engine. */
const fatalError = (type, details, message) => ({ type, details, fatal: true, message, url: null });

/** An HLS player bound to one `<video>` element. */
export class Player {
  /** The engine boundary; null once destroyed. */
  #core;
  #video;
  #listeners = new Listeners(PLAYER_EVENTS, "FloDrama listener threw");
  /** Events waiting to be dispatched once the engine's commands are carried out. */
  #outbox = [];
  #driving = false;
  /** The MediaSource attached to the element. */
  #mse = null;
  /** Loads in flight: request id → AbortController. */
  #fetches = new Map();
  /** When the engine wants time to pass. */
  #deadline = new Deadline(() => {
    this.#input(IN_TIMER, []);
    this.#drive();
  });
  #sampler;
  /** Removes the handlers added to the video element. */
  #unlisten;
  /** The subtitle renditions as the element's TextTracks, by index. */
  #textTracks = [];
  #resume;
  #resumeEnabled;
  /** Something with `getStreamUrl(contentId, quality, sessionId)`, or null. */
  #proxy;
  /** The title whose URL the proxy renews: `{contentId, quality, sessionId}`, or null. */
  #stream = null;
  /** Counts `load` calls, so an answer for an earlier one is dropped. */
  #generation = 0;
  /** The generation the engine plays; behind `#generation` while a load awaits its URL. */
  #playing = 0;

  /** Whether this browser has what the player needs (Media Source Extensions). */
  static isSupported() {
    return typeof MediaSource === "function" && typeof MediaSource.isTypeSupported === "function";
  }

  /** Binds to `video` with `config` (`PlayerConfig`); throws an Error naming the bad argument. */
  constructor(video, config) {
    const where = "new Player";
    requireInit(where);
    const isVideo = typeof HTMLVideoElement === "function" && video instanceof HTMLVideoElement;
    ensure(where, "video", video, isVideo, "an HTMLVideoElement");
    const c = checkConfig(where, config);
    this.#video = video;
    this.#resumeEnabled = c.resume !== false;
    this.#resume = call(where, () => new ResumeClient(isObject(c.resume) ? c.resume : {}));
    const proxy = c.proxy ?? null;
    this.#proxy = proxy === null || typeof proxy.getStreamUrl === "function" ? proxy : call(where, () => new VideoProxyClient(proxy));
    this.#core = call(where, () => new PlayerCore(config));
    const events = ["timeupdate", "seeking", "playing", "waiting", "pause", "ended"];
    this.#unlisten = listen(video, events, (event) => this.#onMediaEvent(event.type));
    this.#sampler = setInterval(() => this.#sample(), PLAYHEAD_SAMPLE_MS);
  }

  /** The engine boundary, or an Error naming `member` once destroyed. */
  #live(member) {
    if (!this.#core) throw fail(`Player.${member}`, "called after destroy()");
    return this.#core;
  }

  /** Loads a playlist URL, or `{contentId}` through `config.proxy`; resumes with a `contentId`. */
  load(source, options) {
    const where = "Player.load";
    this.#live("load");
    if (isObject(source)) {
      checkString(where, "source.contentId", source.contentId, { nonEmpty: true });
      checkLoadOptions(where, "source", source);
      checkLoadOptions(where, "options", options);
      this.#loadContent(where, source);
      return;
    }
    if (typeof source !== "string") {
      throw fail(where, `needs a playlist URL (a string) or {contentId}, got ${describe(source)}`);
    }
    const url = absoluteUrl(where, source);
    const opts = checkLoadOptions(where, "options", options);
    const generation = this.#newTitle(opts);
    if (opts.contentId !== undefined && this.#resumeEnabled && opts.startPosition === undefined) {
      this.#start(generation, null, this.#resume.resolve(opts.contentId), undefined, opts.contentId, url);
    } else {
      this.#begin(url, opts.startPosition);
      this.#drive();
    }
  }

  /** Starts playback; the element's promise. */
  play() {
    this.#live("play");
    return this.#video.play();
  }

  /** Pauses playback. */
  pause() {
    this.#live("pause");
    this.#video.pause();
  }

  /** Moves the playhead to `position` seconds. */
  seek(position) {
    this.#live("seek");
    checkNumber("Player.seek", "position", position, { min: 0 });
    this.#video.currentTime = position;
  }

  /** Attaches a new MediaSource and buffers again from the playhead (hls.js's name). */
  recoverMediaError() {
    const core = this.#live("recoverMediaError");
    this.#attach();
    core.input(now(), IN_RECOVER, []);
    this.#drive();
  }

  /** The title's levels, lowest bitrate first. */
  get levels() {
    return this.#get("levels", KEY_LEVELS);
  }

  /** The video element. */
  get media() {
    this.#live("media");
    return this.#video;
  }

  /** Level of the segments being loaded (-1 before any); setting it switches now. */
  get currentLevel() {
    return this.#get("currentLevel", KEY_CURRENT_LEVEL);
  }

  set currentLevel(level) {
    this.#setLevel("currentLevel", IN_CURRENT_LEVEL, level);
  }

  /** Level asked for the next segments (-1: automatic); setting it switches from the next one. */
  get nextLevel() {
    return this.#get("nextLevel", KEY_NEXT_LEVEL);
  }

  set nextLevel(level) {
    this.#setLevel("nextLevel", IN_NEXT_LEVEL, level);
  }

  /** Whether ABR picks the level. */
  get autoLevelEnabled() {
    return this.#get("autoLevelEnabled", KEY_AUTO_LEVEL);
  }

  /** `autoLevelEnabled`; setting `false` pins the level being loaded. */
  get autoLevel() {
    return this.#get("autoLevel", KEY_AUTO_LEVEL);
  }

  set autoLevel(enabled) {
    const core = this.#live("autoLevel");
    checkBoolean("Player.autoLevel", "the value", enabled);
    if (enabled) {
      this.#command(IN_NEXT_LEVEL, -1);
    } else if (core.get(KEY_AUTO_LEVEL, now())) {
      this.#command(IN_NEXT_LEVEL, Math.max(core.get(KEY_CURRENT_LEVEL, now()), 0));
    }
  }

  /** Live: seconds behind the live edge; NaN for VOD. */
  get latency() {
    return this.#get("latency", KEY_LATENCY);
  }

  /** Live: end of the live window in seconds; NaN for VOD. */
  get liveEdge() {
    return this.#get("liveEdge", KEY_LIVE_EDGE);
  }

  /** Bandwidth estimate, bits per second. */
  get bandwidthEstimate() {
    return this.#get("bandwidthEstimate", KEY_BANDWIDTH);
  }

  /** The engine's figures with the element's buffer and frame counts. */
  stats() {
    const s = this.#get("stats", KEY_STATS);
    const video = this.#video;
    const quality = video.getVideoPlaybackQuality?.();
    const position = video.currentTime;
    let bufferedAhead = 0;
    for (let i = 0; i < video.buffered.length; i++) {
      const start = video.buffered.start(i);
      const end = video.buffered.end(i);
      if (start <= position && position < end) bufferedAhead = end - position;
    }
    return {
      ...s,
      bufferedAhead,
      droppedFrames: quality?.droppedVideoFrames ?? 0,
      decodedFrames: quality?.totalVideoFrames ?? 0,
    };
  }

  // Alternate audio and subtitle renditions.
  get audioTracks() {
    return this.#get("audioTracks", KEY_AUDIO_TRACKS);
  }

  /** The audio rendition playing (-1: none); setting it switches from the playhead on. */
  get audioTrack() {
    return this.#get("audioTrack", KEY_AUDIO_TRACK);
  }

  set audioTrack(id) {
    this.#live("audioTrack");
    checkNumber("Player.audioTrack", "id", id, { min: 0, integer: true });
    this.#command(IN_AUDIO_TRACK, id);
  }

  /** The subtitle renditions. */
  get subtitleTracks() {
    return this.#get("subtitleTracks", KEY_SUBTITLE_TRACKS);
  }

  /** The subtitle rendition shown (-1: none); setting it shows that one. */
  get subtitleTrack() {
    return this.#get("subtitleTrack", KEY_SUBTITLE_TRACK);
  }

  set subtitleTrack(id) {
    this.#live("subtitleTrack");
    checkNumber("Player.subtitleTrack", "id", id, { min: -1, integer: true });
    this.#command(IN_SUBTITLE_TRACK, id);
  }

  /** Calls `listener` on every `event`. */
  on(event, listener) {
    this.#live("on");
    this.#listeners.on("Player.on", event, listener);
  }

  /** Calls `listener` on the next `event` only. */
  once(event, listener) {
    this.#live("once");
    this.#listeners.once("Player.once", event, listener);
  }

  /** Removes `listener` added with `on` or `once`. */
  off(event, listener) {
    this.#live("off");
    this.#listeners.off("Player.off", event, listener);
  }

  /** Stops loading, detaches from the element and frees the engine; later calls throw. */
  destroy() {
    const core = this.#core;
    if (!core) return;
    this.#core = null;
    this.#generation += 1;
    for (const controller of this.#fetches.values()) controller.abort();
    this.#fetches.clear();
    this.#resume.destroy();
    this.#deadline.cancel();
    clearInterval(this.#sampler);
    this.#unlisten();
    if (this.#mse) {
      this.#mse.close();
      this.#mse = null;
      this.#video.removeAttribute("src");
      this.#video.load();
    }
    this.#outbox = [];
    this.#listeners.clear();
    core.free();
  }

  // ---- state and commands ----------------------------------------------------------------

  /** State `key` of the engine, or an Error naming `member` once destroyed. */
  #get(member, key) {
    return this.#live(member).get(key, now());
  }

  /** Gives the engine the call `kind` with the number `value`, then carries out its commands. */
  #command(kind, value) {
    this.#core.input(now(), kind, [value]);
    this.#drive();
  }

  /** Sets `currentLevel`/`nextLevel` (input `kind`) to -1 (automatic) or an existing level. */
  #setLevel(member, kind, level) {
    const where = `Player.${member}`;
    const core = this.#live(member);
    checkNumber(where, "level", level, { min: -1, integer: true });
    const count = core.get(KEY_LEVELS, now()).length;
    if (level >= count) {
      const known = count === 0 ? "no levels are known before manifestParsed" : `levels are 0 to ${count - 1}`;
      throw fail(where, `there is no level ${level}: ${known} (-1 is automatic)`);
    }
    this.#command(kind, level);
  }

  /** Gives the engine `kind` with its arguments (nothing once destroyed). */
  #input(kind, nums, text, data) {
    this.#core?.input(now(), kind, nums, text, data);
  }

  /**
   * Carries out every command of the engine (feeding back what finishes at once), arms the
   * timer, then calls the listeners, with no command half done, so a listener may call back.
   */
  #drive() {
    if (this.#driving || !this.#core) return;
    this.#driving = true;
    try {
      for (let out = this.#core.poll(); out !== undefined; out = this.#core?.poll()) this.#perform(out);
      this.#deadline.set(this.#core.get(KEY_TIMER, now()));
    } finally {
      this.#driving = false;
    }
    const events = this.#outbox;
    this.#outbox = [];
    for (const [name, data] of events) this.#listeners.emit(name, data);
  }

  /** Carries out one command of `PlayerCore.poll` (numbered as there). */
  #perform(out) {
    const mse = this.#mse;
    switch (out.k) {
      case 0:
        this.#startLoad(out);
        break;
      case 1: {
        const controller = this.#fetches.get(out.id);
        this.#fetches.delete(out.id);
        controller?.abort();
        break;
      }
      case 2: {
        const why = mse ? mse.addTrack(out.track, out.mime) : "no MediaSource is attached";
        if (why) this.#input(IN_ADD_TRACK_FAILED, [out.track], why);
        break;
      }
      case APPEND:
      case REMOVE:
      case DURATION:
      case OFFSET:
      case EOS:
        mse?.push(out);
        break;
      case 8:
        this.#video.currentTime = out.value;
        break;
      case 9:
        this.#video.playbackRate = out.value;
        break;
      case 10:
        this.#subtitles(out);
        this.#outbox.push([out.name, out.data]);
        break;
      case 11:
        this.#renew(out.expired);
        break;
    }
  }

  // ---- the video element -------------------------------------------------------------------

  /** An element event: the playhead on `timeupdate`, else seeking and the stats' events. */
  #onMediaEvent(name) {
    const video = this.#video;
    if (name === "timeupdate") {
      this.#input(IN_PLAYHEAD, this.#playhead());
    } else {
      if (name === "seeking") this.#input(IN_SEEKING, [video.currentTime]);
      this.#input(IN_MEDIA_EVENT, [MEDIA_EVENTS[name], video.seeking ? 1 : 0]);
    }
    this.#drive();
  }

  /** `[currentTime, start0, end0, start1, end1, ...]` of the element's buffered ranges. */
  #playhead() {
    const video = this.#video;
    const nums = [video.currentTime];
    for (let i = 0; i < video.buffered.length; i++) nums.push(video.buffered.start(i), video.buffered.end(i));
    return nums;
  }

  /** The playhead, whether it plays, its size in device pixels and its frame counts. */
  #sample() {
    const video = this.#video;
    const ratio = globalThis.devicePixelRatio ?? 1;
    const quality = video.getVideoPlaybackQuality?.();
    this.#input(IN_PLAYHEAD, this.#playhead());
    this.#input(IN_SAMPLE, [
      video.paused ? 1 : 0,
      video.clientWidth * ratio,
      video.clientHeight * ratio,
      quality?.droppedVideoFrames ?? 0,
      quality?.totalVideoFrames ?? 0,
    ]);
    this.#drive();
  }

  /** Replaces the MediaSource with a new one attached to the element. */
  #attach() {
    this.#mse?.close();
    this.#mse = null;
    const report = (kind, nums, text) => this.#input(kind, nums, text);
    try {
      const open = () => {
        this.#input(IN_SOURCE_OPEN, []);
        this.#drive();
      };
      this.#mse = new MediaSink(open, report, () => this.#drive());
      this.#video.src = this.#mse.url;
    } catch (e) {
      this.#outbox.push(["error", fatalError("mediaError", "invalidState", messageOf(e))]);
    }
  }

  /**
   * Carries out a subtitle event: a new title drops the tracks of the last one (a media
   * element cannot remove a TextTrack made with `addTextTrack`: they are disabled), each
   * rendition becomes a TextTrack, the one selected is `showing`, cues are added as parsed.
   */
  #subtitles({ name, data, cues }) {
    if (name === "manifestLoading" || name === "subtitleTracksUpdated") {
      this.#showSubtitles(-1);
      const tracks = name === "manifestLoading" ? [] : data.subtitleTracks;
      this.#textTracks = tracks.map((t) => {
        const track = this.#video.addTextTrack("subtitles", t.name, t.lang);
        track.mode = "disabled";
        return track;
      });
    } else if (name === "subtitleTrackSwitch") {
      this.#showSubtitles(data.id);
    } else if (name === "subtitleFragProcessed") {
      const track = this.#textTracks[data.id];
      for (const c of track ? cues : []) {
        const cue = new VTTCue(c.start, c.end, c.text);
        if (c.id) cue.id = c.id;
        track.addCue(cue);
      }
    }
  }

  /** Shows TextTrack `id` and disables the others (-1: all). */
  #showSubtitles(id) {
    this.#textTracks.forEach((track, i) => {
      track.mode = i === id ? "showing" : "disabled";
    });
  }

  // ---- loads -------------------------------------------------------------------------------

  /** Fetches `{id, url, from, to}` with its byte range; reports progress and the result. */
  #startLoad({ id, url, from, to }) {
    const controller = new AbortController();
    const init = { signal: controller.signal };
    if (from !== undefined) init.headers = { Range: `bytes=${from}-${to}` };
    this.#fetches.set(id, controller);
    this.#fetch(id, url, init, controller).then(([kind, nums, text, data]) => {
      if (this.#fetches.get(id) !== controller) return;
      this.#fetches.delete(id);
      this.#input(kind, nums, text, data);
      this.#drive();
    });
  }

  /**
   * Awaits the response, then reads its body chunk by chunk, reporting progress to the engine
   * (which may abandon the load) at most every `PROGRESS_MS`. Resolves with the input for the
   * engine: `[kind, nums, text, data]`.
   */
  async #fetch(id, url, init, controller) {
    const t0 = now();
    let response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      return [IN_LOAD_FAILED, [id], messageOf(e)];
    }
    const ttfb = now() - t0;
    const length = response.headers.get("content-length");
    const total = length !== null && /^\d+$/.test(length) ? Number(length) : NaN;
    if (total > MAX_BODY_BYTES) return [IN_LOAD_FAILED, [id], TOO_LARGE];
    const chunks = [];
    let loaded = 0;
    if (response.body) {
      const reader = response.body.getReader();
      let reported = now();
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (e) {
          return [IN_LOAD_FAILED, [id], messageOf(e)];
        }
        if (chunk.done) break;
        loaded += chunk.value.length;
        if (loaded > MAX_BODY_BYTES) {
          reader.cancel().catch(() => {});
          return [IN_LOAD_FAILED, [id], TOO_LARGE];
        }
        chunks.push(chunk.value);
        if (now() - reported >= PROGRESS_MS) {
          reported = now();
          if (this.#fetches.get(id) !== controller) {
            reader.cancel().catch(() => {});
            return [IN_LOAD_FAILED, [id], "aborted"];
          }
          this.#input(IN_LOAD_PROGRESS, [id, loaded, total, ttfb]);
          this.#drive();
        }
      }
    }
    const data = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.length;
    }
    return [IN_LOAD_COMPLETE, [id, response.status, ttfb], undefined, data];
  }

  // ---- titles: stream URLs and resume ------------------------------------------------------

  /** Forgets the last title's resume tracking and stream; returns the new load's generation. */
  #newTitle({ contentId, quality, sessionId }) {
    this.#generation += 1;
    this.#resume.untrack();
    this.#stream = contentId !== undefined && this.#proxy ? { contentId, quality, sessionId } : null;
    return this.#generation;
  }

  /** `load({contentId, ...})`: the URL from the proxy, and the resume position, together. */
  #loadContent(where, source) {
    if (!this.#proxy) {
      throw fail(where, "load({contentId}) needs config.proxy (a VideoProxyClient or {apiBase, tokenProvider})");
    }
    const generation = this.#newTitle(source);
    const asked = call(where, () => this.#askProxy());
    const { contentId, startPosition } = source;
    const resolving = this.#resumeEnabled && startPosition === undefined ? this.#resume.resolve(contentId) : null;
    this.#start(generation, asked, resolving, startPosition, contentId, null);
  }

  /** `proxy.getStreamUrl(contentId, quality, sessionId)` of the title played, as a promise. */
  #askProxy() {
    const { contentId, quality, sessionId } = this.#stream;
    return Promise.resolve(this.#proxy.getStreamUrl(contentId, quality, sessionId));
  }

  /**
   * Awaits the stream URL (`asked`, the proxy's promise, or `url` as is) and the resume
   * position (`resolving`), then starts playback unless another `load` came meanwhile.
   */
  async #start(generation, asked, resolving, startPosition, contentId, url) {
    let issued = null;
    let failure = null;
    try {
      issued = await asked;
    } catch (e) {
      failure = e;
    }
    const resolved = resolving ? await resolving.catch(() => null) : undefined;
    if (generation !== this.#generation || !this.#core) return;
    if (failure !== null) {
      this.#outbox.push(["error", fatalError("networkError", "manifestLoadError", `no stream URL: ${messageOf(failure)}`)]);
      this.#drive();
      return;
    }
    const playing = issued ? String(issued.url ?? "") : url;
    const position = resolved !== undefined ? (typeof resolved?.position === "number" ? resolved.position : 0) : startPosition;
    this.#begin(playing, position);
    if (issued) this.#issued(issued);
    if (resolved !== undefined) {
      const source = typeof resolved?.source === "string" ? resolved.source : "none";
      this.#listeners.emit("resumeApplied", { position, source });
      try {
        this.#resume.track(contentId, this.#video);
      } catch (e) {
        console.warn("FloDrama: resume tracking failed", e);
      }
    }
    this.#drive();
  }

  /** Attaches a new MediaSource and starts the engine on `url` (no drive). */
  #begin(url, startPosition) {
    for (const controller of this.#fetches.values()) controller.abort();
    this.#fetches.clear();
    this.#attach();
    this.#playing = this.#generation;
    this.#input(IN_LOAD, [startPosition ?? NaN, this.#stream ? 1 : 0], url);
  }

  /** Gives the engine the proxy's answer `{url, refreshAt}` (no drive). */
  #issued(issued) {
    const refreshAt = issued?.refreshAt;
    const refreshIn = typeof refreshAt === "number" && Number.isFinite(refreshAt) ? refreshAt - Date.now() : NaN;
    this.#input(IN_URL_ISSUED, [refreshIn], String(issued?.url ?? ""));
  }

  /** Asks the proxy for the title's URL again, as the engine said (`expired`: the origin refused it). */
  #renew(expired) {
    const stream = this.#stream;
    // While a new load awaits its URL or resume position, the title playing is on its way out.
    if (!stream || this.#playing !== this.#generation) return;
    if (expired) {
      try {
        this.#proxy.invalidate?.(stream.contentId);
      } catch {
        // A proxy that cannot invalidate is asked anyway.
      }
    }
    const generation = this.#generation;
    let asked;
    try {
      asked = this.#askProxy();
    } catch (e) {
      asked = Promise.reject(e);
    }
    asked.then(
      (issued) => {
        if (generation !== this.#generation) return;
        this.#issued(issued);
        this.#drive();
      },
      (e) => {
        if (generation !== this.#generation) return;
        if (!expired) console.warn("FloDrama: renewing the stream URL failed; retrying", e);
        this.#input(IN_URL_FAILED, [], messageOf(e));
        this.#drive();
      },
    );
  }
}

registerPlayer(Player);

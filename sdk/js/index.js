// The public entry point of @flodrama/player: a thin typed layer over the wasm-bindgen glue.
// It checks every argument before it reaches the glue (which would coerce it silently or fail
// with a message about pointers), refuses calls before `init()` and after `destroy()`, and adds
// `once`, `autoLevel` and the event-name table; every playback decision stays in the wasm.
// The glue's `act(op, ...)`, `get(key)`, `set(key, value)` and `listen(add, name, fn)` each
// stand for several methods (one wasm export instead of one per method: smaller wasm and
// glue); the numbers are documented on the Rust methods of the same names in sdk/src.
import initWasm, {
  Player as WasmPlayer,
  ResumeClient as WasmResumeClient,
  SessionReporter as WasmSessionReporter,
  Transmuxer as WasmTransmuxer,
  inspectPlaylist as wasmInspectPlaylist,
  VideoProxyClient as WasmVideoProxyClient,
} from "./flodrama_player.js";
import {
  markReady,
  requireInit,
  describe,
  fail,
  call,
  rethrown,
  isObject,
  checkOptions,
  checkString,
  checkNumber,
  checkBoolean,
  checkEvent,
  checkListener,
  mediaOf,
  registerPlayer,
  Listeners,
} from "./util.js";

/** Event names, as in hls.js's `Hls.Events` (values are the names `on` takes). */
export const Events = Object.freeze({
  MANIFEST_LOADING: "manifestLoading",
  MANIFEST_PARSED: "manifestParsed",
  LEVEL_LOADED: "levelLoaded",
  LEVEL_SWITCHING: "levelSwitching",
  RESUME_APPLIED: "resumeApplied",
  LEVEL_SWITCHED: "levelSwitched",
  FRAG_LOADED: "fragLoaded",
  FRAG_LOAD_EMERGENCY_ABORTED: "fragLoadEmergencyAborted",
  FRAG_PARSED: "fragParsed",
  FRAG_PARSING_METADATA: "fragParsingMetadata",
  FRAG_BUFFERED: "fragBuffered",
  BUFFER_EOS: "bufferEos",
  URL_EXPIRED: "urlExpired",
  ERROR: "error",
  // Alternate audio and subtitle renditions.
  AUDIO_TRACKS_UPDATED: "audioTracksUpdated",
  AUDIO_TRACK_SWITCHING: "audioTrackSwitching",
  AUDIO_TRACK_SWITCHED: "audioTrackSwitched",
  SUBTITLE_TRACKS_UPDATED: "subtitleTracksUpdated",
  SUBTITLE_TRACK_SWITCH: "subtitleTrackSwitch",
  SUBTITLE_FRAG_PROCESSED: "subtitleFragProcessed",
});

const PLAYER_EVENTS = new Set(Object.values(Events));

// ---- init and argument checks -------------------------------------------------------------

let loading = null;

/**
 * Loads and instantiates the wasm module once; later calls return the same promise. `wasm`
 * overrides where the `.wasm` file comes from (URL, Response, bytes or a compiled module).
 */
export default function init(wasm) {
  loading ??= initWasm(wasm === undefined ? undefined : { module_or_path: wasm }).then(
    () => {
      markReady();
    },
    (e) => {
      loading = null;
      throw new Error(`@flodrama/player: could not load its wasm module: ${e?.message ?? e}`, { cause: e });
    },
  );
  return loading;
}

// ---- Player --------------------------------------------------------------------------------

/**
 * The bounds of each numeric config field (the wasm clamps silently; here a value out of range
 * is an Error). Fields not listed are checked by the wasm or ignored when unknown.
 */
const CONFIG_NUMBERS = {
  maxBufferLength: { min: 1 },
  backBufferLength: { min: 0 },
  startLevel: { min: -1, integer: true },
  abrEwmaDefaultEstimate: { min: 1 },
  maxLoadRetries: { min: 0, integer: true },
  retryDelay: { min: 0 },
};

function checkConfig(where, config) {
  const c = checkOptions(where, "config", config);
  for (const [field, bounds] of Object.entries(CONFIG_NUMBERS)) {
    checkNumber(where, `config.${field}`, c[field], { ...bounds, optional: true });
  }
  if (c.resume !== undefined && c.resume !== false) {
    if (!isObject(c.resume)) throw fail(where, `config.resume must be an object or false, got ${describe(c.resume)}`);
    for (const field of ["apiBase", "token", "user"]) {
      checkString(where, `config.resume.${field}`, c.resume[field], { optional: true });
    }
  }
  if (c.proxy !== undefined && c.proxy !== null) {
    if (!isObject(c.proxy) && !(c.proxy instanceof VideoProxyClient)) {
      throw fail(where, `config.proxy must be a VideoProxyClient or {apiBase, tokenProvider}, got ${describe(c.proxy)}`);
    }
    if (typeof c.proxy.getStreamUrl !== "function") checkProxyOptions(where, "config.proxy", c.proxy);
  }
}

/** An HLS player bound to one `<video>` element. */
export class Player {
  /** The glue object; null once destroyed (the glue frees it when it is collected). */
  #wasm;
  #listeners = new Listeners(PLAYER_EVENTS);

  /** Whether this browser has what the player needs (Media Source Extensions). */
  static isSupported() {
    return typeof MediaSource === "function" && typeof MediaSource.isTypeSupported === "function";
  }

  constructor(video, config) {
    const where = "new Player";
    requireInit(where);
    if (typeof HTMLVideoElement !== "function" || !(video instanceof HTMLVideoElement)) {
      throw fail(where, `video must be an HTMLVideoElement, got ${describe(video)}`);
    }
    checkConfig(where, config);
    this.#wasm = call(where, () => new WasmPlayer(video, config));
  }

  /** The glue object, or an Error naming `member` once destroyed. */
  #live(member) {
    if (!this.#wasm) throw fail(`Player.${member}`, "called after destroy()");
    return this.#wasm;
  }

  load(source, options) {
    const where = "Player.load";
    const wasm = this.#live("load");
    if (typeof source === "string") {
      try {
        new URL(source, document.baseURI);
      } catch {
        throw fail(where, `${JSON.stringify(source)} is not a valid URL`);
      }
    } else if (isObject(source)) {
      checkString(where, "source.contentId", source.contentId, { nonEmpty: true });
      checkString(where, "source.quality", source.quality, { optional: true, nonEmpty: true });
      checkString(where, "source.sessionId", source.sessionId, { optional: true, nonEmpty: true });
      checkNumber(where, "source.startPosition", source.startPosition, { optional: true, min: 0 });
    } else {
      throw fail(where, `needs a playlist URL (a string) or {contentId}, got ${describe(source)}`);
    }
    const opts = checkOptions(where, "options", options);
    checkString(where, "options.contentId", opts.contentId, { optional: true, nonEmpty: true });
    checkString(where, "options.quality", opts.quality, { optional: true, nonEmpty: true });
    checkString(where, "options.sessionId", opts.sessionId, { optional: true, nonEmpty: true });
    checkNumber(where, "options.startPosition", opts.startPosition, { optional: true, min: 0 });
    call(where, () => wasm.load(source, options));
  }

  play() {
    const wasm = this.#live("play");
    return call("Player.play", () => wasm.act(0));
  }

  pause() {
    const wasm = this.#live("pause");
    call("Player.pause", () => wasm.act(1));
  }

  seek(position) {
    const wasm = this.#live("seek");
    checkNumber("Player.seek", "position", position, { min: 0 });
    call("Player.seek", () => wasm.set(12, position));
  }

  recoverMediaError() {
    const wasm = this.#live("recoverMediaError");
    call("Player.recoverMediaError", () => wasm.act(2));
  }

  // Properties are read and written through the glue's `get(key)`/`set(key, value)`, keys
  // numbered as in `Player::get` (sdk/src/player.rs): one export each instead of one per
  // property.
  #get(member, key) {
    return this.#live(member).get(key);
  }

  get levels() {
    return this.#get("levels", 0);
  }

  get media() {
    return this.#get("media", 1);
  }

  get currentLevel() {
    return this.#get("currentLevel", 2);
  }

  set currentLevel(level) {
    this.#setLevel("currentLevel", 2, level);
  }

  get nextLevel() {
    return this.#get("nextLevel", 3);
  }

  set nextLevel(level) {
    this.#setLevel("nextLevel", 3, level);
  }

  get autoLevelEnabled() {
    return this.#get("autoLevelEnabled", 8);
  }

  get autoLevel() {
    return this.#get("autoLevel", 8);
  }

  set autoLevel(enabled) {
    const wasm = this.#live("autoLevel");
    checkBoolean("Player.autoLevel", "the value", enabled);
    if (enabled) {
      wasm.set(3, -1);
    } else if (wasm.get(8)) {
      wasm.set(3, Math.max(wasm.get(2), 0));
    }
  }

  get latency() {
    return this.#get("latency", 9);
  }

  get liveEdge() {
    return this.#get("liveEdge", 10);
  }

  get bandwidthEstimate() {
    return this.#get("bandwidthEstimate", 11);
  }

  stats() {
    return this.#get("stats", 12);
  }

  // Alternate audio and subtitle renditions.
  get audioTracks() {
    return this.#get("audioTracks", 4);
  }

  get audioTrack() {
    return this.#get("audioTrack", 5);
  }

  set audioTrack(id) {
    this.#live("audioTrack").set(5, id);
  }

  get subtitleTracks() {
    return this.#get("subtitleTracks", 6);
  }

  get subtitleTrack() {
    return this.#get("subtitleTrack", 7);
  }

  set subtitleTrack(id) {
    this.#live("subtitleTrack").set(7, id);
  }

  on(event, listener) {
    this.#listeners.on("Player.on", this.#live("on"), event, listener);
  }

  once(event, listener) {
    this.#listeners.once("Player.once", this.#live("once"), event, listener);
  }

  off(event, listener) {
    this.#listeners.off("Player.off", this.#live("off"), event, listener);
  }

  destroy() {
    const wasm = this.#wasm;
    if (!wasm) return;
    this.#wasm = null;
    this.#listeners.clear();
    wasm.act(3);
  }

  /** Sets `currentLevel`/`nextLevel` (glue key `key`) to -1 (automatic) or an existing level. */
  #setLevel(member, key, level) {
    const where = `Player.${member}`;
    const wasm = this.#live(member);
    checkNumber(where, "level", level, { min: -1, integer: true });
    const count = wasm.get(0).length;
    if (level >= count) {
      const known = count === 0 ? "no levels are known before manifestParsed" : `levels are 0 to ${count - 1}`;
      throw fail(where, `there is no level ${level}: ${known} (-1 is automatic)`);
    }
    call(where, () => wasm.set(key, level));
  }
}

registerPlayer(Player);

// ---- WatchParty ----------------------------------------------------------------------------

export { WatchParty } from "./party.js";

/** Lets `SessionReporter.begin` call the constructor and nobody else. */
const INTERNAL = Symbol("internal");

// ---- ResumeClient and SessionReporter -----------------------------------------------------

function checkApiOptions(where, options, { token = false } = {}) {
  const opts = token ? options : checkOptions(where, "options", options);
  if (token && !isObject(opts)) throw fail(where, `options must be an object, got ${describe(opts)}`);
  checkString(where, "options.apiBase", opts.apiBase, { optional: true });
  checkString(where, "options.token", opts.token, { optional: !token, nonEmpty: token });
  checkString(where, "options.user", opts.user, { optional: true });
  return opts;
}

/** Resume positions for one user: local storage plus `/api/resume/{contentId}`. */
export class ResumeClient {
  #wasm;

  constructor(options) {
    const where = "new ResumeClient";
    requireInit(where);
    const opts = checkApiOptions(where, options);
    this.#wasm = call(where, () => new WasmResumeClient(opts));
  }

  #live(member) {
    if (!this.#wasm) throw fail(`ResumeClient.${member}`, "called after destroy()");
    return this.#wasm;
  }

  setToken(token) {
    const wasm = this.#live("setToken");
    checkString("ResumeClient.setToken", "token", token, { optional: true });
    wasm.act(3, token ?? undefined);
  }

  resolve(contentId, duration) {
    const where = "ResumeClient.resolve";
    try {
      const wasm = this.#live("resolve");
      checkString(where, "contentId", contentId, { nonEmpty: true });
      checkNumber(where, "duration", duration, { optional: true, min: 0 });
      return wasm.resolve(contentId, duration ?? undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  track(contentId, media) {
    const where = "ResumeClient.track";
    const wasm = this.#live("track");
    checkString(where, "contentId", contentId, { nonEmpty: true });
    const element = mediaOf(where, "media", media);
    call(where, () => wasm.track(contentId, element));
  }

  untrack() {
    this.#live("untrack").act(0);
  }

  flush() {
    try {
      return this.#live("flush").act(1);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  pending() {
    return this.#live("pending").act(2);
  }

  destroy() {
    const wasm = this.#wasm;
    if (!wasm) return;
    this.#wasm = null;
    wasm.act(0);
  }
}

/** Reports one viewing session's QoE to `POST /api/sessions`. */
export class SessionReporter {
  #wasm;
  #finished = false;

  static begin(options, contentId, media) {
    const where = "SessionReporter.begin";
    requireInit(where);
    const opts = checkApiOptions(where, options, { token: true });
    checkString(where, "contentId", contentId, { nonEmpty: true });
    const element = mediaOf(where, "media", media);
    const wasm = call(where, () => WasmSessionReporter.begin(opts, contentId, element));
    return new SessionReporter(INTERNAL, wasm);
  }

  constructor(internal, wasm) {
    if (internal !== INTERNAL) throw new Error("new SessionReporter: use `SessionReporter.begin(options, contentId, media)`");
    this.#wasm = wasm;
  }

  #open(member) {
    if (this.#finished) throw fail(`SessionReporter.${member}`, "called after finish()");
    return this.#wasm;
  }

  bitrate(bps) {
    const wasm = this.#open("bitrate");
    checkNumber("SessionReporter.bitrate", "bps", bps, { min: 0 });
    wasm.act(0, bps);
  }

  error(code) {
    const wasm = this.#open("error");
    checkString("SessionReporter.error", "code", code, { nonEmpty: true });
    wasm.act(1, 0, code);
  }

  qoe() {
    return this.#wasm.act(3, 0);
  }

  get sessionId() {
    return this.#wasm.act(4, 0) ?? null;
  }

  finish() {
    if (this.#finished) return;
    this.#finished = true;
    this.#wasm.act(2, 0);
  }
}

// ---- tools ---------------------------------------------------------------------------------

/** player-core's MPEG-TS → fMP4 transmuxer on its own. */
export class Transmuxer {
  #wasm;

  constructor() {
    requireInit("new Transmuxer");
    this.#wasm = new WasmTransmuxer();
  }

  pushSegment(data, discontinuity) {
    const where = "Transmuxer.pushSegment";
    if (!this.#wasm) throw fail(where, "called after destroy()");
    let bytes = data;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    if (!(bytes instanceof Uint8Array)) throw fail(where, `data must be a Uint8Array or an ArrayBuffer, got ${describe(data)}`);
    const discontinuous = checkBoolean(where, "discontinuity", discontinuity, { optional: true });
    const wasm = this.#wasm;
    return call(where, () => wasm.pushSegment(bytes, discontinuous));
  }

  destroy() {
    const wasm = this.#wasm;
    this.#wasm = null;
    wasm?.free();
  }
}

/** Parses playlist `text` fetched from `url` and summarises it. */
export function inspectPlaylist(text, url) {
  const where = "inspectPlaylist";
  requireInit(where);
  checkString(where, "text", text);
  checkString(where, "url", url, { nonEmpty: true });
  return call(where, () => wasmInspectPlaylist(text, url));
}

// ---- VideoProxyClient (presigned URLs) ----------------------------------------------------

function checkProxyOptions(where, name, options) {
  if (!isObject(options)) throw fail(where, `${name} must be an object, got ${describe(options)}`);
  checkString(where, `${name}.apiBase`, options.apiBase, { optional: true });
  if (typeof options.tokenProvider !== "function") {
    throw fail(where, `${name}.tokenProvider must be a function giving the bearer token, got ${describe(options.tokenProvider)}`);
  }
  checkString(where, `${name}.customExpiryParam`, options.customExpiryParam, { optional: true, nonEmpty: true });
  if (options.fetch !== undefined && options.fetch !== null && typeof options.fetch !== "function") {
    throw fail(where, `${name}.fetch must be a function, got ${describe(options.fetch)}`);
  }
}

/**
 * Signed stream URLs from the API's `POST /api/stream-url`, cached per (title, quality, token)
 * and renewed ahead of expiry. Give it to `new Player(video, { proxy })` and play with
 * `player.load({ contentId })`.
 */
export class VideoProxyClient {
  #wasm;

  constructor(options) {
    const where = "new VideoProxyClient";
    requireInit(where);
    checkProxyOptions(where, "options", options);
    this.#wasm = call(where, () => new WasmVideoProxyClient(options));
  }

  getStreamUrl(contentId, quality, sessionId) {
    const where = "VideoProxyClient.getStreamUrl";
    try {
      checkString(where, "contentId", contentId, { nonEmpty: true });
      checkString(where, "quality", quality, { optional: true, nonEmpty: true });
      checkString(where, "sessionId", sessionId, { optional: true, nonEmpty: true });
      return this.#wasm.getStreamUrl(contentId, quality ?? undefined, sessionId ?? undefined);
    } catch (e) {
      return Promise.reject(rethrown(where, e));
    }
  }

  invalidate(contentId) {
    const where = "VideoProxyClient.invalidate";
    checkString(where, "contentId", contentId, { nonEmpty: true });
    call(where, () => this.#wasm.invalidate(contentId));
  }
}

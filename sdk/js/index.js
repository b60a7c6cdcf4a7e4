// The public entry point of @flodrama/player: a thin typed layer over the wasm-bindgen glue.
// It checks every argument before it reaches the glue (which would coerce it silently or fail
// with a message about pointers), refuses calls before `init()` and after `destroy()`, and adds
// `once`, `autoLevel` and the event-name table; every playback decision stays in the wasm.
// The glue's `act(op, ...)`, `get(key)`, `set(key, value)` and `listen(add, name, fn)` each
// stand for several methods (one wasm export instead of one per method: smaller wasm and
// glue); the numbers are documented on the Rust methods of the same names in sdk/src.
import initWasm, {
  Player as WasmPlayer,
  Transmuxer as WasmTransmuxer,
  inspectPlaylist as wasmInspectPlaylist,
} from "./flodrama_player.js";
import { ResumeClient, SessionReporter } from "./resume.js";
import { VideoProxyClient, checkProxyOptions } from "./proxy.js";
import {
  markReady,
  requireInit,
  describe,
  fail,
  call,
  isObject,
  checkOptions,
  checkString,
  checkNumber,
  checkBoolean,
  registerPlayer,
  Listeners,
} from "./util.js";

export { ResumeClient, SessionReporter, VideoProxyClient };

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
  /** The `ResumeClient` made from `config.resume`, or null. */
  #resume = null;
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
    // The wasm player calls the clients' public methods: `resolve`, `track` and `untrack` of
    // the ResumeClient, `getStreamUrl` and `invalidate` of the proxy.
    const c = config ?? {};
    const resume = c.resume === false ? null : new ResumeClient(c.resume);
    const proxy = c.proxy == null || typeof c.proxy.getStreamUrl === "function" ? c.proxy : new VideoProxyClient(c.proxy);
    try {
      this.#wasm = call(where, () => new WasmPlayer(video, { ...c, resume, proxy }));
    } catch (e) {
      resume?.destroy();
      throw e;
    }
    this.#resume = resume;
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
    this.#resume?.destroy();
    this.#resume = null;
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

// The public entry point of @flodrama/player: a thin typed layer over the wasm-bindgen glue,
// and the Player (player.js), whose IO is JS around the engine in the wasm. It checks every
// argument before it reaches the glue (which would coerce it silently or fail with a message
// about pointers), refuses calls before `init()` and after `destroy()`, and adds `once`,
// `autoLevel` and the event-name table; every playback decision stays in the wasm.
// The glue's `act(op, ...)`, `get(key)`, `set(key, value)` and `listen(add, name, fn)` each
// stand for several methods (one wasm export instead of one per method: smaller wasm and
// glue); the numbers are documented on the Rust methods of the same names in sdk/src.
import initWasm, {
  ResumeClient as WasmResumeClient,
  SessionReporter as WasmSessionReporter,
  Transmuxer as WasmTransmuxer,
  WatchParty as WasmWatchParty,
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
  Listeners,
} from "./util.js";

/** The events of a `WatchParty`. */
const PARTY_EVENTS = new Set([
  "joined", "members", "chat", "state", "sync", "settings", "muted", "banned", "error", "close",
]);

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

// ---- Player ------------------------------------------------------------------------------

export { Events, Player } from "./player.js";

// ---- WatchParty ----------------------------------------------------------------------------

/** Lets `WatchParty.join` call the constructor and nobody else. */
const INTERNAL = Symbol("internal");

/** A member of a watch-party room, attached to a video element. */
export class WatchParty {
  /** The glue object; null once left. */
  #wasm;
  #listeners = new Listeners(PARTY_EVENTS);

  /** Joins the room at `url` (`ws(s):`, `http(s):` or relative); resolves once welcomed. */
  static join(url, options) {
    const where = "WatchParty.join";
    try {
      requireInit(where);
      checkString(where, "url", url, { nonEmpty: true });
      if (!isObject(options)) throw fail(where, `options must be an object, got ${describe(options)}`);
      const player = mediaOf(where, "options.player", options.player, { video: true });
      const name = checkString(where, "options.name", options.name, { nonEmpty: true });
      const token = checkString(where, "options.token", options.token, { optional: true });
      const joining = call(where, () => WasmWatchParty.join(url, { player, name, token }));
      return joining.then(
        (wasm) => new WatchParty(INTERNAL, wasm),
        (e) => {
          throw rethrown(where, e);
        },
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  constructor(internal, wasm) {
    if (internal !== INTERNAL) throw new Error("new WatchParty: use `await WatchParty.join(url, options)`");
    this.#wasm = wasm;
  }

  #live(member) {
    if (!this.#wasm) throw fail(`WatchParty.${member}`, "called after leave()");
    return this.#wasm;
  }

  play() {
    const wasm = this.#live("play");
    call("WatchParty.play", () => wasm.act(4));
  }

  pause() {
    const wasm = this.#live("pause");
    call("WatchParty.pause", () => wasm.act(5));
  }

  seek(position) {
    const wasm = this.#live("seek");
    checkNumber("WatchParty.seek", "position", position, { min: 0 });
    call("WatchParty.seek", () => wasm.act(6, position));
  }

  send(text) {
    const wasm = this.#live("send");
    checkString("WatchParty.send", "text", text, { nonEmpty: true });
    call("WatchParty.send", () => wasm.act(7, 0, text));
  }

  mute(member, durationS, reason) {
    const where = "WatchParty.mute";
    const wasm = this.#live("mute");
    checkNumber(where, "member", member, { min: 0, integer: true });
    checkNumber(where, "durationS", durationS, { min: 0, optional: true });
    checkString(where, "reason", reason, { optional: true });
    call(where, () => wasm.act(0, member, reason ?? undefined, durationS ?? undefined));
  }

  unmute(member) {
    const wasm = this.#live("unmute");
    checkNumber("WatchParty.unmute", "member", member, { min: 0, integer: true });
    call("WatchParty.unmute", () => wasm.act(1, member));
  }

  ban(member, reason) {
    const wasm = this.#live("ban");
    checkNumber("WatchParty.ban", "member", member, { min: 0, integer: true });
    checkString("WatchParty.ban", "reason", reason, { optional: true });
    call("WatchParty.ban", () => wasm.act(2, member, reason ?? undefined));
  }

  makeHost(member) {
    const wasm = this.#live("makeHost");
    checkNumber("WatchParty.makeHost", "member", member, { min: 0, integer: true });
    call("WatchParty.makeHost", () => wasm.act(3, member));
  }

  setHostOnlyControl(enabled) {
    const wasm = this.#live("setHostOnlyControl");
    checkBoolean("WatchParty.setHostOnlyControl", "enabled", enabled);
    call("WatchParty.setHostOnlyControl", () => wasm.act(8, enabled ? 1 : 0));
  }

  // Read through the glue's `get(key)`, keys numbered as in `WatchParty::get`
  // (sdk/src/party.rs).
  get id() {
    return this.#live("id").get(0) ?? null;
  }

  get sync() {
    return this.#live("sync").get(1);
  }

  get state() {
    return this.#live("state").get(2);
  }

  get stats() {
    return this.#live("stats").get(3);
  }

  serverTime() {
    return this.#live("serverTime").get(4) ?? null;
  }

  on(event, listener) {
    this.#listeners.on("WatchParty.on", this.#live("on"), event, listener);
  }

  once(event, listener) {
    this.#listeners.once("WatchParty.once", this.#live("once"), event, listener);
  }

  off(event, listener) {
    this.#listeners.off("WatchParty.off", this.#live("off"), event, listener);
  }

  leave() {
    const wasm = this.#wasm;
    if (!wasm) return;
    this.#wasm = null;
    this.#listeners.clear();
    wasm.act(9, 0);
  }
}

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

// The public entry point of @flodrama/player: a thin typed layer over the wasm-bindgen glue.
// It checks arguments that the glue cannot describe well and adds `once`, `autoLevel` and the
// event-name table; every playback decision stays in the wasm engine.
import initWasm, { Player as WasmPlayer } from "./flodrama_player.js";

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
  ERROR: "error",
  // Alternate audio and subtitle renditions.
  AUDIO_TRACKS_UPDATED: "audioTracksUpdated",
  AUDIO_TRACK_SWITCHING: "audioTrackSwitching",
  AUDIO_TRACK_SWITCHED: "audioTrackSwitched",
  SUBTITLE_TRACKS_UPDATED: "subtitleTracksUpdated",
  SUBTITLE_TRACK_SWITCH: "subtitleTrackSwitch",
  SUBTITLE_FRAG_PROCESSED: "subtitleFragProcessed",
});

const EVENT_NAMES = new Set(Object.values(Events));

let loading = null;
let ready = false;

/**
 * Loads and instantiates the wasm module once; later calls return the same promise. `wasm`
 * overrides where the `.wasm` file comes from (URL, Response, bytes or a compiled module).
 */
export default function init(wasm) {
  loading ??= initWasm(wasm === undefined ? undefined : { module_or_path: wasm }).then(
    () => {
      ready = true;
    },
    (e) => {
      loading = null;
      throw new Error(`@flodrama/player: could not load its wasm module: ${e?.message ?? e}`, { cause: e });
    },
  );
  return loading;
}

function checkEvent(method, event) {
  if (!EVENT_NAMES.has(event)) {
    const got = typeof event === "string" ? JSON.stringify(event) : typeof event;
    throw new Error(`${method}(event, listener): unknown event ${got}; known: ${[...EVENT_NAMES].join(", ")}`);
  }
}

function checkListener(method, listener) {
  if (typeof listener !== "function") {
    throw new Error(`${method}(event, listener) needs a function, got ${listener === null ? "null" : typeof listener}`);
  }
}

/** An HLS player bound to one `<video>` element. */
export class Player {
  #wasm;
  /** Per event: the listener given to `once` → the wrapper registered for it. */
  #once = new Map();

  /** Whether this browser has what the player needs (Media Source Extensions). */
  static isSupported() {
    return typeof MediaSource === "function" && typeof MediaSource.isTypeSupported === "function";
  }

  constructor(video, config) {
    if (!ready) {
      throw new Error("@flodrama/player: call `await init()` before `new Player()`");
    }
    this.#wasm = new WasmPlayer(video, config);
  }

  load(source, options) {
    this.#wasm.load(source, options);
  }

  play() {
    return this.#wasm.play();
  }

  recoverMediaError() {
    this.#wasm.recoverMediaError();
  }

  pause() {
    this.#wasm.pause();
  }

  seek(seconds) {
    this.#wasm.seek(seconds);
  }

  get levels() {
    return this.#wasm.levels;
  }

  get media() {
    return this.#wasm.media;
  }

  get currentLevel() {
    return this.#wasm.currentLevel;
  }

  set currentLevel(level) {
    this.#wasm.currentLevel = level;
  }

  get nextLevel() {
    return this.#wasm.nextLevel;
  }

  set nextLevel(level) {
    this.#wasm.nextLevel = level;
  }

  get autoLevelEnabled() {
    return this.#wasm.autoLevelEnabled;
  }

  get autoLevel() {
    return this.#wasm.autoLevelEnabled;
  }

  set autoLevel(enabled) {
    if (typeof enabled !== "boolean") {
      throw new Error(`autoLevel must be a boolean, got ${enabled === null ? "null" : typeof enabled}`);
    }
    if (enabled) {
      this.#wasm.nextLevel = -1;
    } else if (this.#wasm.autoLevelEnabled) {
      this.#wasm.nextLevel = Math.max(this.#wasm.currentLevel, 0);
    }
  }

  get latency() {
    return this.#wasm.latency;
  }

  get liveEdge() {
    return this.#wasm.liveEdge;
  }

  get bandwidthEstimate() {
    return this.#wasm.bandwidthEstimate;
  }

  // Alternate audio and subtitle renditions.
  get audioTracks() {
    return this.#wasm.audioTracks;
  }

  get audioTrack() {
    return this.#wasm.audioTrack;
  }

  set audioTrack(id) {
    this.#wasm.audioTrack = id;
  }

  get subtitleTracks() {
    return this.#wasm.subtitleTracks;
  }

  get subtitleTrack() {
    return this.#wasm.subtitleTrack;
  }

  set subtitleTrack(id) {
    this.#wasm.subtitleTrack = id;
  }

  on(event, listener) {
    checkEvent("on", event);
    checkListener("on", listener);
    this.#wasm.on(event, listener);
  }

  once(event, listener) {
    checkEvent("once", event);
    checkListener("once", listener);
    let byListener = this.#once.get(event);
    if (!byListener) {
      byListener = new Map();
      this.#once.set(event, byListener);
    }
    const wrapper = (payload) => {
      byListener.delete(listener);
      try {
        this.#wasm.off(event, wrapper);
      } catch {
        // Destroyed by an earlier listener: its listeners are already gone.
      }
      listener(payload);
    };
    this.#forget(event, listener);
    byListener.set(listener, wrapper);
    this.#wasm.on(event, wrapper);
  }

  off(event, listener) {
    checkEvent("off", event);
    checkListener("off", listener);
    this.#forget(event, listener);
    this.#wasm.off(event, listener);
  }

  destroy() {
    this.#once.clear();
    this.#wasm.destroy();
  }

  /** Removes the `once` wrapper of `listener`, if any. */
  #forget(event, listener) {
    const wrapper = this.#once.get(event)?.get(listener);
    if (wrapper) {
      this.#once.get(event).delete(listener);
      this.#wasm.off(event, wrapper);
    }
  }
}

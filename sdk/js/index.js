// The public entry point of @flodrama/player. Each class lives in a module of its own that
// does the IO in JS and asks a thin wasm class for every decision (player-core makes them):
// `Player` (player.js, with mse.js), `WatchParty` (party.js), `ResumeClient` and
// `SessionReporter` (resume.js), `VideoProxyClient` (proxy.js). This file loads the wasm
// (`init`) and wraps the two pure tools, `Transmuxer` and `inspectPlaylist`. Every module
// checks its arguments before they reach the glue (which would coerce them silently or fail
// with a message about pointers) and refuses calls before `init()` and after `destroy()`.
import initWasm, {
  Transmuxer as WasmTransmuxer,
  inspectPlaylist as wasmInspectPlaylist,
} from "./flodrama_player.js";
import { ResumeClient, SessionReporter } from "./resume.js";
import { VideoProxyClient } from "./proxy.js";
import {
  markReady,
  requireInit,
  ensure,
  fail,
  call,
  checkString,
  checkBoolean,
} from "./util.js";

export { ResumeClient, SessionReporter, VideoProxyClient };

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
    ensure(where, "data", data, bytes instanceof Uint8Array, "a Uint8Array or an ArrayBuffer");
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

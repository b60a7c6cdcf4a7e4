// Shared by the modules of @flodrama/player: the init state, argument checks that turn bad
// input into an `Error` naming the call, and `on`/`once`/`off` bookkeeping.

let ready = false;

/** Called by `init()` once the wasm module is instantiated. */
export function markReady() {
  ready = true;
}

/** Throws unless `init()` has finished. */
export function requireInit(where) {
  if (!ready) throw new Error(`${where}: call \`await init()\` first (the wasm module is not loaded yet)`);
}

/** A short description of a value for error messages. */
export function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
    case "bigint":
      return `the ${typeof value} ${String(value)}`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      return typeof Element === "function" && value instanceof Element
        ? `a <${value.localName}> element`
        : `an object (${value.constructor?.name ?? "no prototype"})`;
  }
}

/** An `Error` whose message starts with `where`. */
export function fail(where, message) {
  return new Error(`${where}: ${message}`);
}

/** Runs `fn`, turning whatever the glue throws into an `Error` whose message starts with `where`. */
export function call(where, fn) {
  try {
    return fn();
  } catch (e) {
    throw rethrown(where, e);
  }
}

/** `e` as an `Error` whose message starts with `where` (itself when it already does). */
export function rethrown(where, e) {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && message.startsWith(`${where}:`)) return e;
  return new Error(`${where}: ${message}`, { cause: e });
}

/** Whether `value` is a non-array object. */
export const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

/** `value` when it is an options object, `{}` when absent; throws otherwise. */
export function checkOptions(where, name, value) {
  if (value !== undefined && value !== null && !isObject(value)) {
    throw fail(where, `${name} must be an object, got ${describe(value)}`);
  }
  return value ?? {};
}

/** `value` when it is a string (non-empty if asked); throws otherwise. */
export function checkString(where, name, value, { optional = false, nonEmpty = false } = {}) {
  if (optional && (value === undefined || value === null)) return undefined;
  if (typeof value !== "string" || (nonEmpty && value.length === 0)) {
    throw fail(where, `${name} must be a ${nonEmpty ? "non-empty " : ""}string, got ${describe(value)}`);
  }
  return value;
}

/** `value` when it is a finite number within the bounds; throws otherwise. */
export function checkNumber(where, name, value, { min = -Infinity, integer = false, optional = false } = {}) {
  if (optional && (value === undefined || value === null)) return undefined;
  const ok = typeof value === "number" && Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
  if (!ok) {
    const what = integer ? "an integer" : "a finite number";
    const bound = min === -Infinity ? "" : ` (at least ${min})`;
    throw fail(where, `${name} must be ${what}${bound}, got ${describe(value)}`);
  }
  return value;
}

/** `value` when it is a boolean (`false` when optional and absent); throws otherwise. */
export function checkBoolean(where, name, value, { optional = false } = {}) {
  if (optional && value === undefined) return false;
  if (typeof value !== "boolean") throw fail(where, `${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** Throws unless `event` is one of `events`. */
export function checkEvent(where, events, event) {
  if (!events.has(event)) {
    const got = typeof event === "string" ? JSON.stringify(event) : describe(event);
    throw fail(where, `unknown event ${got}; known: ${[...events].join(", ")}`);
  }
}

/** Throws unless `listener` is a function. */
export function checkListener(where, listener) {
  if (typeof listener !== "function") throw fail(where, `listener must be a function, got ${describe(listener)}`);
}

/** The media element of `value`: an `HTMLMediaElement` itself or a `Player`'s `media`. */
export function mediaOf(where, name, value, { video = false } = {}) {
  const type = video ? "HTMLVideoElement" : "HTMLMediaElement";
  const Type = globalThis[type];
  if (typeof Type === "function") {
    if (value instanceof Type) return value;
    if (isPlayer(value)) return value.media;
  }
  throw fail(where, `${name} must be an ${type} or a Player, got ${describe(value)}`);
}

/** The `Player` class, registered by index.js (this module cannot import it: a cycle). */
let playerClass = null;

/** Registers the `Player` class that `mediaOf` accepts. */
export function registerPlayer(cls) {
  playerClass = cls;
}

const isPlayer = (value) => playerClass !== null && value instanceof playerClass;
/**
 * `on`/`once`/`off` over a glue object's `on(name, fn)`/`off(name, fn)`: checks the event name
 * and the listener, and remembers the wrappers `once` registers so `off` can remove them.
 */
export class Listeners {
  #events;
  /** Per event: the listener given to `once` → the wrapper registered for it. */
  #once = new Map();

  constructor(events) {
    this.#events = events;
  }

  on(where, wasm, event, listener) {
    checkEvent(where, this.#events, event);
    checkListener(where, listener);
    wasm.listen(true, event, listener);
  }

  once(where, wasm, event, listener) {
    checkEvent(where, this.#events, event);
    checkListener(where, listener);
    this.#forget(wasm, event, listener);
    let byListener = this.#once.get(event);
    if (!byListener) {
      byListener = new Map();
      this.#once.set(event, byListener);
    }
    const wrapper = (payload) => {
      if (byListener.get(listener) !== wrapper) return;
      byListener.delete(listener);
      try {
        wasm.listen(false, event, wrapper);
      } catch {
        // Destroyed by an earlier listener: its listeners are gone already.
      }
      listener(payload);
    };
    byListener.set(listener, wrapper);
    wasm.listen(true, event, wrapper);
  }

  off(where, wasm, event, listener) {
    checkEvent(where, this.#events, event);
    checkListener(where, listener);
    this.#forget(wasm, event, listener);
    wasm.listen(false, event, listener);
  }

  clear() {
    this.#once.clear();
  }

  #forget(wasm, event, listener) {
    const wrapper = this.#once.get(event)?.get(listener);
    if (wrapper) {
      this.#once.get(event).delete(listener);
      wasm.listen(false, event, wrapper);
    }
  }
}

/**
 * The message of a thrown value: `name: message` for a DOMException, the message of an error
 * (any object with a string `message`), else a description of the value.
 */
export function messageOf(e) {
  if (typeof DOMException === "function" && e instanceof DOMException) return `${e.name}: ${e.message}`;
  return typeof e?.message === "string" ? e.message : describe(e);
}

/** The longest delay `setTimeout` takes before it fires at once instead, ms. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * One `setTimeout` for a state machine's next deadline (a `performance.now()` time): re-armed
 * only when the deadline changes, never fired before it; `fire` runs when it is reached.
 */
export class Deadline {
  #fire;
  #timer;
  #at;

  constructor(fire) {
    this.#fire = fire;
  }

  /** Waits for `at`; for nothing when `at` is `undefined` or NaN. */
  set(at) {
    const next = Number.isNaN(at) ? undefined : at;
    if (next === this.#at) return;
    this.cancel();
    this.#at = next;
    if (next === undefined) return;
    const delay = Math.min(Math.max(Math.ceil(next - performance.now()), 0), MAX_DELAY_MS);
    this.#timer = setTimeout(() => {
      this.#at = undefined;
      this.#fire();
    }, delay);
  }

  /** Forgets the deadline. */
  cancel() {
    clearTimeout(this.#timer);
    this.#at = undefined;
  }
}

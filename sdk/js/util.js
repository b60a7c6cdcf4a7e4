// Shared by the modules of @flodrama/player: the init state, argument checks that turn bad
// input into an `Error` naming the call, and the listeners of events.

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
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  switch (type) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
    case "bigint":
      return `the ${type} ${String(value)}`;
    case "function":
    case "symbol":
      return `a ${type}`;
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

/**
 * Runs `fn`, turning whatever the glue throws into an `Error` whose message starts with `where`
 * (an `Error` whose message does already is thrown as it is).
 */
export function call(where, fn) {
  try {
    return fn();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof Error && message.startsWith(`${where}:`)) throw e;
    throw new Error(`${where}: ${message}`, { cause: e });
  }
}

/** `apiBase` without its trailing slashes ("" for the page's origin). */
export const baseOf = (apiBase) => (apiBase ?? "").replace(/\/+$/, "");

/** Whether `value` is a non-array object. */
export const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

/** `value` when `ok`; else throws "`where`: `name` must be `what`, got …" (`value` described). */
export function ensure(where, name, value, ok, what) {
  if (!ok) throw fail(where, `${name} must be ${what}, got ${describe(value)}`);
  return value;
}

/** `value` when it is a non-array object; throws otherwise. */
export function checkObject(where, name, value) {
  return ensure(where, name, value, isObject(value), "an object");
}

/** `value` when it is an options object, `{}` when absent; throws otherwise. */
export function checkOptions(where, name, value) {
  return value === undefined || value === null ? {} : checkObject(where, name, value);
}

/** `value` when it is a string (non-empty if asked); throws otherwise. */
export function checkString(where, name, value, { optional = false, nonEmpty = false } = {}) {
  if (optional && (value === undefined || value === null)) return undefined;
  const ok = typeof value === "string" && !(nonEmpty && value.length === 0);
  return ensure(where, name, value, ok, `a ${nonEmpty ? "non-empty " : ""}string`);
}

/** `value` when it is a finite number within the bounds; throws otherwise. */
export function checkNumber(where, name, value, { min = -Infinity, integer = false, optional = false } = {}) {
  if (optional && (value === undefined || value === null)) return undefined;
  const ok = typeof value === "number" && Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
  const bound = min === -Infinity ? "" : ` (at least ${min})`;
  return ensure(where, name, value, ok, `${integer ? "an integer" : "a finite number"}${bound}`);
}

/** `value` when it is a boolean (`false` when optional and absent); throws otherwise. */
export function checkBoolean(where, name, value, { optional = false } = {}) {
  if (optional && value === undefined) return false;
  return ensure(where, name, value, typeof value === "boolean", "a boolean");
}

/** The media element of `value`: an `HTMLMediaElement` itself or a `Player`'s `media`. */
export function mediaOf(where, name, value, { video = false } = {}) {
  const type = video ? "HTMLVideoElement" : "HTMLMediaElement";
  const Type = globalThis[type];
  const ok = typeof Type === "function" && (value instanceof Type || isPlayer(value));
  ensure(where, name, value, ok, `an ${type} or a Player`);
  return isPlayer(value) ? value.media : value;
}

/** The `Player` class, registered by index.js (this module cannot import it: a cycle). */
let playerClass = null;

/** Registers the `Player` class that `mediaOf` accepts. */
export function registerPlayer(cls) {
  playerClass = cls;
}

const isPlayer = (value) => playerClass !== null && value instanceof playerClass;
/**
 * The listeners of an object's events: `on`/`once`/`off` check the event name and the
 * listener; `emit` calls them in the order added. Shared by `Player` and `WatchParty`.
 */
export class Listeners {
  #events;
  /** What `console.error` says when a listener throws. */
  #label;
  /** `[event, listener, once]` in the order added. */
  #all = [];

  constructor(events, label) {
    this.#events = events;
    this.#label = label;
  }

  /** Calls `listener` on every `event`. */
  on(where, event, listener) {
    this.#check(where, event, listener);
    this.#all.push([event, listener, false]);
  }

  /** Calls `listener` on the next `event` only (replacing an earlier `once` of it). */
  once(where, event, listener) {
    this.#check(where, event, listener);
    this.#remove(event, listener, true);
    this.#all.push([event, listener, true]);
  }

  /** Removes `listener` added with `on` or `once`. */
  off(where, event, listener) {
    this.#check(where, event, listener);
    this.#remove(event, listener, false);
  }

  /**
   * Calls the listeners of `event` with `payload`, as registered when it starts (a `once`
   * listener removed meanwhile is skipped); one that throws is logged and does not stop the
   * others.
   */
  emit(event, payload) {
    for (const entry of this.#all.slice()) {
      const [name, listener, once] = entry;
      if (name !== event) continue;
      if (once) {
        if (!this.#all.includes(entry)) continue;
        this.#all = this.#all.filter((e) => e !== entry);
      }
      try {
        listener(payload);
      } catch (e) {
        console.error(this.#label, e);
      }
    }
  }

  /** Forgets every listener. */
  clear() {
    this.#all = [];
  }

  #check(where, event, listener) {
    if (!this.#events.has(event)) {
      const got = typeof event === "string" ? JSON.stringify(event) : describe(event);
      throw fail(where, `unknown event ${got}; known: ${[...this.#events].join(", ")}`);
    }
    ensure(where, "listener", listener, typeof listener === "function", "a function");
  }

  /** Removes the registrations of `listener` for `event` (only its `once` one when `onlyOnce`). */
  #remove(event, listener, onlyOnce) {
    this.#all = this.#all.filter(([n, l, once]) => n !== event || l !== listener || (onlyOnce && !once));
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

/**
 * Adds `handler` for each event of `types` on `target` (nothing where `target` or its
 * `addEventListener` is missing, e.g. `document` in a worker); returns what removes them.
 */
export function listen(target, types, handler) {
  for (const type of types) target?.addEventListener?.(type, handler);
  return () => {
    for (const type of types) target?.removeEventListener?.(type, handler);
  };
}

/** The monotonic clock the state machines are driven with, milliseconds. */
export const now = () => performance.now();

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
    const delay = Math.min(Math.max(Math.ceil(next - now()), 0), MAX_DELAY_MS);
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

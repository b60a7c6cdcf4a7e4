// Media Source Extensions for the Player: one MediaSource, a SourceBuffer per track, and a
// single queue of operations run one at a time, each started when the previous one's
// `updateend` fired. What to append, remove or evict is decided by player-core's engine; this
// module only carries it out and reports back.
import { messageOf } from "./util.js";

/** Names of the tracks, by their number at the engine boundary (`PlayerCore`, sdk/src/player.rs). */
const TRACK_NAMES = ["main", "audio"];

// The commands of `PlayerCore.poll` (sdk/src/player.rs) this module carries out, as they come
// (`{k, ...}`): the engine's objects are queued as they are, with no copy in another shape.
/** `{track, data}`: append the bytes. */
export const APPEND = 3;
/** `{track, start, end}`: remove the range, seconds. */
export const REMOVE = 4;
/** `{value}`: the MediaSource's duration, seconds. */
export const DURATION = 5;
/** `{track, value}`: the SourceBuffer's timestampOffset, seconds. */
export const OFFSET = 6;
/** `{}`: endOfStream. */
export const EOS = 7;

// The `PlayerCore.input` kinds of what finished, reported as `report(kind, nums, text)`.
/** `[track]`: an append finished. */
const IN_APPENDED = 5;
/** `[track, quotaExceeded ? 1 : 0]` and the message: an append failed. */
const IN_APPEND_FAILED = 6;
/** `[track]`: a removal finished (or could not be made). */
const IN_REMOVED = 7;

/**
 * Runs `fn`, ignoring what it throws: a setter of a SourceBuffer removed or a MediaSource
 * closed meanwhile (the element moved on; the engine hears of it otherwise).
 */
function quietly(fn) {
  try {
    fn();
  } catch {
    // See above.
  }
}

/**
 * The MediaSource attached to a media element and its SourceBuffers.
 *
 * `report(kind, nums, text)` receives what finished as the engine's input (`IN_APPENDED`,
 * `IN_APPEND_FAILED`, `IN_REMOVED`); `onOpen()` is called on `sourceopen`. Reports made from a
 * browser event are followed by `settle()`, so the caller can drive the engine once for all of
 * them.
 */
export class MediaSink {
  /** The `blob:` URL to give the media element. */
  url;
  #source;
  /** Per track: its SourceBuffer. */
  #buffers = new Map();
  #queue = [];
  /** The operation waiting for `updateend` (an `APPEND` or `REMOVE` command). */
  #running = null;
  /** Set by a SourceBuffer `error` event, read at the `updateend` that follows. */
  #decodeError = false;
  /** An append refused with QuotaExceededError, made again right after the next removal. */
  #blocked = null;
  #report;
  #settle;

  /**
   * Creates the MediaSource; throws an `Error` when the browser has no MSE.
   * @param {() => void} onOpen
   * @param {(kind: number, nums: number[], text?: string) => void} report
   * @param {() => void} settle
   */
  constructor(onOpen, report, settle) {
    if (typeof MediaSource !== "function") throw new Error("this browser has no Media Source Extensions");
    this.#source = new MediaSource();
    this.url = URL.createObjectURL(this.#source);
    this.#report = report;
    this.#settle = settle;
    this.#source.onsourceopen = onOpen;
  }

  /** Creates the SourceBuffer of `track`; returns why it could not, or null. */
  addTrack(track, mime) {
    if (!MediaSource.isTypeSupported(mime)) return `${mime} is not supported`;
    let sb;
    try {
      sb = this.#source.addSourceBuffer(mime);
    } catch (e) {
      return `addSourceBuffer(${mime}) failed: ${messageOf(e)}`;
    }
    sb.onupdateend = () => {
      this.#updateEnd();
      this.#settle();
    };
    sb.onerror = () => {
      this.#decodeError = true;
    };
    this.#buffers.set(track, sb);
    return null;
  }

  /**
   * Queues a command (`APPEND`, `REMOVE`, `OFFSET`, `DURATION` or `EOS`). While an append
   * waits after a QuotaExceededError (the engine answered it with a removal), the removal goes
   * first and the same bytes are appended right after it.
   */
  push(op) {
    if (op.k === REMOVE && this.#blocked) {
      this.#queue.unshift(op, this.#blocked);
      this.#blocked = null;
    } else {
      this.#queue.push(op);
    }
    this.#pump();
  }

  /** Detaches every handler and revokes the URL. */
  close() {
    this.#source.onsourceopen = null;
    for (const sb of this.#buffers.values()) {
      sb.onupdateend = null;
      sb.onerror = null;
    }
    this.#queue = [];
    URL.revokeObjectURL(this.url);
  }

  /** A SourceBuffer's `updateend`: reports the running operation and starts the next ones. */
  #updateEnd() {
    const running = this.#running;
    this.#running = null;
    if (running?.k === APPEND) {
      if (this.#decodeError) {
        this.#decodeError = false;
        this.#report(IN_APPEND_FAILED, [running.track, 0], "the browser could not decode the appended media");
      } else {
        this.#report(IN_APPENDED, [running.track]);
      }
    } else if (running?.k === REMOVE) {
      this.#report(IN_REMOVED, [running.track]);
    }
    this.#pump();
  }

  /** Whether an operation runs (ours, or one the browser has not finished). */
  #updating() {
    if (this.#running) return true;
    for (const sb of this.#buffers.values()) if (sb.updating) return true;
    return false;
  }

  /** Starts queued operations until one has to wait for `updateend`. */
  #pump() {
    while (!this.#updating() && !this.#blocked && this.#queue.length > 0) {
      const op = this.#queue.shift();
      const { track } = op;
      const sb = this.#buffers.get(track);
      const open = this.#source.readyState === "open";
      switch (op.k) {
        case APPEND:
          if (!sb) {
            this.#report(IN_APPEND_FAILED, [track, 0], `no SourceBuffer for the ${TRACK_NAMES[track]} track`);
            break;
          }
          try {
            sb.appendBuffer(op.data);
            this.#running = op;
          } catch (e) {
            const quota = e?.name === "QuotaExceededError";
            if (quota) this.#blocked = op;
            this.#report(IN_APPEND_FAILED, [track, quota ? 1 : 0], messageOf(e));
          }
          break;
        case REMOVE:
          try {
            sb.remove(op.start, op.end);
            this.#running = op;
          } catch {
            this.#report(IN_REMOVED, [track]);
          }
          break;
        case OFFSET:
          if (sb) quietly(() => (sb.timestampOffset = op.value));
          break;
        case DURATION:
          if (open) quietly(() => (this.#source.duration = op.value));
          break;
        default:
          if (open) quietly(() => this.#source.endOfStream());
      }
    }
  }
}

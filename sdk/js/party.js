// The watch party's IO: the public `WatchParty` owns the room's WebSocket, the video element's
// events, its presented frames (requestVideoFrameCallback), a 250 ms sampler and one timer.
// Every decision (protocol parsing and validation, clock sync, drift control, when to report
// ready or stalled) is player-core's `Member`, reached through the wasm class `PartyMember`
// (sdk/src/party.rs): each happening goes in with `input(now, kind, a, b, c, text)`, and what
// the member wants done comes out of `poll(now)` as `{kind, ...}`. The numbers below mirror
// the ones documented in sdk/src/party.rs; change both together.
import { PartyMember } from "./flodrama_player.js";
import {
  requireInit,
  fail,
  call,
  checkObject,
  checkString,
  checkNumber,
  checkBoolean,
  mediaOf,
  listen,
  now,
  Listeners,
  Deadline,
} from "./util.js";

/** The events of a `WatchParty`. */
const PARTY_EVENTS = new Set([
  "joined", "members", "chat", "state", "sync", "settings", "muted", "banned", "error", "close",
]);

// `PartyMember.input` kinds.
const IN_SERVER_TEXT = 0;
const IN_PLAYER = 1;
const IN_FRAME = 2;
const IN_TIMEOUT = 3;
const IN_PLAY = 4;
const IN_PAUSE = 5;
const IN_SEEK = 6;
const IN_CHAT = 7;
const IN_HOST_ONLY = 8;
const IN_MUTE = 9;
const IN_UNMUTE = 10;
const IN_BAN = 11;
const IN_MAKE_HOST = 12;

// Flags of an `IN_PLAYER` input.
const PAUSED = 1;
const SEEKING = 2;
const WAITING = 4;

// `PartyMember.poll` output kinds.
const OUT_SEND = 0;
const OUT_PLAY = 1;
const OUT_PAUSE = 2;
const OUT_SEEK = 3;
const OUT_RATE = 4;

// `PartyMember.get` keys.
const GET_ID = 0;
const GET_SYNC = 1;
const GET_STATE = 2;
const GET_STATS = 3;
const GET_TIMEOUT = 4;

/** How often the element is observed besides its own events, ms. */
const SAMPLE_MS = 250;
/** The element's events that are observations for the member. */
const VIDEO_EVENTS = ["play", "pause", "seeking", "seeked", "timeupdate", "waiting", "playing", "canplay"];
const SOCKET_EVENTS = ["open", "message", "close"];

/** Lets `WatchParty.join` call the constructor and nobody else. */
const INTERNAL = Symbol("internal");

/**
 * `url` resolved against the page, with `http(s):` mapped to `ws(s):`; throws an `Error`
 * naming `where` when it is not a URL or its scheme cannot carry a WebSocket.
 */
function socketUrl(where, url) {
  let parsed;
  try {
    parsed = new URL(url, globalThis.location?.href);
  } catch {
    throw fail(where, `${JSON.stringify(url)} is not a URL`);
  }
  const scheme = { "http:": "ws:", "https:": "wss:", "ws:": "ws:", "wss:": "wss:" }[parsed.protocol];
  if (!scheme) throw fail(where, `${parsed.protocol} URLs cannot carry a WebSocket`);
  parsed.protocol = scheme;
  return parsed.href;
}

/** A member of a watch-party room, attached to a video element. */
export class WatchParty {
  /** player-core's member behind the wasm boundary; freed by `leave()`. */
  #member;
  #socket;
  #video;
  #listeners = new Listeners(PARTY_EVENTS, "watch party listener threw");
  /** Messages produced before the socket opened. */
  #unsent = [];
  /** The member's next timeout. */
  #deadline = new Deadline(() => this.#input(IN_TIMEOUT));
  #sampler;
  /** Remove the handlers added to the socket and the element. */
  #unlisten;
  /** `waiting` fired and `playing` has not since. */
  #waiting = false;
  /** `resolve` and `reject` of the promise `join` returned, until welcomed or closed. */
  #join;
  /** The connection is over (left, or closed by the server): the IO has stopped. */
  #closed = false;
  /** `leave()` was called: every member throws. */
  #left = false;

  /** Joins the room at `url` (`ws(s):`, `http(s):` or relative); resolves once welcomed. */
  static join(url, options) {
    const where = "WatchParty.join";
    try {
      requireInit(where);
      checkString(where, "url", url, { nonEmpty: true });
      checkObject(where, "options", options);
      const video = mediaOf(where, "options.player", options.player, { video: true });
      const name = checkString(where, "options.name", options.name, { nonEmpty: true });
      const token = checkString(where, "options.token", options.token, { optional: true });
      const href = socketUrl(where, url);
      return new Promise((resolve, reject) => {
        call(where, () => new WatchParty(INTERNAL, { href, video, name, token, resolve, reject }));
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Connects and starts observing the element; only `join` may call it. */
  constructor(internal, { href, video, name, token, resolve, reject } = {}) {
    if (internal !== INTERNAL) throw new Error("new WatchParty: use `await WatchParty.join(url, options)`");
    this.#socket = new WebSocket(href);
    this.#video = video;
    this.#member = new PartyMember(name, token);
    this.#join = { resolve, reject };
    this.#unlisten = [listen(this.#socket, SOCKET_EVENTS, this.#onSocket), listen(video, VIDEO_EVENTS, this.#onVideo)];
    this.#sampler = setInterval(() => this.#observe(), SAMPLE_MS);
    this.#requestFrame();
    this.#drive();
  }

  /** Asks the room to play. */
  play() {
    this.#open("play");
    this.#input(IN_PLAY);
  }

  /** Asks the room to pause. */
  pause() {
    this.#open("pause");
    this.#input(IN_PAUSE);
  }

  /** Asks the room to move to `position` seconds. */
  seek(position) {
    const where = this.#open("seek");
    this.#input(IN_SEEK, checkNumber(where, "position", position, { min: 0 }));
  }

  /** Sends a chat line. */
  send(text) {
    const where = this.#open("send");
    this.#input(IN_CHAT, NaN, NaN, NaN, checkString(where, "text", text, { nonEmpty: true }));
  }

  /** Host: mutes `member`'s chat for `durationS` seconds (until unmuted when absent). */
  mute(member, durationS, reason) {
    const where = this.#open("mute");
    checkNumber(where, "member", member, { min: 0, integer: true });
    checkNumber(where, "durationS", durationS, { min: 0, optional: true });
    checkString(where, "reason", reason, { optional: true });
    this.#input(IN_MUTE, member, durationS ?? NaN, NaN, reason ?? undefined);
  }

  /** Host: lifts `member`'s mute. */
  unmute(member) {
    this.#input(IN_UNMUTE, this.#memberId("unmute", member));
  }

  /** Host: removes `member` and keeps it out of the room. */
  ban(member, reason) {
    this.#memberId("ban", member);
    checkString("WatchParty.ban", "reason", reason, { optional: true });
    this.#input(IN_BAN, member, NaN, NaN, reason ?? undefined);
  }

  /** Host: hands the host role to `member`. */
  makeHost(member) {
    this.#input(IN_MAKE_HOST, this.#memberId("makeHost", member));
  }

  /** Host: whether only the host may play, pause and seek. */
  setHostOnlyControl(enabled) {
    const where = this.#open("setHostOnlyControl");
    this.#input(IN_HOST_ONLY, checkBoolean(where, "enabled", enabled) ? 1 : 0);
  }

  /** Own member id, null before the welcome. */
  get id() {
    return this.#get("id", GET_ID) ?? null;
  }

  /** The clock-sync estimate `{offset, rtt, error}` in ms, null before any sample. */
  get sync() {
    return this.#get("sync", GET_SYNC);
  }

  /** The latest group state `{seq, phase, position, at, resume}`, null before the welcome. */
  get state() {
    return this.#get("state", GET_STATE);
  }

  /** Corrections so far: `{seeks, correctiveSeeks, rateChanges}`. */
  get stats() {
    return this.#get("stats", GET_STATS);
  }

  /** The server clock now (ms), from the local clock and the sync offset; null before any sample. */
  serverTime() {
    const time = now();
    const sync = this.#get("serverTime", GET_SYNC, time);
    return sync ? time + sync.offset : null;
  }

  /** Calls `listener(payload)` on every `event`. */
  on(event, listener) {
    this.#open("on");
    this.#listeners.on("WatchParty.on", event, listener);
  }

  /** Calls `listener(payload)` on the next `event` only. */
  once(event, listener) {
    this.#open("once");
    this.#listeners.once("WatchParty.once", event, listener);
  }

  /** Removes `listener` added with `on` or `once`. */
  off(event, listener) {
    this.#open("off");
    this.#listeners.off("WatchParty.off", event, listener);
  }

  /**
   * Leaves the room: closes the connection, detaches from the element and restores its
   * playback rate. Any later call throws.
   */
  leave() {
    if (this.#left) return;
    this.#left = true;
    this.#listeners.clear();
    this.#socket.close(1000, "left");
    this.#teardown("left");
    this.#member.free();
  }

  /** Throws an `Error` naming `member` after `leave()`. */
  #live(member) {
    if (this.#left) throw fail(`WatchParty.${member}`, "called after leave()");
  }

  /**
   * For calls that need a live connection: throws after leave or close; returns
   * `WatchParty.<member>` for the messages of the argument checks.
   */
  #open(member) {
    this.#live(member);
    const where = `WatchParty.${member}`;
    if (this.#closed) throw fail(where, "this WatchParty has left its room; join again");
    return where;
  }

  /** The `member` argument of the host's call `name` (a member id), checked. */
  #memberId(name, member) {
    return checkNumber(this.#open(name), "member", member, { min: 0, integer: true });
  }

  /** The member's state `key` at local time `time`. */
  #get(member, key, time = now()) {
    this.#live(member);
    return this.#member.get(key, time);
  }

  /** Gives the member one input at the current time, then carries out its outputs. */
  #input(kind, a = NaN, b = NaN, c = NaN, text) {
    this.#member.input(now(), kind, a, b, c, text);
    this.#drive();
  }

  /**
   * Carries out everything the member asked for (media commands at once, so the next
   * observation sees them), re-arms the timer, then calls the listeners of the events heard,
   * with the loop done so that a listener may call back into the party.
   */
  #drive() {
    const events = [];
    for (let out; !this.#closed && (out = this.#member.poll(now())) !== undefined; ) {
      const video = this.#video;
      switch (out.kind) {
        case OUT_SEND:
          if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(out.text);
          else this.#unsent.push(out.text);
          break;
        case OUT_PLAY:
          // A refused autoplay shows up as the element staying paused.
          video.play()?.catch(() => {});
          break;
        case OUT_PAUSE:
          video.pause();
          break;
        case OUT_SEEK:
          video.currentTime = out.value;
          break;
        case OUT_RATE:
          video.preservesPitch = true;
          video.playbackRate = out.value;
          break;
        default:
          if (out.name === "joined") {
            this.#join?.resolve(this);
            this.#join = null;
          }
          events.push(out);
      }
    }
    this.#deadline.set(this.#closed ? undefined : this.#member.get(GET_TIMEOUT, 0));
    for (const { name, data } of events) this.#listeners.emit(name, data);
  }

  /** Tells the member the element's state. */
  #observe() {
    const video = this.#video;
    const flags = (video.paused ? PAUSED : 0) | (video.seeking ? SEEKING : 0) | (this.#waiting ? WAITING : 0);
    this.#input(IN_PLAYER, video.currentTime, flags, video.readyState);
  }

  /** Asks for the next presented frame where `requestVideoFrameCallback` exists. */
  #requestFrame() {
    this.#video.requestVideoFrameCallback?.(this.#onFrame);
  }

  /** A presented frame: its media time and when it was shown. */
  #onFrame = (callbackTime, metadata) => {
    if (this.#closed) return;
    const field = (key) => (Number.isFinite(metadata?.[key]) ? metadata[key] : undefined);
    const mediaTime = field("mediaTime");
    if (mediaTime !== undefined) {
      this.#input(IN_FRAME, mediaTime, field("presentationTime") ?? field("expectedDisplayTime") ?? callbackTime);
    }
    this.#requestFrame();
  };

  /** The element's events: each is an observation; `waiting`/`playing` track buffering. */
  #onVideo = (event) => {
    if (event.type === "waiting") this.#waiting = true;
    else if (event.type === "playing") this.#waiting = false;
    this.#observe();
  };

  /** The socket's events: flush on open, frames to the member, the end on close. */
  #onSocket = (event) => {
    if (event.type === "open") {
      for (const text of this.#unsent.splice(0)) this.#socket.send(text);
    } else if (event.type === "message") {
      if (typeof event.data !== "string") return;
      const refused = this.#member.input(now(), IN_SERVER_TEXT, NaN, NaN, NaN, event.data);
      if (refused) console.warn("watch party: frame dropped:", refused.message);
      this.#drive();
    } else {
      const code = typeof event.code === "number" ? event.code : 1006;
      const reason = typeof event.reason === "string" ? event.reason : "";
      this.#teardown(reason || `connection closed (${code})`);
      this.#listeners.emit("close", { code, reason });
    }
  };

  /** Stops every IO; a pending join is rejected with `reason`. */
  #teardown(reason) {
    if (this.#closed) return;
    this.#closed = true;
    this.#join?.reject(fail("WatchParty.join", reason));
    this.#join = null;
    this.#deadline.cancel();
    clearInterval(this.#sampler);
    for (const unlisten of this.#unlisten) unlisten();
    this.#video.playbackRate = 1;
  }
}

// ResumeClient and SessionReporter: the storage, fetch, timer and event IO of resuming titles and
// of viewing-session reports. Every decision is the wasm's (sdk/src/resume.rs, which documents
// the kinds numbered below): `ResumeCore` tracks the playhead (when to save), merges the local
// and the server record (last writer wins), applies the 10 s / 95 % / last-30 s rules and keeps
// the upload queue; `QoeCore` measures a session and says when a heartbeat is due.
//
// Storage keys: `flodrama.resume.<user>.<contentId>` (the record) and
// `flodrama.resume-queue.<user>` (`{contentId: record}` not yet acknowledged by the server).
import { QoeCore, ResumeCore } from "./flodrama_player.js";
import { baseOf, checkObject, checkOptions, checkNumber, checkString, fail, listen, mediaOf, now, requireInit } from "./util.js";

// ResumeCore.input kinds.
const TRACK = 0;
const UNTRACK = 1;
const PLAYHEAD = 2;
const PLAYING = 3;
const PAUSED = 4;
const SEEKED = 5;
const DURATION = 6;
const ENDED = 7;
const HIDDEN = 8;
const PAGEHIDE = 9;
const RESOLVE = 10;
const QUEUE = 11;
const OFFER = 12;
const ACKNOWLEDGE = 13;
const KEEP = 14;

/** The tracking input of each media event. */
const TRACKED_EVENTS = {
  timeupdate: PLAYHEAD,
  playing: PLAYING,
  pause: PAUSED,
  seeked: SEEKED,
  durationchange: DURATION,
  ended: ENDED,
};

/** QoeCore.input kinds of the media events a session is measured from. */
const QOE_EVENTS = { playing: 0, waiting: 1, pause: 2, seeking: 2, ended: 3 };
const QOE_BITRATE = 4;
const QOE_ERROR = 5;

/** Period of the queue replay while records are queued, milliseconds. */
const REPLAY_MS = 5_000;

/** How often a session checks whether a heartbeat is due, milliseconds. */
const HEARTBEAT_CHECK_MS = 1_000;

/**
 * `options` (named `name` in messages) of `new ResumeClient` (also the Player's
 * `config.resume`) or `SessionReporter.begin` (with its required token).
 */
export function checkApiOptions(where, name, options, { token = false } = {}) {
  const opts = (token ? checkObject : checkOptions)(where, name, options);
  checkString(where, `${name}.apiBase`, opts.apiBase, { optional: true });
  checkString(where, `${name}.token`, opts.token, { optional: !token, nonEmpty: token });
  checkString(where, `${name}.user`, opts.user, { optional: true });
  return opts;
}

/** A request with the bearer `token` and, when given, a JSON `body`. */
function send(url, method, token, body, keepalive = false) {
  const headers = { authorization: `Bearer ${token}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = body;
  }
  if (keepalive) init.keepalive = true;
  return fetch(url, init);
}

/** `localStorage`, or null where there is none (a worker, or storage disabled). */
function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** The text stored under `key`, `undefined` when none. */
function read(key) {
  try {
    return storage()?.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Stores `text` under `key` (removes the key when `text` is undefined). */
function write(key, text) {
  try {
    if (text === undefined) storage()?.removeItem(key);
    else storage()?.setItem(key, text);
  } catch {
    // A full or disabled storage loses only the local copy; the queue may still hold it.
  }
}

/**
 * Resume positions for one user: `localStorage` plus `GET/PUT /api/resume/{contentId}`. Saves
 * go to storage at once and to an upload queue, replayed now, on `online` and every 5 s until
 * it is empty.
 */
export class ResumeClient {
  #core;
  #apiBase;
  #token;
  #user;
  /** The title tracked: `{contentId, unlisten}`, or null. */
  #tracked = null;
  #flushing = false;
  /** The replay interval while records are queued. */
  #replay = null;
  /** Removes the `online` handler. */
  #unlisten;
  #destroyed = false;

  constructor(options) {
    const where = "new ResumeClient";
    requireInit(where);
    const opts = checkApiOptions(where, "options", options);
    this.#core = new ResumeCore();
    this.#apiBase = baseOf(opts.apiBase);
    this.#token = opts.token || null;
    this.#user = opts.user || "anonymous";
    // Held weakly, so a client dropped without destroy() can still be collected.
    const client = new WeakRef(this);
    this.#unlisten = listen(globalThis, ["online"], () => client.deref()?.#flushSoon());
  }

  #live(member) {
    if (this.#destroyed) throw fail(`ResumeClient.${member}`, "called after destroy()");
  }

  /** Replaces the bearer token (e.g. after a refresh) and uploads the queue with it. */
  setToken(token) {
    this.#live("setToken");
    checkString("ResumeClient.setToken", "token", token, { optional: true });
    this.#token = token || null;
    this.#flushSoon();
  }

  /** Where to start `contentId`: `Promise<{position, source, record}>`. */
  resolve(contentId, duration) {
    const where = "ResumeClient.resolve";
    try {
      this.#live("resolve");
      checkString(where, "contentId", contentId, { nonEmpty: true });
      checkNumber(where, "duration", duration, { optional: true, min: 0 });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#resolve(contentId, duration ?? NaN);
  }

  async #resolve(contentId, duration) {
    // The requests start after the caller's synchronous code, as they did from the wasm: a page
    // calling `video.play()` right after `player.load()` must see its element still without a
    // source when an unreachable API answers (Chrome rejects a play() pending on an element
    // whose source arrives before its resource selection has settled).
    await null;
    const local = read(this.#recordKey(contentId));
    // Without a token, or with the server unreachable, the local record alone decides.
    const server = this.#token ? await this.#serverRecord(contentId, this.#token) : undefined;
    const r = this.#core.input(now(), RESOLVE, duration, local, server);
    if (r.store) write(this.#recordKey(contentId), r.record);
    if (r.upload) this.#offer(contentId, r.record);
    this.#flushSoon();
    return { position: r.position, source: r.source, record: r.record === null ? null : JSON.parse(r.record) };
  }

  /** The server's record of `contentId` (JSON text), `undefined` on any failure. */
  async #serverRecord(contentId, token) {
    try {
      const response = await send(this.#url(contentId), "GET", token);
      return response.ok ? await response.text() : undefined;
    } catch {
      return undefined;
    }
  }

  /** Saves the playhead of `media` for `contentId` from now on, replacing earlier tracking. */
  track(contentId, media) {
    const where = "ResumeClient.track";
    this.#live("track");
    checkString(where, "contentId", contentId, { nonEmpty: true });
    const video = mediaOf(where, "media", media);
    this.#untrack();
    const core = this.#core;
    core.input(now(), TRACK, Date.now() - now());
    if (Number.isFinite(video.duration)) core.input(now(), DURATION, video.duration);
    const onMedia = (event) => {
      const value = event.type === "durationchange" ? video.duration : video.currentTime;
      core.input(now(), TRACKED_EVENTS[event.type], value);
      this.#persist(false);
    };
    const onPage = (event) => {
      if (event.type === "visibilitychange" && !document.hidden) return;
      core.input(now(), event.type === "pagehide" ? PAGEHIDE : HIDDEN);
      this.#persist(true);
    };
    const unlisten = [
      listen(video, Object.keys(TRACKED_EVENTS), onMedia),
      listen(globalThis.document, ["visibilitychange"], onPage),
      listen(globalThis, ["pagehide"], onPage),
    ];
    this.#tracked = { contentId, unlisten };
  }

  /** Stops saving the playhead. */
  untrack() {
    this.#live("untrack");
    this.#untrack();
  }

  #untrack() {
    for (const remove of this.#tracked?.unlisten ?? []) remove();
    this.#tracked = null;
    this.#core.input(now(), UNTRACK);
  }

  /** Uploads the queue now; resolves with the number of records still queued. */
  async flush() {
    this.#live("flush");
    await this.#flush();
    return Object.keys(this.#queued()).length;
  }

  /** Records waiting for the server. */
  pending() {
    this.#live("pending");
    return Object.keys(this.#queued()).length;
  }

  /** Stops tracking and releases the client (what is queued stays for the next visit). */
  destroy() {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#untrack();
    clearInterval(this.#replay);
    this.#replay = null;
    this.#unlisten();
  }

  #url(contentId) {
    return `${this.#apiBase}/api/resume/${encodeURIComponent(contentId)}`;
  }

  #recordKey(contentId) {
    return `flodrama.resume.${this.#user}.${contentId}`;
  }

  #queueKey() {
    return `flodrama.resume-queue.${this.#user}`;
  }

  /** The valid queued records, `{contentId: record}`. */
  #queued() {
    return JSON.parse(this.#core.input(now(), QUEUE, 0, read(this.#queueKey())));
  }

  /** Applies a queue change (`offer` or `acknowledge` of a record) to the stored queue. */
  #change(kind, contentId, record) {
    const queue = this.#core.input(now(), kind, 0, read(this.#queueKey()), contentId, record);
    if (queue !== undefined) write(this.#queueKey(), queue === "{}" ? undefined : queue);
  }

  #offer(contentId, record) {
    this.#change(OFFER, contentId, record);
  }

  /** Stores the tracker's save, if any, and queues it; then uploads it. */
  #persist(unloading) {
    const tracked = this.#tracked;
    const record = tracked && this.#core.poll();
    if (!record) return;
    write(this.#recordKey(tracked.contentId), record);
    this.#offer(tracked.contentId, record);
    if (!unloading) {
      this.#flushSoon();
    } else if (this.#token) {
      // The page may be gone before a promise settles: a keepalive PUT is all there is time
      // for; the queued copy is replayed on the next visit if it did not arrive.
      send(this.#url(tracked.contentId), "PUT", this.#token, record, true).catch(() => {});
    }
  }

  #flushSoon() {
    if (!this.#destroyed) this.#flush();
  }

  /** Uploads the queued records one by one; keeps the replay running while any is left. */
  async #flush() {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      const token = this.#token;
      if (token) {
        for (const [contentId, record] of Object.entries(this.#queued())) {
          const body = JSON.stringify(record);
          const status = await send(this.#url(contentId), "PUT", token, body).then((r) => r.status, () => 0);
          // Unreachable or refused for now: the rest would fail the same way.
          if (this.#core.input(now(), KEEP, status)) break;
          this.#change(ACKNOWLEDGE, contentId, body);
        }
      }
    } finally {
      this.#flushing = false;
    }
    const left = Object.keys(this.#queued()).length > 0;
    if (left && this.#replay === null && !this.#destroyed) {
      const client = new WeakRef(this);
      const replay = setInterval(() => {
        const c = client.deref();
        if (c) c.#flushSoon();
        else clearInterval(replay);
      }, REPLAY_MS);
      this.#replay = replay;
    } else if (!left) {
      clearInterval(this.#replay);
      this.#replay = null;
    }
  }
}

/** Lets `SessionReporter.begin` call the constructor and nobody else. */
const INTERNAL = Symbol("internal");

/**
 * Reports one viewing session to `POST /api/sessions`: `start` on `begin`, a heartbeat with the
 * QoE figures every 30 s, and `end` on `finish` or `pagehide`. Reports that fail are not
 * retried: the next one carries the cumulative figures anyway.
 */
export class SessionReporter {
  #core;
  #apiBase;
  #token;
  #sessionId = null;
  /** Set by `finish()`: the public calls throw afterwards. */
  #finished = false;
  /** Set once `end` was sent (`finish()` or `pagehide`). */
  #ended = false;
  /** Remove the handlers added to the element and the page. */
  #unlisten;
  #heartbeat;

  /** Starts a session for `contentId` played by `media`; `options.token` is required. */
  static begin(options, contentId, media) {
    const where = "SessionReporter.begin";
    requireInit(where);
    const opts = checkApiOptions(where, "options", options, { token: true });
    checkString(where, "contentId", contentId, { nonEmpty: true });
    const video = mediaOf(where, "media", media);
    return new SessionReporter(INTERNAL, opts, contentId, video);
  }

  constructor(internal, options, contentId, video) {
    if (internal !== INTERNAL) throw new Error("new SessionReporter: use `SessionReporter.begin(options, contentId, media)`");
    this.#apiBase = baseOf(options.apiBase);
    this.#token = options.token;
    const core = new QoeCore(now());
    this.#core = core;
    const onMedia = (event) => core.input(now(), QOE_EVENTS[event.type]);
    const onPagehide = () => this.#end(true);
    this.#unlisten = [listen(video, Object.keys(QOE_EVENTS), onMedia), listen(globalThis, ["pagehide"], onPagehide)];
    this.#heartbeat = setInterval(() => {
      if (this.#sessionId === null) return;
      const report = core.poll(now());
      if (report !== undefined) this.#send("heartbeat", report, false);
    }, HEARTBEAT_CHECK_MS);
    send(`${this.#apiBase}/api/sessions`, "POST", this.#token, JSON.stringify({ contentId }))
      .then((response) => (response.ok ? response.json() : null))
      .then((json) => {
        if (typeof json?.sessionId === "string") this.#sessionId = json.sessionId;
      })
      .catch(() => {});
  }

  #open(member) {
    if (this.#finished) throw fail(`SessionReporter.${member}`, "called after finish()");
  }

  /** The rendition now playing has `bps` bits per second. */
  bitrate(bps) {
    this.#open("bitrate");
    checkNumber("SessionReporter.bitrate", "bps", bps, { min: 0 });
    this.#core.input(now(), QOE_BITRATE, bps);
  }

  /** An error with `code` occurred. */
  error(code) {
    this.#open("error");
    checkString("SessionReporter.error", "code", code, { nonEmpty: true });
    this.#core.input(now(), QOE_ERROR, 0, code);
  }

  /** The figures so far (also after `finish`). */
  qoe() {
    return JSON.parse(this.#core.get(now()));
  }

  /** The server's id of the session, null until `start` is answered. */
  get sessionId() {
    return this.#sessionId;
  }

  /** Sends `end` with the final figures and stops measuring. */
  finish() {
    if (this.#finished) return;
    this.#finished = true;
    this.#end(false);
  }

  #end(unloading) {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#heartbeat);
    for (const remove of this.#unlisten) remove();
    this.#send("end", this.#core.get(now()), unloading);
  }

  /** Posts `report` (the API's JSON) as `kind`; fire and forget. */
  #send(kind, report, keepalive) {
    if (this.#sessionId === null) return;
    const url = `${this.#apiBase}/api/sessions/${this.#sessionId}/${kind}`;
    send(url, "POST", this.#token, `{"qoe":${report}}`, keepalive).catch(() => {});
  }
}

// VideoProxyClient: signed stream URLs from the API's `POST /api/stream-url`. This module asks
// the API and lets concurrent callers share one request; the wasm's `PresignCore`
// (sdk/src/proxy.rs, which documents the kinds numbered below) decides: it reads each URL's
// expiry, corrects for the server's clock, says when to renew and whether to ask at all.
import { PresignCore } from "./flodrama_player.js";
import { baseOf, checkObject, checkString, describe, ensure, messageOf, now, requireInit } from "./util.js";

// PresignCore.input kinds, and the lookup's answers that are not a URL.
const LOOKUP = 0;
const ISSUED = 1;
const FAILED = 2;
const INVALIDATE = 3;
const WAIT = 1;

/** Throws unless `options` (named `name` in messages) are the options of a `VideoProxyClient`. */
export function checkProxyOptions(where, name, options) {
  checkObject(where, name, options);
  checkString(where, `${name}.apiBase`, options.apiBase, { optional: true });
  const { tokenProvider, fetch: fetchFn } = options;
  ensure(where, `${name}.tokenProvider`, tokenProvider, typeof tokenProvider === "function", "a function giving the bearer token");
  checkString(where, `${name}.customExpiryParam`, options.customExpiryParam, { optional: true, nonEmpty: true });
  ensure(where, `${name}.fetch`, fetchFn, fetchFn === undefined || fetchFn === null || typeof fetchFn === "function", "a function");
}

/** `s-` and 16 random lowercase hex digits: the API's form of a session id. */
function randomSessionId() {
  const half = () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, "0");
  return `s-${half()}${half()}`;
}

/** A time on the `performance.now()` clock as Unix milliseconds. */
const epoch = (t) => Date.now() + (t - now());

/**
 * Signed stream URLs from the API's `POST /api/stream-url`, cached per (title, quality, token)
 * and renewed ahead of expiry. Give it to `new Player(video, { proxy })` and play with
 * `player.load({ contentId })`.
 */
export class VideoProxyClient {
  #core;
  #apiBase;
  #tokenProvider;
  #fetch;
  /** The `sessionId` sent when the caller gives none (the API requires one). */
  #session = randomSessionId();
  /** Per key: the API's answer being awaited, so callers share one request. */
  #inFlight = new Map();
  /** Per key: `{qualities, duration}` of the last answer. */
  #meta = new Map();

  constructor(options) {
    const where = "new VideoProxyClient";
    requireInit(where);
    checkProxyOptions(where, "options", options);
    this.#apiBase = baseOf(options.apiBase);
    this.#tokenProvider = options.tokenProvider;
    this.#fetch = options.fetch ?? null;
    this.#core = new PresignCore(options.customExpiryParam ?? undefined, Math.random() * 2 ** 64);
  }

  /**
   * A signed URL for `contentId` (the rendition `quality`'s media playlist, else the
   * multivariant): `Promise<{url, expiresAt, refreshAt, signing, qualities, duration, skewMs}>`,
   * times in Unix milliseconds. Rejects with an `Error` whose `code` is the API's error code and
   * `status` the HTTP status.
   */
  getStreamUrl(contentId, quality, sessionId) {
    const where = "VideoProxyClient.getStreamUrl";
    try {
      checkString(where, "contentId", contentId, { nonEmpty: true });
      checkString(where, "quality", quality, { optional: true, nonEmpty: true });
      checkString(where, "sessionId", sessionId, { optional: true, nonEmpty: true });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#get(contentId, quality ?? undefined, sessionId ?? undefined);
  }

  /** Forgets the cached URLs of `contentId` (every quality and token). */
  invalidate(contentId) {
    checkString("VideoProxyClient.invalidate", "contentId", contentId, { nonEmpty: true });
    this.#input(INVALIDATE, contentId);
  }

  /** Gives the core input `kind` with `args` at the current time; its answer. */
  #input(kind, ...args) {
    return this.#core.input(now(), kind, ...args);
  }

  async #get(contentId, quality, sessionId) {
    const token = await this.#token();
    const key = JSON.stringify([contentId, quality ?? null, token]);
    for (;;) {
      const found = this.#input(LOOKUP, contentId, quality, token);
      if (typeof found === "object") return this.#result(key, found);
      if (found === WAIT) {
        const waiting = this.#inFlight.get(key);
        if (waiting) return waiting;
        // No request to wait for after all: make one.
        this.#input(FAILED, contentId, quality, token);
        continue;
      }
      const asking = this.#ask(key, contentId, quality, token, sessionId);
      this.#inFlight.set(key, asking);
      try {
        return await asking;
      } finally {
        if (this.#inFlight.get(key) === asking) this.#inFlight.delete(key);
      }
    }
  }

  /** The bearer token from `tokenProvider` (a string, or a promise of one). */
  async #token() {
    const provider = this.#tokenProvider;
    const token = await provider();
    if (typeof token !== "string" || token === "") {
      throw new Error(`VideoProxyClient: tokenProvider must give a non-empty string, gave ${describe(token)}`);
    }
    return token;
  }

  /** Asks the API for the URL of the key and stores the answer; the `getStreamUrl` result. */
  async #ask(key, contentId, quality, token, sessionId) {
    const started = now();
    let answer;
    try {
      answer = await this.#askApi(contentId, quality, token, sessionId);
      if (typeof answer.url !== "string" || answer.url === "") throw new Error("stream-url: the answer has no url");
    } catch (e) {
      this.#input(FAILED, contentId, quality, token);
      throw e;
    }
    const date = (value) => (typeof value === "string" ? Date.parse(value) : NaN);
    let stored;
    try {
      stored = this.#input(ISSUED, contentId, quality, token, answer.url,
        date(answer.expiresAt), date(answer.serverTime), Date.now(), now() - started);
    } catch (e) {
      throw new Error(`stream-url: ${e.message}`);
    }
    this.#meta.set(key, {
      qualities: Array.isArray(answer.qualities) ? answer.qualities : [],
      duration: typeof answer.duration === "number" ? answer.duration : null,
    });
    return this.#result(key, stored);
  }

  /** `POST {apiBase}/api/stream-url`; the parsed JSON of a 2xx answer. */
  async #askApi(contentId, quality, token, sessionId) {
    const body = { contentId };
    if (quality !== undefined) body.quality = quality;
    body.sessionId = sessionId ?? this.#session;
    const url = `${this.#apiBase}/api/stream-url`;
    const init = {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    };
    const fetchApi = this.#fetch ?? fetch;
    let response;
    try {
      response = await fetchApi(url, init);
    } catch (e) {
      throw new Error(`stream-url: ${url} could not be reached: ${messageOf(e)}`, { cause: e });
    }
    if (typeof response?.status !== "number" || typeof response.json !== "function") {
      throw new Error("VideoProxyClient: fetch did not resolve to a Response");
    }
    const json = await response.json().catch(() => null);
    const { status } = response;
    if (status >= 200 && status < 300 && json !== null && typeof json === "object") return json;
    const code = typeof json?.error === "string" ? json.error : "bad_answer";
    const message = typeof json?.message === "string" ? json.message : "the answer is not JSON";
    const error = new Error(`stream-url for ${contentId}: ${message} (HTTP ${status} ${code})`);
    error.code = code;
    error.status = status;
    throw error;
  }

  /** The `getStreamUrl` result for `url` (times on the `performance.now()` clock) of `key`. */
  #result(key, url) {
    const meta = this.#meta.get(key);
    return {
      url: url.url,
      expiresAt: epoch(url.expiresAt),
      refreshAt: epoch(url.refreshAt),
      signing: url.signing,
      qualities: meta?.qualities ?? [],
      duration: meta?.duration ?? null,
      skewMs: url.skewMs,
    };
  }
}

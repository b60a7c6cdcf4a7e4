/**
 * @flodrama/player: an HLS player for the browser, in Rust and WebAssembly.
 *
 * ```ts
 * import init, { Player } from "@flodrama/player";
 * await init();
 * const player = new Player(document.querySelector("video")!);
 * player.on("manifestParsed", ({ levels }) => console.log(levels));
 * player.load("https://cdn.example/title/master.m3u8");
 * ```
 */

/** Where the `.wasm` file comes from; by default it is fetched next to the package's JS. */
export type WasmSource = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Loads and instantiates the wasm module. Call it (and await it) once before `new Player()`;
 * later calls return the same promise. Rejects with an `Error` when the module cannot be loaded.
 */
export default function init(wasm?: WasmSource | Promise<WasmSource>): Promise<void>;

/** Settings of `new Player(video, config)`. Every field is optional; unknown fields are ignored. */
export interface PlayerConfig {
  /**
   * Seconds of media to keep buffered ahead of the playhead (at least 1).
   * @default 30
   */
  maxBufferLength?: number;
  /**
   * Seconds of media kept behind the playhead before it is evicted from the buffer.
   * @default 30
   */
  backBufferLength?: number;
  /**
   * Level to start with; -1 lets ABR choose from `abrEwmaDefaultEstimate`.
   * @default -1
   */
  startLevel?: number;
  /**
   * Bandwidth assumed before the first measurement, bits per second.
   * @default 1000000
   */
  abrEwmaDefaultEstimate?: number;
  /**
   * Retries of a failed segment, init-section or media-playlist load before the error is fatal.
   * @default 3
   */
  maxLoadRetries?: number;
  /**
   * Delay before the first retry, milliseconds; it doubles on each further retry, up to 8 s.
   * @default 500
   */
  retryDelay?: number;
  /**
   * Resume where the viewer stopped when `load` names a `contentId`; `false` turns it off.
   * @default {} (local storage only)
   */
  resume?: ResumeConfig | false;
  /**
   * Where signed stream URLs come from, for `load({ contentId })` and for renewing a URL the
   * origin says expired: a `VideoProxyClient`, any `StreamUrlProvider`, or the options to make
   * a `VideoProxyClient` with.
   */
  proxy?: VideoProxyClient | StreamUrlProvider | VideoProxyOptions;
}

/** Options of `load(url, options)`. */
export interface LoadOptions {
  /**
   * Names the title: playback then resumes where this viewer stopped (unless the config has
   * `resume: false`), `resumeApplied` is emitted, and the position is saved as it plays.
   */
  contentId?: string;
  /** Seconds to start at, overriding resume. */
  startPosition?: number;
  /** With `config.proxy`: the rendition `url` plays, for renewing it when it expires. */
  quality?: string;
  /** With `config.proxy`: the viewing session, logged by the API when a URL is renewed. */
  sessionId?: string;
}

/** Where resume positions are kept: local storage always, the API when both are given. */
export interface ResumeConfig {
  /** Origin of `/api/resume/...`; default the page's. */
  apiBase?: string;
  /** Bearer JWT for the API; without it positions stay local. */
  token?: string;
  /** Keys the local records; use the JWT subject. @default "anonymous" */
  user?: string;
}

/** A quality level (variant) of the loaded title. */
export interface Level {
  /** Peak bits per second. */
  bitrate: number;
  /** Display width in pixels, 0 when the playlist does not say. */
  width: number;
  /** Display height in pixels, 0 when the playlist does not say. */
  height: number;
  /** RFC 6381 codecs, empty when the playlist does not say. */
  codecs: string;
  /** Media playlist URL. */
  url: string;
}

/** Broad class of an error, as hls.js's `ErrorTypes`. */
export type ErrorType = "networkError" | "mediaError" | "muxError" | "keySystemError" | "otherError";

/** What exactly failed, as hls.js's `ErrorDetails`. */
export type ErrorDetails =
  | "manifestLoadError"
  | "manifestParsingError"
  | "manifestIncompatibleCodecsError"
  | "levelLoadError"
  | "levelParsingError"
  | "fragLoadError"
  | "fragParsingError"
  | "initLoadError"
  | "keyLoadError"
  | "fragDecryptError"
  | "bufferAppendError"
  | "bufferFullError"
  | "bufferAddCodecError"
  | "invalidState";

/** Payload of the `error` event. */
export interface ErrorData {
  type: ErrorType;
  details: ErrorDetails;
  /** Whether playback stopped; a non-fatal error was recovered from (for example by a retry). */
  fatal: boolean;
  /** A sentence for people. */
  message: string;
  /** The URL concerned, or null. */
  url: string | null;
}

/** Each event's payload, by event name. */
export interface PlayerEventMap {
  /** The first playlist is being loaded. */
  manifestLoading: { url: string };
  /** The first playlist was parsed. */
  manifestParsed: { levels: Level[] };
  /** A media playlist was loaded. */
  levelLoaded: { level: number; live: boolean; duration: number; segments: number };
  /** Playback starts at `position`, from the `local` or `server` record (`none`: no record). */
  resumeApplied: { position: number; source: "local" | "server" | "none" };
  /** Segments of another level are about to be loaded. */
  levelSwitching: { level: number };
  /** The first segment of a new level was buffered. */
  levelSwitched: { level: number };
  /** A segment was loaded (`loadMs` from request to last byte). */
  fragLoaded: { level: number; sn: number; bytes: number; loadMs: number };
  /** A segment load was abandoned because it would drain the buffer; `to` loads instead. */
  fragLoadEmergencyAborted: { level: number; to: number };
  /** A transmuxed (MPEG-TS) segment: the seconds each track covers. */
  fragParsed: {
    level: number;
    sn: number;
    videoStart?: number;
    videoEnd?: number;
    audioStart?: number;
    audioEnd?: number;
  };
  /** Timed ID3 metadata of a transmuxed segment; `pts` in seconds, null when untimed. */
  fragParsingMetadata: { sn: number; pts: number | null; data: Uint8Array };
  /** A segment was appended to the buffer, covering `start`..`end` seconds. */
  fragBuffered: { level: number; sn: number; start: number; end: number };
  /** The last segment was buffered. */
  bufferEos: Record<string, never>;
  /** A signed URL expired; loading waits (the buffer plays on) until the proxy renews it. */
  urlExpired: { url: string };
  /** Something failed; see `fatal`. */
  error: ErrorData;
}

/** An event name. */
export type PlayerEvent = keyof PlayerEventMap;

/** A listener of event `E`. */
export type Listener<E extends PlayerEvent> = (data: PlayerEventMap[E]) => void;

/** Event names, as hls.js's `Hls.Events`. */
export declare const Events: {
  readonly MANIFEST_LOADING: "manifestLoading";
  readonly MANIFEST_PARSED: "manifestParsed";
  readonly LEVEL_LOADED: "levelLoaded";
  readonly LEVEL_SWITCHING: "levelSwitching";
  readonly RESUME_APPLIED: "resumeApplied";
  readonly LEVEL_SWITCHED: "levelSwitched";
  readonly FRAG_LOADED: "fragLoaded";
  readonly FRAG_LOAD_EMERGENCY_ABORTED: "fragLoadEmergencyAborted";
  readonly FRAG_PARSED: "fragParsed";
  readonly FRAG_PARSING_METADATA: "fragParsingMetadata";
  readonly FRAG_BUFFERED: "fragBuffered";
  readonly BUFFER_EOS: "bufferEos";
  readonly URL_EXPIRED: "urlExpired";
  readonly ERROR: "error";
};

/**
 * An HLS player bound to one `<video>` element. Every method throws an `Error` with a clear
 * message on a wrongly typed argument and after `destroy()`.
 */
export declare class Player {
  /** Whether this browser has Media Source Extensions. */
  static isSupported(): boolean;

  /**
   * Binds to `video`. Throws when `init()` has not finished, when `video` is not an
   * `HTMLVideoElement` or when a config field has the wrong type.
   */
  constructor(video: HTMLVideoElement, config?: PlayerConfig);

  /**
   * Loads `url`, a multivariant or media playlist (relative URLs resolve against the page),
   * replacing whatever was loaded before.
   */
  load(url: string, options?: LoadOptions): void;
  /**
   * Plays the title `contentId` with a signed URL from `config.proxy` (throws without one),
   * renewing the URL ahead of its expiry while it plays; resumes as `load(url, {contentId})`.
   * A stream URL that cannot be had is a fatal `error` event.
   */
  load(source: ContentSource): void;
  /**
   * Recovers from a fatal media error (as hls.js's `recoverMediaError`): attaches a new
   * MediaSource and buffers again from the current position.
   */
  recoverMediaError(): void;
  /** Starts playback; resolves when the browser allows it (see the autoplay policy). */
  play(): Promise<void>;
  /** Pauses playback. */
  pause(): void;
  /** Moves the playhead to `seconds` (a finite number, at least 0). */
  seek(seconds: number): void;

  /** The levels of the loaded title, in playlist order; empty before `manifestParsed`. */
  readonly levels: Level[];
  /** The video element the player drives. */
  readonly media: HTMLVideoElement;
  /**
   * Level of the segments being loaded, -1 before any. Setting it switches now: loads in flight
   * are aborted and what is buffered more than 1 s ahead is flushed; -1 returns to automatic.
   */
  get currentLevel(): number;
  set currentLevel(level: number);
  /**
   * Level requested for the next segments, -1 when automatic. Setting it plays that level from
   * the next segment on, without flushing the buffer.
   */
  get nextLevel(): number;
  set nextLevel(level: number);
  /** Whether ABR picks the level (`nextLevel` is -1). */
  readonly autoLevelEnabled: boolean;
  /**
   * Whether ABR picks the level. Setting `true` is `nextLevel = -1`; setting `false` keeps the
   * level being loaded now (level 0 before any).
   */
  get autoLevel(): boolean;
  set autoLevel(enabled: boolean);
  /** Live: seconds from the playhead to the live edge; NaN for VOD. */
  readonly latency: number;
  /** Live: end of the live window in seconds; NaN for VOD. */
  readonly liveEdge: number;
  /** Current bandwidth estimate, bits per second. */
  readonly bandwidthEstimate: number;

  /** Calls `listener` on every `event`. Unknown event names throw. */
  on<E extends PlayerEvent>(event: E, listener: Listener<E>): void;
  /** Calls `listener` on the next `event` only. */
  once<E extends PlayerEvent>(event: E, listener: Listener<E>): void;
  /** Removes `listener` added with `on` or `once`. */
  off<E extends PlayerEvent>(event: E, listener: Listener<E>): void;

  /** Stops loading, detaches from the video element and releases everything; later calls throw. */
  destroy(): void;
}

// --- Presigned URLs (issue #7) ---

/** Options of `new VideoProxyClient(options)`. */
export interface VideoProxyOptions {
  /** Origin of `/api/stream-url`; default the page's. */
  apiBase?: string;
  /** Gives the bearer JWT; called for every `getStreamUrl` (cached URLs are per token). */
  tokenProvider: () => string | Promise<string>;
  /** A query parameter holding the URL's expiry in Unix seconds (origins other than S3/CloudFront). */
  customExpiryParam?: string;
  /** Replaces the global `fetch` for the API requests. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** How a URL is signed, read from its query. */
export type UrlSigning = "sigv4" | "sigv2" | "cloudfront" | "custom";

/** A signed stream URL; times are Unix milliseconds on this machine's clock (skew-corrected). */
export interface StreamUrl {
  /** The signed URL, byte-exact as the API issued it. */
  url: string;
  /** When the origin stops accepting it. */
  expiresAt: number;
  /** When the client asks for a new one. */
  refreshAt: number;
  /** How it is signed; null when its query does not say. */
  signing: UrlSigning | null;
  /** The title's renditions. */
  qualities: string[];
  /** Seconds; null for live. */
  duration: number | null;
  /** The API server's clock minus this machine's, milliseconds. */
  skewMs: number;
}

/** The rejection of `getStreamUrl`: the API's error code and the HTTP status. */
export interface StreamUrlError extends Error {
  /** `unauthorized`, `origin_not_allowed`, `geo_blocked`, `unknown_content`, ... */
  code: string;
  status: number;
}

/** Anything that gives signed URLs the way `VideoProxyClient` does. */
export interface StreamUrlProvider {
  getStreamUrl(contentId: string, quality?: string, sessionId?: string): Promise<Pick<StreamUrl, "url"> & Partial<StreamUrl>>;
  /** Forgets cached URLs of `contentId`; called when the origin says a URL expired. */
  invalidate?(contentId: string): void;
}

/** The title of `load({ contentId })`. */
export interface ContentSource {
  contentId: string;
  /** A rendition (`"720p"`) instead of the multivariant playlist. */
  quality?: string;
  /** The viewing session, logged by the API. */
  sessionId?: string;
  /** Seconds to start at, overriding resume. */
  startPosition?: number;
}

/**
 * Signed stream URLs from the API's `POST /api/stream-url`, cached per (title, quality, token)
 * and renewed ahead of expiry: max(30 s, 15 % of the lifetime) plus the expected request time,
 * jittered, one request in flight per key. Throws when `init()` has not finished or an option
 * has the wrong type.
 */
export declare class VideoProxyClient implements StreamUrlProvider {
  constructor(options: VideoProxyOptions);
  /** A signed URL (cached until its `refreshAt`); rejects with a `StreamUrlError`. */
  getStreamUrl(contentId: string, quality?: string, sessionId?: string): Promise<StreamUrl>;
  /** Forgets the cached URLs of `contentId`. */
  invalidate(contentId: string): void;
}

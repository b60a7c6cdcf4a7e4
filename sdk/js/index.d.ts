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

/**
 * Settings of `new Player(video, config)`. Every field is optional; unknown fields are ignored;
 * a field of the wrong type or out of range throws.
 */
export interface PlayerConfig {
  /**
   * Seconds of media to keep buffered ahead of the playhead (at least 1).
   * @default 30
   */
  maxBufferLength?: number;
  /**
   * Seconds of media kept behind the playhead before it is evicted from the buffer (at least 0).
   * @default 30
   */
  backBufferLength?: number;
  /**
   * Level to start with (an integer, at least -1); -1 lets ABR choose from
   * `abrEwmaDefaultEstimate`.
   * @default -1
   */
  startLevel?: number;
  /**
   * Bandwidth assumed before the first measurement, bits per second (at least 1).
   * @default 1000000
   */
  abrEwmaDefaultEstimate?: number;
  /**
   * Retries (an integer, at least 0) of a failed segment, init-section or media-playlist load
   * before the error is fatal.
   * @default 3
   */
  maxLoadRetries?: number;
  /**
   * Delay before the first retry, milliseconds (at least 0); it doubles on each further retry
   * (±20 % jitter), up to 8 s.
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
   * @default none (`load({ contentId })` throws; an expired URL is a fatal error)
   */
  proxy?: VideoProxyClient | StreamUrlProvider | VideoProxyOptions;
}

/** Options of `load(url, options)`. */
export interface LoadOptions {
  /**
   * Names the title: playback then resumes where this viewer stopped (unless the config has
   * `resume: false`), `resumeApplied` is emitted, and the position is saved as it plays.
   * @default none (no resume)
   */
  contentId?: string;
  /**
   * Seconds to start at, overriding resume.
   * @default the resume position with a `contentId`, else 0 (live: 3 target durations from the edge)
   */
  startPosition?: number;
  /**
   * With `config.proxy`: the rendition `url` plays, for renewing it when it expires.
   * @default none (the multivariant playlist)
   */
  quality?: string;
  /**
   * With `config.proxy`: the viewing session, logged by the API when a URL is renewed.
   * @default one random id per VideoProxyClient
   */
  sessionId?: string;
}

/** Where resume positions are kept: local storage always, the API when both are given. */
export interface ResumeConfig {
  /** Origin (and path prefix) of `/api/resume/...`. @default "" (the page's origin) */
  apiBase?: string;
  /** Bearer JWT for the API; without it positions stay local. @default none */
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

/** An alternate audio or subtitle rendition (EXT-X-MEDIA) of the loaded title. */
export interface MediaTrack {
  /** Index in `audioTracks` or `subtitleTracks`. */
  id: number;
  /** NAME of the rendition. */
  name: string;
  /** LANGUAGE (BCP 47), empty when the playlist does not say. */
  lang: string;
  /** Whether the rendition is DEFAULT=YES. */
  default: boolean;
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
  | "invalidState"
  // The playhead stood still with media ahead and was moved forward a little (non-fatal).
  | "bufferNudgeOnStall";

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

  // Alternate audio and subtitle renditions.
  /** The title's audio renditions (after `manifestParsed`). */
  audioTracksUpdated: { audioTracks: MediaTrack[] };
  /** Audio of rendition `id` is about to be loaded. */
  audioTrackSwitching: { id: number };
  /** The first segment of audio rendition `id` was buffered. */
  audioTrackSwitched: { id: number };
  /** The title's subtitle renditions, each a TextTrack of the video element. */
  subtitleTracksUpdated: { subtitleTracks: MediaTrack[] };
  /** Subtitle rendition `id` is shown; -1: none. */
  subtitleTrackSwitch: { id: number };
  /** `cues` cues of a WebVTT segment of rendition `id` were added to its TextTrack. */
  subtitleFragProcessed: { id: number; cues: number };
}

/** An event name. */
export type PlayerEvent = keyof PlayerEventMap;

/** A listener of event `E`. */
export type Listener<E extends PlayerEvent> = (data: PlayerEventMap[E]) => void;

/** `Player.stats()`: figures since the last `load`. */
export interface PlayerStats {
  /** Bandwidth estimate, bits per second (as `bandwidthEstimate`). */
  bandwidthEstimate: number;
  /** Seconds buffered from the playhead to the end of its buffered range (0 outside any). */
  bufferedAhead: number;
  /** Level of the segments being loaded (`currentLevel`), -1 before any. */
  level: number;
  /** Peak bits per second of `level`, 0 before any. */
  bitrate: number;
  /** Width in pixels of `level` from the playlist, 0 when unknown. */
  width: number;
  /** Height in pixels of `level` from the playlist, 0 when unknown. */
  height: number;
  /** Frames the element dropped (`getVideoPlaybackQuality()`), since it was created. */
  droppedFrames: number;
  /** Frames the element decoded (`getVideoPlaybackQuality()`), since it was created. */
  decodedFrames: number;
  /** Media segments loaded. */
  segmentsLoaded: number;
  /** Media segment load attempts that failed (each retry counts). */
  segmentsFailed: number;
  /** Bytes of the media segments loaded. */
  bytesLoaded: number;
  /** Milliseconds from `load()` to the first `playing` (first frame shown); null until then. */
  startupMs: number | null;
  /** Stalls: `waiting` after playback started, not counting seeks. */
  stalls: number;
  /** Seconds spent stalled. */
  stallSeconds: number;
  /** Seconds played (neither paused nor stalled). */
  watchSeconds: number;
  /** Live: seconds from the playhead to the live edge; NaN for VOD. */
  latency: number;
}

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
  // Alternate audio and subtitle renditions.
  readonly AUDIO_TRACKS_UPDATED: "audioTracksUpdated";
  readonly AUDIO_TRACK_SWITCHING: "audioTrackSwitching";
  readonly AUDIO_TRACK_SWITCHED: "audioTrackSwitched";
  readonly SUBTITLE_TRACKS_UPDATED: "subtitleTracksUpdated";
  readonly SUBTITLE_TRACK_SWITCH: "subtitleTrackSwitch";
  readonly SUBTITLE_FRAG_PROCESSED: "subtitleFragProcessed";
};

/**
 * An HLS player bound to one `<video>` element. Every method, getter and setter throws an
 * `Error` whose message names it (`Player.seek: position must be a finite number (at least 0),
 * got the string "10"`) on a wrongly typed argument, and (`Player.load: called after
 * destroy()`) after `destroy()`.
 */
export declare class Player {
  /** Whether this browser has Media Source Extensions. */
  static isSupported(): boolean;

  /**
   * Binds to `video`. Throws when `init()` has not finished, when `video` is not an
   * `HTMLVideoElement`, when `config` is not an object or one of its fields has the wrong type.
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
  /** Moves the playhead to `position` seconds (a finite number, at least 0). */
  seek(position: number): void;

  /**
   * The levels of the loaded title, lowest bitrate first (a variant repeating another's bitrate,
   * size and codecs is its backup stream, not a level); empty before `manifestParsed`.
   */
  readonly levels: Level[];
  /** The video element the player drives. */
  readonly media: HTMLVideoElement;
  /**
   * Level of the segments being loaded, -1 before any. Setting it (as hls.js's `currentLevel`)
   * switches now: loads in flight are aborted and what is buffered more than 1 s ahead is
   * flushed; -1 returns to automatic selection. Throws for anything but -1 or an index of
   * `levels`.
   */
  get currentLevel(): number;
  set currentLevel(level: number);
  /**
   * Level requested for the next segments, -1 when automatic. Setting it (as hls.js's
   * `nextLevel`) plays that level from the next segment on, without flushing the buffer; -1
   * returns to automatic selection.
   */
  get nextLevel(): number;
  set nextLevel(level: number);
  /**
   * Whether ABR picks the level, as hls.js's `autoLevelEnabled`: true until a level is set
   * with `currentLevel`/`nextLevel`, and again after setting -1.
   */
  readonly autoLevelEnabled: boolean;
  /**
   * Shorthand over the hls.js way above (hls.js has no `autoLevel`): reads `autoLevelEnabled`;
   * setting `true` is `nextLevel = -1`, setting `false` pins the level being loaded now
   * (level 0 before any).
   */
  get autoLevel(): boolean;
  set autoLevel(enabled: boolean);
  /** Live: seconds from the playhead to the live edge; NaN for VOD. */
  readonly latency: number;
  /** Live: end of the live window in seconds; NaN for VOD. */
  readonly liveEdge: number;
  /** Current bandwidth estimate, bits per second. */
  readonly bandwidthEstimate: number;
  /** What was loaded and how playback went since the last `load`. */
  stats(): PlayerStats;

  // Alternate audio and subtitle renditions.
  /** The title's audio renditions (EXT-X-MEDIA TYPE=AUDIO); empty when it has none. */
  readonly audioTracks: MediaTrack[];
  /**
   * The audio rendition playing, -1 when the title has none. Setting it switches from the
   * playhead on: the audio buffered more than 1 s ahead is replaced, the video is untouched.
   */
  get audioTrack(): number;
  set audioTrack(id: number);
  /** The title's subtitle renditions (EXT-X-MEDIA TYPE=SUBTITLES, WebVTT). */
  readonly subtitleTracks: MediaTrack[];
  /**
   * The subtitle rendition shown, -1 when none. Setting it shows that rendition's TextTrack
   * (`mode = "showing"`, cues loaded around the playhead) and disables the others; -1 hides all.
   */
  get subtitleTrack(): number;
  set subtitleTrack(id: number);

  /** Calls `listener` on every `event`. Unknown event names throw. */
  on<E extends PlayerEvent>(event: E, listener: Listener<E>): void;
  /** Calls `listener` on the next `event` only. */
  once<E extends PlayerEvent>(event: E, listener: Listener<E>): void;
  /** Removes `listener` added with `on` or `once`. */
  off<E extends PlayerEvent>(event: E, listener: Listener<E>): void;

  /** Stops loading, detaches from the video element and releases everything; later calls throw. */
  destroy(): void;
}

/** A member of a watch-party room in `WatchParty`'s events. */
export interface PartyMember {
  /** Member id, unique in the room. */
  id: number;
  /** Display name. */
  name: string;
  /** Whether its player has enough buffered to play. */
  ready: boolean;
  /** Whether the host muted its chat. */
  muted: boolean;
}

/** The room's playback state. */
export interface PartyState {
  /** Sequence number, increasing with each change. */
  seq: number;
  /** `idle` before anyone plays, `waiting` while members buffer. */
  phase: "idle" | "waiting" | "paused" | "playing";
  /** Media seconds at server time `at`. */
  position: number;
  /** Server clock, milliseconds. */
  at: number;
  /** Whether playback resumes once every member is ready. */
  resume: boolean;
  /** Member whose request caused the change, when one did. */
  by?: number;
}

/** The clock-sync estimate, milliseconds. */
export interface PartySync {
  /** Server clock minus the local `performance.now()`. */
  offset: number;
  /** Round-trip time. */
  rtt: number;
  /** Bound of the offset's error. */
  error: number;
}

/** Each `WatchParty` event's payload, by event name. */
export interface WatchPartyEventMap {
  /** Welcomed into the room as member `you` (before `join` resolves). */
  joined: { you: number };
  /** Who is in the room, and who hosts it. */
  members: { host: number; members: PartyMember[] };
  /** A chat line. */
  chat: { id: number; from: number; name: string; at: number; text: string };
  /** The room's playback state changed. */
  state: PartyState;
  /** A new clock-sync estimate. */
  sync: PartySync;
  /** The host changed the room's settings. */
  settings: { hostOnlyControl: boolean };
  /** The host muted this member's chat (`durationS` absent: until unmuted). */
  muted: { durationS?: number; reason?: string };
  /** The host banned this member; the connection closes. */
  banned: { reason?: string };
  /** The room refused a request. */
  error: {
    code: "not_allowed" | "rate_limited" | "muted" | "invalid_text" | "unknown_member" | "bad_request";
    message: string;
  };
  /** The connection closed (WebSocket close code and reason); the party is over. */
  close: { code: number; reason: string };
}

/** A `WatchParty` event name. */
export type WatchPartyEvent = keyof WatchPartyEventMap;

/** Options of `WatchParty.join`. */
export interface WatchPartyOptions {
  /** The player (or video element) the room drives. */
  player: Player | HTMLVideoElement;
  /** Display name: 1 to 32 characters. */
  name: string;
  /** A JWT of the platform or an invite token of the room. @default none */
  token?: string;
}

/** Corrections a `WatchParty` made to its player. */
export interface WatchPartyStats {
  /** Seeks the room asked for. */
  seeks: number;
  /** Seeks made to catch up with the room. */
  correctiveSeeks: number;
  /** Playback-rate changes made to catch up with the room. */
  rateChanges: number;
}

/**
 * A member of a watch-party room (protocol in `docs/PROTOCOL.md`), keeping its player in sync
 * with the others. Methods throw an `Error` on wrongly typed arguments and after `leave()`.
 */
export declare class WatchParty {
  /**
   * Connects to the room at `url` (`ws:`/`wss:`, or `http(s):`/relative, mapped to `ws(s):`)
   * and resolves once it is welcomed; rejects with an `Error` for bad options or with the
   * server's reason when the join is refused.
   */
  static join(url: string, options: WatchPartyOptions): Promise<WatchParty>;
  private constructor();

  /** Asks the room to play. */
  play(): void;
  /** Asks the room to pause. */
  pause(): void;
  /** Asks the room to move to `position` seconds (at least 0). */
  seek(position: number): void;
  /** Sends a chat line (1 to 500 characters). */
  send(text: string): void;
  /** Host: mutes `member`'s chat for `durationS` seconds (until unmuted when absent). */
  mute(member: number, durationS?: number, reason?: string): void;
  /** Host: lifts `member`'s mute. */
  unmute(member: number): void;
  /** Host: removes `member` and keeps it out of the room. */
  ban(member: number, reason?: string): void;
  /** Host: hands the host role to `member`. */
  makeHost(member: number): void;
  /** Host: whether only the host may play, pause and seek. */
  setHostOnlyControl(enabled: boolean): void;

  /** Own member id. */
  readonly id: number | null;
  /** The latest clock-sync estimate, null before the first. */
  readonly sync: PartySync | null;
  /** The room's latest playback state, null before the first. */
  readonly state: PartyState | null;
  /** Corrections made so far. */
  readonly stats: WatchPartyStats;
  /** The server clock now, milliseconds; null before the first sync. */
  serverTime(): number | null;

  /** Calls `listener` on every `event`. Unknown event names throw. */
  on<E extends WatchPartyEvent>(event: E, listener: (data: WatchPartyEventMap[E]) => void): void;
  /** Calls `listener` on the next `event` only. */
  once<E extends WatchPartyEvent>(event: E, listener: (data: WatchPartyEventMap[E]) => void): void;
  /** Removes `listener` added with `on` or `once`. */
  off<E extends WatchPartyEvent>(event: E, listener: (data: WatchPartyEventMap[E]) => void): void;

  /** Leaves the room and restores the player's playback rate; later calls throw. */
  leave(): void;
}

/** Options of `new ResumeClient` and `SessionReporter.begin`. */
export interface ApiOptions {
  /** Origin (and path prefix) of `/api/...`. @default "" (the page's origin) */
  apiBase?: string;
  /** Bearer JWT; `SessionReporter.begin` requires it. @default none (`ResumeClient`: positions stay local) */
  token?: string;
  /** Keys the local records; use the JWT subject. @default "anonymous" */
  user?: string;
}

/** A resume record as stored locally and on the server. */
export interface ResumeRecord {
  /** Seconds. */
  position: number;
  /** Seconds, null when unknown. */
  duration: number | null;
  /** Whether the title was watched to the end. */
  completed: boolean;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}

/** Where to start a title: `ResumeClient.resolve`'s answer. */
export interface ResumeResolution {
  /** Seconds to start at after the 10 s / 95 % / last-30 s rules (0: from the start). */
  position: number;
  /** Which record won. */
  source: "local" | "server" | "none";
  /** That record, null when there is none. */
  record: ResumeRecord | null;
}

/**
 * Resume positions for one user, kept in `localStorage` and synced with
 * `GET/PUT /api/resume/{contentId}` (last writer wins; failed uploads are queued and retried).
 * `Player` uses one itself when `load` names a `contentId`.
 */
export declare class ResumeClient {
  constructor(options?: ApiOptions);
  /** Replaces the bearer token (e.g. after a refresh) and uploads what is queued with it. */
  setToken(token?: string | null): void;
  /** Where to start `contentId` (`duration` in seconds, when known). */
  resolve(contentId: string, duration?: number): Promise<ResumeResolution>;
  /** Saves `media`'s playhead for `contentId` from now on, replacing earlier tracking. */
  track(contentId: string, media: HTMLMediaElement | Player): void;
  /** Stops saving the playhead. */
  untrack(): void;
  /** Uploads the queue now; resolves with the number of records still queued. */
  flush(): Promise<number>;
  /** Records waiting for the server. */
  pending(): number;
  /** Stops tracking and releases the client; later calls throw. */
  destroy(): void;
}

/** `SessionReporter.qoe()`: the figures of a viewing session. */
export interface QoeReport {
  /** Seconds of content played. */
  watchTimeS: number;
  /** Milliseconds from `begin` to the first `playing`, null until then. */
  startupMs: number | null;
  /** Stalls after startup. */
  rebufferCount: number;
  /** Seconds stalled after startup. */
  rebufferS: number;
  /** Seconds played per bitrate (bits/s as the key). */
  bitrateHistogram: Record<string, number>;
  /** Time-weighted mean bitrate, bits/s; null before any. */
  meanBitrate: number | null;
  /** Error codes seen, oldest first. */
  errors: string[];
}

/**
 * Reports a viewing session to `POST /api/sessions`: `start` on `begin`, a heartbeat every
 * 30 s, `end` on `finish()` or when the page is hidden for good.
 */
export declare class SessionReporter {
  /** Starts a session for `contentId` played by `media`; `options.token` is required. */
  static begin(options: ApiOptions & { token: string }, contentId: string, media: HTMLMediaElement | Player): SessionReporter;
  private constructor();
  /** The rendition now playing has `bps` bits per second. */
  bitrate(bps: number): void;
  /** An error with `code` occurred (e.g. an `ErrorData.details`). */
  error(code: string): void;
  /** The figures so far (also after `finish`). */
  qoe(): QoeReport;
  /** The server's id of the session, null until `start` is answered. */
  readonly sessionId: string | null;
  /** Sends `end` and stops measuring; `bitrate` and `error` throw afterwards. */
  finish(): void;
}

/** `Transmuxer.pushSegment`'s output. */
export interface TransmuxOutput {
  /** The fMP4 init segment, when it is new (first segment, codec change). */
  init?: Uint8Array;
  /** `moof` + `mdat` bytes. */
  media: Uint8Array;
  /** RFC 6381 codecs of the current init segment. */
  codecs: string;
}

/** player-core's MPEG-TS → fMP4 transmuxer on its own, for tools (the player has its own). */
export declare class Transmuxer {
  constructor();
  /**
   * Transmuxes one complete MPEG-TS segment; `discontinuity` (default false) starts a new
   * timeline. Throws an `Error` saying why a segment cannot be transmuxed.
   */
  pushSegment(data: Uint8Array | ArrayBuffer, discontinuity?: boolean): TransmuxOutput;
  /** Releases the transmuxer's memory; later calls throw. */
  destroy(): void;
}

/** A summary of a playlist: `inspectPlaylist`'s answer. */
export type PlaylistSummary =
  | {
      kind: "multivariant";
      variants: { bandwidth: number; width: number; height: number; codecs: string; url: string }[];
      /** Number of EXT-X-MEDIA renditions. */
      renditions: number;
    }
  | {
      kind: "media";
      segments: number;
      /** Seconds. */
      duration: number;
      targetDuration: number;
      mediaSequence: number;
      live: boolean;
    };

/**
 * Parses playlist `text` fetched from `url` (which relative URIs resolve against) with the
 * player's own parser. Throws an `Error` saying what is wrong with an unusable playlist.
 */
export declare function inspectPlaylist(text: string, url: string): PlaylistSummary;

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

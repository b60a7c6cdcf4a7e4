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

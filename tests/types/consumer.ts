// A consumer of every public entry point of @flodrama/player, type-checked with
// `tsc --noEmit --strict` against the packed package. Lines marked @ts-expect-error must be
// rejected by the types: if they compile, the check fails.
import init, {
  Events,
  Player,
  type ErrorData,
  type ErrorDetails,
  type ErrorType,
  type Level,
  type MediaTrack,
  type Listener,
  type PlayerConfig,
  type PlayerEvent,
  type PlayerEventMap,
  type WasmSource,
} from "@flodrama/player";

export async function start(video: HTMLVideoElement, wasm?: WasmSource): Promise<Player> {
  await init(wasm);
  await init(new URL("/assets/flodrama_player_bg.wasm", location.href));
  await init(fetch("/flodrama_player_bg.wasm"));
  const supported: boolean = Player.isSupported();
  if (!supported) throw new Error("no MSE");

  const config: PlayerConfig = {
    maxBufferLength: 30,
    backBufferLength: 30,
    startLevel: -1,
    abrEwmaDefaultEstimate: 1_000_000,
    maxLoadRetries: 3,
    retryDelay: 500,
  };
  // @ts-expect-error: config fields are numbers
  new Player(video, { maxBufferLength: "30" });
  // @ts-expect-error: a video element is required
  new Player(document.body);

  const player = new Player(video, config);
  new Player(video);
  player.load("/media/vod/master.m3u8");
  // @ts-expect-error: load takes a URL string
  player.load(42);
  await player.play();
  player.pause();
  player.seek(12.5);
  // @ts-expect-error: seek takes seconds
  player.seek("12");

  const levels: Level[] = player.levels;
  const heights: number[] = levels.map((l) => l.height + l.width + l.bitrate);
  const codecs: string[] = levels.map((l) => l.codecs + l.url);
  const current: number = player.currentLevel;
  player.nextLevel = heights.length + codecs.length + current;
  const next: number = player.nextLevel;
  player.nextLevel = -1;
  player.currentLevel = next;
  const element: HTMLVideoElement = player.media;
  player.recoverMediaError();
  const lag: number = player.latency + player.liveEdge;
  const auto: boolean = player.autoLevel && player.autoLevelEnabled;
  player.autoLevel = !auto;
  // @ts-expect-error: media is read-only
  player.media = element;
  // @ts-expect-error: levels is read-only
  player.levels = [];
  const bps: number = player.bandwidthEstimate;

  player.on(Events.MANIFEST_LOADING, ({ url }) => console.log(url.length));
  player.on("manifestParsed", ({ levels }) => console.log(levels[0]?.height));
  player.on(Events.LEVEL_LOADED, (d) => console.log(d.level, d.live === true, d.duration, d.segments));
  player.on(Events.LEVEL_SWITCHING, ({ level }) => console.log(level + bps + lag));
  player.on(Events.LEVEL_SWITCHED, ({ level }) => console.log(level));
  player.on(Events.FRAG_LOADED, (d) => console.log(d.level, d.sn, d.bytes, d.loadMs));
  player.on(Events.FRAG_BUFFERED, (d) => console.log(d.level, d.sn, d.start, d.end));
  player.on(Events.FRAG_PARSED, (d) => console.log(d.level, d.sn, d.videoEnd, d.audioEnd));
  player.on(Events.FRAG_PARSING_METADATA, (d) => console.log(d.sn, d.pts ?? 0, d.data.byteLength));
  player.on(Events.FRAG_LOAD_EMERGENCY_ABORTED, (d) => console.log(d.level, d.to));
  player.on(Events.BUFFER_EOS, (d) => console.log(Object.keys(d).length));
  const onError: Listener<"error"> = (e: ErrorData) => {
    const type: ErrorType = e.type;
    const details: ErrorDetails = e.details;
    const url: string | null = e.url;
    console.log(type, details, e.fatal, e.message, url);
  };
  player.on(Events.ERROR, onError);
  player.once("error", onError);
  player.off("error", onError);
  // @ts-expect-error: unknown event name
  player.on("manifestLoaded", () => {});
  // @ts-expect-error: the payload of fragBuffered has no `url`
  player.on("fragBuffered", (d) => console.log(d.url));
  // @ts-expect-error: a listener is a function
  player.on("error", "log");

  // Alternate audio and subtitle renditions.
  const audio: MediaTrack[] = player.audioTracks;
  const labels: string[] = audio.map((t) => `${t.id} ${t.name} ${t.lang} ${t.default}`);
  player.audioTrack = audio.length > 1 ? 1 : player.audioTrack;
  const subtitles: MediaTrack[] = player.subtitleTracks;
  player.subtitleTrack = subtitles[0]?.id ?? -1;
  const shown: number = player.subtitleTrack;
  // @ts-expect-error: audioTracks is read-only
  player.audioTracks = [];
  // @ts-expect-error: a track is selected by its index
  player.audioTrack = "English";
  player.on(Events.AUDIO_TRACKS_UPDATED, ({ audioTracks }) => console.log(audioTracks[0]?.lang));
  player.on(Events.AUDIO_TRACK_SWITCHING, ({ id }) => console.log(id));
  player.on(Events.AUDIO_TRACK_SWITCHED, ({ id }) => console.log(id + shown, labels));
  player.on(Events.SUBTITLE_TRACKS_UPDATED, ({ subtitleTracks }) => console.log(subtitleTracks.length));
  player.on(Events.SUBTITLE_TRACK_SWITCH, ({ id }) => console.log(id));
  player.on(Events.SUBTITLE_FRAG_PROCESSED, (d) => console.log(d.id, d.cues));

  const names: PlayerEvent[] = Object.values(Events);
  const payload: PlayerEventMap["levelSwitched"] = { level: 0 };
  console.log(names, payload);

  player.destroy();
  return player;
}

// A consumer of every public entry point of @flodrama/player, type-checked with
// `tsc --noEmit --strict` against the packed package. Lines marked @ts-expect-error must be
// rejected by the types: if they compile, the check fails.
import init, {
  Events,
  Player,
  ResumeClient,
  SessionReporter,
  Transmuxer,
  WatchParty,
  inspectPlaylist,
  type ApiOptions,
  type ErrorData,
  type ErrorDetails,
  type ErrorType,
  type Level,
  type MediaTrack,
  type Listener,
  type PlayerConfig,
  type PlayerEvent,
  type PlayerEventMap,
  type PlayerStats,
  type PartyMember,
  type PartyState,
  type PartySync,
  type PlaylistSummary,
  type QoeReport,
  type ResumeRecord,
  type ResumeResolution,
  type TransmuxOutput,
  type WatchPartyEvent,
  type WatchPartyEventMap,
  type WatchPartyOptions,
  type WatchPartyStats,
  type WasmSource,
  VideoProxyClient,
  type ContentSource,
  type StreamUrl,
  type StreamUrlError,
  type StreamUrlProvider,
  type UrlSigning,
  type VideoProxyOptions,
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
    resume: { apiBase: "https://api.example", token: "jwt", user: "u1" },
  };
  new Player(video, { resume: false });
  // @ts-expect-error: config fields are numbers
  new Player(video, { maxBufferLength: "30" });
  // @ts-expect-error: a video element is required
  new Player(document.body);

  const player = new Player(video, config);
  new Player(video);
  player.load("/media/vod/master.m3u8");
  player.load("/media/vod/master.m3u8", { contentId: "vod", startPosition: 10 });
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
  const stats: PlayerStats = player.stats();
  const figures: number[] = [
    stats.bandwidthEstimate, stats.bufferedAhead, stats.level, stats.bitrate, stats.width, stats.height,
    stats.droppedFrames, stats.decodedFrames, stats.segmentsLoaded, stats.segmentsFailed, stats.bytesLoaded,
    stats.startupMs ?? -1, stats.stalls, stats.stallSeconds, stats.watchSeconds, stats.latency,
  ];
  console.log(figures);
  // @ts-expect-error: startupMs may be null
  const startup: number = stats.startupMs;
  console.log(startup);

  player.on(Events.MANIFEST_LOADING, ({ url }) => console.log(url.length));
  player.on("manifestParsed", ({ levels }) => console.log(levels[0]?.height));
  player.on(Events.LEVEL_LOADED, (d) => console.log(d.level, d.live === true, d.duration, d.segments));
  player.on(Events.LEVEL_SWITCHING, ({ level }) => console.log(level + bps + lag));
  player.on(Events.LEVEL_SWITCHED, ({ level }) => console.log(level));
  player.on(Events.RESUME_APPLIED, ({ position, source }) => console.log(position, source === "server"));
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

export async function party(player: Player, video: HTMLVideoElement): Promise<void> {
  const options: WatchPartyOptions = { player, name: "Ana", token: "invite" };
  const party: WatchParty = await WatchParty.join("/ws/party/room1", options);
  await WatchParty.join("wss://party.example/ws/party/r", { player: video, name: "Bo" });
  // @ts-expect-error: a name is required
  await WatchParty.join("/ws/party/r", { player });
  // @ts-expect-error: parties come from join()
  new WatchParty();
  party.play();
  party.pause();
  party.seek(30);
  party.send("hello");
  party.mute(2, 60, "spam");
  party.mute(2);
  party.unmute(2);
  party.ban(3, "rude");
  party.makeHost(4);
  party.setHostOnlyControl(true);
  const id: number | null = party.id;
  const sync: PartySync | null = party.sync;
  const state: PartyState | null = party.state;
  const corrections: WatchPartyStats = party.stats;
  const now: number | null = party.serverTime();
  console.log(id, sync?.offset, sync?.rtt, sync?.error, state?.phase, state?.position, state?.at, state?.seq);
  console.log(corrections.seeks + corrections.correctiveSeeks + corrections.rateChanges, now, state?.resume, state?.by);
  party.on("members", ({ host, members }) => {
    const list: PartyMember[] = members;
    console.log(host, list.map((m) => `${m.id} ${m.name} ${m.ready} ${m.muted}`));
  });
  party.on("chat", (c) => console.log(c.id, c.from, c.name, c.at, c.text));
  party.on("state", (s: PartyState) => console.log(s.phase === "waiting"));
  party.on("sync", (s) => console.log(s.offset));
  party.on("settings", (s) => console.log(s.hostOnlyControl));
  party.on("muted", (m) => console.log(m.durationS ?? 0, m.reason ?? ""));
  party.on("banned", (b) => console.log(b.reason));
  party.on("joined", ({ you }) => console.log(you));
  const onClose = (c: WatchPartyEventMap["close"]) => console.log(c.code, c.reason);
  party.once("close", onClose);
  party.off("close", onClose);
  party.on("error", (e) => console.log(e.code === "rate_limited", e.message));
  const names: WatchPartyEvent[] = ["members", "chat"];
  console.log(names);
  // @ts-expect-error: unknown party event
  party.on("message", () => {});
  // @ts-expect-error: seek takes seconds
  party.seek("30");
  party.leave();
}

export async function resume(video: HTMLVideoElement, player: Player): Promise<void> {
  const options: ApiOptions = { apiBase: "https://api.example", token: "jwt", user: "u1" };
  const client = new ResumeClient(options);
  new ResumeClient();
  client.setToken("jwt2");
  client.setToken(null);
  const where: ResumeResolution = await client.resolve("vod", 600);
  const record: ResumeRecord | null = where.record;
  console.log(where.position, where.source, record?.position, record?.duration, record?.completed, record?.updatedAt);
  client.track("vod", video);
  client.track("vod", player);
  client.untrack();
  const left: number = await client.flush();
  const pending: number = client.pending();
  console.log(left + pending);
  // @ts-expect-error: contentId is a string
  client.track(42, video);
  client.destroy();

  const reporter = SessionReporter.begin({ token: "jwt" }, "vod", video);
  // @ts-expect-error: a token is required
  SessionReporter.begin({}, "vod", video);
  reporter.bitrate(2_000_000);
  reporter.error("fragLoadError");
  const qoe: QoeReport = reporter.qoe();
  console.log(qoe.watchTimeS, qoe.startupMs, qoe.rebufferCount, qoe.rebufferS, qoe.bitrateHistogram["2000000"]);
  console.log(qoe.meanBitrate, qoe.errors.join(), reporter.sessionId);
  reporter.finish();
}

export function tools(segment: Uint8Array, text: string): void {
  const transmuxer = new Transmuxer();
  const out: TransmuxOutput = transmuxer.pushSegment(segment);
  transmuxer.pushSegment(segment.buffer as ArrayBuffer, true);
  console.log(out.init?.byteLength, out.media.byteLength, out.codecs);
  // @ts-expect-error: bytes, not text
  transmuxer.pushSegment(text);
  transmuxer.destroy();
  const summary: PlaylistSummary = inspectPlaylist(text, "https://cdn.example/master.m3u8");
  if (summary.kind === "multivariant") {
    console.log(summary.variants.map((v) => v.bandwidth + v.width + v.height + v.codecs + v.url), summary.renditions);
  } else {
    console.log(summary.segments, summary.duration, summary.targetDuration, summary.mediaSequence, summary.live);
  }
}

// --- Presigned URLs (issue #7) ---
export async function playSigned(video: HTMLVideoElement): Promise<void> {
  await init();
  const options: VideoProxyOptions = {
    apiBase: "https://api.example",
    tokenProvider: async () => "jwt",
    customExpiryParam: "exp",
    fetch: (input, init) => fetch(input, init),
  };
  const proxy = new VideoProxyClient(options);
  new VideoProxyClient({ tokenProvider: () => "jwt" });
  // @ts-expect-error: tokenProvider is required
  new VideoProxyClient({ apiBase: "" });
  // @ts-expect-error: tokenProvider gives a string
  new VideoProxyClient({ tokenProvider: async () => 42 });
  try {
    const issued: StreamUrl = await proxy.getStreamUrl("vod", "720p", "s-1");
    const signing: UrlSigning | null = issued.signing;
    const left: number = issued.expiresAt - issued.refreshAt + issued.skewMs;
    const qualities: string[] = issued.qualities;
    const duration: number | null = issued.duration;
    console.log(issued.url, signing, left, qualities, duration);
  } catch (e) {
    const error = e as StreamUrlError;
    console.log(error.code, error.status, error.message);
  }
  // @ts-expect-error: contentId is a string
  proxy.getStreamUrl(7);
  proxy.invalidate("vod");

  const player = new Player(video, { proxy });
  new Player(video, { proxy: { apiBase: "", tokenProvider: async () => "jwt" } });
  const own: StreamUrlProvider = { getStreamUrl: async () => ({ url: "https://cdn.example/a.m3u8" }) };
  new Player(video, { proxy: own });
  // @ts-expect-error: a proxy gives URLs
  new Player(video, { proxy: "https://api.example" });
  const source: ContentSource = { contentId: "vod", quality: "720p", sessionId: "s-1", startPosition: 5 };
  player.load(source);
  player.load({ contentId: "vod" });
  player.load("https://cdn.example/vod/master.m3u8", { contentId: "vod", quality: "720p", sessionId: "s-1" });
  // @ts-expect-error: contentId is required
  player.load({ quality: "720p" });
  player.on(Events.URL_EXPIRED, ({ url }) => console.log(url.length));
  player.destroy();
}

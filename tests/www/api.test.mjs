// The package's JS API in Chromium, from its public entry point (sdk/pkg/index.js as served at
// /sdk/): every entry point throws (or rejects with) an Error whose message names the call and
// says what was expected, for wrong argument types, a missing video element, calls before
// init() and after destroy()/leave()/finish(); never a wasm trap, panic text or a message about
// pointers. once/off behave, and stats() reports what was loaded and played.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, startServer } from "../lib/harness.mjs";

let server;
let browser;
let page;
/** Console errors and uncaught exceptions of the page, for the no-panic check. */
const problems = [];

before(async () => {
  server = await startServer(["--party-dev"]);
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // Any same-origin document will do: the tests build their own <video>.
  await page.goto(`${server.url}sdk/package.json`);
  await page.setContent("<!doctype html><title>api</title><video muted></video>");
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const BAD_TEXT = /unreachable|panicked|RuntimeError|null pointer|recursive use|wasm-bindgen|__wbg/i;

/** Runs each case in the page; returns what each threw: `{isError, message}` or null. */
function throwsIn(cases) {
  return page.evaluate(async (cases) => {
    const m = await import("/sdk/index.js");
    const out = {};
    for (const [name, body] of Object.entries(cases)) {
      try {
        await new Function("m", `return (async () => { ${body} })()`)(m);
        out[name] = null;
      } catch (e) {
        out[name] = { isError: e instanceof Error, message: String(e?.message ?? e) };
      }
    }
    return out;
  }, cases);
}

function assertClear(results, expected) {
  for (const [name, pattern] of Object.entries(expected)) {
    const got = results[name];
    assert.ok(got, `${name}: did not throw`);
    assert.ok(got.isError, `${name}: threw a non-Error: ${got.message}`);
    assert.match(got.message, pattern, name);
    assert.doesNotMatch(got.message, BAD_TEXT, name);
  }
  assert.deepEqual(Object.keys(results).sort(), Object.keys(expected).sort(), "every case has an expectation");
}

test("every entry point used before init() throws an Error that says to call init()", async () => {
  // A fresh module instance: the import below is this page's first.
  const r = await throwsIn({
    player: "new m.Player(document.querySelector('video'));",
    party: "await m.WatchParty.join('/ws/party/r', { player: document.querySelector('video'), name: 'a' });",
    resume: "new m.ResumeClient();",
    reporter: "m.SessionReporter.begin({ token: 't' }, 'vod', document.querySelector('video'));",
    proxy: "new m.VideoProxyClient({ tokenProvider: () => 't' });",
    transmuxer: "new m.Transmuxer();",
    inspect: "m.inspectPlaylist('#EXTM3U', 'https://a.example/');",
  });
  assertClear(r, {
    player: /^new Player: call `await init\(\)` first/,
    party: /^WatchParty\.join: call `await init\(\)` first/,
    resume: /^new ResumeClient: call `await init\(\)` first/,
    reporter: /^SessionReporter\.begin: call `await init\(\)` first/,
    proxy: /^new VideoProxyClient: call `await init\(\)` first/,
    transmuxer: /^new Transmuxer: call `await init\(\)` first/,
    inspect: /^inspectPlaylist: call `await init\(\)` first/,
  });
});

test("Player: wrong argument types and a missing video element throw clear Errors", async () => {
  const setup = "await m.default(); const v = document.querySelector('video');";
  const withPlayer = (body) => `${setup} const p = new m.Player(v); try { ${body} } finally { p.destroy(); }`;
  const r = await throwsIn({
    noVideo: `${setup} new m.Player();`,
    nullVideo: `${setup} new m.Player(null);`,
    selector: `${setup} new m.Player('#video');`,
    div: `${setup} new m.Player(document.createElement('div'));`,
    audio: `${setup} new m.Player(document.createElement('audio'));`,
    configType: `${setup} new m.Player(v, 5);`,
    configArray: `${setup} new m.Player(v, []);`,
    configField: `${setup} new m.Player(v, { maxBufferLength: 'lots' });`,
    configNaN: `${setup} new m.Player(v, { retryDelay: NaN });`,
    configStartLevel: `${setup} new m.Player(v, { startLevel: -2 });`,
    configRetries: `${setup} new m.Player(v, { maxLoadRetries: 1.5 });`,
    configBuffer: `${setup} new m.Player(v, { maxBufferLength: 0 });`,
    configResume: `${setup} new m.Player(v, { resume: 'yes' });`,
    configResumeToken: `${setup} new m.Player(v, { resume: { token: 42 } });`,
    loadNumber: withPlayer("p.load(42);"),
    loadNull: withPlayer("p.load(null);"),
    loadNothing: withPlayer("p.load();"),
    loadBadUrl: withPlayer("p.load('http://[::1');"),
    loadOptions: withPlayer("p.load('/media/vod/master.m3u8', 'vod');"),
    loadStart: withPlayer("p.load('/media/vod/master.m3u8', { startPosition: '10' });"),
    loadContentId: withPlayer("p.load('/media/vod/master.m3u8', { contentId: 7 });"),
    seekString: withPlayer("p.seek('10');"),
    seekNaN: withPlayer("p.seek(NaN);"),
    seekInfinity: withPlayer("p.seek(Infinity);"),
    seekNegative: withPlayer("p.seek(-1);"),
    currentLevelNegative: withPlayer("p.currentLevel = -2;"),
    currentLevelMissing: withPlayer("p.currentLevel = 7;"),
    nextLevelString: withPlayer("p.nextLevel = 'high';"),
    nextLevelFraction: withPlayer("p.nextLevel = 1.5;"),
    autoLevel: withPlayer("p.autoLevel = 'yes';"),
    onUnknown: withPlayer("p.on('manifestLoaded', () => {});"),
    onNumberName: withPlayer("p.on(42, () => {});"),
    onNotFunction: withPlayer("p.on('error', 'log');"),
    onceNotFunction: withPlayer("p.once('error', null);"),
    offUnknown: withPlayer("p.off('nope', () => {});"),
    offNotFunction: withPlayer("p.off('error');"),
  });
  assertClear(r, {
    noVideo: /^new Player: video must be an HTMLVideoElement, got undefined$/,
    nullVideo: /^new Player: video must be an HTMLVideoElement, got null$/,
    selector: /^new Player: video must be an HTMLVideoElement, got the string "#video"$/,
    div: /^new Player: video must be an HTMLVideoElement, got a <div> element$/,
    audio: /^new Player: video must be an HTMLVideoElement, got a <audio> element$/,
    configType: /^new Player: config must be an object, got the number 5$/,
    configArray: /^new Player: config must be an object, got an array$/,
    configField: /^new Player: config\.maxBufferLength must be a finite number/,
    configNaN: /^new Player: config\.retryDelay must be a finite number \(at least 0\), got the number NaN$/,
    configStartLevel: /^new Player: config\.startLevel must be an integer \(at least -1\), got the number -2$/,
    configRetries: /^new Player: config\.maxLoadRetries must be an integer \(at least 0\), got the number 1\.5$/,
    configBuffer: /^new Player: config\.maxBufferLength must be a finite number \(at least 1\), got the number 0$/,
    configResume: /^new Player: config\.resume must be an object or false, got the string "yes"$/,
    configResumeToken: /^new Player: config\.resume\.token must be a string, got the number 42$/,
    loadNumber: /^Player\.load: needs a playlist URL \(a string\) or \{contentId\}, got the number 42$/,
    loadNull: /^Player\.load: needs a playlist URL \(a string\) or \{contentId\}, got null$/,
    loadNothing: /^Player\.load: needs a playlist URL \(a string\) or \{contentId\}, got undefined$/,
    loadBadUrl: /^Player\.load: "http:\/\/\[::1" is not a valid URL$/,
    loadOptions: /^Player\.load: options must be an object, got the string "vod"$/,
    loadStart: /^Player\.load: options\.startPosition must be a finite number \(at least 0\), got the string "10"$/,
    loadContentId: /^Player\.load: options\.contentId must be a non-empty string, got the number 7$/,
    seekString: /^Player\.seek: position must be a finite number \(at least 0\), got the string "10"$/,
    seekNaN: /^Player\.seek: position must be a finite number \(at least 0\), got the number NaN$/,
    seekInfinity: /^Player\.seek: position must be a finite number \(at least 0\), got the number Infinity$/,
    seekNegative: /^Player\.seek: position must be a finite number \(at least 0\), got the number -1$/,
    currentLevelNegative: /^Player\.currentLevel: level must be an integer \(at least -1\), got the number -2$/,
    currentLevelMissing: /^Player\.currentLevel: there is no level 7: no levels are known before manifestParsed/,
    nextLevelString: /^Player\.nextLevel: level must be an integer \(at least -1\), got the string "high"$/,
    nextLevelFraction: /^Player\.nextLevel: level must be an integer \(at least -1\), got the number 1\.5$/,
    autoLevel: /^Player\.autoLevel: the value must be a boolean, got the string "yes"$/,
    onUnknown: /^Player\.on: unknown event "manifestLoaded"; known: manifestLoading, manifestParsed/,
    onNumberName: /^Player\.on: unknown event the number 42/,
    onNotFunction: /^Player\.on: listener must be a function, got the string "log"$/,
    onceNotFunction: /^Player\.once: listener must be a function, got null$/,
    offUnknown: /^Player\.off: unknown event "nope"/,
    offNotFunction: /^Player\.off: listener must be a function, got undefined$/,
  });
});

test("Player: every member used after destroy() throws an Error that says so; destroy() twice is fine", async () => {
  const setup = "await m.default(); const p = new m.Player(document.querySelector('video')); p.destroy(); p.destroy();";
  const calls = {
    load: "p.load('/media/vod/master.m3u8');",
    play: "await p.play();",
    pause: "p.pause();",
    seek: "p.seek(1);",
    recoverMediaError: "p.recoverMediaError();",
    levels: "p.levels;",
    media: "p.media;",
    currentLevel: "p.currentLevel;",
    setCurrentLevel: "p.currentLevel = 0;",
    nextLevel: "p.nextLevel;",
    setNextLevel: "p.nextLevel = 0;",
    autoLevel: "p.autoLevel;",
    setAutoLevel: "p.autoLevel = true;",
    autoLevelEnabled: "p.autoLevelEnabled;",
    latency: "p.latency;",
    liveEdge: "p.liveEdge;",
    bandwidthEstimate: "p.bandwidthEstimate;",
    stats: "p.stats();",
    on: "p.on('error', () => {});",
    once: "p.once('error', () => {});",
    off: "p.off('error', () => {});",
  };
  const r = await throwsIn(Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, `${setup} ${v}`])));
  const member = (k) => (k.startsWith("set") ? k[3].toLowerCase() + k.slice(4) : k);
  assertClear(r, Object.fromEntries(Object.keys(calls).map((k) => [k, new RegExp(`^Player\\.${member(k)}: called after destroy\\(\\)$`)])));
  // The glue object is not reachable: no `free()` to call twice, no pointer to misuse.
  const exposed = await page.evaluate(async () => {
    const m = await import("/sdk/index.js");
    const p = new m.Player(document.querySelector("video"));
    p.destroy();
    return { free: typeof p.free, ptr: "__wbg_ptr" in p, keys: Object.keys(p) };
  });
  assert.deepEqual(exposed, { free: "undefined", ptr: false, keys: [] });
});

test("WatchParty: bad options reject with clear Errors; every member used after leave() throws", async () => {
  const setup = "await m.default(); const v = document.querySelector('video');";
  const r = await throwsIn({
    noOptions: `${setup} await m.WatchParty.join('/ws/party/r');`,
    urlNumber: `${setup} await m.WatchParty.join(42, { player: v, name: 'a' });`,
    noPlayer: `${setup} await m.WatchParty.join('/ws/party/r', { name: 'a' });`,
    divPlayer: `${setup} await m.WatchParty.join('/ws/party/r', { player: document.body, name: 'a' });`,
    noName: `${setup} await m.WatchParty.join('/ws/party/r', { player: v });`,
    tokenNumber: `${setup} await m.WatchParty.join('/ws/party/r', { player: v, name: 'a', token: 5 });`,
    badScheme: `${setup} await m.WatchParty.join('ftp://a.example/r', { player: v, name: 'a' });`,
    notUrl: `${setup} await m.WatchParty.join('http://[x/r', { player: v, name: 'a' });`,
    unreachable: `${setup} await m.WatchParty.join('ws://127.0.0.1:9/ws/party/r', { player: v, name: 'a' });`,
    destroyedPlayer: `${setup} const p = new m.Player(v); p.destroy(); await m.WatchParty.join('/ws/party/r', { player: p, name: 'a' });`,
    refused: `${setup} await m.WatchParty.join('/ws/party/r', { player: v, name: 'a', token: 'not-a-token' });`,
    construct: `${setup} new m.WatchParty();`,
  });
  assertClear(r, {
    noOptions: /^WatchParty\.join: options must be an object, got undefined$/,
    urlNumber: /^WatchParty\.join: url must be a non-empty string, got the number 42$/,
    noPlayer: /^WatchParty\.join: options\.player must be an HTMLVideoElement or a Player, got undefined$/,
    divPlayer: /^WatchParty\.join: options\.player must be an HTMLVideoElement or a Player, got a <body> element$/,
    noName: /^WatchParty\.join: options\.name must be a non-empty string, got undefined$/,
    tokenNumber: /^WatchParty\.join: options\.token must be a string, got the number 5$/,
    badScheme: /^WatchParty\.join: .*ftp: URLs cannot carry a WebSocket/,
    notUrl: /^WatchParty\.join: "http:\/\/\[x\/r" is not a URL$/,
    unreachable: /^WatchParty\.join: connection closed \(1006\)$/,
    destroyedPlayer: /^Player\.media: called after destroy\(\)$/,
    refused: /^WatchParty\.join: ./,
    construct: /^new WatchParty: use `await WatchParty\.join\(url, options\)`$/,
  });

  const joined = `${setup}
    const guest = 'g' + Math.floor(Math.random() * 1e9);
    const invite = await (await fetch('/api/party/invite?room=api-errors&guest=' + guest)).json();
    const party = await m.WatchParty.join('/ws/party/api-errors', { player: v, name: 'Ana', token: invite.token });`;
  const bad = await throwsIn({
    seekString: `${joined} try { party.seek('10'); } finally { party.leave(); }`,
    seekNaN: `${joined} try { party.seek(NaN); } finally { party.leave(); }`,
    sendNumber: `${joined} try { party.send(42); } finally { party.leave(); }`,
    muteMember: `${joined} try { party.mute('x'); } finally { party.leave(); }`,
    banNegative: `${joined} try { party.ban(-1); } finally { party.leave(); }`,
    hostOnly: `${joined} try { party.setHostOnlyControl('yes'); } finally { party.leave(); }`,
    onUnknown: `${joined} try { party.on('message', () => {}); } finally { party.leave(); }`,
  });
  assertClear(bad, {
    seekString: /^WatchParty\.seek: position must be a finite number \(at least 0\), got the string "10"$/,
    seekNaN: /^WatchParty\.seek: position must be a finite number \(at least 0\), got the number NaN$/,
    sendNumber: /^WatchParty\.send: text must be a non-empty string, got the number 42$/,
    muteMember: /^WatchParty\.mute: member must be an integer \(at least 0\), got the string "x"$/,
    banNegative: /^WatchParty\.ban: member must be an integer \(at least 0\), got the number -1$/,
    hostOnly: /^WatchParty\.setHostOnlyControl: enabled must be a boolean, got the string "yes"$/,
    onUnknown: /^WatchParty\.on: unknown event "message"; known: joined, members, chat/,
  });

  const calls = {
    play: "party.play();",
    pause: "party.pause();",
    seek: "party.seek(1);",
    send: "party.send('hi');",
    mute: "party.mute(1);",
    unmute: "party.unmute(1);",
    ban: "party.ban(1);",
    makeHost: "party.makeHost(1);",
    setHostOnlyControl: "party.setHostOnlyControl(true);",
    id: "party.id;",
    sync: "party.sync;",
    state: "party.state;",
    stats: "party.stats;",
    serverTime: "party.serverTime();",
    on: "party.on('chat', () => {});",
    once: "party.once('chat', () => {});",
    off: "party.off('chat', () => {});",
  };
  const left = await throwsIn(
    Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, `${joined} party.leave(); party.leave(); ${v}`])),
  );
  assertClear(left, Object.fromEntries(Object.keys(calls).map((k) => [k, new RegExp(`^WatchParty\\.${k}: called after leave\\(\\)$`)])));
});

test("WatchParty: chat and moderation reach the member as events; once banned, calls throw, state stays readable and the rate is restored", async () => {
  const seen = await page.evaluate(async () => {
    const m = await import("/sdk/index.js");
    await m.default();
    const room = "api-moderation-" + Math.floor(Math.random() * 1e9);
    const videos = {};
    const join = async (name) => {
      const video = document.body.appendChild(document.createElement("video"));
      videos[name] = video;
      const invite = await (await fetch(`/api/party/invite?room=${room}&guest=${name}`)).json();
      return m.WatchParty.join(`/ws/party/${room}`, { player: video, name, token: invite.token });
    };
    const host = await join("host");
    const guest = await join("guest");
    // A listener that throws does not keep the others from hearing the event.
    guest.on("chat", () => {
      throw new Error("a listener's own bug");
    });
    const next = (party, event) => new Promise((resolve) => party.once(event, resolve));
    const thrown = (fn) => {
      try {
        fn();
        return null;
      } catch (e) {
        return e.message;
      }
    };
    const chat = next(guest, "chat");
    host.send("hello");
    const line = await chat;
    const muted = next(guest, "muted");
    host.mute(guest.id, 30, "calm");
    const mute = await muted;
    const refused = next(guest, "error");
    guest.send("let me speak");
    const error = await refused;
    const banned = next(guest, "banned");
    const closed = next(guest, "close");
    videos.guest.playbackRate = 1.25;
    videos.host.playbackRate = 1.5;
    host.ban(guest.id, "bye");
    const ban = await banned;
    const close = await closed;
    const out = {
      line: { text: line.text, name: line.name, from: line.from === host.id },
      mute, code: error.code, ban, closeIsObject: typeof close.code === "number",
      playAfterClose: thrown(() => guest.play()),
      onAfterClose: thrown(() => guest.on("chat", () => {})),
      idAfterClose: typeof guest.id, stateAfterClose: guest.state?.phase,
    };
    out.guestRateAfterClose = videos.guest.playbackRate;
    host.leave();
    out.hostRateAfterLeave = videos.host.playbackRate;
    guest.leave();
    return out;
  });
  assert.deepEqual(seen, {
    line: { text: "hello", name: "host", from: true },
    mute: { durationS: 30, reason: "calm" },
    code: "muted",
    ban: { reason: "bye" },
    closeIsObject: true,
    playAfterClose: "WatchParty.play: this WatchParty has left its room; join again",
    onAfterClose: "WatchParty.on: this WatchParty has left its room; join again",
    idAfterClose: "number",
    stateAfterClose: "idle",
    guestRateAfterClose: 1,
    hostRateAfterLeave: 1,
  });
});

test("ResumeClient, SessionReporter, Transmuxer and inspectPlaylist: clear Errors for bad input and late calls", async () => {
  const setup = "await m.default(); const v = document.querySelector('video');";
  const r = await throwsIn({
    resumeOptions: `${setup} new m.ResumeClient(5);`,
    resumeToken: `${setup} new m.ResumeClient({ token: 5 });`,
    resolveId: `${setup} await new m.ResumeClient().resolve(42);`,
    resolveDuration: `${setup} await new m.ResumeClient().resolve('vod', 'long');`,
    trackMedia: `${setup} new m.ResumeClient().track('vod', document.body);`,
    setToken: `${setup} new m.ResumeClient().setToken(42);`,
    resumeDestroyed: `${setup} const c = new m.ResumeClient(); c.destroy(); await c.resolve('vod');`,
    trackDestroyed: `${setup} const c = new m.ResumeClient(); c.destroy(); c.destroy(); c.track('vod', v);`,
    reporterToken: `${setup} m.SessionReporter.begin({}, 'vod', v);`,
    reporterMedia: `${setup} m.SessionReporter.begin({ token: 't' }, 'vod', null);`,
    reporterId: `${setup} m.SessionReporter.begin({ token: 't' }, '', v);`,
    reporterBitrate: `${setup} const s = m.SessionReporter.begin({ token: 't' }, 'vod', v); try { s.bitrate('fast'); } finally { s.finish(); }`,
    reporterFinished: `${setup} const s = m.SessionReporter.begin({ token: 't' }, 'vod', v); s.finish(); s.finish(); s.error('x');`,
    reporterConstruct: `${setup} new m.SessionReporter();`,
    transmuxText: `${setup} new m.Transmuxer().pushSegment('bytes');`,
    transmuxFlag: `${setup} new m.Transmuxer().pushSegment(new Uint8Array(188), 'yes');`,
    transmuxGarbage: `${setup} new m.Transmuxer().pushSegment(new Uint8Array(1000).fill(7));`,
    transmuxDestroyed: `${setup} const t = new m.Transmuxer(); t.destroy(); t.destroy(); t.pushSegment(new Uint8Array(188));`,
    inspectText: `${setup} m.inspectPlaylist(42, 'https://a.example/');`,
    inspectUrl: `${setup} m.inspectPlaylist('#EXTM3U', null);`,
    inspectGarbage: `${setup} m.inspectPlaylist('not a playlist', 'https://a.example/x.m3u8');`,
  });
  assertClear(r, {
    resumeOptions: /^new ResumeClient: options must be an object, got the number 5$/,
    resumeToken: /^new ResumeClient: options\.token must be a string, got the number 5$/,
    resolveId: /^ResumeClient\.resolve: contentId must be a non-empty string, got the number 42$/,
    resolveDuration: /^ResumeClient\.resolve: duration must be a finite number \(at least 0\), got the string "long"$/,
    trackMedia: /^ResumeClient\.track: media must be an HTMLMediaElement or a Player, got a <body> element$/,
    setToken: /^ResumeClient\.setToken: token must be a string, got the number 42$/,
    resumeDestroyed: /^ResumeClient\.resolve: called after destroy\(\)$/,
    trackDestroyed: /^ResumeClient\.track: called after destroy\(\)$/,
    reporterToken: /^SessionReporter\.begin: options\.token must be a non-empty string, got undefined$/,
    reporterMedia: /^SessionReporter\.begin: media must be an HTMLMediaElement or a Player, got null$/,
    reporterId: /^SessionReporter\.begin: contentId must be a non-empty string, got the string ""$/,
    reporterBitrate: /^SessionReporter\.bitrate: bps must be a finite number \(at least 0\), got the string "fast"$/,
    reporterFinished: /^SessionReporter\.error: called after finish\(\)$/,
    reporterConstruct: /^new SessionReporter: use `SessionReporter\.begin/,
    transmuxText: /^Transmuxer\.pushSegment: data must be a Uint8Array or an ArrayBuffer, got the string "bytes"$/,
    transmuxFlag: /^Transmuxer\.pushSegment: discontinuity must be a boolean, got the string "yes"$/,
    transmuxGarbage: /^Transmuxer\.pushSegment: ./,
    transmuxDestroyed: /^Transmuxer\.pushSegment: called after destroy\(\)$/,
    inspectText: /^inspectPlaylist: text must be a string, got the number 42$/,
    inspectUrl: /^inspectPlaylist: url must be a non-empty string, got null$/,
    inspectGarbage: /^inspectPlaylist: ./,
  });
});

test("VideoProxyClient: bad options and arguments throw or reject with clear Errors", async () => {
  const setup = "await m.default(); const tokenProvider = () => 'jwt';";
  const r = await throwsIn({
    noOptions: `${setup} new m.VideoProxyClient();`,
    noProvider: `${setup} new m.VideoProxyClient({ apiBase: '' });`,
    apiBase: `${setup} new m.VideoProxyClient({ apiBase: 5, tokenProvider });`,
    customParam: `${setup} new m.VideoProxyClient({ tokenProvider, customExpiryParam: '' });`,
    fetch: `${setup} new m.VideoProxyClient({ tokenProvider, fetch: 'fetch' });`,
    contentId: `${setup} await new m.VideoProxyClient({ tokenProvider }).getStreamUrl(7);`,
    quality: `${setup} await new m.VideoProxyClient({ tokenProvider }).getStreamUrl('vod', '');`,
    invalidate: `${setup} new m.VideoProxyClient({ tokenProvider }).invalidate(5);`,
    token: `${setup} await new m.VideoProxyClient({ tokenProvider: async () => 42 }).getStreamUrl('vod');`,
    unreachable: `${setup} await new m.VideoProxyClient({ tokenProvider, fetch: async () => { throw new TypeError('Failed to fetch'); } }).getStreamUrl('vod');`,
    configProxy: `${setup} new m.Player(document.querySelector('video'), { proxy: { apiBase: '' } });`,
  });
  assertClear(r, {
    noOptions: /^new VideoProxyClient: options must be an object, got undefined$/,
    noProvider: /^new VideoProxyClient: options\.tokenProvider must be a function giving the bearer token, got undefined$/,
    apiBase: /^new VideoProxyClient: options\.apiBase must be a string, got the number 5$/,
    customParam: /^new VideoProxyClient: options\.customExpiryParam must be a non-empty string, got the string ""$/,
    fetch: /^new VideoProxyClient: options\.fetch must be a function, got the string "fetch"$/,
    contentId: /^VideoProxyClient\.getStreamUrl: contentId must be a non-empty string, got the number 7$/,
    quality: /^VideoProxyClient\.getStreamUrl: quality must be a non-empty string, got the string ""$/,
    invalidate: /^VideoProxyClient\.invalidate: contentId must be a non-empty string, got the number 5$/,
    token: /^VideoProxyClient: tokenProvider must give a non-empty string, gave the number 42$/,
    unreachable: /^stream-url: \/api\/stream-url could not be reached: Failed to fetch$/,
    configProxy: /^new Player: config\.proxy\.tokenProvider must be a function/,
  });
});

test("VideoProxyClient asks the API once per key, caches until renewal, shares requests in flight", async () => {
  const out = await page.evaluate(async () => {
    const m = await import("/sdk/index.js");
    await m.default();
    const requests = [];
    // A stream-URL API: URLs living 600 s, expiry in the `exp` parameter (epoch seconds).
    const fetch = async (url, init) => {
      const body = JSON.parse(init.body);
      requests.push({ url, method: init.method, auth: init.headers.Authorization, body });
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (body.contentId === "blocked") {
        return new Response(JSON.stringify({ error: "geo_blocked", message: "not in this country" }), { status: 403 });
      }
      const now = Date.now();
      const exp = Math.floor(now / 1000) + 600;
      return new Response(JSON.stringify({
        url: `https://cdn.example/${body.contentId}/${body.quality ?? "master"}.m3u8?exp=${exp}&sig=x`,
        serverTime: new Date(now).toISOString(),
        qualities: ["480p", "720p"],
        duration: 60,
      }));
    };
    let token = "jwt-1";
    const proxy = new m.VideoProxyClient({ apiBase: "https://api.example/", tokenProvider: async () => token, customExpiryParam: "exp", fetch });
    const before = Date.now();
    const [a, b] = await Promise.all([proxy.getStreamUrl("vod"), proxy.getStreamUrl("vod")]);
    const after = Date.now();
    const shared = requests.length;
    const cached = await proxy.getStreamUrl("vod");
    const cachedRequests = requests.length;
    const rendition = await proxy.getStreamUrl("vod", "720p", "s-given");
    token = "jwt-2";
    await proxy.getStreamUrl("vod");
    const perToken = requests.length;
    proxy.invalidate("vod");
    await proxy.getStreamUrl("vod");
    const afterInvalidate = requests.length;
    let error = null;
    try {
      await proxy.getStreamUrl("blocked");
    } catch (e) {
      error = { message: e.message, code: e.code, status: e.status };
    }
    await proxy.getStreamUrl("blocked").catch(() => {});
    return { a, b, cached, rendition, before, after, shared, cachedRequests, perToken, afterInvalidate, error, requests };
  });
  const { a, b, cached, rendition, requests } = out;
  // Two concurrent calls, one request; then the cache answers.
  assert.equal(out.shared, 1);
  assert.deepEqual(b, a);
  assert.equal(out.cachedRequests, 1);
  assert.equal(cached.url, a.url);
  assert.equal(requests[0].url, "https://api.example/api/stream-url");
  assert.equal(requests[0].method, "POST");
  assert.equal(requests[0].auth, "Bearer jwt-1");
  assert.deepEqual(Object.keys(requests[0].body), ["contentId", "sessionId"]);
  assert.match(requests[0].body.sessionId, /^s-[0-9a-f]{16}$/);
  assert.equal(requests[2].body.sessionId, requests[0].body.sessionId, "one session id per client");
  // The answer as player-core read it: the expiry from `exp`, renewal at least 90 s (15 % of
  // 600 s) ahead of it.
  assert.match(a.url, /^https:\/\/cdn\.example\/vod\/master\.m3u8\?exp=\d+&sig=x$/);
  assert.equal(a.signing, "custom");
  assert.deepEqual(a.qualities, ["480p", "720p"]);
  assert.equal(a.duration, 60);
  const exp = Number(a.url.match(/exp=(\d+)/)[1]) * 1000;
  assert.ok(Math.abs(a.expiresAt - exp) < 1000 + (out.after - out.before), `expiresAt ${a.expiresAt}, exp ${exp}`);
  assert.ok(a.refreshAt <= a.expiresAt - 90_000 && a.refreshAt >= a.expiresAt - 300_000, `refreshAt ${a.expiresAt - a.refreshAt} ms early`);
  assert.equal(typeof a.skewMs, "number");
  // Another quality, another token, an invalidation: each asks again.
  assert.equal(rendition.url.split("?")[0], "https://cdn.example/vod/720p.m3u8");
  assert.deepEqual(requests[1].body, { contentId: "vod", quality: "720p", sessionId: "s-given" });
  assert.equal(out.perToken, 3);
  assert.equal(requests[2].auth, "Bearer jwt-2");
  assert.equal(out.afterInvalidate, 4);
  // An API error: its code and status; a failed request is asked again on the next call.
  assert.deepEqual(out.error, { message: "stream-url for blocked: not in this country (HTTP 403 geo_blocked)", code: "geo_blocked", status: 403 });
  assert.equal(requests.length, 6);
});

test("ResumeClient keeps positions locally, queues them and uploads the queue by the server's answers", async () => {
  const out = await page.evaluate(async () => {
    const m = await import("/sdk/index.js");
    await m.default();
    localStorage.clear();
    const video = document.createElement("video");
    let position = 42;
    Object.defineProperty(video, "currentTime", { get: () => position });
    Object.defineProperty(video, "duration", { get: () => 600 });
    const puts = [];
    let status = 503;
    const realFetch = window.fetch;
    window.fetch = async (url, init) => {
      if (init.method === "PUT") puts.push({ url, body: JSON.parse(init.body), auth: init.headers.authorization });
      if (init.method === "GET") return new Response("{}", { status: 404 });
      return new Response(null, { status });
    };
    try {
      const client = new m.ResumeClient({ apiBase: "https://api.example", user: "u1" });
      client.track("vod 1", video);
      video.dispatchEvent(new Event("seeked"));
      const local = JSON.parse(localStorage.getItem("flodrama.resume.u1.vod 1"));
      const queuedSignedOut = client.pending();
      // Under 10 s: not saved.
      position = 5;
      video.dispatchEvent(new Event("seeked"));
      const unchanged = JSON.parse(localStorage.getItem("flodrama.resume.u1.vod 1")).position;
      client.untrack();
      const resolved = await client.resolve("vod 1", 600);
      const other = await new m.ResumeClient({ user: "u2" }).resolve("vod 1");
      client.destroy();
      const signedIn = new m.ResumeClient({ apiBase: "https://api.example", user: "u1", token: "jwt" });
      const kept = await signedIn.flush();
      status = 404;
      const dropped = await signedIn.flush();
      signedIn.destroy();
      return { local, queuedSignedOut, unchanged, resolved, other, kept, dropped, puts, queue: localStorage.getItem("flodrama.resume-queue.u1") };
    } finally {
      window.fetch = realFetch;
      localStorage.clear();
    }
  });
  assert.equal(out.local.position, 42);
  assert.equal(out.local.duration, 600);
  assert.equal(out.local.completed, false);
  assert.equal(out.queuedSignedOut, 1);
  assert.equal(out.unchanged, 42);
  assert.equal(out.resolved.position, 42);
  assert.equal(out.resolved.source, "local");
  assert.deepEqual(out.resolved.record, out.local);
  assert.deepEqual(out.other, { position: 0, source: "none", record: null });
  // A 503 keeps the record queued, a 404 drops it (refused for good).
  assert.equal(out.kept, 1);
  assert.equal(out.dropped, 0);
  assert.equal(out.queue, null);
  assert.ok(out.puts.length >= 2, JSON.stringify(out.puts));
  assert.deepEqual(out.puts.at(-1), { url: "https://api.example/api/resume/vod%201", body: out.local, auth: "Bearer jwt" });
});

test("once() fires one time, off() removes on() and once() listeners, Events names them", async () => {
  const counts = await page.evaluate(async () => {
    const m = await import("/sdk/index.js");
    await m.default();
    const p = new m.Player(document.querySelector("video"));
    const seen = { once: 0, on: 0, removedOnce: 0, removedOn: 0 };
    const removedOnce = () => seen.removedOnce++;
    const removedOn = () => seen.removedOn++;
    p.once(m.Events.MANIFEST_LOADING, () => seen.once++);
    p.on(m.Events.MANIFEST_LOADING, () => seen.on++);
    p.once("manifestLoading", removedOnce);
    p.off("manifestLoading", removedOnce);
    p.on("manifestLoading", removedOn);
    p.off("manifestLoading", removedOn);
    p.load("/media/vod/master.m3u8");
    p.load("/media/vod/master.m3u8");
    p.destroy();
    return seen;
  });
  assert.deepEqual(counts, { once: 1, on: 2, removedOnce: 0, removedOn: 0 });
});

test("stats() counts the segments and bytes loaded, the startup time and the frames decoded", async () => {
  const stats = await page.evaluate(async () => {
    const m = await import("/sdk/index.js");
    await m.default();
    const video = document.querySelector("video");
    const p = new m.Player(video);
    const before = p.stats();
    const loaded = { segments: 0, bytes: 0 };
    p.on("fragLoaded", ({ bytes }) => {
      loaded.segments += 1;
      loaded.bytes += bytes;
    });
    p.load("/media/vod/master.m3u8");
    await p.play();
    await new Promise((resolve) => {
      const check = () => (video.currentTime > 2 ? resolve() : setTimeout(check, 100));
      check();
    });
    p.pause();
    const s = p.stats();
    p.destroy();
    return { before, s, loaded, level: s.level };
  });
  const { before, s, loaded } = stats;
  assert.equal(before.segmentsLoaded, 0);
  assert.equal(before.startupMs, null);
  assert.equal(before.level, -1);
  assert.equal(s.segmentsLoaded, loaded.segments);
  assert.equal(s.bytesLoaded, loaded.bytes);
  assert.ok(s.segmentsLoaded > 0 && s.bytesLoaded > 0, JSON.stringify(s));
  assert.equal(s.segmentsFailed, 0);
  assert.ok(s.startupMs > 0, `startupMs ${s.startupMs}`);
  assert.ok(s.decodedFrames > 0, `decodedFrames ${s.decodedFrames}`);
  assert.ok(s.level >= 0 && s.bitrate > 0 && s.height > 0, JSON.stringify(s));
  assert.ok(s.bandwidthEstimate > 0 && s.bufferedAhead > 0, JSON.stringify(s));
  assert.ok(s.watchSeconds > 1, `watchSeconds ${s.watchSeconds}`);
  assert.ok(Number.isNaN(s.latency), "VOD has no latency");
  assert.equal(typeof s.stalls, "number");
  assert.equal(typeof s.stallSeconds, "number");
});

test("load failures are typed error events, the player stays usable, and listeners may call back into it", async () => {
  const got = await page.evaluate(async () => {
    const m = await import("/sdk/index.js");
    await m.default();
    const p = new m.Player(document.querySelector("video"));
    const dataUrl = (mime, body) => `data:${mime},${encodeURIComponent(body)}`;
    /** Loads `url` and resolves with the next error event (or a note after 10 s). */
    const nextError = (url) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ note: "no error event within 10 s" }), 10_000);
        p.once("error", (e) => {
          clearTimeout(timer);
          resolve(e);
        });
        p.load(url);
      });
    const notFound = await nextError("/no-such-title/master.m3u8");
    const html = await nextError(dataUrl("text/html", "<!doctype html><p>not a playlist</p>"));
    const json = await nextError(dataUrl("application/json", '{"hello": "world"}'));
    const segment = dataUrl("video/mp4", "<html>this is an error page, not video</html>");
    const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n${segment}\n#EXT-X-ENDLIST\n`;
    const notMedia = await nextError(dataUrl("application/vnd.apple.mpegurl", playlist));
    // A listener that throws does not stop the next one; one that calls back into the player
    // (reads its state, sets a level) sees a consistent player.
    const calls = [];
    p.on("manifestLoading", () => {
      throw new Error("listener bug");
    });
    p.on("manifestLoading", () => calls.push(["levels", p.levels.length, p.currentLevel]));
    p.on("manifestParsed", ({ levels }) => {
      p.nextLevel = levels.length - 1;
      calls.push(["nextLevel", p.nextLevel === levels.length - 1, p.autoLevelEnabled]);
    });
    await new Promise((resolve) => {
      p.once("levelLoaded", resolve);
      p.load("/media/vod/master.m3u8");
    });
    const trackErrors = [];
    for (const set of [() => (p.audioTrack = -1), () => (p.subtitleTrack = "en")]) {
      try {
        set();
      } catch (e) {
        trackErrors.push(e.message);
      }
    }
    p.destroy();
    return { notFound, html, json, notMedia, calls, trackErrors };
  });
  assert.deepEqual([got.notFound.type, got.notFound.details, got.notFound.fatal], ["networkError", "manifestLoadError", true]);
  assert.match(got.notFound.message, /HTTP 404/);
  assert.equal(got.html.details, "manifestParsingError");
  assert.deepEqual([got.json.details, got.json.fatal], ["manifestParsingError", true]);
  assert.match(got.json.message, /#EXTM3U/);
  assert.deepEqual([got.notMedia.type, got.notMedia.details, got.notMedia.fatal], ["muxError", "fragParsingError", true]);
  assert.deepEqual(got.calls, [["levels", 0, -1], ["nextLevel", true, false]]);
  assert.deepEqual(got.trackErrors, [
    "Player.audioTrack: id must be an integer (at least 0), got the number -1",
    'Player.subtitleTrack: id must be an integer (at least -1), got the string "en"',
  ]);
  const thrown = problems.filter((p) => /listener bug/.test(p));
  assert.ok(thrown.length > 0, "the listener's exception is logged");
  problems.splice(0, problems.length, ...problems.filter((p) => !/listener bug/.test(p)));
});

test("the MSE queue runs one operation at a time and appends refused bytes again right after the eviction", async () => {
  const log = await page.evaluate(async () => {
    const { MediaSink, APPEND, REMOVE } = await import("/sdk/mse.js");
    const log = [];
    // The engine inputs it reports, by kind (`PlayerCore.input`, sdk/src/player.rs).
    const reports = { 5: "appended", 6: "appendFailed", 7: "removed" };
    const report = (kind, nums, text) => log.push([reports[kind], ...nums, ...(text === undefined ? [] : [text])].join(" "));
    // A MediaSource whose SourceBuffer refuses the first append with QuotaExceededError.
    class FakeBuffer {
      updating = false;
      refusals = 1;
      appendBuffer(bytes) {
        if (this.refusals-- > 0) throw new DOMException("the buffer is full", "QuotaExceededError");
        log.push(`append ${bytes[0]}`);
        this.updating = true;
      }
      remove(start, end) {
        log.push(`remove ${start}-${end}`);
        this.updating = true;
      }
      finish() {
        this.updating = false;
        this.onupdateend();
      }
    }
    const buffer = new FakeBuffer();
    const RealMediaSource = globalThis.MediaSource;
    // A Blob, so that URL.createObjectURL takes it as it takes a MediaSource.
    globalThis.MediaSource = class extends Blob {
      readyState = "open";
      static isTypeSupported = () => true;
      addSourceBuffer() {
        return buffer;
      }
    };
    try {
      const sink = new MediaSink(() => {}, report, () => {});
      sink.addTrack(0, "video/mp4");
      sink.push({ k: APPEND, track: 0, data: new Uint8Array([1]) });
      sink.push({ k: APPEND, track: 0, data: new Uint8Array([2]) });
      log.push("evict");
      sink.push({ k: REMOVE, track: 0, start: 0, end: 10 });
      buffer.finish();
      buffer.finish();
      buffer.finish();
      sink.close();
    } finally {
      globalThis.MediaSource = RealMediaSource;
    }
    return log;
  });
  assert.deepEqual(log, [
    "appendFailed 0 1 QuotaExceededError: the buffer is full",
    "evict",
    "remove 0-10",
    "removed 0",
    "append 1",
    "appended 0",
    "append 2",
    "appended 0",
  ]);
});

test("no case above panicked, trapped or left an unhandled rejection", () => {
  const bad = problems.filter((p) => BAD_TEXT.test(p) || /Uncaught/.test(p));
  assert.deepEqual(bad, []);
});

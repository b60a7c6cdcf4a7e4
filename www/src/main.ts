// A viewer's page built the way a frontend developer would: @flodrama/player from npm, Vite,
// a quality menu and a watch-party panel. `?src=<playlist URL>` plays another title and
// `?room=<code>` joins that watch party at once.
import init, { Events, Player, WatchParty, type Level, type PartyMember, type PartyState } from "@flodrama/player";

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const video = $<HTMLVideoElement>("#video");
const quality = $<HTMLSelectElement>("#quality");
const levelInfo = $<HTMLElement>("#level-info");
const resolution = $<HTMLElement>("#resolution");
const errors = $<HTMLUListElement>("#errors");
const params = new URLSearchParams(location.search);

function showError(message: string): void {
  const item = document.createElement("li");
  item.textContent = message;
  errors.append(item);
}

function label(level: Level): string {
  const kbps = `${Math.round(level.bitrate / 1000)} kbit/s`;
  return level.height > 0 ? `${level.height}p (${kbps})` : kbps;
}

// ---- quality menu: `levels`, `currentLevel` (-1 is Auto, as in hls.js) -------------------

function setUpQualityMenu(player: Player): void {
  player.on(Events.MANIFEST_PARSED, ({ levels }) => {
    quality.replaceChildren(new Option("Auto", "-1", true, true));
    levels.forEach((level, index) => {
      const option = new Option(label(level), String(index));
      option.dataset.width = String(level.width);
      quality.append(option);
    });
    quality.disabled = levels.length < 2;
  });
  /** Shows the level playing (the last one switched to) and who chose it. */
  const showLevel = (level: number): void => {
    const playing = player.levels[level];
    const mode = player.autoLevelEnabled ? "auto" : "manual";
    levelInfo.textContent = playing ? `${label(playing)}, ${mode}` : mode;
    levelInfo.dataset.level = String(level);
  };
  player.on(Events.LEVEL_SWITCHED, ({ level }) => showLevel(level));
  quality.addEventListener("change", () => {
    // Switches at once (flushing what is buffered ahead); -1 hands the choice back to ABR.
    player.currentLevel = Number(quality.value);
    showLevel(Number(levelInfo.dataset.level ?? -1));
  });
  video.addEventListener("resize", () => {
    resolution.textContent = `${video.videoWidth}×${video.videoHeight}`;
    resolution.dataset.width = String(video.videoWidth);
  });
}

// ---- watch party: `WatchParty.join` against the reference server ------------------------

const party = {
  status: $<HTMLElement>("#party-status"),
  lobby: $<HTMLElement>("#party-lobby"),
  panel: $<HTMLElement>("#party-room-panel"),
  name: $<HTMLInputElement>("#party-name"),
  code: $<HTMLInputElement>("#party-code"),
  room: $<HTMLElement>("#party-room"),
  link: $<HTMLAnchorElement>("#party-link"),
  state: $<HTMLElement>("#party-state"),
  sync: $<HTMLElement>("#party-sync"),
  members: $<HTMLUListElement>("#party-members"),
};

/**
 * A join token for `room`. The reference server mints invite tokens at `/api/party/invite`
 * when started with `--party-dev`; a real deployment would hand the page the viewer's JWT.
 */
async function inviteToken(room: string): Promise<string> {
  const response = await fetch(`/api/party/invite?room=${encodeURIComponent(room)}`);
  if (response.status === 404) throw new Error("this server does not hand out watch-party invites");
  if (!response.ok) throw new Error(`invite refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

function showMembers(host: number, members: PartyMember[], you: number | null): void {
  party.members.replaceChildren(
    ...members.map((m) => {
      const item = document.createElement("li");
      item.textContent = `${m.name}${m.id === you ? " (you)" : ""}${m.ready ? "" : " · buffering"}`;
      item.classList.toggle("host", m.id === host);
      item.classList.toggle("waiting", !m.ready);
      item.dataset.id = String(m.id);
      return item;
    }),
  );
}

function showState(state: PartyState | null): void {
  if (!state) return;
  party.state.textContent = `${state.phase} at ${state.position.toFixed(1)} s`;
  party.state.dataset.phase = state.phase;
}

async function joinParty(player: Player, room: string): Promise<void> {
  party.status.textContent = `Joining ${room}…`;
  party.lobby.hidden = true;
  try {
    const name = party.name.value.trim() || "Guest";
    const joined = await WatchParty.join(`/ws/party/${room}`, { player, name, token: await inviteToken(room) });
    party.room.textContent = room;
    party.link.href = `?room=${encodeURIComponent(room)}`;
    party.status.textContent = "In a watch party: play, pause and seek for everyone.";
    party.panel.hidden = false;
    showState(joined.state);
    joined.on("members", ({ host, members }) => showMembers(host, members, joined.id));
    joined.on("state", showState);
    joined.on("sync", ({ offset, rtt, error }) => {
      party.sync.textContent = `clock offset ${offset.toFixed(0)} ms ± ${error.toFixed(0)}, RTT ${rtt.toFixed(0)} ms`;
      party.sync.dataset.synced = "true";
    });
    joined.on("error", ({ message }) => showError(`watch party: ${message}`));
    joined.on("close", ({ reason }) => {
      party.status.textContent = `The watch party ended${reason ? `: ${reason}` : ""}.`;
      party.panel.hidden = true;
      party.lobby.hidden = false;
    });
    $<HTMLButtonElement>("#party-leave").onclick = () => {
      joined.leave();
      party.status.textContent = "You left the watch party.";
      party.panel.hidden = true;
      party.lobby.hidden = false;
    };
  } catch (e) {
    party.status.textContent = `Watch party unavailable: ${e instanceof Error ? e.message : String(e)}`;
    party.lobby.hidden = false;
  }
}

function setUpParty(player: Player): void {
  $<HTMLButtonElement>("#party-create").addEventListener("click", () => {
    const room = `r${crypto.getRandomValues(new Uint32Array(2)).join("").slice(0, 10)}`;
    void joinParty(player, room);
  });
  $<HTMLFormElement>("#party-join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void joinParty(player, party.code.value.trim());
  });
  const room = params.get("room");
  if (room) void joinParty(player, room);
}

// ---- the page ------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!Player.isSupported()) {
    showError("This browser cannot play HLS here: it has no Media Source Extensions.");
    return;
  }
  await init();
  const player = new Player(video, { maxBufferLength: 30 });
  player.on(Events.ERROR, (e) => {
    if (e.fatal) {
      showError(`${e.details}: ${e.message}`);
    } else {
      console.warn("recovered:", e.details, e.message);
    }
  });
  setUpQualityMenu(player);
  setUpParty(player);
  player.load(params.get("src") ?? "/media/vod/master.m3u8");
  await player.play();
}

main().catch((e: unknown) => showError(e instanceof Error ? e.message : String(e)));

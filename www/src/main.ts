// A viewer's page built the way a frontend developer would: @flodrama/player from npm, Vite,
// a quality menu and a watch-party panel. `?src=<playlist URL>` plays another title.
import init, { Events, Player, type Level } from "@flodrama/player";

const video = document.querySelector<HTMLVideoElement>("#video")!;
const quality = document.querySelector<HTMLSelectElement>("#quality")!;
const levelInfo = document.querySelector<HTMLElement>("#level-info")!;
const errors = document.querySelector<HTMLUListElement>("#errors")!;

function showError(message: string): void {
  const item = document.createElement("li");
  item.textContent = message;
  errors.append(item);
}

function label(level: Level): string {
  const kbps = `${Math.round(level.bitrate / 1000)} kbit/s`;
  return level.height > 0 ? `${level.height}p (${kbps})` : kbps;
}

function fillQualityMenu(levels: Level[]): void {
  quality.replaceChildren(new Option("Auto", "-1"));
  levels.forEach((level, index) => quality.append(new Option(label(level), String(index))));
  quality.disabled = levels.length < 2;
}

async function main(): Promise<void> {
  if (!Player.isSupported()) {
    showError("This browser cannot play HLS here: it has no Media Source Extensions.");
    return;
  }
  await init();
  const player = new Player(video, { maxBufferLength: 30 });

  player.on(Events.MANIFEST_PARSED, ({ levels }) => fillQualityMenu(levels));
  player.on(Events.LEVEL_SWITCHING, ({ level }) => {
    const next = player.levels[level];
    const mode = player.autoLevel ? "auto" : "manual";
    levelInfo.textContent = next ? `loading ${label(next)}, ${mode}` : "";
    levelInfo.dataset.level = String(level);
  });
  player.on(Events.ERROR, (e) => {
    if (e.fatal) {
      showError(`${e.details}: ${e.message}`);
    } else {
      console.warn("recovered:", e.details, e.message);
    }
  });
  quality.addEventListener("change", () => {
    player.nextLevel = Number(quality.value);
  });

  player.load(new URLSearchParams(location.search).get("src") ?? "/media/vod/master.m3u8");
  await player.play();
}

main().catch((e: unknown) => showError(e instanceof Error ? e.message : String(e)));

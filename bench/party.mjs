// Watch-party load: a separate driver process (bench/lib/party-load.mjs) joins 2,000
// WebSocket members (20 rooms × 100) to the release server on loopback, keeps them alive
// with clock-sync requests every 2 s and has each room chat 5 lines/s for 60 s; every line
// is broadcast to its 100 members. Reports the broadcast latency (send → every member's
// receipt) and the server's CPU and peak RSS. Anchor: the same latency with a single room of
// ten members, measured first in the same run. Goal: p99 < 50 ms on the 2-core machine.
// Usage: npm run bench -- party [ROOMS PER_ROOM SECONDS]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../tests/lib/harness.mjs";

const [ROOMS = 20, PER_ROOM = 100, SECONDS = 60] = process.argv.slice(2).map(Number);
const CHAT_PER_ROOM_PER_S = 5;
const GOAL_P99_MS = 50;
/** Members of the anchor's single room: enough to send 5 lines/s within the chat limit. */
const ANCHOR_MEMBERS = 10;
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

execFileSync("cargo", ["build", "--quiet", "--release", "-p", "flodrama-server"], { stdio: ["ignore", 2, 2], cwd: ROOT });
const server = spawn(join(ROOT, "target", "release", "flodrama-server"), [
  "serve", "--host", "127.0.0.1", "--port", "0", "--no-prepare", "--root", ROOT,
  "--data-dir", mkdtempSync(join(tmpdir(), "party-bench-")), "--party-dev",
  "--party-capacity", String(PER_ROOM),
], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: "warn" } });
const url = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
  server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
});

/** Server CPU seconds so far (user + system). */
function cpuSeconds() {
  const stat = readFileSync(`/proc/${server.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function peakRssMib() {
  const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
  return Number(status.match(/VmHWM:\s+(\d+) kB/)[1]) / 1024;
}

/** Runs the driver; `onJoined` is called once every member is in. Resolves with its JSON. */
function drive(rooms, perRoom, seconds, onJoined = () => {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      "--experimental-websocket", "--no-warnings", join(ROOT, "bench", "lib", "party-load.mjs"),
      url, String(rooms), String(perRoom), String(seconds), String(CHAT_PER_ROOM_PER_S),
    ], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => {
      process.stderr.write(d);
      if (String(d).includes("joined")) onJoined();
    });
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`load driver exited with ${code}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)));
    });
  });
}

try {
  const anchor = await drive(1, ANCHOR_MEMBERS, 10);
  console.log(`anchor: 1 room × ${ANCHOR_MEMBERS} members: broadcast p50 ${anchor.p50_ms.toFixed(2)} ms, p99 ${anchor.p99_ms.toFixed(2)} ms`);
  let cpuStart = 0;
  let wallStart = 0;
  const load = await drive(ROOMS, PER_ROOM, SECONDS, () => {
    cpuStart = cpuSeconds();
    wallStart = performance.now();
  });
  const cpu = cpuSeconds() - cpuStart;
  const wall = (performance.now() - wallStart) / 1000;
  const cpuPercent = (100 * cpu) / wall;
  const rss = peakRssMib();
  const delivered = load.received / load.expected;
  console.log(`load: ${load.members} members in ${ROOMS} rooms for ${SECONDS} s; ${load.sent} chat lines, `
    + `${load.received} deliveries (${(100 * delivered).toFixed(2)} % of ${load.expected})`);
  console.log(`broadcast latency: p50 ${load.p50_ms.toFixed(2)} ms, p99 ${load.p99_ms.toFixed(2)} ms, max ${load.max_ms.toFixed(1)} ms (goal p99 < ${GOAL_P99_MS} ms)`);
  console.log(`server: ${cpuPercent.toFixed(1)} % of one core, peak RSS ${rss.toFixed(1)} MiB; `
    + `load driver: ${load.client_cpu_percent.toFixed(1)} % of one core`);
  console.log(JSON.stringify({
    bench: "party", rooms: ROOMS, members: load.members, seconds: SECONDS,
    chat_lines_per_s: ROOMS * CHAT_PER_ROOM_PER_S,
    deliveries_per_s: Math.round(load.received / SECONDS), delivered_ratio: delivered,
    broadcast_p50_ms: load.p50_ms, broadcast_p99_ms: load.p99_ms, broadcast_max_ms: load.max_ms,
    server_cpu_percent: cpuPercent, server_peak_rss_mib: rss, members_closed_early: load.closed_early,
    driver_cpu_percent: load.client_cpu_percent,
    anchor_idle_p99_ms: anchor.p99_ms, p99_vs_anchor: load.p99_ms / anchor.p99_ms,
    goal_p99_ms: GOAL_P99_MS, goal_met: load.p99_ms < GOAL_P99_MS,
  }));
} finally {
  server.kill("SIGTERM");
}

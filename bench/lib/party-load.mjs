// Load driver of the party benchmark, run as its own process (node --experimental-websocket):
// opens ROOMS × PER_ROOM watch-party members against the server at argv[2], keeps them
// alive with clock-sync requests every 2 s, has each room's members take turns sending chat
// lines stamped with the send time, and measures how long each line takes to reach every
// member of its room (same process, same clock). Prints one JSON line with the latencies.
const [base, roomsArg, perRoomArg, secondsArg, chatPerRoomArg] = process.argv.slice(2);
const ROOMS = Number(roomsArg);
const PER_ROOM = Number(perRoomArg);
const SECONDS = Number(secondsArg);
const CHAT_PER_ROOM_PER_S = Number(chatPerRoomArg);
const HEARTBEAT_MS = 2000;

const wsBase = base.replace(/^http/, "ws");
const latencies = [];
let received = 0;
let sent = 0;
let closed = 0;
let measuring = false;

function connect(room, i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}ws/party/${room}`);
    const member = { ws, id: null, reqId: 0 };
    ws.onopen = async () => {
      const invite = await (await fetch(`${base}api/party/invite?room=${room}&guest=g${i}`)).json();
      ws.send(JSON.stringify({ v: 1, type: "join", name: `m${i}`, token: invite.token }));
    };
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "welcome") {
        member.id = msg.you;
        resolve(member);
      } else if (msg.type === "chat_message" && measuring) {
        const sentAt = Number(msg.message.text.slice(2));
        latencies.push(performance.now() - sentAt);
        received += 1;
      }
    };
    ws.onclose = (event) => {
      closed += 1;
      if (member.id === null) reject(new Error(`join refused: ${event.reason}`));
    };
    ws.onerror = () => {};
  });
}

const rooms = [];
for (let r = 0; r < ROOMS; r += 1) {
  const room = `bench-${r}`;
  const members = [];
  // Joins are paced in batches so the accept queue never overflows.
  for (let i = 0; i < PER_ROOM; i += 25) {
    const batch = [];
    for (let j = i; j < Math.min(i + 25, PER_ROOM); j += 1) batch.push(connect(room, j));
    members.push(...(await Promise.all(batch)));
  }
  rooms.push(members);
}
process.stderr.write(`load: ${ROOMS * PER_ROOM} members joined ${ROOMS} rooms\n`);

const all = rooms.flat();
// Heartbeats and chat lines are spread evenly over time, as independent clients would send
// them: every 100 ms a twentieth of the members send their clock-sync request, and the rooms
// take turns sending, one slot each per chat period.
const SLOTS = 20;
let beatTick = 0;
const heartbeat = setInterval(() => {
  const t1 = performance.now();
  for (let i = beatTick % SLOTS; i < all.length; i += SLOTS) {
    const m = all[i];
    if (m.ws.readyState === WebSocket.OPEN) {
      m.reqId += 1;
      m.ws.send(JSON.stringify({ v: 1, type: "time_req", id: m.reqId, t1 }));
    }
  }
  beatTick += 1;
}, HEARTBEAT_MS / SLOTS);

// Chat: each room sends CHAT_PER_ROOM_PER_S lines per second, its members taking turns, so
// every member stays within the room's chat rate limit.
measuring = true;
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
const turn = new Array(ROOMS).fill(0);
let chatTick = 0;
const chat = setInterval(() => {
  for (let r = chatTick % SLOTS; r < ROOMS; r += SLOTS) {
    const member = rooms[r][turn[r] % PER_ROOM];
    turn[r] += 1;
    if (member.ws.readyState === WebSocket.OPEN) {
      member.ws.send(JSON.stringify({ v: 1, type: "chat_message", text: `t:${performance.now()}` }));
      sent += 1;
    }
  }
  chatTick += 1;
}, 1000 / CHAT_PER_ROOM_PER_S / SLOTS);

await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
measuring = false;
const cpu = process.cpuUsage(cpuStart);
const clientCpuPercent = (100 * (cpu.user + cpu.system) / 1000) / (performance.now() - wallStart);
clearInterval(chat);
clearInterval(heartbeat);
for (const m of all) m.ws.close(1000);
const sorted = latencies.sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
console.log(JSON.stringify({
  members: all.length, sent, received, expected: sent * PER_ROOM, closed_early: closed,
  p50_ms: pct(50), p99_ms: pct(99), max_ms: sorted.at(-1), client_cpu_percent: clientCpuPercent,
}));
process.exit(0);

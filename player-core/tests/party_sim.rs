//! Deterministic discrete-event simulation of a watch party: one [`Room`], several
//! [`Member`]s with their own clocks and simulated players, over a simulated network.
//!
//! Model (all seeded, so every run is identical):
//! - server clock = simulation time; each member clock = offset (±5 s) + time × (1 + drift),
//!   drift ±50 ppm, read at 0.1 ms resolution like Chrome's `performance.now()` (1 ms, like
//!   Firefox and Safari, in one scenario);
//! - network: per-member base RTT 20–300 ms; each one-way delay adds queuing jitter in
//!   [0, 50] ms (so RTT spans ±50 ms around its middle) — exponential with a 10 ms mean (short
//!   queues are the common case), or uniform in the pessimistic variant — and 5 % of messages
//!   are late by a further 50–500 ms; a connection delivers in order (TCP: a late message
//!   holds back the ones behind it);
//! - player: advances at the applied rate × (1 ± 50 ppm media clock); a rate change applies
//!   0–100 ms after the command, `play()` 0–30 ms after; a seek freezes the position for
//!   50–400 ms (longer when the player is stalled); `currentTime` is read on a 20 ms grid
//!   every ~250 ms; members with `requestVideoFrameCallback` (every other one) also report
//!   30 fps frame times every 100 ms, with the presentation stamped up to one 60 Hz refresh
//!   late.
//!
//! Position error is measured against the true group position (the room's state at the true
//! time), clock error against the true offset, every 100 ms of simulated time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use player_core::party::{
    ClientMessage, ErrorCode, FrameSample, JoinRequest, Member, MemberConfig, MemberId,
    MemberOutput, PartyEvent, Phase, PlayerCommand, PlayerObservation, Room, RoomConfig,
    RoomOutput,
};

/// splitmix64: a tiny seeded generator, enough for simulation noise.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// How one-way queuing delay is distributed.
#[derive(Clone, Copy, Debug)]
enum Jitter {
    /// Exponential with this mean, capped at 50 ms: queues are mostly short.
    Queue { mean_ms: f64 },
    /// Uniform in [0, 50] ms: the pessimistic case.
    Uniform,
}

#[derive(Clone, Copy, Debug)]
struct NetModel {
    jitter: Jitter,
    late_probability: f64,
}

const DEFAULT_NET: NetModel = NetModel {
    jitter: Jitter::Queue { mean_ms: 10.0 },
    late_probability: 0.05,
};

/// One direction of a member's connection, delivering in order.
struct Link {
    base_ms: f64,
    last_delivery: f64,
}

impl Link {
    fn delivery(&mut self, rng: &mut Rng, net: NetModel, now: f64) -> f64 {
        let queue = match net.jitter {
            Jitter::Queue { mean_ms } => (-mean_ms * (1.0 - rng.unit()).ln()).min(50.0),
            Jitter::Uniform => rng.range(0.0, 50.0),
        };
        let late = if rng.unit() < net.late_probability {
            rng.range(50.0, 500.0)
        } else {
            0.0
        };
        let at = (now + self.base_ms + queue + late).max(self.last_delivery);
        self.last_delivery = at;
        at
    }
}

/// A media element: position is piecewise linear in simulation time.
struct SimPlayer {
    pos: f64,
    t: f64,
    playing: bool,
    play_at: Option<f64>,
    rate: f64,
    pending_rate: Option<(f64, f64)>,
    seek_end: Option<f64>,
    stall: (f64, f64),
    media_drift: f64,
}

impl SimPlayer {
    fn new(t: f64, media_drift: f64) -> Self {
        Self {
            pos: 0.0,
            t,
            playing: false,
            play_at: None,
            rate: 1.0,
            pending_rate: None,
            seek_end: None,
            stall: (0.0, 0.0),
            media_drift,
        }
    }

    fn buffering(&self, t: f64) -> bool {
        t >= self.stall.0 && t < self.stall.1
    }

    fn moving(&self, t: f64) -> bool {
        self.playing && self.seek_end.is_none() && !self.buffering(t)
    }

    fn advance(&mut self, to: f64) {
        while self.t < to {
            let bounds = [
                self.play_at,
                self.pending_rate.map(|(_, at)| at),
                self.seek_end,
                Some(self.stall.0),
                Some(self.stall.1),
            ];
            let next = bounds
                .into_iter()
                .flatten()
                .filter(|&b| b > self.t && b < to)
                .fold(to, f64::min);
            if self.moving(self.t) {
                self.pos += (next - self.t) / 1000.0 * self.rate * (1.0 + self.media_drift);
            }
            self.t = next;
            if self.play_at.is_some_and(|at| at <= self.t) {
                self.play_at = None;
                self.playing = true;
            }
            if let Some((rate, at)) = self.pending_rate
                && at <= self.t
            {
                self.rate = rate;
                self.pending_rate = None;
            }
            if self.seek_end.is_some_and(|e| e <= self.t) {
                self.seek_end = None;
            }
        }
    }

    fn command(&mut self, t: f64, cmd: PlayerCommand, rng: &mut Rng) {
        self.advance(t);
        match cmd {
            PlayerCommand::Play => {
                if !self.playing && self.play_at.is_none() {
                    self.play_at = Some(t + rng.range(0.0, 30.0));
                }
            }
            PlayerCommand::Pause => {
                self.playing = false;
                self.play_at = None;
            }
            PlayerCommand::Seek(target) => {
                self.pos = target;
                let mut end = t + rng.range(50.0, 400.0);
                if self.buffering(t) {
                    end = end.max(self.stall.1);
                }
                self.seek_end = Some(end);
            }
            PlayerCommand::SetRate(rate) => {
                self.pending_rate = Some((rate, t + rng.range(0.0, 100.0)));
            }
        }
    }

    fn observation(&self, t: f64) -> PlayerObservation {
        PlayerObservation {
            position_s: (self.pos / 0.02).floor() * 0.02,
            paused: !self.playing && self.play_at.is_none(),
            seeking: self.seek_end.is_some(),
            buffering: self.buffering(t),
        }
    }
}

struct SimMember {
    member: Member,
    player: SimPlayer,
    clock_offset: f64,
    clock_drift: f64,
    clock_resolution_ms: f64,
    up: Link,
    down: Link,
    frames: bool,
    id: Option<MemberId>,
    closed: Option<String>,
    joined_at: f64,
    events: Vec<PartyEvent>,
}

impl SimMember {
    fn local(&self, t: f64) -> f64 {
        let exact = self.clock_offset + t * (1.0 + self.clock_drift);
        (exact / self.clock_resolution_ms).floor() * self.clock_resolution_ms
    }
    fn true_time(&self, local: f64) -> f64 {
        (local - self.clock_offset) / (1.0 + self.clock_drift)
    }
    /// Server clock minus member clock, exactly.
    fn true_offset(&self, t: f64) -> f64 {
        t - (self.clock_offset + t * (1.0 + self.clock_drift))
    }
}

#[derive(Debug)]
enum Ev {
    ToServer(usize, String),
    ToMember(usize, String),
    MemberWake(usize),
    RoomWake,
    Observe(usize),
    Frame(usize),
    Measure,
}

struct Sim {
    t: f64,
    rng: Rng,
    net: NetModel,
    room: Room,
    members: Vec<SimMember>,
    by_id: HashMap<MemberId, usize>,
    queue: BinaryHeap<Reverse<(u64, u64, usize)>>,
    events: Vec<Option<Ev>>,
    counter: u64,
    /// Position errors (ms) sampled every 100 ms while `measuring`.
    errors: Vec<f64>,
    /// Clock offset errors (ms) sampled every 100 ms, from 3 s after each join.
    offset_errors: Vec<f64>,
    /// Clock offset errors (ms) of each member exactly 3 s after it joined.
    offset_at_3s: Vec<f64>,
    /// Offset error samples whose true error exceeded the reported bound.
    bound_violations: usize,
    measuring: bool,
    /// `performance.now()` resolution of members added from now on, ms.
    clock_resolution_ms: f64,
}

impl Sim {
    fn new(seed: u64, net: NetModel, config: RoomConfig) -> Self {
        let mut sim = Self {
            t: 0.0,
            rng: Rng(seed),
            net,
            room: Room::new(config),
            members: Vec::new(),
            by_id: HashMap::new(),
            queue: BinaryHeap::new(),
            events: Vec::new(),
            counter: 0,
            errors: Vec::new(),
            offset_errors: Vec::new(),
            offset_at_3s: Vec::new(),
            bound_violations: 0,
            measuring: false,
            clock_resolution_ms: 0.1,
        };
        sim.at(100.0, Ev::Measure);
        sim
    }

    fn at(&mut self, t: f64, ev: Ev) {
        let key = (t.max(self.t) * 1000.0).round() as u64;
        self.counter += 1;
        self.events.push(Some(ev));
        self.queue
            .push(Reverse((key, self.counter, self.events.len() - 1)));
    }

    /// Adds a member now with a random network, clocks and player; returns its index.
    fn add_member(&mut self, rtt_ms: Option<f64>) -> usize {
        let r = &mut self.rng;
        let rtt = rtt_ms.unwrap_or_else(|| r.range(20.0, 300.0));
        let idx = self.members.len();
        let member = Member::new(MemberConfig::new(format!("member {idx}"), None));
        let sm = SimMember {
            member,
            player: SimPlayer::new(self.t, r.range(-50e-6, 50e-6)),
            clock_offset: r.range(-5000.0, 5000.0),
            clock_drift: r.range(-50e-6, 50e-6),
            clock_resolution_ms: self.clock_resolution_ms,
            up: Link {
                base_ms: rtt / 2.0,
                last_delivery: 0.0,
            },
            down: Link {
                base_ms: rtt / 2.0,
                last_delivery: 0.0,
            },
            frames: idx.is_multiple_of(2),
            id: None,
            closed: None,
            joined_at: self.t,
            events: Vec::new(),
        };
        self.members.push(sm);
        let t = self.t;
        let observe = t + self.rng.range(0.0, 250.0);
        self.at(observe, Ev::Observe(idx));
        if self.members[idx].frames {
            let frame = t + self.rng.range(0.0, 100.0);
            self.at(frame, Ev::Frame(idx));
        }
        self.pump_member(idx);
        idx
    }

    /// Lets member `idx` act (an intent) now.
    fn with_member(&mut self, idx: usize, f: impl FnOnce(&mut Member)) {
        f(&mut self.members[idx].member);
        self.pump_member(idx);
    }

    /// Stalls member `idx`'s player for `ms` from now.
    fn stall(&mut self, idx: usize, ms: f64) {
        let t = self.t;
        let p = &mut self.members[idx].player;
        p.advance(t);
        p.stall = (t, t + ms);
    }

    fn pump_member(&mut self, idx: usize) {
        let t = self.t;
        let local = self.members[idx].local(t);
        while let Some(out) = self.members[idx].member.poll_output(local) {
            match out {
                MemberOutput::Send(msg) => {
                    let text = msg.to_json();
                    let net = self.net;
                    let at = self.members[idx].up.delivery(&mut self.rng, net, t);
                    self.at(at, Ev::ToServer(idx, text));
                }
                MemberOutput::Player(cmd) => {
                    let m = &mut self.members[idx];
                    m.player.command(t, cmd, &mut self.rng);
                }
                MemberOutput::Event(ev) => self.members[idx].events.push(ev),
            }
        }
        if let Some(wake) = self.members[idx].member.poll_timeout() {
            let at = self.members[idx].true_time(wake).max(t + 0.1);
            self.at(at, Ev::MemberWake(idx));
        }
    }

    fn pump_room(&mut self) {
        let t = self.t;
        while let Some(out) = self.room.poll_output(t) {
            match out {
                RoomOutput::Send { to, message } => {
                    if let Some(&idx) = self.by_id.get(&to) {
                        self.deliver(idx, message.to_json());
                    }
                }
                RoomOutput::Broadcast { message } => {
                    let text = message.to_json();
                    let targets: Vec<usize> = self
                        .room
                        .member_ids()
                        .iter()
                        .filter_map(|id| self.by_id.get(id).copied())
                        .collect();
                    for idx in targets {
                        self.deliver(idx, text.clone());
                    }
                }
                RoomOutput::Close { member, reason } => {
                    if let Some(idx) = self.by_id.remove(&member) {
                        self.members[idx].closed = Some(reason);
                    }
                }
            }
        }
        if let Some(wake) = self.room.poll_timeout() {
            self.at(wake.max(t + 0.1), Ev::RoomWake);
        }
    }

    fn deliver(&mut self, idx: usize, text: String) {
        let net = self.net;
        let at = self.members[idx].down.delivery(&mut self.rng, net, self.t);
        self.at(at, Ev::ToMember(idx, text));
    }

    /// Server shell: authenticate the `join`, then hand frames to the room.
    fn server_receive(&mut self, idx: usize, text: &str) {
        if self.members[idx].closed.is_some() {
            return;
        }
        match self.members[idx].id {
            Some(id) => {
                let _ = self.room.handle_text(self.t, id, text);
            }
            None => match ClientMessage::from_json(text) {
                Ok(ClientMessage::Join { name, .. }) => {
                    let req = JoinRequest {
                        name,
                        identity: format!("user-{idx}"),
                    };
                    match self.room.handle_join(self.t, req) {
                        Ok(id) => {
                            self.members[idx].id = Some(id);
                            self.by_id.insert(id, idx);
                        }
                        Err(err) => self.members[idx].closed = Some(err.to_string()),
                    }
                }
                _ => self.members[idx].closed = Some("expected join".to_owned()),
            },
        }
        self.pump_room();
    }

    fn run_until(&mut self, end: f64) {
        while let Some(Reverse((key, _, slot))) = self.queue.peek().copied() {
            let t = key as f64 / 1000.0;
            if t > end {
                break;
            }
            self.queue.pop();
            self.t = t;
            let Some(ev) = self.events.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            self.handle(ev);
        }
        self.t = end;
        for m in &mut self.members {
            m.player.advance(end);
        }
    }

    fn handle(&mut self, ev: Ev) {
        let t = self.t;
        match ev {
            Ev::ToServer(idx, text) => self.server_receive(idx, &text),
            Ev::ToMember(idx, text) => {
                let m = &mut self.members[idx];
                if m.closed.is_none() {
                    let local = m.local(t);
                    m.member
                        .handle_server_text(local, &text)
                        .expect("valid server message");
                    self.pump_member(idx);
                }
            }
            Ev::MemberWake(idx) => {
                let m = &mut self.members[idx];
                let local = m.local(t);
                if m.member.poll_timeout().is_some_and(|w| w <= local) {
                    m.member.handle_timeout(local);
                    self.pump_member(idx);
                }
            }
            Ev::RoomWake => {
                if self.room.poll_timeout().is_some_and(|w| w <= t) {
                    self.room.handle_timeout(t);
                    self.pump_room();
                }
            }
            Ev::Observe(idx) => {
                let m = &mut self.members[idx];
                m.player.advance(t);
                let obs = m.player.observation(t);
                let local = m.local(t);
                m.member.handle_player(local, obs);
                self.pump_member(idx);
                let next = t + self.rng.range(230.0, 270.0);
                self.at(next, Ev::Observe(idx));
            }
            Ev::Frame(idx) => {
                let m = &mut self.members[idx];
                m.player.advance(t);
                if m.player.moving(t) {
                    let pts = (m.player.pos * 30.0).floor() / 30.0;
                    let speed = m.player.rate * (1.0 + m.player.media_drift);
                    let shown = t - (m.player.pos - pts) * 1000.0 / speed;
                    let presented = (shown + self.rng.range(0.0, 16.7)).min(t);
                    let frame = FrameSample {
                        media_time_s: pts,
                        presented_at_ms: m.local(presented),
                    };
                    let local = m.local(t);
                    m.member.handle_frame(local, frame);
                    self.pump_member(idx);
                }
                let next = t + 100.0;
                self.at(next, Ev::Frame(idx));
            }
            Ev::Measure => {
                self.measure();
                self.at(t + 100.0, Ev::Measure);
            }
        }
    }

    fn measure(&mut self) {
        let t = self.t;
        for m in &mut self.members {
            if m.closed.is_some() || m.id.is_none() {
                continue;
            }
            if t - m.joined_at >= 3000.0 {
                let local = m.local(t);
                if let Some(est) = m.member.sync(local) {
                    let err = est.offset_ms - m.true_offset(t);
                    self.offset_errors.push(err.abs());
                    if t - m.joined_at < 3100.0 {
                        self.offset_at_3s.push(err.abs());
                    }
                    if err.abs() > est.error_ms {
                        self.bound_violations += 1;
                    }
                } else {
                    self.offset_errors.push(f64::INFINITY);
                    if t - m.joined_at < 3100.0 {
                        self.offset_at_3s.push(f64::INFINITY);
                    }
                }
            }
            if self.measuring {
                m.player.advance(t);
                let group = self.room.state().1.position_at(t);
                self.errors.push((m.player.pos - group) * 1000.0);
            }
        }
    }

    fn group(&self) -> (u64, player_core::party::GroupState) {
        self.room.state()
    }

    fn player_pos(&self, idx: usize) -> f64 {
        self.members[idx].player.pos
    }

    fn stats_sum(&self) -> (u64, u64, u64) {
        self.members.iter().fold((0, 0, 0), |acc, m| {
            let s = m.member.stats();
            (
                acc.0 + s.seeks,
                acc.1 + s.corrective_seeks,
                acc.2 + s.rate_changes,
            )
        })
    }
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().map(|x| x.abs()).collect();
    v.sort_by(f64::total_cmp);
    let idx = ((p / 100.0) * (v.len() as f64 - 1.0)).round() as usize;
    v.get(idx).copied().unwrap_or(f64::NAN)
}

/// Eight members joining over two seconds, everyone ready; the host starts playback at 5 s.
fn party_of_eight(seed: u64, net: NetModel) -> Sim {
    let mut sim = Sim::new(seed, net, RoomConfig::default());
    for i in 0..8 {
        sim.run_until(i as f64 * 250.0);
        sim.add_member(None);
    }
    sim.run_until(5000.0);
    assert!(
        sim.members
            .iter()
            .all(|m| m.id.is_some() && m.closed.is_none())
    );
    sim.with_member(0, Member::play);
    sim
}

/// Asserts every member is playing within `tolerance_ms` of the group position.
fn assert_converged(sim: &Sim, tolerance_ms: f64) {
    let (_, state) = sim.group();
    assert_eq!(state.phase, Phase::Playing);
    let group = state.position_at(sim.t);
    for (i, m) in sim
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.closed.is_none())
    {
        let err = (m.player.pos - group) * 1000.0;
        assert!(m.player.playing, "member {i} is not playing");
        assert!(
            err.abs() <= tolerance_ms,
            "member {i} is {err:.1} ms off at t={}",
            sim.t
        );
    }
}

fn steady_state(seed: u64, net: NetModel, minutes: f64) -> (f64, f64, f64, f64, (u64, u64, u64)) {
    let mut sim = party_of_eight(seed, net);
    sim.run_until(60_000.0);
    assert_converged(&sim, 80.0);
    let offset_p95 = percentile(&sim.offset_errors, 95.0);
    let before = sim.stats_sum();
    sim.measuring = true;
    sim.run_until(60_000.0 + minutes * 60_000.0);
    let after = sim.stats_sum();
    let p95 = percentile(&sim.errors, 95.0);
    let p99 = percentile(&sim.errors, 99.0);
    let offset_all_p95 = percentile(&sim.offset_errors, 95.0);
    eprintln!(
        "{net:?} {minutes} min: position |error| p50 {:.1} ms, p95 {p95:.1} ms, p99 {p99:.1} ms, max {:.1} ms over {} samples; \
         clock offset |error| p95 {offset_p95:.2} ms in the first minute, {offset_all_p95:.2} ms overall, p99 {:.2} ms; \
         bound exceeded in {} of {}; seeks/corrective seeks/rate changes during the run: {}/{}/{}",
        percentile(&sim.errors, 50.0),
        percentile(&sim.errors, 100.0),
        sim.errors.len(),
        percentile(&sim.offset_errors, 99.0),
        sim.bound_violations,
        sim.offset_errors.len(),
        after.0 - before.0,
        after.1 - before.1,
        after.2 - before.2,
    );
    (
        p95,
        p99,
        offset_p95,
        offset_all_p95,
        (after.0 - before.0, after.1 - before.1, after.2 - before.2),
    )
}

#[test]
fn steady_state_hour_meets_sync_targets() {
    let (p95, p99, offset_p95, offset_all_p95, (seeks, corrective, rate_changes)) =
        steady_state(0x5eed_0001, DEFAULT_NET, 60.0);
    assert!(p95 <= 40.0, "p95 {p95}");
    assert!(p99 <= 80.0, "p99 {p99}");
    assert!(offset_p95 <= 5.0, "offset p95 {offset_p95}");
    assert!(offset_all_p95 <= 5.0, "offset p95 {offset_all_p95}");
    assert_eq!(
        (seeks, corrective),
        (0, 0),
        "no seek in the steady-state hour"
    );
    // Clock and media drift are real: the controller does nudge, but rarely.
    assert!(
        rate_changes > 0 && rate_changes < 8 * 120,
        "{rate_changes} rate changes"
    );
}

#[test]
fn uniform_jitter_still_meets_position_targets() {
    let net = NetModel {
        jitter: Jitter::Uniform,
        ..DEFAULT_NET
    };
    let (p95, p99, _, _, (seeks, _, _)) = steady_state(0x5eed_0002, net, 10.0);
    assert!(p95 <= 40.0, "p95 {p95}");
    assert!(p99 <= 80.0, "p99 {p99}");
    assert_eq!(seeks, 0);
}

fn events_of(sim: &Sim, idx: usize) -> &[PartyEvent] {
    &sim.members[idx].events
}

#[test]
fn host_seek_pause_and_resume_converge() {
    let mut sim = party_of_eight(0x5eed_0003, DEFAULT_NET);
    sim.run_until(30_000.0);
    assert_converged(&sim, 60.0);

    sim.with_member(0, |m| m.seek(600.0));
    sim.run_until(30_200.0);
    assert_eq!(sim.group().1.phase, Phase::Waiting);
    sim.run_until(45_000.0);
    let (_, state) = sim.group();
    assert_eq!(
        state.position, 600.0,
        "playback resumed from the seek target"
    );
    assert_converged(&sim, 60.0);

    sim.with_member(3, Member::pause);
    sim.run_until(50_000.0);
    let (_, state) = sim.group();
    assert_eq!(state.phase, Phase::Paused);
    for i in 0..8 {
        assert!(!sim.members[i].player.playing, "member {i} still playing");
        let off = (sim.player_pos(i) - state.position) * 1000.0;
        assert!(
            off.abs() <= 40.0,
            "member {i} paused {off:.1} ms from the group"
        );
    }

    sim.with_member(5, Member::play);
    sim.run_until(65_000.0);
    assert_eq!(sim.group().1.position, state.position);
    assert_converged(&sim, 60.0);
}

#[test]
fn stall_over_a_second_makes_the_group_wait_at_one_position() {
    let mut sim = party_of_eight(0x5eed_0004, DEFAULT_NET);
    sim.run_until(30_000.0);
    assert_converged(&sim, 60.0);

    sim.stall(2, 5000.0);
    sim.run_until(32_500.0);
    let (_, waiting) = sim.group();
    assert_eq!(waiting.phase, Phase::Waiting);
    assert!(waiting.resume);
    // The others pause together at the waiting position; the stalled member is not ready.
    sim.run_until(waiting.at + 1500.0);
    assert_eq!(
        sim.group().1,
        waiting,
        "still waiting for the stalled member"
    );
    for i in (0..8).filter(|&i| i != 2) {
        assert!(!sim.members[i].player.playing, "member {i} still playing");
        let off = (sim.player_pos(i) - waiting.position) * 1000.0;
        assert!(
            off.abs() <= 40.0,
            "member {i} waits {off:.1} ms from the others"
        );
    }
    // The stall ends at 35 s: everyone resumes from the waiting position.
    sim.run_until(45_000.0);
    let (_, state) = sim.group();
    assert_eq!(state.phase, Phase::Playing);
    assert_eq!(state.position, waiting.position);
    assert_converged(&sim, 60.0);
}

#[test]
fn short_stall_is_absorbed_without_stopping_the_group() {
    let mut sim = party_of_eight(0x5eed_0005, DEFAULT_NET);
    sim.run_until(30_000.0);
    let seq = sim.group().0;
    sim.stall(4, 400.0);
    sim.run_until(60_000.0);
    assert_eq!(sim.group().0, seq, "the group state never changed");
    assert_converged(&sim, 60.0);
    assert_eq!(
        sim.members[4].member.stats().seeks,
        0,
        "caught up by rate alone"
    );
}

#[test]
fn late_joiner_starts_at_the_extrapolated_position() {
    let mut sim = party_of_eight(0x5eed_0006, DEFAULT_NET);
    sim.run_until(40_000.0);
    let seq = sim.group().0;
    let late = sim.add_member(Some(250.0));
    sim.run_until(55_000.0);
    assert_eq!(sim.group().0, seq, "a joiner does not disturb the group");
    assert_converged(&sim, 60.0);
    let stats = sim.members[late].member.stats();
    assert_eq!(
        stats.seeks, 1,
        "one seek to the extrapolated position: {stats:?}"
    );
    assert_eq!(stats.corrective_seeks, 0);
    assert!(sim.player_pos(late) > 45.0);
}

#[test]
fn host_only_setting_refuses_a_non_host() {
    let mut sim = Sim::new(0x5eed_0007, DEFAULT_NET, RoomConfig::default());
    for _ in 0..3 {
        sim.add_member(None);
    }
    sim.run_until(3000.0);
    let host = sim
        .room
        .host()
        .and_then(|h| sim.by_id.get(&h).copied())
        .expect("a host");
    let guest = (host + 1) % 3;
    sim.with_member(guest, |m| m.set_host_only_control(true));
    sim.run_until(4000.0);
    assert!(
        !sim.room.settings().host_only_control,
        "only the host changes settings"
    );
    sim.with_member(host, |m| m.set_host_only_control(true));
    sim.run_until(5000.0);
    assert!(sim.room.settings().host_only_control);
    let seq = sim.group().0;
    sim.with_member(guest, Member::play);
    sim.run_until(6000.0);
    assert_eq!(sim.group().0, seq);
    assert_eq!(sim.group().1.phase, Phase::Idle);
    let refusals = events_of(&sim, guest)
        .iter()
        .filter(|e| {
            matches!(
                e,
                PartyEvent::Error {
                    code: ErrorCode::NotAllowed,
                    ..
                }
            )
        })
        .count();
    assert_eq!(refusals, 2);
    sim.with_member(host, Member::play);
    sim.run_until(20_000.0);
    assert_converged(&sim, 60.0);
}

#[test]
fn members_hear_chat_and_sync_events() {
    let mut sim = Sim::new(0x5eed_0008, DEFAULT_NET, RoomConfig::default());
    for _ in 0..3 {
        sim.add_member(None);
    }
    sim.run_until(3000.0);
    sim.with_member(1, |m| m.send_chat("hello there"));
    sim.run_until(4000.0);
    for i in 0..3 {
        let chat: Vec<_> = events_of(&sim, i)
            .iter()
            .filter_map(|e| match e {
                PartyEvent::Chat(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(chat.len(), 1);
        assert_eq!(chat[0].text, "hello there");
        assert_eq!(chat[0].name, "member 1");
        assert_eq!(Some(chat[0].from), sim.members[1].id);
        let sync = events_of(&sim, i).iter().rev().find_map(|e| match e {
            PartyEvent::Sync(s) => Some(*s),
            _ => None,
        });
        let sync = sync.expect("sync event");
        let true_offset = sim.members[i].true_offset(sim.t);
        assert!((sync.offset_ms - true_offset).abs() <= sync.error_ms);
        assert!(sync.rtt_ms > 20.0 && sync.rtt_ms < 500.0);
    }
}

#[test]
fn clock_offset_is_within_5_ms_three_seconds_after_joining() {
    let mut at_3s = Vec::new();
    let mut coarse_at_3s = Vec::new();
    let mut uniform_at_3s = Vec::new();
    let uniform = NetModel {
        jitter: Jitter::Uniform,
        ..DEFAULT_NET
    };
    for seed in 0..12 {
        for (net, resolution, out) in [
            (DEFAULT_NET, 0.1, &mut at_3s),
            (DEFAULT_NET, 1.0, &mut coarse_at_3s),
            (uniform, 0.1, &mut uniform_at_3s),
        ] {
            let mut sim = Sim::new(0x5eed_1000 + seed, net, RoomConfig::default());
            sim.clock_resolution_ms = resolution;
            for i in 0..8 {
                sim.run_until(i as f64 * 250.0);
                sim.add_member(None);
            }
            sim.run_until(6000.0);
            assert_eq!(sim.offset_at_3s.len(), 8);
            assert_eq!(sim.bound_violations, 0, "the reported error is a bound");
            out.extend(sim.offset_at_3s);
        }
    }
    let p95 = percentile(&at_3s, 95.0);
    let coarse_p95 = percentile(&coarse_at_3s, 95.0);
    eprintln!(
        "clock offset |error| 3 s after joining, {} joins: p50 {:.2} ms, p95 {p95:.2} ms, max {:.2} ms; \
         with a 1 ms clock p95 {coarse_p95:.2} ms; with uniform jitter p95 {:.2} ms",
        at_3s.len(),
        percentile(&at_3s, 50.0),
        percentile(&at_3s, 100.0),
        percentile(&uniform_at_3s, 95.0),
    );
    assert!(p95 <= 5.0, "p95 {p95}");
    assert!(coarse_p95 <= 5.0, "p95 {coarse_p95} with a 1 ms clock");
}

#[test]
fn member_knocked_two_seconds_off_corrects_with_one_seek() {
    let mut sim = party_of_eight(0x5eed_0009, DEFAULT_NET);
    sim.run_until(30_000.0);
    let before: Vec<_> = sim.members.iter().map(|m| m.member.stats()).collect();
    let t = sim.t;
    for idx in [1, 6] {
        let p = &mut sim.members[idx].player;
        p.advance(t);
        p.pos -= 2.0;
    }
    sim.run_until(60_000.0);
    assert_converged(&sim, 60.0);
    for (i, m) in sim.members.iter().enumerate() {
        let s = m.member.stats();
        let expected = u64::from(i == 1 || i == 6);
        assert_eq!(
            s.corrective_seeks - before[i].corrective_seeks,
            expected,
            "member {i}"
        );
        assert_eq!(s.seeks - before[i].seeks, expected, "member {i}");
    }
}

/// Longer measurement across seeds: `cargo test -p flodrama-player-core --release --test
/// party_sim -- --ignored --nocapture`.
#[test]
#[ignore = "several simulated hours; run on demand"]
fn steady_state_across_seeds() {
    let mut worst = (0.0f64, 0.0f64);
    for seed in 0..8 {
        let (p95, p99, _, offset_p95, (seeks, _, _)) =
            steady_state(0x5eed_2000 + seed, DEFAULT_NET, 30.0);
        assert!(offset_p95 <= 5.0, "seed {seed}: offset p95 {offset_p95}");
        assert_eq!(seeks, 0, "seed {seed}");
        worst = (worst.0.max(p95), worst.1.max(p99));
    }
    eprintln!(
        "worst over 8 seeds × 30 min: p95 {:.1} ms, p99 {:.1} ms",
        worst.0, worst.1
    );
    assert!(worst.0 <= 40.0 && worst.1 <= 80.0, "{worst:?}");
}

#[test]
fn hostile_member_is_closed_and_the_party_plays_on() {
    let mut sim = party_of_eight(0x5eed_000a, DEFAULT_NET);
    sim.run_until(30_000.0);
    let before = sim.group();
    let t = sim.t;
    for (idx, text) in [
        (
            3,
            "{\"v\":1,\"type\":\"seek\",\"position\":\"0\"}".to_owned(),
        ),
        (
            5,
            format!(
                "{{\"v\":1,\"type\":\"chat_message\",\"text\":\"{}\"}}",
                "z".repeat(8000)
            ),
        ),
        (7, "{\"v\":9,\"type\":\"play\"}".to_owned()),
    ] {
        let at = sim.members[idx].up.delivery(&mut sim.rng, DEFAULT_NET, t);
        sim.at(at, Ev::ToServer(idx, text));
    }
    sim.run_until(45_000.0);
    assert_eq!(sim.group(), before, "the group state is untouched");
    let reasons: Vec<_> = [3, 5, 7]
        .iter()
        .map(|&i| sim.members[i].closed.clone().unwrap_or_default())
        .collect();
    assert!(reasons[0].starts_with("malformed message"), "{reasons:?}");
    assert!(reasons[1].starts_with("message is"), "{reasons:?}");
    assert!(
        reasons[2].starts_with("unsupported protocol version 9"),
        "{reasons:?}"
    );
    assert_eq!(sim.room.member_ids().len(), 5);
    assert_converged(&sim, 60.0);
}

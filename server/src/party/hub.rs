//! The open rooms: one Tokio task per room owns its [`Room`] and its members' outboxes.
//!
//! Connections send [`RoomEvent`]s to the room task; the task feeds them to the room, drains
//! [`Room::poll_output`] into the members' outboxes (a broadcast is encoded once), calls
//! [`Room::handle_timeout`] when due, and removes the room from the registry once empty.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::ws::Utf8Bytes;
use player_core::party::{JoinError, JoinRequest, MemberId, Room, RoomConfig, RoomOutput};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// The monotonic clock of every room: milliseconds since the hub started.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Instant,
}

impl Clock {
    /// A clock starting now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Now, in ms.
    pub fn now_ms(&self) -> f64 {
        self.ms(Instant::now())
    }

    /// `at` in ms.
    pub fn ms(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.origin).as_secs_f64() * 1000.0
    }

    /// The instant of `ms`.
    pub fn instant(&self, ms: f64) -> Instant {
        self.origin + std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// What the room task sends a connection's writer.
#[derive(Debug)]
pub enum Outbound {
    /// A text frame, with when it was queued (for the test delay).
    Text(Utf8Bytes, Instant),
    /// Close the connection with this reason.
    Close(String),
}

/// What a connection tells its room.
#[derive(Debug)]
pub enum RoomEvent {
    /// An authenticated connection joins.
    Join {
        /// Name and identity.
        request: JoinRequest,
        /// When the `join` frame arrived, ms.
        at: f64,
        /// Where the member's messages go.
        outbox: mpsc::Sender<Outbound>,
        /// The member id, or why the room refused.
        reply: oneshot::Sender<Result<MemberId, JoinError>>,
    },
    /// A text frame from a member.
    Text {
        /// The member.
        member: MemberId,
        /// Receive time, ms.
        at: f64,
        /// The frame.
        text: String,
    },
    /// A member's connection ended.
    Leave {
        /// The member.
        member: MemberId,
    },
}

/// Why a connection could not reach a room.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubError {
    /// The server has as many rooms as it allows.
    #[error("the server has too many open rooms")]
    TooManyRooms,
    /// The room's inbox is full.
    #[error("room busy, try again")]
    Busy,
}

type Registry = Arc<Mutex<HashMap<String, mpsc::Sender<RoomEvent>>>>;

/// Events a room task may have queued before connections wait.
const INBOX: usize = 4096;

/// The registry of open rooms.
#[derive(Debug, Clone)]
pub struct Hub {
    rooms: Registry,
    clock: Clock,
    config: RoomConfig,
    max_rooms: usize,
}

impl Hub {
    /// An empty hub whose rooms use `config`.
    pub fn new(config: RoomConfig, max_rooms: usize) -> Self {
        Self {
            rooms: Arc::default(),
            clock: Clock::new(),
            config,
            max_rooms,
        }
    }

    /// The rooms' clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Rooms open now.
    pub fn room_count(&self) -> usize {
        lock(&self.rooms).len()
    }

    /// Queues a join to `room`, opening it if needed; returns the room's inbox.
    pub fn join(&self, room: &str, event: RoomEvent) -> Result<mpsc::Sender<RoomEvent>, HubError> {
        let mut rooms = lock(&self.rooms);
        let inbox = match rooms.get(room) {
            Some(inbox) => inbox.clone(),
            None => {
                if rooms.len() >= self.max_rooms {
                    return Err(HubError::TooManyRooms);
                }
                let (tx, rx) = mpsc::channel(INBOX);
                rooms.insert(room.to_owned(), tx.clone());
                let task = RoomTask {
                    name: room.to_owned(),
                    room: Room::new(self.config.clone()),
                    outboxes: HashMap::new(),
                    clock: self.clock,
                    registry: self.rooms.clone(),
                };
                tokio::spawn(task.run(rx));
                tracing::debug!(room, "room opened");
                tx
            }
        };
        inbox.try_send(event).map_err(|_| HubError::Busy)?;
        Ok(inbox)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct RoomTask {
    name: String,
    room: Room,
    outboxes: HashMap<MemberId, mpsc::Sender<Outbound>>,
    clock: Clock,
    registry: Registry,
}

impl RoomTask {
    async fn run(mut self, mut inbox: mpsc::Receiver<RoomEvent>) {
        // A timeout is never due again within 1 ms of the last one, so a deadline the room
        // does not move cannot spin the task.
        let mut last_fired = f64::NEG_INFINITY;
        loop {
            let due = self
                .room
                .poll_timeout()
                .map(|ms| self.clock.instant(ms.max(last_fired + 1.0)));
            let event = tokio::select! {
                event = inbox.recv() => event,
                () = sleep_until(due) => {
                    last_fired = self.clock.now_ms();
                    self.room.handle_timeout(last_fired);
                    self.flush();
                    None
                }
            };
            if let Some(event) = event {
                self.handle(event);
            }
            if self.room.is_empty() {
                // Joins are queued under the registry lock, so holding it while checking the
                // inbox means no join can slip in between the check and the removal.
                let next = {
                    let mut rooms = lock(&self.registry);
                    match inbox.try_recv() {
                        Ok(event) => Some(event),
                        Err(_) => {
                            rooms.remove(&self.name);
                            None
                        }
                    }
                };
                match next {
                    Some(event) => self.handle(event),
                    None => break,
                }
            }
        }
        tracing::debug!(room = self.name, "room closed");
    }

    fn handle(&mut self, event: RoomEvent) {
        match event {
            RoomEvent::Join {
                request,
                at,
                outbox,
                reply,
            } => {
                let result = self.room.handle_join(at, request);
                let joined = result.as_ref().ok().copied();
                if let Some(id) = joined {
                    self.outboxes.insert(id, outbox);
                }
                if reply.send(result).is_err() {
                    // The connection went away while joining.
                    if let Some(id) = joined {
                        self.leave(id);
                    }
                }
            }
            RoomEvent::Text { member, at, text } => {
                if self.outboxes.contains_key(&member)
                    && let Err(e) = self.room.handle_text(at, member, &text)
                {
                    tracing::info!(room = self.name, member, "closing member: {e}");
                }
            }
            RoomEvent::Leave { member } => self.leave(member),
        }
        self.flush();
    }

    fn leave(&mut self, member: MemberId) {
        if self.outboxes.remove(&member).is_some() {
            self.room.handle_leave(self.clock.now_ms(), member);
        }
    }

    /// Carries out everything the room asked for.
    fn flush(&mut self) {
        let mut slow = Vec::new();
        while let Some(output) = self.room.poll_output(self.clock.now_ms()) {
            match output {
                RoomOutput::Send { to, message } => {
                    if let Some(outbox) = self.outboxes.get(&to)
                        && outbox
                            .try_send(Outbound::Text(message.to_json().into(), Instant::now()))
                            .is_err()
                    {
                        slow.push(to);
                    }
                }
                RoomOutput::Broadcast { message } => {
                    let text: Utf8Bytes = message.to_json().into();
                    let now = Instant::now();
                    for (&id, outbox) in &self.outboxes {
                        if outbox.try_send(Outbound::Text(text.clone(), now)).is_err() {
                            slow.push(id);
                        }
                    }
                }
                RoomOutput::Close { member, reason } => {
                    if let Some(outbox) = self.outboxes.remove(&member) {
                        // A full outbox is dropped instead; the writer then closes anyway.
                        let _ = outbox.try_send(Outbound::Close(reason));
                    }
                }
            }
        }
        if !slow.is_empty() {
            slow.sort_unstable();
            slow.dedup();
            for id in slow {
                tracing::info!(
                    room = self.name,
                    member = id,
                    "dropping a member too slow to read"
                );
                self.leave(id);
            }
            self.flush();
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

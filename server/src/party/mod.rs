//! Watch-party rooms at `/ws/party/{room}`: the server shell around the sans-IO
//! [`Room`](player_core::party::Room) of `player-core`.
//!
//! A connection sends `join` with a token first; [`auth`] checks it and derives the member's
//! identity, the [`hub`] hands it to the room's task, then [`socket`] relays frames both ways
//! (protocol in `docs/PROTOCOL.md`). Limits: room capacity, 4 KiB client messages, a
//! per-connection message rate, 30 s of silence, a slow-reader outbox bound; a hostile frame
//! closes only its connection, with the reason in the close frame (code 1008).

pub mod auth;
pub mod config;
pub mod hub;
pub mod invite;
pub mod socket;

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use auth::Authenticator;
use config::PartyConfig;
use hub::Hub;
use invite::{InviteKey, valid_guest};

/// Everything the party routes share.
#[derive(Debug)]
pub struct Party {
    /// Limits and options.
    pub config: PartyConfig,
    /// Join-token checks.
    pub auth: Authenticator,
    /// Open rooms.
    pub hub: Hub,
    guests: AtomicU64,
}

impl Party {
    /// The party service for `config`.
    pub fn new(config: PartyConfig) -> Self {
        Self {
            auth: Authenticator::new(InviteKey::new(&config.secret)),
            hub: Hub::new(config.room.clone(), config.max_rooms),
            config,
            guests: AtomicU64::new(1),
        }
    }
}

/// The party routes: the WebSocket, and the invite minting endpoint in dev mode.
pub fn routes(dev: bool) -> Router<AppState> {
    let router = Router::new().route("/ws/party/{room}", get(upgrade));
    if dev {
        router.route("/api/party/invite", get(mint_invite))
    } else {
        router
    }
}

/// Read buffer and write batching threshold of a connection (the WebSocket defaults of
/// 128 KiB each cost hundreds of MiB for 2,000 members; messages are a few hundred bytes).
const SOCKET_BUFFER: usize = 8 * 1024;

/// A room name: 1–64 bytes of `[A-Za-z0-9_-]`.
pub fn valid_room(room: &str) -> bool {
    valid_guest(room)
}

async fn upgrade(
    State(state): State<AppState>,
    Path(room): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    if !valid_room(&room) {
        return (
            StatusCode::BAD_REQUEST,
            "room names are 1-64 of A-Z a-z 0-9 _ -\n",
        )
            .into_response();
    }
    let party = state.party.clone();
    let max = party.config.max_ws_message;
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(SOCKET_BUFFER)
        .on_upgrade(move |socket| socket::serve(party, room, socket))
}

#[derive(Debug, Deserialize)]
struct InviteQuery {
    room: String,
    guest: Option<String>,
}

#[derive(Debug, Serialize)]
struct Invite {
    room: String,
    guest: String,
    token: String,
}

/// Dev mode: `GET /api/party/invite?room=R[&guest=G]` → `{room, guest, token}`.
async fn mint_invite(State(state): State<AppState>, Query(q): Query<InviteQuery>) -> Response {
    let party = &state.party;
    let guest = q
        .guest
        .unwrap_or_else(|| format!("guest-{}", party.guests.fetch_add(1, Ordering::Relaxed)));
    if !valid_room(&q.room) {
        return (StatusCode::BAD_REQUEST, "invalid room name\n").into_response();
    }
    match party.auth.invites().mint(&q.room, &guest) {
        Some(token) => Json(Invite {
            room: q.room,
            guest,
            token,
        })
        .into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            "guest ids are 1-64 of A-Z a-z 0-9 _ -\n",
        )
            .into_response(),
    }
}

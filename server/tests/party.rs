//! Watch-party rooms over a real loopback WebSocket: joining with invite tokens, relaying
//! state and chat, limits, and hostile frames closing only their own connection.

use std::time::Duration;

use flodrama_server::app::{AppState, router};
use flodrama_server::config::Config;
use flodrama_server::party::config::PartyConfig;
use flodrama_server::party::invite::InviteKey;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const SECRET: &[u8] = b"party test secret";

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Server {
    addr: std::net::SocketAddr,
    state: AppState,
}

async fn start(party: PartyConfig) -> Server {
    let mut config = Config::for_mounts(std::path::Path::new("/nonexistent"), Vec::new());
    config.party = party;
    let state = AppState::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { addr, state }
}

async fn start_default() -> Server {
    start(PartyConfig::with_secret(SECRET)).await
}

fn token(room: &str, guest: &str) -> String {
    InviteKey::new(SECRET).mint(room, guest).unwrap()
}

async fn connect(server: &Server, room: &str) -> Ws {
    let url = format!("ws://{}/ws/party/{room}", server.addr);
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn send(ws: &mut Ws, msg: Value) {
    ws.send(Message::text(msg.to_string())).await.unwrap();
}

/// The next text message as JSON; panics on close or after 5 s.
async fn recv(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message within 5 s")
            .expect("connection open")
            .expect("no transport error");
        match msg {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected text, got {other:?}"),
        }
    }
}

/// The next message of `kind`, skipping others.
async fn recv_type(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let msg = recv(ws).await;
        if msg["type"] == kind {
            return msg;
        }
    }
}

/// Reads until the server closes; returns the close reason.
async fn closed_reason(ws: &mut Ws) -> String {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a close within 5 s");
        match msg {
            Some(Ok(Message::Close(Some(frame)))) => return frame.reason.to_string(),
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return String::new(),
            Some(Ok(_)) => {}
        }
    }
}

/// Joins `room` as `name`; returns the socket and the welcome.
async fn join(server: &Server, room: &str, name: &str) -> (Ws, Value) {
    let mut ws = connect(server, room).await;
    send(
        &mut ws,
        json!({"v":1,"type":"join","name":name,"token":token(room, name)}),
    )
    .await;
    let welcome = recv_type(&mut ws, "welcome").await;
    (ws, welcome)
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached in 5 s");
}

#[tokio::test]
async fn members_join_with_invites_and_share_state_and_chat() {
    let server = start_default().await;
    let (mut host, welcome) = join(&server, "movie", "host").await;
    assert_eq!(welcome["you"], welcome["host"]);
    let host_id = welcome["you"].as_u64().unwrap();
    let (mut guest, welcome) = join(&server, "movie", "guest").await;
    assert_eq!(welcome["host"], host_id);
    assert_eq!(welcome["members"].as_array().unwrap().len(), 2);
    let members = recv_type(&mut host, "members").await;
    let members = recv_type_until_len(&mut host, members, 2).await;
    assert_eq!(members["members"][1]["name"], "guest");

    send(&mut host, json!({"v":1,"type":"seek","position":42.5})).await;
    for ws in [&mut host, &mut guest] {
        let state = recv_type(ws, "state").await;
        assert_eq!(state["state"]["phase"], "waiting");
        assert_eq!(state["state"]["position"], 42.5);
        assert_eq!(state["by"], host_id);
    }
    send(
        &mut guest,
        json!({"v":1,"type":"chat_message","text":"  hi all "}),
    )
    .await;
    for ws in [&mut host, &mut guest] {
        let chat = recv_type(ws, "chat_message").await;
        assert_eq!(chat["message"]["text"], "hi all");
        assert_eq!(chat["message"]["name"], "guest");
    }
}

/// Skips `members` messages until one lists `len` members.
async fn recv_type_until_len(ws: &mut Ws, mut members: Value, len: usize) -> Value {
    while members["members"].as_array().unwrap().len() != len {
        members = recv_type(ws, "members").await;
    }
    members
}

#[tokio::test]
async fn clock_answers_are_stamped_on_receive_and_send() {
    let server = start_default().await;
    let (mut ws, _) = join(&server, "clock", "a").await;
    send(&mut ws, json!({"v":1,"type":"time_req","id":7,"t1":1234.5})).await;
    let resp = recv_type(&mut ws, "time_resp").await;
    assert_eq!(resp["id"], 7);
    assert_eq!(resp["t1"], 1234.5);
    let (t2, t3) = (resp["t2"].as_f64().unwrap(), resp["t3"].as_f64().unwrap());
    assert!(t2 > 0.0 && t3 >= t2, "t2 {t2} t3 {t3}");
    assert!(t3 <= server.state.party.hub.clock().now_ms());
}

#[tokio::test]
async fn hostile_frames_close_only_their_connection() {
    let server = start_default().await;
    let (mut host, _) = join(&server, "r", "host").await;
    send(&mut host, json!({"v":1,"type":"seek","position":10})).await;
    let seq = recv_type(&mut host, "state").await["seq"].clone();
    let cases: Vec<(Message, &str)> = vec![
        (Message::text("not json"), "malformed message"),
        (
            Message::text(r#"{"v":2,"type":"play"}"#),
            "unsupported protocol version 2",
        ),
        (
            Message::text(r#"{"v":1,"type":"seek","position":"x"}"#),
            "malformed message",
        ),
        (
            Message::text(r#"{"v":1,"type":"explode"}"#),
            "malformed message",
        ),
        (
            Message::text("x".repeat(5000)),
            "message is 5000 bytes, more than the limit of 4096",
        ),
        (
            Message::binary(vec![1, 2, 3]),
            "binary frames are not part of the protocol",
        ),
    ];
    for (i, (frame, reason)) in cases.into_iter().enumerate() {
        let (mut bad, _) = join(&server, "r", &format!("bad{i}")).await;
        bad.send(frame).await.unwrap();
        let got = closed_reason(&mut bad).await;
        assert!(got.starts_with(reason), "case {i}: {got:?}");
    }
    // The room is as it was: same state, the host alone, and it still answers.
    send(
        &mut host,
        json!({"v":1,"type":"chat_message","text":"still here"}),
    )
    .await;
    let chat = recv_type(&mut host, "chat_message").await;
    assert_eq!(chat["message"]["text"], "still here");
    let (_late, welcome) = join(&server, "r", "late").await;
    assert_eq!(welcome["seq"], seq);
    assert_eq!(welcome["state"]["position"], 10.0);
    let names: Vec<_> = welcome["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["host", "late"]);
}

#[tokio::test]
async fn bad_joins_are_refused_with_a_reason() {
    let server = start_default().await;
    let cases = [
        (
            json!({"v":1,"type":"join","name":"a"}),
            "a token is required to join",
        ),
        (
            json!({"v":1,"type":"join","name":"a","token":token("other", "a")}),
            "invite token not valid for this room",
        ),
        (
            json!({"v":1,"type":"join","name":"a","token":"a.b.c"}),
            "invalid token",
        ),
        (
            json!({"v":1,"type":"join","name":"a","token":"garbage"}),
            "malformed invite token",
        ),
        (
            json!({"v":1,"type":"join","name":"","token":token("room", "a")}),
            "invalid display name",
        ),
        (
            json!({"v":1,"type":"play"}),
            "the first message must be join",
        ),
    ];
    for (msg, reason) in cases {
        let mut ws = connect(&server, "room").await;
        send(&mut ws, msg).await;
        let got = closed_reason(&mut ws).await;
        assert!(got.starts_with(reason), "{got:?} for {reason:?}");
    }
    let status = reqwest::get(format!("http://{}/ws/party/bad%20room", server.addr))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_full_room_refuses_the_next_member() {
    let mut config = PartyConfig::with_secret(SECRET);
    config.room.capacity = 2;
    let server = start(config).await;
    let (_a, _) = join(&server, "small", "a").await;
    let (_b, _) = join(&server, "small", "b").await;
    let mut c = connect(&server, "small").await;
    send(
        &mut c,
        json!({"v":1,"type":"join","name":"c","token":token("small", "c")}),
    )
    .await;
    assert_eq!(closed_reason(&mut c).await, "room is full (2 members)");
}

#[tokio::test]
async fn a_flooding_member_is_closed_and_the_others_stay() {
    let server = start_default().await;
    let (mut calm, _) = join(&server, "flood", "calm").await;
    let (mut flood, _) = join(&server, "flood", "flood").await;
    for id in 0..60 {
        let req = json!({"v":1,"type":"time_req","id":id,"t1":0});
        if flood.send(Message::text(req.to_string())).await.is_err() {
            break;
        }
    }
    assert_eq!(
        closed_reason(&mut flood).await,
        "message rate limit exceeded"
    );
    send(&mut calm, json!({"v":1,"type":"chat_message","text":"ok"})).await;
    assert_eq!(
        recv_type(&mut calm, "chat_message").await["message"]["name"],
        "calm"
    );
}

#[tokio::test]
async fn silent_connections_time_out() {
    let mut config = PartyConfig::with_secret(SECRET);
    config.join_timeout = Duration::from_millis(200);
    config.room.idle_timeout_ms = 300.0;
    let server = start(config).await;
    let mut never_joins = connect(&server, "quiet").await;
    assert!(
        closed_reason(&mut never_joins)
            .await
            .starts_with("no join within")
    );
    let (mut silent, _) = join(&server, "quiet", "silent").await;
    assert_eq!(closed_reason(&mut silent).await, "timeout");
}

#[tokio::test]
async fn empty_rooms_are_dropped_and_banned_identities_stay_out() {
    let server = start_default().await;
    let hub = &server.state.party.hub;
    let (mut host, _) = join(&server, "bans", "host").await;
    let (mut guest, welcome) = join(&server, "bans", "guest").await;
    assert_eq!(hub.room_count(), 1);
    let target = welcome["you"].clone();
    send(
        &mut host,
        json!({"v":1,"type":"admin_action","action":"ban_user","target":target}),
    )
    .await;
    assert_eq!(recv_type(&mut guest, "banned").await["type"], "banned");
    assert_eq!(closed_reason(&mut guest).await, "banned");
    let mut again = connect(&server, "bans").await;
    send(
        &mut again,
        json!({"v":1,"type":"join","name":"guest2","token":token("bans", "guest")}),
    )
    .await;
    assert_eq!(closed_reason(&mut again).await, "banned from this room");

    host.close(None).await.unwrap();
    wait_until(|| hub.room_count() == 0).await;
    // A new room of the same name starts afresh: the ban went with the old one.
    let (_back, welcome) = join(&server, "bans", "guest").await;
    assert_eq!(welcome["seq"], 0);
}

#[tokio::test]
async fn dev_mode_mints_invites_over_http() {
    let mut config = PartyConfig::with_secret(SECRET);
    config.dev = true;
    let server = start(config).await;
    let body = reqwest::get(format!("http://{}/api/party/invite?room=dev", server.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let invite: Value = serde_json::from_str(&body).unwrap();
    let mut ws = connect(&server, "dev").await;
    send(
        &mut ws,
        json!({"v":1,"type":"join","name":"Zoé","token":invite["token"]}),
    )
    .await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["members"][0]["name"], "Zoé");

    let off = start_default().await;
    let status = reqwest::get(format!("http://{}/api/party/invite?room=dev", off.addr))
        .await
        .unwrap()
        .status();
    assert_ne!(status, 200);
}

#[tokio::test]
async fn delayed_messages_keep_their_order() {
    let mut config = PartyConfig::with_secret(SECRET);
    config.delay = Some("0..30".parse().unwrap());
    let server = start(config).await;
    let (mut a, _) = join(&server, "slow", "a").await;
    for i in 0..5 {
        send(
            &mut a,
            json!({"v":1,"type":"chat_message","text":format!("line {i}")}),
        )
        .await;
    }
    for i in 0..5 {
        let chat = recv_type(&mut a, "chat_message").await;
        assert_eq!(chat["message"]["text"], format!("line {i}"));
    }
}

#[tokio::test]
async fn a_peer_ignoring_the_close_is_hung_up_on() {
    let server = start_default().await;
    let (mut ws, _) = join(&server, "deaf", "deaf").await;
    ws.send(Message::text("not json")).await.unwrap();
    // Read the close frame but never answer it: the server drops the TCP connection itself.
    let mut raw = ws.into_inner();
    let mut buf = [0u8; 1024];
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        use tokio::io::AsyncReadExt;
        loop {
            match raw.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the server kept the connection open");
}

//! One member's WebSocket: the `join` handshake, then a reader feeding the room and a writer
//! draining the member's outbox.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use player_core::party::{ClientMessage, JoinRequest, MemberId};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::Party;
use super::config::DelayRange;
use super::hub::{Outbound, RoomEvent};

/// Serves one upgraded connection to `room` until it ends.
pub async fn serve(party: std::sync::Arc<Party>, room: String, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (member, inbox, outbox, outbox_rx) = match join(&party, &room, &mut stream).await {
        Ok(joined) => joined,
        Err(reason) => {
            tracing::info!(room, "join refused: {reason}");
            close(&mut sink, &reason).await;
            return;
        }
    };
    let _member = crate::metrics::GaugeGuard::new("party_members");
    let delay = party.config.delay.clone();
    let mut writer = tokio::spawn(write(sink, outbox_rx, delay.clone()));
    {
        let reading = read(&party, stream, member, &inbox, &outbox, delay);
        tokio::pin!(reading);
        tokio::select! {
            () = &mut reading => {}
            _ = &mut writer => {
                // The close frame is out: read on briefly for the peer's answer, then hang
                // up even on a peer that never answers.
                let _ = tokio::time::timeout(CLOSE_GRACE, &mut reading).await;
            }
        }
    }
    let _ = inbox.send(RoomEvent::Leave { member }).await;
    drop(outbox);
    let _ = writer.await;
}

/// How long a closed connection is read on for the peer's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

type Joined = (
    MemberId,
    mpsc::Sender<RoomEvent>,
    mpsc::Sender<Outbound>,
    mpsc::Receiver<Outbound>,
);

/// Reads the `join` frame, authenticates it and enters the room; `Err` is the close reason.
async fn join(
    party: &Party,
    room: &str,
    stream: &mut SplitStream<WebSocket>,
) -> Result<Joined, String> {
    let timeout = party.config.join_timeout;
    let text = loop {
        match tokio::time::timeout(timeout, stream.next()).await {
            Err(_) => return Err(format!("no join within {} s", timeout.as_secs_f64())),
            Ok(None | Some(Err(_))) => return Err("connection ended before join".to_owned()),
            Ok(Some(Ok(Message::Text(text)))) => break text,
            Ok(Some(Ok(Message::Binary(_)))) => return Err(BINARY.to_owned()),
            Ok(Some(Ok(Message::Close(_)))) => return Err("closed before join".to_owned()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
        }
    };
    let at = party.hub.clock().now_ms();
    let (name, token) = match ClientMessage::from_json(&text) {
        Ok(ClientMessage::Join { name, token }) => (name, token),
        Ok(_) => return Err("the first message must be join".to_owned()),
        Err(e) => return Err(e.close_reason()),
    };
    let identity = party
        .auth
        .authenticate(room, token.as_deref())
        .map_err(|e| e.to_string())?;
    let (outbox, outbox_rx) = mpsc::channel(party.config.outbox);
    let (reply, answer) = oneshot::channel();
    let event = RoomEvent::Join {
        request: JoinRequest { name, identity },
        at,
        outbox: outbox.clone(),
        reply,
    };
    let inbox = party.hub.join(room, event).map_err(|e| e.to_string())?;
    match answer.await {
        Ok(Ok(member)) => Ok((member, inbox, outbox, outbox_rx)),
        Ok(Err(refused)) => Err(refused.to_string()),
        Err(_) => Err("room closed".to_owned()),
    }
}

const BINARY: &str = "binary frames are not part of the protocol";

/// Feeds the member's frames to the room until the socket ends or the room closed it.
async fn read(
    party: &Party,
    mut stream: SplitStream<WebSocket>,
    member: MemberId,
    inbox: &mpsc::Sender<RoomEvent>,
    outbox: &mpsc::Sender<Outbound>,
    delay: Option<DelayRange>,
) {
    let clock = party.hub.clock();
    let mut last_due = Instant::now();
    while let Some(Ok(message)) = stream.next().await {
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                let _ = outbox.try_send(Outbound::Close(BINARY.to_owned()));
                return;
            }
            Message::Close(_) => return,
            // Pongs are answered by the WebSocket layer itself.
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        let mut received = Instant::now();
        if let Some(delay) = &delay {
            last_due = (received + delay.sample()).max(last_due);
            tokio::time::sleep_until(last_due).await;
            received = last_due;
        }
        let event = RoomEvent::Text {
            member,
            at: clock.ms(received),
            text: text.as_str().to_owned(),
        };
        if inbox.send(event).await.is_err() || outbox.is_closed() {
            return;
        }
    }
}

/// Most queued messages written before one flush.
const BATCH: usize = 64;

/// Writes the member's outbox to the socket, flushing once per batch of queued messages
/// (once per message under the test delay); ends with a close frame.
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut outbox: mpsc::Receiver<Outbound>,
    delay: Option<DelayRange>,
) {
    let mut last_due = Instant::now();
    let reason = 'outer: loop {
        let Some(mut next) = outbox.recv().await else {
            break "disconnected: too slow to read the room's messages".to_owned();
        };
        for _ in 0..BATCH {
            let text = match next {
                Outbound::Text(text, queued) => {
                    if let Some(delay) = &delay {
                        last_due = (queued + delay.sample()).max(last_due);
                        tokio::time::sleep_until(last_due).await;
                    }
                    text
                }
                Outbound::Close(reason) => break 'outer reason,
            };
            let written = if delay.is_some() {
                sink.send(Message::Text(text)).await
            } else {
                sink.feed(Message::Text(text)).await
            };
            if written.is_err() {
                return;
            }
            match outbox.try_recv() {
                Ok(more) => next = more,
                Err(_) => break,
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, close(&mut sink, &reason)).await;
}

async fn close(sink: &mut SplitSink<WebSocket, Message>, reason: &str) {
    let frame = CloseFrame {
        code: close_code::POLICY,
        reason: Utf8Bytes::from(truncate(reason, 123)),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

/// `text` cut to at most `max` bytes on a character boundary.
fn truncate(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

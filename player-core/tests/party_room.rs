//! The room on its own: joining, chat limits, moderation, control rights, time-sync stamping,
//! timeouts and hostile input.

use player_core::party::{
    AdminAction, ClientMessage, ErrorCode, JoinError, JoinRequest, MemberId, Phase, ProtocolError,
    Room, RoomConfig, RoomOutput, ServerMessage,
};

fn join(room: &mut Room, now: f64, who: &str) -> MemberId {
    room.handle_join(
        now,
        JoinRequest {
            name: who.to_owned(),
            identity: format!("id-{who}"),
        },
    )
    .expect("join")
}

fn drain(room: &mut Room, now: f64) -> Vec<RoomOutput> {
    std::iter::from_fn(|| room.poll_output(now)).collect()
}

fn errors_to(outs: &[RoomOutput], member: MemberId) -> Vec<ErrorCode> {
    outs.iter()
        .filter_map(|o| match o {
            RoomOutput::Send {
                to,
                message: ServerMessage::Error { code, .. },
            } if *to == member => Some(*code),
            _ => None,
        })
        .collect()
}

fn chat_texts(outs: &[RoomOutput]) -> Vec<String> {
    outs.iter()
        .filter_map(|o| match o {
            RoomOutput::Broadcast {
                message: ServerMessage::ChatMessage { message },
            } => Some(message.text.clone()),
            _ => None,
        })
        .collect()
}

fn chat(room: &mut Room, now: f64, member: MemberId, text: &str) -> Vec<RoomOutput> {
    room.handle_message(
        now,
        member,
        ClientMessage::ChatMessage { text: text.into() },
    );
    drain(room, now)
}

fn room_of_three() -> (Room, [MemberId; 3]) {
    let mut room = Room::new(RoomConfig::default());
    let ids = [
        join(&mut room, 0.0, "host"),
        join(&mut room, 0.0, "ann"),
        join(&mut room, 0.0, "bob"),
    ];
    drain(&mut room, 0.0);
    (room, ids)
}

#[test]
fn welcome_then_member_list() {
    let mut room = Room::new(RoomConfig::default());
    let a = join(&mut room, 5.0, "  Alice ");
    let outs = drain(&mut room, 5.0);
    match &outs[..] {
        [
            RoomOutput::Send {
                to,
                message:
                    ServerMessage::Welcome {
                        you,
                        host,
                        members,
                        state,
                        ..
                    },
            },
            RoomOutput::Broadcast {
                message: ServerMessage::Members { .. },
            },
        ] => {
            assert_eq!((*to, *you, *host), (a, a, a));
            assert_eq!(members.len(), 1);
            assert_eq!(members[0].name, "Alice");
            assert_eq!(state.phase, Phase::Idle);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn joins_are_checked() {
    let mut room = Room::new(RoomConfig {
        capacity: 2,
        ..RoomConfig::default()
    });
    for bad in ["", "   ", "a\u{0}b", &"x".repeat(33)] {
        let req = JoinRequest {
            name: bad.to_owned(),
            identity: "i".into(),
        };
        assert_eq!(
            room.handle_join(0.0, req),
            Err(JoinError::InvalidName),
            "{bad:?}"
        );
    }
    join(&mut room, 0.0, "a");
    join(&mut room, 0.0, "b");
    let req = JoinRequest {
        name: "c".into(),
        identity: "id-c".into(),
    };
    assert_eq!(room.handle_join(0.0, req), Err(JoinError::Full(2)));
}

#[test]
fn time_sync_is_stamped_on_receive_and_send() {
    let (mut room, [a, ..]) = room_of_three();
    room.handle_message(
        100.0,
        a,
        ClientMessage::TimeReq {
            id: 9,
            t1: -42.5,
            rtt: Some(80.0),
        },
    );
    let outs = drain(&mut room, 103.25);
    assert_eq!(
        outs,
        vec![RoomOutput::Send {
            to: a,
            message: ServerMessage::TimeResp {
                id: 9,
                t1: -42.5,
                t2: 100.0,
                t3: 103.25
            },
        }]
    );
}

#[test]
fn actions_take_effect_after_twice_the_highest_rtt() {
    let (mut room, [a, b, c]) = room_of_three();
    for (m, rtt) in [(a, 40.0), (b, 260.0), (c, 5000.0)] {
        room.handle_message(
            0.0,
            m,
            ClientMessage::TimeReq {
                id: 0,
                t1: 0.0,
                rtt: Some(rtt),
            },
        );
        room.handle_message(
            0.0,
            m,
            ClientMessage::Status {
                seq: 0,
                ready: true,
            },
        );
    }
    drain(&mut room, 0.0);
    room.handle_message(1000.0, a, ClientMessage::Play);
    let (_, state) = room.state();
    assert_eq!(state.phase, Phase::Playing);
    // A hostile 5 s RTT is clamped to the 1 s limit.
    assert_eq!(state.at, 1000.0 + 2000.0);
    room.handle_message(
        1000.0,
        c,
        ClientMessage::TimeReq {
            id: 1,
            t1: 0.0,
            rtt: Some(10.0),
        },
    );
    room.handle_message(5000.0, a, ClientMessage::Pause);
    let (_, state) = room.state();
    assert_eq!(state.phase, Phase::Paused);
    assert_eq!(state.at, 5000.0 + 520.0);
    assert!((state.position - 2.52).abs() < 1e-9);
}

#[test]
fn play_waits_for_members_not_ready_then_starts_together() {
    let (mut room, [a, b, c]) = room_of_three();
    for m in [a, b] {
        room.handle_message(
            0.0,
            m,
            ClientMessage::Status {
                seq: 0,
                ready: true,
            },
        );
    }
    room.handle_message(10.0, a, ClientMessage::Play);
    let (seq, state) = room.state();
    assert_eq!((state.phase, state.resume), (Phase::Waiting, true));
    // A stale report does not count.
    room.handle_message(
        20.0,
        c,
        ClientMessage::Status {
            seq: seq - 1,
            ready: true,
        },
    );
    assert_eq!(room.state().1.phase, Phase::Waiting);
    room.handle_message(30.0, a, ClientMessage::Status { seq, ready: true });
    room.handle_message(30.0, b, ClientMessage::Status { seq, ready: true });
    room.handle_message(40.0, c, ClientMessage::Status { seq, ready: true });
    let (_, state) = room.state();
    assert_eq!(state.phase, Phase::Playing);
    assert_eq!(state.at, 40.0 + 300.0);
}

#[test]
fn stalled_member_makes_the_group_wait_after_one_second() {
    let (mut room, ids) = room_of_three();
    for m in ids {
        room.handle_message(
            0.0,
            m,
            ClientMessage::Status {
                seq: 0,
                ready: true,
            },
        );
    }
    room.handle_message(0.0, ids[0], ClientMessage::Play);
    let (seq, _) = room.state();
    room.handle_message(
        10_000.0,
        ids[1],
        ClientMessage::Status { seq, ready: false },
    );
    assert_eq!(room.poll_timeout(), Some(11_000.0));
    room.handle_timeout(10_999.0);
    assert_eq!(room.state().1.phase, Phase::Playing);
    room.handle_timeout(11_000.0);
    let (wseq, state) = room.state();
    assert_eq!((state.phase, state.resume), (Phase::Waiting, true));
    assert_eq!(state.at, 11_300.0);
    assert!((state.position - 11.0).abs() < 1e-9);
    for m in ids {
        room.handle_message(
            11_400.0,
            m,
            ClientMessage::Status {
                seq: wseq,
                ready: true,
            },
        );
    }
    let (_, state) = room.state();
    assert_eq!(state.phase, Phase::Playing);
    assert!((state.position - 11.0).abs() < 1e-9);
}

#[test]
fn waiting_gives_up_on_a_member_that_never_gets_ready() {
    let (mut room, ids) = room_of_three();
    room.handle_message(0.0, ids[0], ClientMessage::Seek { position: 30.0 });
    let (seq, _) = room.state();
    for m in &ids[..2] {
        room.handle_message(500.0, *m, ClientMessage::Status { seq, ready: true });
        room.handle_message(
            15_000.0,
            *m,
            ClientMessage::TimeReq {
                id: 0,
                t1: 0.0,
                rtt: None,
            },
        );
    }
    assert_eq!(room.state().1.phase, Phase::Waiting);
    room.handle_timeout(20_000.0);
    assert_eq!(room.state().1.phase, Phase::Paused);
    assert_eq!(room.state().1.position, 30.0);
}

#[test]
fn host_only_control_and_settings() {
    let (mut room, [host, ann, _]) = room_of_three();
    room.handle_message(
        0.0,
        ann,
        ClientMessage::Settings {
            host_only_control: true,
        },
    );
    assert_eq!(
        errors_to(&drain(&mut room, 0.0), ann),
        vec![ErrorCode::NotAllowed]
    );
    room.handle_message(
        0.0,
        host,
        ClientMessage::Settings {
            host_only_control: true,
        },
    );
    assert!(room.settings().host_only_control);
    let seq = room.state().0;
    room.handle_message(0.0, ann, ClientMessage::Seek { position: 5.0 });
    assert_eq!(
        errors_to(&drain(&mut room, 0.0), ann),
        vec![ErrorCode::NotAllowed]
    );
    assert_eq!(room.state().0, seq);
    room.handle_message(0.0, host, ClientMessage::Seek { position: 5.0 });
    assert_eq!(room.state().1.phase, Phase::Waiting);
}

#[test]
fn chat_is_relayed_with_sender_and_server_time() {
    let (mut room, [_, ann, _]) = room_of_three();
    let outs = chat(&mut room, 1234.0, ann, "  hi all ");
    match &outs[..] {
        [
            RoomOutput::Broadcast {
                message: ServerMessage::ChatMessage { message },
            },
        ] => {
            assert_eq!(
                (message.from, message.name.as_str(), message.at),
                (ann, "ann", 1234.0)
            );
            assert_eq!(message.text, "hi all");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        errors_to(&chat(&mut room, 1300.0, ann, &"é".repeat(501)), ann),
        vec![ErrorCode::InvalidText]
    );
    assert_eq!(
        errors_to(&chat(&mut room, 1300.0, ann, "   "), ann),
        vec![ErrorCode::InvalidText]
    );
}

#[test]
fn chat_rate_limit_per_member() {
    let (mut room, [_, ann, bob]) = room_of_three();
    let sent: Vec<_> = (0..6)
        .map(|i| chat(&mut room, 0.0, ann, &format!("m{i}")))
        .collect();
    assert!(sent[..5].iter().all(|o| chat_texts(o).len() == 1));
    assert_eq!(errors_to(&sent[5], ann), vec![ErrorCode::RateLimited]);
    // Another member is not affected, and the sender regains a line every 2 s.
    assert_eq!(
        chat_texts(&chat(&mut room, 0.0, bob, "me too")),
        vec!["me too"]
    );
    assert_eq!(
        errors_to(&chat(&mut room, 1900.0, ann, "again"), ann),
        vec![ErrorCode::RateLimited]
    );
    assert_eq!(
        chat_texts(&chat(&mut room, 4100.0, ann, "again")),
        vec!["again"]
    );
}

#[test]
fn host_mutes_with_expiry_and_it_survives_rejoin() {
    let (mut room, [host, ann, bob]) = room_of_three();
    let mute = |target, duration_s| ClientMessage::AdminAction {
        action: AdminAction::MuteUser,
        target,
        duration_s,
        reason: Some("spam".into()),
    };
    room.handle_message(0.0, bob, mute(ann, Some(10.0)));
    assert_eq!(
        errors_to(&drain(&mut room, 0.0), bob),
        vec![ErrorCode::NotAllowed]
    );
    room.handle_message(1000.0, host, mute(ann, Some(10.0)));
    let outs = drain(&mut room, 1000.0);
    assert!(outs.contains(&RoomOutput::Send {
        to: ann,
        message: ServerMessage::Muted {
            duration_s: Some(10.0),
            reason: Some("spam".into())
        },
    }));
    let listed = outs.iter().find_map(|o| match o {
        RoomOutput::Broadcast {
            message: ServerMessage::Members { members, .. },
        } => members.iter().find(|m| m.id == ann).map(|m| m.muted),
        _ => None,
    });
    assert_eq!(listed, Some(true));
    assert_eq!(
        errors_to(&chat(&mut room, 2000.0, ann, "hello?"), ann),
        vec![ErrorCode::Muted]
    );
    room.handle_leave(3000.0, ann);
    let again = join(&mut room, 3000.0, "ann");
    drain(&mut room, 3000.0);
    assert_eq!(
        errors_to(&chat(&mut room, 4000.0, again, "back"), again),
        vec![ErrorCode::Muted]
    );
    assert_eq!(
        chat_texts(&chat(&mut room, 11_000.0, again, "free")),
        vec!["free"]
    );
}

#[test]
fn host_bans_and_the_identity_cannot_return() {
    let (mut room, [host, ann, bob]) = room_of_three();
    room.handle_message(
        0.0,
        host,
        ClientMessage::AdminAction {
            action: AdminAction::BanUser,
            target: bob,
            duration_s: None,
            reason: None,
        },
    );
    let outs = drain(&mut room, 0.0);
    assert!(outs.contains(&RoomOutput::Send {
        to: bob,
        message: ServerMessage::Banned { reason: None }
    }));
    assert!(outs.contains(&RoomOutput::Close {
        member: bob,
        reason: "banned".into()
    }));
    assert_eq!(room.member_ids(), vec![host, ann]);
    let req = JoinRequest {
        name: "bob2".into(),
        identity: "id-bob".into(),
    };
    assert_eq!(room.handle_join(1.0, req), Err(JoinError::Banned));
    room.handle_message(
        0.0,
        host,
        ClientMessage::AdminAction {
            action: AdminAction::BanUser,
            target: 999,
            duration_s: None,
            reason: None,
        },
    );
    assert_eq!(
        errors_to(&drain(&mut room, 0.0), host),
        vec![ErrorCode::UnknownMember]
    );
}

#[test]
fn host_role_passes_on_when_the_host_leaves() {
    let (mut room, [host, ann, bob]) = room_of_three();
    room.handle_leave(0.0, host);
    assert_eq!(room.host(), Some(ann));
    room.handle_message(
        0.0,
        ann,
        ClientMessage::AdminAction {
            action: AdminAction::MakeHost,
            target: bob,
            duration_s: None,
            reason: None,
        },
    );
    assert_eq!(room.host(), Some(bob));
    room.handle_leave(0.0, ann);
    room.handle_leave(0.0, bob);
    assert!(room.is_empty());
    assert_eq!(room.host(), None);
}

#[test]
fn hostile_messages_close_only_their_connection() {
    let (mut room, [host, ann, bob]) = room_of_three();
    room.handle_message(0.0, host, ClientMessage::Seek { position: 12.0 });
    drain(&mut room, 0.0);
    let before = room.state();
    let err = room.handle_text(1.0, ann, r#"{"v":1,"type":"seek","position":{"$gt":0}}"#);
    assert!(matches!(err, Err(ProtocolError::Malformed(_))));
    let outs = drain(&mut room, 1.0);
    assert!(
        matches!(&outs[0], RoomOutput::Close { member, reason } if *member == ann && reason.starts_with("malformed message"))
    );
    assert_eq!(room.member_ids(), vec![host, bob]);
    assert_eq!(room.state(), before, "the room is undisturbed");
    assert_eq!(room.host(), Some(host));

    let huge = format!(
        r#"{{"v":1,"type":"chat_message","text":"{}"}}"#,
        "x".repeat(10_000)
    );
    assert!(matches!(
        room.handle_text(2.0, bob, &huge),
        Err(ProtocolError::TooLarge { .. })
    ));
    assert_eq!(room.member_ids(), vec![host]);
    // Unknown members (already closed) are ignored without effect.
    room.handle_message(3.0, bob, ClientMessage::Play);
    assert_eq!(room.state(), before);
    // Out-of-range values are refused without closing.
    room.handle_message(4.0, host, ClientMessage::Seek { position: -1.0 });
    assert_eq!(
        errors_to(&drain(&mut room, 4.0), host),
        vec![ErrorCode::BadRequest]
    );
}

#[test]
fn message_flood_closes_the_connection() {
    let (mut room, [_, ann, _]) = room_of_three();
    for _ in 0..40 {
        room.handle_text(0.0, ann, r#"{"v":1,"type":"pause"}"#)
            .expect("valid");
    }
    assert!(
        drain(&mut room, 0.0)
            .iter()
            .all(|o| !matches!(o, RoomOutput::Close { .. }))
    );
    room.handle_text(0.0, ann, r#"{"v":1,"type":"pause"}"#)
        .expect("valid");
    let outs = drain(&mut room, 0.0);
    assert!(outs.contains(&RoomOutput::Close {
        member: ann,
        reason: "message rate limit exceeded".into()
    }));
    assert_eq!(room.member_ids().len(), 2);
}

#[test]
fn silent_members_time_out() {
    let (mut room, [host, ann, bob]) = room_of_three();
    room.handle_message(
        20_000.0,
        host,
        ClientMessage::TimeReq {
            id: 0,
            t1: 0.0,
            rtt: None,
        },
    );
    room.handle_message(
        25_000.0,
        bob,
        ClientMessage::TimeReq {
            id: 0,
            t1: 0.0,
            rtt: None,
        },
    );
    drain(&mut room, 25_000.0);
    assert_eq!(room.poll_timeout(), Some(30_000.0));
    room.handle_timeout(30_000.0);
    assert_eq!(
        drain(&mut room, 30_000.0)[0],
        RoomOutput::Close {
            member: ann,
            reason: "timeout".into()
        }
    );
    assert_eq!(room.member_ids(), vec![host, bob]);
}

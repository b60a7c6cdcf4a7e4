//! Stall nudging, on the simulated clock.

use super::*;

fn stuck_sim() -> Sim {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.load(MASTER);
    sim.run(6_000.0);
    assert!(sim.position > 3.0);
    // The element says it plays, but its playhead stops moving with media buffered ahead.
    sim.engine
        .handle_input(sim.now, Input::Paused { paused: false });
    sim.playing = false;
    sim
}

fn nudges(sim: &Sim, from: usize) -> Vec<f64> {
    sim.outputs[from..]
        .iter()
        .filter_map(|o| match o {
            Output::Seek(t) => Some(*t),
            _ => None,
        })
        .collect()
}

#[test]
fn a_playhead_stuck_with_media_ahead_is_nudged_forward_three_times() {
    let mut sim = stuck_sim();
    let position = sim.position;
    let from = sim.outputs.len();
    sim.advance_clock(1_900.0);
    assert!(
        nudges(&sim, from).is_empty(),
        "less than two seconds: no nudge"
    );
    sim.advance_clock(15_000.0);
    let seeks = nudges(&sim, from);
    let expected = [
        position + 0.1,
        position + 0.1 + 0.2,
        position + 0.1 + 0.2 + 0.3,
    ];
    assert_eq!(seeks.len(), 3, "{seeks:?}");
    for (got, want) in seeks.iter().zip(expected) {
        assert!((got - want).abs() < 1e-9, "{seeks:?} {expected:?}");
    }
    let errors = sim.errors();
    assert_eq!(errors.len(), 3);
    assert!(
        errors
            .iter()
            .all(|e| !e.fatal && e.detail == ErrorDetail::BufferNudgeOnStall)
    );
}

#[test]
fn a_paused_element_or_a_moving_playhead_is_never_nudged() {
    let mut sim = stuck_sim();
    sim.engine
        .handle_input(sim.now, Input::Paused { paused: true });
    let from = sim.outputs.len();
    sim.advance_clock(5_000.0);
    assert!(nudges(&sim, from).is_empty());

    sim.engine
        .handle_input(sim.now, Input::Paused { paused: false });
    sim.playing = true;
    sim.advance_clock(5_000.0);
    assert!(nudges(&sim, from).is_empty(), "playing: no nudge");
    assert!(sim.errors().is_empty());
}

#[test]
fn a_playhead_waiting_for_media_is_an_underrun_not_a_stall() {
    let mut sim = stuck_sim();
    // Nothing ahead of the playhead: the loader's business.
    sim.buffered = vec![(0.0, sim.position)];
    sim.in_flight.clear();
    let from = sim.outputs.len();
    for _ in 0..20 {
        sim.now += 250.0;
        sim.engine.handle_input(
            sim.now,
            Input::Playhead {
                position: sim.position,
                buffered: sim.buffered.clone(),
            },
        );
    }
    sim.drain();
    assert!(nudges(&sim, from).is_empty());
}

#[test]
fn a_playhead_that_never_moved_is_starting_not_stalled() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.playing = false;
    sim.load(MASTER);
    sim.engine
        .handle_input(sim.now, Input::Paused { paused: false });
    sim.run(10_000.0);
    assert!(sim.buffered.first().is_some_and(|r| r.1 > 8.0));
    assert!(nudges(&sim, 0).is_empty());
}

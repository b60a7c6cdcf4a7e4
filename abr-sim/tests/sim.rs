//! Acceptance tests of the simulator and of the algorithms run through it.

use flodrama_abr_sim::bba::Bba;
use flodrama_abr_sim::hlsjs::HlsJsAbr;
use flodrama_abr_sim::sim::{RunReport, SegmentLog, SimConfig, simulate};
use flodrama_abr_sim::trace::{Trace, synthetic_traces};
use flodrama_abr_sim::{ALGORITHMS, Summary, run_all};
use player_core::abr::{Abr, AbrContext, Hybrid, HybridConfig, LevelInfo};

fn ours() -> Hybrid {
    Hybrid::default()
}

fn levels_of(report: &RunReport) -> Vec<usize> {
    report.segments.iter().map(|s| s.level).collect()
}

#[test]
fn constant_throughput_converges_to_the_highest_sustainable_rung() {
    let cfg = SimConfig::default_ladder();
    // (throughput, highest rung under it): 2.5 Mbit/s carries 1850 but not 2850 kbit/s.
    for (bps, expected) in [(2.5e6, 3), (5e6, 5), (1.0e6, 1), (400e3, 0)] {
        let trace = Trace::constant("constant", bps).unwrap();
        let report = simulate(&mut ours(), &trace, &cfg);
        let tail = &levels_of(&report)[30..];
        assert!(
            tail.iter().all(|&l| l == expected),
            "{bps} bit/s: {:?}",
            levels_of(&report)
        );
        assert_eq!(report.rebuffer_s, 0.0, "{bps} bit/s");
        assert!(
            report.switches() <= 5,
            "{bps} bit/s: {:?}",
            levels_of(&report)
        );
    }
    let test = SimConfig::test_ladder();
    let report = simulate(&mut ours(), &Trace::constant("c", 2.2e6).unwrap(), &test);
    assert_eq!(report.segments.last().map(|s| s.level), Some(2));
    assert_eq!(report.rebuffer_s, 0.0);
}

#[test]
fn sudden_drop_triggers_the_abandon_rule_before_the_buffer_empties() {
    let cfg = SimConfig::default_ladder();
    // 8 Mbit/s for a minute, then 0.6 Mbit/s: a top-level segment (17.2 Mbit) in flight would
    // take half a minute, longer than the buffer lasts.
    let trace = Trace::from_slots("drop", vec![(60.0, 8e6), (600.0, 0.6e6)]).unwrap();
    let report = simulate(&mut ours(), &trace, &cfg);
    let first_abandon = report
        .segments
        .iter()
        .position(|s| s.abandoned > 0)
        .expect("a load is abandoned after the drop");
    assert!(report.segments[first_abandon].level < 5);
    assert!(
        report.segments[..first_abandon]
            .iter()
            .any(|s| s.level == 5),
        "top level reached before the drop: {:?}",
        levels_of(&report)
    );
    assert_eq!(report.rebuffer_s, 0.0, "{:?}", report.segments);
    // Without the abandon rule the same session stalls.
    let mut no_abandon = Hybrid::new(HybridConfig {
        abandon_min_elapsed_s: f64::INFINITY,
        ..HybridConfig::default()
    });
    let stalled = simulate(&mut no_abandon, &trace, &cfg);
    assert!(stalled.rebuffer_s > 1.0, "{}", stalled.rebuffer_s);
}

#[test]
fn startup_is_one_round_trip_plus_the_first_segment() {
    let cfg = SimConfig::default_ladder();
    let report = simulate(&mut ours(), &Trace::constant("c", 1e6).unwrap(), &cfg);
    // First segment at 300 kbit/s: 1.2 Mbit at 1 Mbit/s after 80 ms.
    assert_eq!(report.segments[0].level, 0);
    assert!(
        (report.startup_s - 1.28).abs() < 1e-6,
        "{}",
        report.startup_s
    );
    assert_eq!(report.segments.len(), 48);
    assert_eq!(report.media_s, 192.0);
}

#[test]
fn qoe_is_the_linear_formula() {
    let seg = |level: usize, bitrate: f64| SegmentLog {
        level,
        bitrate,
        stall_s: 0.0,
        buffer_at_request_s: 0.0,
        abandoned: 0,
    };
    let report = RunReport {
        segments: vec![seg(0, 300e3), seg(2, 1200e3), seg(1, 750e3)],
        startup_s: 0.5,
        rebuffer_s: 1.0,
        media_s: 12.0,
    };
    // 0.3 + 1.2 + 0.75 − 4.3 × 1.5 − (0.9 + 0.45)
    let expected = 2.25 - 6.45 - 1.35;
    assert!((report.qoe() - expected).abs() < 1e-9, "{}", report.qoe());
    assert_eq!(report.switches(), 2);
    assert!((report.mean_kbps() - 750.0).abs() < 1e-9);
    assert!((report.rebuffer_ratio() - 1.0 / 13.0).abs() < 1e-12);
}

#[test]
fn stalls_when_the_link_cannot_carry_the_lowest_level() {
    let cfg = SimConfig::test_ladder();
    let trace = Trace::constant("slow", 200e3).unwrap();
    for name in ALGORITHMS {
        let reports = run_all(
            name,
            &HybridConfig::default(),
            std::slice::from_ref(&trace),
            &cfg,
        )
        .unwrap();
        let r = &reports[0];
        // 15 segments of 1.6 Mbit at 0.2 Mbit/s take 120 s (+ round trips) for 60 s of media.
        let lower_bound = 15.0 * 8.0 - 60.0 - 8.0;
        assert!(r.rebuffer_s > lower_bound - 8.0, "{name}: {}", r.rebuffer_s);
        assert!(r.segments.iter().all(|s| s.level == 0), "{name}");
    }
}

#[test]
fn every_algorithm_runs_through_one_code_path_deterministically() {
    let traces = synthetic_traces();
    let cfg = SimConfig::test_ladder();
    for name in ALGORITHMS {
        let a = run_all(name, &HybridConfig::default(), &traces, &cfg).unwrap();
        let b = run_all(name, &HybridConfig::default(), &traces, &cfg).unwrap();
        assert_eq!(a, b, "{name} is deterministic");
        assert_eq!(a.len(), traces.len());
        assert!(a.iter().all(|r| r.segments.len() == 15));
    }
    assert!(run_all("nope", &HybridConfig::default(), &traces, &cfg).is_none());
}

#[test]
fn ours_beats_hlsjs_on_the_synthetic_set_without_more_stalls() {
    let traces = synthetic_traces();
    let cfg = SimConfig::default_ladder();
    let summary =
        |name| Summary::of(&run_all(name, &HybridConfig::default(), &traces, &cfg).unwrap());
    let (ours, hlsjs) = (summary("ours"), summary("hlsjs"));
    assert!(ours.qoe > 1.15 * hlsjs.qoe, "{ours:?} vs {hlsjs:?}");
    assert!(
        ours.rebuffer_s <= hlsjs.rebuffer_s + 0.01,
        "{ours:?} vs {hlsjs:?}"
    );
}

fn ctx(levels: &[LevelInfo], buffer_ahead_s: f64, current: usize) -> AbrContext<'_> {
    AbrContext {
        now_ms: 0.0,
        levels,
        current,
        buffer_ahead_s,
        segment_duration_s: 4.0,
        playback_rate: 1.0,
        min_level: 0,
        max_level: levels.len() - 1,
        player_width: 0,
        player_height: 0,
        starting: false,
    }
}

fn ladder(rates: &[f64]) -> Vec<LevelInfo> {
    rates
        .iter()
        .map(|&bitrate| LevelInfo {
            bitrate,
            width: 0,
            height: 0,
        })
        .collect()
}

#[test]
fn hlsjs_baseline_starts_from_500_kbps_and_needs_headroom_to_switch_up() {
    let levels = ladder(&[300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3]);
    let mut abr = HlsJsAbr::default();
    assert_eq!(abr.estimate_bps(), 500e3);
    assert_eq!(abr.choose_level(&ctx(&levels, 0.0, 0)), 0);
    // On a steady 2.5 Mbit/s link: 0.7 × 2.5 = 1.75 Mbit/s allows 1200 but not 1850 kbit/s
    // as an up-switch, although 1850 would be kept (0.95 × 2.5 ≥ 1.85).
    let report = simulate(
        &mut HlsJsAbr::default(),
        &Trace::constant("c", 2.5e6).unwrap(),
        &SimConfig::default_ladder(),
    );
    assert_eq!(report.segments.last().map(|s| s.level), Some(2));
    assert_eq!(report.segments[0].level, 0);
}

#[test]
fn hlsjs_baseline_emergency_rule_aborts_or_forces_the_next_level_down() {
    use player_core::abr::{LoadProgress, LoadSample};
    let levels = ladder(&[300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3]);
    let fed = || {
        let mut abr = HlsJsAbr::default();
        for _ in 0..10 {
            abr.on_load(
                0.0,
                LoadSample {
                    bytes: 2_150_000,
                    ttfb_ms: 80.0,
                    duration_ms: 80.0 + 2_150_000.0 * 8000.0 / 20e6,
                    media_duration_s: 4.0,
                },
            );
        }
        abr.choose_level(&ctx(&levels, 20.0, 5));
        abr
    };
    // A top-level segment at ~1.65 Mbit/s: 500 kB after 2.5 s, ~8 s still to go.
    let progress = |elapsed_ms| LoadProgress {
        level: 5,
        elapsed_ms,
        loaded_bytes: 500_000,
        total_bytes: Some(2_150_000),
        media_duration_s: 4.0,
        ttfb_ms: Some(80.0),
    };
    // Not before half a segment duration has passed.
    let mut early = fed();
    assert_eq!(
        early.abandon(&ctx(&levels, 3.0, 5), &progress(1900.0)),
        None
    );
    assert_eq!(early.choose_level(&ctx(&levels, 20.0, 5)), 5);
    // 6 s of buffer: abort now and restart at the lowest level, estimate reset to its bitrate.
    let mut aborting = fed();
    assert_eq!(
        aborting.abandon(&ctx(&levels, 6.0, 5), &progress(2500.0)),
        Some(0)
    );
    assert_eq!(aborting.estimate_bps(), 300e3);
    // 1.5 s of buffer: the level picked is 0, which hls.js does not abort for; it forces the
    // next segment to level 0 instead, whatever the estimate says.
    let mut forcing = fed();
    assert_eq!(
        forcing.abandon(&ctx(&levels, 1.5, 5), &progress(2500.0)),
        None
    );
    assert_eq!(forcing.choose_level(&ctx(&levels, 20.0, 5)), 0);
}

#[test]
fn bba_maps_buffer_to_rate_with_a_reservoir_and_cushion() {
    let levels = ladder(&[300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3]);
    let mut bba = Bba::default();
    assert_eq!(
        bba.choose_level(&ctx(&levels, 4.0, 3)),
        0,
        "in the reservoir"
    );
    assert_eq!(
        bba.choose_level(&ctx(&levels, 21.0, 0)),
        5,
        "past the cushion"
    );
    // Halfway through the cushion the map gives 2.3 Mbit/s: 1850 from below, kept at 1850.
    assert_eq!(bba.choose_level(&ctx(&levels, 12.5, 1)), 3);
    assert_eq!(bba.choose_level(&ctx(&levels, 12.5, 3)), 3);
    // Between rungs of the current level, it stays (no oscillation).
    assert_eq!(bba.choose_level(&ctx(&levels, 12.5, 4)), 4);
}

#[test]
fn buffer_goal_follows_hlsjs_byte_budget() {
    use flodrama_abr_sim::sim::BufferGoal;
    let goal = BufferGoal::HLSJS_DEFAULT;
    assert!((goal.seconds(4.3e6) - 8.0 * 60e6 / 4.3e6).abs() < 1e-9);
    assert_eq!(goal.seconds(300e3), 600.0);
    assert_eq!(goal.seconds(50e6), 30.0);
    assert_eq!(BufferGoal::fixed(30.0).seconds(300e3), 30.0);
    // The simulator waits at the goal: with a 10 s goal the buffer never exceeds 10 + 4 s.
    let cfg = SimConfig {
        buffer_goal: BufferGoal::fixed(10.0),
        ..SimConfig::default_ladder()
    };
    let report = simulate(&mut ours(), &Trace::constant("c", 20e6).unwrap(), &cfg);
    assert!(
        report
            .segments
            .iter()
            .all(|s| s.buffer_at_request_s <= 10.0 + 1e-9)
    );
    assert!(report.segments.iter().any(|s| s.buffer_at_request_s > 9.0));
}

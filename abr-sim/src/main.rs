//! `flodrama-abr-sim [--traces DIR] [--half all|tune|check] [--setup default|test|both]
//! [--per-trace] [--dump NAME_PART] [--max-buffer-s SECONDS] [--set KEY=VALUE]...`
//!
//! Runs every algorithm over every trace in DIR (else over the built-in synthetic set), prints
//! a table per algorithm and setup, and ends with one JSON line comparing ours with hls.js on
//! the default ladder (`test_*` fields: the project's test ladder).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use flodrama_abr_sim::sim::{BufferGoal, RunReport, SimConfig};
use flodrama_abr_sim::trace::{Trace, synthetic_traces};
use flodrama_abr_sim::{ALGORITHMS, Summary, run_all};
use player_core::abr::HybridConfig;

/// Parsed command line.
struct Args {
    traces: Option<PathBuf>,
    half: String,
    setup: String,
    per_trace: bool,
    dump: Option<String>,
    max_buffer_s: Option<f64>,
    hybrid: HybridConfig,
}

fn set_param(cfg: &mut HybridConfig, assignment: &str) -> Result<(), String> {
    let (key, value) = assignment
        .split_once('=')
        .ok_or_else(|| format!("--set expects KEY=VALUE, got {assignment:?}"))?;
    let value: f64 = value
        .parse()
        .map_err(|_| format!("--set {key}: not a number: {value:?}"))?;
    let field = match key {
        "fast_half_life_s" => &mut cfg.fast_half_life_s,
        "slow_half_life_s" => &mut cfg.slow_half_life_s,
        "default_estimate_bps" => &mut cfg.default_estimate_bps,
        "safety" => &mut cfg.safety,
        "up_safety" => &mut cfg.up_safety,
        "reserve_s" => &mut cfg.reserve_s,
        "fetch_share" => &mut cfg.fetch_share,
        "startup_fetch_s" => &mut cfg.startup_fetch_s,
        "bola_min_buffer_s" => &mut cfg.bola_min_buffer_s,
        "bola_target_buffer_s" => &mut cfg.bola_target_buffer_s,
        "bola_on_s" => &mut cfg.bola_on_s,
        "bola_off_s" => &mut cfg.bola_off_s,
        "abandon_min_elapsed_s" => &mut cfg.abandon_min_elapsed_s,
        "abandon_gain" => &mut cfg.abandon_gain,
        _ => return Err(format!("--set: unknown parameter {key:?}")),
    };
    *field = value;
    Ok(())
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        traces: None,
        half: "all".into(),
        setup: "both".into(),
        per_trace: false,
        dump: None,
        max_buffer_s: None,
        hybrid: HybridConfig::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--traces" => args.traces = Some(PathBuf::from(value("--traces")?)),
            "--half" => args.half = value("--half")?,
            "--setup" => args.setup = value("--setup")?,
            "--set" => set_param(&mut args.hybrid, &value("--set")?)?,
            "--per-trace" => args.per_trace = true,
            "--dump" => args.dump = Some(value("--dump")?),
            "--max-buffer-s" => {
                let v = value("--max-buffer-s")?;
                let s: f64 = v
                    .parse()
                    .map_err(|_| format!("--max-buffer-s: not a number: {v:?}"))?;
                if !(s.is_finite() && s > 0.0) {
                    return Err("--max-buffer-s must be positive".into());
                }
                args.max_buffer_s = Some(s);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !["all", "tune", "check"].contains(&args.half.as_str()) {
        return Err("--half must be all, tune or check".into());
    }
    if !["default", "test", "both"].contains(&args.setup.as_str()) {
        return Err("--setup must be default, test or both".into());
    }
    Ok(args)
}

fn load_traces(dir: &PathBuf) -> Result<Vec<Trace>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                && p.extension().is_none_or(|e| e != "md")
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| Trace::load(p).map_err(|e| e.to_string()))
        .collect()
}

/// Prints every segment of the sessions whose trace name contains `part`.
fn dump(name: &str, part: &str, traces: &[Trace], reports: &[RunReport]) {
    for (t, r) in traces.iter().zip(reports) {
        if !t.name.contains(part) {
            continue;
        }
        println!("   {name} on {}: startup {:.2} s", t.name, r.startup_s);
        for (i, s) in r.segments.iter().enumerate() {
            println!(
                "   #{i:<3} level {} {:>5.0} kbit/s  buffer {:>5.2} s  stall {:>5.2} s  abandoned {}",
                s.level,
                s.bitrate / 1e3,
                s.buffer_at_request_s,
                s.stall_s,
                s.abandoned
            );
        }
    }
}

/// Prints one algorithm's table: a row per trace family, then the total.
fn print_table(name: &str, traces: &[Trace], reports: &[RunReport], per_trace: bool) {
    println!("-- {name} --");
    println!(
        "{:<28} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "family",
        "traces",
        "QoE",
        "kbit/s",
        "rebuf s",
        "rebuf %",
        "switches",
        "startup s",
        "abandons"
    );
    let row = |label: &str, s: Summary| {
        println!(
            "{:<28} {:>6} {:>8.2} {:>8.0} {:>8.2} {:>8.3} {:>8.1} {:>9.2} {:>8.2}",
            label,
            s.runs,
            s.qoe,
            s.kbps,
            s.rebuffer_s,
            100.0 * s.rebuffer_ratio,
            s.switches,
            s.startup_s,
            s.abandons
        );
    };
    let mut families: BTreeMap<&str, Vec<&RunReport>> = BTreeMap::new();
    for (t, r) in traces.iter().zip(reports) {
        families.entry(t.family()).or_default().push(r);
        if per_trace {
            let label: String = t.name.chars().take(28).collect();
            row(&label, Summary::of([r]));
        }
    }
    for (family, runs) in &families {
        row(family, Summary::of(runs.iter().copied()));
    }
    row("all", Summary::of(reports));
}

fn json_number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        "null".into()
    }
}

fn run() -> Result<String, String> {
    let args = parse_args()?;
    let (mut traces, source) = match &args.traces {
        Some(dir) => (load_traces(dir)?, dir.display().to_string()),
        None => (synthetic_traces(), "synthetic".to_string()),
    };
    if args.half != "all" {
        let keep = usize::from(args.half == "check");
        traces = traces
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == keep)
            .map(|(_, t)| t)
            .collect();
    }
    if traces.is_empty() {
        return Err("no traces".into());
    }
    let mut setups = Vec::new();
    if args.setup != "test" {
        setups.push(("default", SimConfig::default_ladder()));
    }
    if args.setup != "default" {
        setups.push(("test", SimConfig::test_ladder()));
    }
    let mut fields = vec![format!("\"traces\":{}", traces.len())];
    if let Some(seconds) = args.max_buffer_s {
        for (_, cfg) in &mut setups {
            cfg.buffer_goal = BufferGoal::fixed(seconds);
        }
    }
    for (label, cfg) in &setups {
        println!(
            "== {label} ladder: {:?} kbit/s, {} x {} s segments, {} traces from {source} ({}) ==",
            cfg.ladder.iter().map(|b| b / 1e3).collect::<Vec<_>>(),
            cfg.segments,
            cfg.segment_s,
            traces.len(),
            args.half
        );
        let mut summaries = BTreeMap::new();
        for name in ALGORITHMS {
            let reports = run_all(name, &args.hybrid, &traces, cfg).ok_or("unknown algorithm")?;
            print_table(name, &traces, &reports, args.per_trace);
            if let Some(part) = &args.dump {
                dump(name, part, &traces, &reports);
            }
            summaries.insert(name, Summary::of(&reports));
        }
        let ours = summaries.get("ours").copied().unwrap_or_default();
        let hlsjs = summaries.get("hlsjs").copied().unwrap_or_default();
        let prefix = if *label == "default" { "" } else { "test_" };
        fields.push(format!("\"{prefix}ours_qoe\":{}", json_number(ours.qoe)));
        fields.push(format!("\"{prefix}hlsjs_qoe\":{}", json_number(hlsjs.qoe)));
        fields.push(format!(
            "\"{prefix}ratio\":{}",
            json_number(ours.qoe / hlsjs.qoe)
        ));
        // The ratio means little when hls.js's mean QoE is near or under zero (traces slower
        // than the lowest rung stall every algorithm alike); the difference always does.
        fields.push(format!(
            "\"{prefix}qoe_gain\":{}",
            json_number(ours.qoe - hlsjs.qoe)
        ));
        fields.push(format!(
            "\"{prefix}ours_rebuffer_ratio\":{}",
            json_number(ours.rebuffer_ratio)
        ));
        fields.push(format!(
            "\"{prefix}hlsjs_rebuffer_ratio\":{}",
            json_number(hlsjs.rebuffer_ratio)
        ));
        for (who, s) in [("ours", ours), ("hlsjs", hlsjs)] {
            fields.push(format!(
                "\"{prefix}{who}_rebuffer_s\":{},\"{prefix}{who}_kbps\":{}",
                json_number(s.rebuffer_s),
                json_number(s.kbps)
            ));
        }
    }
    fields.push(format!("\"half\":\"{}\"", args.half));
    fields.push(format!(
        "\"source\":\"{}\"",
        if args.traces.is_some() {
            "dir"
        } else {
            "synthetic"
        }
    ));
    Ok(format!("{{{}}}", fields.join(",")))
}

fn main() -> ExitCode {
    match run() {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("abr-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

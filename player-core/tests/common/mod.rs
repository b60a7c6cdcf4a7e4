//! ffmpeg-made HLS test sets shared by the integration tests, generated deterministically into
//! `target/test-media/` on first use.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Key used for the encrypted sets.
pub const KEY: [u8; 16] = *b"flodrama-test-k1";
/// Explicit IV for the `enc_iv` set.
pub const IV_HEX: &str = "000102030405060708090a0b0c0d0e0f";

static GENERATE: Mutex<()> = Mutex::new(());

pub fn have_ffmpeg() -> bool {
    ["ffmpeg", "ffprobe"].iter().all(|tool| {
        Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[macro_export]
macro_rules! require_ffmpeg {
    () => {
        if !have_ffmpeg() {
            eprintln!(
                "SKIPPED: ffmpeg/ffprobe not found on PATH (install ffmpeg to run this test)"
            );
            return;
        }
    };
}

pub fn media_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-media")
}

/// Makes (once) an HLS set `name` with 4-second TS segments from lavfi test sources.
pub fn hls_set(
    name: &str,
    video: Option<&str>,
    audio: &[&str],
    seconds: u32,
    extra: &[&str],
) -> PathBuf {
    let _guard = GENERATE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = media_root().join(name);
    if dir.join(".complete").exists() {
        return dir;
    }
    let tmp = media_root().join(format!("{name}.tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("create media dir");
    std::fs::write(tmp.join("key.bin"), KEY).expect("write key");
    std::fs::write(
        tmp.join("keyinfo"),
        format!("key.bin\n{}\n", tmp.join("key.bin").display()),
    )
    .expect("write keyinfo");
    std::fs::write(
        tmp.join("keyinfo_iv"),
        format!("key.bin\n{}\n{IV_HEX}\n", tmp.join("key.bin").display()),
    )
    .expect("write keyinfo");
    let mut args: Vec<String> = vec!["-loglevel".into(), "error".into(), "-y".into()];
    if let Some(size) = video {
        args.extend(["-f", "lavfi", "-i"].map(String::from));
        args.push(format!("testsrc2=size={size}:rate=30"));
    }
    args.extend(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"].map(String::from));
    args.extend(["-t".to_owned(), seconds.to_string()]);
    if video.is_some() {
        args.extend(
            [
                "-c:v",
                "libx264",
                "-g",
                "60",
                "-keyint_min",
                "60",
                "-sc_threshold",
                "0",
                "-threads",
                "1",
                "-flags:v",
                "+bitexact",
            ]
            .map(String::from),
        );
    }
    args.extend(audio.iter().map(|s| s.to_string()));
    args.extend(
        extra
            .iter()
            .map(|s| s.replace("{dir}", &tmp.display().to_string())),
    );
    args.extend(
        [
            "-fflags",
            "+bitexact",
            "-f",
            "hls",
            "-hls_time",
            "4",
            "-hls_segment_type",
            "mpegts",
            "-hls_playlist_type",
            "vod",
            "-hls_segment_filename",
        ]
        .map(String::from),
    );
    args.push(tmp.join("seg%d.ts").display().to_string());
    args.push(tmp.join("index.m3u8").display().to_string());
    let out = Command::new("ffmpeg")
        .args(&args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(tmp.join(".complete"), b"").expect("mark complete");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&tmp, &dir).expect("move media dir");
    dir
}

pub fn aac_set() -> PathBuf {
    hls_set(
        "aac",
        Some("640x360"),
        &["-profile:v", "main", "-c:a", "aac", "-b:a", "96k"],
        12,
        &[],
    )
}

pub fn segments(dir: &Path) -> Vec<Vec<u8>> {
    (0..)
        .map(|i| dir.join(format!("seg{i}.ts")))
        .take_while(|p| p.exists())
        .map(|p| std::fs::read(p).expect("read segment"))
        .collect()
}

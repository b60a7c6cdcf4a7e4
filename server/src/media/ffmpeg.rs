//! One ffmpeg invocation per recipe. An encoded recipe generates the source once, splits,
//! scales and encodes it in parallel outputs; a remux recipe reads each rung of its source
//! recipe and copies the streams into MPEG-TS. Every output is packaged by ffmpeg's HLS muxer.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;

use super::MediaError;
use super::recipe::{AltAudio, Packaging, Recipe, Rung};

/// x264 threads per rung. x264's rate control with several threads depends on thread timing
/// (two runs on a loaded machine differ by a few bytes), so each encoder runs on one thread:
/// the output is then byte-identical from run to run and machine to machine. ffmpeg 5.1 runs
/// the encoders one after the other, so this costs wall time: about 55 s instead of 31 s on
/// two idle cores.
const X264_THREADS: &str = "1";

/// Most stderr kept for an error message, in bytes.
const STDERR_LIMIT: usize = 4096;

/// Name of the `-hls_key_info_file` written into the work folder of an encrypted recipe and
/// removed after the run.
pub const KEY_INFO_FILE: &str = ".keyinfo";

/// Options common to every command: quiet, progress on stdout, overwrite.
const COMMON: [&str; 7] = [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-nostats",
    "-progress",
    "pipe:1",
];

/// The arguments of the ffmpeg command for `recipe`, run with the output folder as working
/// directory (so that no path in the arguments needs escaping). A remux recipe's source is
/// read from the sibling folder `../<source>/`.
pub fn args(recipe: &Recipe) -> Vec<String> {
    match recipe.packaging {
        Packaging::Fmp4 => encode_args(recipe),
        Packaging::TsRemux { source, .. } => remux_args(recipe, source),
        Packaging::AltTracks { source, audio, .. } => alt_args(recipe, source, audio),
    }
}

/// The `-hls_key_info_file` contents for an encrypted recipe: key URI, key file, IV in hex.
pub fn key_info(recipe: &Recipe) -> Option<String> {
    let encryption = recipe.encryption()?;
    let iv: String = encryption.iv.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!(
        "../{file}\n{file}\n{iv}\n",
        file = super::recipe::KEY_FILE
    ))
}

/// Copies each rung of `source` (its `init.mp4` and fragments, joined with the `concat:`
/// protocol) into 4 s MPEG-TS segments.
fn remux_args(recipe: &Recipe, source: &Recipe) -> Vec<String> {
    let mut args: Vec<String> = COMMON.map(String::from).into();
    args.push("-y".to_owned());
    for rung in recipe.rungs {
        args.extend(["-f".to_owned(), "mp4".to_owned(), "-i".to_owned()]);
        args.push(concat_input(source, rung));
    }
    for (i, rung) in recipe.rungs.iter().enumerate() {
        #[rustfmt::skip]
        let output = [
            "-map", &format!("{i}:v:0"), "-map", &format!("{i}:a:0"), "-c", "copy",
            "-fflags", "+bitexact",
        ]
        .map(String::from);
        args.extend(output);
        if recipe.encryption().is_some() {
            args.extend(["-hls_key_info_file", KEY_INFO_FILE].map(String::from));
        }
        args.extend(hls_output(recipe, rung.name, "mpegts", "ts"));
    }
    args
}

/// Copies the video of each rung of `source` into fMP4 segments and encodes a tone per
/// alternate audio rendition into its own fMP4 stream.
fn alt_args(recipe: &Recipe, source: &Recipe, audio: &[AltAudio]) -> Vec<String> {
    let mut args: Vec<String> = COMMON.map(String::from).into();
    args.push("-y".to_owned());
    for rung in recipe.rungs {
        args.extend(["-f".to_owned(), "mp4".to_owned(), "-i".to_owned()]);
        args.push(concat_input(source, rung));
    }
    let rate = recipe.audio.sample_rate;
    for a in audio {
        args.extend(["-f", "lavfi", "-i"].map(String::from));
        args.push(format!(
            "sine=frequency={}:beep_factor=4:sample_rate={rate}:duration={}",
            a.tone_hz, recipe.duration_s
        ));
    }
    for (i, rung) in recipe.rungs.iter().enumerate() {
        #[rustfmt::skip]
        let output = [
            "-map", &format!("{i}:v:0"), "-c", "copy", "-fflags", "+bitexact",
        ]
        .map(String::from);
        args.extend(output);
        args.extend(hls_output(recipe, rung.name, "fmp4", "m4s"));
    }
    for (j, a) in audio.iter().enumerate() {
        #[rustfmt::skip]
        let output = [
            "-map", &format!("{}:a:0", recipe.rungs.len() + j),
            "-c:a", "aac", "-b:a", "96k", "-ar", &rate.to_string(),
            "-ac", &recipe.audio.channels.to_string(),
            "-fflags", "+bitexact", "-flags:a", "+bitexact",
        ]
        .map(String::from);
        args.extend(output);
        args.extend(hls_output(recipe, a.folder, "fmp4", "m4s"));
    }
    args
}

/// A rung of `source` (its `init.mp4` and fragments) as one input, with the `concat:`
/// protocol.
fn concat_input(source: &Recipe, rung: &Rung) -> String {
    let dir = format!("../{}/{}", source.name, rung.name);
    let mut input = format!("concat:{dir}/init.mp4");
    for i in 0..source.segment_count() {
        input.push_str(&format!("|{dir}/seg_{i:03}.m4s"));
    }
    input
}

/// The HLS muxer options writing a playlist and its segments into `folder`.
fn hls_output(recipe: &Recipe, folder: &str, segment_type: &str, ext: &str) -> Vec<String> {
    #[rustfmt::skip]
    let hls = [
        "-f", "hls", "-hls_time", &recipe.segment_duration_s.to_string(),
        "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
        "-hls_segment_type", segment_type,
        "-hls_segment_filename", &format!("{folder}/seg_%03d.{ext}"),
    ]
    .map(String::from);
    let mut args: Vec<String> = hls.into();
    if segment_type == "fmp4" {
        args.extend(["-hls_fmp4_init_filename", "init.mp4"].map(String::from));
    }
    args.push(format!("{folder}/index.m3u8"));
    args
}

/// Encodes the synthetic source into every rung, packaged as fMP4.
fn encode_args(recipe: &Recipe) -> Vec<String> {
    let n = recipe.rungs.len();
    let width = recipe.rungs.iter().map(|r| r.width).max().unwrap_or(1280);
    let height = recipe.rungs.iter().map(|r| r.height).max().unwrap_or(720);
    let audio = &recipe.audio;
    let mut args: Vec<String> = COMMON.map(String::from).into();
    args.extend(["-y", "-f", "lavfi", "-i"].map(String::from));
    args.push(format!(
        "testsrc2=size={width}x{height}:rate={}:duration={}",
        recipe.fps, recipe.duration_s
    ));
    args.extend(["-f", "lavfi", "-i"].map(String::from));
    args.push(format!(
        "sine=frequency={}:beep_factor=4:sample_rate={}:duration={}",
        audio.tone_hz, audio.sample_rate, recipe.duration_s
    ));

    let mut graph = format!("[0:v]split={n}");
    graph.extend((0..n).map(|i| format!("[s{i}]")));
    for (i, rung) in recipe.rungs.iter().enumerate() {
        graph.push_str(&format!(
            ";[s{i}]scale={}:{}[v{i}]",
            rung.width, rung.height
        ));
    }
    graph.push_str(&format!(";[1:a]pan=stereo|c0=c0|c1=c0,asplit={n}"));
    graph.extend((0..n).map(|i| format!("[a{i}]")));
    args.extend(["-filter_complex".to_owned(), graph]);

    let gop = recipe.gop_frames().to_string();
    for (i, rung) in recipe.rungs.iter().enumerate() {
        let kbps = |k: u32| format!("{k}k");
        #[rustfmt::skip]
        let output = [
            "-map", &format!("[v{i}]"), "-map", &format!("[a{i}]"),
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-threads", X264_THREADS,
            "-profile:v", rung.profile.ffmpeg_name(), "-level:v", &rung.level_name(),
            "-b:v", &kbps(rung.video_kbps), "-maxrate", &kbps(rung.video_kbps * 11 / 10),
            "-bufsize", &kbps(rung.video_kbps * 2),
            "-g", &gop, "-keyint_min", &gop, "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", &kbps(rung.audio_kbps),
            "-ar", &audio.sample_rate.to_string(), "-ac", &audio.channels.to_string(),
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        ]
        .map(String::from);
        args.extend(output);
        args.extend(hls_output(recipe, rung.name, "fmp4", "m4s"));
    }
    args
}

/// Runs ffmpeg for `recipe` in `dir` (whose rung folders exist), logging progress.
pub fn encode(recipe: &Recipe, dir: &Path) -> Result<(), MediaError> {
    let mut child = Command::new("ffmpeg")
        .args(args(recipe))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => MediaError::FfmpegNotFound,
            _ => MediaError::FfmpegSpawn(e),
        })?;

    let stderr = child.stderr.take().map(|pipe| {
        thread::spawn(move || {
            let mut text = String::new();
            // Reading stops at the limit; the rest is drained so that ffmpeg never blocks.
            let mut pipe = pipe;
            let _ = (&mut pipe)
                .take(STDERR_LIMIT as u64)
                .read_to_string(&mut text);
            let _ = std::io::copy(&mut pipe, &mut std::io::sink());
            text
        })
    });

    if let Some(stdout) = child.stdout.take() {
        let mut next_report_s = 10;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Some(us) = line.strip_prefix("out_time_us=") else {
                continue;
            };
            let Ok(done_s) = us.trim().parse::<i64>().map(|us| us / 1_000_000) else {
                continue;
            };
            if done_s >= next_report_s {
                tracing::info!(
                    "{}: encoded {done_s} of {} s",
                    recipe.name,
                    recipe.duration_s
                );
                next_report_s = done_s - done_s % 10 + 10;
            }
        }
    }

    let status = child.wait().map_err(MediaError::FfmpegSpawn)?;
    let stderr = stderr
        .and_then(|handle| handle.join().ok())
        .unwrap_or_default();
    if status.success() {
        Ok(())
    } else {
        Err(MediaError::FfmpegFailed {
            recipe: recipe.name,
            status,
            stderr: stderr.trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::recipe::VOD_FMP4;

    fn count(args: &[String], arg: &str) -> usize {
        args.iter().filter(|a| *a == arg).count()
    }

    fn values_after<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
        args.windows(2)
            .filter(|w| w[0] == flag)
            .map(|w| w[1].as_str())
            .collect()
    }

    #[test]
    fn remux_copies_each_source_rung_into_ts() {
        use crate::media::recipe::{VOD_AES, VOD_TS};
        let args = args(&VOD_TS);
        let inputs = values_after(&args, "-i");
        assert_eq!(inputs.len(), 4);
        assert!(inputs[0].starts_with("concat:../vod/234p/init.mp4|../vod/234p/seg_000.m4s|"));
        assert!(inputs[3].ends_with("|../vod/720p/seg_014.m4s"));
        assert_eq!(values_after(&args, "-c"), ["copy"; 4]);
        assert_eq!(values_after(&args, "-hls_segment_type"), ["mpegts"; 4]);
        assert_eq!(
            values_after(&args, "-hls_segment_filename")[1],
            "360p/seg_%03d.ts"
        );
        assert_eq!(count(&args, "-hls_key_info_file"), 0);
        assert_eq!(count(&args, "libx264"), 0, "no re-encode");
        assert_eq!(key_info(&VOD_TS), None);

        let aes = super::args(&VOD_AES);
        assert_eq!(values_after(&aes, "-hls_key_info_file"), [KEY_INFO_FILE; 4]);
        assert_eq!(
            key_info(&VOD_AES).as_deref(),
            Some("../key.bin\nkey.bin\nf0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n")
        );
    }

    #[test]
    fn alt_copies_video_only_and_encodes_a_tone_per_audio_rendition() {
        use crate::media::recipe::VOD_ALT;
        let args = args(&VOD_ALT);
        let inputs = values_after(&args, "-i");
        assert_eq!(inputs.len(), 6);
        assert!(inputs[1].starts_with("concat:../vod/360p/init.mp4|"));
        assert!(inputs[5].starts_with("sine=frequency=880:"));
        assert_eq!(
            values_after(&args, "-map"),
            ["0:v:0", "1:v:0", "2:v:0", "3:v:0", "4:a:0", "5:a:0"]
        );
        assert_eq!(values_after(&args, "-c"), ["copy"; 4]);
        assert_eq!(count(&args, "libx264"), 0, "no video re-encode");
        assert_eq!(args.last().map(String::as_str), Some("audio-fr/index.m3u8"));
    }

    #[test]
    fn one_command_with_an_output_per_rung() {
        let args = args(&VOD_FMP4);
        assert_eq!(count(&args, "-filter_complex"), 1);
        assert_eq!(count(&args, "hls"), 4);
        assert_eq!(values_after(&args, "-g"), ["60"; 4]);
        assert_eq!(values_after(&args, "-keyint_min"), ["60"; 4]);
        assert_eq!(values_after(&args, "-sc_threshold"), ["0"; 4]);
        assert_eq!(values_after(&args, "-hls_time"), ["4"; 4]);
        assert_eq!(
            values_after(&args, "-level:v"),
            ["2.1", "3.0", "3.1", "3.1"]
        );
        assert_eq!(
            values_after(&args, "-profile:v"),
            ["main", "main", "high", "high"]
        );
        assert_eq!(
            values_after(&args, "-b:v"),
            ["400k", "900k", "1800k", "3500k"]
        );
        assert_eq!(
            args.last().map(String::as_str),
            Some("720p/index.m3u8"),
            "the last output is the top rung's playlist"
        );
        let graph = &values_after(&args, "-filter_complex")[0];
        assert!(graph.starts_with("[0:v]split=4[s0][s1][s2][s3];[s0]scale=416:234[v0]"));
        assert!(graph.ends_with("asplit=4[a0][a1][a2][a3]"));
    }
}

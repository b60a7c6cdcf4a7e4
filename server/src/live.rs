//! Live test streams: ffmpeg loops a rendition of the `vod-ts` title in real time (`-re
//! -stream_loop -1`, streams copied) into a sliding-window HLS playlist, the way a live
//! origin's RTMP → ffmpeg → HLS packager does. Stream `KEY` is written to
//! `<data-dir>/live/KEY/` and served at `/live/KEY/index.m3u8`.
//!
//! Each ffmpeg is a child of the server, killed when its [`LiveStream`] is dropped (at
//! shutdown) and, on Linux, by the kernel if the server dies first.

use std::path::{Path, PathBuf};

use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::media::{self, MediaError, VOD_TS};

/// The rendition of [`VOD_TS`] that is looped.
pub const SOURCE_RUNG: &str = "360p";
/// Target segment duration of live streams, in seconds (one GOP of the source).
pub const SEGMENT_S: u32 = 2;
/// Segments listed in a live playlist.
pub const LIST_SIZE: u32 = 6;
/// Name of the looped source file, in `<data-dir>/live/`.
const SOURCE_FILE: &str = ".source.ts";
/// Longest stream key.
const MAX_KEY_LEN: usize = 64;

/// Why a live stream could not start.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The key would not make a plain folder and URL segment.
    #[error("live stream key {0:?}: use 1 to 64 letters, digits, '-' or '_'")]
    BadKey(String),
    /// The source title could not be prepared.
    #[error("live source: {0}")]
    Source(#[from] MediaError),
    /// A file or folder operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// ffmpeg could not be started.
    #[error("cannot run ffmpeg for live stream {key:?}: {source}")]
    Spawn {
        /// Stream key.
        key: String,
        /// What the system said.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LiveError + '_ {
    move |source| LiveError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Checks a stream key: 1 to 64 of `[A-Za-z0-9_-]`.
pub fn check_key(key: &str) -> Result<(), LiveError> {
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(LiveError::BadKey(key.to_owned()))
    }
}

/// `<data-dir>/live`, served under `/live/`.
pub fn live_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("live")
}

/// A running live stream; [`LiveStream::stop`] or dropping it kills its ffmpeg.
#[derive(Debug)]
pub struct LiveStream {
    /// Stream key.
    pub key: String,
    /// Folder holding `index.m3u8` and the segments.
    pub dir: PathBuf,
    pid: Option<u32>,
    /// Sending or dropping it tells the watcher task to kill ffmpeg.
    stop: oneshot::Sender<()>,
    watcher: JoinHandle<()>,
}

impl LiveStream {
    /// Starts stream `key` into `<data-dir>/live/<key>/` (emptied first), preparing the
    /// source title if needed. Call inside a Tokio runtime.
    pub fn start(data_dir: &Path, key: &str) -> Result<LiveStream, LiveError> {
        check_key(key)?;
        let media_dir = data_dir.join("media");
        media::prepare(&media_dir, &VOD_TS)?;
        let root = live_dir(data_dir);
        std::fs::create_dir_all(&root).map_err(io(&root))?;
        write_source(&media_dir.join(VOD_TS.name).join(SOURCE_RUNG), &root)?;
        let dir = root.join(key);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        std::fs::create_dir(&dir).map_err(io(&dir))?;

        let mut command = Command::new("ffmpeg");
        command
            .args(args(&format!("../{SOURCE_FILE}")))
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true);
        die_with_parent(&mut command);
        let child = command.spawn().map_err(|source| LiveError::Spawn {
            key: key.to_owned(),
            source,
        })?;
        let pid = child.id();
        tracing::info!(
            "live stream {key}: ffmpeg pid {pid:?} looping {SOURCE_RUNG} of {} into {}",
            VOD_TS.name,
            dir.display()
        );
        let (stop, stopped) = oneshot::channel();
        let watcher = tokio::spawn(watch(key.to_owned(), child, stopped));
        Ok(LiveStream {
            key: key.to_owned(),
            dir,
            pid,
            stop,
            watcher,
        })
    }

    /// Kills the stream's ffmpeg and waits until it has exited and been reaped.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.watcher.await;
    }

    /// The process id of the stream's ffmpeg.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }
}

/// Logs an early exit of the stream's ffmpeg; kills it when the stream is dropped (or the
/// runtime shuts down, dropping the task and with it the `kill_on_drop` child).
async fn watch(key: String, mut child: Child, stopped: oneshot::Receiver<()>) {
    tokio::select! {
        status = child.wait() => {
            tracing::error!("live stream {key}: ffmpeg exited ({status:?})");
        }
        _ = stopped => {
            let _ = child.kill().await;
            tracing::info!("live stream {key}: stopped");
        }
    }
}

/// Starts every stream of `keys`; on an error the ones already started are stopped.
pub fn start_all(data_dir: &Path, keys: &[String]) -> Result<Vec<LiveStream>, LiveError> {
    keys.iter()
        .map(|key| LiveStream::start(data_dir, key))
        .collect()
}

/// The ffmpeg arguments for a stream looping `source` (a path relative to the stream's
/// folder, where ffmpeg runs).
pub fn args(source: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-re",
        "-stream_loop",
        "-1",
        "-i",
    ]
    .map(String::from)
    .into();
    args.push(source.to_owned());
    #[rustfmt::skip]
    let output = [
        "-map", "0", "-c", "copy",
        "-f", "hls", "-hls_time", &SEGMENT_S.to_string(),
        "-hls_list_size", &LIST_SIZE.to_string(),
        "-hls_flags", "delete_segments+omit_endlist+temp_file+independent_segments+program_date_time",
        "-hls_segment_type", "mpegts", "-hls_segment_filename", "seg_%06d.ts",
        "index.m3u8",
    ]
    .map(String::from);
    args.extend(output);
    args
}

/// Joins the rendition's segments (one continuous TS) into `<root>/.source.ts`, once.
fn write_source(rung_dir: &Path, root: &Path) -> Result<(), LiveError> {
    let path = root.join(SOURCE_FILE);
    let stamp = root.join(".source.stamp");
    let wanted = VOD_TS.stamp();
    if path.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(());
    }
    let mut bytes = Vec::new();
    for i in 0..VOD_TS.segment_count() {
        let segment = rung_dir.join(format!("seg_{i:03}.ts"));
        bytes.extend(std::fs::read(&segment).map_err(io(&segment))?);
    }
    let tmp = root.join(format!("{SOURCE_FILE}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    std::fs::write(&stamp, wanted).map_err(io(&stamp))
}

/// Asks the kernel to kill the child when the server dies, even by SIGKILL.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    // SAFETY: prctl is async-signal-safe and touches only the calling (child) process.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_names() {
        for good in ["demo", "a-b_C9", &"k".repeat(64)] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        for bad in ["", "../x", "a/b", "a b", "é", &"k".repeat(65)] {
            assert!(matches!(check_key(bad), Err(LiveError::BadKey(_))), "{bad}");
        }
    }

    #[test]
    fn ffmpeg_loops_in_real_time_into_a_sliding_window() {
        let args = args("../.source.ts");
        let joined = args.join(" ");
        assert!(joined.contains("-re -stream_loop -1 -i ../.source.ts"));
        assert!(joined.contains("-c copy"));
        assert!(joined.contains("-hls_time 2 -hls_list_size 6"));
        assert!(joined.contains("omit_endlist"));
        assert!(joined.contains("delete_segments"));
        assert_eq!(args.last().map(String::as_str), Some("index.m3u8"));
    }
}

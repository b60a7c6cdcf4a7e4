//! Test media preparation: deterministic synthetic titles encoded with ffmpeg into
//! `<data-dir>/media/<recipe>/`.
//!
//! A title is generated in a temporary sibling folder, checked, then renamed into place with a
//! `.stamp` file holding the recipe's description; a folder whose stamp matches is left alone,
//! so preparing is idempotent and quick when the media is there.

mod codecs;
mod ffmpeg;
mod ladder;
mod recipe;
mod subtitles;

use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

pub use codecs::{CodecsError, InitInfo, probe_init};
pub use ladder::{RungReport, SEGMENT_DURATION_TOLERANCE_S, master_playlist};
pub use recipe::{
    Aes128, AltAudio, Audio, GENERATOR_VERSION, H264Profile, KEY_FILE, Packaging, RECIPES, Recipe,
    Rung, SUBTITLES_FOLDER, TEST_IV, TEST_KEY, TestCue, VOD_AES, VOD_ALT, VOD_ALT_CUES, VOD_FMP4,
    VOD_TS,
};

/// Name of the file recording which recipe produced a folder.
pub const STAMP_FILE: &str = ".stamp";

/// Why test media could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// ffmpeg is not on the PATH.
    #[error("ffmpeg not found: install it with `apt-get install ffmpeg`")]
    FfmpegNotFound,
    /// ffmpeg exists but could not be run or waited for.
    #[error("cannot run ffmpeg: {0}")]
    FfmpegSpawn(std::io::Error),
    /// ffmpeg ran and failed.
    #[error("ffmpeg failed ({status}) generating {recipe}: {stderr}")]
    FfmpegFailed {
        /// Recipe name.
        recipe: &'static str,
        /// Exit status.
        status: ExitStatus,
        /// The start of ffmpeg's error output.
        stderr: String,
    },
    /// A file or folder operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A playlist ffmpeg wrote does not parse.
    #[error("{}: {source}", path.display())]
    Playlist {
        /// The playlist.
        path: PathBuf,
        /// The parser's complaint.
        source: player_core::hls::ParseError,
    },
    /// An init segment ffmpeg wrote cannot be described.
    #[error("{}: {source}", path.display())]
    Init {
        /// The init segment.
        path: PathBuf,
        /// What is wrong with it.
        source: CodecsError,
    },
    /// ffmpeg's output does not match the recipe.
    #[error("{}: {reason}", path.display())]
    Output {
        /// The file that does not match.
        path: PathBuf,
        /// How it differs.
        reason: String,
    },
}

impl MediaError {
    fn io(path: &Path, source: std::io::Error) -> MediaError {
        MediaError::Io {
            path: path.to_owned(),
            source,
        }
    }

    fn output(path: &Path, reason: impl Into<String>) -> MediaError {
        MediaError::Output {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

/// What [`prepare`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The folder's stamp matched the recipe; nothing was done.
    UpToDate,
    /// The title was generated.
    Generated {
        /// Wall time taken.
        elapsed: Duration,
        /// Measurements of each rung, as written into the master playlist.
        rungs: Vec<RungReport>,
    },
}

/// Prepares every recipe of [`RECIPES`] under `media_dir`.
pub fn prepare_all(media_dir: &Path) -> Result<Vec<Outcome>, MediaError> {
    RECIPES
        .iter()
        .map(|recipe| prepare(media_dir, recipe))
        .collect()
}

/// Whether `media_dir/<recipe>` holds media generated from this exact recipe.
pub fn is_prepared(media_dir: &Path, recipe: &Recipe) -> bool {
    let dir = media_dir.join(recipe.name);
    std::fs::read_to_string(dir.join(STAMP_FILE)).is_ok_and(|stamp| stamp == recipe.stamp())
        && dir.join("master.m3u8").is_file()
}

/// Generates `media_dir/<recipe>` unless it is already up to date; a remux recipe's source is
/// prepared first.
pub fn prepare(media_dir: &Path, recipe: &Recipe) -> Result<Outcome, MediaError> {
    if let Some(source) = recipe.source()
        && !is_prepared(media_dir, source)
    {
        prepare(media_dir, source)?;
    }
    if is_prepared(media_dir, recipe) {
        tracing::info!(
            "{}: test media up to date in {}",
            recipe.name,
            media_dir.join(recipe.name).display()
        );
        return Ok(Outcome::UpToDate);
    }
    let started = Instant::now();
    tracing::info!(
        "{}: generating {} s of test media, {} rungs, into {}",
        recipe.name,
        recipe.duration_s,
        recipe.rungs.len(),
        media_dir.join(recipe.name).display()
    );
    std::fs::create_dir_all(media_dir).map_err(|e| MediaError::io(media_dir, e))?;
    let work = WorkDir::create(media_dir, recipe)?;
    for rung in recipe.rungs {
        let dir = work.path.join(rung.name);
        std::fs::create_dir(&dir).map_err(|e| MediaError::io(&dir, e))?;
    }
    if let Packaging::AltTracks { audio, .. } = recipe.packaging {
        for a in audio {
            let dir = work.path.join(a.folder);
            std::fs::create_dir(&dir).map_err(|e| MediaError::io(&dir, e))?;
        }
    }

    let key_info = ffmpeg::key_info(recipe);
    if let (Some(encryption), Some(info)) = (recipe.encryption(), &key_info) {
        let key_path = work.path.join(KEY_FILE);
        std::fs::write(&key_path, encryption.key).map_err(|e| MediaError::io(&key_path, e))?;
        write(&work.path.join(ffmpeg::KEY_INFO_FILE), info)?;
    }

    ffmpeg::encode(recipe, &work.path)?;

    if let Packaging::AltTracks { cues, .. } = recipe.packaging {
        subtitles::write(recipe, cues, &work.path.join(SUBTITLES_FOLDER))?;
    }
    if key_info.is_some() {
        let info_path = work.path.join(ffmpeg::KEY_INFO_FILE);
        std::fs::remove_file(&info_path).map_err(|e| MediaError::io(&info_path, e))?;
    }
    let rungs = recipe
        .rungs
        .iter()
        .map(|rung| ladder::measure(recipe, rung, &work.path.join(rung.name), media_dir))
        .collect::<Result<Vec<_>, _>>()?;
    write(
        &work.path.join("master.m3u8"),
        &master_playlist(recipe, &rungs),
    )?;
    write(&work.path.join(STAMP_FILE), &recipe.stamp())?;
    work.install(&media_dir.join(recipe.name), media_dir, recipe)?;

    let elapsed = started.elapsed();
    for r in &rungs {
        tracing::info!(
            "{}/{}: {} segments, {:.3} s, peak {} bit/s, average {} bit/s, CODECS={}",
            recipe.name,
            r.rung.name,
            r.segments,
            r.duration_s,
            r.peak_bps,
            r.average_bps,
            r.codecs
        );
    }
    tracing::info!(
        "{}: generated in {:.1} s",
        recipe.name,
        elapsed.as_secs_f64()
    );
    Ok(Outcome::Generated { elapsed, rungs })
}

fn write(path: &Path, text: &str) -> Result<(), MediaError> {
    std::fs::write(path, text).map_err(|e| MediaError::io(path, e))
}

/// A temporary generation folder, removed on drop unless installed.
struct WorkDir {
    path: PathBuf,
    installed: bool,
}

impl WorkDir {
    fn create(media_dir: &Path, recipe: &Recipe) -> Result<WorkDir, MediaError> {
        remove_abandoned(media_dir, recipe);
        let path = media_dir.join(format!(".{}.tmp-{}", recipe.name, std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| MediaError::io(&path, e))?;
        }
        std::fs::create_dir(&path).map_err(|e| MediaError::io(&path, e))?;
        Ok(WorkDir {
            path,
            installed: false,
        })
    }

    /// Moves the finished folder to `target`, replacing an outdated one. When another process
    /// installed the same recipe meanwhile, its folder is kept and this one dropped.
    fn install(
        mut self,
        target: &Path,
        media_dir: &Path,
        recipe: &Recipe,
    ) -> Result<(), MediaError> {
        if target.exists() {
            if is_prepared(media_dir, recipe) {
                return Ok(());
            }
            std::fs::remove_dir_all(target).map_err(|e| MediaError::io(target, e))?;
        }
        match std::fs::rename(&self.path, target) {
            Ok(()) => {
                self.installed = true;
                Ok(())
            }
            Err(_) if is_prepared(media_dir, recipe) => Ok(()),
            Err(e) => Err(MediaError::io(target, e)),
        }
    }
}

/// Removes the work folders of generations whose process is gone (killed by a signal before
/// it could clean up). Only where `/proc` tells which processes live.
fn remove_abandoned(media_dir: &Path, recipe: &Recipe) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{}.tmp-", recipe.name);
    let Ok(entries) = std::fs::read_dir(media_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let alive = pid.parse::<u32>().is_ok_and(|pid| {
            pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
        });
        if !alive {
            tracing::info!("removing abandoned {}", entry.path().display());
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !self.installed {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

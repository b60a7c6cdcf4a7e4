//! Persistent per-user state: resume positions and viewing sessions.
//!
//! [`Store`] is the seam: [`sqlite::SqliteStore`] is the embedded default; a PostgreSQL
//! backend can implement the same trait for scale. Every method takes the user (the JWT
//! subject) as its first argument and touches only that user's rows, so one user can never
//! read or write another's. Calls are blocking; async callers run them on a blocking thread.

pub mod migrations;
pub mod sqlite;

use serde::{Deserialize, Serialize};

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON column could not be read back.
    #[error("stored data for {what} is corrupt: {source}")]
    Corrupt {
        /// Which row.
        what: String,
        /// The decoding error.
        source: serde_json::Error,
    },
    /// A migration failed; the database is left at the previous version.
    #[error("migration to schema version {version} failed: {source}")]
    Migration {
        /// The version being applied.
        version: usize,
        /// The database error.
        source: rusqlite::Error,
    },
    /// The database is newer than this server.
    #[error("database schema version {found} is newer than this server's {supported}")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Latest version this build knows.
        supported: usize,
    },
    /// Another thread panicked while holding the connection.
    #[error("database connection poisoned")]
    Poisoned,
}

/// A saved playback position of one title for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumeRecord {
    /// Playhead in seconds.
    pub position: f64,
    /// Duration of the title in seconds, when known.
    #[serde(default)]
    pub duration: Option<f64>,
    /// The title was watched to the end (the next load starts at 0).
    #[serde(default)]
    pub completed: bool,
    /// When the client took the position, ms since the Unix epoch; the later write wins.
    pub updated_at: i64,
}

/// Quality-of-experience figures of a viewing session, as the player measured them so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Qoe {
    /// Seconds of content actually played.
    #[serde(default)]
    pub watch_time_s: f64,
    /// Milliseconds from load to first frame, once known.
    #[serde(default)]
    pub startup_ms: Option<f64>,
    /// Number of stalls after startup.
    #[serde(default)]
    pub rebuffer_count: u32,
    /// Seconds spent stalled after startup.
    #[serde(default)]
    pub rebuffer_s: f64,
    /// Seconds played per rendition bitrate (bits/s, as a decimal string key).
    #[serde(default)]
    pub bitrate_histogram: std::collections::BTreeMap<String, f64>,
    /// Time-weighted mean bitrate in bits/s.
    #[serde(default)]
    pub mean_bitrate: Option<f64>,
    /// Error codes seen, most recent last (at most [`Qoe::MAX_ERRORS`]).
    #[serde(default)]
    pub errors: Vec<String>,
}

impl Qoe {
    /// Most errors kept per session.
    pub const MAX_ERRORS: usize = 50;
    /// Most histogram buckets per session.
    pub const MAX_BUCKETS: usize = 64;
}

/// A viewing session as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Server-assigned id.
    pub session_id: String,
    /// The title watched.
    pub content_id: String,
    /// Server time of `start`, ms since the Unix epoch.
    pub started_at: i64,
    /// Server time of the last report, ms since the Unix epoch.
    pub last_seen_at: i64,
    /// Server time of `end`, once ended.
    pub ended_at: Option<i64>,
    /// The latest figures.
    pub qoe: Qoe,
}

/// Rows removed by [`Store::delete_user`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Erased {
    /// Resume positions removed.
    pub resume_positions: usize,
    /// Viewing sessions removed.
    pub sessions: usize,
}

/// Storage of per-user rows; every call is scoped to `user`.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// The user's saved position of `content`.
    fn get_resume(&self, user: &str, content: &str) -> Result<Option<ResumeRecord>, StoreError>;

    /// Saves `record` unless the stored one has a later `updated_at` (last writer wins);
    /// returns the record stored afterwards. Durable once it returns.
    fn put_resume(
        &self,
        user: &str,
        content: &str,
        record: &ResumeRecord,
    ) -> Result<ResumeRecord, StoreError>;

    /// Records a new session.
    fn start_session(&self, user: &str, session: &Session) -> Result<(), StoreError>;

    /// Updates the user's session `id` with the latest figures, and ends it when `ended_at` is
    /// given; `false` when the user has no such session.
    fn update_session(
        &self,
        user: &str,
        id: &str,
        qoe: &Qoe,
        now: i64,
        ended_at: Option<i64>,
    ) -> Result<bool, StoreError>;

    /// The user's session `id`.
    fn get_session(&self, user: &str, id: &str) -> Result<Option<Session>, StoreError>;

    /// Erases every row of the user.
    fn delete_user(&self, user: &str) -> Result<Erased, StoreError>;

    /// Removes sessions last seen before `before` (ms since the Unix epoch); returns how many.
    fn purge_sessions(&self, before: i64) -> Result<usize, StoreError>;
}

//! Schema migrations, applied in order at start-up; `PRAGMA user_version` records how many
//! have run. Append new steps; never edit a released one.

use rusqlite::Connection;

use super::StoreError;

/// Step `i` brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: resume positions and viewing sessions.
    "CREATE TABLE resume_positions (
        user_id       TEXT NOT NULL,
        content_id    TEXT NOT NULL,
        position_s    REAL NOT NULL,
        duration_s    REAL,
        completed     INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        PRIMARY KEY (user_id, content_id)
    ) WITHOUT ROWID;
    CREATE TABLE viewing_sessions (
        user_id        TEXT NOT NULL,
        session_id     TEXT NOT NULL,
        content_id     TEXT NOT NULL,
        started_at_ms  INTEGER NOT NULL,
        last_seen_ms   INTEGER NOT NULL,
        ended_at_ms    INTEGER,
        watch_time_s   REAL NOT NULL,
        startup_ms     REAL,
        rebuffer_count INTEGER NOT NULL,
        rebuffer_s     REAL NOT NULL,
        mean_bitrate   REAL,
        error_count    INTEGER NOT NULL,
        qoe_json       TEXT NOT NULL,
        PRIMARY KEY (user_id, session_id)
    );
    CREATE INDEX viewing_sessions_last_seen ON viewing_sessions (last_seen_ms);",
];

/// Applies the migrations `conn` has not run yet, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<usize, StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let start = usize::try_from(found)
        .ok()
        .filter(|&v| v <= MIGRATIONS.len())
        .ok_or(StoreError::TooNew {
            found,
            supported: MIGRATIONS.len(),
        })?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        let version = index + 1;
        let step = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version as i64)?;
            tx.commit()
        };
        step(conn).map_err(|source| StoreError::Migration { version, source })?;
    }
    Ok(MIGRATIONS.len() - start)
}

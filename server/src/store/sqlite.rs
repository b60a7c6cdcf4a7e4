//! The embedded [`Store`]: one SQLite file in WAL mode behind a mutex.
//!
//! Durability: `synchronous=FULL` makes every commit fsync the WAL before the call returns, so
//! a write acknowledged to a client survives a process kill and a power loss. (`NORMAL` would
//! survive `kill -9` too, as committed pages sit in the OS cache, but not a power loss.) One
//! connection serializes writers, which SQLite does anyway; reads are short point look-ups.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::migrations::migrate;
use super::{Erased, Qoe, ResumeRecord, Session, Store, StoreError};

/// SQLite-backed [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating it if needed) the database at `path`, sets WAL mode and applies the
    /// pending migrations.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // A missing folder surfaces as the open error below.
            let _ = std::fs::create_dir_all(dir);
        }
        Self::setup(Connection::open(path)?)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(5))?;
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let applied = migrate(&mut conn)?;
        if applied > 0 {
            tracing::info!("database migrated by {applied} step(s)");
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut conn)
    }
}

fn session_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Session, String)> {
    Ok((
        Session {
            session_id: row.get(0)?,
            content_id: row.get(1)?,
            started_at: row.get(2)?,
            last_seen_at: row.get(3)?,
            ended_at: row.get(4)?,
            qoe: Qoe::default(),
        },
        row.get(5)?,
    ))
}

fn error_count(qoe: &Qoe) -> i64 {
    i64::try_from(qoe.errors.len()).unwrap_or(i64::MAX)
}

fn qoe_json(qoe: &Qoe) -> String {
    serde_json::to_string(qoe).unwrap_or_else(|_| "{}".to_owned())
}

impl Store for SqliteStore {
    fn get_resume(&self, user: &str, content: &str) -> Result<Option<ResumeRecord>, StoreError> {
        self.with(|conn| {
            Ok(conn
                .query_row(
                    "SELECT position_s, duration_s, completed, updated_at_ms
                     FROM resume_positions WHERE user_id = ?1 AND content_id = ?2",
                    params![user, content],
                    |row| {
                        Ok(ResumeRecord {
                            position: row.get(0)?,
                            duration: row.get(1)?,
                            completed: row.get(2)?,
                            updated_at: row.get(3)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    fn put_resume(
        &self,
        user: &str,
        content: &str,
        record: &ResumeRecord,
    ) -> Result<ResumeRecord, StoreError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO resume_positions
                   (user_id, content_id, position_s, duration_s, completed, updated_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (user_id, content_id) DO UPDATE SET
                   position_s = excluded.position_s, duration_s = excluded.duration_s,
                   completed = excluded.completed, updated_at_ms = excluded.updated_at_ms
                 WHERE excluded.updated_at_ms >= resume_positions.updated_at_ms",
                params![
                    user,
                    content,
                    record.position,
                    record.duration,
                    record.completed,
                    record.updated_at
                ],
            )?;
            let stored = tx.query_row(
                "SELECT position_s, duration_s, completed, updated_at_ms
                 FROM resume_positions WHERE user_id = ?1 AND content_id = ?2",
                params![user, content],
                |row| {
                    Ok(ResumeRecord {
                        position: row.get(0)?,
                        duration: row.get(1)?,
                        completed: row.get(2)?,
                        updated_at: row.get(3)?,
                    })
                },
            )?;
            tx.commit()?;
            Ok(stored)
        })
    }

    fn start_session(&self, user: &str, session: &Session) -> Result<(), StoreError> {
        let q = &session.qoe;
        self.with(|conn| {
            conn.execute(
                "INSERT INTO viewing_sessions
                   (user_id, session_id, content_id, started_at_ms, last_seen_ms, ended_at_ms,
                    watch_time_s, startup_ms, rebuffer_count, rebuffer_s, mean_bitrate,
                    error_count, qoe_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    user,
                    session.session_id,
                    session.content_id,
                    session.started_at,
                    session.last_seen_at,
                    session.ended_at,
                    q.watch_time_s,
                    q.startup_ms,
                    q.rebuffer_count,
                    q.rebuffer_s,
                    q.mean_bitrate,
                    error_count(q),
                    qoe_json(q)
                ],
            )?;
            Ok(())
        })
    }

    fn update_session(
        &self,
        user: &str,
        id: &str,
        qoe: &Qoe,
        now: i64,
        ended_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE viewing_sessions SET
                   last_seen_ms = ?3, ended_at_ms = COALESCE(ended_at_ms, ?4),
                   watch_time_s = ?5, startup_ms = ?6, rebuffer_count = ?7, rebuffer_s = ?8,
                   mean_bitrate = ?9, error_count = ?10, qoe_json = ?11
                 WHERE user_id = ?1 AND session_id = ?2",
                params![
                    user,
                    id,
                    now,
                    ended_at,
                    qoe.watch_time_s,
                    qoe.startup_ms,
                    qoe.rebuffer_count,
                    qoe.rebuffer_s,
                    qoe.mean_bitrate,
                    error_count(qoe),
                    qoe_json(qoe)
                ],
            )?;
            Ok(changed > 0)
        })
    }

    fn get_session(&self, user: &str, id: &str) -> Result<Option<Session>, StoreError> {
        let found = self.with(|conn| {
            Ok(conn
                .query_row(
                    "SELECT session_id, content_id, started_at_ms, last_seen_ms, ended_at_ms,
                            qoe_json
                     FROM viewing_sessions WHERE user_id = ?1 AND session_id = ?2",
                    params![user, id],
                    session_from_row,
                )
                .optional()?)
        })?;
        found
            .map(|(mut session, json)| {
                session.qoe =
                    serde_json::from_str(&json).map_err(|source| StoreError::Corrupt {
                        what: format!("session {id}"),
                        source,
                    })?;
                Ok(session)
            })
            .transpose()
    }

    fn delete_user(&self, user: &str) -> Result<Erased, StoreError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let resume_positions =
                tx.execute("DELETE FROM resume_positions WHERE user_id = ?1", [user])?;
            let sessions = tx.execute("DELETE FROM viewing_sessions WHERE user_id = ?1", [user])?;
            tx.commit()?;
            Ok(Erased {
                resume_positions,
                sessions,
            })
        })
    }

    fn purge_sessions(&self, before: i64) -> Result<usize, StoreError> {
        self.with(|conn| {
            Ok(conn.execute(
                "DELETE FROM viewing_sessions WHERE last_seen_ms < ?1",
                [before],
            )?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(position: f64, updated_at: i64) -> ResumeRecord {
        ResumeRecord {
            position,
            duration: Some(600.0),
            completed: false,
            updated_at,
        }
    }

    #[test]
    fn last_writer_wins_per_user_and_title() {
        let store = SqliteStore::in_memory().unwrap();
        assert_eq!(
            store
                .put_resume("a", "t", &record(30.0, 100))
                .unwrap()
                .position,
            30.0
        );
        // An older write loses and the stored record is returned.
        assert_eq!(
            store.put_resume("a", "t", &record(99.0, 50)).unwrap(),
            record(30.0, 100)
        );
        assert_eq!(
            store
                .put_resume("a", "t", &record(40.0, 200))
                .unwrap()
                .position,
            40.0
        );
        assert_eq!(store.get_resume("b", "t").unwrap(), None);
        assert_eq!(store.get_resume("a", "t").unwrap(), Some(record(40.0, 200)));
    }

    #[test]
    fn sessions_are_scoped_erased_and_purged() {
        let store = SqliteStore::in_memory().unwrap();
        let session = |id: &str, at: i64| Session {
            session_id: id.into(),
            content_id: "t".into(),
            started_at: at,
            last_seen_at: at,
            ended_at: None,
            qoe: Qoe::default(),
        };
        store.start_session("a", &session("s1", 1_000)).unwrap();
        store.start_session("a", &session("s2", 5_000)).unwrap();
        store.start_session("b", &session("s3", 1_000)).unwrap();
        store.put_resume("a", "t", &record(30.0, 1)).unwrap();
        let qoe = Qoe {
            watch_time_s: 12.5,
            rebuffer_count: 2,
            errors: vec!["networkError".into()],
            ..Qoe::default()
        };
        assert!(!store.update_session("b", "s1", &qoe, 2_000, None).unwrap());
        assert!(
            store
                .update_session("a", "s1", &qoe, 2_000, Some(2_000))
                .unwrap()
        );
        let s1 = store.get_session("a", "s1").unwrap().unwrap();
        assert_eq!(
            (s1.qoe, s1.ended_at, s1.last_seen_at),
            (qoe, Some(2_000), 2_000)
        );
        assert_eq!(store.get_session("b", "s1").unwrap(), None);
        assert_eq!(store.purge_sessions(3_000).unwrap(), 2);
        assert!(store.get_session("a", "s2").unwrap().is_some());
        assert_eq!(
            store.delete_user("a").unwrap(),
            Erased {
                resume_positions: 1,
                sessions: 1
            }
        );
        assert_eq!(store.get_resume("a", "t").unwrap(), None);
    }

    #[test]
    fn reopening_keeps_data_and_skips_applied_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        SqliteStore::open(&path)
            .unwrap()
            .put_resume("a", "t", &record(31.0, 7))
            .unwrap();
        let again = SqliteStore::open(&path).unwrap();
        assert_eq!(again.get_resume("a", "t").unwrap(), Some(record(31.0, 7)));
    }
}

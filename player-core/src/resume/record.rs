//! The saved position and the last-writer-wins merge.

use serde::{Deserialize, Serialize};

/// A saved playback position of one title (JSON: `position`, `duration`, `completed`,
/// `updatedAt`, the server API's shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumeRecord {
    /// Playhead in seconds.
    pub position: f64,
    /// Duration of the title in seconds, when known.
    #[serde(default)]
    pub duration: Option<f64>,
    /// Watched to the end: the next load starts at 0.
    #[serde(default)]
    pub completed: bool,
    /// Wall-clock time the position was taken, ms since the Unix epoch.
    pub updated_at: f64,
}

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// The device's own storage.
    Local,
    /// The server.
    Server,
}

/// The record to resume from: the later of `local` and `server` by `updated_at` (last writer
/// wins; the server's on a tie, as every device agrees on it). Records with a non-finite
/// timestamp or position lose to any valid one.
pub fn merge(
    local: Option<&ResumeRecord>,
    server: Option<&ResumeRecord>,
) -> Option<(ResumeRecord, Source)> {
    let valid = |r: &&ResumeRecord| r.updated_at.is_finite() && r.position.is_finite();
    match (local.filter(valid), server.filter(valid)) {
        (Some(l), Some(s)) if l.updated_at > s.updated_at => Some((l.clone(), Source::Local)),
        (_, Some(s)) => Some((s.clone(), Source::Server)),
        (Some(l), None) => Some((l.clone(), Source::Local)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(position: f64, updated_at: f64) -> ResumeRecord {
        ResumeRecord {
            position,
            duration: None,
            completed: false,
            updated_at,
        }
    }

    #[test]
    fn later_write_wins_and_server_wins_ties() {
        let (l, s) = (at(30.0, 2_000.0), at(50.0, 1_000.0));
        assert_eq!(merge(Some(&l), Some(&s)), Some((l.clone(), Source::Local)));
        let newer = at(70.0, 3_000.0);
        assert_eq!(
            merge(Some(&l), Some(&newer)),
            Some((newer.clone(), Source::Server))
        );
        let tie = at(10.0, 2_000.0);
        assert_eq!(merge(Some(&l), Some(&tie)), Some((tie, Source::Server)));
        assert_eq!(merge(Some(&l), None), Some((l, Source::Local)));
        assert_eq!(merge(None, None), None);
    }

    #[test]
    fn invalid_records_lose() {
        let bad = at(f64::NAN, 9e12);
        let good = at(40.0, 1.0);
        assert_eq!(
            merge(Some(&bad), Some(&good)),
            Some((good.clone(), Source::Server))
        );
        assert_eq!(
            merge(Some(&good), Some(&at(5.0, f64::INFINITY))),
            Some((good, Source::Local))
        );
    }

    #[test]
    fn json_shape_matches_the_server_api() {
        let r: ResumeRecord =
            serde_json::from_str(r#"{"position":31.5,"updatedAt":1700000000000}"#).unwrap();
        assert_eq!(r, at(31.5, 1.7e12));
        let back = serde_json::to_string(&r).unwrap();
        assert!(back.contains("\"updatedAt\":1700000000000"), "{back}");
    }
}

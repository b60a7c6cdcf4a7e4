//! Syncing records with the server: where to start a title from the device's and the server's
//! records and which of them must be stored or uploaded, and what an upload's answer means.

use super::policy::{ResumePolicy, start_position};
use super::record::{ResumeRecord, Source, merge};

/// Where a title starts, and what to do with the records that decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// Seconds to start at, after the start-position rules (0: from the start).
    pub position: f64,
    /// The record that won and where it came from; `None` when neither side has a valid one.
    pub chosen: Option<(ResumeRecord, Source)>,
    /// The server's record won: keep a copy in the device's storage.
    pub store_locally: bool,
    /// The device's record is newer than the server's (or the server has none): upload it.
    pub upload: bool,
}

/// Resolves where `local` and `server` (either may be absent) start a title of `duration`
/// seconds, when known: last writer wins ([`merge`]), then [`start_position`].
pub fn resolve(
    policy: &ResumePolicy,
    local: Option<&ResumeRecord>,
    server: Option<&ResumeRecord>,
    duration: Option<f64>,
) -> Resolution {
    let Some((record, source)) = merge(local, server) else {
        return Resolution {
            position: 0.0,
            chosen: None,
            store_locally: false,
            upload: false,
        };
    };
    let upload = source == Source::Local && server.is_none_or(|s| s.updated_at < record.updated_at);
    Resolution {
        position: start_position(policy, Some(&record), duration),
        store_locally: source == Source::Server,
        upload,
        chosen: Some((record, source)),
    }
}

/// Whether a queued record stays queued after the server's answer to its upload: `status` is
/// the HTTP status, `None` when the server could not be reached. Stored (2xx) or refused for
/// good (any other status but 401, 408, 429 and 5xx): it leaves the queue. Unreachable, not
/// signed in, timed out, rate-limited or a server error: it stays, and the uploads stop until
/// the next replay (the rest of the queue would fail the same way).
pub fn keep_queued(status: Option<u16>) -> bool {
    match status {
        None => true,
        Some(s) => matches!(s, 401 | 408 | 429) || s >= 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(position: f64, updated_at: f64) -> ResumeRecord {
        ResumeRecord {
            position,
            duration: Some(600.0),
            completed: false,
            updated_at,
        }
    }

    #[test]
    fn a_newer_local_record_is_uploaded_and_a_newer_server_record_stored() {
        let p = ResumePolicy::default();
        let (local, server) = (at(40.0, 2_000.0), at(20.0, 1_000.0));
        let r = resolve(&p, Some(&local), Some(&server), None);
        assert_eq!(r.position, 40.0);
        assert_eq!(r.chosen, Some((local.clone(), Source::Local)));
        assert!(r.upload && !r.store_locally);

        let r = resolve(&p, Some(&server), Some(&local), Some(600.0));
        assert_eq!(r.chosen, Some((local.clone(), Source::Server)));
        assert!(!r.upload && r.store_locally);

        // No server record (signed out, or the API is down): the local one is uploaded later.
        let r = resolve(&p, Some(&local), None, None);
        assert!(r.upload && !r.store_locally);
    }

    #[test]
    fn the_start_rules_apply_to_the_winner() {
        let p = ResumePolicy::default();
        // 580 s of 600 s: in the completed zone, so the title starts over; still uploaded.
        let r = resolve(&p, Some(&at(580.0, 5.0)), None, Some(600.0));
        assert_eq!((r.position, r.upload), (0.0, true));
        let r = resolve(&p, None, None, Some(600.0));
        assert_eq!(
            r,
            Resolution {
                position: 0.0,
                chosen: None,
                store_locally: false,
                upload: false
            }
        );
    }

    #[test]
    fn an_invalid_server_record_does_not_trigger_an_upload() {
        let p = ResumePolicy::default();
        let local = at(40.0, 2_000.0);
        let r = resolve(&p, Some(&local), Some(&at(10.0, f64::NAN)), None);
        assert_eq!(r.chosen, Some((local, Source::Local)));
        assert!(!r.upload && !r.store_locally);
    }

    #[test]
    fn only_transient_answers_keep_a_record_queued() {
        for status in [None, Some(401), Some(408), Some(429), Some(500), Some(503)] {
            assert!(keep_queued(status), "{status:?}");
        }
        for status in [200, 204, 400, 403, 404, 413] {
            assert!(!keep_queued(Some(status)), "{status}");
        }
    }
}

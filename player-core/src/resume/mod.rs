//! Resume playback: when to save the playhead, which saved position wins, and where the next
//! load starts.
//!
//! - [`ResumeTracker`] turns player events (playhead samples, pause, seek, page hidden,
//!   `pagehide`, duration, ended) into [`ResumeRecord`] saves: every 5 s while playing and at
//!   once on the other events; positions under 10 s are not saved.
//! - [`merge`] picks between the local and the server record: last writer (by
//!   [`ResumeRecord::updated_at`]) wins.
//! - [`start_position`] applies the rules: nothing saved, under 10 s, ≥ 95 % watched or in the
//!   last 30 s (the title counts as completed) all start at 0.
//! - [`resolve`] combines the two: the start position, and whether the winner must be
//!   stored locally or uploaded; [`RecordQueue`] holds the uploads (the newest save per title)
//!   and [`keep_queued`] reads the server's answer to one.
//!
//! - [`QoeMeter`] measures a viewing session (startup, watch time, rebuffers, bitrates, errors)
//!   for the server's `POST /api/sessions` heartbeats.
//!
//! Records are keyed by (user, content id); the key is the caller's business.

mod policy;
pub mod qoe;
mod record;
mod sync;
mod tracker;

pub use policy::{ResumePolicy, start_position};
pub use qoe::{QoeMeter, QoeReport};
pub use record::{RecordQueue, ResumeRecord, Source, merge, records_from_json, records_to_json};
pub use sync::{Resolution, keep_queued, resolve};
pub use tracker::ResumeTracker;

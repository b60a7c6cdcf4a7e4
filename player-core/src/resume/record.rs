//! The saved position and the last-writer-wins merge.

use crate::json::{Fields, JsonError, ObjectWriter, Value, parse_object, read_object};

/// A saved playback position of one title (JSON: `position`, `duration`, `completed`,
/// `updatedAt`, the server API's shape).
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeRecord {
    /// Playhead in seconds.
    pub position: f64,
    /// Duration of the title in seconds, when known.
    pub duration: Option<f64>,
    /// Watched to the end: the next load starts at 0.
    pub completed: bool,
    /// Wall-clock time the position was taken, ms since the Unix epoch.
    pub updated_at: f64,
}

impl ResumeRecord {
    /// Parses the API's JSON object (from the server or the device's storage: untrusted).
    pub fn from_json(text: &str) -> Result<Self, JsonError> {
        read_object(&parse_object(text)?, Self::read)
    }

    fn read(f: Fields<'_>) -> Self {
        Self {
            position: f.f64("position"),
            duration: f.opt_f64("duration"),
            completed: f.opt_bool("completed").unwrap_or(false),
            updated_at: f.f64("updatedAt"),
        }
    }

    /// The API's JSON object (`duration` is `null` when unknown).
    pub fn to_json(&self) -> String {
        ObjectWriter::new()
            .f64("position", self.position)
            .f64_or_null("duration", self.duration)
            .bool("completed", self.completed)
            .f64("updatedAt", self.updated_at)
            .finish()
    }
}

/// Records by title, sorted by title: the upload queue.
///
/// A sorted list rather than a `BTreeMap`: the queue holds a few titles, and the map's code
/// was kilobytes of the wasm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordQueue(Vec<(String, ResumeRecord)>);

impl RecordQueue {
    fn find(&self, title: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(t, _)| t.as_str().cmp(title))
    }

    /// The record queued for `title`.
    pub fn get(&self, title: &str) -> Option<&ResumeRecord> {
        self.find(title)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|e| &e.1)
    }

    /// Queues `record` for `title`, replacing the one queued before.
    pub fn insert(&mut self, title: String, record: ResumeRecord) {
        match self.find(&title) {
            Ok(i) => {
                if let Some(e) = self.0.get_mut(i) {
                    e.1 = record;
                }
            }
            Err(i) => self.0.insert(i, (title, record)),
        }
    }

    /// Takes the record of `title` out of the queue.
    pub fn remove(&mut self, title: &str) -> Option<ResumeRecord> {
        self.find(title).ok().map(|i| self.0.remove(i).1)
    }

    /// Queues a new save of `title` unless a newer one is queued already (last writer wins);
    /// whether the queue changed.
    pub fn offer(&mut self, title: &str, record: &ResumeRecord) -> bool {
        if self
            .get(title)
            .is_some_and(|q| q.updated_at > record.updated_at)
        {
            return false;
        }
        self.insert(title.to_owned(), record.clone());
        true
    }

    /// The server stored `record` of `title`: it leaves the queue, unless a newer save replaced
    /// it meanwhile; whether the queue changed.
    pub fn acknowledge(&mut self, title: &str, record: &ResumeRecord) -> bool {
        if self.get(title) != Some(record) {
            return false;
        }
        self.remove(title);
        true
    }

    /// How many titles are queued.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The queued records by title, in title order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ResumeRecord)> {
        self.0.iter().map(|(t, r)| (t.as_str(), r))
    }
}

impl IntoIterator for RecordQueue {
    type Item = (String, ResumeRecord);
    type IntoIter = std::vec::IntoIter<(String, ResumeRecord)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Parses a JSON object of records by title (the upload queue's storage format).
pub fn records_from_json(text: &str) -> Result<RecordQueue, JsonError> {
    let mut records = RecordQueue::default();
    for (title, value) in parse_object(text)? {
        let Value::Object(o) = value else {
            return Err(JsonError::NotObject("a queued record"));
        };
        records.insert(title, read_object(&o, ResumeRecord::read)?);
    }
    Ok(records)
}

/// Writes records by title as one JSON object.
pub fn records_to_json(records: &RecordQueue) -> String {
    records
        .iter()
        .fold(ObjectWriter::new(), |w, (title, record)| {
            w.raw(title, &record.to_json())
        })
        .finish()
}

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        let r = ResumeRecord::from_json(r#"{"position":31.5,"updatedAt":1700000000000}"#).unwrap();
        assert_eq!(r, at(31.5, 1.7e12));
        assert_eq!(
            r.to_json(),
            r#"{"position":31.5,"duration":null,"completed":false,"updatedAt":1700000000000.0}"#
        );
        let full = ResumeRecord {
            duration: Some(3600.0),
            completed: true,
            ..r
        };
        assert_eq!(ResumeRecord::from_json(&full.to_json()), Ok(full));
        assert_eq!(
            ResumeRecord::from_json(r#"{"position":"31"}"#),
            Err(JsonError::Type {
                field: "position",
                expected: "a number"
            })
        );
        assert_eq!(
            ResumeRecord::from_json(r#"{"position":1}"#),
            Err(JsonError::Missing("updatedAt"))
        );
    }

    #[test]
    fn offers_keep_the_newest_save_and_acknowledgements_spare_newer_ones() {
        let mut queue = RecordQueue::default();
        assert!(queue.offer("vod", &at(20.0, 2.0)));
        // An older save (another tab, a late answer) does not replace a newer one.
        assert!(!queue.offer("vod", &at(10.0, 1.0)));
        assert_eq!(queue.get("vod"), Some(&at(20.0, 2.0)));
        assert!(queue.offer("vod", &at(30.0, 3.0)));
        // The server stored the save of 2: the save of 3 came meanwhile and stays.
        assert!(!queue.acknowledge("vod", &at(20.0, 2.0)));
        assert!(!queue.acknowledge("live", &at(30.0, 3.0)));
        assert!(queue.acknowledge("vod", &at(30.0, 3.0)));
        assert!(queue.is_empty());
    }

    #[test]
    fn queue_round_trips_and_refuses_bad_entries() {
        let mut queue = RecordQueue::default();
        queue.insert("vod".to_owned(), at(12.0, 5.0));
        queue.insert("a\"b".to_owned(), at(40.0, 6.0));
        queue.insert("m".to_owned(), at(1.0, 1.0));
        assert_eq!(queue.remove("m"), Some(at(1.0, 1.0)));
        assert_eq!(queue.remove("m"), None);
        queue.insert("vod".to_owned(), at(13.0, 7.0));
        assert_eq!(queue.get("vod"), Some(&at(13.0, 7.0)));
        assert_eq!(queue.len(), 2);
        let text = records_to_json(&queue);
        assert_eq!(
            text,
            r#"{"a\"b":{"position":40.0,"duration":null,"completed":false,"updatedAt":6.0},"vod":{"position":13.0,"duration":null,"completed":false,"updatedAt":7.0}}"#
        );
        assert_eq!(records_from_json(&text), Ok(queue));
        // A repeated title: the last one counts, as the map it replaced did.
        let twice = records_from_json(
            r#"{"x":{"position":1,"updatedAt":1},"x":{"position":2,"updatedAt":2}}"#,
        )
        .unwrap();
        assert_eq!(twice.iter().collect::<Vec<_>>(), [("x", &at(2.0, 2.0))]);
        assert_eq!(
            records_from_json(r#"{"vod":3}"#),
            Err(JsonError::NotObject("a queued record"))
        );
    }
}

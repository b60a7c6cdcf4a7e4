//! Fault injection for testing players against a misbehaving origin.
//!
//! A request gets a fault when its query has `fault=KIND`, or when a `--fault` rule
//! (`TARGET:PERCENT%:KIND`) matches its path and the rule's deterministic draw fires. Kinds:
//!
//! | kind | response |
//! | --- | --- |
//! | `404`, `500` | that status with a short text body |
//! | `slow` or `slow=BYTES` | the normal response, its body sent at BYTES per second (default [`DEFAULT_SLOW_BYTES_PER_S`]) |
//! | `truncate` | the normal headers (full `Content-Length`), half the body, then the connection is closed |
//! | `reset` | the connection is closed before any response byte |
//!
//! The draw for the `n`-th request of a path under a rule is a hash of the seed, the rule's
//! position, the path and `n`, so a test sees the same faults on the same request sequence
//! per path whatever the interleaving across paths.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

/// Throttle rate of `slow` when none is given, in bytes per second.
pub const DEFAULT_SLOW_BYTES_PER_S: u32 = 64_000;
/// Largest body the `slow` and `truncate` faults buffer.
const MAX_FAULT_BODY: usize = 256 << 20;
/// Interval between two chunks of a throttled body.
const SLOW_TICK: Duration = Duration::from_millis(100);
/// Most paths whose request counts are kept; beyond it the counts start again from zero, so
/// that clients requesting ever new paths cannot grow the table without bound.
const MAX_COUNTED_PATHS: usize = 100_000;
/// Query parameter naming a fault for the request.
pub const QUERY_PARAM: &str = "fault";

/// How a request is made to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 404 Not Found.
    NotFound,
    /// 500 Internal Server Error.
    ServerError,
    /// The body trickles at this many bytes per second.
    Slow {
        /// Throughput of the body.
        bytes_per_s: u32,
    },
    /// Full `Content-Length`, half the body, then the connection closes.
    Truncate,
    /// The connection closes before the status line.
    Reset,
}

/// Why a fault kind, rule or query could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// Not one of the kinds.
    #[error("unknown fault {0:?}: expected 404, 500, slow, slow=BYTES, truncate or reset")]
    UnknownKind(String),
    /// `slow=` with a rate that is not a positive integer.
    #[error("bad slow rate {0:?}: expected bytes per second, a positive integer")]
    BadRate(String),
    /// A rule without its three `:`-separated parts.
    #[error("fault rule {0:?}: expected TARGET:PERCENT%:KIND, e.g. segments:20%:500")]
    BadRule(String),
    /// A percentage outside 0–100 or without `%`.
    #[error("fault rule {0:?}: the percentage must be 0% to 100%")]
    BadPercent(String),
    /// A target that is neither a class nor a path prefix.
    #[error(
        "fault rule {0:?}: target must be segments, init, playlists, keys, all or a /path prefix"
    )]
    BadTarget(String),
}

impl FromStr for FaultKind {
    type Err = FaultError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "404" => FaultKind::NotFound,
            "500" => FaultKind::ServerError,
            "slow" => FaultKind::Slow {
                bytes_per_s: DEFAULT_SLOW_BYTES_PER_S,
            },
            "truncate" => FaultKind::Truncate,
            "reset" => FaultKind::Reset,
            _ => match text.strip_prefix("slow=") {
                Some(rate) => FaultKind::Slow {
                    bytes_per_s: rate
                        .parse()
                        .ok()
                        .filter(|&r| r > 0)
                        .ok_or_else(|| FaultError::BadRate(rate.to_owned()))?,
                },
                None => return Err(FaultError::UnknownKind(text.to_owned())),
            },
        })
    }
}

/// Which requests a rule considers, by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTarget {
    /// Media segments: `.ts`, `.m4s`, `.aac`, `.m4a`, `.mp3`, `.vtt`.
    Segments,
    /// Init segments: `.mp4`.
    Init,
    /// Playlists: `.m3u8`.
    Playlists,
    /// Keys: `.key`, `.bin`.
    Keys,
    /// Every request.
    All,
    /// Paths starting with this prefix.
    Prefix(String),
}

impl FaultTarget {
    /// Whether `path` is one of the target's.
    pub fn matches(&self, path: &str) -> bool {
        let ext = path
            .rsplit('/')
            .next()
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        match self {
            FaultTarget::Segments => ["ts", "m4s", "aac", "m4a", "mp3", "vtt"].contains(&&*ext),
            FaultTarget::Init => ext == "mp4",
            FaultTarget::Playlists => ext == "m3u8",
            FaultTarget::Keys => ext == "key" || ext == "bin",
            FaultTarget::All => true,
            FaultTarget::Prefix(prefix) => path.starts_with(prefix.as_str()),
        }
    }
}

/// `TARGET:PERCENT%:KIND`, e.g. `segments:20%:500` or `/media/vod/720p/:100%:slow=50000`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Requests considered.
    pub target: FaultTarget,
    /// Share of the considered requests that fail, 0 to 100.
    pub percent: u8,
    /// How they fail.
    pub kind: FaultKind,
}

impl FromStr for FaultRule {
    type Err = FaultError;

    fn from_str(rule: &str) -> Result<Self, Self::Err> {
        let mut parts = rule.splitn(3, ':');
        let (Some(target), Some(percent), Some(kind)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(FaultError::BadRule(rule.to_owned()));
        };
        let target = match target {
            "segments" => FaultTarget::Segments,
            "init" => FaultTarget::Init,
            "playlists" => FaultTarget::Playlists,
            "keys" => FaultTarget::Keys,
            "all" => FaultTarget::All,
            prefix if prefix.starts_with('/') => FaultTarget::Prefix(prefix.to_owned()),
            _ => return Err(FaultError::BadTarget(rule.to_owned())),
        };
        let percent = percent
            .strip_suffix('%')
            .and_then(|p| p.parse::<u8>().ok())
            .filter(|&p| p <= 100)
            .ok_or_else(|| FaultError::BadPercent(rule.to_owned()))?;
        Ok(FaultRule {
            target,
            percent,
            kind: kind.parse()?,
        })
    }
}

/// The configured rules and the per-path request counts their draws depend on.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
    seed: u64,
    counts: Mutex<HashMap<String, u64>>,
}

impl Faults {
    /// Faults from `rules`, drawn with `seed`.
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Faults {
        Faults {
            rules,
            seed,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// The fault for a request to `uri`: its `fault=` query parameter if any, else the first
    /// rule that matches and fires. Counts the request towards its path's draws.
    pub fn choose(&self, uri: &Uri) -> Result<Option<FaultKind>, FaultError> {
        if let Some(kind) = query_fault(uri) {
            return kind.parse().map(Some);
        }
        if self.rules.is_empty() {
            return Ok(None);
        }
        let path = uri.path();
        let n = {
            let mut counts = self
                .counts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if counts.len() >= MAX_COUNTED_PATHS && !counts.contains_key(path) {
                counts.clear();
            }
            let count = counts.entry(path.to_owned()).or_insert(0);
            *count += 1;
            *count
        };
        Ok(self.rules.iter().enumerate().find_map(|(index, rule)| {
            let fires = rule.target.matches(path)
                && draw(self.seed, index as u64, path, n) % 100 < u64::from(rule.percent);
            fires.then_some(rule.kind)
        }))
    }
}

/// The value of the `fault` query parameter.
fn query_fault(uri: &Uri) -> Option<&str> {
    uri.query()?.split('&').find_map(|pair| {
        pair.strip_prefix(QUERY_PARAM)
            .and_then(|rest| rest.strip_prefix('='))
    })
}

/// A pseudo-random 64-bit value for the `n`-th request of `path` under rule `rule`: FNV-1a
/// over the inputs, then the SplitMix64 finaliser to spread the bits. Hand-written because it
/// must stay the same across Rust and crate versions (std's hasher and `rand`'s `StdRng`
/// promise no stable output), and it is ten lines.
fn draw(seed: u64, rule: u64, path: &str, n: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = seed
        .to_le_bytes()
        .into_iter()
        .chain(rule.to_le_bytes())
        .chain(n.to_le_bytes())
        .chain(path.bytes());
    for byte in bytes {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = hash.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Middleware applying [`Faults::choose`] to every request.
pub async fn inject(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    let kind = match faults.choose(request.uri()) {
        Ok(Some(kind)) => kind,
        Ok(None) => return next.run(request).await,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    tracing::info!("injecting fault {kind:?} into {}", request.uri());
    match kind {
        FaultKind::NotFound => (StatusCode::NOT_FOUND, "injected fault: 404\n").into_response(),
        FaultKind::ServerError => {
            (StatusCode::INTERNAL_SERVER_ERROR, "injected fault: 500\n").into_response()
        }
        FaultKind::Reset => Response::new(Body::from_stream(futures_util::stream::once(async {
            Err::<Bytes, _>(std::io::Error::other("injected fault: reset"))
        }))),
        FaultKind::Slow { bytes_per_s } => {
            rebody(next.run(request).await, |bytes| {
                throttled(bytes, bytes_per_s)
            })
            .await
        }
        FaultKind::Truncate => rebody(next.run(request).await, truncated).await,
    }
}

/// The response with its body read and replaced by `body(bytes)`, headers kept.
async fn rebody(response: Response, body: impl FnOnce(Bytes) -> Body) -> Response {
    let (parts, inner) = response.into_parts();
    match axum::body::to_bytes(inner, MAX_FAULT_BODY).await {
        Ok(bytes) => Response::from_parts(parts, body(bytes)),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// `bytes` in chunks of a tenth of the rate, one per [`SLOW_TICK`].
fn throttled(bytes: Bytes, bytes_per_s: u32) -> Body {
    let chunk = usize::try_from(bytes_per_s / 10)
        .unwrap_or(usize::MAX)
        .max(1);
    Body::from_stream(futures_util::stream::unfold(
        bytes,
        move |mut rest| async move {
            if rest.is_empty() {
                return None;
            }
            tokio::time::sleep(SLOW_TICK).await;
            let head = rest.split_to(chunk.min(rest.len()));
            Some((Ok::<_, std::io::Error>(head), rest))
        },
    ))
}

/// The first half of `bytes`, then, after a [`SLOW_TICK`] in which the server flushes it, an
/// error that makes the server drop the connection.
fn truncated(mut bytes: Bytes) -> Body {
    let half = bytes.split_to(bytes.len() / 2);
    let head = futures_util::stream::once(async { Ok::<_, std::io::Error>(half) });
    let abort = futures_util::stream::once(async {
        tokio::time::sleep(SLOW_TICK).await;
        Err(std::io::Error::other("injected fault: truncate"))
    });
    Body::from_stream(head.chain(abort))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse() {
        assert_eq!("404".parse(), Ok(FaultKind::NotFound));
        assert_eq!("500".parse(), Ok(FaultKind::ServerError));
        assert_eq!(
            "slow".parse(),
            Ok(FaultKind::Slow {
                bytes_per_s: DEFAULT_SLOW_BYTES_PER_S
            })
        );
        assert_eq!(
            "slow=2000".parse(),
            Ok(FaultKind::Slow { bytes_per_s: 2000 })
        );
        assert_eq!("truncate".parse(), Ok(FaultKind::Truncate));
        assert_eq!("reset".parse(), Ok(FaultKind::Reset));
        assert_eq!(
            "slow=0".parse::<FaultKind>(),
            Err(FaultError::BadRate("0".into()))
        );
        assert_eq!(
            "503".parse::<FaultKind>(),
            Err(FaultError::UnknownKind("503".into()))
        );
    }

    #[test]
    fn rules_parse() {
        assert_eq!(
            "segments:20%:500".parse(),
            Ok(FaultRule {
                target: FaultTarget::Segments,
                percent: 20,
                kind: FaultKind::ServerError
            })
        );
        let rule: FaultRule = "/media/vod/720p/:100%:slow=50000".parse().unwrap();
        assert_eq!(rule.target, FaultTarget::Prefix("/media/vod/720p/".into()));
        assert!(matches!(
            "segments:20:500".parse::<FaultRule>(),
            Err(FaultError::BadPercent(_))
        ));
        assert!(matches!(
            "segments:101%:500".parse::<FaultRule>(),
            Err(FaultError::BadPercent(_))
        ));
        assert!(matches!(
            "videos:1%:500".parse::<FaultRule>(),
            Err(FaultError::BadTarget(_))
        ));
        assert!(matches!(
            "segments".parse::<FaultRule>(),
            Err(FaultError::BadRule(_))
        ));
    }

    #[test]
    fn targets_match_by_extension_or_prefix() {
        assert!(FaultTarget::Segments.matches("/media/vod-ts/360p/seg_001.ts"));
        assert!(FaultTarget::Segments.matches("/media/vod/360p/seg_001.M4S"));
        assert!(!FaultTarget::Segments.matches("/media/vod/360p/index.m3u8"));
        assert!(FaultTarget::Init.matches("/media/vod/360p/init.mp4"));
        assert!(FaultTarget::Playlists.matches("/media/vod/master.m3u8"));
        assert!(FaultTarget::Keys.matches("/media/vod-aes/key.bin"));
        assert!(FaultTarget::Prefix("/media/vod/".into()).matches("/media/vod/x"));
        assert!(!FaultTarget::Prefix("/media/vod/".into()).matches("/media/vod-ts/x"));
    }

    #[test]
    fn draws_are_seeded_and_near_the_percentage() {
        let uri = |p: &str| p.parse::<Uri>().unwrap();
        let rules = vec!["segments:20%:500".parse().unwrap()];
        let run = |seed| {
            let faults = Faults::new(rules.clone(), seed);
            (0..1000)
                .map(|i| {
                    faults
                        .choose(&uri(&format!("/s/seg_{:03}.ts", i % 50)))
                        .unwrap()
                        .is_some()
                })
                .collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1), "same seed, same faults");
        assert_ne!(a, run(2), "another seed, other faults");
        let hits = a.iter().filter(|&&f| f).count();
        assert!((150..250).contains(&hits), "{hits} of 1000 at 20%");

        let faults = Faults::new(rules, 1);
        assert_eq!(faults.choose(&uri("/s/index.m3u8")), Ok(None));
        assert_eq!(
            faults.choose(&uri("/s/index.m3u8?a=1&fault=reset")),
            Ok(Some(FaultKind::Reset)),
            "the query wins over the rules"
        );
        assert_eq!(
            Faults::default().choose(&uri("/x?fault=nope")),
            Err(FaultError::UnknownKind("nope".into()))
        );
    }
}

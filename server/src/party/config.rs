//! Options of the watch-party rooms: limits, timings, the invite secret, test delays.

use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use clap::Args;
use player_core::party::RoomConfig;

/// `--party-*` command-line options.
#[derive(Debug, Clone, Args)]
pub struct PartyOptions {
    /// Secret signing room invite tokens; a random one per process when absent (tokens
    /// then die with the process).
    #[arg(long, env = "PARTY_SECRET", hide_env_values = true, global = true)]
    pub party_secret: Option<String>,
    /// Dev mode: `GET /api/party/invite?room=R[&guest=G]` mints invite tokens for anyone.
    #[arg(long, global = true)]
    pub party_dev: bool,
    /// Most members in one room.
    #[arg(long, default_value_t = 16, global = true)]
    pub party_capacity: usize,
    /// Most rooms open at once.
    #[arg(long, default_value_t = 10_000, global = true)]
    pub party_max_rooms: usize,
    /// Messages a member may send per second once its burst is spent.
    #[arg(long, default_value_t = 20.0, global = true)]
    pub party_message_rate: f64,
    /// Messages a member may send at once.
    #[arg(long, default_value_t = 40.0, global = true)]
    pub party_message_burst: f64,
    /// Seconds without any message before a member is closed.
    #[arg(long, default_value_t = 30.0, global = true)]
    pub party_idle_timeout_s: f64,
    /// Seconds a new connection has to send `join`.
    #[arg(long, default_value_t = 10.0, global = true)]
    pub party_join_timeout_s: f64,
    /// Test only: delay every party message, in and out, by a random `LO..HI` ms (or `N`).
    #[arg(long, value_name = "LO..HI", global = true)]
    pub party_delay_ms: Option<DelayRange>,
}

/// A random-delay range in ms, `LO..HI` or a fixed `N`.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayRange(pub RangeInclusive<f64>);

impl FromStr for DelayRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parse = |v: &str| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && (0.0..=60_000.0).contains(v))
                .ok_or_else(|| format!("{v:?} is not a delay in ms (0 to 60000)"))
        };
        let (lo, hi) = match s.split_once("..") {
            Some((lo, hi)) => (parse(lo)?, parse(hi)?),
            None => (parse(s)?, parse(s)?),
        };
        if lo > hi {
            return Err(format!("empty delay range {s:?}"));
        }
        Ok(DelayRange(lo..=hi))
    }
}

impl DelayRange {
    /// One random delay from the range.
    pub fn sample(&self) -> Duration {
        let (lo, hi) = (*self.0.start(), *self.0.end());
        Duration::from_secs_f64((lo + fastrand::f64() * (hi - lo)) / 1000.0)
    }
}

/// The resolved party configuration.
#[derive(Debug, Clone)]
pub struct PartyConfig {
    /// Secret of the invite tokens.
    pub secret: Vec<u8>,
    /// Mint invites over HTTP for anyone.
    pub dev: bool,
    /// Limits and timings of each room.
    pub room: RoomConfig,
    /// Most rooms at once.
    pub max_rooms: usize,
    /// Time a connection has to send `join`.
    pub join_timeout: Duration,
    /// Messages queued for one member before it counts as too slow and is dropped.
    pub outbox: usize,
    /// Largest WebSocket message read at all; bigger ones end the connection without a
    /// reason. Frames up to it but over the protocol's 4 KiB are closed with a reason.
    pub max_ws_message: usize,
    /// Test-only random delay per message.
    pub delay: Option<DelayRange>,
}

impl PartyConfig {
    /// The configuration the options describe.
    pub fn from_options(options: &PartyOptions) -> Self {
        let room = RoomConfig {
            capacity: options.party_capacity,
            messages_per_second: options.party_message_rate,
            message_burst: options.party_message_burst,
            idle_timeout_ms: options.party_idle_timeout_s * 1000.0,
            ..RoomConfig::default()
        };
        Self {
            secret: options
                .party_secret
                .as_ref()
                .map_or_else(random_secret, |s| s.as_bytes().to_vec()),
            dev: options.party_dev,
            room,
            join_timeout: Duration::from_secs_f64(options.party_join_timeout_s.clamp(0.1, 3600.0)),
            max_rooms: options.party_max_rooms,
            delay: options.party_delay_ms.clone(),
            ..Self::with_secret(Vec::new())
        }
    }

    /// Defaults with a given secret (tests).
    pub fn with_secret(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
            dev: false,
            room: RoomConfig::default(),
            max_rooms: 10_000,
            join_timeout: Duration::from_secs(10),
            outbox: 1024,
            max_ws_message: 64 * 1024,
            delay: None,
        }
    }
}

impl Default for PartyConfig {
    fn default() -> Self {
        Self::with_secret(random_secret())
    }
}

fn random_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 32];
    if let Err(e) = getrandom::fill(&mut secret) {
        // No OS randomness: fall back to a time-seeded secret rather than refusing to serve.
        tracing::warn!("no OS randomness for the party secret ({e}); using a weaker one");
        secret.iter_mut().for_each(|b| *b = fastrand::u8(..));
    }
    secret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_ranges_parse() {
        assert_eq!("0..100".parse(), Ok(DelayRange(0.0..=100.0)));
        assert_eq!("25".parse(), Ok(DelayRange(25.0..=25.0)));
        assert!("100..0".parse::<DelayRange>().is_err());
        assert!("x..1".parse::<DelayRange>().is_err());
        assert!("-1".parse::<DelayRange>().is_err());
        let d = DelayRange(10.0..=20.0).sample();
        assert!((0.010..=0.020).contains(&d.as_secs_f64()), "{d:?}");
    }
}

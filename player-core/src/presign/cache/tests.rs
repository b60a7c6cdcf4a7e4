//! Cache lookups, renewal times, clock skew and single flight, on a simulated clock.

use super::*;

/// 2026-11-21T09:00:00Z, Unix milliseconds.
const NINE: f64 = 1_795_251_600_000.0;

fn sigv4_url(ttl_s: u32) -> String {
    format!(
        "https://media.test/secure/vod/master.m3u8?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261121%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261121T090000Z&X-Amz-Expires={ttl_s}&X-Amz-SignedHeaders=host&X-Amz-Signature=00ff"
    )
}

fn key(content: &str, scope: &str) -> CacheKey {
    CacheKey {
        content_id: content.into(),
        quality: None,
        scope: scope.into(),
    }
}

fn issue(url: String, expires_in_s: Option<f64>, local_offset_ms: f64) -> Issue {
    Issue {
        url,
        expires_at_ms: expires_in_s.map(|s| NINE + s * 1000.0),
        server_time_ms: Some(NINE),
        local_time_ms: NINE + local_offset_ms,
        fetch_ms: 1_000.0,
    }
}

#[test]
fn expiry_follows_the_server_clock_whatever_the_local_one() {
    let mut cache = UrlCache::new(CacheConfig::default(), 7);
    let k = key("vod", "alice");
    assert_eq!(cache.lookup(5_000.0, &k), Lookup::Fetch);
    // The local clock is 10 minutes ahead of the server's.
    let stored = cache
        .store(5_000.0, &k, issue(sigv4_url(3600), Some(3600.0), 600_000.0))
        .unwrap();
    assert_eq!(stored.expires_at_ms, 5_000.0 + 3_600_000.0);
    assert_eq!(stored.skew_ms, -600_000.0);
    assert_eq!(stored.signing, Some(Signing::SigV4));
    assert_eq!(stored.ttl_ms, 3_600_000.0);
}

#[test]
fn without_expires_at_the_url_says_when() {
    let mut cache = UrlCache::new(CacheConfig::default(), 7);
    let k = key("vod", "alice");
    // Issued 5 s after the URL was signed, with a 20 s lifetime: 15 s left.
    let mut answer = issue(sigv4_url(20), None, 0.0);
    answer.server_time_ms = Some(NINE + 5_000.0);
    let stored = cache.store(0.0, &k, answer).unwrap();
    assert_eq!(stored.expires_at_ms, 15_000.0);
    assert_eq!(stored.ttl_ms, 20_000.0);
}

#[test]
fn renewal_is_max_30s_or_15_percent_plus_load_time_ahead_and_jittered() {
    let mut cache = UrlCache::new(CacheConfig::default(), 7);
    let long = cache
        .store(
            0.0,
            &key("a", "s"),
            issue(sigv4_url(3600), Some(3600.0), 0.0),
        )
        .unwrap();
    // 15 % of an hour (540 s) plus the 1 s load, advanced by at most 20 % jitter.
    let lead = 3_600_000.0 - long.refresh_at_ms;
    assert!((541_000.0..=541_000.0 * 1.2).contains(&lead), "{lead}");
    let two_minutes = cache
        .store(0.0, &key("b", "s"), issue(sigv4_url(120), Some(120.0), 0.0))
        .unwrap();
    let lead = 120_000.0 - two_minutes.refresh_at_ms;
    assert!((31_000.0..=31_000.0 * 1.2).contains(&lead), "{lead}");
    // Shorter than the margin: renewed in the second half of its life.
    let short = cache
        .store(0.0, &key("c", "s"), issue(sigv4_url(20), Some(20.0), 0.0))
        .unwrap();
    assert!(
        (8_000.0..=10_000.0).contains(&short.refresh_at_ms),
        "{}",
        short.refresh_at_ms
    );
}

#[test]
fn jitter_spreads_renewals_deterministically() {
    let times = |seed: u64| {
        let mut cache = UrlCache::new(CacheConfig::default(), seed);
        (0..8)
            .map(|i| {
                let k = key(&format!("t{i}"), "s");
                let u = cache.store(0.0, &k, issue(sigv4_url(3600), Some(3600.0), 0.0));
                u.unwrap().refresh_at_ms
            })
            .collect::<Vec<_>>()
    };
    let first = times(42);
    assert_eq!(first, times(42));
    let mut distinct = first.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert_eq!(distinct.len(), first.len());
}

#[test]
fn one_fetch_in_flight_per_key_and_renewal_when_due() {
    let mut cache = UrlCache::new(CacheConfig::default(), 7);
    let k = key("vod", "alice");
    assert_eq!(cache.lookup(0.0, &k), Lookup::Fetch);
    assert_eq!(cache.lookup(10.0, &k), Lookup::Wait);
    // Another scope is another URL.
    assert_eq!(cache.lookup(10.0, &key("vod", "bob")), Lookup::Fetch);
    let stored = cache
        .store(1_000.0, &k, issue(sigv4_url(120), Some(120.0), 0.0))
        .unwrap();
    assert_eq!(cache.lookup(2_000.0, &k), Lookup::Ready(stored.clone()));
    assert_eq!(cache.lookup(stored.refresh_at_ms, &k), Lookup::Fetch);
    assert_eq!(cache.lookup(stored.refresh_at_ms + 1.0, &k), Lookup::Wait);
    cache.fetch_failed(&k);
    assert_eq!(cache.lookup(stored.refresh_at_ms + 2.0, &k), Lookup::Fetch);
}

#[test]
fn invalidation_forces_a_new_fetch() {
    let mut cache = UrlCache::new(CacheConfig::default(), 7);
    let k = key("vod", "alice");
    cache.lookup(0.0, &k);
    cache
        .store(0.0, &k, issue(sigv4_url(3600), Some(3600.0), 0.0))
        .unwrap();
    cache.invalidate(&k);
    assert_eq!(cache.lookup(1.0, &k), Lookup::Fetch);
    cache
        .store(2.0, &k, issue(sigv4_url(3600), Some(3600.0), 0.0))
        .unwrap();
    cache.invalidate_content("vod");
    assert_eq!(cache.lookup(3.0, &k), Lookup::Fetch);
}

#[test]
fn unusable_answers_are_typed_errors() {
    let mut cache = UrlCache::new(CacheConfig::default(), 7);
    let k = key("vod", "alice");
    assert_eq!(
        cache.store(0.0, &k, issue(sigv4_url(20), Some(0.0), 0.0)),
        Err(PresignError::AlreadyExpired {
            expires_at_ms: NINE,
            server_time_ms: NINE
        })
    );
    assert_eq!(
        cache.store(0.0, &k, issue("https://a.test/x.m3u8".into(), None, 0.0)),
        Err(PresignError::NotSigned)
    );
    // An unsigned URL with an API expiry is fine.
    let u = cache
        .store(
            0.0,
            &k,
            issue("https://a.test/x.m3u8".into(), Some(60.0), 0.0),
        )
        .unwrap();
    assert_eq!((u.signing, u.expires_at_ms), (None, 60_000.0));
}

#[test]
fn the_cache_stays_bounded() {
    let mut cache = UrlCache::new(CacheConfig::default(), 7);
    for i in 0..200 {
        let k = key(&format!("t{i}"), "s");
        cache
            .store(
                0.0,
                &k,
                issue(sigv4_url(3600), Some(3600.0 + i as f64), 0.0),
            )
            .unwrap();
    }
    assert!(cache.slots.len() <= MAX_ENTRIES);
    // The latest expiring ones are kept.
    assert!(matches!(
        cache.lookup(0.0, &key("t199", "s")),
        Lookup::Ready(_)
    ));
}

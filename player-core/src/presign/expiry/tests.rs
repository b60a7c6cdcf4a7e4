//! Expiry parsing against URLs built as the AWS documentation describes them.

use super::*;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The SigV4 presigned URL of the S3 documentation's query-string authentication example.
const SIGV4: &str = "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

/// A SigV2 query-string authenticated URL as in the S3 documentation.
const SIGV2: &str = "https://awsexamplebucket1.s3.us-west-1.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620";

/// A CloudFront canned-policy URL.
const CANNED: &str = "https://d111111abcdef8.cloudfront.net/image.jpg?Expires=1357034400&Signature=nitfHRCrtziwO2HwPfWw~yYDhUF5EwRunQA-j19DzZrvDh6hQ73lDx~-ar3UocvvRQVw6EkC~GdpGQyyOSKQim-TxAnW7d8F5Kkai9HVx0FIu-5jcQb0UEmatEXAMPLE3ReXySpLSMj0yCd3ZAB4UcBCAqEijkytL6f3fOYQ_&Key-Pair-Id=K2JCJMDEHXQW5F";

/// CloudFront's URL-safe form of standard base64.
fn cloudfront_base64(bytes: &[u8]) -> String {
    STANDARD
        .encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            c => c,
        })
        .collect()
}

fn policy_url(policy_json: &str) -> String {
    format!(
        "https://d111111abcdef8.cloudfront.net/secure/vod/master.m3u8?Policy={}&Signature=abc~def-&Key-Pair-Id=K2JCJMDEHXQW5F",
        cloudfront_base64(policy_json.as_bytes())
    )
}

#[test]
fn sigv4_expires_at_its_date_plus_its_lifetime() {
    let e = parse_expiry(SIGV4, None).unwrap();
    assert_eq!(e.signing, Signing::SigV4);
    // 2013-05-24T00:00:00Z is 1369353600; plus one day.
    assert_eq!(e.signed_at_ms, Some(1_369_353_600_000.0));
    assert_eq!(e.expires_at_ms, 1_369_440_000_000.0);
}

#[test]
fn sigv4_dates_cross_leap_days_and_year_ends() {
    let at = |date: &str| {
        let url = format!("https://b.test/k?X-Amz-Date={date}&X-Amz-Expires=1");
        parse_expiry(&url, None).unwrap().signed_at_ms.unwrap() / 1000.0
    };
    assert_eq!(at("19700101T000000Z"), 0.0);
    assert_eq!(at("20000229T120000Z"), 951_825_600.0);
    assert_eq!(at("20261121T090000Z"), 1_795_251_600.0);
    assert_eq!(at("20241231T235959Z"), 1_735_689_599.0);
}

#[test]
fn sigv2_expires_is_epoch_seconds() {
    let e = parse_expiry(SIGV2, None).unwrap();
    assert_eq!(e.signing, Signing::SigV2);
    assert_eq!(e.expires_at_ms, 1_175_139_620_000.0);
    assert_eq!(e.signed_at_ms, None);
}

#[test]
fn cloudfront_canned_policy_uses_expires() {
    let e = parse_expiry(CANNED, None).unwrap();
    assert_eq!(e.signing, Signing::CloudFront);
    assert_eq!(e.expires_at_ms, 1_357_034_400_000.0);
}

#[test]
fn cloudfront_custom_policy_uses_date_less_than() {
    // The `>>>` and `???` make standard base64 emit `+` and `/`, so the URL-safe mapping of
    // all three characters is exercised.
    let json = r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/secure/vod/*?a=>>>&b=???","Condition":{"DateLessThan":{"AWS:EpochTime":1767225600}}}]}"#;
    let url = policy_url(json);
    let policy = url
        .split("Policy=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(policy.contains('-') && policy.contains('~') && policy.contains('_'));
    let e = parse_expiry(&url, None).unwrap();
    assert_eq!(e.signing, Signing::CloudFront);
    assert_eq!(e.expires_at_ms, 1_767_225_600_000.0);
}

#[test]
fn cloudfront_policy_with_spaces_and_two_statements_takes_the_earliest() {
    let json = r#"{ "Statement": [ { "Resource": "a", "Condition": { "DateLessThan": { "AWS:EpochTime" : 2000000000 } } },
        { "Resource": "b", "Condition": { "DateGreaterThan": { "AWS:EpochTime": 1 }, "DateLessThan": { "AWS:EpochTime": 1900000000 } } } ] }"#;
    let e = parse_expiry(&policy_url(json), None).unwrap();
    assert_eq!(e.expires_at_ms, 1_900_000_000_000.0);
}

#[test]
fn custom_parameter_wins_when_configured() {
    let url = "https://cdn.test/v/master.m3u8?token=abc&exp=1800000000&Expires=1";
    let e = parse_expiry(url, Some("exp")).unwrap();
    assert_eq!(e.signing, Signing::Custom);
    assert_eq!(e.expires_at_ms, 1_800_000_000_000.0);
    // Not configured: the generic parameter is read.
    assert_eq!(parse_expiry(url, None).unwrap().signing, Signing::SigV2);
    // Configured but absent: the usual parameters are read.
    assert_eq!(
        parse_expiry(SIGV4, Some("exp")).unwrap().signing,
        Signing::SigV4
    );
}

#[test]
fn unsigned_and_malformed_urls_give_typed_errors() {
    assert_eq!(
        parse_expiry("https://cdn.test/a.m3u8?x=1", None),
        Err(PresignError::NotSigned)
    );
    assert!(matches!(
        parse_expiry("not a url", None),
        Err(PresignError::InvalidUrl { .. })
    ));
    let bad = |url: &str| match parse_expiry(url, None) {
        Err(PresignError::BadParam { param, .. }) => param,
        other => panic!("{url}: {other:?}"),
    };
    assert_eq!(
        bad("https://b.test/k?X-Amz-Date=20130524T000000Z"),
        "X-Amz-Expires"
    );
    assert_eq!(
        bad("https://b.test/k?X-Amz-Date=20130524T000000Z&X-Amz-Expires=604801"),
        "X-Amz-Expires"
    );
    assert_eq!(
        bad("https://b.test/k?X-Amz-Date=20130230T000000Z&X-Amz-Expires=5"),
        "X-Amz-Date"
    );
    assert_eq!(
        bad("https://b.test/k?X-Amz-Date=2013052%C3%A9000000Z&X-Amz-Expires=5"),
        "X-Amz-Date"
    );
    assert_eq!(
        bad("https://b.test/k?X-Amz-Date=+0130524T000000Z&X-Amz-Expires=5"),
        "X-Amz-Date"
    );
    assert_eq!(bad("https://b.test/k?Expires=-5"), "Expires");
    assert_eq!(
        bad("https://b.test/k?Expires=99999999999999999999999"),
        "Expires"
    );
    assert!(matches!(
        parse_expiry("https://b.test/k?Policy=%%%&Key-Pair-Id=K", None),
        Err(PresignError::BadPolicy(_))
    ));
    let no_date = policy_url(r#"{"Statement":[{"Resource":"a"}]}"#);
    assert_eq!(
        parse_expiry(&no_date, None),
        Err(PresignError::BadPolicy("has no DateLessThan AWS:EpochTime"))
    );
    let long = format!("https://b.test/{}", "a".repeat(MAX_URL_BYTES));
    assert!(matches!(
        parse_expiry(&long, None),
        Err(PresignError::TooLong { .. })
    ));
}

#[test]
fn hostile_urls_never_panic() {
    let pieces = [
        "X-Amz-Date=",
        "X-Amz-Expires=",
        "Policy=",
        "Expires=",
        "Key-Pair-Id=",
        "%",
        "%FF",
        "é",
        "&",
        "=",
        "9999",
        "T",
        "Z",
        "eyJ",
        "~",
        "_",
        "-",
        "\u{0}",
        "DateLessThan",
    ];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..2000 {
        let mut url = String::from("https://h.test/p?");
        for _ in 0..8 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            url += pieces[(state % pieces.len() as u64) as usize];
        }
        let _ = parse_expiry(&url, Some("Z"));
    }
    for json in [
        r#"{"DateLessThan":{"AWS:EpochTime":}}"#,
        r#"{"DateLessThan":{"AWS:EpochTime""#,
        r#"{"DateLessThan""#,
        r#"{"DateLessThan":{"AWS:EpochTime":99999999999999999999}}"#,
    ] {
        assert!(matches!(
            parse_expiry(&policy_url(json), None),
            Err(PresignError::BadPolicy(_))
        ));
    }
}

#[test]
fn policy_base64_decodes_as_the_base64_crate_does() {
    let alphabet = b"ABCXYZabcxyz0189+/-~_= ";
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut decoded = 0;
    for _ in 0..50_000 {
        let len = (next() % 13) as usize;
        let mut text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
            .collect();
        // Mostly well-formed texts, so the padding and trailing-bit rules get exercised.
        if next() % 2 == 0 {
            let bytes: Vec<u8> = (0..next() % 10).map(|_| next() as u8).collect();
            text = cloudfront_base64(&bytes);
            if next() % 3 == 0 && !text.is_empty() {
                let at = (next() % text.len() as u64) as usize;
                let c = alphabet[(next() % alphabet.len() as u64) as usize] as char;
                text.replace_range(at..=at, &c.to_string());
            }
        }
        let standard: String = text
            .chars()
            .map(|c| match c {
                '-' | ' ' => '+',
                '_' => '=',
                '~' => '/',
                c => c,
            })
            .collect();
        let expected = STANDARD.decode(standard).ok();
        decoded += usize::from(expected.is_some());
        // `super::`: this file's `cloudfront_base64` is the encoder.
        assert_eq!(super::cloudfront_base64(&text), expected, "{text:?}");
    }
    assert!(decoded > 10_000, "{decoded}");
}

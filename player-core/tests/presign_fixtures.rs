//! Expiry parsing of URLs made by other systems: boto3 `generate_presigned_url` (s3v4 and s3
//! signatures) and botocore's `CloudFrontSigner` (canned and custom policies), saved as JSON
//! fixtures `{kind, url, expires_at}` by `scripts/fixtures/make-presign-fixtures.py` in
//! `server/tests/fixtures/presign/` (`FLODRAMA_PRESIGN_FIXTURES` points elsewhere).

use player_core::presign::{Signing, parse_expiry};
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    std::env::var_os("FLODRAMA_PRESIGN_FIXTURES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../server/tests/fixtures/presign"),
        PathBuf::from,
    )
}

#[test]
fn expiry_of_every_fixture_url_matches_its_generator() {
    let dir = fixtures_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (the server's presign fixtures)", dir.display()));
    let mut kinds = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
        let name = path.display();
        let url = fixture["url"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no url"));
        let kind = fixture["kind"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no kind"));
        let expires_at = fixture["expires_at"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: no expires_at"));
        let expiry = parse_expiry(url, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = match kind {
            "sigv4" => Signing::SigV4,
            "sigv2" => Signing::SigV2,
            "cloudfront" => Signing::CloudFront,
            other => panic!("{name}: unknown kind {other}"),
        };
        assert_eq!(expiry.signing, expected, "{name}");
        assert_eq!(expiry.expires_at_ms, expires_at as f64 * 1000.0, "{name}");
        kinds.push(kind.to_owned());
    }
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        ["cloudfront", "sigv2", "sigv4"],
        "fixtures in {}",
        dir.display()
    );
}

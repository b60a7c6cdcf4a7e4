//! Command line and environment configuration.
//!
//! Paths given on the command line are relative to the working directory; `--root` locates the
//! built front-ends (`demo/dist`, `www/dist`, `sdk/pkg`) inside the repository.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand};

use crate::faults::FaultRule;
use crate::party::config::{PartyConfig, PartyOptions};
use crate::signing::config::{PresignConfig, PresignOptions};

/// `flodrama-server [serve|prepare-media] [OPTIONS]`.
#[derive(Debug, Parser)]
#[command(name = "flodrama-server", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options shared by every command.
    #[command(flatten)]
    pub options: Options,
}

/// The sub-commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Prepare the test media if needed, then serve HTTP until SIGINT or SIGTERM.
    Serve,
    /// Generate the test media under `<data-dir>/media` (skipped when up to date), then exit.
    PrepareMedia,
}

/// Options accepted before or after the sub-command.
#[derive(Debug, Clone, Args)]
pub struct Options {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1", global = true)]
    pub host: String,
    /// Port to listen on; 0 picks a free port (read it from the `listening on` line).
    #[arg(long, env = "PORT", default_value_t = 8080, global = true)]
    pub port: u16,
    /// Folder for generated media and server state.
    #[arg(long, env = "DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// Repository root, where `demo/dist`, `www/dist` and `sdk/pkg` are looked for.
    #[arg(long, default_value = ".", global = true)]
    pub root: PathBuf,
    /// Extra static folder as `PREFIX=DIR`, e.g. `/test-pages=tests/pages` (repeatable).
    #[arg(long = "mount", value_name = "PREFIX=DIR", global = true)]
    pub mounts: Vec<Mount>,
    /// Origin allowed by CORS (repeatable); any origin when none is given.
    #[arg(long = "cors-origin", value_name = "ORIGIN", value_parser = parse_origin, global = true)]
    pub cors_origins: Vec<HeaderValue>,
    /// Do not generate missing test media when serving.
    #[arg(long, global = true)]
    pub no_prepare: bool,
    /// Watch-party options.
    #[command(flatten)]
    pub party: PartyOptions,
    /// Signed-URL options.
    #[command(flatten)]
    pub presign: PresignOptions,
    /// Dev mode: `POST /api/dev/token {sub}` mints sign-in tokens for anyone, and the JWT
    /// secret defaults to the public dev secret. Never on a server holding real users' data.
    #[arg(long, global = true)]
    pub dev: bool,
    /// HS256 secret of the sign-in JWTs; random per process when absent (outside `--dev`).
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// JWKS file: sign-in JWTs are RS256, checked against its keys (instead of HS256).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "jwt_secret",
        global = true
    )]
    pub jwt_jwks: Option<PathBuf>,
    /// Required `aud` of sign-in JWTs; not checked when absent.
    #[arg(long, env = "JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// Required `iss` of sign-in JWTs; not checked when absent.
    #[arg(long, env = "JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// SQLite database of resume positions and viewing sessions; `<data-dir>/flodrama.sqlite3`
    /// when absent.
    #[arg(long, value_name = "FILE", env = "DATABASE", global = true)]
    pub db: Option<PathBuf>,
    /// Viewing sessions older than this many days are purged (checked hourly).
    #[arg(long, default_value_t = 90.0, global = true)]
    pub session_retention_days: f64,
    /// Fault rule `TARGET:PERCENT%:KIND`, e.g. `segments:20%:500` (repeatable; see `faults`).
    #[arg(long = "fault", value_name = "RULE", global = true)]
    pub faults: Vec<FaultRule>,
    /// Seed of the fault rules' draws.
    #[arg(long, default_value_t = 0, global = true)]
    pub fault_seed: u64,
    /// Publish live stream KEY at `/live/KEY/index.m3u8` while serving (repeatable).
    #[arg(long = "live", value_name = "KEY", global = true)]
    pub live: Vec<String>,
}

impl Cli {
    /// The sub-command, `serve` when none was given.
    pub fn command(&self) -> Command {
        self.command.unwrap_or(Command::Serve)
    }
}

/// A static folder served under a URL prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// URL prefix without a trailing slash (`""` for the site root).
    pub prefix: String,
    /// Folder whose files are served.
    pub dir: PathBuf,
}

/// Why a `--mount` argument was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MountError {
    /// No `=` between prefix and folder.
    #[error("expected PREFIX=DIR, got {0:?}")]
    MissingEquals(String),
    /// The prefix does not start with `/`.
    #[error("mount prefix {0:?} must start with '/'")]
    NotAbsolute(String),
    /// The prefix has characters the router treats specially, or dot segments.
    #[error(
        "mount prefix {0:?} may only hold letters, digits and '/-_.~' without '.' or '..' segments"
    )]
    BadPrefix(String),
    /// The folder is empty.
    #[error("mount folder for {0:?} is empty")]
    EmptyDir(String),
}

impl FromStr for Mount {
    type Err = MountError;

    fn from_str(arg: &str) -> Result<Self, Self::Err> {
        let (prefix, dir) = arg
            .split_once('=')
            .ok_or_else(|| MountError::MissingEquals(arg.to_owned()))?;
        Ok(Mount {
            prefix: normalize_prefix(prefix)?,
            dir: if dir.is_empty() {
                return Err(MountError::EmptyDir(prefix.to_owned()));
            } else {
                PathBuf::from(dir)
            },
        })
    }
}

/// Parses an origin such as `https://example.com` for `--cors-origin`.
fn parse_origin(origin: &str) -> Result<HeaderValue, String> {
    let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
        && !origin.trim_end_matches('/').ends_with(':');
    if !valid {
        return Err(format!("{origin:?} is not an http(s) origin"));
    }
    HeaderValue::from_str(origin.trim_end_matches('/')).map_err(|e| format!("{origin:?}: {e}"))
}

/// Checks a URL prefix and strips its trailing slashes (`/` becomes `""`).
pub fn normalize_prefix(prefix: &str) -> Result<String, MountError> {
    if !prefix.starts_with('/') {
        return Err(MountError::NotAbsolute(prefix.to_owned()));
    }
    let trimmed = prefix.trim_end_matches('/');
    let chars_ok = trimmed
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    let segments_ok = trimmed
        .split('/')
        .skip(1)
        .all(|s| !s.is_empty() && s != "." && s != "..");
    if !chars_ok || !segments_ok {
        return Err(MountError::BadPrefix(prefix.to_owned()));
    }
    Ok(trimmed.to_owned())
}

/// The resolved configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Host name or address to bind.
    pub host: String,
    /// Port to bind; 0 for any free port.
    pub port: u16,
    /// Folder for generated media and state.
    pub data_dir: PathBuf,
    /// Static folders by URL prefix; later entries win over earlier ones with the same prefix.
    pub mounts: Vec<Mount>,
    /// Allowed CORS origins; empty means any origin.
    pub cors_origins: Vec<HeaderValue>,
    /// Generate missing media when serving.
    pub prepare_media: bool,
    /// Watch-party rooms.
    pub party: PartyConfig,
    /// Dev mode (the dev token endpoint).
    pub dev: bool,
    /// How sign-in JWTs are verified.
    pub jwt: JwtKeySource,
    /// Required `aud` of sign-in JWTs.
    pub jwt_audience: Option<String>,
    /// Required `iss` of sign-in JWTs.
    pub jwt_issuer: Option<String>,
    /// SQLite database file; in memory when `None`.
    pub db: Option<PathBuf>,
    /// Age after which viewing sessions are purged.
    pub session_retention: Duration,
    /// Fault injection rules.
    pub faults: Vec<FaultRule>,
    /// Seed of the fault rules' draws.
    pub fault_seed: u64,
    /// Keys of the live streams to publish.
    pub live: Vec<String>,
    /// Signed URLs: the stream-URL API and the `/secure/` origin.
    pub presign: PresignConfig,
}

/// Where the JWT verification keys come from.
#[derive(Clone, PartialEq, Eq)]
pub enum JwtKeySource {
    /// HS256 with this secret.
    Secret(Vec<u8>),
    /// RS256 with the keys of this JWKS file.
    Jwks(PathBuf),
}

impl std::fmt::Debug for JwtKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwtKeySource::Secret(_) => f.write_str("Secret(..)"),
            JwtKeySource::Jwks(path) => f.debug_tuple("Jwks").field(path).finish(),
        }
    }
}

impl JwtKeySource {
    fn from_options(options: &Options) -> Self {
        match (&options.jwt_jwks, &options.jwt_secret) {
            (Some(path), _) => JwtKeySource::Jwks(path.clone()),
            (None, Some(secret)) => JwtKeySource::Secret(secret.as_bytes().to_vec()),
            (None, None) if options.dev => JwtKeySource::Secret(crate::auth::DEV_SECRET.to_vec()),
            (None, None) => JwtKeySource::Secret(random_secret()),
        }
    }
}

/// 32 random bytes (all zero only if the system has no randomness, which `getrandom` reports).
fn random_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 32];
    if let Err(e) = getrandom::fill(&mut secret) {
        tracing::error!("no system randomness for the JWT secret: {e}");
    }
    secret
}

impl Config {
    /// Builds the configuration from parsed options: the built-in static folders first, then
    /// the `--mount` ones, which may replace a built-in prefix.
    pub fn from_options(options: &Options) -> Config {
        let root = &options.root;
        let data_dir = options.data_dir.clone();
        let mut mounts = vec![
            mount("", root.join("demo/dist")),
            mount("/www", root.join("www/dist")),
            mount("/sdk", root.join("sdk/pkg")),
            mount("/media", media_dir(&data_dir)),
            mount("/live", crate::live::live_dir(&data_dir)),
        ];
        mounts.extend(options.mounts.iter().cloned());
        Config {
            host: options.host.clone(),
            port: options.port,
            data_dir,
            mounts,
            cors_origins: options.cors_origins.clone(),
            prepare_media: !options.no_prepare,
            party: PartyConfig::from_options(&options.party),
            dev: options.dev,
            jwt: JwtKeySource::from_options(options),
            jwt_audience: options.jwt_audience.clone(),
            jwt_issuer: options.jwt_issuer.clone(),
            db: Some(
                options
                    .db
                    .clone()
                    .unwrap_or_else(|| options.data_dir.join("flodrama.sqlite3")),
            ),
            session_retention: Duration::from_secs_f64(
                (options.session_retention_days.max(0.0) * 86_400.0).min(1e11),
            ),
            faults: options.faults.clone(),
            fault_seed: options.fault_seed,
            live: options.live.clone(),
            presign: PresignConfig::from_options(&options.presign, options.dev),
        }
    }

    /// A configuration for tests: loopback, any port, the given mounts only.
    pub fn for_mounts(data_dir: &Path, mounts: Vec<Mount>) -> Config {
        Config {
            host: "127.0.0.1".to_owned(),
            port: 0,
            data_dir: data_dir.to_owned(),
            mounts,
            cors_origins: Vec::new(),
            prepare_media: false,
            party: PartyConfig::default(),
            dev: false,
            jwt: JwtKeySource::Secret(crate::auth::DEV_SECRET.to_vec()),
            jwt_audience: None,
            jwt_issuer: None,
            db: None,
            session_retention: Duration::from_secs(90 * 86_400),
            faults: Vec::new(),
            fault_seed: 0,
            live: Vec::new(),
            presign: PresignConfig::dev(),
        }
    }

    /// `<data-dir>/media`, served under `/media/`.
    pub fn media_dir(&self) -> PathBuf {
        media_dir(&self.data_dir)
    }

    /// The address to bind, resolving host names.
    pub async fn resolve_addr(&self) -> std::io::Result<SocketAddr> {
        tokio::net::lookup_host((self.host.as_str(), self.port))
            .await?
            .next()
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("host {:?} resolves to no address", self.host),
                )
            })
    }
}

fn mount(prefix: &str, dir: PathBuf) -> Mount {
    Mount {
        prefix: prefix.to_owned(),
        dir,
    }
}

fn media_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_parses_prefix_and_dir() {
        let m: Mount = "/test-pages/=tests/pages".parse().unwrap();
        assert_eq!(m.prefix, "/test-pages");
        assert_eq!(m.dir, PathBuf::from("tests/pages"));
        let root: Mount = "/=site".parse().unwrap();
        assert_eq!(root.prefix, "");
    }

    #[test]
    fn mount_refuses_bad_prefixes() {
        assert_eq!(
            "x".parse::<Mount>(),
            Err(MountError::MissingEquals("x".into()))
        );
        assert_eq!(
            "pages=d".parse::<Mount>(),
            Err(MountError::NotAbsolute("pages".into()))
        );
        for bad in ["/a/../b=d", "/{x}=d", "/a//b=d", "/*rest=d"] {
            assert!(
                matches!(bad.parse::<Mount>(), Err(MountError::BadPrefix(_))),
                "{bad}"
            );
        }
        assert_eq!(
            "/p=".parse::<Mount>(),
            Err(MountError::EmptyDir("/p".into()))
        );
    }

    #[test]
    fn cli_defaults_and_global_options() {
        let cli = Cli::try_parse_from(["flodrama-server"]).unwrap();
        assert_eq!(cli.command(), Command::Serve);
        let cli = Cli::try_parse_from([
            "flodrama-server",
            "prepare-media",
            "--data-dir",
            "/tmp/x",
            "--mount",
            "/a=b",
            "--mount",
            "/media=m",
        ])
        .unwrap();
        assert_eq!(cli.command(), Command::PrepareMedia);
        let config = Config::from_options(&cli.options);
        assert_eq!(config.media_dir(), PathBuf::from("/tmp/x/media"));
        let prefixes: Vec<_> = config.mounts.iter().map(|m| m.prefix.as_str()).collect();
        assert_eq!(
            prefixes,
            ["", "/www", "/sdk", "/media", "/live", "/a", "/media"]
        );
    }

    #[test]
    fn party_options_reach_the_room_config() {
        let cli = Cli::try_parse_from([
            "flodrama-server",
            "--party-capacity",
            "100",
            "--party-secret",
            "s3cret",
            "--party-delay-ms",
            "0..100",
            "--party-dev",
        ])
        .unwrap();
        let party = Config::from_options(&cli.options).party;
        assert_eq!(party.room.capacity, 100);
        assert_eq!(party.secret, b"s3cret");
        assert!(party.dev);
        assert_eq!(party.delay.map(|d| d.0), Some(0.0..=100.0));
        let default = Config::from_options(&Cli::try_parse_from(["x"]).unwrap().options).party;
        assert_eq!(default.room.capacity, 16);
        assert_eq!(default.secret.len(), 32);
        assert!(!default.dev && default.delay.is_none());
    }

    #[test]
    fn auth_and_storage_options() {
        let parse =
            |args: &[&str]| Cli::try_parse_from(args).map(|c| Config::from_options(&c.options));
        let default = parse(&["x", "--data-dir", "/d"]).unwrap();
        assert!(!default.dev);
        assert_eq!(default.db, Some(PathBuf::from("/d/flodrama.sqlite3")));
        assert!(matches!(&default.jwt, JwtKeySource::Secret(s) if s.len() == 32));
        assert_eq!(default.session_retention, Duration::from_secs(90 * 86_400));
        let dev = parse(&[
            "x",
            "--dev",
            "--db",
            "/tmp/a.db",
            "--session-retention-days",
            "1",
        ])
        .unwrap();
        assert!(dev.dev);
        assert_eq!(
            dev.jwt,
            JwtKeySource::Secret(crate::auth::DEV_SECRET.to_vec())
        );
        assert_eq!(dev.db, Some(PathBuf::from("/tmp/a.db")));
        assert_eq!(dev.session_retention, Duration::from_secs(86_400));
        let jwks = parse(&["x", "--dev", "--jwt-jwks", "k.json"]).unwrap();
        assert_eq!(jwks.jwt, JwtKeySource::Jwks(PathBuf::from("k.json")));
        assert!(parse(&["x", "--jwt-jwks", "k.json", "--jwt-secret", "s"]).is_err());
    }

    #[test]
    fn signed_url_options() {
        use crate::signing::SigningMode;
        use crate::signing::config::{CloudFrontKeySource, DEFAULT_TTL_S, DEV_SECRET_KEY};
        let parse =
            |args: &[&str]| Cli::try_parse_from(args).map(|c| Config::from_options(&c.options));
        let default = parse(&["x"]).unwrap().presign;
        assert_eq!(default.mode, SigningMode::Sigv4);
        assert_eq!(default.ttl_s, DEFAULT_TTL_S);
        assert_eq!(default.geo_header.as_str(), "cloudfront-viewer-country");
        assert!(default.allowed_origins.is_empty());
        assert_ne!(default.credentials.secret_key, DEV_SECRET_KEY);
        assert_eq!(default.cloudfront, CloudFrontKeySource::Missing);
        let dev = parse(&["x", "--dev"]).unwrap().presign;
        assert_eq!(dev.credentials.secret_key, DEV_SECRET_KEY);
        assert_eq!(dev.cloudfront, CloudFrontKeySource::Dev);
        assert!(
            dev.allowed_origins
                .iter()
                .any(|o| o.matches("http://127.0.0.1:5173"))
        );
        let full = parse(&[
            "x",
            "--signing",
            "cloudfront",
            "--token-expiration",
            "20",
            "--allowed-origin",
            "https://a.example",
            "--allowed-origin",
            "http://b.example:*",
            "--geo-header",
            "X-Country",
            "--geo-block",
            "vod=FR,DE",
            "--cloudfront-key-pair-id",
            "KID",
            "--cloudfront-private-key",
            "k.pem",
            "--s3-endpoint",
            "http://127.0.0.1:9000",
            "--s3-bucket",
            "media",
            "--s3-access-key",
            "AK",
            "--s3-secret-key",
            "SK",
            "--s3-region",
            "eu-west-3",
        ])
        .unwrap()
        .presign;
        assert_eq!(full.mode, SigningMode::Cloudfront);
        assert_eq!(full.ttl_s, 20);
        assert!(full.allowed_origins[1].matches("http://b.example:8080"));
        assert_eq!(full.geo_header.as_str(), "x-country");
        assert_eq!(
            full.blocked_countries("vod").collect::<Vec<_>>(),
            ["FR", "DE"]
        );
        assert_eq!(
            full.cloudfront,
            CloudFrontKeySource::File {
                key_pair_id: "KID".into(),
                path: PathBuf::from("k.pem")
            }
        );
        let s3 = full.s3.unwrap();
        assert_eq!(
            (s3.endpoint.as_str(), s3.bucket.as_str()),
            ("http://127.0.0.1:9000/", "media")
        );
        assert_eq!(full.credentials.access_key, "AK");
        assert_eq!(full.credentials.secret_key, "SK");
        assert_eq!(full.credentials.region, "eu-west-3");
        for bad in [
            &["x", "--token-expiration", "604801"][..],
            &["x", "--token-expiration", "0"],
            &["x", "--signing", "hmac"],
            &["x", "--s3-endpoint", "http://h"],
            &["x", "--geo-block", "vod"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}

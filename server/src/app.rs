//! The HTTP router: routes, static mounts, CORS, security headers and request logging.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header::{
    ACCEPT_RANGES, AUTHORIZATION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE,
};
use axum::http::{HeaderName, Method};
use axum::middleware;
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::access_log;
use crate::auth::{AuthError, JwtAuth};
use crate::config::{Config, JwtKeySource};
use crate::faults::{self, Faults};
use crate::party::{self, Party};
use crate::security_headers;
use crate::signing::signer::{Signer, SignerError};
use crate::static_files;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};
use crate::{api, auth, metrics, origin};

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The configuration the server was started with.
    pub config: Arc<Config>,
    /// Watch-party rooms.
    pub party: Arc<Party>,
    /// Sign-in token verification.
    pub jwt: Arc<JwtAuth>,
    /// Per-user rows: resume positions, viewing sessions.
    pub store: Arc<dyn Store>,
    /// The Prometheus recorder behind `/metrics`.
    pub metrics: PrometheusHandle,
    /// Signed-URL keys and the S3 media store.
    pub signer: Arc<Signer>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("party", &self.party)
            .field("jwt", &self.jwt)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// Why the server state could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The JWT keys could not be loaded.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The database could not be opened or migrated.
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    /// The signed-URL keys could not be loaded.
    #[error(transparent)]
    Signer(#[from] SignerError),
}

impl AppState {
    /// State for `config`: loads the JWT keys and opens (and migrates) the database.
    pub fn open(config: Config) -> Result<AppState, StateError> {
        let jwt = match &config.jwt {
            JwtKeySource::Secret(secret) => JwtAuth::hs256(secret),
            JwtKeySource::Jwks(path) => JwtAuth::rs256_jwks_file(path)?,
        };
        let jwt = Arc::new(jwt.with_claims(config.jwt_audience.clone(), config.jwt_issuer.clone()));
        let store: Arc<dyn Store> = Arc::new(match &config.db {
            Some(path) => SqliteStore::open(path)?,
            None => SqliteStore::in_memory()?,
        });
        let signer = Arc::new(Signer::new(config.presign.clone(), config.dev)?);
        let mut party = Party::new(config.party.clone());
        party.auth = party.auth.with_jwt(jwt.clone());
        Ok(AppState {
            party: Arc::new(party),
            config: Arc::new(config),
            jwt,
            store,
            metrics: metrics::handle(),
            signer,
        })
    }

    /// [`AppState::open`] for tests and tools.
    ///
    /// # Panics
    /// When the JWKS file or the database cannot be opened; servers call [`AppState::open`].
    pub fn new(config: Config) -> AppState {
        AppState::open(config).unwrap_or_else(|e| panic!("server state: {e}"))
    }
}

/// Builds the whole application; serve it with `axum::serve` or call it with `tower::Service`.
pub fn router(state: AppState) -> Router {
    let cors = cors_layer(&state.config);
    let faults = Arc::new(Faults::new(
        state.config.faults.clone(),
        state.config.fault_seed,
    ));
    let router = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics::render))
        .merge(party::routes(state.config.party.dev))
        .merge(api::routes())
        .merge(origin::routes());
    let router = if state.config.dev {
        router.route("/api/dev/token", post(auth::dev_token))
    } else {
        router
    };
    static_files::mount_all(router, &state.config.mounts)
        .route_layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn_with_state(faults, faults::inject))
        .layer(cors)
        .layer(middleware::from_fn(security_headers::add))
        .layer(middleware::from_fn(access_log::log_request))
        .with_state(state)
}

/// Request headers a player sends cross-origin.
const ALLOWED_HEADERS: [HeaderName; 3] = [RANGE, AUTHORIZATION, CONTENT_TYPE];
/// Response headers a player must be able to read cross-origin.
const EXPOSED_HEADERS: [HeaderName; 3] = [CONTENT_LENGTH, CONTENT_RANGE, ACCEPT_RANGES];

fn cors_layer(config: &Config) -> CorsLayer {
    let origins = if config.cors_origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(config.cors_origins.iter().cloned())
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers(ALLOWED_HEADERS)
        .expose_headers(EXPOSED_HEADERS)
        .max_age(Duration::from_secs(600))
}

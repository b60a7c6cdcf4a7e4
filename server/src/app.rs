//! The HTTP router: routes, static mounts, CORS, security headers and request logging.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header::{
    ACCEPT_RANGES, AUTHORIZATION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE,
};
use axum::http::{HeaderName, Method};
use axum::middleware;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::access_log;
use crate::config::Config;
use crate::faults::{self, Faults};
use crate::party::{self, Party};
use crate::security_headers;
use crate::static_files;

/// State shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The configuration the server was started with.
    pub config: Arc<Config>,
    /// Watch-party rooms.
    pub party: Arc<Party>,
}

impl AppState {
    /// State for `config`.
    pub fn new(config: Config) -> AppState {
        AppState {
            party: Arc::new(Party::new(config.party.clone())),
            config: Arc::new(config),
        }
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
        .merge(party::routes(state.config.party.dev));
    static_files::mount_all(router, &state.config.mounts)
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

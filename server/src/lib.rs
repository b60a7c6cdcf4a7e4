//! Reference backend of FloDrama Player: a static and media origin, the watch-party rooms
//! ([`party`]), JWT sign-in ([`auth`]), the signed-in JSON API for resume positions and viewing
//! sessions ([`api`]) over an embedded SQLite [`store`], and Prometheus [`metrics`].

pub mod access_log;
pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod faults;
pub mod live;
pub mod media;
pub mod metrics;
pub mod origin;
pub mod party;
pub mod s3;
pub mod security_headers;
pub mod serve;
pub mod signing;
pub mod static_files;
pub mod store;

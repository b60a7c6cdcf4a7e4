//! Reference backend of FloDrama Player: a static and media origin and the watch-party rooms
//! ([`party`]); the presigned-URL API, auth, resume/sessions and fault injection join it later.

pub mod access_log;
pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod faults;
pub mod live;
pub mod media;
pub mod metrics;
pub mod party;
pub mod serve;
pub mod static_files;
pub mod store;

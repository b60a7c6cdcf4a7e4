//! Reference backend of FloDrama Player: a static and media origin and the watch-party rooms
//! ([`party`]); the presigned-URL API, auth, resume/sessions and fault injection join it later.

pub mod access_log;
pub mod app;
pub mod config;
pub mod faults;
pub mod live;
pub mod media;
pub mod party;
pub mod security_headers;
pub mod serve;
pub mod static_files;

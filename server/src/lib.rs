//! Reference backend of FloDrama Player: a static and media origin today; the presigned-URL
//! API, auth, resume/sessions, watch-party rooms and fault injection join it later.

pub mod access_log;
pub mod app;
pub mod config;
pub mod faults;
pub mod live;
pub mod media;
pub mod serve;
pub mod static_files;

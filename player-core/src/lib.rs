//! Sans-IO core of FloDrama Player.
//!
//! Nothing in this crate performs IO or reads a clock: callers pass time in (`now_ms`, a
//! monotonic millisecond clock such as `performance.now()`) and carry out the commands the
//! state machines return. See `docs/ARCHITECTURE.md`.

pub mod abr;
pub mod engine;
pub mod hls;
pub mod json;
pub mod mux;
pub mod num;
pub mod party;
pub mod presign;
pub mod resume;
pub mod rng;
mod search;
mod utf8;

//! FloDrama Player for the browser: carries out the commands of `player-core` with Media
//! Source Extensions, fetch and timers, and exposes a typed JS API.

mod config;
mod events;
mod inspect;
mod js;
mod mse;
mod party;
mod player;
mod proxy;
mod resume;
mod stats;
mod text_tracks;
mod transmux;

pub use inspect::inspect_playlist;
pub use party::PartyMember;
pub use player::Player;
pub use proxy::PresignCore;
pub use resume::{QoeCore, ResumeCore};
pub use transmux::Transmuxer;

/// Talc instead of std's dlmalloc: the same job in fewer bytes of wasm (the page is single-threaded).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

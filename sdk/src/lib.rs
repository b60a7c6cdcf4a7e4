//! FloDrama Player for the browser: the wasm boundary of `player-core`'s state machines. The
//! Player's IO (fetch, Media Source Extensions, timers, the video element) is in
//! `sdk/js/player.js` and `sdk/js/mse.js`, which drive [`PlayerCore`].

mod config;
mod events;
mod inspect;
mod js;
mod party;
mod player;
mod proxy;
mod resume;
mod stats;
mod transmux;

pub use inspect::inspect_playlist;
pub use party::PartyMember;
pub use player::PlayerCore;
pub use proxy::PresignCore;
pub use resume::{QoeCore, ResumeCore};
pub use transmux::Transmuxer;

/// Talc instead of std's dlmalloc: the same job in fewer bytes of wasm (the page is single-threaded).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

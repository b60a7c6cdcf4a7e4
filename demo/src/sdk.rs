//! The npm package `@flodrama/player`, bound through its public JS API (`sdk/js/index.d.ts`)
//! as a frontend uses it: the demo's glue imports the package's `index.js` from `./sdk/`,
//! where the server serves `sdk/pkg` next to the page. Only what the demo calls is bound.
//! Calls that the package documents as throwing return `Result<_, JsValue>` (its `Error`s).

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use web_sys::HtmlVideoElement;

#[wasm_bindgen(raw_module = "./sdk/index.js")]
extern "C" {
    /// `init()`: loads the package's wasm; resolves once `Player` and the others can be made.
    #[wasm_bindgen(js_name = default)]
    pub fn init() -> Promise;

    /// `Player`: an HLS player bound to one `<video>` element.
    #[derive(Clone)]
    pub type Player;

    /// `new Player(video, config)`.
    #[wasm_bindgen(constructor, catch)]
    pub fn new(video: &HtmlVideoElement, config: &Object) -> Result<Player, JsValue>;

    /// `player.load(url, options)`.
    #[wasm_bindgen(method, catch)]
    pub fn load(this: &Player, url: &str, options: &Object) -> Result<(), JsValue>;

    /// `player.on(event, listener)`.
    #[wasm_bindgen(method, catch)]
    pub fn on(this: &Player, event: &str, listener: &Function) -> Result<(), JsValue>;

    /// `player.seek(position)`, seconds.
    #[wasm_bindgen(method, catch)]
    pub fn seek(this: &Player, position: f64) -> Result<(), JsValue>;

    /// `player.currentLevel`: level of the segments being loaded, -1 before any.
    #[wasm_bindgen(method, getter = currentLevel, catch)]
    pub fn current_level(this: &Player) -> Result<i32, JsValue>;

    /// `player.currentLevel = level`: switches now; -1 returns to automatic selection.
    #[wasm_bindgen(method, setter = currentLevel, catch)]
    pub fn set_current_level(this: &Player, level: i32) -> Result<(), JsValue>;

    /// `player.autoLevelEnabled`: whether ABR picks the level.
    #[wasm_bindgen(method, getter = autoLevelEnabled, catch)]
    pub fn auto_level_enabled(this: &Player) -> Result<bool, JsValue>;

    /// `player.stats()`: figures since the last `load`.
    #[wasm_bindgen(method, catch)]
    pub fn stats(this: &Player) -> Result<PlayerStats, JsValue>;

    /// `player.destroy()`.
    #[wasm_bindgen(method, catch)]
    pub fn destroy(this: &Player) -> Result<(), JsValue>;

    /// `PlayerStats`, the answer of `Player.stats()`.
    pub type PlayerStats;

    /// `stats.bandwidthEstimate`, bit/s.
    #[wasm_bindgen(method, getter = bandwidthEstimate)]
    pub fn bandwidth_estimate(this: &PlayerStats) -> f64;

    /// `stats.bufferedAhead`, seconds.
    #[wasm_bindgen(method, getter = bufferedAhead)]
    pub fn buffered_ahead(this: &PlayerStats) -> f64;

    /// `stats.bitrate`: peak bit/s of the level being loaded, 0 before any.
    #[wasm_bindgen(method, getter)]
    pub fn bitrate(this: &PlayerStats) -> f64;

    /// `WatchParty`: a member of a watch-party room, keeping its player in sync.
    #[derive(Clone)]
    pub type WatchParty;

    /// `WatchParty.join(url, options)`: resolves with the `WatchParty` once welcomed.
    #[wasm_bindgen(static_method_of = WatchParty)]
    pub fn join(url: &str, options: &Object) -> Promise;

    /// `party.play()`: asks the room to play.
    #[wasm_bindgen(method, catch)]
    pub fn play(this: &WatchParty) -> Result<(), JsValue>;

    /// `party.seek(position)`: asks the room to move to `position` seconds.
    #[wasm_bindgen(method, catch)]
    pub fn seek(this: &WatchParty, position: f64) -> Result<(), JsValue>;

    /// `party.send(text)`: a chat line.
    #[wasm_bindgen(method, catch)]
    pub fn send(this: &WatchParty, text: &str) -> Result<(), JsValue>;

    /// `party.on(event, listener)`.
    #[wasm_bindgen(method, catch)]
    pub fn on(this: &WatchParty, event: &str, listener: &Function) -> Result<(), JsValue>;

    /// `party.id`: own member id, null before the welcome.
    #[wasm_bindgen(method, getter, catch)]
    pub fn id(this: &WatchParty) -> Result<Option<f64>, JsValue>;

    /// `party.sync`: `{offset, rtt, error}` in ms, null before the first estimate.
    #[wasm_bindgen(method, getter, catch)]
    pub fn sync(this: &WatchParty) -> Result<JsValue, JsValue>;

    /// `party.state`: `{seq, phase, position, at, resume}`, null before the first.
    #[wasm_bindgen(method, getter, catch)]
    pub fn state(this: &WatchParty) -> Result<JsValue, JsValue>;

    /// `party.serverTime()`: the server clock now, ms; null before the first sync.
    #[wasm_bindgen(method, catch, js_name = serverTime)]
    pub fn server_time(this: &WatchParty) -> Result<Option<f64>, JsValue>;

    /// `party.leave()`.
    #[wasm_bindgen(method, catch)]
    pub fn leave(this: &WatchParty) -> Result<(), JsValue>;

    /// `VideoProxyClient`: signed stream URLs from `POST /api/stream-url`, renewed ahead of
    /// expiry; given to `new Player(video, {proxy})`.
    #[derive(Clone)]
    pub type VideoProxyClient;

    /// `new VideoProxyClient({apiBase, tokenProvider})`.
    #[wasm_bindgen(constructor, catch)]
    pub fn new(options: &Object) -> Result<VideoProxyClient, JsValue>;

    /// `inspectPlaylist(text, url)`: a summary of a playlist, by the player's own parser.
    #[wasm_bindgen(js_name = inspectPlaylist, catch)]
    pub fn inspect_playlist(text: &str, url: &str) -> Result<JsValue, JsValue>;
}

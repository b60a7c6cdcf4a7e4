//! The QA page: for now a player with a URL field that plays the local test title.

use flodrama_player::Player;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlInputElement, HtmlVideoElement};
use yew::prelude::*;

/// The title the local server prepares.
const DEFAULT_SRC: &str = "/media/vod/master.m3u8";

/// `?src=` of the page URL, else the local test title.
fn initial_src() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
        .and_then(|p| p.get("src"))
        .unwrap_or_else(|| DEFAULT_SRC.to_owned())
}

#[function_component(App)]
fn app() -> Html {
    let video = use_node_ref();
    let input = use_node_ref();
    let player = use_mut_ref(|| None::<Player>);
    let status = use_state(|| "idle".to_owned());

    let load = {
        let (video, input, player, status) =
            (video.clone(), input.clone(), player.clone(), status.clone());
        Callback::from(move |_| {
            let (Some(v), Some(i)) = (
                video.cast::<HtmlVideoElement>(),
                input.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            let mut slot = player.borrow_mut();
            if slot.is_none() {
                match Player::new(v.clone().into(), JsValue::UNDEFINED) {
                    Ok(p) => {
                        let status = status.clone();
                        let on_error = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
                            let message = js_sys::Reflect::get(&e, &"message".into())
                                .ok()
                                .and_then(|m| m.as_string())
                                .unwrap_or_default();
                            status.set(format!("error: {message}"));
                        });
                        let _ = p.on("error", on_error.into_js_value());
                        *slot = Some(p);
                    }
                    Err(_) => return status.set("error: cannot create the player".into()),
                }
            }
            if let Some(p) = slot.as_ref() {
                let src = i.value();
                match p.load(JsValue::from_str(&src), JsValue::UNDEFINED) {
                    Ok(()) => {
                        status.set(format!("playing {src}"));
                        v.set_muted(true);
                        let _ = v.play();
                    }
                    Err(_) => status.set(format!("error: cannot load {src}")),
                }
            }
        })
    };

    {
        let load = load.clone();
        use_effect_with((), move |_| load.emit(()));
    }

    html! {
        <main>
            <h1>{ "FloDrama Player — QA" }</h1>
            <form onsubmit={ let load = load.clone(); Callback::from(move |e: SubmitEvent| { e.prevent_default(); load.emit(()); }) }>
                <label for="src">{ "Playlist URL" }</label>
                <input id="src" ref={input} type="url" value={initial_src()} size="60" />
                <button type="submit">{ "Load" }</button>
            </form>
            <video ref={video} id="video" controls=true muted=true playsinline=true aria-label="Player" />
            <p id="status" role="status">{ (*status).clone() }</p>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}

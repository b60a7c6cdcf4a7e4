//! The QA page: checks of the whole chain (API, presigned URL, CDN, playback, watch party)
//! with live panels (player with a quality menu, SVG charts, event log, party panel).
//! `?member=ROOM&src=URL[&api=BASE]` renders the second party member the party check embeds.

mod chart;
mod checks;
mod lab;
mod sdk;
mod web;

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlVideoElement};
use yew::prelude::*;

use crate::chart::Chart;
use crate::checks::{CHECKS, Inputs, Status};
use crate::lab::{Lab, Shared, Slot};

/// The title the local server prepares.
const DEFAULT_SRC: &str = "/media/vod/master.m3u8";
/// Redraw and chart sampling period, ms.
const TICK_MS: i32 = 500;
/// Event log lines shown.
const LOG_SHOWN: usize = 300;

/// A query parameter of the page URL.
fn param(name: &str) -> Option<String> {
    let search = web::window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Calls `f` every [`TICK_MS`] while the component lives.
#[hook]
fn use_ticker(f: impl Fn() + 'static) {
    use_effect_with((), move |_| {
        let closure = Closure::<dyn Fn()>::new(f);
        let id = web::window()
            .set_interval_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                TICK_MS,
            )
            .ok();
        move || {
            if let Some(id) = id {
                web::window().clear_interval_with_handle(id);
            }
            drop(closure);
        }
    });
}

fn input_value(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>()
        .map(|i| i.value().trim().to_owned())
        .unwrap_or_default()
}

#[function_component(App)]
fn app() -> Html {
    let lab: Shared = use_mut_ref(Lab::new);
    let redraw = use_force_update();
    let (video, aux_video) = (use_node_ref(), use_node_ref());
    let (api, token, src) = (use_node_ref(), use_node_ref(), use_node_ref());
    let filter = use_state(String::new);
    let chat = use_node_ref();

    {
        let lab = lab.clone();
        use_ticker(move || {
            if let Ok(mut l) = lab.try_borrow_mut() {
                l.sample();
            }
            redraw.force_update();
        });
    }
    let inputs = {
        let (api, token, src) = (api.clone(), token.clone(), src.clone());
        Rc::new(move || Inputs {
            api: input_value(&api),
            token: input_value(&token),
            src: input_value(&src),
        })
    };
    let load = {
        let (lab, inputs) = (lab.clone(), inputs.clone());
        Callback::from(move |()| {
            let src = web::absolute(&inputs().src);
            if let Err(e) = lab::attach(&lab, Slot::Main, &src) {
                lab.borrow_mut().log("demo", "error", e);
            }
        })
    };
    {
        let (lab, video, aux_video, load) =
            (lab.clone(), video.clone(), aux_video.clone(), load.clone());
        use_effect_with((), move |_| {
            let v = video.cast::<HtmlVideoElement>();
            if let Some(v) = &v {
                let weak = Rc::downgrade(&lab);
                let on_waiting = Closure::<dyn Fn()>::new(move || {
                    if let Some(l) = weak.upgrade()
                        && let Ok(mut l) = l.try_borrow_mut()
                    {
                        l.stalls += 1;
                    }
                });
                let _ = v.add_event_listener_with_callback(
                    "waiting",
                    on_waiting.into_js_value().unchecked_ref(),
                );
            }
            {
                let mut l = lab.borrow_mut();
                l.video = v;
                l.aux_video = aux_video.cast::<HtmlVideoElement>();
            }
            load.emit(());
        });
    }

    let run_all = {
        let (lab, inputs) = (lab.clone(), inputs.clone());
        Callback::from(move |_: MouseEvent| {
            wasm_bindgen_futures::spawn_local(checks::run_all(lab.clone(), inputs()));
        })
    };
    let download = {
        let (lab, inputs) = (lab.clone(), inputs.clone());
        Callback::from(move |_: MouseEvent| {
            let report = checks::report(&lab, &inputs());
            if let Err(e) = web::download("flodrama-qa-report.json", &report) {
                lab.borrow_mut().log("demo", "error", web::describe(e));
            }
        })
    };
    let on_quality = {
        let lab = lab.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let (Some(p), Ok(level)) = (lab::player(&lab), value.parse::<i32>()) {
                let _ = p.set_current_level(level);
            }
        })
    };
    let on_chat = {
        let (lab, chat) = (lab.clone(), chat.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = chat.cast::<HtmlInputElement>() else {
                return;
            };
            let party = lab.borrow().party.clone();
            if let Some(party) = party
                && !input.value().is_empty()
                && party.send(&input.value()).is_ok()
            {
                input.set_value("");
            }
        })
    };
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            filter.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };

    let l = lab.borrow();
    let busy = l.busy;
    let current = l
        .player
        .as_ref()
        .and_then(|p| p.current_level().ok())
        .unwrap_or(-1);
    let auto = l
        .player
        .as_ref()
        .and_then(|p| p.auto_level_enabled().ok())
        .unwrap_or(true);
    let summary = {
        let count = |s: Status| l.checks.iter().filter(|c| c.status == s).count();
        format!(
            "{} pass, {} fail, {} not available yet, {} pending{}",
            count(Status::Pass),
            count(Status::Fail),
            count(Status::Unavailable),
            count(Status::Pending),
            if busy { " — running" } else { "" }
        )
    };
    let series = |f: fn(&lab::Sample) -> f64| -> Vec<(f64, f64)> {
        l.samples.iter().map(|s| (s.t, f(s))).collect()
    };
    let needle = filter.to_lowercase();
    let log_lines: Vec<&lab::LogEntry> = l
        .log
        .iter()
        .rev()
        .filter(|e| {
            needle.is_empty()
                || e.name.to_lowercase().contains(&needle)
                || e.source.contains(&needle)
                || e.detail.to_lowercase().contains(&needle)
        })
        .take(LOG_SHOWN)
        .collect();
    let pv = &l.party_view;
    let ms = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:+.0} ms"));

    html! {
        <>
        <header>
            <h1>{ "FloDrama Player — QA" }</h1>
            <p id="summary" role="status" aria-live="polite">{ summary }</p>
        </header>
        <main class="layout">
            <section class="panel player" aria-labelledby="player-h">
                <h2 id="player-h">{ "Player" }</h2>
                <video ref={video} id="video" controls=true muted=true playsinline=true aria-label="Main player" />
                <div class="row">
                    <label for="quality">{ "Quality" }</label>
                    <select id="quality" onchange={on_quality}>
                        <option value="-1" selected={auto}>{ "Auto" }</option>
                        { for l.levels.iter().enumerate().map(|(i, lv)| html! {
                            <option value={i.to_string()} selected={!auto && current == i as i32}>{ lv.label() }</option>
                        }) }
                    </select>
                    <span id="level-now">{ format!("loading level {}", if current < 0 { "—".to_owned() } else { current.to_string() }) }</span>
                </div>
            </section>

            <section class="panel target" aria-labelledby="target-h">
                <h2 id="target-h">{ "Target" }</h2>
                <form onsubmit={ let load = load.clone(); Callback::from(move |e: SubmitEvent| { e.prevent_default(); load.emit(()); }) }>
                    <label for="api">{ "API base URL" }</label>
                    <input id="api" ref={api} type="url" placeholder="this page's origin" value={param("api").unwrap_or_default()} aria-describedby="cors-note" />
                    <label for="token">{ "API token" }</label>
                    <input id="token" ref={token} type="password" autocomplete="off" placeholder="dev token when empty" />
                    <label for="src">{ "Playlist URL" }</label>
                    <input id="src" ref={src} type="url" value={param("src").unwrap_or_else(|| DEFAULT_SRC.to_owned())} />
                    <button type="submit">{ "Load" }</button>
                </form>
                <p id="cors-note" class="note">{ "Another API must allow this page's origin (CORS): GET/PUT/POST with the Authorization and Content-Type headers, and expose Date for the clock-skew figure; its media origin must allow GET with Range." }</p>
            </section>

            <section class="panel checks" aria-labelledby="checks-h">
                <h2 id="checks-h">{ "Checks" }</h2>
                <div class="row">
                    <button id="run-all" onclick={run_all} disabled={busy}>{ "Run all" }</button>
                    <button id="download" onclick={download}>{ "Download report" }</button>
                </div>
                <ol class="check-list">
                    { for CHECKS.iter().zip(&l.checks).enumerate().map(|(i, (def, c))| {
                        let run = {
                            let (lab, inputs) = (lab.clone(), inputs.clone());
                            Callback::from(move |_: MouseEvent| {
                                wasm_bindgen_futures::spawn_local(checks::run(lab.clone(), i, inputs()));
                            })
                        };
                        let countdown = c.expires_at_ms.map(|e| {
                            let left = (e - js_sys::Date::now()) / 1e3;
                            if left > 0.0 { format!("expires in {left:.0} s") } else { "expired".to_owned() }
                        });
                        html! {
                            <li id={format!("check-{}", def.id)} class={classes!("check", format!("s-{:?}", c.status).to_lowercase())} data-status={c.status.label()}>
                                <div class="row">
                                    <span class="name">{ def.name }</span>
                                    <span class="badge">{ c.status.label() }</span>
                                    <span class="duration">{ c.duration_ms.map(|d| if d < 1e3 { format!("{d:.0} ms") } else { format!("{:.1} s", d / 1e3) }).unwrap_or_default() }</span>
                                    <button onclick={run} disabled={busy} aria-label={format!("Run {}", def.name)}>{ "Run" }</button>
                                </div>
                                if !c.detail.is_empty() { <p class="detail">{ &c.detail }</p> }
                                if let Some(cd) = countdown { <p class="detail countdown">{ cd }</p> }
                                { for c.tables.iter().filter(|t| !t.rows.is_empty()).map(|t| html! {
                                    <div class="table-wrap" tabindex="0" role="region" aria-label={t.caption.clone()}>
                                        <table>
                                            <caption>{ &t.caption }</caption>
                                            <thead><tr>{ for t.head.iter().map(|h| html! { <th scope="col">{ *h }</th> }) }</tr></thead>
                                            <tbody>{ for t.rows.iter().map(|r| html! { <tr>{ for r.iter().map(|c| html! { <td>{ c }</td> }) }</tr> }) }</tbody>
                                        </table>
                                    </div>
                                }) }
                            </li>
                        }
                    }) }
                </ol>
                <video ref={aux_video} id="check-video" muted=true playsinline=true aria-label="Check player (TS, encrypted and refresh checks)" />
            </section>

            <section class="panel charts" aria-labelledby="charts-h">
                <h2 id="charts-h">{ "Charts" }</h2>
                <Chart id="chart-buffer" title="Buffer ahead" unit="s" points={series(|s| s.buffer_s)} />
                <Chart id="chart-bandwidth" title="Bandwidth estimate" unit="Mbit/s" points={series(|s| s.bandwidth_mbps)} />
                <Chart id="chart-bitrate" title="Selected bitrate" unit="Mbit/s" points={series(|s| s.bitrate_mbps)} />
            </section>

            <section class="panel party" aria-labelledby="party-h">
                <h2 id="party-h">{ "Watch party" }</h2>
                if pv.room.is_empty() {
                    <p class="note">{ "Run the watch-party check to open a room with a second member." }</p>
                } else {
                    <dl class="figures">
                        <dt>{ "Room" }</dt><dd id="party-room">{ &pv.room }</dd>
                        <dt>{ "Clock offset" }</dt><dd>{ ms(pv.sync.map(|s| s.0)) }</dd>
                        <dt>{ "RTT" }</dt><dd>{ pv.sync.map_or("—".to_owned(), |s| format!("{:.0} ms", s.1)) }</dd>
                        <dt>{ "Drift (member − host)" }</dt><dd id="party-drift">{ ms(pv.drift_ms) }</dd>
                        <dt>{ "Sync error (host − group)" }</dt><dd>{ ms(pv.sync_error_ms) }</dd>
                    </dl>
                    <h3>{ "Members" }</h3>
                    <ul id="party-members">
                        { for pv.members.iter().map(|(id, name, ready)| html! {
                            <li>{ format!("{name} (#{id}){}{}{}",
                                if pv.host == Some(*id) { ", host" } else { "" },
                                if pv.me == Some(*id) { ", this page" } else { "" },
                                if *ready { ", ready" } else { ", not ready" }) }</li>
                        }) }
                    </ul>
                    <h3>{ "Chat" }</h3>
                    <ol class="chat" role="log" aria-label="Chat" tabindex="0">
                        { for pv.chat.iter().map(|(n, t)| html! { <li><b>{ n }</b>{ ": " }{ t }</li> }) }
                    </ol>
                    <form onsubmit={on_chat} class="row">
                        <label for="chat-text">{ "Message" }</label>
                        <input id="chat-text" ref={chat} type="text" maxlength="500" />
                        <button type="submit">{ "Send" }</button>
                    </form>
                }
                if let Some(q) = &l.member_src {
                    <iframe id="party-member" src={q.clone()} title="Second party member" loading="eager"></iframe>
                }
            </section>

            <section class="panel log" aria-labelledby="log-h">
                <h2 id="log-h">{ "Event log" }</h2>
                <label for="log-filter">{ "Filter" }</label>
                <input id="log-filter" type="search" placeholder="name, source or payload" oninput={on_filter} />
                <ol id="event-log" role="log" aria-label="Events, newest first" tabindex="0">
                    { for log_lines.iter().map(|e| html! {
                        <li><span class="t">{ format!("{:.2}", e.at_ms / 1e3) }</span>{ " " }<span class="src">{ e.source }</span>{ " " }<b>{ &e.name }</b>{ " " }<code>{ &e.detail }</code></li>
                    }) }
                </ol>
            </section>
        </main>
        </>
    }
}

/// The second party member: plays `?src=` and joins `?member=` (a room) with a dev invite.
#[function_component(PartyMember)]
fn party_member() -> Html {
    let lab: Shared = use_mut_ref(Lab::new);
    let video = use_node_ref();
    let status = use_state(|| "joining".to_owned());
    {
        let (lab, video, status) = (lab.clone(), video.clone(), status.clone());
        use_effect_with((), move |_| {
            lab.borrow_mut().video = video.cast::<HtmlVideoElement>();
            wasm_bindgen_futures::spawn_local(async move {
                let result = join_as_member(&lab).await;
                status.set(result.unwrap_or_else(|e| format!("error: {e}")));
            });
        });
    }
    html! {
        <main class="member">
            <video ref={video} muted=true playsinline=true aria-label="Party member player" />
            <p role="status">{ (*status).clone() }</p>
        </main>
    }
}

async fn join_as_member(lab: &Shared) -> Result<String, String> {
    let room = param("member").unwrap_or_default();
    let api = param("api").unwrap_or_default();
    let src = param("src").unwrap_or_else(|| DEFAULT_SRC.to_owned());
    lab::attach(lab, Slot::Main, &src)?;
    let invite = web::join(
        &api,
        &format!("/api/party/invite?room={room}&guest=qa-member"),
    );
    let token = web::fetch("GET", &invite, "", None)
        .await?
        .json()
        .and_then(|j| j.get("token").and_then(|t| t.as_str()).map(str::to_owned))
        .ok_or("no invite token")?;
    let ws = web::join(&api, &format!("/ws/party/{room}"));
    lab::join_party(lab, &ws, &room, "QA member", &token).await?;
    Ok(format!("member of {room}"))
}

/// Renders the page once the package's wasm is loaded (players need `init()` first); when
/// it cannot be, the page says why.
fn main() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = wasm_bindgen_futures::JsFuture::from(sdk::init()).await {
            if let Some(body) = web::window().document().and_then(|d| d.body()) {
                body.set_text_content(Some(&format!(
                    "The player package did not load: {}",
                    web::describe(e)
                )));
            }
            return;
        }
        if param("member").is_some() {
            yew::Renderer::<PartyMember>::new().render();
        } else {
            yew::Renderer::<App>::new().render();
        }
    });
}

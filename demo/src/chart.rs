//! A line chart drawn as SVG: one series over time, its scale from 0 to the series maximum.

use yew::prelude::*;

/// Width and height of the drawing's coordinate space.
const W: f64 = 300.0;
const H: f64 = 90.0;

/// Properties of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// Element id.
    pub id: AttrValue,
    /// Title, also the accessible name.
    pub title: AttrValue,
    /// Unit of the values.
    pub unit: AttrValue,
    /// `(time s, value)` points, oldest first.
    pub points: Vec<(f64, f64)>,
}

/// A line chart with its latest value and scale in the accessible name.
#[function_component(Chart)]
pub fn chart(props: &ChartProps) -> Html {
    let (t0, t1) = match (props.points.first(), props.points.last()) {
        (Some(a), Some(b)) => (a.0, b.0.max(a.0 + 1.0)),
        _ => (0.0, 1.0),
    };
    let max = props
        .points
        .iter()
        .map(|p| p.1)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let top = nice(max);
    let line: String = props
        .points
        .iter()
        .map(|(t, v)| {
            let x = (t - t0) / (t1 - t0) * W;
            let y = H - (v / top).clamp(0.0, 1.0) * H;
            format!("{x:.1},{y:.1} ")
        })
        .collect();
    let last = props.points.last().map_or(0.0, |p| p.1);
    let label = format!(
        "{}: now {} {}, scale 0 to {} {} over the last {:.0} s",
        props.title,
        fmt(last),
        props.unit,
        fmt(top),
        props.unit,
        t1 - t0
    );
    html! {
        <figure class="chart" id={props.id.clone()}>
            <figcaption>{ format!("{} — {} {}", props.title, fmt(last), props.unit) }</figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none" role="img" aria-label={label}>
                <line x1="0" y1={H.to_string()} x2={W.to_string()} y2={H.to_string()} class="axis" />
                <line x1="0" y1="0" x2={W.to_string()} y2="0" class="grid" />
                <polyline points={line} class="series" />
            </svg>
            <div class="scale" aria-hidden="true">{ format!("max {} {}", fmt(top), props.unit) }</div>
        </figure>
    }
}

/// A round scale top at or above `v` (1, 2 or 5 × 10ⁿ).
fn nice(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|t| *t >= v)
        .unwrap_or(10.0 * p)
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

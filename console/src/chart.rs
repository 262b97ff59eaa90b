//! Charts as SVG drawn by Leptos: labelled axes, a legend in words, and
//! the same numbers as a table a screen reader reads (the drawing itself
//! is hidden from it, since a picture of bars says nothing aloud).

use leptos::prelude::*;

use crate::ui::int;

/// One series of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its name in the legend and the table.
    pub name: &'static str,
    /// Its colour (a CSS class: `s1`, `s2`, `s3`).
    pub class: &'static str,
    /// One value a day.
    pub values: Vec<i64>,
}

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// The smallest 1, 2 or 5 × 10^k at or above `n` (at least 1): the top
/// of the axis, so its labels are round.
pub fn nice_max(n: i64) -> i64 {
    let n = n.max(1);
    let mut step = 1i64;
    loop {
        for m in [1, 2, 5] {
            if let Some(top) = step.checked_mul(m) {
                if top >= n {
                    return top;
                }
            }
        }
        match step.checked_mul(10) {
            Some(s) => step = s,
            None => return n,
        }
    }
}

/// A chart of daily values: grouped bars, or lines (`line`).
#[component]
pub fn Chart(
    title: &'static str,
    id: &'static str,
    days: Vec<String>,
    series: Vec<Series>,
    #[prop(optional)] line: bool,
) -> impl IntoView {
    let n = days.len().max(1);
    let top = nice_max(series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0));
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let y = move |v: i64| TOP + plot_h - (v.max(0) as f64 / top as f64) * plot_h;
    let slot = plot_w / n as f64;
    let marks_y: &[i64] = if top >= 2 { &[0, top / 2, top] } else { &[0, top] };
    let grid = marks_y
        .iter()
        .copied()
        .map(|v| {
            view! {
                <line class="grid" x1=LEFT x2=W - RIGHT y1=y(v) y2=y(v)></line>
                <text class="axis" x=LEFT - 6.0 y=y(v) + 4.0 text-anchor="end">{int(v)}</text>
            }
            .into_any()
        })
        .collect_view();
    let ticks: Vec<usize> = if n <= 2 { (0..n).collect() } else { vec![0, n / 2, n - 1] };
    let x_labels = ticks
        .into_iter()
        .filter_map(|i| days.get(i).map(|d| (i, d.clone())))
        .map(|(i, d)| {
            // The first and last labels align inward, so neither is cut.
            let anchor = match i {
                0 if n > 1 => "start",
                i if i + 1 == n && n > 1 => "end",
                _ => "middle",
            };
            let x = match anchor {
                "start" => LEFT,
                "end" => W - RIGHT,
                _ => LEFT + slot * (i as f64 + 0.5),
            };
            view! { <text class="axis" x=x y=H - 8.0 text-anchor=anchor>{d}</text> }.into_any()
        })
        .collect_view();
    let k = series.len().max(1) as f64;
    let marks = series
        .iter()
        .enumerate()
        .map(|(si, s)| {
            if line {
                let points = s
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("{:.1},{:.1}", LEFT + slot * (i as f64 + 0.5), y(*v)))
                    .collect::<Vec<_>>()
                    .join(" ");
                view! { <polyline class=format!("line {}", s.class) points=points></polyline> }.into_any()
            } else {
                let bar = slot * 0.8 / k;
                s.values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0)
                    .map(|(i, v)| {
                        let x = LEFT + slot * i as f64 + slot * 0.1 + bar * si as f64;
                        view! {
                            <rect class=format!("bar {}", s.class) x=x y=y(*v) width=bar.max(1.0) height=TOP + plot_h - y(*v)>
                                <title>{format!("{}: {} {}", days[i], int(*v), s.name)}</title>
                            </rect>
                        }.into_any()
                    })
                    .collect_view()
                    .into_any()
            }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|s| view! { <li><span class=format!("swatch {}", s.class)></span>{s.name}</li> }.into_any())
        .collect_view();
    let head = series.iter().map(|s| view! { <th scope="col">{s.name}</th> }.into_any()).collect_view();
    let rows = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let cells = series
                .iter()
                .map(|s| view! { <td>{int(s.values.get(i).copied().unwrap_or(0))}</td> }.into_any())
                .collect_view();
            view! { <tr><th scope="row">{d.clone()}</th>{cells}</tr> }.into_any()
        })
        .collect_view();
    view! {
        <figure class="chart" aria-labelledby=format!("{id}-title")>
            <figcaption id=format!("{id}-title")>{title}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") aria-hidden="true" focusable="false">
                {grid}
                {marks}
                {x_labels}
            </svg>
            <ul class="legend" aria-hidden="true">{legend}</ul>
            <table class="sr-only">
                <caption>{format!("{title}, per day")}</caption>
                <thead><tr><th scope="col">"Day"</th>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
}

/// Horizontal bars, one per labelled count (members per tier).
#[component]
pub fn Bars(title: &'static str, id: &'static str, rows: Vec<(String, i64)>) -> impl IntoView {
    let top = nice_max(rows.iter().map(|r| r.1).max().unwrap_or(0));
    let height = 28.0 * rows.len().max(1) as f64 + 8.0;
    let label_w = 120.0;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (name, v))| {
            let y = 4.0 + 28.0 * i as f64;
            let w = (W - label_w - 80.0) * (*v).max(0) as f64 / top as f64;
            view! {
                <text class="axis" x=label_w - 8.0 y=y + 16.0 text-anchor="end">{name.clone()}</text>
                <rect class="bar s1" x=label_w y=y + 4.0 width=w.max(1.0) height=16></rect>
                <text class="axis" x=label_w + w + 6.0 y=y + 16.0>{int(*v)}</text>
            }
            .into_any()
        })
        .collect_view();
    let table = rows
        .iter()
        .map(|(name, v)| view! { <tr><th scope="row">{name.clone()}</th><td>{int(*v)}</td></tr> }.into_any())
        .collect_view();
    view! {
        <figure class="chart" aria-labelledby=format!("{id}-title")>
            <figcaption id=format!("{id}-title")>{title}</figcaption>
            <svg viewBox=format!("0 0 {W} {height}") aria-hidden="true" focusable="false">{bars}</svg>
            <table class="sr-only">
                <caption>{title}</caption>
                <tbody>{table}</tbody>
            </table>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::nice_max;

    #[test]
    fn axis_tops_are_round_and_never_below_the_data() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(1), 1);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(500), 500);
        assert_eq!(nice_max(501), 1000);
        assert!(nice_max(9_007_199_254_740_991) >= 9_007_199_254_740_991);
    }
}

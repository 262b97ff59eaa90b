//! The member's standing: balance, pending and expiring points, and the
//! tier with a progress bar to the next one.

use leptos::prelude::*;

use crate::json::Json;
use crate::markup::Markup;
use crate::model::{tier_threshold, Member};
use crate::panel::loaded;
use crate::state::{use_state, Load};
use crate::text::{day, fill, number};

/// Balance card.
#[component]
pub fn Balance() -> impl IntoView {
    let s = use_state();
    loaded(s.me, "/v1/me", move |j| {
        let program = match s.program.get() {
            Load::Ready(p) => Some(p),
            _ => None,
        };
        standing(Member::from(&j), program).into_any()
    })
}

fn standing(m: Member, program: Option<Json>) -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let mut h = Markup::default();
    h.el("p", "le-muted", t.balance)
        .open("p", "le-points")
        .el("span", "le-balance", &number(m.balance, t))
        .text(" ")
        .text(&s.unit(m.balance))
        .close("p");
    if m.pending > 0 {
        h.el("p", "le-pending", &fill(t.pending, &[("n", &number(m.pending, t))]));
    }
    if let Some((points, at)) = m.expiring {
        h.el("p", "le-expiring", &fill(t.expiring, &[("n", &number(points, t)), ("date", &day(&at, t))]));
    }
    if let Some(name) = m.tier {
        let current = program.as_ref().map_or(0, |p| tier_threshold(p, &name));
        let (percent, caption) = match &m.next_tier {
            Some(n) => {
                let span = (n.threshold - current).max(1);
                let done = (span - n.points_needed).clamp(0, span);
                (done * 100 / span, fill(t.to_next_tier, &[("n", &number(n.points_needed, t)), ("name", &n.name)]))
            }
            None => (100, t.top_tier.to_owned()),
        };
        let percent = percent.to_string();
        h.open("div", "le-tier")
            .open("p", "")
            .el("strong", "", &fill(t.tier, &[("name", &name)]))
            .close("p")
            .open_with(
                "div",
                &[
                    ("class", "le-bar"),
                    ("role", "progressbar"),
                    ("aria-valuemin", "0"),
                    ("aria-valuemax", "100"),
                    ("aria-valuenow", &percent),
                    ("aria-label", &caption),
                ],
            )
            .open_with("div", &[("class", "le-fill"), ("style", &["width:", &percent, "%"].concat())])
            .close("div")
            .close("div")
            .el("p", "le-muted", &caption)
            .close("div");
    }
    h.show("le-card")
}

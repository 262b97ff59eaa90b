//! Overview: the analytics summary over a chosen range of UTC days, as
//! figures and charts.

use leptos::prelude::*;
use loyalty_core::money;
use loyalty_core::timestamp::format_date;
use loyalty_core::wire::{AnalyticsSummary, ProgramSummary};
use loyalty_core::{Lang, Timestamp};

use crate::api;
use crate::chart::{Bars, Chart, Series};
use crate::ui::{self, int, Load};

/// The ranges offered, in days ending today.
const RANGES: [(u32, &str); 4] =
    [(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days"), (365, "Last 365 days")];

/// `from` and `to` of the `days` ending on `now`'s UTC day.
pub fn range(now: Timestamp, days: u32) -> (String, String) {
    let from = Timestamp(now.0 - 86_400 * i64::from(days.saturating_sub(1)));
    (format_date(from.date()), format_date(now.date()))
}

/// The page.
#[component]
pub fn Overview() -> impl IntoView {
    let days = RwSignal::new(30u32);
    let summary = RwSignal::new(Load::<(AnalyticsSummary, String)>::Loading);
    let fetch = move || {
        let (from, to) = range(ui::now(), days.get_untracked());
        ui::load(summary, move || async move {
            let s: AnalyticsSummary = api::get(&format!("/v1/analytics/summary?from={from}&to={to}")).await?;
            let p: ProgramSummary = api::get("/v1/program").await?;
            Ok((s, p.currency))
        });
    };
    Effect::new(move |_| {
        days.track();
        fetch();
    });
    view! {
        <div class="page-head">
            <h1>"Overview"</h1>
            <label class="inline">
                "Range "
                <select on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse() {
                        days.set(n);
                    }
                }>
                    {RANGES
                        .into_iter()
                        .map(|(n, label)| view! { <option value=n selected=n == 30>{label}</option> }.into_any())
                        .collect_view()}
                </select>
            </label>
        </div>
        {ui::show(summary, fetch, |(s, currency)| view! { <Figures s currency/> }.into_any())}
    }
}

#[component]
fn Figures(s: AnalyticsSummary, currency: String) -> impl IntoView {
    let t = &s.totals;
    // Without the program's `points_value` there is no money figure.
    let liability =
        t.liability_minor.map_or_else(|| "Set the points' value".to_owned(), |m| money::format(m, &currency, Lang::En));
    let cards = [
        ("Points issued", int(t.points_issued)),
        ("Points redeemed", int(t.points_redeemed)),
        ("Points expired", int(t.points_expired)),
        ("Points outstanding", int(t.points_outstanding)),
        ("Outstanding liability", liability),
        ("Members", int(t.members_total)),
        ("Active members", int(t.members_active)),
        ("Redemptions", int(t.redemptions)),
        ("Purchases", int(t.purchases)),
        ("Purchase amount", money::format(t.purchase_amount_minor, &currency, Lang::En)),
    ]
    .into_iter()
    .map(|(label, value)| view! { <div class="card"><dt>{label}</dt><dd>{value}</dd></div> }.into_any())
    .collect_view();
    let days: Vec<String> = s.daily.iter().map(|d| d.date.clone()).collect();
    let col = |f: fn(&loyalty_core::wire::AnalyticsDay) -> i64| s.daily.iter().map(f).collect::<Vec<i64>>();
    let points = vec![
        Series { name: "Issued", class: "s1", values: col(|d| d.points_issued) },
        Series { name: "Redeemed", class: "s2", values: col(|d| d.points_redeemed) },
        Series { name: "Expired", class: "s3", values: col(|d| d.points_expired) },
    ];
    let redemptions = vec![Series { name: "Redemptions", class: "s2", values: col(|d| d.redemptions) }];
    let members = vec![
        Series { name: "New members", class: "s1", values: col(|d| d.new_members) },
        Series { name: "Purchases", class: "s3", values: col(|d| d.purchases) },
    ];
    let tiers: Vec<(String, i64)> = s.tiers.iter().map(|t| (t.name.clone(), t.members)).collect();
    let has_tiers = !tiers.is_empty();
    let top = s.top_rewards.clone();
    view! {
        <p class="muted">{format!("{} to {} (UTC days)", s.from, s.to)}</p>
        <dl class="cards" aria-label="Totals">{cards}</dl>
        <div class="charts">
            <Chart title="Points per day" id="chart-points" days=days.clone() series=points line=true/>
            <Chart title="Redemptions per day" id="chart-redemptions" days=days.clone() series=redemptions/>
            <Chart title="New members and purchases per day" id="chart-members" days=days series=members/>
            <Show when=move || has_tiers fallback=|| view! { <p class="muted">"The program has no tiers."</p> }>
                <Bars title="Members per tier" id="chart-tiers" rows=tiers.clone()/>
            </Show>
        </div>
        <h2>"Top rewards"</h2>
        <Show
            when={
                let empty = top.is_empty();
                move || !empty
            }
            fallback=|| view! { <p class="muted">"No redemptions in this range."</p> }
        >
            <table class="list">
                <thead><tr><th scope="col">"Reward"</th><th scope="col" class="num">"Redemptions"</th></tr></thead>
                <tbody>
                    {top
                        .iter()
                        .map(|r| view! { <tr><td>{r.name.clone()}</td><td class="num">{int(r.redemptions)}</td></tr> }.into_any())
                        .collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_ends_today_and_counts_its_days() {
        let now = Timestamp(1_796_000_000); // 2026-11-30 UTC
        assert_eq!(range(now, 1), ("2026-11-30".into(), "2026-11-30".into()));
        assert_eq!(range(now, 30), ("2026-11-01".into(), "2026-11-30".into()));
        assert_eq!(range(now, 365).0, "2025-12-01");
    }
}

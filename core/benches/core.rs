//! Criterion benchmarks of the hot paths of `loyalty-core`:
//! labelling a whole catalog for one member, verifying a customer token,
//! deciding a redemption. `cargo xtask bench` runs and reports them.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use loyalty_core::eligibility::MemberAttributes;
use loyalty_core::redemption::{decide, offer, Usage};
use loyalty_core::reward::Reward;
use loyalty_core::timestamp::parse_date;
use loyalty_core::token::{mint, verify, Claims, TokenPolicy};
use loyalty_core::Lang;
use loyalty_core::Timestamp;

const NOW: Timestamp = Timestamp(1_800_000_000);

/// 1,000 rewards with realistic rules: a mix of open rewards, tier gates,
/// tag cohorts and enrolment windows.
fn catalog() -> Vec<Reward> {
    (0..1000)
        .map(|i| {
            let rule = match i % 4 {
                0 => "null".to_owned(),
                1 => r#"[{"conditions": [{"attribute": "tier", "operator": "equals", "value": "Gold"}]}]"#.to_owned(),
                2 => format!(
                    r#"[{{"conditions": [{{"attribute": "enrolled_at", "operator": "between", "value": ["2021-11-01", "2023-02-28"]}},
                                        {{"attribute": "tags", "operator": "contains_all", "value": ["cohort{}"]}}]}},
                        {{"conditions": [{{"attribute": "tags", "operator": "contains_any", "value": ["vip", "staff"]}}]}}]"#,
                    i % 10
                ),
                _ => r#"[{"conditions": [{"attribute": "lifetime_earned", "operator": "greater_than", "value": 1000}]}]"#.to_owned(),
            };
            let json = format!(
                r#"{{"name": "Reward {i}", "kind": "fixed_amount_discount", "points_cost": {},
                    "discount": {{"amount_minor": 500, "currency": "USD"}}, "eligibility": {rule}}}"#,
                100 + i
            );
            Reward::from_json(&format!("R{i}"), json.as_bytes()).expect("valid reward")
        })
        .collect()
}

fn member() -> MemberAttributes {
    MemberAttributes {
        enrolled_at: parse_date("2022-05-01"),
        birthday: parse_date("1990-01-01"),
        email: Some("shopper@example.com".into()),
        tags: vec!["cohort3".into(), "newsletter".into()],
        tier: Some("Silver".into()),
        lifetime_earned: 850,
    }
}

fn benches(c: &mut Criterion) {
    let rewards = catalog();
    let m = member();
    c.bench_function("eligibility: label 1000 rewards for one member", |b| {
        b.iter(|| {
            let mut eligible = 0;
            for r in &rewards {
                if offer(r, black_box(&m), 700, Usage::default(), Lang::En).eligible {
                    eligible += 1;
                }
            }
            black_box(eligible)
        })
    });

    let claims = Claims {
        sub: "shopper-42".into(),
        exp: NOW.0 + 3600,
        iat: Some(NOW.0),
        nbf: None,
        email: None,
        name: None,
        aud: None,
        iss: None,
    };
    let token = mint(&claims, b"a-widget-secret-of-realistic-length");
    c.bench_function("token: verify an HS256 customer token", |b| {
        b.iter(|| {
            verify(black_box(&token), b"a-widget-secret-of-realistic-length", NOW, &TokenPolicy::default())
                .expect("valid")
        })
    });

    let reward = &rewards[2];
    c.bench_function("redemption: decide", |b| {
        b.iter(|| decide(black_box(reward), black_box(&m), 5000, Usage::default(), NOW))
    });
}

criterion_group!(core, benches);
criterion_main!(core);

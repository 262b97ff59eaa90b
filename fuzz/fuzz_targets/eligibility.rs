//! Eligibility rules as a merchant writes them: any JSON parses to a rule
//! or to a list of issues, never a panic; a parsed rule writes itself back
//! as JSON that parses to the same rule, and it can be checked, explained
//! and described for any member.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::eligibility::{Eligibility, MemberAttributes};
use loyalty_core::Lang;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(rule) = Eligibility::parse(&value, "eligibility") else {
        return;
    };
    let again = Eligibility::parse(&rule.to_json(), "eligibility").expect("a rule's own JSON parses");
    assert_eq!(again, rule, "the rule changed through its JSON");
    let members = [
        MemberAttributes::default(),
        MemberAttributes {
            email: Some("a@b.example".into()),
            tags: vec!["vip".into(), "".into()],
            tier: Some("Gold".into()),
            lifetime_earned: i64::MAX,
            ..MemberAttributes::default()
        },
    ];
    for m in &members {
        let verdict = rule.check(m).is_ok();
        for lang in [Lang::En, Lang::Fr] {
            assert_eq!(rule.explain(m, lang).is_ok(), verdict, "explain and check disagree");
        }
    }
    let _ = rule.is_everyone();
});

//! The program and reward configuration (`PUT /v1/program`,
//! `PUT /v1/rewards/{id}`): any bytes are accepted or refused with the
//! contract's error, never a panic; what is accepted validates, writes
//! itself back as JSON that is accepted again, and is worded in every
//! language.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::program::Program;
use loyalty_core::reward::Reward;
use loyalty_core::Lang;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = Program::from_json(text) {
            p.validate().expect("an accepted program validates");
            let again =
                Program::from_json(&serde_json::to_string(&p).expect("serialises")).expect("its own JSON is accepted");
            assert_eq!(again, p);
            for lang in [Lang::En, Lang::Fr] {
                let _ = p.earn_rules_in_words(lang, loyalty_core::Timestamp(1_800_000_000));
                let _ = p.points(i64::MAX, lang);
            }
        }
    }
    if let Ok(r) = Reward::from_json("fuzzed-reward", data) {
        let again = Reward::from_json("fuzzed-reward", &serde_json::to_vec(&r).expect("serialises"))
            .expect("its own JSON is accepted");
        assert_eq!(again, r);
    }
});

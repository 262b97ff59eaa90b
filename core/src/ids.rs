//! Caller-chosen identifiers (`customer_id`, `reward_id`, `order_id`).
//!
//! The contract allows 1 to 128 characters of `A-Z a-z 0-9 _ - . : @`;
//! anything else is an `invalid_request`, checked before storage sees it.

use crate::error::Error;

/// Longest identifier the contract allows.
pub const MAX_ID_LEN: usize = 128;

/// Whether `s` is a well-formed caller-chosen identifier.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'@'))
}

/// Checks an identifier, naming `field` in the error.
pub fn check_id(field: &str, s: &str) -> Result<(), Error> {
    if is_valid_id(s) {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @"))
    }
}

/// Whether an `Idempotency-Key` header value is acceptable: 1 to 255
/// printable ASCII characters.
pub fn is_valid_idempotency_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_contract_charset() {
        assert!(is_valid_id("cust_42"));
        assert!(is_valid_id("a.b:c@d-e_F9"));
        assert!(is_valid_id(&"x".repeat(128)));
    }

    #[test]
    fn rejects_everything_else() {
        assert!(!is_valid_id(""));
        assert!(!is_valid_id(&"x".repeat(129)));
        for bad in ["a b", "a/b", "é", "a\n", "a%2F", "<script>"] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn valid_ids_are_exactly_the_charset(s in "\\PC{0,140}") {
            let expected = !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.:@".contains(c));
            prop_assert_eq!(is_valid_id(&s), expected);
        }
    }
}

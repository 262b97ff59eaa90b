//! The verifiable ledger export (shared/API.md, "Verifiable ledger
//! export"): one line per ledger entry, in ledger order, naming the member
//! by its opaque key, each line's `hash` the SHA-256 of the previous line's
//! hash followed by the line's own JSON without `hash` (keys sorted, no
//! spaces). An auditor re-computes the chain from the file alone
//! ([`verify`]); a changed, removed or reordered line breaks it there.
//!
//! Invariants (tested below):
//! - [`link`] is the contract's formula, byte for byte (a line's canonical
//!   JSON is what any language's `JSON.stringify` of the sorted keys gives);
//! - [`verify`] accepts every chain [`link`] makes, and names the first line
//!   of any edit, removal or swap of its lines;
//! - a line holds no customer id: [`public_cause`] puts the member's key
//!   where a cause names the customer.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ledger::EntryKind;
use crate::timestamp::Timestamp;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Most lines one page of the export holds.
pub const MAX_PAGE: i64 = 10_000;

/// One line of the export. Fields in key order: serialised without `hash`,
/// this is the canonical text the hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportLine {
    /// What made the entry (`order:ID`, `redeem:ID`, `import:KEY`, …),
    /// never naming the customer.
    pub cause: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// The entry's id: strictly increasing in ledger order.
    pub entry_id: i64,
    /// The line's hash: lower-case hex SHA-256 of `prev_hash` followed by
    /// the line without `hash`; null until the entry is chained (within a
    /// minute of being written).
    pub hash: Option<String>,
    /// What kind of entry.
    pub kind: EntryKind,
    /// The member's opaque key (`mk_…`), the same for all of a member's
    /// entries, before and after an erasure.
    pub member: String,
    /// Signed points.
    pub points: i64,
    /// The previous line's hash (64 zeros for the first entry); null until
    /// chained.
    pub prev_hash: Option<String>,
}

/// The part of a line the hash covers, in sorted key order.
#[derive(Serialize)]
struct Unhashed<'a> {
    cause: &'a str,
    created_at: Timestamp,
    entry_id: i64,
    kind: EntryKind,
    member: &'a str,
    points: i64,
    prev_hash: &'a str,
}

/// The hash of `line` after `prev_hash`: lower-case hex SHA-256 of
/// `prev_hash` followed by the line's canonical JSON without `hash`.
pub fn link(prev_hash: &str, line: &ExportLine) -> String {
    let unhashed = Unhashed {
        cause: &line.cause,
        created_at: line.created_at,
        entry_id: line.entry_id,
        kind: line.kind,
        member: &line.member,
        points: line.points,
        prev_hash,
    };
    // serde_json writes a struct's fields in declaration order, without
    // spaces, and leaves non-ASCII characters as they are.
    let json = serde_json::to_string(&unhashed).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(json.as_bytes());
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Chains `lines` (ledger order, none chained yet) after `prev_hash`,
/// setting each line's `prev_hash` and `hash`; returns the last hash.
pub fn chain(prev_hash: &str, lines: &mut [ExportLine]) -> String {
    let mut prev = prev_hash.to_owned();
    for line in lines {
        let hash = link(&prev, line);
        line.prev_hash = Some(std::mem::replace(&mut prev, hash.clone()));
        line.hash = Some(hash);
    }
    prev
}

/// The cause as the export shows it: a bonus's cause names the customer
/// (`bonus:EVENT:CUSTOMER:SEQ`, written so by the edge to keep the claim
/// unique), which the line replaces by the member's key. An erasure
/// rewrites the stored cause the same way, so the line is the same before
/// and after.
pub fn public_cause(cause: &str, customer_id: &str, member_key: &str) -> String {
    if let Some(rest) = cause.strip_prefix("bonus:") {
        if let Some((event, tail)) = rest.split_once(':') {
            if let Some(seq) = tail.strip_prefix(customer_id).and_then(|t| t.strip_prefix(':')) {
                if !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()) {
                    return format!("bonus:{event}:{member_key}:{seq}");
                }
            }
        }
    }
    cause.to_owned()
}

/// Where a file stops being the chain the Worker wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// A line is not JSON of an export line.
    Malformed {
        /// 1-based line number.
        line: usize,
        /// Why.
        message: String,
    },
    /// The file does not start at the ledger's first entry.
    NoStart {
        /// The first line's entry.
        entry_id: i64,
    },
    /// A line's content does not give its hash: it was changed.
    Changed {
        /// 1-based line number.
        line: usize,
        /// The entry.
        entry_id: i64,
    },
    /// A line's content gives its hash, but its predecessor is missing:
    /// an entry before it was removed (or changed and its hash re-made).
    Removed {
        /// 1-based line number of the first line after the gap.
        line: usize,
        /// The entry after the gap.
        entry_id: i64,
        /// The entry before the gap.
        after: i64,
    },
    /// A line is not where the chain puts it.
    Reordered {
        /// 1-based line number.
        line: usize,
        /// The entry out of place.
        entry_id: i64,
    },
    /// A chained line follows one not yet chained.
    ChainedAfterUnchained {
        /// 1-based line number.
        line: usize,
        /// The entry.
        entry_id: i64,
    },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Malformed { line, message } => write!(f, "line {line}: not a ledger export line: {message}"),
            Break::NoStart { entry_id } => write!(
                f,
                "line 1: entry {entry_id} is not the ledger's first (its prev_hash is not 64 zeros): entries before it were removed"
            ),
            Break::Changed { line, entry_id } => {
                write!(f, "line {line}: entry {entry_id} was changed (its content does not give its hash)")
            }
            Break::Removed { line, entry_id, after } => write!(
                f,
                "line {line}: the entry before entry {entry_id} is missing: removed after entry {after}, or entry {after} was changed"
            ),
            Break::Reordered { line, entry_id } => write!(f, "line {line}: entry {entry_id} is out of order"),
            Break::ChainedAfterUnchained { line, entry_id } => {
                write!(f, "line {line}: entry {entry_id} is chained but follows an entry not yet chained")
            }
        }
    }
}

/// A file that verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Lines whose chain holds.
    pub chained: usize,
    /// Lines at the end not chained yet (written within the last minute).
    pub unchained: usize,
    /// The last chained entry.
    pub last_entry: Option<i64>,
}

/// What [`verify`] keeps of a line: 72 bytes, so a file of millions of
/// entries verifies in memory.
struct Seen {
    entry_id: i64,
    prev: [u8; 32],
    hash: [u8; 32],
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.as_bytes().chunks(2).enumerate() {
        let d = |c: u8| (c as char).to_digit(16).filter(|_| !c.is_ascii_uppercase());
        out[i] = u8::try_from(d(pair[0])? * 16 + d(pair[1])?).ok()?;
    }
    Some(out)
}

/// Checks the lines of an export file, in file order, and names the first
/// line changed, removed or reordered.
pub fn verify<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<Verified, Break> {
    let mut seen: Vec<Seen> = Vec::new();
    let mut unchained = 0usize;
    let mut first_break: Option<(usize, Break)> = None;
    for (i, text) in lines.into_iter().enumerate().filter(|(_, t)| !t.trim().is_empty()) {
        let n = i + 1;
        let line: ExportLine =
            serde_json::from_str(text).map_err(|e| Break::Malformed { line: n, message: e.to_string() })?;
        let (prev, hash) = match (&line.prev_hash, &line.hash) {
            (None, None) => {
                unchained += 1;
                continue;
            }
            (Some(p), Some(h)) => (p, h),
            _ => {
                return Err(Break::Malformed {
                    line: n,
                    message: "hash and prev_hash are both set or both null".into(),
                })
            }
        };
        if unchained > 0 {
            return Err(Break::ChainedAfterUnchained { line: n, entry_id: line.entry_id });
        }
        let bad = || Break::Malformed { line: n, message: "a hash must be 64 lower-case hex digits".into() };
        let s =
            Seen { entry_id: line.entry_id, prev: unhex(prev).ok_or_else(bad)?, hash: unhex(hash).ok_or_else(bad)? };
        if first_break.is_none() {
            if link(prev, &line) != *hash {
                first_break = Some((seen.len(), Break::Changed { line: n, entry_id: line.entry_id }));
            } else {
                match seen.last() {
                    None if prev != GENESIS => first_break = Some((0, Break::NoStart { entry_id: line.entry_id })),
                    Some(before) if before.hash != s.prev => {
                        let after = before.entry_id;
                        first_break = Some((seen.len(), Break::Removed { line: n, entry_id: line.entry_id, after }));
                    }
                    _ => {}
                }
            }
        }
        seen.push(s);
    }
    let Some((at, found)) = first_break else {
        return Ok(Verified { chained: seen.len(), unchained, last_entry: seen.last().map(|s| s.entry_id) });
    };
    // A line whose predecessor is elsewhere in the file, or whose own
    // successor comes before it, was moved rather than removed.
    if let Break::Removed { line, entry_id, .. } = found {
        let here = &seen[at];
        let before = &seen[at - 1];
        let moved = seen.iter().enumerate().any(|(j, s)| j != at - 1 && s.hash == here.prev)
            || seen[at + 1..].iter().any(|s| s.prev == before.hash)
            || entry_id < before.entry_id;
        if moved {
            return Err(Break::Reordered { line, entry_id });
        }
    }
    Err(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(id: i64, points: i64) -> ExportLine {
        ExportLine {
            cause: format!("order:{id}"),
            created_at: Timestamp(1_790_000_000 + id),
            entry_id: id,
            hash: None,
            kind: if points > 0 { EntryKind::Earn } else { EntryKind::Redeem },
            member: format!("mk_{:032x}", id % 3),
            points,
            prev_hash: None,
        }
    }

    fn file(n: i64) -> Vec<String> {
        let mut lines: Vec<ExportLine> = (1..=n).map(|i| line(i, if i % 4 == 0 { -5 } else { 10 })).collect();
        chain(GENESIS, &mut lines);
        lines.iter().map(|l| serde_json::to_string(l).unwrap()).collect()
    }

    fn check(lines: &[String]) -> Result<Verified, Break> {
        verify(lines.iter().map(String::as_str))
    }

    /// The contract's formula, computed independently of `link`: SHA-256
    /// of the previous hash and the sorted, spaceless JSON.
    #[test]
    fn a_hash_is_the_contracts_formula() {
        let l = line(1, 10);
        let text = format!(
            r#"{{"cause":"order:1","created_at":"{}","entry_id":1,"kind":"earn","member":"mk_{:032x}","points":10,"prev_hash":"{GENESIS}"}}"#,
            l.created_at.to_rfc3339(),
            1
        );
        let mut h = Sha256::new();
        h.update(GENESIS.as_bytes());
        h.update(text.as_bytes());
        assert_eq!(link(GENESIS, &l), hex(&h.finalize()));
        assert_eq!(link(GENESIS, &l).len(), 64);
    }

    #[test]
    fn a_whole_chain_verifies_and_unchained_lines_may_only_end_it() {
        let mut f = file(5);
        assert_eq!(check(&f), Ok(Verified { chained: 5, unchained: 0, last_entry: Some(5) }));
        let mut tail = line(6, 3);
        f.push(serde_json::to_string(&tail).unwrap());
        assert_eq!(check(&f).unwrap().unchained, 1);
        tail.entry_id = 7;
        f.insert(2, serde_json::to_string(&tail).unwrap());
        assert!(matches!(check(&f), Err(Break::ChainedAfterUnchained { line: 4, .. })));
    }

    #[test]
    fn an_edited_line_is_named() {
        let mut f = file(6);
        f[3] = f[3].replace("\"points\":-5", "\"points\":-50");
        assert_eq!(check(&f), Err(Break::Changed { line: 4, entry_id: 4 }));
    }

    #[test]
    fn a_removed_line_is_named_by_the_line_after_it() {
        let mut f = file(6);
        f.remove(2);
        assert_eq!(check(&f), Err(Break::Removed { line: 3, entry_id: 4, after: 2 }));
        let mut f = file(6);
        f.remove(0);
        assert_eq!(check(&f), Err(Break::NoStart { entry_id: 2 }));
    }

    #[test]
    fn swapped_lines_are_named() {
        let mut f = file(6);
        f.swap(2, 3);
        assert_eq!(check(&f), Err(Break::Reordered { line: 3, entry_id: 4 }));
    }

    #[test]
    fn a_rehashed_edit_breaks_the_next_link() {
        let mut f = file(4);
        let mut l: ExportLine = serde_json::from_str(&f[1]).unwrap();
        l.points = 1_000;
        l.hash = Some(link(l.prev_hash.as_deref().unwrap(), &l));
        f[1] = serde_json::to_string(&l).unwrap();
        assert_eq!(check(&f), Err(Break::Removed { line: 3, entry_id: 3, after: 2 }));
    }

    #[test]
    fn causes_name_the_key_not_the_customer() {
        assert_eq!(public_cause("bonus:signup:cust:1:2", "cust:1", "mk_a"), "bonus:signup:mk_a:2");
        assert_eq!(public_cause("bonus:signup:mk_a:2", "mk_a", "mk_a"), "bonus:signup:mk_a:2");
        assert_eq!(public_cause("order:cust:1", "cust:1", "mk_a"), "order:cust:1");
        assert_eq!(public_cause("bonus:signup:other:2", "cust", "mk_a"), "bonus:signup:other:2");
    }

    proptest! {
        /// Any single edit, removal or swap of a chained file is found, at
        /// or before the line it touched.
        #[test]
        fn every_tampering_is_found(n in 2i64..40, at in 0usize..40, how in 0u8..3, delta in 1i64..1000) {
            let mut f = file(n);
            let at = at % f.len();
            match how {
                0 => {
                    let mut l: ExportLine = serde_json::from_str(&f[at]).unwrap();
                    l.points += delta;
                    f[at] = serde_json::to_string(&l).unwrap();
                }
                1 => { f.remove(at); }
                _ => {
                    let other = if at + 1 < f.len() { at + 1 } else { at - 1 };
                    f.swap(at, other);
                }
            }
            if how == 1 && at == f.len() {
                // Removing the last line leaves a shorter, valid chain: the
                // export's reader compares the last entry with the ledger's.
                prop_assert!(check(&f).is_ok());
            } else {
                let e = check(&f).unwrap_err();
                let line = match e {
                    Break::Changed { line, .. } | Break::Removed { line, .. } | Break::Reordered { line, .. } => line,
                    Break::NoStart { .. } => 1,
                    other => panic!("{other}"),
                };
                prop_assert!(line <= at + 2, "{e} for change at {at}");
            }
        }
    }
}

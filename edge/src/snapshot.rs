//! A per-isolate memo of the KV snapshots (program, catalog).
//!
//! KV is itself eventually consistent (changes can take up to a minute to
//! reach every location), so holding a snapshot for a few seconds in the
//! isolate adds no new kind of staleness, and saves a KV round trip on
//! nearly every request. A write through this isolate clears the memo at
//! once; decisions that must be exact (redemption limits, balances) read D1.

use std::cell::RefCell;
use std::rc::Rc;
use std::thread::LocalKey;

/// How long a memoised snapshot is trusted, in seconds.
pub const TTL_SECS: i64 = 10;

/// A memo slot: the value and when it was fetched.
pub type Slot<T> = RefCell<Option<(i64, Rc<T>)>>;

/// The memoised value, if fresh at `now`.
pub fn get<T>(slot: &'static LocalKey<Slot<T>>, now: i64) -> Option<Rc<T>> {
    slot.with(|s| s.borrow().as_ref().filter(|(at, _)| now - at < TTL_SECS).map(|(_, v)| Rc::clone(v)))
}

/// Stores a value fetched at `now`.
pub fn put<T>(slot: &'static LocalKey<Slot<T>>, now: i64, value: T) -> Rc<T> {
    let v = Rc::new(value);
    slot.with(|s| *s.borrow_mut() = Some((now, Rc::clone(&v))));
    v
}

/// Forgets the value (after a write).
pub fn clear<T>(slot: &'static LocalKey<Slot<T>>) {
    slot.with(|s| *s.borrow_mut() = None);
}

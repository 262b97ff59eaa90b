//! D1 access: statements with typed arguments, batches, and the reading of
//! constraint failures back into domain refusals.
//!
//! Every write that must be atomic is one `batch` (one SQLite transaction);
//! the guards are constraints and triggers in `edge/migrations/`, whose
//! `RAISE(ABORT, '<name>')` names are matched in [`Conflict::classify`].

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::error::{Error, Result};

/// A bound SQL argument. D1 rejects JS BigInts, so integers travel as
/// doubles: exact for every value below 2^53, far above any points total.
#[derive(Debug, Clone)]
pub enum Arg {
    /// INTEGER.
    Int(i64),
    /// TEXT.
    Text(String),
    /// NULL.
    Null,
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}

impl Arg {
    fn js(&self) -> JsValue {
        match self {
            Arg::Int(i) => JsValue::from_f64(*i as f64),
            Arg::Text(s) => JsValue::from_str(s),
            Arg::Null => JsValue::NULL,
        }
    }
}

/// Builds an argument list: `args![a, b, c]`.
#[macro_export]
macro_rules! args {
    ($($x:expr),* $(,)?) => { &[$($crate::db::Arg::from($x)),*] };
}

/// What a failed write means, read from the database's error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// `balance_non_negative`: the member cannot pay.
    InsufficientPoints,
    /// `gift_card_funds`: the gift card cannot pay.
    InsufficientFunds,
    /// `reward_inactive`.
    RewardInactive,
    /// `per_member_limit` or `total_limit`.
    LimitReached { per_member: bool },
    /// `pool_empty`.
    PoolEmpty,
    /// `stale_member`: the member changed since it was read.
    StaleMember,
    /// `number_out_of_range`: a member's figure would pass ±(2^53 − 1)
    /// (migration 0006); `try_batch` refuses it as a bad request.
    NumberOutOfRange,
    /// Another request holds this request's Idempotency-Key: it reserved
    /// the key first (see `idempotency`); its answer is the answer.
    IdempotencyKeyTaken,
    /// `referral_invalid:…`: the referrals' guard refused a sign-up
    /// (migration 0015), for this reason.
    Referral(loyalty_core::referral::Refused),
    /// A UNIQUE or PRIMARY KEY violation on `table`.
    Duplicate { table: String },
    /// Anything else.
    Other(String),
}

impl Conflict {
    /// Classifies a D1 error message.
    pub fn classify(msg: &str) -> Conflict {
        if msg.contains("balance_non_negative") {
            Conflict::InsufficientPoints
        } else if msg.contains("gift_card_funds") {
            Conflict::InsufficientFunds
        } else if msg.contains("reward_inactive") {
            Conflict::RewardInactive
        } else if msg.contains("per_member_limit") {
            Conflict::LimitReached { per_member: true }
        } else if msg.contains("total_limit") {
            Conflict::LimitReached { per_member: false }
        } else if msg.contains("pool_empty") {
            Conflict::PoolEmpty
        } else if msg.contains("stale_member") {
            Conflict::StaleMember
        } else if msg.contains("number_out_of_range") {
            Conflict::NumberOutOfRange
        } else if let Some(r) = loyalty_core::referral::Refused::from_guard(msg) {
            Conflict::Referral(r)
        } else if let Some(i) = msg.find("constraint failed: ") {
            let rest = &msg[i + "constraint failed: ".len()..];
            if msg[..i].ends_with("UNIQUE ") || msg[..i].ends_with("PRIMARY KEY ") {
                let table = rest.split('.').next().unwrap_or("").trim().to_owned();
                if table == "idempotency" {
                    return Conflict::IdempotencyKeyTaken;
                }
                return Conflict::Duplicate { table };
            }
            Conflict::Other(msg.to_owned())
        } else {
            Conflict::Other(msg.to_owned())
        }
    }
}

/// The outcome of a batch that may hit a guard.
pub type BatchResult = std::result::Result<Vec<D1Result>, Conflict>;

/// The database.
pub struct Db(pub D1Database);

impl Db {
    /// A statement with arguments.
    pub fn stmt(&self, sql: &str, args: &[Arg]) -> Result<D1PreparedStatement> {
        let values: Vec<JsValue> = args.iter().map(Arg::js).collect();
        Ok(self.0.prepare(sql).bind(&values)?)
    }

    /// All rows of a query.
    pub async fn all<T: DeserializeOwned>(&self, sql: &str, args: &[Arg]) -> Result<Vec<T>> {
        let r = self.stmt(sql, args)?.all().await.map_err(db_err)?;
        Ok(r.results()?)
    }

    /// The first row of a query.
    pub async fn first<T: DeserializeOwned>(&self, sql: &str, args: &[Arg]) -> Result<Option<T>> {
        self.first_of(self.stmt(sql, args)?).await
    }

    /// The first row of a prepared statement.
    pub async fn first_of<T: DeserializeOwned>(&self, stmt: D1PreparedStatement) -> Result<Option<T>> {
        stmt.first(None).await.map_err(db_err)
    }

    /// Runs statements as one transaction, telling guard failures apart
    /// from real errors.
    pub async fn try_batch(&self, stmts: Vec<D1PreparedStatement>) -> Result<BatchResult> {
        match self.0.batch(stmts).await {
            Ok(r) => Ok(Ok(r)),
            Err(e) => match Conflict::classify(&e.to_string()) {
                Conflict::Other(m) => Err(Error::Internal(format!("d1: {m}"))),
                // No caller can do anything but refuse: refused here, once.
                Conflict::NumberOutOfRange => {
                    Err(Error::invalid("", "the request would take a stored figure past ±(2^53 - 1)"))
                }
                c => Ok(Err(c)),
            },
        }
    }

    /// Runs statements as one transaction; any guard failure is an error.
    pub async fn batch(&self, stmts: Vec<D1PreparedStatement>) -> Result<Vec<D1Result>> {
        self.try_batch(stmts).await?.map_err(|c| Error::Internal(format!("d1 conflict: {c:?}")))
    }
}

/// Rows of statement `i` of a batch.
pub fn rows<T: DeserializeOwned>(results: &[D1Result], i: usize) -> Result<Vec<T>> {
    results.get(i).map_or_else(|| Ok(Vec::new()), |r| Ok(r.results()?))
}

/// Rows changed by statement `i` of a batch.
pub fn changes(results: &[D1Result], i: usize) -> usize {
    results.get(i).and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0)
}

fn db_err(e: worker::Error) -> Error {
    Error::Internal(format!("d1: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_guard_failures() {
        assert_eq!(
            Conflict::classify("D1_ERROR: CHECK constraint failed: balance_non_negative: SQLITE_CONSTRAINT"),
            Conflict::InsufficientPoints
        );
        assert_eq!(
            Conflict::classify("D1_ERROR: per_member_limit: SQLITE_CONSTRAINT"),
            Conflict::LimitReached { per_member: true }
        );
        assert_eq!(
            Conflict::classify("D1_ERROR: UNIQUE constraint failed: orders.order_id: SQLITE_CONSTRAINT"),
            Conflict::Duplicate { table: "orders".into() }
        );
        assert_eq!(
            Conflict::classify("UNIQUE constraint failed: idempotency.scope, idempotency.key"),
            Conflict::IdempotencyKeyTaken
        );
        // The referrals' guard, as D1 reported it when twenty sign-ups raced.
        assert_eq!(
            Conflict::classify(
                "Error: referral_invalid:already_referred: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_TRIGGER)"
            ),
            Conflict::Referral(loyalty_core::referral::Refused::AlreadyReferred)
        );
        assert!(matches!(Conflict::classify("network down"), Conflict::Other(_)));
    }
}

//! # loyalty-core
//!
//! Every rule of a Loyalty Edge program, as pure functions over values.
//!
//! Nothing in this crate performs I/O, reads a clock or draws randomness on its
//! own: the time is always a [`Timestamp`] argument and randomness a
//! caller-supplied source. That is what lets the same functions run in the
//! Worker (which enforces them) and in the widget (which explains them), and
//! what makes them testable with properties instead of hopes.
//!
//! Map of the modules, in the order a request meets them:
//! - [`ids`], [`timestamp`]: the validated scalars of the wire contract.
//! - [`token`]: customer tokens (HS256 JWT) minted by a storefront backend.
//! - [`apikey`]: scoped API keys: their form, their stored hash, what each scope grants.
//! - [`session`]: the console's cookie sessions, begun with an admin-scope key.
//! - [`program`]: the program configuration (earn rules, tiers, policies).
//! - [`earn`], [`tier`]: how many points an event earns; which tier a member holds.
//! - [`items`]: what each item of an order earns, and what refunding some of them takes back.
//! - [`ledger`]: entries, balances, FIFO lots, expiry and proportional reversal.
//! - [`reward`], [`eligibility`]: the catalog and who may redeem what, and why not.
//! - [`redemption`]: the decision to redeem, or a typed refusal.
//! - [`reward_order`]: rewards a store sends without points (seed 003): orders, lines, statuses, claim links.
//! - [`referral`]: members' codes and links, who may sign up through one, and which order completes it.
//! - [`lang`]: the languages shoppers read refusals and earn rules in (English, French).
//! - [`money`]: integer amounts of a currency, and how shoppers read them.
//! - [`checkout`]: paying with points at checkout: what they are worth, which amounts may be asked for.
//! - [`coupon`]: codes, their format, and the discount they give at checkout.
//! - [`analytics`]: the summary's range and its figures, from the daily counts the schema keeps.
//! - [`webhook`]: events told to the store: types, payloads, Standard Webhooks signatures, retries.
//! - [`wire`]: the JSON shapes of `shared/API.md` shared by edge and widget.

#![warn(missing_docs)]

pub mod analytics;
pub mod apikey;
pub mod chain;
pub mod checkout;
pub mod coupon;
pub mod earn;
pub mod eligibility;
pub mod error;
mod flat;
pub mod ids;
pub mod import;
pub mod items;
pub mod lang;
pub mod ledger;
pub mod money;
pub mod numbers;
#[cfg(feature = "schema")]
pub mod openapi;
pub mod program;
pub mod redemption;
pub mod referral;
pub mod reward;
pub mod reward_order;
pub mod search;
pub mod session;
pub mod tier;
pub mod timestamp;
pub mod token;
pub mod webhook;
pub mod wire;

pub use error::{Error, Refusal};
pub use lang::Lang;
pub use timestamp::Timestamp;

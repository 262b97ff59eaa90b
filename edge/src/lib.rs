//! # loyalty-edge
//!
//! The Cloudflare Worker that serves the Loyalty Edge API (`shared/API.md`).
//! A thin adapter: this file routes, `auth` authenticates, each resource
//! module translates HTTP to `loyalty-core` calls and D1 batches. Decisions
//! live in core; atomicity lives in the schema (`edge/migrations/`).
//!
//! Routes at a glance (see [`Route`]):
//!
//! | class    | routes |
//! |----------|--------|
//! | public   | `GET /v1/health`, `GET /v1/program`, `GET /v1/openapi.json` |
//! | console  | `POST/GET/DELETE /v1/session`: an admin-scope key exchanged for an HttpOnly session cookie, which then stands for the key on server routes (`sessions`) |
//! | shopper  | `GET /v1/me`, `GET /v1/me/rewards`, `POST /v1/me/redemptions`, `GET /v1/me/transactions`, `GET /v1/me/coupons`, `GET /v1/me/referral`, `GET /v1/me/activities` |
//! | server   | `/v1/rewards…`, `/v1/members…`, `POST /v1/events`, `POST /v1/orders/{id}/refunds`, `/v1/coupons…`, `POST /v1/referrals`, `PUT /v1/program`, `GET /v1/program/config`, `/v1/webhooks…`, `/v1/api-keys…`, `GET /v1/analytics/summary` (the root key, or a key whose scopes grant `Route::scope`) |
//! | queue    | the `WEBHOOKS` consumer: one try of each delivery (`webhooks::consume`) |
//! | dev only | `POST /dev/token`, `POST /dev/checkout/{validate,redeem,purchase}` |

mod analytics;
mod api_keys;
mod audit;
mod auth;
mod checkout;
mod config;
mod coupons;
pub mod db;
mod dev;
mod error;
mod gift_cards;
mod http;
mod idempotency;
mod imports;
mod log;
mod members;
mod orders;
mod privacy;
mod program;
mod redemptions;
mod referrals;
mod reward_orders;
mod rewards;
mod schedule;
mod sessions;
mod snapshot;
mod tiers;
mod webhooks;
mod write;

use web_sys::{Headers, Request, Response, ResponseInit};
use worker::{event, Context, Env, Method, ScheduleContext, ScheduledEvent};

use loyalty_core::apikey::Scope;
use loyalty_core::wire::{Health, HealthStatus};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::{Ctx, Reply};

/// The OpenAPI document, served at `/v1/openapi.json`.
const OPENAPI: &str = include_str!("../openapi.json");

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// The store's server, with the API key.
    Server,
    /// A shopper, with a customer token; the handler gets the claims and
    /// the shopper's request budget (`auth::customer`).
    Shopper,
    /// Only a development Worker on a loopback host (`Config::development`).
    Development,
}

/// Every route, by path; methods are checked in [`dispatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    Health,
    Program,
    ProgramConfig,
    Session,
    OpenApi,
    Me,
    MeRewards,
    MeRedemptions,
    MeTransactions,
    MeCoupons,
    MeReferral,
    MeActivities,
    Referrals,
    Rewards,
    Reward(&'a str),
    RewardCoupons(&'a str),
    Members,
    Member(&'a str),
    MemberRewards(&'a str),
    MemberTransactions(&'a str),
    MemberAdjustments(&'a str),
    MemberRedemptions(&'a str),
    MemberExport(&'a str),
    MemberCoupons(&'a str),
    Imports,
    LedgerExport,
    Events,
    OrderRefunds(&'a str),
    CouponsValidate,
    CouponRedeem(&'a str),
    CheckoutPoints,
    CheckoutCode(&'a str),
    GiftCard(&'a str),
    GiftCardDebit(&'a str),
    RewardOrders,
    RewardOrder(&'a str),
    Claim(&'a str),
    Webhooks,
    Webhook(&'a str),
    WebhookRotate(&'a str),
    WebhookDeliveries(&'a str),
    WebhookRetry(&'a str, &'a str),
    ApiKeys,
    ApiKey(&'a str),
    Analytics,
    DevToken,
    DevCheckout(&'a str),
}

impl<'a> Route<'a> {
    /// Matches a path.
    pub fn parse(path: &'a str) -> Option<Route<'a>> {
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        Some(match segs.as_slice() {
            ["v1", "health"] => Route::Health,
            ["v1", "program"] => Route::Program,
            ["v1", "program", "config"] => Route::ProgramConfig,
            ["v1", "session"] => Route::Session,
            ["v1", "openapi.json"] => Route::OpenApi,
            ["v1", "me"] => Route::Me,
            ["v1", "me", "rewards"] => Route::MeRewards,
            ["v1", "me", "redemptions"] => Route::MeRedemptions,
            ["v1", "me", "transactions"] => Route::MeTransactions,
            ["v1", "me", "coupons"] => Route::MeCoupons,
            ["v1", "me", "referral"] => Route::MeReferral,
            ["v1", "me", "activities"] => Route::MeActivities,
            ["v1", "referrals"] => Route::Referrals,
            ["v1", "rewards"] => Route::Rewards,
            ["v1", "rewards", id] => Route::Reward(id),
            ["v1", "rewards", id, "coupons"] => Route::RewardCoupons(id),
            ["v1", "members"] => Route::Members,
            ["v1", "members", id] => Route::Member(id),
            ["v1", "members", id, "rewards"] => Route::MemberRewards(id),
            ["v1", "members", id, "transactions"] => Route::MemberTransactions(id),
            ["v1", "members", id, "adjustments"] => Route::MemberAdjustments(id),
            ["v1", "members", id, "redemptions"] => Route::MemberRedemptions(id),
            ["v1", "members", id, "export"] => Route::MemberExport(id),
            ["v1", "members", id, "coupons"] => Route::MemberCoupons(id),
            ["v1", "imports"] => Route::Imports,
            ["v1", "ledger", "export"] => Route::LedgerExport,
            ["v1", "events"] => Route::Events,
            ["v1", "orders", id, "refunds"] => Route::OrderRefunds(id),
            ["v1", "coupons", "validate"] => Route::CouponsValidate,
            ["v1", "coupons", code, "redeem"] => Route::CouponRedeem(code),
            ["v1", "reward-orders"] => Route::RewardOrders,
            ["v1", "reward-orders", id] => Route::RewardOrder(id),
            ["v1", "claims", token] => Route::Claim(token),
            ["v1", "gift-cards", code] => Route::GiftCard(code),
            ["v1", "gift-cards", code, "debit"] => Route::GiftCardDebit(code),
            ["v1", "checkout", "points"] => Route::CheckoutPoints,
            ["v1", "checkout", "points", code] => Route::CheckoutCode(code),
            ["v1", "webhooks"] => Route::Webhooks,
            ["v1", "webhooks", id] => Route::Webhook(id),
            ["v1", "webhooks", id, "rotate-secret"] => Route::WebhookRotate(id),
            ["v1", "webhooks", id, "deliveries"] => Route::WebhookDeliveries(id),
            ["v1", "webhooks", id, "deliveries", d, "retry"] => Route::WebhookRetry(id, d),
            ["v1", "api-keys"] => Route::ApiKeys,
            ["v1", "api-keys", id] => Route::ApiKey(id),
            ["v1", "analytics", "summary"] => Route::Analytics,
            ["dev", "token"] => Route::DevToken,
            ["dev", "checkout", action] => Route::DevCheckout(action),
            _ => return None,
        })
    }

    /// Who may call the route with `method`: checked in [`handle`] before
    /// any handler runs, so no handler can forget it.
    pub fn access(self, method: &Method) -> Access {
        match self {
            // The session routes authenticate themselves (a key to sign in,
            // the cookie after).
            Route::Health | Route::OpenApi | Route::Session => Access::Public,
            // The claim link's token is its credential.
            Route::Claim(_) => Access::Public,
            Route::Program if *method == Method::Get => Access::Public,
            Route::Me
            | Route::MeRewards
            | Route::MeRedemptions
            | Route::MeTransactions
            | Route::MeCoupons
            | Route::MeReferral
            | Route::MeActivities => Access::Shopper,
            Route::DevToken | Route::DevCheckout(_) => Access::Development,
            _ => Access::Server,
        }
    }

    /// The scope a key needs for a server route with `method`
    /// (shared/API.md, "API keys with scopes"): `read` for every GET,
    /// `checkout` for what a checkout calls, `admin` for the rest.
    pub fn scope(self, method: &Method) -> Scope {
        match (self, method) {
            (Route::ApiKeys | Route::ApiKey(_), _) => Scope::Admin,
            (_, Method::Get) => Scope::Read,
            (
                Route::Events
                | Route::OrderRefunds(_)
                | Route::CouponsValidate
                | Route::CouponRedeem(_)
                | Route::CheckoutPoints
                | Route::GiftCardDebit(_)
                | Route::Referrals,
                Method::Post,
            ) => Scope::Checkout,
            (Route::CheckoutCode(_), Method::Delete) => Scope::Checkout,
            _ => Scope::Admin,
        }
    }

    /// Routes a browser calls across origins (CORS allowed).
    pub fn is_browser(self) -> bool {
        matches!(
            self,
            Route::Program
                | Route::Me
                | Route::MeRewards
                | Route::MeRedemptions
                | Route::MeTransactions
                | Route::MeCoupons
                | Route::MeReferral
                | Route::MeActivities
        )
    }

    /// The route's template, for logs.
    pub fn template(self) -> &'static str {
        match self {
            Route::Health => "/v1/health",
            Route::Program => "/v1/program",
            Route::ProgramConfig => "/v1/program/config",
            Route::Session => "/v1/session",
            Route::OpenApi => "/v1/openapi.json",
            Route::Me => "/v1/me",
            Route::MeRewards => "/v1/me/rewards",
            Route::MeRedemptions => "/v1/me/redemptions",
            Route::MeTransactions => "/v1/me/transactions",
            Route::MeCoupons => "/v1/me/coupons",
            Route::MeReferral => "/v1/me/referral",
            Route::MeActivities => "/v1/me/activities",
            Route::Referrals => "/v1/referrals",
            Route::Rewards => "/v1/rewards",
            Route::Reward(_) => "/v1/rewards/{reward_id}",
            Route::RewardCoupons(_) => "/v1/rewards/{reward_id}/coupons",
            Route::Members => "/v1/members",
            Route::Member(_) => "/v1/members/{customer_id}",
            Route::MemberRewards(_) => "/v1/members/{customer_id}/rewards",
            Route::MemberTransactions(_) => "/v1/members/{customer_id}/transactions",
            Route::MemberAdjustments(_) => "/v1/members/{customer_id}/adjustments",
            Route::MemberRedemptions(_) => "/v1/members/{customer_id}/redemptions",
            Route::MemberExport(_) => "/v1/members/{customer_id}/export",
            Route::MemberCoupons(_) => "/v1/members/{customer_id}/coupons",
            Route::Imports => "/v1/imports",
            Route::LedgerExport => "/v1/ledger/export",
            Route::Events => "/v1/events",
            Route::OrderRefunds(_) => "/v1/orders/{order_id}/refunds",
            Route::CouponsValidate => "/v1/coupons/validate",
            Route::CouponRedeem(_) => "/v1/coupons/{code}/redeem",
            Route::RewardOrders => "/v1/reward-orders",
            Route::RewardOrder(_) => "/v1/reward-orders/{order_id}",
            Route::Claim(_) => "/v1/claims/{token}",
            Route::GiftCard(_) => "/v1/gift-cards/{code}",
            Route::GiftCardDebit(_) => "/v1/gift-cards/{code}/debit",
            Route::CheckoutPoints => "/v1/checkout/points",
            Route::CheckoutCode(_) => "/v1/checkout/points/{code}",
            Route::Webhooks => "/v1/webhooks",
            Route::Webhook(_) => "/v1/webhooks/{webhook_id}",
            Route::WebhookRotate(_) => "/v1/webhooks/{webhook_id}/rotate-secret",
            Route::WebhookDeliveries(_) => "/v1/webhooks/{webhook_id}/deliveries",
            Route::WebhookRetry(..) => "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
            Route::ApiKeys => "/v1/api-keys",
            Route::ApiKey(_) => "/v1/api-keys/{key_id}",
            Route::Analytics => "/v1/analytics/summary",
            Route::DevToken => "/dev/token",
            Route::DevCheckout(_) => "/dev/checkout/{action}",
        }
    }
}

async fn dispatch(ctx: &mut Ctx, route: Route<'_>) -> Result<Reply> {
    use Method::{Delete, Get, Patch, Post, Put};
    let m = ctx.method.clone();
    match (route, m) {
        (Route::Health, Get) => Reply::json(200, &Health { status: HealthStatus::Ok }),
        (Route::OpenApi, Get) => Ok(Reply::raw(200, OPENAPI.to_owned())),
        (Route::Program, Get) => program::get(ctx).await,
        (Route::Program, Put) => program::put(ctx).await,
        (Route::ProgramConfig, Get) => program::config(ctx).await,
        (Route::Session, Post) => sessions::sign_in(ctx).await,
        (Route::Session, Get) => sessions::current(ctx).await,
        (Route::Session, Delete) => sessions::sign_out(ctx).await,

        // Reads run while the shopper's budget is checked; the redemption
        // checks it beside its own read, before it writes.
        (Route::Me, Get) => {
            let (c, budget) = auth::customer(ctx)?;
            auth::with_budget(budget, members::me(ctx, &c.sub)).await
        }
        (Route::MeRewards, Get) => {
            let (c, budget) = auth::customer(ctx)?;
            auth::with_budget(budget, members::shopper_offers(ctx, &c.sub)).await
        }
        (Route::MeRedemptions, Post) => {
            let (c, budget) = auth::customer(ctx)?;
            redemptions::redeem(ctx, &c.sub, &format!("customer:{}", c.sub), budget).await
        }
        (Route::MeTransactions, Get) => {
            let (c, budget) = auth::customer(ctx)?;
            auth::with_budget(budget, members::transactions(ctx, &c.sub)).await
        }
        (Route::MeCoupons, Get) => {
            let (c, budget) = auth::customer(ctx)?;
            auth::with_budget(budget, coupons::mine(ctx, &c.sub)).await
        }
        (Route::MeReferral, Get) => {
            let (c, budget) = auth::customer(ctx)?;
            auth::with_budget(budget, referrals::mine(ctx, &c.sub)).await
        }
        (Route::MeActivities, Get) => {
            let (c, budget) = auth::customer(ctx)?;
            auth::with_budget(budget, orders::my_activities(ctx, &c.sub)).await
        }
        (Route::Referrals, Post) => referrals::sign_up(ctx).await,

        (Route::Rewards, Get) => rewards::list(ctx).await,
        (Route::Reward(id), Put) => rewards::put(ctx, id).await,
        (Route::Reward(id), Get) => rewards::get(ctx, id).await,
        (Route::Reward(id), Delete) => rewards::delete(ctx, id).await,
        (Route::RewardCoupons(id), Post) => rewards::add_pool(ctx, id).await,

        (Route::Members, Get) => members::list(ctx).await,
        (Route::Imports, Post) => imports::post(ctx).await,
        (Route::LedgerExport, Get) => audit::export(ctx).await,
        (Route::Member(id), Get | Patch | Delete)
        | (
            Route::MemberRewards(id)
            | Route::MemberTransactions(id)
            | Route::MemberExport(id)
            | Route::MemberCoupons(id),
            Get,
        )
        | (Route::MemberAdjustments(id) | Route::MemberRedemptions(id), Post) => {
            let id = members::checked(id)?;
            ctx.member = Some(id.to_owned());
            match (route, &ctx.method) {
                (Route::Member(_), Get) => members::get(ctx, id).await,
                (Route::Member(_), Delete) => privacy::erase(ctx, id).await,
                (Route::Member(_), _) => members::patch(ctx, id).await,
                (Route::MemberExport(_), _) => privacy::export(ctx, id).await,
                (Route::MemberCoupons(_), _) => coupons::mine(ctx, id).await,
                (Route::MemberRewards(_), _) => members::eligible_offers(ctx, id).await,
                (Route::MemberTransactions(_), _) => members::transactions(ctx, id).await,
                (Route::MemberAdjustments(_), _) => members::adjust(ctx, id).await,
                _ => redemptions::redeem(ctx, id, "server", auth::Budget::unlimited()).await,
            }
        }

        (Route::Events | Route::OrderRefunds(_) | Route::CouponsValidate | Route::CouponRedeem(_), Post) => match route
        {
            Route::Events => orders::post_event(ctx).await,
            Route::OrderRefunds(id) => orders::refund(ctx, id).await,
            Route::CouponsValidate => coupons::validate(ctx).await,
            Route::CouponRedeem(code) => coupons::redeem(ctx, code).await,
            _ => Err(Error::MethodNotAllowed),
        },

        (Route::CheckoutPoints, Post) => checkout::make(ctx).await,
        (Route::RewardOrders, Post) => reward_orders::create(ctx).await,
        (Route::RewardOrder(id), Get) => reward_orders::get(ctx, id).await,
        (Route::Claim(token), Get) => reward_orders::claim(ctx, token, false).await,
        (Route::Claim(token), Post) => reward_orders::claim(ctx, token, true).await,
        (Route::GiftCard(code), Get) => gift_cards::get(ctx, code).await,
        (Route::GiftCardDebit(code), Post) => gift_cards::debit(ctx, code).await,
        (Route::CheckoutCode(code), Delete) => checkout::cancel(ctx, code).await,

        (Route::ApiKeys, Post) => api_keys::create(ctx).await,
        (Route::ApiKeys, Get) => api_keys::list(ctx).await,
        (Route::ApiKey(id), Delete) => api_keys::revoke(ctx, id).await,
        (Route::Analytics, Get) => analytics::summary(ctx).await,

        (Route::Webhooks, Post | Get)
        | (Route::Webhook(_), Get | Delete)
        | (Route::WebhookRotate(_) | Route::WebhookRetry(..), Post)
        | (Route::WebhookDeliveries(_), Get) => match (route, &ctx.method) {
            (Route::Webhooks, Post) => webhooks::create(ctx).await,
            (Route::Webhooks, _) => webhooks::list(ctx).await,
            (Route::Webhook(id), Get) => webhooks::get(ctx, id).await,
            (Route::Webhook(id), _) => webhooks::delete(ctx, id).await,
            (Route::WebhookRotate(id), _) => webhooks::rotate(ctx, id).await,
            (Route::WebhookDeliveries(id), _) => webhooks::deliveries(ctx, id).await,
            (Route::WebhookRetry(id, d), _) => webhooks::retry(ctx, id, d).await,
            _ => Err(Error::MethodNotAllowed),
        },

        // A page on another site can POST `text/plain` to a developer's
        // local server without asking; `application/json` needs a CORS
        // preflight, which these routes never allow.
        (Route::DevToken | Route::DevCheckout(_), Post) if !dev::is_json(ctx) => {
            Err(Error::invalid("Content-Type", "development routes take application/json"))
        }
        (Route::DevToken, Post) => dev::token(ctx).await,
        (Route::DevCheckout(action), Post) => dev::checkout(ctx, action).await,

        _ => Err(Error::MethodNotAllowed),
    }
}

/// Handles one request, start to finish; never returns an error response
/// without the contract's body.
async fn handle(ctx: &mut Ctx) -> (Reply, Option<String>) {
    let path = ctx.path.clone();
    let Some(route) = Route::parse(&path) else {
        return (Reply::error(&Error::NotFound(format!("no route {path}"))), None);
    };
    ctx.route = route.template();
    ctx.browser = route.is_browser();
    if route != Route::Health {
        match Config::load(&ctx.env, &ctx.host) {
            Ok(c) => ctx.config = Some(c),
            Err(e) => return (Reply::error(&e), Some(e.to_string())),
        }
    }
    if ctx.method == Method::Options {
        if route.is_browser() {
            return (Reply::raw(204, String::new()), None);
        }
        return (Reply::error(&Error::MethodNotAllowed), None);
    }
    let allowed = match route.access(&ctx.method) {
        Access::Public | Access::Shopper => Ok(()),
        Access::Server => auth::server(ctx, route.scope(&ctx.method)).await,
        Access::Development if ctx.config.as_ref().is_some_and(|c| c.development) => Ok(()),
        Access::Development => Err(Error::NotFound("no such route".into())),
    };
    let dispatched = match allowed {
        Ok(()) => dispatch(ctx, route).await,
        Err(e) => Err(e),
    };
    match dispatched {
        Ok(r) => (r, None),
        Err(e) => {
            let e = match e.status_and_code().0 {
                401 => auth::failed(ctx, e).await,
                _ => e,
            };
            let detail = matches!(e, Error::Internal(_)).then(|| e.to_string());
            (Reply::error(&e), detail)
        }
    }
}

fn respond(ctx: &Ctx, reply: Reply) -> std::result::Result<Response, wasm_bindgen::JsValue> {
    let h = Headers::new()?;
    if reply.status != 204 {
        h.set("content-type", reply.content_type)?;
    }
    h.set("cache-control", "no-store")?;
    h.set("x-content-type-options", "nosniff")?;
    if let Some(cookie) = &reply.cookie {
        h.set("set-cookie", cookie)?;
    }
    if reply.status == 429 {
        h.set("retry-after", &auth::PERIOD_SECS.to_string())?;
    }
    if ctx.browser {
        // The answer depends on who asks (CORS) and in which language
        // (earn rules and refusal reasons are worded per language).
        h.set("vary", "Origin, Accept-Language")?;
        let origin = ctx.header("origin");
        if let Some(allow) = ctx.config.as_ref().and_then(|c| c.cors_origin(origin.as_deref())) {
            h.set("access-control-allow-origin", &allow)?;
            h.set("access-control-expose-headers", "retry-after")?;
            if ctx.method == Method::Options {
                h.set("access-control-allow-methods", "GET, POST, OPTIONS")?;
                h.set("access-control-allow-headers", "accept-language, authorization, content-type, idempotency-key")?;
                h.set("access-control-max-age", "86400")?;
            }
        }
    }
    let init = ResponseInit::new();
    init.set_status(reply.status);
    init.set_headers(&h);
    let body = (reply.status != 204).then_some(reply.body.as_str());
    Response::new_with_opt_str_and_init(body, &init)
}

/// Requests slower than this are logged even when they succeed.
const SLOW_MS: u64 = 1000;

#[event(fetch)]
// The raw `web_sys` request and response rather than worker's wrappers:
// the wrapper reads `request.cf` and parses the URL up front on every
// request, which showed in the CPU profile of a loaded Worker.
async fn fetch(req: Request, env: Env, worker_ctx: Context) -> worker::Result<Response> {
    let started = js_sys::Date::now();
    let mut ctx = Ctx::new(req, env, http::now());
    let (reply, error) = handle(&mut ctx).await;
    let status = reply.status;
    // The deliveries of the events this request's writes made, claimed in
    // their batch: to the Queue once the answer is on its way (whatever the
    // answer: what was committed is told).
    let to_queue = std::mem::take(&mut *ctx.to_queue.borrow_mut());
    if !to_queue.is_empty() {
        let env = ctx.env.clone();
        worker_ctx.wait_until(async move {
            if let Err(e) = webhooks::send(&env, to_queue).await {
                log::webhook_error("send", &e.to_string());
            }
        });
    }
    let resp = respond(&ctx, reply).map_err(worker::Error::from);
    let duration_ms = (js_sys::Date::now() - started).max(0.0) as u64;
    // Cloudflare already records every invocation (URL, status, duration;
    // `[observability]` in wrangler.toml), so our own line is for what it
    // cannot know (route template, member, internal detail) and only where
    // someone will look: failures and slow requests. A line per success
    // cost about a third of the throughput under local load (BENCHMARKS.md).
    if status >= 400 || duration_ms >= SLOW_MS {
        log::request(ctx.method.as_ref(), ctx.route, status, duration_ms, ctx.member.as_deref(), error.as_deref());
    }
    resp
}

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now = http::now();
    // Each step, and in expiry each member, runs whatever the others did:
    // one that fails is logged and skipped, never the end of the job.
    let mut errors = Vec::new();
    let (mut activated, mut expired) = (0, 0);
    match env.d1("DB").map(db::Db) {
        Ok(db) => {
            match schedule::activate_pending(&db, now).await {
                Ok(n) => activated = n,
                Err(e) => errors.push(format!("activation: {e}")),
            }
            // Before expiry: points given back this run may be due to expire.
            if let Err(e) = checkout::return_unused(&db, now).await {
                errors.push(format!("checkout codes' returns: {e}"));
            }
            if let Err(e) = schedule::grant_birthdays(&db, now, schedule::BUDGET, &mut errors).await {
                errors.push(format!("birthday bonuses: {e}"));
            }
            if let Err(e) = tiers::review(&db, now, schedule::BUDGET, &mut errors).await {
                errors.push(format!("tier review: {e}"));
            }
            match schedule::expire_due(&db, now, schedule::BUDGET, &mut errors).await {
                Ok(n) => expired = n,
                Err(e) => errors.push(format!("expiry: {e}")),
            }
            // Warnings are only ever webhooks: with no endpoint, none is
            // made (and no lot is marked as told).
            match webhooks::subscribed(&db).await {
                Ok(true) => {
                    if let Err(e) = schedule::warn_expiring(&db, now, schedule::BUDGET, &mut errors).await {
                        errors.push(format!("expiry warnings: {e}"));
                    }
                }
                Ok(false) => {}
                Err(e) => errors.push(format!("expiry warnings: {e}")),
            }
            if let Err(e) = idempotency::purge(&db, now.0).await {
                errors.push(format!("idempotency purge: {e}"));
            }
            if let Err(e) = webhooks::purge(&db, now).await {
                errors.push(format!("events purge: {e}"));
            }
            if let Err(e) = sessions::purge(&db, now).await {
                errors.push(format!("console sessions purge: {e}"));
            }
            // The ledger's hash chain reaches every entry written before
            // this run (50 chunks of 2,000 a minute at most).
            if let Err(e) = audit::extend(&db, 50).await {
                errors.push(format!("ledger chain: {e}"));
            }
            // The sweep: deliveries a write did not hand over (another
            // isolate's memo, a lost send) and retries not taken up.
            if let Err(e) = webhooks::drain(&env, now).await {
                errors.push(format!("webhook drain: {e}"));
            }
        }
        Err(e) => errors.push(format!("D1: {e}")),
    }
    log::scheduled(&event.cron(), activated, expired, &errors);
}

/// The webhook Queue's consumer: this same Worker.
#[event(queue)]
async fn queue(batch: worker::MessageBatch<webhooks::Try>, env: Env, _ctx: Context) -> worker::Result<()> {
    webhooks::consume(batch, env).await.map_err(|e| worker::Error::RustError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse() {
        assert_eq!(Route::parse("/v1/me"), Some(Route::Me));
        assert_eq!(Route::parse("/v1/me/"), Some(Route::Me));
        assert_eq!(Route::parse("/v1/members/alice/adjustments"), Some(Route::MemberAdjustments("alice")));
        assert_eq!(Route::parse("/v1/coupons/LOY-ABCD/redeem"), Some(Route::CouponRedeem("LOY-ABCD")));
        assert_eq!(Route::parse("/v1/coupons/validate"), Some(Route::CouponsValidate));
        assert_eq!(
            Route::parse("/v1/webhooks/wh_1/deliveries/dlv_2/retry"),
            Some(Route::WebhookRetry("wh_1", "dlv_2"))
        );
        assert_eq!(Route::parse("/v2/me"), None);
        assert_eq!(Route::parse("/"), None);
        assert!(Route::parse("/v1/program").unwrap().is_browser());
        assert!(Route::parse("/v1/me/coupons").unwrap().is_browser());
        assert!(!Route::parse("/v1/events").unwrap().is_browser());
    }
}

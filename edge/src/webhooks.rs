//! Webhooks: the endpoints a store subscribes (`/v1/webhooks…`), the hand
//! over of due deliveries to the Queue, and the Queue consumer that signs
//! and sends them.
//!
//! Events are written by the schema itself, in the batch of the change
//! they report (migration 0007). What is left here is moving them: a write
//! batch, while an endpoint is subscribed, ends with [`fan_out_stmts`]
//! (one delivery per event and endpoint) and [`claim_stmt`], and `fetch`
//! [`send`]s what it claimed to the Queue after the answer; [`drain`] does
//! the same from the scheduled job for whatever no write did, and queues
//! again what was lost; [`consume`] sends each delivery once per try,
//! records the answer, and queues the next try with the delay core decides.

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use loyalty_core::ids::check_id;
use loyalty_core::webhook::{self, EventData, EventType, Outcome, Payload, Subscription};
use loyalty_core::wire::{
    Delivery, DeliveryPage, DeliveryStatus, RetryAccepted, SecretRotated, Webhook, WebhookCreated, WebhookDeleted,
    WebhookList, WebhookRequest,
};
use loyalty_core::Timestamp;
use serde::{Deserialize, Serialize};
use worker::{
    BatchMessageBuilder, D1PreparedStatement, D1Result, Env, Fetch, Headers, MessageBuilder, Method, Queue, Request,
    RequestInit,
};

use crate::args;
use crate::db::{self, changes, Db};
use crate::error::{Error, Result};
use crate::http::{fill_random, int_param, parse_json, random_id, Ctx, Reply};
use crate::log;
use crate::snapshot;

/// The Queue binding (producer and consumer: the same Worker).
const QUEUE: &str = "WEBHOOKS";

/// Deliveries handed to the Queue per claim.
const CLAIM: i64 = 100;

/// The simultaneous open connections a Worker invocation may have
/// (Cloudflare's limit): the consumer's POSTs of a batch go this many at a
/// time, so each one's timeout measures the endpoint, not the wait.
const OPEN_CONNECTIONS: usize = 6;

/// A queued delivery not taken up this long after it was due is queued
/// again (the Worker restarted, or the send to the Queue failed); in
/// development a few seconds, so a local test sees the sweep at work.
fn overdue_secs(env: &Env) -> i64 {
    if development(env) {
        5
    } else {
        120
    }
}

/// `LOYALTY_ENV=development`: shorter retry delays and sweeps. The Queue
/// consumer and the cron have no request host to check, and these only
/// make deliveries come sooner, so the setting alone decides.
fn development(env: &Env) -> bool {
    crate::config::asks_development(env)
}

/// What a Queue message carries: one try of one delivery. `attempt` is the
/// number of tries before this one; a duplicate message for a try already
/// made finds the count moved on and does nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Try {
    delivery_id: String,
    attempt: u32,
}

#[derive(Deserialize)]
struct EndpointRow {
    webhook_id: String,
    url: String,
    events: String,
    description: Option<String>,
    active: i64,
    created_at: i64,
}

impl EndpointRow {
    fn wire(self) -> Result<Webhook> {
        Ok(Webhook {
            webhook_id: self.webhook_id,
            url: self.url,
            events: serde_json::from_str(&self.events)?,
            description: self.description,
            active: self.active == 1,
            created_at: Timestamp(self.created_at),
        })
    }
}

const ENDPOINT_COLUMNS: &str = "webhook_id, url, events, description, active, created_at";

async fn find(db: &Db, webhook_id: &str) -> Result<EndpointRow> {
    check_id("webhook_id", webhook_id)?;
    db.first(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE webhook_id = ?"), args![webhook_id])
        .await?
        .ok_or_else(|| Error::NotFound(format!("no webhook {webhook_id}")))
}

/// `POST /v1/webhooks`: subscribes an endpoint; the answer holds its secret.
pub async fn create(ctx: &mut Ctx) -> Result<Reply> {
    let body = ctx.body().await?;
    let req: WebhookRequest = parse_json(&body)?;
    webhook::check_url(&req.url, ctx.config()?.development)?;
    let events = Subscription::parse(&req.events)?.names();
    if req.description.as_ref().is_some_and(|d| d.len() > 500) {
        return Err(Error::invalid("description", "must be at most 500 characters"));
    }
    let webhook_id = random_id("wh");
    let secret = webhook::new_secret(&mut fill_random);
    let db = ctx.db()?;
    db.stmt(
        "INSERT INTO webhook_endpoints (webhook_id, url, events, description, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        args![&webhook_id, &req.url, serde_json::to_string(&events)?, req.description.clone(), &secret, ctx.now.0],
    )?
    .run()
    .await?;
    snapshot::put(&HOOKED, ctx.now.0, true);
    let webhook =
        Webhook { webhook_id, url: req.url, events, description: req.description, active: true, created_at: ctx.now };
    Reply::json(201, &WebhookCreated { webhook, secret })
}

/// `GET /v1/webhooks`.
pub async fn list(ctx: &mut Ctx) -> Result<Reply> {
    let rows: Vec<EndpointRow> = ctx
        .db()?
        .all(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, webhook_id"), args![])
        .await?;
    let webhooks = rows.into_iter().map(EndpointRow::wire).collect::<Result<_>>()?;
    Reply::json(200, &WebhookList { webhooks })
}

/// `GET /v1/webhooks/{webhook_id}`.
pub async fn get(ctx: &mut Ctx, webhook_id: &str) -> Result<Reply> {
    Reply::json(200, &find(&ctx.db()?, webhook_id).await?.wire()?)
}

/// `DELETE /v1/webhooks/{webhook_id}`: the endpoint and its deliveries go;
/// nothing more is sent to it.
pub async fn delete(ctx: &mut Ctx, webhook_id: &str) -> Result<Reply> {
    check_id("webhook_id", webhook_id)?;
    let db = ctx.db()?;
    let res = db.batch(vec![db.stmt("DELETE FROM webhook_endpoints WHERE webhook_id = ?", args![webhook_id])?]).await?;
    if changes(&res, 0) == 0 {
        return Err(Error::NotFound(format!("no webhook {webhook_id}")));
    }
    snapshot::clear(&HOOKED);
    Reply::json(200, &WebhookDeleted { webhook_id: webhook_id.to_owned(), deleted: true })
}

/// `POST /v1/webhooks/{webhook_id}/rotate-secret`: a new secret; the old
/// one keeps signing for a day beside it, so a store can switch over.
pub async fn rotate(ctx: &mut Ctx, webhook_id: &str) -> Result<Reply> {
    check_id("webhook_id", webhook_id)?;
    let secret = webhook::new_secret(&mut fill_random);
    let until = ctx.now.plus_secs(webhook::ROTATION_OVERLAP_SECS);
    let db = ctx.db()?;
    let res = db
        .batch(vec![db.stmt(
            "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = ?, secret = ? WHERE webhook_id = ?",
            args![until.0, &secret, webhook_id],
        )?])
        .await?;
    if changes(&res, 0) == 0 {
        return Err(Error::NotFound(format!("no webhook {webhook_id}")));
    }
    Reply::json(200, &SecretRotated { webhook_id: webhook_id.to_owned(), secret, previous_secret_until: until })
}

#[derive(Deserialize)]
struct DeliveryRow {
    seq: i64,
    delivery_id: String,
    event_id: String,
    #[serde(rename = "type")]
    kind: String,
    status: String,
    attempts: i64,
    last_status_code: Option<i64>,
    next_attempt_at: i64,
    delivered_at: Option<i64>,
    created_at: i64,
}

impl DeliveryRow {
    fn wire(self) -> Result<Delivery> {
        let kind = EventType::parse(&self.kind)
            .ok_or_else(|| Error::Internal(format!("an event of unknown type {}", self.kind)))?;
        let status = match self.status.as_str() {
            "pending" => DeliveryStatus::Pending,
            "delivered" => DeliveryStatus::Delivered,
            _ => DeliveryStatus::Failed,
        };
        Ok(Delivery {
            delivery_id: self.delivery_id,
            event_id: self.event_id,
            kind,
            status,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            last_status_code: self.last_status_code.and_then(|c| u16::try_from(c).ok()),
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(Timestamp(self.next_attempt_at)),
            delivered_at: self.delivered_at.map(Timestamp),
            created_at: Timestamp(self.created_at),
        })
    }
}

/// `GET /v1/webhooks/{webhook_id}/deliveries`: newest first, paged.
pub async fn deliveries(ctx: &mut Ctx, webhook_id: &str) -> Result<Reply> {
    let db = ctx.db()?;
    find(&db, webhook_id).await?;
    let limit = int_param(ctx.query_param("limit").as_deref(), "limit", 20, 1, 100)?;
    let cursor = int_param(ctx.query_param("cursor").as_deref(), "cursor", i64::MAX, 1, i64::MAX)?;
    let mut rows: Vec<DeliveryRow> = db
        .all(
            "SELECT d.seq, d.delivery_id, e.event_id, e.type, d.status, d.attempts, d.last_status_code,
                    d.next_attempt_at, d.delivered_at, d.created_at
               FROM deliveries d JOIN events e ON e.seq = d.event_seq
              WHERE d.webhook_id = ? AND d.seq < ?
              ORDER BY d.seq DESC LIMIT ?",
            args![webhook_id, cursor, limit + 1],
        )
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|r| r.seq.to_string()) } else { None };
    let deliveries = rows.into_iter().map(DeliveryRow::wire).collect::<Result<_>>()?;
    Reply::json(200, &DeliveryPage { deliveries, next_cursor })
}

/// `POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry`: sends
/// the delivery again now, whatever it stood at (a failed one gets another
/// day of tries); 202, the outcome shows in the deliveries list.
pub async fn retry(ctx: &mut Ctx, webhook_id: &str, delivery_id: &str) -> Result<Reply> {
    check_id("webhook_id", webhook_id)?;
    check_id("delivery_id", delivery_id)?;
    let now = ctx.now.0;
    let db = ctx.db()?;
    let res = db
        .batch(vec![
            db.stmt(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = ?1, queued_at = ?1,
                        first_attempt_at = CASE WHEN status = 'failed' THEN NULL ELSE first_attempt_at END
                  WHERE delivery_id = ?2 AND webhook_id = ?3
                 RETURNING attempts",
                args![now, delivery_id, webhook_id],
            )?,
            // A store retrying by hand means the endpoint is back.
            db.stmt(
                "UPDATE webhook_endpoints SET active = 1
                  WHERE webhook_id = ?1 AND EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = ?2 AND webhook_id = ?1)",
                args![webhook_id, delivery_id],
            )?,
        ])
        .await?;
    #[derive(Deserialize)]
    struct Attempts {
        attempts: u32,
    }
    let Some(a) = crate::db::rows::<Attempts>(&res, 0)?.into_iter().next() else {
        return Err(Error::NotFound(format!("no delivery {delivery_id} of webhook {webhook_id}")));
    };
    queue(&ctx.env)?.send(Try { delivery_id: delivery_id.to_owned(), attempt: a.attempts }).await?;
    Reply::json(202, &RetryAccepted { delivery_id: delivery_id.to_owned(), status: DeliveryStatus::Pending })
}

/// Whether any endpoint is subscribed: the scheduled job looks for
/// expiring lots only then (a warning is only ever a webhook).
pub async fn subscribed(db: &Db) -> Result<bool> {
    #[derive(Deserialize)]
    struct Any {
        any: i64,
    }
    let any: Option<Any> =
        db.first("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1) AS any", args![]).await?;
    Ok(any.is_some_and(|a| a.any == 1))
}

fn queue(env: &Env) -> Result<Queue> {
    env.queue(QUEUE)
        .map_err(|_| Error::Unavailable(format!("the {QUEUE} queue binding is missing: webhooks cannot be delivered")))
}

thread_local! {
    static HOOKED: snapshot::Slot<bool> = const { std::cell::RefCell::new(None) };
}

/// Whether this isolate knows of an active endpoint (memoised like the KV
/// snapshots, [`snapshot::TTL_SECS`]): a write batch then ends with the
/// fan-out of its events and the claim of their deliveries. An isolate
/// that has not yet seen a new endpoint leaves its events to the next
/// write that has, or to the scheduled sweep: they wait, they are not lost,
/// since the events themselves are written by the schema whenever an
/// endpoint is active.
pub async fn hooked(env: &Env, now: Timestamp) -> Result<bool> {
    if let Some(h) = snapshot::get(&HOOKED, now.0) {
        return Ok(*h);
    }
    let any = subscribed(&Db(env.d1("DB")?)).await?;
    Ok(*snapshot::put(&HOOKED, now.0, any))
}

/// Events fanned out per statement.
const FAN_OUT: i64 = 500;

/// The statements that make the deliveries of the events not yet fanned
/// out (the oldest [`FAN_OUT`]): one per event and active endpoint
/// subscribed to its type, created no later than the event; then mark
/// those events. Run in one batch, the two see the same events.
pub fn fan_out_stmts(db: &Db) -> Result<[D1PreparedStatement; 2]> {
    Ok([
        db.stmt(
            "INSERT INTO deliveries (delivery_id, event_seq, webhook_id, next_attempt_at, created_at)
             SELECT 'dlv_' || lower(hex(randomblob(10))), e.seq, w.webhook_id, e.created_at, e.created_at
               FROM events e JOIN webhook_endpoints w ON w.active = 1 AND w.created_at <= e.created_at
              WHERE e.seq IN (SELECT seq FROM events WHERE fanned_out = 0 ORDER BY seq LIMIT ?1)
                AND EXISTS (SELECT 1 FROM json_each(w.events) j WHERE j.value IN ('*', e.type))
             ON CONFLICT DO NOTHING",
            args![FAN_OUT],
        )?,
        db.stmt(
            "UPDATE events SET fanned_out = 1
              WHERE seq IN (SELECT seq FROM events WHERE fanned_out = 0 ORDER BY seq LIMIT ?1)",
            args![FAN_OUT],
        )?,
    ])
}

/// The statement a write batch ends with, after [`fan_out_stmts`]: it
/// takes the deliveries just made (and any others never queued) for this
/// request to hand to the Queue once its answer is sent ([`send`]). Being
/// part of the batch, it costs no round trip of its own, and a refused
/// batch takes nothing.
pub fn claim_stmt(db: &Db, now: Timestamp) -> Result<D1PreparedStatement> {
    db.stmt(
        "UPDATE deliveries SET queued_at = ?1
          WHERE seq IN (SELECT seq FROM deliveries
                         WHERE status = 'pending' AND queued_at IS NULL AND next_attempt_at <= ?1
                         ORDER BY seq LIMIT ?2)
         RETURNING delivery_id, attempts",
        args![now.0, CLAIM],
    )
}

/// The tries a [`claim_stmt`] took, read from its results.
pub fn claimed(results: &[D1Result], index: usize) -> Result<Vec<Try>> {
    Ok(db::rows::<Claimed>(results, index)?.into_iter().map(Try::from).collect())
}

/// Hands tries to the Queue. If this send is lost (the isolate ends first,
/// or the Queue refuses), the deliveries stay marked as queued and the
/// scheduled sweep queues them again once they are overdue.
pub async fn send(env: &Env, tries: Vec<Try>) -> Result<()> {
    if !tries.is_empty() {
        queue(env)?.send_batch(tries).await?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct Claimed {
    delivery_id: String,
    attempts: u32,
}

impl From<Claimed> for Try {
    fn from(c: Claimed) -> Try {
        Try { delivery_id: c.delivery_id, attempt: c.attempts }
    }
}

/// Hands due deliveries to the Queue: those never queued (a request's
/// write claims its own, so these are the scheduled job's and those past a
/// claim's limit), and those queued but not taken up long after they were due
/// (once per window, not on every sweep while they stay overdue). Claiming
/// is one UPDATE, so two drains running at once never queue the same
/// delivery twice. Returns how many it queued.
pub async fn drain(env: &Env, now: Timestamp) -> Result<usize> {
    let db = Db(env.d1("DB")?);
    let mut queued = 0;
    loop {
        let mut stmts = Vec::from(fan_out_stmts(&db)?);
        stmts.push(db.stmt(
            "UPDATE deliveries SET queued_at = ?1
              WHERE seq IN (SELECT seq FROM deliveries
                             WHERE status = 'pending'
                               AND ((queued_at IS NULL AND next_attempt_at <= ?1)
                                    OR (next_attempt_at <= ?1 - ?2 AND queued_at <= ?1 - ?2))
                             ORDER BY seq LIMIT ?3)
             RETURNING delivery_id, attempts",
            args![now.0, overdue_secs(env), CLAIM],
        )?);
        let res = db.batch(stmts).await?;
        let fanned = db::changes(&res, 1);
        let claimed = claimed(&res, 2)?;
        let n = claimed.len();
        send(env, claimed).await?;
        queued += n;
        if (n as i64) < CLAIM && (fanned as i64) < FAN_OUT {
            return Ok(queued);
        }
    }
}

#[derive(Deserialize)]
struct Due {
    delivery_id: String,
    attempts: u32,
    first_attempt_at: Option<i64>,
    event_id: String,
    #[serde(rename = "type")]
    kind: String,
    data: String,
    event_at: i64,
    url: String,
    active: i64,
    secret: String,
    previous_secret: Option<String>,
    previous_until: Option<i64>,
}

/// The Queue consumer: one try of each delivery in the batch, at once, in
/// two D1 round trips whatever the batch's size: one statement takes every
/// try, one batch records every answer.
pub async fn consume(batch: worker::MessageBatch<Try>, env: Env) -> Result<()> {
    let development = development(&env);
    let tries: Vec<Try> = batch.messages()?.into_iter().map(|m| m.into_body()).collect();
    match deliver(&env, &tries, development).await {
        Ok(()) => batch.ack_all(),
        // Nothing could be recorded: the Queue repeats the batch, and the
        // attempt counts keep a try that did go out from going out twice.
        Err(e) => {
            log::webhook_error("batch", &e.to_string());
            batch.retry_all();
        }
    }
    Ok(())
}

async fn deliver(env: &Env, tries: &[Try], development: bool) -> Result<()> {
    let db = Db(env.d1("DB")?);
    let now = crate::http::now();
    // Take the tries still to make: a message whose attempt count has moved
    // on (a duplicate, or a try already made) takes nothing.
    let due: Vec<Due> = db
        .all(
            "UPDATE deliveries SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, ?1)
              WHERE status = 'pending'
                AND (delivery_id, attempts) IN (SELECT json_extract(value, '$.delivery_id'), json_extract(value, '$.attempt')
                                                  FROM json_each(?2))
             RETURNING delivery_id, attempts, first_attempt_at,
                       (SELECT event_id FROM events WHERE seq = event_seq) AS event_id,
                       (SELECT type FROM events WHERE seq = event_seq) AS type,
                       (SELECT data FROM events WHERE seq = event_seq) AS data,
                       (SELECT created_at FROM events WHERE seq = event_seq) AS event_at,
                       (SELECT url FROM webhook_endpoints w WHERE w.webhook_id = deliveries.webhook_id) AS url,
                       (SELECT active FROM webhook_endpoints w WHERE w.webhook_id = deliveries.webhook_id) AS active,
                       (SELECT secret FROM webhook_endpoints w WHERE w.webhook_id = deliveries.webhook_id) AS secret,
                       (SELECT previous_secret FROM webhook_endpoints w WHERE w.webhook_id = deliveries.webhook_id) AS previous_secret,
                       (SELECT previous_until FROM webhook_endpoints w WHERE w.webhook_id = deliveries.webhook_id) AS previous_until",
            args![now.0, serde_json::to_string(tries)?],
        )
        .await?;
    if due.is_empty() {
        return Ok(());
    }
    // A Worker invocation keeps at most six connections open at once; more
    // would wait for one inside `fetch`, with their 10 s already running.
    let answers: Vec<_> =
        futures_util::stream::iter(due.iter().map(|d| attempt(d, now))).buffered(OPEN_CONNECTIONS).collect().await;
    let mut stmts = Vec::with_capacity(due.len());
    let mut next = Vec::new();
    for (d, answer) in due.iter().zip(answers) {
        stmts.extend(record(&db, d, now, answer, development, &mut next)?);
    }
    db.batch(stmts).await?;
    // If this send is lost, the sweep queues the tries again once they are
    // overdue.
    if !next.is_empty() {
        let mut builder = BatchMessageBuilder::new();
        for (t, delay) in next {
            builder = builder.message(MessageBuilder::new(t).delay_seconds(delay).build());
        }
        queue(env)?.send_batch(builder.build()).await?;
    }
    Ok(())
}

/// One try: the endpoint's status, or why there was none.
async fn attempt(due: &Due, now: Timestamp) -> std::result::Result<u16, String> {
    if due.active != 1 {
        return Err("the endpoint is inactive".into());
    }
    let kind = EventType::parse(&due.kind).ok_or_else(|| format!("an event of unknown type {}", due.kind))?;
    // The trigger's JSON is read as core's type: a field the schema writes
    // and core does not know fails here (and in the tests), not at the store.
    let data: EventData =
        serde_json::from_str(&due.data).map_err(|e| format!("the event does not match EventData: {e}"))?;
    let body = serde_json::to_string(&Payload { kind, timestamp: Timestamp(due.event_at), data })
        .map_err(|e| e.to_string())?;
    let mut secrets = vec![due.secret.as_str()];
    if let (Some(old), Some(until)) = (due.previous_secret.as_deref(), due.previous_until) {
        if now.0 < until {
            secrets.push(old);
        }
    }
    let signature = webhook::signature_header(&secrets, &due.event_id, now, &body).map_err(|e| e.to_string())?;
    post(&due.url, &due.event_id, now, &signature, &body).await
}

/// Sends one delivery; the endpoint's status, or why there was none.
async fn post(url: &str, id: &str, at: Timestamp, signature: &str, body: &str) -> std::result::Result<u16, String> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("content-type", "application/json")?;
    set("user-agent", "loyalty-edge-webhooks")?;
    set("webhook-id", id)?;
    set("webhook-timestamp", &at.0.to_string())?;
    set("webhook-signature", signature)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers.clone()).with_body(Some(body.into()));
    let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let controller = worker::AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let send = fetch.send_with_signal(&signal);
    let timeout = worker::Delay::from(Duration::from_secs(webhook::TIMEOUT_SECS));
    futures_util::pin_mut!(send);
    match select(send, timeout).await {
        Either::Left((Ok(resp), _)) => Ok(resp.status_code()),
        Either::Left((Err(e), _)) => Err(format!("no answer: {e}")),
        Either::Right(((), _)) => {
            controller.abort();
            Err(format!("no answer within {} s", webhook::TIMEOUT_SECS))
        }
    }
}

/// The statements that record a try, and the next try to queue (with its
/// delay) when there is one.
fn record(
    db: &Db,
    due: &Due,
    now: Timestamp,
    answer: std::result::Result<u16, String>,
    development: bool,
    next: &mut Vec<(Try, u32)>,
) -> Result<Vec<D1PreparedStatement>> {
    let code = answer.as_ref().ok().map(|s| i64::from(*s));
    Ok(match answer.as_ref().map(|s| Outcome::of_status(*s)) {
        Ok(Outcome::Delivered) => vec![db.stmt(
            "UPDATE deliveries SET status = 'delivered', delivered_at = ?, last_status_code = ?, last_error = NULL
              WHERE delivery_id = ?",
            args![now.0, code, &due.delivery_id],
        )?],
        Ok(Outcome::Gone) => vec![
            db.stmt(
                "UPDATE deliveries SET status = 'failed', last_status_code = ?, last_error = 'the endpoint answered 410 Gone'
                  WHERE delivery_id = ?",
                args![code, &due.delivery_id],
            )?,
            db.stmt(
                "UPDATE webhook_endpoints SET active = 0
                  WHERE webhook_id = (SELECT webhook_id FROM deliveries WHERE delivery_id = ?)",
                args![&due.delivery_id],
            )?,
        ],
        Ok(Outcome::Retry) | Err(_) => {
            let error = match &answer {
                Err(e) => e.clone(),
                Ok(status) => format!("the endpoint answered {status}"),
            };
            let first = Timestamp(due.first_attempt_at.unwrap_or(now.0));
            match webhook::next_attempt(first, due.attempts, now, development) {
                Some(at) => {
                    let delay = u32::try_from(at.0 - now.0).unwrap_or(0);
                    next.push((Try { delivery_id: due.delivery_id.clone(), attempt: due.attempts }, delay));
                    vec![db.stmt(
                        "UPDATE deliveries SET next_attempt_at = ?, queued_at = ?, last_status_code = ?, last_error = ?
                          WHERE delivery_id = ?",
                        args![at.0, now.0, code, &error, &due.delivery_id],
                    )?]
                }
                None => vec![db.stmt(
                    "UPDATE deliveries SET status = 'failed', last_status_code = ?, last_error = ? WHERE delivery_id = ?",
                    args![code, &error, &due.delivery_id],
                )?],
            }
        }
    })
}

/// How long events are kept once every delivery of theirs has ended.
const KEEP_EVENTS_SECS: i64 = 30 * 24 * 3600;

/// Forgets events older than [`KEEP_EVENTS_SECS`] with no pending delivery
/// (their deliveries go with them): the outbox holds a month, not all time.
pub async fn purge(db: &Db, now: Timestamp) -> Result<()> {
    db.stmt(
        "DELETE FROM events WHERE created_at <= ?
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = events.seq AND d.status = 'pending')",
        args![now.0 - KEEP_EVENTS_SECS],
    )?
    .run()
    .await?;
    Ok(())
}

//! The OpenAPI 3.1 document of the API, generated from [`crate::wire`]
//! (host-only: the `schema` feature). The wire types are the one source of
//! the contract's shapes; this module adds what a type cannot say: the
//! routes, who may call them, their parameters and their statuses.
//! `cargo xtask codegen` writes the result to `edge/openapi.json`, which the
//! Worker serves; a test in xtask fails when that file is stale, and
//! schemathesis checks the running Worker against it.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::chain::ExportLine;
use crate::program::Program;
use crate::reward::Reward;
use crate::wire::*;

/// The caller-chosen identifier pattern of the contract.
const ID: &str = "^[A-Za-z0-9_.:@-]{1,128}$";

/// Who may call a route.
#[derive(Clone, Copy)]
enum Auth {
    Public,
    ApiKey,
    Customer,
}

/// The document under construction: responses are described as the Worker
/// serialises them, request bodies as it deserialises them.
struct Doc {
    responses: SchemaGenerator,
    requests: SchemaGenerator,
    paths: Map<String, Value>,
}

/// One operation under construction.
struct Op<'a> {
    doc: &'a mut Doc,
    method: String,
    path: String,
    op: Map<String, Value>,
    parameters: Vec<Value>,
    responses: Map<String, Value>,
}

fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    })
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

impl Doc {
    fn op(&mut self, method: &str, path: &str, summary: &str, auth: Auth) -> Op<'_> {
        let mut op = Map::new();
        op.insert("summary".into(), summary.into());
        op.insert("operationId".into(), format!("{method}{}", path.replace(['/', '{', '}', '-', '.'], "_")).into());
        let security = match auth {
            Auth::Public => json!([]),
            Auth::ApiKey => json!([{"apiKey": []}]),
            Auth::Customer => json!([{"customerToken": []}]),
        };
        op.insert("security".into(), security);
        let mut o = Op {
            doc: self,
            method: method.into(),
            path: path.into(),
            op,
            parameters: Vec::new(),
            responses: Map::new(),
        };
        for name in path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
            let schema = if name == "code" {
                json!({"type": "string", "minLength": 1, "maxLength": 64})
            } else if name == "token" {
                json!({"type": "string", "minLength": 1, "maxLength": 128})
            } else {
                json!({"type": "string", "pattern": ID})
            };
            o.parameters.push(json!({"name": name, "in": "path", "required": true, "schema": schema}));
        }
        match auth {
            Auth::Public => o,
            // Missing or bad credentials, or the other class of credential;
            // 429 once an address has failed too often, 503 without the
            // limiter that counts those failures.
            Auth::ApiKey => o.errors(&[401, 403, 429, 503]),
            Auth::Customer => o.errors(&[401, 403, 429, 503]),
        }
    }
}

impl Op<'_> {
    /// A JSON request body of type `T` (limited to 64 KiB: 413), which may
    /// be malformed (400).
    fn body<T: JsonSchema>(mut self) -> Self {
        let schema = self.doc.requests.subschema_for::<T>().to_value();
        self.op.insert("requestBody".into(), json!({"required": true, "content": json_content(schema)}));
        self.errors(&[400, 405, 413])
    }

    /// A successful answer of type `T`.
    fn ok<T: JsonSchema>(mut self, status: u16) -> Self {
        let schema = self.doc.responses.subschema_for::<T>().to_value();
        let description = if status == 201 { "Created" } else { "OK" };
        self.responses.insert(status.to_string(), json!({"description": description, "content": json_content(schema)}));
        self
    }

    /// A successful NDJSON answer: one `T` a line.
    fn ndjson<T: JsonSchema>(mut self) -> Self {
        let schema = self.doc.responses.subschema_for::<T>().to_value();
        self.responses.insert(
            "200".into(),
            json!({"description": "OK: one JSON object a line", "content": {"application/x-ndjson": {"schema": schema}}}),
        );
        self
    }

    /// Error answers, each with the contract's error body.
    fn errors(mut self, statuses: &[u16]) -> Self {
        let schema = self.doc.responses.subschema_for::<ErrorBody>().to_value();
        for s in statuses {
            self.responses.entry(s.to_string()).or_insert_with(|| {
                let mut r = json!({"description": "Error", "content": json_content(schema.clone())});
                if *s == 429 {
                    r["description"] = "Too many requests: try again after `Retry-After` seconds".into();
                    r["headers"] =
                        json!({"Retry-After": {"required": true, "schema": {"type": "integer", "minimum": 1}}});
                }
                r
            });
        }
        self
    }

    /// `Idempotency-Key`, as every state-changing POST accepts it.
    fn idempotent(mut self) -> Self {
        self.parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"}
        }));
        self
    }

    /// `Accept-Language`: the answer's words (rules, reasons, history).
    fn worded(mut self) -> Self {
        self.parameters
            .push(json!({"name": "Accept-Language", "in": "header", "required": false, "schema": {"type": "string"}}));
        self
    }

    /// An optional query parameter.
    fn query(mut self, name: &str, schema: Value) -> Self {
        self.parameters.push(json!({"name": name, "in": "query", "required": false, "schema": schema}));
        self
    }

    /// `?from=` and `?to=`, UTC days (a bad or missing one is 400).
    fn days(mut self) -> Self {
        for name in ["from", "to"] {
            self.parameters.push(
                json!({"name": name, "in": "query", "required": true, "schema": {"type": "string", "format": "date"}}),
            );
        }
        self
    }

    /// `?limit=` and `?cursor=` of a paged list (a bad one is 400).
    fn paged(mut self) -> Self {
        self.parameters.push(json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100}}));
        self.parameters.push(json!({"name": "cursor", "in": "query", "required": false, "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"}}));
        self.errors(&[400])
    }

    fn done(self) {
        // Every route may fail inside (500), with the error body.
        let mut o = self.errors(&[500]);
        if !o.parameters.is_empty() {
            o.op.insert("parameters".into(), Value::Array(std::mem::take(&mut o.parameters)));
        }
        let mut responses: Vec<(String, Value)> = std::mem::take(&mut o.responses).into_iter().collect();
        responses.sort_by(|a, b| a.0.cmp(&b.0));
        o.op.insert("responses".into(), Value::Object(responses.into_iter().collect()));
        let entry = o.doc.paths.entry(std::mem::take(&mut o.path)).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(std::mem::take(&mut o.method), Value::Object(std::mem::take(&mut o.op)));
        }
    }
}

/// Every route of the API, in the order of `shared/API.md`.
fn routes(d: &mut Doc) {
    use Auth::*;
    d.op("get", "/v1/health", "Liveness; no credentials", Public).ok::<Health>(200).done();
    d.op("get", "/v1/openapi.json", "This document", Public).done_raw();
    d.op("get", "/v1/program", "The public program summary, earn rules in words", Public)
        .worded()
        .ok::<ProgramSummary>(200)
        .errors(&[404])
        .done();
    d.op("put", "/v1/program", "Replace the program", ApiKey).body::<Program>().ok::<Program>(200).done();

    d.op("get", "/v1/me", "The shopper's standing", Customer).ok::<MemberSummary>(200).done();
    d.op("get", "/v1/me/rewards", "Every active reward, labelled for the shopper", Customer)
        .worded()
        .ok::<ShopperOffers>(200)
        .done();
    d.op("post", "/v1/me/redemptions", "Redeem a reward for a coupon", Customer)
        .idempotent()
        .worded()
        .body::<RedeemRequest>()
        .ok::<RedemptionReceipt>(201)
        .errors(&[404, 409])
        .done();
    d.op("get", "/v1/me/transactions", "The shopper's ledger, newest first", Customer)
        .paged()
        .worded()
        .ok::<TransactionPage>(200)
        .done();
    d.op("get", "/v1/me/coupons", "The shopper's codes still to use, newest first", Customer)
        .worded()
        .ok::<MemberCoupons>(200)
        .done();
    d.op("get", "/v1/me/activities", "How many more times each activity earns for the shopper", Customer)
        .ok::<MemberActivities>(200)
        .done();
    d.op("get", "/v1/me/referral", "The shopper's referral code, link and counts", Customer)
        .worded()
        .ok::<ReferralSummary>(200)
        .errors(&[404])
        .done();

    d.op("get", "/v1/rewards", "Every reward, active and inactive", ApiKey).ok::<RewardList>(200).done();
    d.op("put", "/v1/rewards/{reward_id}", "Create or replace a reward", ApiKey)
        .body::<Reward>()
        .ok::<Reward>(200)
        .done();
    d.op("get", "/v1/rewards/{reward_id}", "A reward and its pool counts", ApiKey)
        .ok::<RewardDetail>(200)
        .errors(&[400, 404])
        .done();
    d.op("delete", "/v1/rewards/{reward_id}", "Deactivate a reward (history keeps it)", ApiKey)
        .ok::<Reward>(200)
        .errors(&[400, 404])
        .done();
    d.op("post", "/v1/rewards/{reward_id}/coupons", "Add pre-made codes to the reward's pool", ApiKey)
        .idempotent()
        .body::<CouponPoolRequest>()
        .ok::<PoolAdded>(201)
        .errors(&[404])
        .done();

    d.op("get", "/v1/members/{customer_id}", "A member's standing and attributes", ApiKey)
        .ok::<MemberDetail>(200)
        .errors(&[400])
        .done();
    d.op("patch", "/v1/members/{customer_id}", "Set the attributes rules read", ApiKey)
        .body::<MemberPatch>()
        .ok::<MemberDetail>(200)
        .done();
    d.op("get", "/v1/members/{customer_id}/rewards", "The rewards this member is eligible for", ApiKey)
        .worded()
        .ok::<RewardOffers>(200)
        .errors(&[400])
        .done();
    d.op(
        "get",
        "/v1/members",
        "Find members: by customer id prefix, e-mail or tag:NAME; ordered by customer id",
        ApiKey,
    )
    .query("q", json!({"type": "string", "maxLength": 254}))
    .query("limit", json!({"type": "integer", "minimum": 1, "maximum": 100}))
    .query("cursor", json!({"type": "string", "pattern": ID}))
    .ok::<MemberList>(200)
    .errors(&[400])
    .done();
    d.op(
        "get",
        "/v1/members/{customer_id}/export",
        "Every datum held on the member, as one document (data protection: access and portability)",
        ApiKey,
    )
    .ok::<MemberExport>(200)
    .errors(&[400, 404])
    .done();
    d.op(
        "get",
        "/v1/members/{customer_id}/coupons",
        "The member's codes not used and not expired, newest first (at most 50), as GET /v1/me/coupons",
        ApiKey,
    )
    .ok::<MemberCoupons>(200)
    .errors(&[400])
    .done();
    d.op(
        "delete",
        "/v1/members/{customer_id}",
        "Erase the member: personal data removed, the ledger's figures kept under the member's opaque key",
        ApiKey,
    )
    .ok::<Erased>(200)
    .errors(&[400, 404, 409])
    .done();
    d.op(
        "post",
        "/v1/imports",
        "Import up to 1,000 members from another program; a member's points are credited once",
        ApiKey,
    )
    .idempotent()
    .body::<ImportRequest>()
    .ok::<ImportResult>(200)
    .done();
    d.op(
        "get",
        "/v1/ledger/export",
        "The ledger as NDJSON, one hash-chained line per entry in ledger order; the next page starts after the last line's entry_id",
        ApiKey,
    )
    .query("after", json!({"type": "integer", "minimum": 0}))
    .query("limit", json!({"type": "integer", "minimum": 1, "maximum": 10000}))
    .ndjson::<ExportLine>()
    .errors(&[400])
    .done();
    d.op("get", "/v1/members/{customer_id}/transactions", "The member's ledger, newest first", ApiKey)
        .paged()
        .worded()
        .ok::<TransactionPage>(200)
        .done();
    d.op("post", "/v1/members/{customer_id}/adjustments", "Credit or debit points by hand", ApiKey)
        .idempotent()
        .body::<AdjustmentRequest>()
        .ok::<Transaction>(201)
        .errors(&[409])
        .done();
    d.op("post", "/v1/members/{customer_id}/redemptions", "Redeem on the member's behalf", ApiKey)
        .idempotent()
        .worded()
        .body::<RedeemRequest>()
        .ok::<RedemptionReceipt>(201)
        .errors(&[404, 409])
        .done();

    d.op("post", "/v1/events", "A purchase or a bonus event", ApiKey)
        .idempotent()
        .body::<EventRequest>()
        .ok::<EventReceipt>(201)
        .ok::<EventReceipt>(200)
        .errors(&[409])
        .done();
    d.op("post", "/v1/orders/{order_id}/refunds", "Take back what part of an order earned", ApiKey)
        .idempotent()
        .body::<RefundRequest>()
        .ok::<RefundReceipt>(201)
        .errors(&[404, 409])
        .done();
    d.op("post", "/v1/coupons/validate", "Whether a code applies to an order", ApiKey)
        .worded()
        .body::<ValidateRequest>()
        .ok::<ValidateResponse>(200)
        .done();
    d.op("post", "/v1/coupons/{code}/redeem", "Use a code on an order, once", ApiKey)
        .idempotent()
        .body::<CouponRedeemRequest>()
        .ok::<CouponRedemption>(200)
        .errors(&[409])
        .done();
    d.op("post", "/v1/reward-orders", "Send rewards without points (seed 003), once per PO number", ApiKey)
        .idempotent()
        .body::<crate::reward_order::RewardOrderRequest>()
        .ok::<RewardOrder>(201)
        .ok::<RewardOrder>(200)
        .done();
    d.op("get", "/v1/reward-orders/{order_id}", "A reward order and its lines' statuses", ApiKey)
        .ok::<RewardOrder>(200)
        .errors(&[404])
        .done();
    d.op("get", "/v1/claims/{token}", "What a claim link shows before it is claimed (reads only)", Public)
        .ok::<ClaimView>(200)
        .errors(&[404, 429])
        .done();
    d.op("post", "/v1/claims/{token}", "Claim a link's codes (once; again, shows them again)", Public)
        .ok::<ClaimView>(200)
        .errors(&[404, 429])
        .done();
    d.op("post", "/v1/gift-cards/{code}/debit", "Pay part of an order with a gift card, once per order", ApiKey)
        .idempotent()
        .body::<GiftCardDebitRequest>()
        .ok::<GiftCardDebit>(201)
        .ok::<GiftCardDebit>(200)
        .errors(&[404, 409])
        .done();
    d.op("get", "/v1/gift-cards/{code}", "A gift card: its balance and debits", ApiKey)
        .ok::<GiftCard>(200)
        .errors(&[404])
        .done();
    d.op("post", "/v1/checkout/points", "A single-use code worth some points, for one order of one customer", ApiKey)
        .idempotent()
        .body::<CheckoutPointsRequest>()
        .ok::<CheckoutPointsReceipt>(201)
        .ok::<CheckoutPointsReceipt>(200)
        .errors(&[404, 409])
        .done();
    d.op("delete", "/v1/checkout/points/{code}", "Give a checkout code's points back now", ApiKey)
        .ok::<CheckoutPointsCancelled>(200)
        .errors(&[404, 405, 409])
        .done();
    d.op("post", "/v1/referrals", "A friend signs up through a member's referral code", ApiKey)
        .idempotent()
        .worded()
        .body::<ReferralRequest>()
        .ok::<ReferralReceipt>(201)
        .errors(&[404, 409])
        .done();

    d.op("post", "/v1/webhooks", "Subscribe an endpoint; the answer holds its signing secret, shown once", ApiKey)
        .body::<WebhookRequest>()
        .ok::<WebhookCreated>(201)
        .done();
    d.op("get", "/v1/webhooks", "Every subscribed endpoint (no secrets)", ApiKey).ok::<WebhookList>(200).done();
    d.op("get", "/v1/webhooks/{webhook_id}", "An endpoint (no secret)", ApiKey)
        .ok::<Webhook>(200)
        .errors(&[400, 404])
        .done();
    d.op("delete", "/v1/webhooks/{webhook_id}", "Remove an endpoint and its deliveries", ApiKey)
        .ok::<WebhookDeleted>(200)
        .errors(&[400, 404])
        .done();
    d.op(
        "post",
        "/v1/webhooks/{webhook_id}/rotate-secret",
        "A new secret; the old one signs beside it for a day",
        ApiKey,
    )
    .ok::<SecretRotated>(200)
    .errors(&[400, 404])
    .done();
    d.op("get", "/v1/webhooks/{webhook_id}/deliveries", "The endpoint's deliveries, newest first", ApiKey)
        .paged()
        .ok::<DeliveryPage>(200)
        .errors(&[404])
        .done();
    d.op("post", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", "Send a delivery again now", ApiKey)
        .ok::<RetryAccepted>(202)
        .errors(&[400, 404, 503])
        .done();

    d.op("get", "/v1/analytics/summary", "The program's figures over a range of UTC days (at most 366)", ApiKey)
        .days()
        .ok::<AnalyticsSummary>(200)
        .errors(&[400])
        .done();
    d.op("post", "/v1/api-keys", "Make a scoped API key (admin scope); the answer holds the key, shown once", ApiKey)
        .body::<ApiKeyRequest>()
        .ok::<ApiKeyCreated>(201)
        .done();
    d.op("get", "/v1/api-keys", "The keys not revoked, without keys (admin scope)", ApiKey)
        .ok::<ApiKeyList>(200)
        .done();
    d.op("delete", "/v1/api-keys/{key_id}", "Revoke a key: refused from the next request on (admin scope)", ApiKey)
        .ok::<ApiKeyRevoked>(200)
        .errors(&[400, 404])
        .done();

    // The console's session: a key exchanged for an HttpOnly cookie, which
    // then stands for the key on server routes (with the console header).
    d.op(
        "post",
        "/v1/session",
        "Sign the console in: an admin-scope key for a session cookie (HttpOnly, SameSite=Strict, 8 hours)",
        Public,
    )
    .body::<SessionRequest>()
    .ok::<ConsoleSession>(201)
    .errors(&[401, 403, 429, 503])
    .done();
    d.op("get", "/v1/session", "The console's session: who is signed in, until when (the cookie)", Public)
        .ok::<ConsoleSession>(200)
        .errors(&[401, 429, 503])
        .done();
    d.op(
        "delete",
        "/v1/session",
        "Sign the console out: the session is ended server-side and the cookie removed",
        Public,
    )
    .ok::<SessionEnded>(200)
    .errors(&[401, 429, 503])
    .done();
    d.op("get", "/v1/program/config", "The program as PUT /v1/program takes it, for editing (read scope)", ApiKey)
        .ok::<Program>(200)
        .errors(&[404])
        .done();
}

/// The deliveries a store receives (OpenAPI 3.1 `webhooks`): one per event
/// type, each the same signed body.
fn webhooks(d: &mut Doc) -> Value {
    let schema = d.responses.subschema_for::<crate::webhook::Payload>().to_value();
    let headers: Vec<Value> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
        .iter()
        .map(|h| json!({"name": h, "in": "header", "required": true, "schema": {"type": "string"}}))
        .collect();
    crate::webhook::EventType::ALL
        .iter()
        .map(|t| {
            let post = json!({
                "summary": format!("{}: signed as Standard Webhooks has it", t.as_str()),
                "parameters": headers,
                "requestBody": {"required": true, "content": json_content(schema.clone())},
                "responses": {"2XX": {"description": "Received; any other answer is retried for a day, 410 deactivates the endpoint"}}
            });
            (t.as_str().to_owned(), json!({ "post": post }))
        })
        .collect::<Map<String, Value>>()
        .into()
}

impl Op<'_> {
    /// A route whose answer is not one of the wire types (this document).
    fn done_raw(self) {
        self.ok_raw().done();
    }

    fn ok_raw(mut self) -> Self {
        self.responses
            .insert("200".into(), json!({"description": "OK", "content": json_content(json!({"type": "object"}))}));
        self
    }
}

/// Request definitions beside the response ones: where a type reads
/// differently than it is written (defaults, optional fields), its request
/// form is named `…Input`.
fn merge_definitions(responses: Map<String, Value>, requests: Map<String, Value>) -> Map<String, Value> {
    let renamed: Vec<String> =
        requests.iter().filter(|(k, v)| responses.get(*k).is_some_and(|r| r != *v)).map(|(k, _)| k.clone()).collect();
    fn walk(v: &mut Value, renamed: &[String]) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get_mut("$ref") {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        if renamed.iter().any(|n| n == name) {
                            *r = format!("#/components/schemas/{name}Input");
                        }
                    }
                }
                m.values_mut().for_each(|v| walk(v, renamed));
            }
            Value::Array(a) => a.iter_mut().for_each(|v| walk(v, renamed)),
            _ => {}
        }
    }
    let mut all = responses;
    for (name, mut schema) in requests {
        walk(&mut schema, &renamed);
        if renamed.contains(&name) {
            all.insert(format!("{name}Input"), schema);
        } else {
            all.entry(name).or_insert(schema);
        }
    }
    all
}

/// The whole document.
pub fn document() -> Value {
    let mut d = Doc {
        responses: settings().for_serialize().into_generator(),
        requests: settings().for_deserialize().into_generator(),
        paths: Map::new(),
    };
    routes(&mut d);
    let webhooks = webhooks(&mut d);
    let responses = d.responses.take_definitions(true);
    let requests = d.requests.take_definitions(true);
    let mut schemas: Vec<(String, Value)> = merge_definitions(responses, requests).into_iter().collect();
    schemas.sort_by(|a, b| a.0.cmp(&b.0));
    let mut paths = d.paths;
    // Request bodies point at the `…Input` names where those were made.
    let names: Vec<String> = schemas.iter().map(|(k, _)| k.clone()).collect();
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|m| m.values_mut()) {
        if let Some(Value::String(r)) = op.pointer_mut("/requestBody/content/application~1json/schema/$ref") {
            let input = format!("{r}Input");
            if names.iter().any(|n| input.ends_with(&format!("/{n}"))) {
                *r = input;
            }
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Loyalty Edge API",
            "version": "1.0.0",
            "description": "Loyalty and rewards at the edge. Generated from loyalty-core's wire types by `cargo xtask codegen`; the contract is shared/API.md. Errors always have the body {\"error\": {\"code\", \"message\"}}."
        },
        "servers": [{"url": "http://127.0.0.1:8787"}],
        "security": [{"apiKey": []}],
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "LOYALTY_API_KEY (server routes, every scope), or a scoped key `lek_…` from POST /v1/api-keys: `read` for every GET, `checkout` for POST /v1/events, refunds, coupon validation and redemption and referral sign-ups, `admin` for everything. The console's session cookie (`le_session`, from POST /v1/session) stands for an admin key on these routes when the request also carries the `X-Loyalty-Console` header"},
                "customerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "HS256 JWT signed with LOYALTY_WIDGET_SECRET: sub, exp required"}
            },
            "schemas": Value::Object(schemas.into_iter().collect())
        },
        "paths": Value::Object(paths),
        "webhooks": webhooks
    })
}

/// The document as `edge/openapi.json` holds it.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

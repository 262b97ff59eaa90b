//! One JSON line per failed or slow request (see `fetch` in lib.rs): what
//! operators grep and ship to a log pipeline. Never a secret, a token or a
//! body.

use serde::Serialize;

#[derive(Serialize)]
struct Line<'a> {
    ts: String,
    method: &'a str,
    route: &'a str,
    status: u16,
    duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// Logs a finished request.
pub fn request(method: &str, route: &str, status: u16, duration_ms: u64, member: Option<&str>, error: Option<&str>) {
    let line = Line { ts: crate::http::now().to_rfc3339(), method, route, status, duration_ms, member, error };
    if let Ok(s) = serde_json::to_string(&line) {
        worker::console_log!("{s}");
    }
}

/// Logs a scheduled run: what each step did, and the errors of the steps
/// and members it skipped.
pub fn scheduled(cron: &str, activated: usize, expired_members: usize, errors: &[String]) {
    let line = serde_json::json!({
        "ts": crate::http::now().to_rfc3339(), "event": "scheduled", "cron": cron,
        "activated": activated, "expired_members": expired_members, "errors": errors,
    });
    worker::console_log!("{line}");
}

/// Logs a webhook try that could not even be recorded (D1 or the Queue
/// failed); the Queue repeats it.
pub fn webhook_error(delivery_id: &str, error: &str) {
    let line = serde_json::json!({
        "ts": crate::http::now().to_rfc3339(), "event": "webhook", "delivery_id": delivery_id, "error": error,
    });
    worker::console_log!("{line}");
}

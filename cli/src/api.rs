//! The Worker's HTTP API, as far as the command line needs it. Requests
//! that fail on the way (no connection, 429, 5xx) are tried again with a
//! growing pause: an import of 100,000 members should not stop for one
//! dropped connection, and every request it sends is idempotent.

use std::time::Duration;

use loyalty_core::wire::ErrorBody;
use ureq::Agent;

use crate::error::{Error, Result};

/// How often a request is tried before the command gives up.
const TRIES: u32 = 6;

/// A client of one Worker.
pub struct Client {
    agent: Agent,
    base: String,
    auth: String,
}

impl Client {
    /// A client of the Worker at `base`, calling with `key`.
    pub fn new(base: &str, key: &str) -> Client {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client { agent, base: base.trim_end_matches('/').to_owned(), auth: format!("Bearer {key}") }
    }

    /// Sends `body` to `path` (with `idempotency_key`); the answer's body.
    pub fn post(&self, path: &str, body: &str, idempotency_key: &str) -> Result<String> {
        self.retrying(|| {
            self.agent
                .post(&format!("{}{path}", self.base))
                .header("authorization", &self.auth)
                .header("content-type", "application/json")
                .header("idempotency-key", idempotency_key)
                .send(body)
        })
    }

    /// Reads `path`; the answer's body.
    pub fn get(&self, path: &str) -> Result<String> {
        self.retrying(|| self.agent.get(&format!("{}{path}", self.base)).header("authorization", &self.auth).call())
    }

    fn retrying(
        &self,
        send: impl Fn() -> std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<String> {
        let mut pause = Duration::from_millis(500);
        let mut last = String::new();
        for attempt in 1..=TRIES {
            match send() {
                Ok(mut r) => {
                    let status = r.status().as_u16();
                    let text = r.body_mut().read_to_string().map_err(|e| Error::Api(e.to_string()))?;
                    if (200..300).contains(&status) {
                        return Ok(text);
                    }
                    let message = serde_json::from_str::<ErrorBody>(&text)
                        .map(|b| format!("{} ({}): {}", status, b.error.code, b.error.message))
                        .unwrap_or_else(|_| format!("{status}: {text}"));
                    if status != 429 && status < 500 {
                        return Err(Error::Api(message));
                    }
                    last = message;
                }
                Err(e) => last = e.to_string(),
            }
            if attempt < TRIES {
                std::thread::sleep(pause);
                pause *= 2;
            }
        }
        Err(Error::Api(format!("gave up after {TRIES} tries: {last}")))
    }
}

//! The Worker's settings, and its refusal to run with development secrets
//! in production.

use loyalty_core::token::TokenPolicy;
use worker::Env;

use crate::error::{Error, Result};

/// The committed development values (edge/.dev.vars). A deployed Worker
/// that still has one of them would let anyone mint tokens or call the
/// server API, so it refuses to serve.
pub const DEV_API_KEY: &str = "dev-api-key";
/// See [`DEV_API_KEY`].
pub const DEV_WIDGET_SECRET: &str = "dev-widget-secret";

/// The shortest secret accepted outside development: 32 bytes, the length
/// of the HMAC-SHA256 key a token is signed with.
pub const MIN_SECRET_LEN: usize = 32;

/// Settings read from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Server API key.
    pub api_key: String,
    /// HS256 secret of customer tokens.
    pub widget_secret: String,
    /// `LOYALTY_ENV=development` on a request to a loopback host (wrangler
    /// dev): the dev-only routes, the dev secrets and `*` origins. A
    /// deployed Worker never sees a loopback host, so the setting left on
    /// there changes nothing.
    pub development: bool,
    /// Origins allowed to call the shopper routes from a browser.
    pub allowed_origins: Vec<String>,
    /// What customer tokens must be beyond their signature:
    /// `LOYALTY_TOKEN_MAX_LIFETIME_SECS` (default a day),
    /// `LOYALTY_TOKEN_AUDIENCE`, `LOYALTY_TOKEN_ISSUER`.
    pub token_policy: TokenPolicy,
}

fn read(env: &Env, name: &str) -> Option<String> {
    env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
}

/// Whether the deployment says `LOYALTY_ENV=development`. For a request,
/// [`Config::development`] adds the loopback check; work without a request
/// (the Queue consumer, the cron) reads the setting alone.
pub fn asks_development(env: &Env) -> bool {
    read(env, "LOYALTY_ENV").as_deref() == Some(DEVELOPMENT)
}

/// The value of `LOYALTY_ENV` that asks for development mode.
const DEVELOPMENT: &str = "development";

impl Config {
    /// Reads and checks the settings for a request to `host`.
    pub fn load(env: &Env, host: &str) -> Result<Config> {
        let mut config = Config::check(
            read(env, "LOYALTY_API_KEY"),
            read(env, "LOYALTY_WIDGET_SECRET"),
            read(env, "LOYALTY_ENV"),
            read(env, "LOYALTY_ALLOWED_ORIGINS"),
            is_loopback(host),
        )?;
        config.token_policy = token_policy(
            read(env, "LOYALTY_TOKEN_MAX_LIFETIME_SECS"),
            read(env, "LOYALTY_TOKEN_AUDIENCE"),
            read(env, "LOYALTY_TOKEN_ISSUER"),
        )?;
        Ok(config)
    }

    /// The pure part of [`Config::load`].
    pub fn check(
        api_key: Option<String>,
        widget_secret: Option<String>,
        env: Option<String>,
        origins: Option<String>,
        loopback: bool,
    ) -> Result<Config> {
        let asks_development = env.as_deref() == Some(DEVELOPMENT);
        let development = asks_development && loopback;
        // Said when the dev secrets are refused because of where the
        // request came in, not because development mode is off.
        let why = if asks_development && !loopback {
            " (LOYALTY_ENV=development is honoured only for requests to localhost or 127.0.0.1, as in wrangler dev)"
        } else {
            ""
        };
        let api_key = api_key.filter(|k| !k.is_empty());
        let widget_secret = widget_secret.filter(|k| !k.is_empty());
        if !development {
            match api_key.as_deref() {
                None | Some(DEV_API_KEY) => {
                    return Err(Error::Misconfigured(format!(
                        "LOYALTY_API_KEY is unset or a development value: set it with `wrangler secret put LOYALTY_API_KEY`{why}"
                    )))
                }
                _ => {}
            }
            match widget_secret.as_deref() {
                None | Some(DEV_WIDGET_SECRET) => {
                    return Err(Error::Misconfigured(format!(
                        "LOYALTY_WIDGET_SECRET is unset or a development value: set it with `wrangler secret put LOYALTY_WIDGET_SECRET`{why}"
                    )))
                }
                _ => {}
            }
            // Guessable or shared secrets are refused as the dev values are.
            let (key, secret) = (api_key.as_deref().unwrap_or_default(), widget_secret.as_deref().unwrap_or_default());
            for (name, value) in [("LOYALTY_API_KEY", key), ("LOYALTY_WIDGET_SECRET", secret)] {
                if value.len() < MIN_SECRET_LEN {
                    return Err(Error::Misconfigured(format!(
                        "{name} is shorter than {MIN_SECRET_LEN} bytes: set a random one with `wrangler secret put {name}`"
                    )));
                }
            }
            if key == secret {
                return Err(Error::Misconfigured(
                    "LOYALTY_API_KEY and LOYALTY_WIDGET_SECRET are the same: whoever mints tokens could call the server API; set two different random values".into(),
                ));
            }
        }
        let allowed_origins = origins
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            // `*` is honoured only in development, whatever the config says.
            .filter(|o| development || o != "*")
            .collect();
        Ok(Config {
            api_key: api_key.unwrap_or_else(|| DEV_API_KEY.into()),
            widget_secret: widget_secret.unwrap_or_else(|| DEV_WIDGET_SECRET.into()),
            development,
            allowed_origins,
            token_policy: TokenPolicy::default(),
        })
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`.
    pub fn cors_origin(&self, origin: Option<&str>) -> Option<String> {
        let origin = origin?;
        if self.allowed_origins.iter().any(|o| o == "*") {
            return Some("*".into());
        }
        self.allowed_origins.iter().any(|o| o == origin).then(|| origin.to_owned())
    }
}

/// Whether a request's host (with or without its port) is this machine:
/// `localhost`, `127.0.0.0/8` or `[::1]`. Cloudflare routes a deployed
/// Worker's requests by their host name, so none of these reaches one.
pub fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => return v6.split(']').next() == Some("::1"),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let octets: Vec<&str> = name.split('.').collect();
    octets.len() == 4 && octets[0] == "127" && octets.iter().all(|o| o.parse::<u8>().is_ok())
}

/// The token policy from its settings: a lifetime of 60 s to 30 days in
/// whole seconds (default a day); an audience and an issuer, when set.
pub fn token_policy(
    max_lifetime: Option<String>,
    audience: Option<String>,
    issuer: Option<String>,
) -> Result<TokenPolicy> {
    let set = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let max_lifetime_secs = match set(max_lifetime) {
        None => TokenPolicy::default().max_lifetime_secs,
        Some(text) => text.parse().ok().filter(|s| (60..=30 * 86_400).contains(s)).ok_or_else(|| {
            Error::Misconfigured(format!(
                "LOYALTY_TOKEN_MAX_LIFETIME_SECS must be whole seconds from 60 to 2592000 (30 days), not {text:?}"
            ))
        })?,
    };
    Ok(TokenPolicy { max_lifetime_secs, audience: set(audience), issuer: set(issuer) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Option<String> {
        Some(x.into())
    }

    #[test]
    fn dev_secrets_outside_development_are_refused() {
        assert!(Config::check(s(DEV_API_KEY), s("real"), None, None, true).is_err());
        assert!(Config::check(s("real"), s(DEV_WIDGET_SECRET), s("production"), None, true).is_err());
        assert!(Config::check(None, None, None, None, true).is_err());
        assert!(Config::check(s(KEY), s(SECRET), None, None, true).is_ok());
        assert!(Config::check(s(DEV_API_KEY), s(DEV_WIDGET_SECRET), s("development"), None, true).is_ok());
    }

    const KEY: &str = "k3y-0123456789abcdef0123456789abcdef";
    const SECRET: &str = "s3cret-0123456789abcdef0123456789abcdef";

    #[test]
    fn short_or_shared_secrets_outside_development_are_refused() {
        let short = "x".repeat(MIN_SECRET_LEN - 1);
        let e = Config::check(s(&short), s(SECRET), None, None, true).unwrap_err().to_string();
        assert!(e.contains("LOYALTY_API_KEY is shorter than 32 bytes"), "{e}");
        let e = Config::check(s(KEY), s(&short), s("production"), None, true).unwrap_err().to_string();
        assert!(e.contains("LOYALTY_WIDGET_SECRET is shorter"), "{e}");
        let e = Config::check(s(KEY), s(KEY), None, None, true).unwrap_err().to_string();
        assert!(e.contains("are the same"), "{e}");
        assert!(Config::check(s(&"x".repeat(MIN_SECRET_LEN)), s(SECRET), None, None, true).is_ok());
    }

    #[test]
    fn development_only_on_a_loopback_host() {
        let e = Config::check(s(DEV_API_KEY), s(DEV_WIDGET_SECRET), s("development"), None, false).unwrap_err();
        assert!(e.to_string().contains("honoured only for requests to localhost"), "{e}");
        let c = Config::check(s(KEY), s(SECRET), s("development"), s("*"), false).unwrap();
        assert!(!c.development, "dev routes stay off on a deployed host");
        assert_eq!(c.cors_origin(Some("http://x")), None);
        assert!(Config::check(s(KEY), s(SECRET), s("development"), None, true).unwrap().development);
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "localhost:8787",
            "127.0.0.1",
            "127.0.0.1:8787",
            "127.1.2.3:1",
            "[::1]:8787",
            "[::1]",
            "LOCALHOST",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "shop.example",
            "loyalty.workers.dev",
            "127.0.0.1.nip.io",
            "localhost.example:80",
            "128.0.0.1",
            "[::2]:80",
            "127.0.0",
            "",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn token_policy_from_settings() {
        assert_eq!(token_policy(None, None, None).unwrap(), TokenPolicy::default());
        let p = token_policy(s("3600"), s("shop"), s(" https://shop.example ")).unwrap();
        assert_eq!(
            (p.max_lifetime_secs, p.audience.as_deref(), p.issuer.as_deref()),
            (3600, Some("shop"), Some("https://shop.example"))
        );
        for bad in ["0", "59", "2592001", "a day", "-5"] {
            assert!(token_policy(s(bad), None, None).is_err(), "{bad}");
        }
        assert_eq!(token_policy(s(""), s(""), None).unwrap(), TokenPolicy::default());
    }

    #[test]
    fn wildcard_origin_only_in_development() {
        let c = Config::check(s(KEY), s(SECRET), None, s("*, https://shop.example"), true).unwrap();
        assert_eq!(c.cors_origin(Some("https://evil.example")), None);
        assert_eq!(c.cors_origin(Some("https://shop.example")).as_deref(), Some("https://shop.example"));
        let d = Config::check(None, None, s("development"), s("*"), true).unwrap();
        assert_eq!(d.cors_origin(Some("http://x")).as_deref(), Some("*"));
    }
}

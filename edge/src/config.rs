//! The Worker's settings, and its refusal to run with development secrets
//! in production.

use worker::Env;

use crate::error::{Error, Result};

/// The committed development values (edge/.dev.vars). A deployed Worker
/// that still has one of them would let anyone mint tokens or call the
/// server API, so it refuses to serve.
pub const DEV_API_KEY: &str = "dev-api-key";
/// See [`DEV_API_KEY`].
pub const DEV_WIDGET_SECRET: &str = "dev-widget-secret";

/// Settings read from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Server API key.
    pub api_key: String,
    /// HS256 secret of customer tokens.
    pub widget_secret: String,
    /// `LOYALTY_ENV=development`: enables the dev-only routes.
    pub development: bool,
    /// Origins allowed to call the shopper routes from a browser.
    pub allowed_origins: Vec<String>,
}

fn read(env: &Env, name: &str) -> Option<String> {
    env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
}

impl Config {
    /// Reads and checks the settings.
    pub fn load(env: &Env) -> Result<Config> {
        Config::check(
            read(env, "LOYALTY_API_KEY"),
            read(env, "LOYALTY_WIDGET_SECRET"),
            read(env, "LOYALTY_ENV"),
            read(env, "LOYALTY_ALLOWED_ORIGINS"),
        )
    }

    /// The pure part of [`Config::load`].
    pub fn check(
        api_key: Option<String>,
        widget_secret: Option<String>,
        env: Option<String>,
        origins: Option<String>,
    ) -> Result<Config> {
        let development = env.as_deref() == Some("development");
        let api_key = api_key.filter(|k| !k.is_empty());
        let widget_secret = widget_secret.filter(|k| !k.is_empty());
        if !development {
            match api_key.as_deref() {
                None | Some(DEV_API_KEY) => {
                    return Err(Error::Misconfigured(
                        "LOYALTY_API_KEY is unset or a development value: set it with `wrangler secret put LOYALTY_API_KEY`".into(),
                    ))
                }
                _ => {}
            }
            match widget_secret.as_deref() {
                None | Some(DEV_WIDGET_SECRET) => {
                    return Err(Error::Misconfigured(
                        "LOYALTY_WIDGET_SECRET is unset or a development value: set it with `wrangler secret put LOYALTY_WIDGET_SECRET`"
                            .into(),
                    ))
                }
                _ => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Option<String> {
        Some(x.into())
    }

    #[test]
    fn dev_secrets_outside_development_are_refused() {
        assert!(Config::check(s(DEV_API_KEY), s("real"), None, None).is_err());
        assert!(Config::check(s("real"), s(DEV_WIDGET_SECRET), s("production"), None).is_err());
        assert!(Config::check(None, None, None, None).is_err());
        assert!(Config::check(s("real-key"), s("real-secret"), None, None).is_ok());
        assert!(Config::check(s(DEV_API_KEY), s(DEV_WIDGET_SECRET), s("development"), None).is_ok());
    }

    #[test]
    fn wildcard_origin_only_in_development() {
        let c = Config::check(s("k"), s("w"), None, s("*, https://shop.example")).unwrap();
        assert_eq!(c.cors_origin(Some("https://evil.example")), None);
        assert_eq!(c.cors_origin(Some("https://shop.example")).as_deref(), Some("https://shop.example"));
        let d = Config::check(None, None, s("development"), s("*")).unwrap();
        assert_eq!(d.cors_origin(Some("http://x")).as_deref(), Some("*"));
    }
}

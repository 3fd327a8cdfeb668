//! Where and as whom to talk to Kiva: the environment's URLs (or overrides), the
//! credentials, the partner id, the timeout. Shared by every command that calls the
//! Partner API (`upload`, and `config pull` by flattening [`Connection`]).
//!
//! [`Connection::open`] turns the options into a [`Session`]: one HTTP client, a first
//! token (so wrong credentials fail before any work), and the partner id.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::blocking::Client;

use super::auth::Tokens;
use super::client::{self, Backoff};
use super::credentials;
use super::secret::Redactor;
use crate::Error;

/// Attempts per request against server errors and network failures.
const ATTEMPTS: u32 = 6;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Kiva's environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KivaEnv {
    /// Kiva's test environment.
    Stage,
    /// The real one, once Kiva has approved the integration.
    Production,
}

impl KivaEnv {
    pub fn name(self) -> &'static str {
        match self {
            KivaEnv::Stage => "stage",
            KivaEnv::Production => "production",
        }
    }

    /// The API base URL, also the token audience.
    pub fn api_url(self) -> &'static str {
        match self {
            KivaEnv::Stage => "https://partner-api-stage.dk1.kiva.org",
            KivaEnv::Production => "https://partner-api.k1.kiva.org",
        }
    }

    pub fn auth_url(self) -> &'static str {
        match self {
            KivaEnv::Stage => "https://auth-stage.dk1.kiva.org/oauth/token",
            KivaEnv::Production => "https://auth.k1.kiva.org/oauth/token",
        }
    }
}

/// How to reach Kiva (options shared by the commands that call the API).
#[derive(Debug, Clone, clap::Args)]
pub struct Connection {
    /// Kiva environment: stage (for tests) or production (must be named).
    #[arg(long = "env", value_enum, value_name = "ENV", default_value_t = KivaEnv::Stage)]
    pub environment: KivaEnv,
    /// Partner API base URL, instead of the environment's (also the token audience).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Token URL of Kiva's auth service, instead of the environment's.
    #[arg(long, value_name = "URL")]
    pub auth_url: Option<String>,
    /// Partner id, instead of the one in the token answer.
    #[arg(long, value_name = "ID")]
    pub partner_id: Option<String>,
    /// File of `KIVA_CLIENT_ID=...` and `KIVA_CLIENT_SECRET=...` lines, readable by
    /// its owner only (default: those environment variables).
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Seconds one request may take before it is given up (raise it on slow links).
    #[arg(long, value_name = "SECONDS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Wait before the first retry, in milliseconds; doubled for each next one.
    #[arg(long, hide = true, value_name = "MS", default_value_t = 500)]
    pub retry_delay_ms: u64,
}

/// The URLs of a run, checked.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `stage` or `production`.
    pub env: &'static str,
    /// API base URL without a trailing slash: the token audience and the ledger key.
    pub api: String,
    pub auth: String,
    /// From `--partner-id`; otherwise the token tells.
    pub partner_id: Option<String>,
}

/// An open connection: what the API calls need.
#[derive(Debug)]
pub struct Session {
    pub endpoints: Endpoints,
    /// Shared by every thread: connections are kept and reused.
    pub client: Client,
    pub tokens: Tokens,
    pub partner_id: String,
    /// Knows the credentials and every token of the session.
    pub redactor: Redactor,
    pub backoff: Backoff,
}

impl Connection {
    /// The URLs, checked, without any network access or credentials.
    pub fn endpoints(&self) -> Result<Endpoints, Error> {
        let env = self.environment;
        Ok(Endpoints {
            env: env.name(),
            api: check_url("api-url", self.api_url.as_deref(), env.api_url())?,
            auth: check_url("auth-url", self.auth_url.as_deref(), env.auth_url())?,
            partner_id: self
                .partner_id
                .as_deref()
                .map(|id| check_partner_id(id, "--partner-id"))
                .transpose()?,
        })
    }

    /// The retry policy of the session.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            first: Duration::from_millis(self.retry_delay_ms),
            max: MAX_BACKOFF,
            attempts: ATTEMPTS,
        }
    }

    /// Loads the credentials, sets up a client for `parallel` requests at once, and
    /// gets a first token: wrong credentials fail here, before anything is sent.
    pub fn open(&self, parallel: usize) -> Result<Session, Error> {
        let endpoints = self.endpoints()?;
        let credentials = credentials::load(self.credentials.as_deref())?;
        let backoff = self.backoff();
        let client =
            client::build(Duration::from_secs(self.timeout), parallel).map_err(Error::Usage)?;
        let redactor = Redactor::default();
        let tokens = Tokens::new(
            client.clone(),
            &endpoints.auth,
            &endpoints.api,
            credentials,
            redactor.clone(),
            backoff,
        );
        let token = tokens.current().map_err(|e| Error::Usage(e.to_string()))?;
        let partner_id = match (&endpoints.partner_id, &token.partner_id) {
            (Some(id), _) => id.clone(),
            (None, Some(id)) => check_partner_id(id, "the token's partnerId")?,
            (None, None) => {
                return Err(Error::Usage(
                    "the token answer has no partnerId: pass --partner-id".into(),
                ));
            }
        };
        Ok(Session {
            endpoints,
            client,
            tokens,
            partner_id,
            redactor,
            backoff,
        })
    }
}

/// An http(s) URL without its trailing slash. Plain http only to this machine: the
/// token would travel in clear.
fn check_url(flag: &str, given: Option<&str>, default: &str) -> Result<String, Error> {
    let text = given.unwrap_or(default).trim();
    let url = reqwest::Url::parse(text)
        .map_err(|e| Error::Usage(format!("--{flag}: '{text}' is not a URL ({e})")))?;
    let loopback = url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Error::Usage(format!(
                "--{flag}: '{text}' is plain http: the token would travel unencrypted; use https"
            )));
        }
        _ => {
            return Err(Error::Usage(format!(
                "--{flag}: '{text}' is not an http(s) URL"
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Usage(format!(
            "--{flag}: '{text}' must not have a query or fragment"
        )));
    }
    Ok(text.trim_end_matches('/').to_string())
}

fn check_partner_id(id: &str, whence: &str) -> Result<String, Error> {
    let id = id.trim();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::Usage(format!(
            "{whence}: '{id}' is not a partner id (letters, digits, '-' and '_')"
        )));
    }
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_except_on_this_machine() {
        assert_eq!(
            check_url("api-url", Some("https://x.org/"), "").unwrap(),
            "https://x.org"
        );
        assert!(check_url("api-url", Some("http://127.0.0.1:8080"), "").is_ok());
        assert!(check_url("api-url", Some("http://[::1]:8080"), "").is_ok());
        assert!(check_url("api-url", Some("http://localhost"), "").is_ok());
        let err = check_url("api-url", Some("http://kiva.example"), "").unwrap_err();
        assert!(err.to_string().contains("unencrypted"), "{err}");
        assert!(check_url("api-url", Some("ftp://x"), "").is_err());
        assert!(check_url("api-url", Some("nonsense"), "").is_err());
        assert_eq!(
            check_url("api-url", None, KivaEnv::Production.api_url()).unwrap(),
            "https://partner-api.k1.kiva.org"
        );
        assert!(check_partner_id("123", "x").is_ok());
        assert!(check_partner_id("1/2", "x").is_err());
    }
}

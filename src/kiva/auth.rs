//! `OAuth2` client credentials against Kiva's auth service, and the token shared by the
//! upload's workers.
//!
//! One token serves every request. It is renewed ahead of its expiry (a fifth of its
//! lifetime before, at most a minute) and once more when the API refuses it; a single
//! renewal runs at a time and the others wait for its result, so a burst of 401 answers
//! costs one token request. Reading a valid token takes a shared lock only long enough
//! to clone a pointer: no lock is held around API requests.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use serde::Deserialize;

use super::client::{Backoff, describe, form_encode, parse_retry_after, server_message};
use super::credentials::Credentials;
use super::secret::{Redactor, Secret};

/// How much of a token answer is read (a token answer is a few hundred bytes).
const MAX_TOKEN_ANSWER_BYTES: u64 = 64 * 1024;

/// The scope asked for.
pub const SCOPE: &str = "create:loan_draft";

/// An access token and what came with it.
#[derive(Debug)]
pub struct Token {
    pub access: Secret,
    /// `partnerId` of the answer.
    pub partner_id: Option<String>,
    issued: Instant,
    lifetime: Duration,
    /// Counts tokens of the run, so a refused token is renewed only once.
    generation: u64,
    /// The API has taken this token at least once (any answer but 401/403): a later
    /// refusal means it was revoked or expired, not that the credentials lack the scope.
    proven: AtomicBool,
}

impl Token {
    /// Notes that the API accepted this token.
    pub fn prove(&self) {
        self.proven.store(true, Ordering::Relaxed);
    }

    /// Whether the API ever accepted this token.
    pub fn is_proven(&self) -> bool {
        self.proven.load(Ordering::Relaxed)
    }
}

impl Token {
    fn fresh(&self, now: Instant) -> bool {
        let margin = (self.lifetime / 5).min(Duration::from_secs(60));
        now < self.issued + self.lifetime.saturating_sub(margin)
    }
}

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// The auth service refused the credentials, the audience or the scope.
    Refused { status: u16, message: String },
    /// The auth service could not be reached or kept failing.
    Unavailable(String),
    /// The answer holds no token.
    BadAnswer(String),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Refused { status, message } => write!(
                f,
                "Kiva's auth service refused the credentials ({status}: {message}); check KIVA_CLIENT_ID and KIVA_CLIENT_SECRET (PA2 > Account > API Access) and that they belong to this environment"
            ),
            TokenError::Unavailable(reason) => {
                write!(
                    f,
                    "could not get a token from Kiva's auth service: {reason}"
                )
            }
            TokenError::BadAnswer(reason) => {
                write!(f, "Kiva's auth service gave no usable token: {reason}")
            }
        }
    }
}

/// The token source of a run.
#[derive(Debug)]
pub struct Tokens {
    client: Client,
    url: String,
    audience: String,
    credentials: Credentials,
    redactor: Redactor,
    backoff: Backoff,
    current: RwLock<Option<Arc<Token>>>,
    /// Held while renewing; holds the last generation handed out.
    renewing: Mutex<u64>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default, rename = "partnerId")]
    partner_id: Option<serde_json::Value>,
}

impl Tokens {
    /// `url` is the token URL, `audience` the API base URL. The credentials are added
    /// to `redactor`, and so is every token received.
    pub fn new(
        client: Client,
        url: &str,
        audience: &str,
        credentials: Credentials,
        redactor: Redactor,
        backoff: Backoff,
    ) -> Self {
        redactor.add(&credentials.client_id);
        redactor.add(&credentials.client_secret);
        Tokens {
            client,
            url: url.to_string(),
            audience: audience.to_string(),
            credentials,
            redactor,
            backoff,
            current: RwLock::new(None),
            renewing: Mutex::new(0),
        }
    }

    /// A token that will not expire soon: the current one, or a new one.
    pub fn current(&self) -> Result<Arc<Token>, TokenError> {
        let current = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match current {
            Some(token) if token.fresh(Instant::now()) => Ok(token),
            _ => self.renew(None),
        }
    }

    /// A new token after the API refused `refused`, unless another worker already got
    /// one since.
    pub fn renew_after_refusal(&self, refused: &Token) -> Result<Arc<Token>, TokenError> {
        self.renew(Some(refused.generation))
    }

    fn renew(&self, refused: Option<u64>) -> Result<Arc<Token>, TokenError> {
        let mut generation = self.renewing.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(token) = current {
            let usable = match refused {
                Some(g) => token.generation != g,
                None => token.fresh(Instant::now()),
            };
            if usable {
                return Ok(token);
            }
        }
        let token = Arc::new(self.fetch(*generation + 1)?);
        *generation += 1;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&token));
        Ok(token)
    }

    /// Asks the auth service for a token; retries network failures, 429 and 5xx.
    fn fetch(&self, generation: u64) -> Result<Token, TokenError> {
        let form = form_encode(&[
            ("grant_type", "client_credentials"),
            ("client_id", self.credentials.client_id.expose()),
            ("client_secret", self.credentials.client_secret.expose()),
            ("audience", &self.audience),
            ("scope", SCOPE),
        ]);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let issued = Instant::now();
            let result = self
                .client
                .post(&self.url)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .body(form.clone())
                .send();
            let (failure, wait) = match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
                    // A longer answer is not a token: read as none.
                    let body = super::client::read_answer(response, MAX_TOKEN_ANSWER_BYTES)
                        .unwrap_or_default();
                    match status {
                        200..=299 => return self.token(&body, issued, generation),
                        429 | 500..=599 => (
                            format!("{status}: {}", self.message(status, &body)),
                            retry_after,
                        ),
                        _ => {
                            return Err(TokenError::Refused {
                                status,
                                message: self.message(status, &body),
                            });
                        }
                    }
                }
                // Asking for a token twice is harmless: every failure is retried.
                Err(e) => (self.redactor.redact(&describe(&e)), None),
            };
            if attempt >= self.backoff.attempts {
                return Err(TokenError::Unavailable(format!(
                    "{failure} (after {attempt} attempts, {})",
                    self.url
                )));
            }
            std::thread::sleep(wait.unwrap_or_else(|| self.backoff.delay(attempt)));
        }
    }

    fn message(&self, status: u16, body: &[u8]) -> String {
        self.redactor.redact(&server_message(status, body))
    }

    fn token(&self, body: &[u8], issued: Instant, generation: u64) -> Result<Token, TokenError> {
        let answer: TokenAnswer = serde_json::from_slice(body).map_err(|e| {
            TokenError::BadAnswer(format!("the answer is not a token ({})", json_problem(&e)))
        })?;
        if answer.access_token.trim().is_empty() {
            return Err(TokenError::BadAnswer("access_token is empty".into()));
        }
        let access = Secret::new(answer.access_token);
        self.redactor.add(&access);
        let seconds = answer
            .expires_in
            .as_ref()
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
            .unwrap_or(3600);
        let partner_id = answer.partner_id.and_then(|v| match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        Ok(Token {
            access,
            partner_id,
            issued,
            lifetime: Duration::from_secs(seconds.max(1)),
            generation,
            proven: AtomicBool::new(false),
        })
    }
}

/// What is wrong with a JSON answer, without echoing it (it may hold a token).
fn json_problem(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io | serde_json::error::Category::Eof => "cut off",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "no access_token",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(lifetime: u64) -> Token {
        Token {
            access: Secret::new("t"),
            partner_id: None,
            issued: Instant::now(),
            lifetime: Duration::from_secs(lifetime),
            generation: 1,
            proven: AtomicBool::new(false),
        }
    }

    #[test]
    fn tokens_are_renewed_ahead_of_expiry() {
        let now = Instant::now();
        let day = token(43_199);
        assert!(day.fresh(now + Duration::from_secs(43_199 - 61)));
        assert!(!day.fresh(now + Duration::from_secs(43_199 - 59)));
        let short = token(10);
        assert!(short.fresh(now + Duration::from_millis(7_900)));
        assert!(!short.fresh(now + Duration::from_millis(8_100)));
    }
}

//! `config pull`: Kiva's reference data fetched with the partner's credentials.
//!
//! GETs `config/activities`, `themes`, `locations` and `locales` under the partner's
//! path, with the same connection, token handling and retries as upload (a GET can be
//! repeated safely, so every failure short of a refusal is retried), and writes the
//! cache file that templates and validation read.

use std::path::Path;
use std::time::Duration;

use reqwest::header::ACCEPT;
use serde_json::Value;

use super::client::{self, Answer};
use super::connection::{Connection, Session};
use crate::reference::Cache;
use crate::{Error, Outcome};

/// Where to fetch from: the connection options of `upload`.
#[derive(Debug, Clone, clap::Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub connection: Connection,
}

/// The lists fetched, by endpoint name.
const LISTS: [&str; 4] = ["activities", "themes", "locations", "locales"];

/// One GET with retries; the token is renewed once after a 401/403.
fn get(session: &Session, what: &str) -> Result<Value, Error> {
    let url = format!(
        "{}/v3/partner/{}/config/{what}",
        session.endpoints.api.trim_end_matches('/'),
        session.partner_id
    );
    let fail = |message: String| {
        Error::Usage(
            session
                .redactor
                .redact(&format!("config/{what}: {message}")),
        )
    };
    let mut token = session.tokens.current().map_err(|e| fail(e.to_string()))?;
    let mut renewed = false;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = session
            .client
            .get(&url)
            .bearer_auth(token.access.expose())
            .header(ACCEPT, "application/json")
            .send();
        let retry = match result {
            Err(e) => format!("no answer: {}", client::describe(&e)),
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let body = response.bytes().map_err(|e| fail(client::describe(&e)))?;
                match client::classify(status, retry_after.as_deref(), &body, chrono::Utc::now()) {
                    Answer::Accepted { .. } => {
                        return serde_json::from_slice(&body)
                            .map_err(|_| fail("the answer is not JSON".into()));
                    }
                    Answer::TokenRefused { status, message } if !renewed => {
                        renewed = true;
                        token = session
                            .tokens
                            .renew_after_refusal(&token)
                            .map_err(|e| fail(format!("{status} {message}; a new token: {e}")))?;
                        continue;
                    }
                    Answer::RateLimited {
                        retry_after: Some(wait),
                        ..
                    } if attempt < session.backoff.attempts => {
                        std::thread::sleep(wait.min(Duration::from_secs(120)));
                        continue;
                    }
                    Answer::TokenRefused { status, message }
                    | Answer::Rejected { status, message } => {
                        return Err(fail(format!("{status}: {message}")));
                    }
                    Answer::RateLimited { message, .. } | Answer::ServerError { message, .. } => {
                        message
                    }
                    Answer::NotSent { reason } | Answer::Unknown { reason } => reason,
                }
            }
        };
        if attempt >= session.backoff.attempts {
            return Err(fail(format!("gave up after {attempt} attempts: {retry}")));
        }
        std::thread::sleep(session.backoff.delay(attempt));
    }
}

/// Fetches the four lists and writes the cache.
pub fn pull(args: &PullArgs, path: &Path) -> Result<Outcome, Error> {
    let session = args.connection.open(1)?;
    let answers = LISTS
        .iter()
        .map(|what| get(&session, what))
        .collect::<Result<Vec<_>, _>>()?;
    let cache = Cache::from_answers(
        &session.endpoints.api,
        &session.partner_id,
        &answers[0],
        &answers[1],
        &answers[2],
        &answers[3],
        chrono::Utc::now(),
    );
    cache.save(path).map_err(Error::Usage)?;
    println!(
        "fetched {} activities, {} themes, {} locations, {} languages and {} currencies for partner {} ({}) into {}",
        cache.activities.len(),
        cache.themes.len(),
        cache.locations.len(),
        cache.languages.len(),
        cache.currencies.len(),
        cache.partner_id,
        session.endpoints.env,
        path.display()
    );
    Ok(Outcome::Success)
}

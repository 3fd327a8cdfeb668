//! `config pull`: Kiva's reference data fetched with the partner's credentials.
//!
//! GETs `config/activities`, `themes`, `locations` and `locales` under the partner's
//! path, with the same connection, token handling and retries as upload (a GET can be
//! repeated safely, so every failure short of a refusal is retried), and writes the
//! cache file that templates and validation read.
//!
//! Nothing is written unless every list came back non-empty and readable
//! ([`Cache::from_answers`]): an answer in a shape not understood stops the pull with
//! the endpoint, what was expected and how the answer began (redacted), and leaves the
//! previous cache as it was. Items left out of a list are reported on stderr.

use std::path::Path;
use std::time::Duration;

use reqwest::header::ACCEPT;

use super::client::{self, Answer};
use super::connection::{Connection, Session};
use crate::reference::{Answers, Cache, Endpoint};
use crate::{Error, Outcome};

/// Where to fetch from: the connection options of `upload`.
#[derive(Debug, Clone, clap::Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub connection: Connection,
}

/// One GET with retries; the token is renewed once after a 401/403. The body of the
/// answer, as received.
fn get(session: &Session, endpoint: Endpoint) -> Result<Vec<u8>, Error> {
    let path = endpoint.path();
    let url = format!(
        "{}/v3/partner/{}/{path}",
        session.endpoints.api.trim_end_matches('/'),
        session.partner_id
    );
    let fail =
        |message: String| Error::Usage(session.redactor.redact(&format!("{path}: {message}")));
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
                let body = client::read_answer(response, client::MAX_LIST_BYTES).map_err(fail)?;
                match client::classify(status, retry_after.as_deref(), &body, chrono::Utc::now()) {
                    Answer::Accepted { .. } => return Ok(body),
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

/// Fetches the four lists and writes the cache, or nothing when a list is missing.
pub fn pull(args: &PullArgs, path: &Path) -> Result<Outcome, Error> {
    let session = args.connection.open(1)?;
    let bodies = Endpoint::ALL
        .iter()
        .map(|endpoint| get(&session, *endpoint))
        .collect::<Result<Vec<_>, _>>()?;
    let answers = Answers {
        activities: &bodies[0],
        themes: &bodies[1],
        locations: &bodies[2],
        locales: &bodies[3],
    };
    let redact = |text: &str| session.redactor.redact(text);
    let pulled = Cache::from_answers(
        &session.endpoints.api,
        &session.partner_id,
        &answers,
        chrono::Utc::now(),
    )
    .map_err(|unusable| Error::Usage(redact(&unusable.message(&answers, redact))))?;
    for skipped in &pulled.skipped {
        eprintln!("kiva-drafts: warning: {}", redact(&skipped.message(redact)));
    }
    let cache = pulled.cache;
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

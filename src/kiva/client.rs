//! The HTTP side of the Partner API: one shared client, what an answer means for a
//! draft, and the retry policy.
//!
//! The rule that matters is whether a failed request may have created a draft. A
//! connection that never opened did not; neither did a request whose body was not
//! completely handed to the connection (the body is streamed from memory, the bytes
//! taken are counted, and a body the library could not hand over is reported as a
//! body error), since Kiva cannot store half a JSON document. Anything
//! else without an answer (a timeout or a dropped connection after the whole body went
//! out, or a 504 from a gateway that gave up waiting) is [`Answer::Unknown`]: never
//! retried automatically, because a retry could store the draft twice.

use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::blocking::{Body, Client};
use reqwest::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};

use super::secret::{Redactor, Secret};

/// The longest wait honoured from a `Retry-After` header.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// How much of an answer is read.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// The longest answer read for Kiva's lists (`config pull`): all of Kiva's activities,
/// themes, locations and locales take a few MB.
pub const MAX_LIST_BYTES: u64 = 64 << 20;

/// Reads an answer's body, at most `limit` bytes: a misbehaving server or proxy must not
/// fill the memory. A longer body is an error saying so.
pub fn read_answer(response: reqwest::blocking::Response, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    response
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("the answer was cut off: {e}"))?;
    if bytes.len() as u64 > limit {
        let size = if limit >= 1 << 20 {
            format!("{} MB", limit >> 20)
        } else {
            format!("{} KB", limit >> 10)
        };
        return Err(format!(
            "the answer is longer than {size}, more than Kiva sends: is a proxy in the way?"
        ));
    }
    Ok(bytes)
}

/// How much of a non-JSON answer is shown.
const MAX_MESSAGE_CHARS: usize = 300;

/// One client for the whole run: connections are kept and reused by every worker.
pub fn build(timeout: Duration, concurrency: usize) -> Result<Client, String> {
    Client::builder()
        .user_agent(concat!("kiva-drafts/", env!("CARGO_PKG_VERSION")))
        .connect_timeout((timeout / 2).min(Duration::from_secs(10)))
        .timeout(timeout)
        // Below the usual idle timeout of load balancers (60 s), so a kept connection is
        // not closed by the other side just as a draft goes out on it.
        .pool_idle_timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(concurrency)
        // Drafts are small requests: send them without waiting on Nagle's algorithm.
        .tcp_nodelay(true)
        // A redirected POST would be resent or turned into a GET: take the 3xx as is.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {}", describe(&e)))
}

/// What an answer (or its absence) means for a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 2xx: the draft is in PA2.
    Accepted {
        draft_id: Option<String>,
        message: Option<String>,
    },
    /// 401 or 403: the token was refused (expired, revoked, or missing the scope).
    TokenRefused { status: u16, message: String },
    /// 429: wait (as long as `Retry-After` says, if it does) and retry.
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    /// A server error that stored nothing (5xx but 504, and 408): retry.
    ServerError { status: u16, message: String },
    /// The request did not get out whole: retry.
    NotSent { reason: String },
    /// The request got out but no usable answer came back.
    Unknown { reason: String },
    /// Refused for good: another 4xx, or an unexpected status.
    Rejected { status: u16, message: String },
}

/// Classifies an HTTP answer to a draft.
pub fn classify(status: u16, retry_after: Option<&str>, body: &[u8], now: DateTime<Utc>) -> Answer {
    let message = || server_message(status, body);
    match status {
        200..=299 => {
            let json = serde_json::from_slice::<serde_json::Value>(body).ok();
            let draft_id = json.as_ref().and_then(draft_id);
            let message = if draft_id.is_none() {
                Some(format!(
                    "Kiva answered {status} without a draft id: {}",
                    message()
                ))
            } else {
                None
            };
            Answer::Accepted { draft_id, message }
        }
        401 | 403 => Answer::TokenRefused {
            status,
            message: message(),
        },
        429 => Answer::RateLimited {
            retry_after: retry_after.and_then(|v| parse_retry_after(v, now)),
            message: message(),
        },
        504 => Answer::Unknown {
            reason: format!(
                "504 from a gateway that stopped waiting for Kiva: {}",
                message()
            ),
        },
        // 408: the server did not get the whole request in time, so stored nothing.
        408 | 500..=599 => Answer::ServerError {
            status,
            message: message(),
        },
        _ => Answer::Rejected {
            status,
            message: message(),
        },
    }
}

/// The new draft's id: `loan_draft_uuid` or `loanDraftUuid`.
pub fn draft_id(answer: &serde_json::Value) -> Option<String> {
    ["loan_draft_uuid", "loanDraftUuid"]
        .iter()
        .find_map(|name| match answer.get(name)? {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
}

/// What the server said: the `message` of a JSON answer (or OAuth's
/// `error_description`, `error`), else the body trimmed, else the status' reason.
pub fn server_message(status: u16, body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let field = ["message", "error_description", "error", "detail"]
            .iter()
            .find_map(|name| json.get(name).and_then(|v| v.as_str()))
            .map(str::trim)
            .filter(|m| !m.is_empty());
        if let Some(text) = field {
            return shorten(text);
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = if text.trim_start().starts_with('<') {
        without_tags(&text)
    } else {
        text.into_owned()
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no message")
            .to_string()
    } else {
        shorten(&text)
    }
}

/// The text of an HTML error page (a gateway's 502 page, say), tags and all that
/// sits in `<head>` left out.
fn without_tags(html: &str) -> String {
    let body = html
        .find("</head>")
        .map_or(html, |end| &html[end + "</head>".len()..]);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{cut}…")
    }
}

/// A `Retry-After` value: seconds or an HTTP date; capped at [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let date = DateTime::parse_from_rfc2822(value).ok()?;
        (date.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// An error of the HTTP library as a sentence: its chain of causes, without the URL.
pub fn describe(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        let text = if parts.is_empty() {
            // The top level without its URL (the URL is printed where it helps).
            e.to_string()
                .split(" for url (")
                .next()
                .unwrap_or_default()
                .to_string()
        } else {
            e.to_string()
        };
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    if error.is_timeout() && !parts.iter().any(|p| p.contains("timed out")) {
        parts.push("timed out".into());
    }
    parts.join(": ")
}

/// Exponential backoff with jitter, for a bounded number of attempts.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The wait before the first retry; it doubles for each next one.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Attempts in all (the first try included).
    pub attempts: u32,
}

impl Backoff {
    /// The wait before retry number `retry` (1 for the first): `first` doubled
    /// `retry - 1` times, at most `max`, then a random part of its second half dropped
    /// so that workers that failed together do not retry together.
    pub fn delay(&self, retry: u32) -> Duration {
        self.delay_with(retry, random())
    }

    fn delay_with(&self, retry: u32, random: u64) -> Duration {
        let doubled = self
            .first
            .saturating_mul(1 << retry.saturating_sub(1).min(20))
            .min(self.max);
        let full = u64::try_from(doubled.as_millis()).unwrap_or(u64::MAX);
        let half = full / 2;
        Duration::from_millis(full - half + random % (half + 1))
    }
}

/// A random number for jitter, from the standard library's per-process hash keys.
fn random() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.finish()
}

/// `application/x-www-form-urlencoded`.
pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fn encode(out: &mut String, text: &str) {
        for b in text.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(char::from(b));
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(&mut out, name);
        out.push('=');
        encode(&mut out, value);
    }
    out
}

/// The Partner API's `loan_draft` endpoint for one partner.
#[derive(Debug, Clone)]
pub struct PartnerApi {
    client: Client,
    url: String,
    redactor: Redactor,
}

impl PartnerApi {
    /// `base` is the API base URL without a trailing slash.
    pub fn new(client: Client, base: &str, partner_id: &str, redactor: Redactor) -> Self {
        PartnerApi {
            client,
            url: draft_url(base, partner_id),
            redactor,
        }
    }

    /// Posts one draft (the file's bytes as they are) and says what became of it.
    /// Messages are redacted of every secret of the run.
    pub fn post_draft(&self, token: &Secret, body: &Arc<[u8]>) -> Answer {
        let taken = Arc::new(AtomicUsize::new(0));
        let reader = CountedBody {
            bytes: Arc::clone(body),
            position: 0,
            taken: Arc::clone(&taken),
        };
        let result = self
            .client
            .post(&self.url)
            .bearer_auth(token.expose())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(Body::sized(reader, body.len() as u64))
            .send();
        let answer = match result {
            Err(e) => {
                let whole_body_out = taken.load(Ordering::SeqCst) >= body.len();
                let reason = describe(&e);
                if e.is_connect() {
                    Answer::NotSent {
                        reason: format!("could not connect: {reason}"),
                    }
                } else if e.is_body() {
                    // The HTTP library dropped the body before taking all of it (the
                    // connection failed first; the connect error itself is then hidden
                    // behind this one): the server cannot have the whole draft.
                    Answer::NotSent {
                        reason: format!(
                            "the connection failed before the draft was sent whole ({reason})"
                        ),
                    }
                } else if whole_body_out {
                    Answer::Unknown {
                        reason: format!("no answer after the draft was sent: {reason}"),
                    }
                } else {
                    Answer::NotSent {
                        reason: format!("failed before the draft was sent: {reason}"),
                    }
                }
            }
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let mut bytes = Vec::new();
                // A 2xx whose body is cut off still created the draft; other answers
                // are judged on their status alone when the body is lost.
                let _ = response.take(MAX_ANSWER_BYTES).read_to_end(&mut bytes);
                classify(status, retry_after.as_deref(), &bytes, Utc::now())
            }
        };
        self.redact(answer)
    }

    fn redact(&self, answer: Answer) -> Answer {
        let r = |text: String| self.redactor.redact(&text);
        match answer {
            Answer::Accepted { draft_id, message } => Answer::Accepted {
                draft_id: draft_id.map(r),
                message: message.map(r),
            },
            Answer::TokenRefused { status, message } => Answer::TokenRefused {
                status,
                message: r(message),
            },
            Answer::RateLimited {
                retry_after,
                message,
            } => Answer::RateLimited {
                retry_after,
                message: r(message),
            },
            Answer::ServerError { status, message } => Answer::ServerError {
                status,
                message: r(message),
            },
            Answer::NotSent { reason } => Answer::NotSent { reason: r(reason) },
            Answer::Unknown { reason } => Answer::Unknown { reason: r(reason) },
            Answer::Rejected { status, message } => Answer::Rejected {
                status,
                message: r(message),
            },
        }
    }
}

/// `{base}/v3/partner/{partner_id}/loan_draft`.
pub fn draft_url(base: &str, partner_id: &str) -> String {
    format!("{base}/v3/partner/{partner_id}/loan_draft")
}

/// A request body read from memory that counts the bytes the HTTP library took.
struct CountedBody {
    bytes: Arc<[u8]>,
    position: usize,
    taken: Arc<AtomicUsize>,
}

impl Read for CountedBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.bytes[self.position..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.position += n;
        self.taken.store(self.position, Ordering::SeqCst);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_the_draft_id_under_either_name() {
        for body in [
            r#"{"code":"OK","message":"created","loan_draft_uuid":"u-1"}"#,
            r#"{"code":"OK","loanDraftUuid":"u-1"}"#,
        ] {
            assert_eq!(
                classify(201, None, body.as_bytes(), now()),
                Answer::Accepted {
                    draft_id: Some("u-1".into()),
                    message: None
                }
            );
        }
        let Answer::Accepted { draft_id, message } = classify(200, None, b"ok", now()) else {
            panic!("a 2xx is accepted");
        };
        assert_eq!(draft_id, None);
        assert_eq!(message.unwrap(), "Kiva answered 200 without a draft id: ok");
    }

    #[test]
    fn sorts_answers_into_what_to_do() {
        assert_eq!(
            classify(422, None, br#"{"code":"x","message":" bad date "}"#, now()),
            Answer::Rejected {
                status: 422,
                message: "bad date".into()
            }
        );
        assert_eq!(
            classify(400, None, b"  Bad   Request:\n  schedule\n", now()),
            Answer::Rejected {
                status: 400,
                message: "Bad Request: schedule".into()
            }
        );
        assert_eq!(
            classify(
                502,
                None,
                b"<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
                now()
            ),
            Answer::ServerError {
                status: 502,
                message: "502 Bad Gateway nginx".into()
            }
        );
        assert_eq!(
            classify(503, None, b"", now()),
            Answer::ServerError {
                status: 503,
                message: "Service Unavailable".into()
            }
        );
        assert!(matches!(
            classify(408, None, b"", now()),
            Answer::ServerError { status: 408, .. }
        ));
        assert!(matches!(
            classify(504, None, b"", now()),
            Answer::Unknown { .. }
        ));
        assert!(matches!(
            classify(401, None, b"", now()),
            Answer::TokenRefused { status: 401, .. }
        ));
        assert_eq!(
            classify(429, Some("7"), b"", now()),
            Answer::RateLimited {
                retry_after: Some(Duration::from_secs(7)),
                message: "Too Many Requests".into()
            }
        );
        assert!(matches!(
            classify(302, None, b"", now()),
            Answer::Rejected { status: 302, .. }
        ));
        let long = "x".repeat(1000);
        let Answer::Rejected { message, .. } = classify(400, None, long.as_bytes(), now()) else {
            panic!()
        };
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date_and_is_capped() {
        assert_eq!(
            parse_retry_after(" 3 ", now()),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Fri, 01 May 2026 10:00:30 GMT", now()),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Fri, 01 May 2026 09:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("86400", now()), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now()), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let b = Backoff {
            first: Duration::from_millis(400),
            max: Duration::from_secs(2),
            attempts: 6,
        };
        assert_eq!(b.delay_with(1, 0), Duration::from_millis(200));
        assert_eq!(b.delay_with(1, 200), Duration::from_millis(400));
        assert_eq!(b.delay_with(2, 0), Duration::from_millis(400));
        assert_eq!(b.delay_with(3, 400), Duration::from_millis(1200));
        assert_eq!(b.delay_with(3, 800), Duration::from_millis(1600));
        assert_eq!(b.delay_with(9, 1000), Duration::from_secs(2));
        assert_eq!(b.delay_with(9, 0), Duration::from_secs(1));
        for retry in 1..10 {
            let d = b.delay(retry);
            assert!(d <= b.max, "{d:?}");
        }
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            form_encode(&[("scope", "create:loan_draft"), ("s", "a b&c=d/é")]),
            "scope=create%3Aloan_draft&s=a+b%26c%3Dd%2F%C3%A9"
        );
    }
}

//! A Kiva-like server on 127.0.0.1 for the upload tests: Kiva's `OAuth2` token endpoint
//! and the Partner API's `loan_draft` endpoint, over real HTTP/1.1 with keep-alive
//! (std `TcpListener`, one thread per connection), with programmable faults.
//!
//! It checks what Kiva checks: the token request (form-encoded `grant_type`,
//! `client_id`, `client_secret`, `audience` = the API base URL, `scope`), bearer tokens
//! that expire, the partner id in the path, and a JSON body that is a loan draft with
//! borrowers. It answers `{code, message, loan_draft_uuid}` (or `loanDraftUuid` on
//! every other draft), and counts stored drafts by the SHA-256 of their body so tests
//! can assert that each draft was stored exactly once.

#![allow(dead_code)]

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "kiva-test-client-7f3a";
/// Has characters that must be form-encoded.
pub const CLIENT_SECRET: &str = "s3cr3t+Zq8/x=K2&w%41";
pub const PARTNER_ID: &str = "428";

/// What one draft request looks like to a fault rule.
#[derive(Debug, Clone)]
pub struct DraftRequest {
    /// 1 for the first authorised draft request the server sees, then 2, ...
    pub n: u64,
    /// How many times this body was received before.
    pub attempt: u32,
    pub sha256: String,
    /// `entreps[0].loan_id`.
    pub loan_id: String,
    /// The bearer token it came with.
    pub token: String,
}

/// What a draft request gets instead of the normal answer.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This answer; nothing stored.
    Answer {
        status: u16,
        content_type: &'static str,
        body: String,
        retry_after: Option<String>,
    },
    /// Revoke every token, then answer 401.
    RevokeTokens,
    /// Answer 403 (a token without the scope).
    Forbidden,
    /// Store the draft, then close the connection without answering.
    DropAfterStore,
    /// Keep the request waiting (after `latency`) until [`Server::release`], at most
    /// [`HOLD_LIMIT`], then store the draft and answer as usual: a request in flight
    /// for as long as a test needs, whatever the machine's speed.
    Hold,
}

/// The longest a [`Fault::Hold`] waits for [`Server::release`].
pub const HOLD_LIMIT: Duration = Duration::from_secs(60);

impl Fault {
    pub fn status(status: u16) -> Fault {
        Fault::Answer {
            status,
            content_type: "text/html",
            body: format!("<html><body><h1>{status}</h1> upstream trouble</body></html>"),
            retry_after: None,
        }
    }

    pub fn json(status: u16, message: &str) -> Fault {
        Fault::Answer {
            status,
            content_type: "application/json",
            body: serde_json::json!({"code": "validation_error", "message": message}).to_string(),
            retry_after: None,
        }
    }

    pub fn text(status: u16, body: &str) -> Fault {
        Fault::Answer {
            status,
            content_type: "text/plain",
            body: body.to_string(),
            retry_after: None,
        }
    }

    pub fn rate_limited(retry_after: &str) -> Fault {
        Fault::Answer {
            status: 429,
            content_type: "application/json",
            body: r#"{"message":"Too many requests, slow down"}"#.into(),
            retry_after: Some(retry_after.to_string()),
        }
    }
}

pub type Rule = dyn Fn(&DraftRequest) -> Option<Fault> + Send + Sync;

/// How the server behaves; changeable while it runs.
pub struct Config {
    /// `expires_in` of the tokens, in seconds; the server expires them too.
    pub token_lifetime: u64,
    /// Waited before answering each draft request.
    pub latency: Duration,
    pub rule: Option<Arc<Rule>>,
    /// Put the received client secret into the auth error (a careless server).
    pub echo_secret_on_auth_error: bool,
    /// The audience tokens are issued for (default: this server's base URL).
    pub audience: Option<String>,
    /// `config/*` answers that fail with 503 before one succeeds (retry tests).
    pub list_failures: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token_lifetime: 3600,
            latency: Duration::ZERO,
            rule: None,
            echo_secret_on_auth_error: false,
            audience: None,
            list_failures: 0,
        }
    }
}

/// What the server saw.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Draft ids by body hash, one per time the body was stored.
    pub stored: HashMap<String, Vec<String>>,
    /// Authorised draft requests by body hash.
    pub received: HashMap<String, u32>,
    pub token_requests: u64,
    pub tokens_issued: Vec<String>,
    /// Every draft request, authorised or not.
    pub draft_requests: u64,
    /// Answers by status.
    pub statuses: HashMap<u16, u64>,
    /// `GET config/*` requests, by list.
    pub config_requests: HashMap<String, u64>,
}

impl Stats {
    pub fn stored_count(&self, sha256: &str) -> usize {
        self.stored.get(sha256).map_or(0, Vec::len)
    }

    pub fn total_stored(&self) -> usize {
        self.stored.values().map(Vec::len).sum()
    }

    pub fn status_count(&self, status: u16) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }
}

struct Shared {
    base: String,
    config: Mutex<Config>,
    stats: Mutex<Stats>,
    tokens: Mutex<HashMap<String, Instant>>,
    authorised: Mutex<u64>,
    stop: AtomicBool,
    /// `config/*` bodies set by [`Server::answer_config`], by list.
    config_answers: Mutex<HashMap<String, String>>,
    /// Requests held by [`Fault::Hold`], and whether they were released.
    holds: Mutex<Holds>,
    released: Condvar,
}

#[derive(Default)]
struct Holds {
    waiting: usize,
    released: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running server; stops accepting when dropped.
pub struct Server {
    shared: Arc<Shared>,
    port: u16,
}

impl Server {
    pub fn start(config: Config) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            base: format!("http://127.0.0.1:{port}"),
            config: Mutex::new(config),
            stats: Mutex::new(Stats::default()),
            tokens: Mutex::new(HashMap::new()),
            authorised: Mutex::new(0),
            stop: AtomicBool::new(false),
            config_answers: Mutex::new(HashMap::new()),
            holds: Mutex::new(Holds::default()),
            released: Condvar::new(),
        });
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || serve(&shared, stream));
            }
        });
        Server { shared, port }
    }

    /// The API base URL (also the expected token audience).
    pub fn api_url(&self) -> String {
        self.shared.base.clone()
    }

    pub fn auth_url(&self) -> String {
        format!("{}/oauth/token", self.shared.base)
    }

    pub fn stats(&self) -> Stats {
        lock(&self.shared.stats).clone()
    }

    pub fn configure(&self, change: impl FnOnce(&mut Config)) {
        change(&mut lock(&self.shared.config));
    }

    /// How many draft requests [`Fault::Hold`] keeps waiting now.
    pub fn held(&self) -> usize {
        lock(&self.shared.holds).waiting
    }

    /// Lets the held requests (and every later [`Fault::Hold`]) go on.
    pub fn release(&self) {
        lock(&self.shared.holds).released = true;
        self.shared.released.notify_all();
    }

    /// From now on `GET config/{what}` answers 200 with this body (JSON or not),
    /// instead of the built-in lists: for the shapes Kiva's answers take.
    pub fn answer_config(&self, what: &str, body: impl Into<String>) {
        lock(&self.shared.config_answers).insert(what.to_string(), body.into());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

enum Reply {
    Answer {
        status: u16,
        content_type: &'static str,
        body: String,
        extra: Vec<(String, String)>,
    },
    /// Close the connection without a word.
    Drop,
}

fn json_reply(status: u16, body: &serde_json::Value) -> Reply {
    Reply::Answer {
        status,
        content_type: "application/json",
        body: body.to_string(),
        extra: Vec::new(),
    }
}

/// One connection: requests until the client closes it (keep-alive).
fn serve(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    // Answers go out at once, as a real server's would (no Nagle delay on small writes).
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let close = request
            .headers
            .get("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let reply = handle(shared, &request);
        match reply {
            Reply::Drop => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Reply::Answer {
                status,
                content_type,
                body,
                extra,
            } => {
                lock(&shared.stats)
                    .statuses
                    .entry(status)
                    .and_modify(|n| *n += 1)
                    .or_insert(1);
                let mut head = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
                    reason(status),
                    body.len()
                );
                for (name, value) in extra {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                head.push_str(&body);
                if writer.write_all(head.as_bytes()).is_err() || writer.flush().is_err() {
                    return;
                }
            }
        }
        if close {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_lowercase(), value.trim().to_string());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn handle(shared: &Shared, request: &Request) -> Reply {
    if request.method == "POST" && request.path == "/oauth/token" {
        return token(shared, request);
    }
    let prefix = "/v3/partner/";
    if request.method == "POST"
        && request.path.starts_with(prefix)
        && request.path.ends_with("/loan_draft")
    {
        let partner = &request.path[prefix.len()..request.path.len() - "/loan_draft".len()];
        return draft(shared, request, partner);
    }
    if request.method == "GET"
        && request.path.starts_with(prefix)
        && request.path.contains("/config/")
    {
        let rest = &request.path[prefix.len()..];
        if let Some((partner, what)) = rest.split_once("/config/") {
            return config(shared, request, partner, what);
        }
    }
    json_reply(404, &serde_json::json!({"message": "no such endpoint"}))
}

/// Kiva's reference lists, in the mixed field-name styles Kiva's sources show.
fn config(shared: &Shared, request: &Request, partner: &str, what: &str) -> Reply {
    *lock(&shared.stats)
        .config_requests
        .entry(what.to_string())
        .or_default() += 1;
    if let Some(refusal) = refuse(shared, request, partner) {
        return refusal;
    }
    {
        let mut config = lock(&shared.config);
        if config.list_failures > 0 {
            config.list_failures -= 1;
            return json_reply(503, &serde_json::json!({"message": "try again"}));
        }
    }
    if let Some(body) = lock(&shared.config_answers).get(what) {
        return Reply::Answer {
            status: 200,
            content_type: "application/json",
            body: body.clone(),
            extra: Vec::new(),
        };
    }
    let as_of = "2026-11-27T08:00:00Z";
    let body = match what {
        "activities" => serde_json::json!({"as_of_date_time": as_of, "activities": [
            {"activity_id": 61, "name": "Retail"}, {"activity_id": 120, "name": "Food Production/Sales"},
            {"activityId": 41, "name": "Agriculture"}, {"activityId": "88", "name": "Tailoring"}]}),
        "themes" => serde_json::json!({"asOfDateTime": as_of, "themes": [
            {"themeTypeId": 4, "name": "Women"}, {"theme_type_id": 2, "name": "Rural Exclusion"}]}),
        "locations" => serde_json::json!({"as_of_date_time": as_of, "locations": [
            {"country": "Uganda", "location": "Kampala", "full_name": "Kampala, Central, Uganda"},
            {"country": "Uganda", "fullName": "Gulu, Northern, Uganda"}]}),
        "locales" => serde_json::json!({"as_of_date_time": as_of,
            "languages": [{"id": 1, "code": "en", "name": "English"}, {"languageId": 2, "code": "es", "name": "Español"}],
            "currencies": [{"code": "UGX"}, "USD"]}),
        _ => return json_reply(404, &serde_json::json!({"message": "no such list"})),
    };
    json_reply(200, &body)
}

fn token(shared: &Shared, request: &Request) -> Reply {
    lock(&shared.stats).token_requests += 1;
    let form_type = request
        .headers
        .get("content-type")
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return json_reply(
            400,
            &serde_json::json!({"error": "invalid_request", "error_description": "expected a form"}),
        );
    }
    let form = parse_form(&request.body);
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    if field("grant_type") != "client_credentials" {
        return json_reply(
            400,
            &serde_json::json!({"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}),
        );
    }
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        let description = if lock(&shared.config).echo_secret_on_auth_error {
            format!(
                "Unauthorized: client {} with secret {} is unknown",
                field("client_id"),
                field("client_secret")
            )
        } else {
            "Unauthorized".to_string()
        };
        return json_reply(
            401,
            &serde_json::json!({"error": "access_denied", "error_description": description}),
        );
    }
    let audience = lock(&shared.config)
        .audience
        .clone()
        .unwrap_or_else(|| shared.base.clone());
    if field("audience") != audience {
        return json_reply(
            403,
            &serde_json::json!({"error": "access_denied", "error_description": format!("Service not enabled within domain: {}", field("audience"))}),
        );
    }
    if !field("scope").split(' ').any(|s| s == "create:loan_draft") {
        return json_reply(
            403,
            &serde_json::json!({"error": "access_denied", "error_description": "scope create:loan_draft not granted"}),
        );
    }
    let lifetime = lock(&shared.config).token_lifetime;
    let token = format!("tok-{:016x}{:016x}", random(), random());
    lock(&shared.tokens).insert(
        token.clone(),
        Instant::now() + Duration::from_secs(lifetime),
    );
    lock(&shared.stats).tokens_issued.push(token.clone());
    json_reply(
        200,
        &serde_json::json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": lifetime,
            "scope": "create:loan_draft",
            "partnerId": PARTNER_ID,
            "jti": format!("{:x}", random()),
        }),
    )
}

/// The bearer token of a request ("" without one).
fn bearer(request: &Request) -> String {
    request
        .headers
        .get("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string()
}

/// The 401 (no valid bearer token) or 403 (another partner) a Partner API call gets.
fn refuse(shared: &Shared, request: &Request, partner: &str) -> Option<Reply> {
    let valid = lock(&shared.tokens)
        .get(&bearer(request))
        .is_some_and(|expiry| Instant::now() < *expiry);
    if !valid {
        return Some(json_reply(
            401,
            &serde_json::json!({"code": "unauthorized", "message": "Invalid or expired token"}),
        ));
    }
    (partner != PARTNER_ID).then(|| {
        json_reply(
            403,
            &serde_json::json!({"code": "forbidden", "message": format!("token not valid for partner {partner}")}),
        )
    })
}

fn draft(shared: &Shared, request: &Request, partner: &str) -> Reply {
    lock(&shared.stats).draft_requests += 1;
    if let Some(refusal) = refuse(shared, request, partner) {
        return refusal;
    }
    let json_type = request
        .headers
        .get("content-type")
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed = serde_json::from_slice::<kiva_drafts::draft::LoanDraft>(&request.body);
    let draft = match parsed {
        Ok(draft) if json_type && !draft.entreps.is_empty() => draft,
        Ok(_) => {
            return json_reply(
                400,
                &serde_json::json!({"code": "validation_error", "message": "a JSON loan draft with entreps is required"}),
            );
        }
        Err(e) => {
            return json_reply(
                400,
                &serde_json::json!({"code": "validation_error", "message": format!("invalid JSON: {e}")}),
            );
        }
    };
    let sha256 = hex(&Sha256::digest(&request.body));
    let (n, attempt) = {
        let mut count = lock(&shared.authorised);
        *count += 1;
        let mut stats = lock(&shared.stats);
        let received = stats.received.entry(sha256.clone()).or_insert(0);
        *received += 1;
        (*count, *received - 1)
    };
    let (latency, rule) = {
        let config = lock(&shared.config);
        (config.latency, config.rule.clone())
    };
    std::thread::sleep(latency);
    let described = DraftRequest {
        n,
        attempt,
        sha256: sha256.clone(),
        loan_id: draft.entreps[0].loan_id.clone().unwrap_or_default(),
        token: bearer(request),
    };
    let fault = rule.and_then(|rule| rule(&described));
    if matches!(fault, Some(Fault::Hold)) {
        hold(shared);
    }
    match fault {
        Some(Fault::Answer {
            status,
            content_type,
            body,
            retry_after,
        }) => {
            return Reply::Answer {
                status,
                content_type,
                body,
                extra: retry_after
                    .map(|v| vec![("Retry-After".to_string(), v)])
                    .unwrap_or_default(),
            };
        }
        Some(Fault::RevokeTokens) => {
            lock(&shared.tokens).clear();
            return json_reply(
                401,
                &serde_json::json!({"code": "unauthorized", "message": "Invalid or expired token"}),
            );
        }
        Some(Fault::Forbidden) => {
            return json_reply(
                403,
                &serde_json::json!({"code": "forbidden", "message": "Insufficient scope"}),
            );
        }
        Some(Fault::DropAfterStore | Fault::Hold) | None => {}
    }
    let uuid = format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        random() & 0xffff_ffff,
        random() & 0xffff,
        random() & 0xfff,
        random() & 0xfff,
        random() & 0xffff_ffff_ffff
    );
    lock(&shared.stats)
        .stored
        .entry(sha256)
        .or_default()
        .push(uuid.clone());
    if matches!(fault, Some(Fault::DropAfterStore)) {
        return Reply::Drop;
    }
    let id_name = if n % 2 == 0 {
        "loanDraftUuid"
    } else {
        "loan_draft_uuid"
    };
    json_reply(
        200,
        &serde_json::json!({"code": "success", "message": "Loan draft created", id_name: uuid}),
    )
}

/// Waits for [`Server::release`], at most [`HOLD_LIMIT`].
fn hold(shared: &Shared) {
    let deadline = Instant::now() + HOLD_LIMIT;
    let mut holds = lock(&shared.holds);
    holds.waiting += 1;
    while !holds.released {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        holds = shared
            .released
            .wait_timeout(holds, deadline - now)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    holds.waiting -= 1;
}

fn parse_form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            Some((decode(name), decode(value)))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

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

// --- drafts to upload -----------------------------------------------------------

/// An amount from its text.
pub fn money(text: &str) -> kiva_drafts::money::Money {
    text.parse().unwrap()
}

/// A valid individual loan draft, different for each `i`.
pub fn loan(i: usize) -> kiva_drafts::draft::LoanDraft {
    kiva_drafts::draft::LoanDraft {
        currency: Some("USD".into()),
        disburse_time: Some("2026-01-15".into()),
        loanuse: Some(format!("to buy stock for shop number {i}")),
        entreps: vec![kiva_drafts::draft::Entrep {
            first_name: Some("Ana".into()),
            last_name: Some(format!("Nuñez {i}")),
            gender: Some("female".into()),
            client_id: Some(format!("C{i:04}")),
            loan_id: Some(format!("L{i:04}")),
            amount: Some(money("500")),
        }],
        schedule: vec![kiva_drafts::draft::ScheduleItem {
            date: "2026-02-15".into(),
            principal: money("500"),
            interest: money("12.50"),
        }],
        ..kiva_drafts::draft::LoanDraft::default()
    }
}

/// A folder of `n` drafts to upload, `L0000.json`... with a `summary.json` naming them.
pub fn synthetic(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = Vec::new();
    for i in 0..n {
        let file = format!("L{i:04}.json");
        std::fs::write(dir.path().join(&file), loan(i).to_pretty_json()).unwrap();
        entries.push(serde_json::json!({"file": file, "loan_key": format!("LN/{i:04}")}));
    }
    let summary = serde_json::json!({"loans": n, "drafts": entries});
    std::fs::write(dir.path().join("summary.json"), summary.to_string()).unwrap();
    dir
}

/// The binary with no credentials and no proxy from the environment.
pub fn binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kiva-drafts"));
    for var in [
        "KIVA_CLIENT_ID",
        "KIVA_CLIENT_SECRET",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

impl Server {
    /// `upload DIR` against this server with the right credentials.
    pub fn upload_command(&self, dir: &std::path::Path) -> std::process::Command {
        let mut cmd = binary();
        cmd.arg("upload")
            .arg(dir)
            .args(["--api-url", &self.api_url()])
            .args(["--auth-url", &self.auth_url()])
            .env("KIVA_CLIENT_ID", CLIENT_ID)
            .env("KIVA_CLIENT_SECRET", CLIENT_SECRET);
        cmd
    }
}

//! `kiva-drafts upload`: the real binary against a Kiva-like server on 127.0.0.1
//! (`tests/server/mod.rs`), on drafts written by `convert` from the samples or built
//! with the `LoanDraft` model. Retries run with a 1 ms first delay (hidden
//! `--retry-delay-ms`) so the suite stays fast; no assertion depends on timing.

mod server;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::{
    CLIENT_ID, CLIENT_SECRET, Config, DraftRequest, Fault, PARTNER_ID, Server, binary, loan,
    synthetic,
};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `upload DIR` against `server` with the right credentials and fast retries.
fn upload(dir: &Path, server: &Server, extra: &[&str]) -> Command {
    let mut cmd = server.upload_command(dir);
    cmd.args(["--retry-delay-ms", "1"]).args(extra);
    cmd
}

fn run(mut cmd: Command) -> Run {
    let output = cmd.output().expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The drafts `convert` writes for the per-loan sample (six loans).
fn converted() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = binary();
    cmd.current_dir(&root)
        .args([
            "convert",
            "samples/per-loan/loans.csv",
            "samples/per-loan/schedule.csv",
        ])
        .args(["--template", "templates/per-loan.toml", "--quiet", "--out"])
        .arg(&out);
    let done = run(cmd);
    assert_eq!(done.code, 0, "convert: {}", done.stderr);
    std::fs::rename(&out, dir.path().join("d")).unwrap();
    dir
}

fn drafts_of(dir: &Path) -> PathBuf {
    if dir.join("d").is_dir() {
        dir.join("d")
    } else {
        dir.to_path_buf()
    }
}

/// Draft file name -> SHA-256 of its bytes.
fn hashes(dir: &Path) -> HashMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            Path::new(&name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                && name != "summary.json"
        })
        .map(|p| {
            use sha2::Digest;
            let bytes = std::fs::read(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                server::hex(&sha2::Sha256::digest(&bytes)),
            )
        })
        .collect()
}

fn ledger(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("upload-ledger.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("every ledger line is JSON"))
        .collect()
}

/// Last ledger state per sha256.
fn last_states(dir: &Path) -> HashMap<String, serde_json::Value> {
    ledger(dir)
        .into_iter()
        .map(|r| (r["sha256"].as_str().unwrap().to_string(), r))
        .collect()
}

/// `upload-results.csv` rows by file.
fn results(dir: &Path) -> HashMap<String, HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(dir.join("upload-results.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["file", "loan_key", "status", "draft_id", "message"]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row: HashMap<String, String> = headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row["file"].clone(), row)
        })
        .collect()
}

fn rule(f: impl Fn(&DraftRequest) -> Option<Fault> + Send + Sync + 'static) -> Arc<server::Rule> {
    Arc::new(f)
}

#[test]
fn five_hundred_drafts_through_errors_rate_limits_and_token_expiry_are_each_stored_once() {
    let dir = synthetic(500);
    let in_a_second = (chrono::Utc::now() + chrono::Duration::seconds(1))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let server = Server::start(Config {
        token_lifetime: 1,
        latency: Duration::from_millis(1),
        rule: Some(rule(move |r| match r.n {
            // 10 % server errors, at most twice for the same draft.
            n if n % 10 == 0 && r.attempt < 2 => {
                Some(Fault::status([500, 502, 503][(n / 10 % 3) as usize]))
            }
            n if n % 37 == 1 => Some(Fault::rate_limited("0")),
            251 => Some(Fault::rate_limited(&in_a_second)),
            n if n % 173 == 0 => Some(Fault::RevokeTokens),
            _ => None,
        })),
        ..Config::default()
    });
    let done = run(upload(dir.path(), &server, &[]));
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert!(done.stdout.contains("accepted: 500"), "{}", done.stdout);

    let stats = server.stats();
    let hashes = hashes(dir.path());
    assert_eq!(hashes.len(), 500);
    for (file, sha) in &hashes {
        assert_eq!(stats.stored_count(sha), 1, "{file} stored once");
    }
    assert_eq!(stats.total_stored(), 500);
    // The faults really happened: server errors, rate limits, revoked and expired tokens.
    assert!(stats.status_count(500) + stats.status_count(502) + stats.status_count(503) >= 40);
    assert!(stats.status_count(429) >= 10);
    assert!(stats.status_count(401) >= 1);
    assert!(
        stats.tokens_issued.len() >= 2,
        "tokens: {}",
        stats.tokens_issued.len()
    );

    // The ledger: every draft sent, then accepted exactly once with the server's id.
    let records = ledger(dir.path());
    let mut accepted: HashMap<String, Vec<String>> = HashMap::new();
    let mut sending: HashSet<String> = HashSet::new();
    for r in &records {
        assert_eq!(r["api"], server.api_url());
        assert_eq!(r["env"], "stage");
        assert_eq!(r["partner_id"], PARTNER_ID);
        let sha = r["sha256"].as_str().unwrap().to_string();
        match r["state"].as_str().unwrap() {
            "sending" => {
                sending.insert(sha);
            }
            "accepted" => {
                assert!(
                    sending.contains(&sha),
                    "sending is recorded before accepted"
                );
                accepted
                    .entry(sha)
                    .or_default()
                    .push(r["draft_id"].as_str().unwrap().to_string());
            }
            "failed" => {}
            other => panic!("unexpected state {other}: {r}"),
        }
    }
    assert_eq!(accepted.len(), 500);
    for (sha, ids) in &accepted {
        assert_eq!(
            ids, &stats.stored[sha],
            "one accepted record, the server's id"
        );
    }
    let last = last_states(dir.path());
    assert!(last.values().all(|r| r["state"] == "accepted"));

    let rows = results(dir.path());
    assert_eq!(rows.len(), 500);
    for (file, sha) in &hashes {
        let row = &rows[file];
        assert_eq!(row["status"], "accepted");
        assert_eq!(row["draft_id"], stats.stored[sha][0]);
        assert_eq!(row["loan_key"], format!("LN/{}", &file[1..5]));
    }

    // A rerun sends nothing and asks for no token.
    let again = run(upload(dir.path(), &server, &[]));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("already sent: 500"),
        "{}",
        again.stdout
    );
    let after = server.stats();
    assert_eq!(after.draft_requests, stats.draft_requests);
    assert_eq!(after.token_requests, stats.token_requests);
    assert!(
        results(dir.path())
            .values()
            .all(|r| r["status"] == "already-sent")
    );
}

#[test]
fn a_run_killed_midway_and_resumed_stores_no_draft_twice() {
    let dir = synthetic(80);
    let server = Server::start(Config {
        latency: Duration::from_millis(25),
        ..Config::default()
    });
    let mut child = upload(dir.path(), &server, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while server.stats().total_stored() < 12 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // Requests in flight when the process died may still be stored by the server.
    std::thread::sleep(Duration::from_millis(100));

    let hashes = hashes(dir.path());
    let after_kill = last_states(dir.path());
    let unknown: HashSet<String> = after_kill
        .iter()
        .filter(|(_, r)| r["state"] == "sending" || r["state"] == "uncertain")
        .map(|(sha, _)| sha.clone())
        .collect();
    for (sha, r) in &after_kill {
        if r["state"] == "accepted" {
            assert_eq!(server.stats().stored_count(sha), 1);
        }
    }

    let resumed = run(upload(dir.path(), &server, &[]));
    let expected = i32::from(!unknown.is_empty());
    assert_eq!(
        resumed.code, expected,
        "{}\n{}",
        resumed.stdout, resumed.stderr
    );

    let stats = server.stats();
    let rows = results(dir.path());
    assert_eq!(rows.len(), 80);
    let mut uncertain = HashSet::new();
    for (file, sha) in &hashes {
        let count = stats.stored_count(sha);
        assert!(count <= 1, "{file} stored {count} times");
        match rows[file]["status"].as_str() {
            "accepted" | "already-sent" => assert_eq!(count, 1, "{file} counted as sent"),
            "uncertain" => {
                assert!(rows[file]["message"].contains("check PA2 > Loans > Drafts first"));
                uncertain.insert(sha.clone());
            }
            other => panic!("{file}: unexpected status {other}"),
        }
    }
    // Held back exactly the drafts whose outcome the killed run could not know.
    assert_eq!(uncertain, unknown);
    if !unknown.is_empty() {
        assert!(
            resumed.stdout.contains("--resend-uncertain"),
            "{}",
            resumed.stdout
        );
    }
}

#[test]
fn a_connection_dropped_after_storing_is_uncertain_not_a_duplicate_until_resent_on_request() {
    let dir = synthetic(12);
    let dropped = ["L0003", "L0007", "L0011"];
    let server = Server::start(Config {
        rule: Some(rule(move |r| {
            (dropped.contains(&r.loan_id.as_str()) && r.attempt == 0)
                .then_some(Fault::DropAfterStore)
        })),
        ..Config::default()
    });
    let first = run(upload(dir.path(), &server, &[]));
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(
        first.stdout.contains("uncertain (outcome unknown): 3"),
        "{}",
        first.stdout
    );
    let hashes = hashes(dir.path());
    let stats = server.stats();
    let rows = results(dir.path());
    for (file, sha) in &hashes {
        assert_eq!(stats.stored_count(sha), 1, "{file}");
        assert_eq!(stats.received[sha], 1, "{file} was not retried");
        let expected = if dropped.iter().any(|d| file.starts_with(d)) {
            "uncertain"
        } else {
            "accepted"
        };
        assert_eq!(rows[file]["status"], expected, "{file}");
    }
    assert!(rows["L0003.json"]["message"].contains("no answer after the draft was sent"));
    assert!(
        first
            .stderr
            .contains("kiva-drafts: error: L0003.json (loan LN/0003): outcome unknown"),
        "{}",
        first.stderr
    );
    assert_eq!(
        last_states(dir.path())[&hashes["L0003.json"]]["state"],
        "uncertain"
    );

    // A plain rerun holds them back and says what to do.
    let again = run(upload(dir.path(), &server, &[]));
    assert_eq!(again.code, 1);
    assert_eq!(server.stats().draft_requests, stats.draft_requests);
    assert!(
        again.stdout.contains("check PA2 > Loans > Drafts first"),
        "{}",
        again.stdout
    );
    assert!(again.stdout.contains("--resend-uncertain"));
    assert_eq!(results(dir.path())["L0007.json"]["status"], "uncertain");

    // The coordinator checked PA2 and asks for them again: sent again, nothing else is.
    let resent = run(upload(dir.path(), &server, &["--resend-uncertain"]));
    assert_eq!(resent.code, 0, "{}\n{}", resent.stdout, resent.stderr);
    let stats = server.stats();
    for (file, sha) in &hashes {
        let expected = if dropped.iter().any(|d| file.starts_with(d)) {
            2
        } else {
            1
        };
        assert_eq!(stats.stored_count(sha), expected, "{file}");
    }
    let rows = results(dir.path());
    assert_eq!(rows["L0011.json"]["status"], "accepted");
    assert_eq!(rows["L0000.json"]["status"], "already-sent");
}

#[test]
fn rejections_keep_the_servers_message_and_are_not_retried() {
    let dir = converted();
    let drafts = drafts_of(dir.path());
    let server = Server::start(Config {
        rule: Some(rule(|r| match r.loan_id.as_str() {
            "000251" => Some(Fault::json(422, "disburse_time must not be in the future")),
            "000270" => Some(Fault::text(
                400,
                "  Bad Request:\n   schedule dates   out of order \n",
            )),
            _ => None,
        })),
        ..Config::default()
    });
    let done = run(upload(&drafts, &server, &[]));
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    let rows = results(&drafts);
    assert_eq!(rows.len(), 6);
    assert_eq!(rows["000251.json"]["status"], "rejected");
    assert_eq!(
        rows["000251.json"]["message"],
        "rejected by Kiva (422): disburse_time must not be in the future"
    );
    assert_eq!(
        rows["000270.json"]["message"],
        "rejected by Kiva (400): Bad Request: schedule dates out of order"
    );
    assert_eq!(rows["000245.json"]["status"], "accepted");
    assert_eq!(rows["000245.json"]["loan_key"], "000245");
    assert!(!rows["000245.json"]["draft_id"].is_empty());
    assert!(
        done.stderr.contains(
            "kiva-drafts: error: 000251.json: rejected by Kiva (422): disburse_time must not be in the future"
        ),
        "{}",
        done.stderr
    );
    assert!(
        done.stdout.contains("rejected by Kiva: 2"),
        "{}",
        done.stdout
    );

    let hashes = hashes(&drafts);
    let stats = server.stats();
    assert_eq!(
        stats.received[&hashes["000251.json"]], 1,
        "a 4xx is not retried"
    );
    assert_eq!(stats.stored_count(&hashes["000251.json"]), 0);
    let last = last_states(&drafts);
    let rejected = &last[&hashes["000270.json"]];
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["status"], 400);
    assert_eq!(
        rejected["message"],
        "Bad Request: schedule dates out of order"
    );
    assert_eq!(rejected["loan_key"], "000270");

    // A rerun sends the rejected drafts again (they may have been fixed), not the others.
    server.configure(|c| c.rule = None);
    let again = run(upload(&drafts, &server, &[]));
    assert_eq!(again.code, 0, "{}", again.stderr);
    let stats = server.stats();
    assert_eq!(stats.received[&hashes["000251.json"]], 2);
    assert_eq!(stats.received[&hashes["000245.json"]], 1);
}

#[test]
fn wrong_or_missing_credentials_stop_before_anything_is_sent() {
    let dir = synthetic(3);
    let server = Server::start(Config::default());
    let mut wrong = upload(dir.path(), &server, &[]);
    wrong.env("KIVA_CLIENT_SECRET", "not-the-secret");
    let done = run(wrong);
    assert_eq!(done.code, 2);
    assert_eq!(
        done.stderr,
        "kiva-drafts: error: Kiva's auth service refused the credentials (401: Unauthorized); check KIVA_CLIENT_ID and KIVA_CLIENT_SECRET (PA2 > Account > API Access) and that they belong to this environment\n"
    );
    assert_eq!(done.stdout, "");
    let stats = server.stats();
    assert_eq!(stats.token_requests, 1, "a refusal is not retried");
    assert_eq!(stats.draft_requests, 0);
    assert!(!dir.path().join("upload-ledger.jsonl").exists());
    assert!(!dir.path().join("upload-results.csv").exists());

    let mut missing = upload(dir.path(), &server, &[]);
    missing.env_remove("KIVA_CLIENT_SECRET");
    let done = run(missing);
    assert_eq!(done.code, 2);
    assert_eq!(
        done.stderr,
        "kiva-drafts: error: no Kiva API credentials: set KIVA_CLIENT_SECRET (from PA2 > Account > API Access), or pass --credentials FILE\n"
    );
    assert_eq!(server.stats().token_requests, 1);
}

#[cfg(unix)]
#[test]
fn a_credentials_file_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = synthetic(2);
    let server = Server::start(Config::default());
    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("kiva-stage.env");
    std::fs::write(
        &file,
        format!("# stage\nKIVA_CLIENT_ID={CLIENT_ID}\nKIVA_CLIENT_SECRET=\"{CLIENT_SECRET}\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = upload(
        dir.path(),
        &server,
        &["--credentials", file.to_str().unwrap()],
    );
    cmd.env_remove("KIVA_CLIENT_ID")
        .env_remove("KIVA_CLIENT_SECRET");
    let done = run(cmd);
    assert_eq!(done.code, 2);
    assert!(
        done.stderr
            .contains("group or others can access it (mode 644)"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("chmod 600"));
    assert_eq!(server.stats().token_requests, 0);

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = upload(
        dir.path(),
        &server,
        &["--credentials", file.to_str().unwrap()],
    );
    cmd.env_remove("KIVA_CLIENT_ID")
        .env_remove("KIVA_CLIENT_SECRET");
    let done = run(cmd);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(server.stats().total_stored(), 2);
}

/// Fails if any secret of the run is in any text the run left behind.
fn assert_no_secret(texts: &[(&str, &str)], tokens: &[String]) {
    for (what, text) in texts {
        assert!(
            !text.contains(CLIENT_SECRET),
            "the client secret is in {what}"
        );
        assert!(!text.contains(CLIENT_ID), "the client id is in {what}");
        for token in tokens {
            assert!(!text.contains(token.as_str()), "a token is in {what}");
        }
    }
}

fn leftovers(dir: &Path) -> (String, String) {
    (
        std::fs::read_to_string(dir.join("upload-ledger.jsonl")).unwrap_or_default(),
        std::fs::read_to_string(dir.join("upload-results.csv")).unwrap_or_default(),
    )
}

#[test]
fn secrets_never_appear_in_output_ledger_or_results() {
    // A full run with token renewals, retries, and a server that echoes the token in a
    // rejection, with debug logging asked for.
    let dir = synthetic(40);
    let server = Server::start(Config {
        token_lifetime: 1,
        rule: Some(rule(|r| match r.n {
            7 => Some(Fault::json(
                422,
                &format!("token {} may not post this draft", r.token),
            )),
            n if n % 9 == 0 && r.attempt == 0 => Some(Fault::RevokeTokens),
            n if n % 5 == 0 && r.attempt == 0 => Some(Fault::status(503)),
            _ => None,
        })),
        ..Config::default()
    });
    let mut cmd = upload(dir.path(), &server, &[]);
    cmd.env("RUST_LOG", "trace").env("RUST_BACKTRACE", "1");
    let done = run(cmd);
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    let tokens = server.stats().tokens_issued;
    assert!(tokens.len() >= 2);
    let (ledger, results) = leftovers(dir.path());
    assert!(results.contains("may not post this draft"));
    assert!(
        results.contains("[redacted]"),
        "the echoed token is redacted"
    );
    assert_no_secret(
        &[
            ("stdout", &done.stdout),
            ("stderr", &done.stderr),
            ("the ledger", &ledger),
            ("the results", &results),
        ],
        &tokens,
    );

    // A failing authentication whose error message echoes the secret.
    let failing = synthetic(2);
    server.configure(|c| c.echo_secret_on_auth_error = true);
    let mut cmd = upload(failing.path(), &server, &[]);
    cmd.env("KIVA_CLIENT_SECRET", format!("{CLIENT_SECRET}-old"));
    cmd.env("RUST_LOG", "trace");
    let done = run(cmd);
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("[redacted]"), "{}", done.stderr);
    let (ledger, results) = leftovers(failing.path());
    assert_no_secret(
        &[
            ("stdout", &done.stdout),
            ("stderr", &done.stderr),
            ("the ledger", &ledger),
            ("the results", &results),
        ],
        &tokens,
    );
}

#[test]
fn a_dry_run_sends_nothing_and_needs_no_credentials() {
    let dir = converted();
    let drafts = drafts_of(dir.path());
    let server = Server::start(Config::default());
    let mut cmd = upload(&drafts, &server, &["--dry-run"]);
    cmd.env_remove("KIVA_CLIENT_ID")
        .env_remove("KIVA_CLIENT_SECRET");
    let done = run(cmd);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let stats = server.stats();
    assert_eq!(stats.token_requests + stats.draft_requests, 0);
    assert!(
        done.stdout.starts_with("dry run: nothing is sent\n"),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains(&format!(
            "would send to stage: POST {}/v3/partner/{{partnerId}}/loan_draft",
            server.api_url()
        )),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains("  send         000245.json: "),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains("6 drafts: 6 to send, 0 already sent"),
        "{}",
        done.stdout
    );
    assert!(!drafts.join("upload-ledger.jsonl").exists());
    assert!(!drafts.join("upload-results.csv").exists());

    // After a real run the dry run shows what is already there.
    assert_eq!(run(upload(&drafts, &server, &[])).code, 0);
    let mut cmd = upload(&drafts, &server, &["--dry-run", "--partner-id", PARTNER_ID]);
    cmd.env_remove("KIVA_CLIENT_ID")
        .env_remove("KIVA_CLIENT_SECRET");
    let done = run(cmd);
    assert!(
        done.stdout
            .contains(&format!("/v3/partner/{PARTNER_ID}/loan_draft"))
    );
    assert!(
        done.stdout.contains("6 drafts: 0 to send, 6 already sent"),
        "{}",
        done.stdout
    );
}

#[test]
fn drafts_with_validation_errors_are_listed_and_not_sent() {
    let dir = synthetic(4);
    let mut no_borrower = loan(90);
    no_borrower.entreps.clear();
    std::fs::write(dir.path().join("empty.json"), no_borrower.to_pretty_json()).unwrap();
    std::fs::write(dir.path().join("broken.json"), "{\"currency\": \"USD\",").unwrap();
    let server = Server::start(Config::default());
    let done = run(upload(dir.path(), &server, &[]));
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stderr.contains(
            "kiva-drafts: error: empty.json: not sent: no-borrower: entreps: the draft has no borrower\n"
        ),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr
            .contains("kiva-drafts: error: broken.json: not sent: not-a-draft: EOF while parsing"),
        "{}",
        done.stderr
    );
    assert!(
        done.stdout.contains("not sent because invalid: 2"),
        "{}",
        done.stdout
    );
    let stats = server.stats();
    assert_eq!(stats.draft_requests, 4);
    assert_eq!(stats.total_stored(), 4);
    let rows = results(dir.path());
    assert_eq!(rows["empty.json"]["status"], "invalid");
    assert_eq!(rows["broken.json"]["status"], "invalid");
    assert_eq!(rows["L0001.json"]["status"], "accepted");
}

#[test]
fn a_huge_json_file_in_the_folder_is_refused_unread_and_the_rest_sent() {
    // 3 GB that take no disk (sparse): not a draft, and never read into memory.
    let dir = synthetic(3);
    std::fs::File::create(dir.path().join("huge.json"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let server = Server::start(Config::default());
    let done = run(upload(dir.path(), &server, &[]));
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stderr.contains(
            "kiva-drafts: error: huge.json: not sent: not-a-draft: is 3072 MB, more than a draft can be (64 MB: a photo and the loan's text): not a draft; move it out of the folder\n"
        ),
        "{}",
        done.stderr
    );
    assert_eq!(server.stats().total_stored(), 3);
    let rows = results(dir.path());
    assert_eq!(rows["huge.json"]["status"], "invalid");
}

#[test]
fn a_token_refused_again_after_renewal_stops_the_upload() {
    let dir = synthetic(10);
    let server = Server::start(Config {
        rule: Some(rule(|_| Some(Fault::Forbidden))),
        ..Config::default()
    });
    let done = run(upload(dir.path(), &server, &["--concurrency", "1"]));
    assert_eq!(done.code, 2, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stderr.ends_with(
            "kiva-drafts: error: the upload stopped: Kiva refused a new token too (403: Insufficient scope); check in PA2 > Account > API Access that these credentials may create loan drafts (scope create:loan_draft)\n"
        ),
        "{}",
        done.stderr
    );
    let stats = server.stats();
    assert_eq!(
        stats.draft_requests, 2,
        "one draft, tried with a renewed token once"
    );
    assert_eq!(stats.token_requests, 2);
    let rows = results(dir.path());
    assert_eq!(rows["L0000.json"]["status"], "rejected");
    assert!(rows.values().filter(|r| r["status"] == "not-sent").count() == 9);
    // Nothing was stored, so a rerun (with a fixed scope) sends everything.
    server.configure(|c| c.rule = None);
    let again = run(upload(dir.path(), &server, &[]));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(server.stats().total_stored(), 10);
}

#[test]
fn a_timeout_after_the_draft_was_sent_is_uncertain_and_not_retried() {
    let dir = synthetic(2);
    let server = Server::start(Config {
        latency: Duration::from_millis(1500),
        ..Config::default()
    });
    let done = run(upload(dir.path(), &server, &["--timeout", "1"]));
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    let stats = server.stats();
    let rows = results(dir.path());
    for (file, sha) in hashes(dir.path()) {
        let received = stats.received.get(&sha).copied().unwrap_or(0);
        assert!(received <= 1, "{file} was not retried");
        assert_eq!(rows[&file]["status"], "uncertain");
        assert!(
            rows[&file]["message"].contains("no answer after the draft was sent"),
            "{}",
            rows[&file]["message"]
        );
    }
    assert!(
        last_states(dir.path())
            .values()
            .all(|r| r["state"] == "uncertain")
    );
}

#[test]
fn connection_failures_are_retried_then_left_for_a_rerun() {
    let dir = synthetic(2);
    // A port nobody listens on (bound, then closed).
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let server = Server::start(Config {
        audience: Some(closed.clone()),
        ..Config::default()
    });
    let mut cmd = upload(dir.path(), &server, &[]);
    cmd.args(["--api-url", &closed]);
    let done = run(cmd);
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stdout
            .contains("not stored (server or network errors; rerun to try again): 2"),
        "{}",
        done.stdout
    );
    let rows = results(dir.path());
    let row = &rows["L0000.json"];
    assert_eq!(row["status"], "failed");
    // The connect error, or the body error that sometimes hides it (a race in the HTTP
    // library): either way the draft did not leave.
    assert!(
        row["message"].starts_with("not stored: could not connect")
            || row["message"].starts_with("not stored: the connection failed before"),
        "{}",
        row["message"]
    );
    assert!(row["message"].ends_with("gave up after 6 attempts (rerun to try again)"));
    let records = ledger(dir.path());
    assert_eq!(
        records.len(),
        2 * 2 * 6,
        "sending + failed, six attempts, two drafts"
    );
    assert!(
        last_states(dir.path())
            .values()
            .all(|r| r["state"] == "failed")
    );
    assert!(records.iter().all(|r| r["api"] == closed.as_str()));
}

/// Upload throughput against the loopback server with 50 ms of latency per draft, at
/// concurrency 1, 4 and 16. A benchmark, not a test of speed: it asserts only that every
/// draft was accepted once, and prints the numbers (`scripts/bench.sh` runs it).
#[test]
#[ignore = "benchmark: cargo test --release --test upload -- --ignored --nocapture upload_throughput"]
fn upload_throughput() {
    let latency = Duration::from_millis(50);
    println!(
        "| concurrency | drafts | wall s | drafts/s | ideal (concurrency / latency) | ratio |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for (concurrency, n) in [(1usize, 60usize), (4, 200), (16, 600)] {
        let server = Server::start(Config {
            latency,
            ..Config::default()
        });
        let dir = synthetic(n);
        let started = Instant::now();
        let done = run(upload(
            dir.path(),
            &server,
            &["--concurrency", &concurrency.to_string(), "--quiet"],
        ));
        let wall = started.elapsed().as_secs_f64();
        assert_eq!(done.code, 0, "{}", done.stderr);
        let stats = server.stats();
        assert_eq!(stats.stored.len(), n);
        assert!(stats.stored.values().all(|ids| ids.len() == 1));
        #[allow(clippy::cast_precision_loss)]
        let rate = n as f64 / wall;
        #[allow(clippy::cast_precision_loss)]
        let ideal = concurrency as f64 / latency.as_secs_f64();
        println!(
            "| {concurrency} | {n} | {wall:.2} | {rate:.1} | {ideal:.0} | {:.0}% |",
            100.0 * rate / ideal
        );
    }
}

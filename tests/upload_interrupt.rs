//! Ctrl-C during `kiva-drafts upload`: real signals (`kill -INT`, `kill -TERM`) sent to
//! the real binary while it sends drafts to the Kiva-like server of
//! `tests/server/mod.rs`.
//!
//! The drafts in flight are held by the server ([`Fault::Hold`]) until the test has
//! seen the upload acknowledge the signal, so every step waits on what the ledger, the
//! server and stderr show, never on how fast the machine is.

#![cfg(unix)]

mod server;

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use server::{Config, DraftRequest, Fault, Server, synthetic};

/// The longest any step may take before the test fails (a loaded 2-core machine
/// takes well under a second for each).
const PATIENCE: Duration = Duration::from_secs(30);

/// `upload DIR` against `server` with the right credentials.
fn upload(dir: &Path, server: &Server, extra: &[&str]) -> Command {
    let mut cmd = server.upload_command(dir);
    cmd.args(extra);
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command) -> Run {
    let output = cmd.output().expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A running upload whose output is collected as it comes.
struct Upload {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Upload {
    fn spawn(mut cmd: Command) -> Upload {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let collect = |mut pipe: Box<dyn Read + Send>| {
            let text = Arc::new(Mutex::new(String::new()));
            let sink = Arc::clone(&text);
            std::thread::spawn(move || {
                let mut buf = [0; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
            text
        };
        let stdout = collect(Box::new(child.stdout.take().unwrap()));
        let stderr = collect(Box::new(child.stderr.take().unwrap()));
        Upload {
            child,
            stdout,
            stderr,
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name}");
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits for the process to end (killing it if it does not), then for its output.
    fn wait(mut self) -> (ExitStatus, String, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > PATIENCE {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the upload did not end; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The pipes close with the process; give the readers a moment to drain them.
        let drained = Instant::now();
        while Arc::strong_count(&self.stdout) + Arc::strong_count(&self.stderr) > 2
            && drained.elapsed() < PATIENCE
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let stdout = self.stdout.lock().unwrap().clone();
        let stderr = self.stderr.lock().unwrap().clone();
        (status, stdout, stderr)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // A failed assertion must not leave the upload running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `condition` holds; fails the test with `what` after [`PATIENCE`].
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Draft file name -> SHA-256 of its bytes.
fn hashes(dir: &Path, n: usize) -> HashMap<String, String> {
    use sha2::Digest;
    (0..n)
        .map(|i| {
            let file = format!("L{i:04}.json");
            let bytes = std::fs::read(dir.join(&file)).unwrap();
            (file, server::hex(&sha2::Sha256::digest(&bytes)))
        })
        .collect()
}

/// The ledger's records; a line being written is not read yet.
fn ledger(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("upload-ledger.jsonl")).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("every ledger line is JSON"))
        .collect()
}

fn count(records: &[serde_json::Value], state: &str) -> usize {
    records.iter().filter(|r| r["state"] == state).count()
}

/// Every state recorded for each file, in order.
fn states_by_file(dir: &Path) -> HashMap<String, Vec<String>> {
    let mut states: HashMap<String, Vec<String>> = HashMap::new();
    for r in ledger(dir) {
        states
            .entry(r["file"].as_str().unwrap().to_string())
            .or_default()
            .push(r["state"].as_str().unwrap().to_string());
    }
    states
}

/// `upload-results.csv`: file -> (status, message).
fn results(dir: &Path) -> HashMap<String, (String, String)> {
    let mut reader = csv::Reader::from_path(dir.join("upload-results.csv")).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), (r[2].to_string(), r[4].to_string()))
        })
        .collect()
}

fn rule(f: impl Fn(&DraftRequest) -> Option<Fault> + Send + Sync + 'static) -> Arc<server::Rule> {
    Arc::new(f)
}

/// 40 drafts, 4 at a time, each answered after 300 ms; from the ninth request on the
/// server holds them until released.
fn holding_server() -> Server {
    Server::start(Config {
        latency: Duration::from_millis(300),
        rule: Some(rule(|r| (r.n > 8).then_some(Fault::Hold))),
        ..Config::default()
    })
}

/// Starts the upload and waits until 8 drafts are accepted and 4 more are in flight
/// (written `sending` in the ledger and held by the server).
fn start_and_wait_for_four_in_flight(dir: &Path, server: &Server) -> Upload {
    let running = Upload::spawn(upload(dir, server, &["--concurrency", "4"]));
    wait_until("8 drafts accepted and 4 held by the server", || {
        let records = ledger(dir);
        server.held() == 4 && count(&records, "sending") == 12 && count(&records, "accepted") == 8
    });
    running
}

const NOTICE_FOUR: &str = "kiva-drafts: interrupted: starting no more drafts; waiting for the answers to the 4 in flight (Ctrl-C again stops at once and leaves them uncertain)\n";

#[test]
fn ctrl_c_at_any_moment_leaves_no_draft_uncertain_and_a_rerun_sends_each_once() {
    // No hold: the signal lands wherever the four workers happen to be.
    let dir = synthetic(40);
    let hashes = hashes(dir.path(), 40);
    let server = Server::start(Config {
        latency: Duration::from_millis(300),
        ..Config::default()
    });
    let running = Upload::spawn(upload(dir.path(), &server, &["--concurrency", "4"]));
    wait_until("the first drafts go out", || {
        count(&ledger(dir.path()), "sending") > 0
    });
    running.signal("INT");
    let (status, stdout, stderr) = running.wait();
    assert_eq!(status.code(), Some(1), "{status}\n{stdout}\n{stderr}");
    assert!(
        stderr.contains("kiva-drafts: interrupted: starting no more drafts"),
        "{stderr}"
    );

    let states = states_by_file(dir.path());
    let sent = states.len();
    assert!((1..40).contains(&sent), "{sent} drafts went out");
    for (file, states) in &states {
        assert_eq!(states, &["sending", "accepted"], "{file}");
    }
    assert!(
        stdout.contains(&format!(
            "\n  accepted: {sent}\n  not sent (the upload was interrupted): {}\n",
            40 - sent
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("\ninterrupted: {} draft", 40 - sent)),
        "{stdout}"
    );
    let stats = server.stats();
    let rows = results(dir.path());
    for (file, sha) in &hashes {
        let expected = if states.contains_key(file) {
            assert_eq!(stats.received[sha], 1, "{file} sent once");
            assert_eq!(stats.stored_count(sha), 1, "{file} stored once");
            "accepted"
        } else {
            assert!(!stats.received.contains_key(sha), "{file} never went out");
            "not-sent"
        };
        assert_eq!(rows[file].0, expected, "{file}");
    }

    let again = run(upload(dir.path(), &server, &["--concurrency", "4"]));
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    assert!(
        again.stdout.contains(&format!(
            "\n  accepted: {}\n  already sent: {sent}\n",
            40 - sent
        )),
        "{}",
        again.stdout
    );
    let stats = server.stats();
    for (file, sha) in &hashes {
        assert_eq!(stats.received[sha], 1, "{file} sent exactly once in all");
        assert_eq!(stats.stored_count(sha), 1, "{file} stored exactly once");
    }
}

#[test]
fn ctrl_c_lets_the_drafts_in_flight_finish_and_a_rerun_sends_only_the_rest() {
    let dir = synthetic(40);
    let hashes = hashes(dir.path(), 40);
    let server = holding_server();
    let running = start_and_wait_for_four_in_flight(dir.path(), &server);

    running.signal("INT");
    wait_until("the upload acknowledges Ctrl-C", || {
        running.stderr().contains(NOTICE_FOUR)
    });
    // Answered only now: nothing new started while the upload was waiting for them.
    server.release();
    let (status, stdout, stderr) = running.wait();
    assert_eq!(status.code(), Some(1), "{status}\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("\n  accepted: 12\n  not sent (the upload was interrupted): 28\n"),
        "{stdout}"
    );
    let resume = format!(
        "\ninterrupted: 28 drafts not sent; run kiva-drafts upload {} with the same options to send them (drafts Kiva has are not sent again)\n",
        dir.path().display()
    );
    assert!(stdout.ends_with(&resume), "{stdout}");
    assert!(!stderr.contains("kiva-drafts: error"), "{stderr}");

    // Every draft that went out has its outcome; the others left no trace.
    let states = states_by_file(dir.path());
    assert_eq!(states.len(), 12, "{states:?}");
    for (file, states) in &states {
        assert_eq!(states, &["sending", "accepted"], "{file}");
    }
    let stats = server.stats();
    let rows = results(dir.path());
    assert_eq!(rows.len(), 40);
    for (file, sha) in &hashes {
        let (status, message) = &rows[file];
        if states.contains_key(file) {
            assert_eq!(status, "accepted", "{file}");
            assert_eq!(stats.received[sha], 1, "{file} sent once");
            assert_eq!(stats.stored_count(sha), 1, "{file} stored once");
        } else {
            assert_eq!(status, "not-sent", "{file}");
            assert_eq!(
                message, "not sent: the upload was interrupted (rerun to send it)",
                "{file}"
            );
            assert!(!stats.received.contains_key(sha), "{file} never went out");
        }
    }

    // The rerun sends the 28 others, and only them.
    let again = run(upload(dir.path(), &server, &["--concurrency", "4"]));
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    assert!(
        again
            .stdout
            .contains("\n  accepted: 28\n  already sent: 12\n"),
        "{}",
        again.stdout
    );
    let stats = server.stats();
    assert_eq!(stats.total_stored(), 40);
    for (file, sha) in &hashes {
        assert_eq!(stats.received[sha], 1, "{file} sent exactly once in all");
        assert_eq!(stats.stored_count(sha), 1, "{file} stored exactly once");
    }
    assert!(
        results(dir.path())
            .values()
            .all(|(status, _)| status == "accepted" || status == "already-sent")
    );
}

#[test]
fn a_second_ctrl_c_stops_at_once_and_the_drafts_in_flight_stay_uncertain() {
    let dir = synthetic(40);
    let hashes = hashes(dir.path(), 40);
    let server = holding_server();
    let running = start_and_wait_for_four_in_flight(dir.path(), &server);

    running.signal("INT");
    wait_until("the upload acknowledges Ctrl-C", || {
        running.stderr().contains(NOTICE_FOUR)
    });
    running.signal("INT");
    let (status, stdout, stderr) = running.wait();
    assert_eq!(
        status.signal(),
        Some(2),
        "killed by SIGINT: {status}\n{stdout}\n{stderr}"
    );
    assert_eq!(stdout, "", "no summary");
    assert!(!dir.path().join("upload-results.csv").exists());
    let in_flight: Vec<String> = states_by_file(dir.path())
        .into_iter()
        .filter(|(_, states)| states.last().is_some_and(|s| s == "sending"))
        .map(|(file, _)| file)
        .collect();
    assert_eq!(in_flight.len(), 4, "{in_flight:?}");

    // Kiva may well have stored them: this one does once it lets them through.
    server.release();
    wait_until("the server stores the drafts that were in flight", || {
        server.stats().total_stored() == 12
    });

    // As after a kill: the rerun holds them back as uncertain and sends the others.
    let again = run(upload(dir.path(), &server, &["--concurrency", "4"]));
    assert_eq!(again.code, 1, "{}\n{}", again.stdout, again.stderr);
    assert!(
        again
            .stdout
            .contains("\n  accepted: 28\n  already sent: 8\n  uncertain (outcome unknown): 4\n"),
        "{}",
        again.stdout
    );
    assert!(
        again.stdout.contains("--resend-uncertain"),
        "{}",
        again.stdout
    );
    let rows = results(dir.path());
    for file in &in_flight {
        let (status, message) = &rows[file];
        assert_eq!(status, "uncertain", "{file}");
        assert!(
            message.contains("an earlier run stopped while sending it"),
            "{message}"
        );
    }
    let stats = server.stats();
    assert_eq!(stats.total_stored(), 40);
    for (file, sha) in &hashes {
        assert_eq!(stats.received[sha], 1, "{file} sent exactly once");
        assert_eq!(stats.stored_count(sha), 1, "{file} stored exactly once");
    }
}

#[test]
fn sigterm_during_a_retry_wait_records_the_draft_failed_and_a_rerun_sends_it() {
    let dir = synthetic(6);
    let hashes = hashes(dir.path(), 6);
    let server = Server::start(Config {
        rule: Some(rule(|r| {
            if r.loan_id == "L0000" && r.attempt == 0 {
                Some(Fault::status(503))
            } else {
                Some(Fault::Hold)
            }
        })),
        ..Config::default()
    });
    // A first retry 10 to 20 s away: the test ends long before it.
    let running = Upload::spawn(upload(
        dir.path(),
        &server,
        &["--concurrency", "2", "--retry-delay-ms", "20000", "--quiet"],
    ));
    wait_until("L0000 failed and waiting to retry, L0001 in flight", || {
        let states = states_by_file(dir.path());
        server.held() == 1
            && states
                .get("L0000.json")
                .is_some_and(|s| s == &["sending", "failed"])
            && states.get("L0001.json").is_some_and(|s| s == &["sending"])
    });

    running.signal("TERM");
    wait_until("the upload acknowledges SIGTERM", || {
        running.stderr().contains(
            "kiva-drafts: interrupted: starting no more drafts; waiting for the answer to the 1 in flight (Ctrl-C again stops at once and leaves it uncertain)\n",
        )
    });
    server.release();
    let (status, stdout, stderr) = running.wait();
    assert_eq!(status.code(), Some(1), "{status}\n{stdout}\n{stderr}");
    assert_eq!(stdout, "", "--quiet");
    assert!(
        stderr.ends_with(&format!(
            "kiva-drafts: interrupted: 4 drafts not sent; run kiva-drafts upload {} with the same options to send them (drafts Kiva has are not sent again)\n",
            dir.path().display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("kiva-drafts: error: L0000.json (loan LN/0000): not stored: server error (503: 503 upstream trouble); not tried again: the upload was interrupted (rerun to send it)\n"),
        "{stderr}"
    );

    let states = states_by_file(dir.path());
    assert_eq!(states["L0000.json"], ["sending", "failed"]);
    assert_eq!(states["L0001.json"], ["sending", "accepted"]);
    assert_eq!(states.len(), 2, "{states:?}");
    let rows = results(dir.path());
    assert_eq!(rows["L0000.json"].0, "failed");
    assert_eq!(rows["L0001.json"].0, "accepted");
    for i in 2..6 {
        assert_eq!(rows[&format!("L{i:04}.json")].0, "not-sent");
    }
    let stats = server.stats();
    assert_eq!(stats.received[&hashes["L0000.json"]], 1, "not retried");
    assert_eq!(stats.total_stored(), 1);

    // The rerun sends the failed draft again and the four others.
    server.configure(|c| c.rule = None);
    let again = run(upload(dir.path(), &server, &["--retry-delay-ms", "1"]));
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    assert!(
        again
            .stdout
            .contains("\n  accepted: 5\n  already sent: 1\n"),
        "{}",
        again.stdout
    );
    let stats = server.stats();
    assert_eq!(stats.received[&hashes["L0000.json"]], 2);
    for (file, sha) in &hashes {
        assert_eq!(stats.stored_count(sha), 1, "{file} stored exactly once");
    }
}

//! `config pull` against a loopback server that behaves like Kiva's auth service and
//! Partner API (tests/server), then names resolved through the cache it wrote.

mod server;

use std::process::Command;

use server::{CLIENT_ID, CLIENT_SECRET, Config, Server};

fn pull(server: &Server, cache: &std::path::Path, secret: &str) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kiva-drafts"))
        .args([
            "config",
            "pull",
            "--api-url",
            &server.api_url(),
            "--auth-url",
            &server.auth_url(),
            "--retry-delay-ms",
            "1",
        ])
        .arg("--config-cache")
        .arg(cache)
        .env("KIVA_CLIENT_ID", CLIENT_ID)
        .env("KIVA_CLIENT_SECRET", secret)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn pull_writes_a_cache_from_snake_and_camel_case_answers() {
    let server = Server::start(Config {
        list_failures: 1,
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("kiva").join("config.json");
    let (code, stdout, stderr) = pull(&server, &cache, CLIENT_SECRET);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "fetched 4 activities, 2 themes, 2 locations, 2 languages and 2 currencies for partner 428 (stage) into {}\n",
            cache.display()
        )
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(written["partner_id"], "428");
    assert_eq!(written["api_url"], server.api_url());
    assert_eq!(
        written["activities"][3],
        serde_json::json!({"id": 88, "name": "Tailoring"})
    );
    assert_eq!(
        written["themes"][0],
        serde_json::json!({"id": 4, "name": "Women"})
    );
    assert_eq!(
        written["locations"][1]["location"],
        "Gulu, Northern, Uganda"
    );
    assert_eq!(written["currencies"], serde_json::json!(["UGX", "USD"]));
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(
        !text.contains(CLIENT_SECRET)
            && !stdout.contains(CLIENT_SECRET)
            && !stderr.contains(CLIENT_SECRET)
    );
    let stats = server.stats();
    // One 503 was retried.
    assert_eq!(stats.config_requests["activities"], 2);
    assert_eq!(stats.config_requests["locales"], 1);

    // The cache resolves names in a conversion.
    let csv = dir.path().join("loans.csv");
    std::fs::write(&csv, "Loan,First,Amount,Currency,Disbursed,Activity,Language,Town\nU1,Agnes,300000,ugx,2026-10-01,tailoring,espanol,Gulu\n").unwrap();
    let out = dir.path().join("drafts");
    let run = Command::new(env!("CARGO_BIN_EXE_kiva-drafts"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "convert",
            "-t",
            "tests/fixtures/names.toml",
            "-q",
            "--today",
            "2026-11-27",
            "--config-cache",
        ])
        .arg(&cache)
        .arg(&csv)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let draft: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("U1.json")).unwrap()).unwrap();
    assert_eq!(draft["activity_id"], 88);
    assert_eq!(draft["description_language_id"], 2);
    assert_eq!(draft["location"], "Gulu, Northern, Uganda");
    assert_eq!(draft["currency"], "UGX");
}

#[test]
fn wrong_credentials_stop_the_pull_without_a_cache() {
    let server = Server::start(Config::default());
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("config.json");
    let (code, stdout, stderr) = pull(&server, &cache, "wrong-secret-value");
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("kiva-drafts: error: "), "{stderr}");
    assert!(!stderr.contains("wrong-secret-value"), "{stderr}");
    assert!(!cache.exists());
    assert!(server.stats().config_requests.is_empty());
}

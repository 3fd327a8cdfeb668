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

/// The answers Kiva's stage server gave in issue 16 (the shapes of Kiva's C# sample):
/// wrapped lists with `activity`, `theme_type` and one locale per language and currency.
const KIVA_ACTIVITIES: &str = r#"{"as_of_date_time":"2026-11-27T08:00:00Z","activities":[{"activity_id":61,"activity":"Agriculture"},{"activity_id":88,"activity":"Tailoring"}]}"#;
const KIVA_THEMES: &str = r#"{"as_of_date_time":"2026-11-27T08:00:00Z","themes":[{"theme_type_id":1,"theme_type":"General"}]}"#;
const KIVA_LOCALES: &str = r#"{"as_of_date_time":"2026-11-27T08:00:00Z","locales":[{"currency":"UGX","language_code":"en","language_name":"English","language_id":1}]}"#;

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn pull_reads_wrapped_answers_with_kivas_renamed_keys() {
    let server = Server::start(Config::default());
    server.answer_config("activities", KIVA_ACTIVITIES);
    server.answer_config("themes", KIVA_THEMES);
    server.answer_config("locales", KIVA_LOCALES);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("config.json");
    let (code, stdout, stderr) = pull(&server, &cache, CLIENT_SECRET);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(
        stdout,
        format!(
            "fetched 2 activities, 1 themes, 2 locations, 1 languages and 1 currencies for partner 428 (stage) into {}\n",
            cache.display()
        )
    );
    let written = read_json(&cache);
    assert_eq!(
        written["activities"],
        serde_json::json!([{"id": 61, "name": "Agriculture"}, {"id": 88, "name": "Tailoring"}])
    );
    assert_eq!(
        written["themes"],
        serde_json::json!([{"id": 1, "name": "General"}])
    );
    assert_eq!(
        written["languages"],
        serde_json::json!([{"id": 1, "name": "English", "code": "en"}])
    );
    assert_eq!(written["currencies"], serde_json::json!(["UGX"]));
}

#[test]
fn pull_reads_plain_camel_case_and_data_wrapped_answers_with_string_ids() {
    let cases: [(&str, [&str; 4]); 3] = [
        (
            "plain arrays",
            [
                r#"[{"id":61,"name":"Agriculture"},{"id":88,"name":"Tailoring"}]"#,
                r#"[{"theme_type_id":1,"theme_type":"General"}]"#,
                r#"[{"country":"Uganda","location":"Kampala","full_name":"Kampala, Central, Uganda"}]"#,
                r#"[{"currency":"UGX","language_code":"en","language_name":"English","language_id":1}]"#,
            ],
        ),
        (
            "camelCase, string ids",
            [
                r#"{"asOfDateTime":"2026-11-27T08:00:00Z","activities":[{"activityId":"61","activityName":"Agriculture"},{"activityId":"88","activityName":"Tailoring"}]}"#,
                r#"{"asOfDateTime":"2026-11-27T08:00:00Z","themes":[{"themeTypeId":"1","themeTypeName":"General"}]}"#,
                r#"{"asOfDateTime":"2026-11-27T08:00:00Z","locations":[{"country":"Uganda","location":"Kampala","fullName":"Kampala, Central, Uganda"}]}"#,
                r#"{"asOfDateTime":"2026-11-27T08:00:00Z","languages":[{"languageId":"1","languageName":"English","languageCode":"en"}],"currencies":[{"isoCode":"UGX"}]}"#,
            ],
        ),
        (
            "data-wrapped",
            [
                r#"{"data":[{"activity_id":"61","activity":"Agriculture"},{"activity_id":88,"activity":"Tailoring"}],"as_of_date_time":"2026-11-27T08:00:00Z"}"#,
                r#"{"data":{"as_of_date_time":"2026-11-27T08:00:00Z","themes":[{"id":"1","name":"General"}]}}"#,
                r#"{"data":[{"country":"Uganda","location":"Kampala","full_name":"Kampala, Central, Uganda"}]}"#,
                r#"{"data":{"locales":[{"currency":{"code":"UGX"},"language":{"id":"1","name":"English","code":"en"}}]}}"#,
            ],
        ),
    ];
    for (case, [activities, themes, locations, locales]) in cases {
        let server = Server::start(Config::default());
        server.answer_config("activities", activities);
        server.answer_config("themes", themes);
        server.answer_config("locations", locations);
        server.answer_config("locales", locales);
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("config.json");
        let (code, stdout, stderr) = pull(&server, &cache, CLIENT_SECRET);
        assert_eq!(code, 0, "{case}: {stderr}");
        assert_eq!(stderr, "", "{case}");
        assert!(
            stdout.starts_with("fetched 2 activities, 1 themes, 1 locations, 1 languages and 1 currencies for partner 428"),
            "{case}: {stdout}"
        );
        let written = read_json(&cache);
        assert_eq!(
            written["activities"],
            serde_json::json!([{"id": 61, "name": "Agriculture"}, {"id": 88, "name": "Tailoring"}]),
            "{case}"
        );
        assert_eq!(
            written["themes"],
            serde_json::json!([{"id": 1, "name": "General"}]),
            "{case}"
        );
        assert_eq!(
            written["locations"],
            serde_json::json!([{"location": "Kampala", "country": "Uganda", "full_name": "Kampala, Central, Uganda"}]),
            "{case}"
        );
        assert_eq!(
            written["languages"],
            serde_json::json!([{"id": 1, "name": "English", "code": "en"}]),
            "{case}"
        );
        assert_eq!(written["currencies"], serde_json::json!(["UGX"]), "{case}");
    }
}

#[test]
fn an_empty_list_stops_the_pull_and_keeps_the_previous_cache() {
    let server = Server::start(Config::default());
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("config.json");
    let (code, _, stderr) = pull(&server, &cache, CLIENT_SECRET);
    assert_eq!(code, 0, "{stderr}");
    let before = std::fs::read(&cache).unwrap();

    server.answer_config(
        "activities",
        r#"{"as_of_date_time":"2026-11-27T08:00:00Z","activities":[]}"#,
    );
    let (code, stdout, stderr) = pull(&server, &cache, CLIENT_SECRET);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "kiva-drafts: error: config/activities: no activities in the answer (expected a list of {activity_id|id, activity|name}); the answer began: {\"as_of_date_time\":\"2026-11-27T08:00:00Z\",\"activities\":[]}\n"
    );
    assert_eq!(std::fs::read(&cache).unwrap(), before);
    // Nothing else was left beside it either (no temporary file).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // The same with no previous cache: none is written.
    let fresh = dir.path().join("new").join("config.json");
    let (code, _, stderr) = pull(&server, &fresh, CLIENT_SECRET);
    assert_eq!(code, 2, "{stderr}");
    assert!(!fresh.exists());
}

#[test]
fn an_unknown_shape_stops_the_pull_without_a_cache() {
    for (what, body, expected) in [
        (
            "themes",
            r#"{"foo": 1}"#,
            r#"config/themes: no themes in the answer (expected a list of {theme_type_id|id, theme_type|name}); the answer began: {"foo": 1}"#,
        ),
        (
            "locations",
            "[]",
            "config/locations: no locations in the answer (expected a list of {location|full_name, country}); the answer began: []",
        ),
        (
            "locales",
            r#"{"locales":[{"language_code":"en","language_name":"English","language_id":1}]}"#,
            r#"config/locales: no currencies in the answer (expected a currency on each locale, or a list of currencies, as ISO 4217 codes); the answer began: {"locales":[{"language_code":"en","language_name":"English","language_id":1}]}"#,
        ),
        (
            "activities",
            r#"{"activities":[{"code":"AG","label":"Agriculture"}]}"#,
            r#"config/activities: the only activity in the answer could not be read (expected a list of {activity_id|id, activity|name}); the answer began: {"activities":[{"code":"AG","label":"Agriculture"}]}"#,
        ),
        (
            "activities",
            "<html>\n<body>Service unavailable</body>\n</html>",
            r"config/activities: the answer is not JSON (expected a list of {activity_id|id, activity|name}); the answer began: <html>\n<body>Service unavailable</body>\n</html>",
        ),
    ] {
        let server = Server::start(Config::default());
        server.answer_config(what, body);
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("config.json");
        let (code, stdout, stderr) = pull(&server, &cache, CLIENT_SECRET);
        assert_eq!(code, 2, "{what}: {stderr}");
        assert_eq!(stdout, "");
        assert_eq!(stderr, format!("kiva-drafts: error: {expected}\n"));
        assert!(!cache.exists(), "{what}");
    }
}

#[test]
fn an_answer_longer_than_any_list_is_refused_without_filling_the_memory() {
    let server = Server::start(Config::default());
    // 65 MB of one list: a proxy's error page gone wrong, say.
    server.answer_config("locations", format!("[{}]", " ".repeat(65 << 20)));
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("config.json");
    let (code, stdout, stderr) = pull(&server, &cache, CLIENT_SECRET);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "kiva-drafts: error: config/locations: the answer is longer than 64 MB, more than Kiva sends: is a proxy in the way?\n"
    );
    assert!(!cache.exists());
}

#[test]
fn a_long_answer_is_cut_and_never_shows_a_secret() {
    let server = Server::start(Config::default());
    // A careless server echoing the secret, in a long answer with no list.
    let body = format!(
        "{{\"message\":\"client secret {CLIENT_SECRET} is not allowed to read themes\",\"detail\":\"{}\"}}",
        "é".repeat(200)
    );
    server.answer_config("themes", body);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("config.json");
    let (code, _, stderr) = pull(&server, &cache, CLIENT_SECRET);
    assert_eq!(code, 2);
    assert!(!stderr.contains(CLIENT_SECRET), "{stderr}");
    let began = stderr
        .strip_prefix("kiva-drafts: error: config/themes: no themes in the answer (expected a list of {theme_type_id|id, theme_type|name}); the answer began: ")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        began.starts_with(
            "{\"message\":\"client secret [redacted] is not allowed to read themes\",\"detail\":\"éé"
        ),
        "{began}"
    );
    // 200 bytes of the redacted answer, cut between two characters.
    let shown = began.strip_suffix("...\n").unwrap();
    assert!(shown.len() <= 200 && shown.len() > 190, "{}", shown.len());
    assert!(!cache.exists());
}

#[test]
fn unreadable_items_are_left_out_with_a_warning() {
    let server = Server::start(Config::default());
    server.answer_config(
        "activities",
        r#"{"activities":[{"activity_id":61,"activity":"Agriculture"},{"activity":"Retail"},{"activity_id":"n/a","activity":"Cattle"},{"activity_id":88,"activity":"Tailoring"}]}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("config.json");
    let (code, stdout, stderr) = pull(&server, &cache, CLIENT_SECRET);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "kiva-drafts: warning: config/activities: 2 of 4 activities could not be read and were left out (expected {activity_id|id, activity|name}); the first: {\"activity\":\"Retail\"}\n"
    );
    assert!(stdout.starts_with("fetched 2 activities, "), "{stdout}");
    assert_eq!(
        read_json(&cache)["activities"],
        serde_json::json!([{"id": 61, "name": "Agriculture"}, {"id": 88, "name": "Tailoring"}])
    );
}

//! The review page in a real browser: headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it) opens `review.html#selftest&...`; the page's self-test drives the real
//! controls with real events (a `change` on the status select, an `input` on the search
//! box, clicks on a sort button and a loan's expand button) and writes what the DOM then
//! shows into `<pre id="selftest-result">`, which `--dump-dom` hands back. The expected
//! rows, names and amounts come from the conversion, not from the page.
//!
//! Without Chromium these tests fail (they do not skip): set `KIVA_CHROMIUM` to a
//! Chromium or Chrome binary, or `apt-get install -y chromium`.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kiva_drafts::convert::{self, ConvertArgs, Converted};
use kiva_drafts::review;
use kiva_drafts::{report, validate};
use serde_json::Value;

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("KIVA_CHROMIUM") {
        return path.into();
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for name in names {
        for dir in dirs
            .iter()
            .map(PathBuf::as_path)
            .chain([Path::new("/usr/bin")])
        {
            let path = dir.join(name);
            if path.is_file() {
                return path;
            }
        }
    }
    panic!(
        "these tests need headless Chromium and found none (looked for $KIVA_CHROMIUM, then \
         {names:?} on PATH and in /usr/bin): install it with `apt-get install -y chromium` \
         (.ci/run does) or set KIVA_CHROMIUM"
    );
}

fn convert(inputs: &[&str], template: &str) -> Converted {
    let args = ConvertArgs {
        inputs: inputs.iter().map(ToString::to_string).collect(),
        template: template.into(),
        out: "unused".into(),
        force: false,
        encoding: None,
        delimiter: None,
        header_row: None,
        quiet: true,
        checks: report::Settings {
            options: validate::Options {
                today: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
                ..validate::Options::default()
            },
            ..report::Settings::default()
        },
        annotate: None,
    };
    convert::convert_in_memory(&args).unwrap()
}

/// Writes the conversion's page into `dir`, as `convert` does.
fn page(dir: &Path, converted: &Converted) -> PathBuf {
    review::write(dir, converted).unwrap();
    dir.join(review::PAGE)
}

/// Percent-encodes a hash parameter's value.
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Opens `page#hash` in headless Chromium and returns the DOM once the page is idle.
fn dump_dom(page: &Path, hash: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!(
        "file://{}#{hash}",
        page.display().to_string().replace(' ', "%20")
    );
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium().display()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        stdout.read_to_string(&mut out).map(|_| out)
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium did not finish within 60 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    reader.join().unwrap().unwrap()
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Runs the page's self-test and returns its result.
fn selftest(page: &Path, hash: &str) -> (Value, String) {
    let dom = dump_dom(page, hash);
    let open = "<pre id=\"selftest-result\">";
    let start = dom
        .rfind(open)
        .unwrap_or_else(|| panic!("the self-test wrote no result; the DOM was:\n{dom}"))
        + open.len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let result: Value = serde_json::from_str(&unescape(&dom[start..end])).unwrap();
    assert_eq!(
        result["ok"], true,
        "the self-test failed: {}",
        result["error"]
    );
    (result, dom)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// `1234567` as the page shows it for a currency without decimals: `1,234,567`.
fn grouped(n: &Value) -> String {
    let digits = n.as_i64().unwrap().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn sorts_filters_and_expands_a_group_loan() {
    let tmp = tempfile::tempdir().unwrap();
    let converted = convert(
        &["samples/per-borrower/borrowers.xlsx"],
        "templates/per-borrower.toml",
    );
    let path = page(tmp.path(), &converted);
    let (r, _) = selftest(&path, "selftest&st-text=nakato&st-expand=G-0107");

    let entries = &converted.summary.drafts;
    let keys: Vec<String> = entries.iter().map(|e| e.loan_key.clone()).collect();
    assert_eq!(strings(&r["initial"]), keys, "every draft, in export order");
    assert_eq!(r["count"], "5 loans");
    assert_eq!(
        strings(&r["statusErrors"]),
        Vec::<String>::new(),
        "no draft has errors"
    );
    assert_eq!(
        strings(&r["statusOk"]),
        Vec::<String>::new(),
        "every draft has warnings"
    );
    assert!(
        r["hashAfterStatus"]
            .as_str()
            .unwrap()
            .contains("status=errors")
    );
    let with_nakato: Vec<String> = converted
        .grouped
        .loans
        .iter()
        .filter(|l| {
            l.draft
                .entreps
                .iter()
                .any(|e| e.last_name.as_deref() == Some("Nakato"))
        })
        .map(|l| l.key.clone())
        .collect();
    assert_eq!(strings(&r["text"]), with_nakato);
    assert_eq!(with_nakato, ["G-0107"]);
    let mut by_amount: Vec<_> = entries
        .iter()
        .map(|e| (e.amount, e.loan_key.clone()))
        .collect();
    by_amount.sort();
    let ascending: Vec<String> = by_amount.iter().map(|(_, k)| k.clone()).collect();
    assert_eq!(strings(&r["sortAmountAsc"]), ascending);
    let descending: Vec<String> = ascending.iter().rev().cloned().collect();
    assert_eq!(strings(&r["sortAmountDesc"]), descending);
    assert_eq!(r["ariaSort"], "descending");
    assert_eq!(strings(&r["afterReset"]), keys);
    assert_eq!(
        r["statusAfterBack"], "ok",
        "the back button restores the filter"
    );
    assert_eq!(strings(&r["afterBack"]), Vec::<String>::new());

    // G-0107 expanded: its borrowers, schedule, chart, checklist, source rows.
    let x = &r["expanded"];
    assert_eq!(
        (&x["ariaExpanded"], &x["detailRow"], &x["controls"]),
        (&"true".into(), &true.into(), &true.into())
    );
    let loan = &converted.grouped.loans[0];
    assert_eq!(loan.key, "G-0107");
    let draft = serde_json::to_value(&loan.draft).unwrap();
    let names: Vec<String> = loan
        .draft
        .entreps
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e.first_name.as_deref().unwrap(),
                e.last_name.as_deref().unwrap()
            )
        })
        .collect();
    assert_eq!(strings(&x["borrowers"]), names);
    assert_eq!(
        strings(&x["borrowerRows"])[1],
        "Grace Nakatofemale004519L-558813800,000no"
    );
    let schedule: Vec<Vec<String>> = draft["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let total = serde_json::json!(
                item["principal"].as_i64().unwrap() + item["interest"].as_i64().unwrap()
            );
            vec![
                (i + 1).to_string(),
                item["date"].as_str().unwrap().to_string(),
                grouped(&item["principal"]),
                grouped(&item["interest"]),
                grouped(&total),
            ]
        })
        .collect();
    let shown: Vec<Vec<String>> = x["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(strings)
        .collect();
    assert_eq!(shown, schedule);
    assert_eq!(x["chartBars"], schedule.len());
    assert_eq!(
        strings(&x["missing"]),
        [
            "Description (borrower story) — missing",
            "Activity — missing",
            "Theme — missing",
            "Location — missing",
            "Description language — missing",
            "Photo — missing",
            "Client waiver signed — missing",
        ]
    );
    assert_eq!(strings(&x["present"]), ["Loan use"]);
    assert_eq!(
        strings(&x["sourceRows"])[0],
        "samples/per-borrower/borrowers.xlsx, sheet Borrowers: rows 4–6"
    );
    assert!(
        r["hashAfterExpand"]
            .as_str()
            .unwrap()
            .starts_with("#expand=G-0107&")
    );
    assert_eq!(r["collapsed"], true, "a second click collapses it");
}

#[test]
fn the_url_filters_errors_and_problems_name_their_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let converted = convert(
        &["tests/fixtures/bad-values.csv"],
        "tests/fixtures/simple.toml",
    );
    let path = page(tmp.path(), &converted);
    let hash = format!(
        "status=errors&selftest&st-text={}&st-expand=L3&st-rule=missing-image",
        enc("DÍAZ")
    );
    let (r, _) = selftest(&path, &hash);
    let failed: Vec<String> = converted
        .grouped
        .failed
        .iter()
        .map(|f| f.key.clone())
        .collect();
    assert_eq!(failed, ["L2", "L3", "L4", "L5"]);
    assert_eq!(strings(&r["initial"]), failed, "status=errors from the URL");
    assert_eq!(r["count"], "4 of 5 loans");
    assert_eq!(strings(&r["statusErrors"]), failed);
    assert_eq!(strings(&r["statusOk"]), Vec::<String>::new());
    assert_eq!(strings(&r["afterReset"]), ["L1", "L2", "L3", "L4", "L5"]);
    assert_eq!(strings(&r["text"]), ["L1"], "search ignores case (Díaz)");
    assert_eq!(
        (&r["statusAfterBack"], strings(&r["afterBack"])),
        (&"ok".into(), vec![])
    );
    assert_eq!(
        strings(&r["rule"]),
        ["L1"],
        "the summary's rule button filters"
    );
    assert!(
        r["hashAfterRule"]
            .as_str()
            .unwrap()
            .starts_with("#rule=missing-image&")
    );
    let x = &r["expanded"];
    assert_eq!(strings(&x["headings"]), ["Problem", "Source rows"]);
    assert_eq!(
        strings(&x["problems"]),
        [
            "error input-value Amount: '1.5.0' is not a number (decimal '.', thousands ',')\
          source: tests/fixtures/bad-values.csv, row 4, column 'Amount'"
        ]
    );
    assert_eq!(
        strings(&x["sourceRows"]),
        ["tests/fixtures/bad-values.csv: row 4"]
    );
}

#[test]
fn html_from_the_export_is_shown_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    let converted = convert(
        &["tests/fixtures/html-names.csv"],
        "tests/fixtures/simple.toml",
    );
    let path = page(tmp.path(), &converted);
    let hash = format!(
        "selftest&st-text={}&st-expand={}",
        enc("<script>"),
        enc("<b>X4</b>")
    );
    let (r, dom) = selftest(&path, &hash);
    assert_eq!(r["xss"], Value::Null, "no payload ran");
    assert_eq!(
        r["alerts"],
        serde_json::json!([]),
        "no payload called alert()"
    );
    assert_eq!(r["images"], 0, "no <img> was created from the data");
    assert_eq!(r["scripts"], 2, "no <script> was added");
    assert_eq!(
        strings(&r["initial"]),
        ["X1", "X2", "X3", "<b>X4</b>", "X5"]
    );
    assert_eq!(
        strings(&r["text"]),
        ["X1", "<b>X4</b>"],
        "names are searchable as text"
    );
    assert_eq!(
        strings(&r["expanded"]["borrowers"]),
        ["Ana & Bo </script><script>window.__xss=4</script>"]
    );
    // The names are text nodes of the table (serialized escaped by the browser).
    for name in [
        "&lt;script&gt;alert(1)&lt;/script&gt; Doe",
        "&lt;img src=x onerror=alert(2)&gt; Roe",
        "&lt;img src=x onerror=\"window.__xss=1\"&gt; Poe",
    ] {
        assert!(
            dom.contains(&format!(">{name}</span>")),
            "{name} not shown as text"
        );
    }
}

/// A second line of defence: the page's Content-Security-Policy lets only its own
/// script run, so even markup slipped into the page could not run a handler.
#[test]
fn the_content_security_policy_blocks_injected_handlers() {
    let tmp = tempfile::tempdir().unwrap();
    let converted = convert(
        &["tests/fixtures/bad-values.csv"],
        "tests/fixtures/simple.toml",
    );
    let path = page(tmp.path(), &converted);
    let html = std::fs::read_to_string(&path).unwrap();
    let tampered = html.replacen(
        "<main>",
        "<main><img src=x onerror=\"window.__xss='img'\"><script>window.__xss='script'</script>",
        1,
    );
    assert_ne!(tampered, html);
    std::fs::write(&path, tampered).unwrap();
    let (r, _) = selftest(&path, "selftest");
    assert_eq!(r["xss"], Value::Null);
    assert_eq!(
        r["images"], 1,
        "the injected image is there, its handler blocked"
    );
    assert_eq!(
        strings(&r["initial"]).len(),
        5,
        "the page's own script runs"
    );
}

//! The review page (`review.html`): its summary, the data embedded for the script, and
//! the escaping of text from the export. The expected values come from the files
//! `convert` wrote (summary.json, the drafts), not from the page's own code. The page's
//! behaviour in a browser is tested in `tests/review_browser.rs`.

mod common;

use std::path::Path;

use common::{arg, kiva, summary};
use kiva_drafts::convert::{self, ConvertArgs};
use kiva_drafts::review::{self, ReviewInput};
use kiva_drafts::{report, validate};
use serde_json::Value;

const TODAY: &str = "2026-11-27";

fn options() -> validate::Options {
    validate::Options {
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        ..validate::Options::default()
    }
}

fn convert_args(inputs: &[&str], template: &str, out: &Path) -> ConvertArgs {
    ConvertArgs {
        inputs: inputs.iter().map(ToString::to_string).collect(),
        template: template.into(),
        out: out.to_path_buf(),
        force: false,
        encoding: None,
        delimiter: None,
        header_row: None,
        quiet: true,
        checks: report::Settings {
            options: options(),
            ..report::Settings::default()
        },
        annotate: None,
    }
}

/// Converts with the binary into `out` (drafts and summary.json), then returns the page
/// of the same conversion as `convert` builds it (`review::write`).
fn convert_with_page(inputs: &[&str], template: &str, out: &Path) -> String {
    let mut args = vec!["convert"];
    args.extend(inputs);
    let out_arg = arg(out);
    args.extend(["--template", template, "--out", &out_arg, "--today", TODAY]);
    args.push("--quiet");
    let run = kiva(&args);
    assert!(run.code <= 1, "convert failed: {}", run.stderr);
    let converted = convert::convert_in_memory(&convert_args(inputs, template, out)).unwrap();
    review::write(out, &converted).unwrap();
    std::fs::read_to_string(out.join(review::PAGE)).unwrap()
}

/// The page of a drafts folder, as `review DIR` builds it.
fn page_of_dir(dir: &Path) -> String {
    review::render(&ReviewInput::from_dir(dir, &options()).unwrap())
}

/// The JSON embedded for the script.
fn embedded(html: &str) -> Value {
    let open = r#"<script type="application/json" id="review-data">"#;
    let start = html.find(open).expect("the data block") + open.len();
    let end = start + html[start..].find("</script>").expect("the block's end");
    serde_json::from_str(&html[start..end]).expect("the data block is JSON")
}

/// A number of the static summary: `<dd data-stat="NAME">5,000</dd>`.
fn stat(html: &str, name: &str) -> String {
    let marker = format!("data-stat=\"{name}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no stat {name}"))
        + marker.len();
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

/// The static rule table's row for a rule: (findings, loans).
fn rule_row(html: &str, rule: &str) -> (String, String) {
    let start = html
        .find(&format!("data-rule=\"{rule}\"><th"))
        .unwrap_or_else(|| panic!("no rule row {rule}"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    let cell = |marker: &str| {
        let at = row.find(marker).unwrap() + marker.len();
        row[at..at + row[at..].find('<').unwrap()].to_string()
    };
    (cell("data-findings>"), cell("data-loans>"))
}

fn drafts_by_key(page: &Value) -> std::collections::BTreeMap<String, Value> {
    page["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["key"].as_str().unwrap().to_string(), d.clone()))
        .collect()
}

#[test]
fn page_of_a_conversion_shows_the_summary_and_every_draft() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("drafts");
    let html = convert_with_page(
        &["samples/per-borrower/borrowers.xlsx"],
        "templates/per-borrower.toml",
        &out,
    );
    let s = summary(&out);

    // The static summary: counts, totals, rules.
    assert_eq!(stat(&html, "drafts"), "5");
    assert_eq!(stat(&html, "individual"), s["individual"].to_string());
    assert_eq!(stat(&html, "group"), s["group"].to_string());
    assert_eq!(stat(&html, "borrowers"), s["borrowers"].to_string());
    assert_eq!(
        (
            stat(&html, "ok"),
            stat(&html, "warnings"),
            stat(&html, "errors")
        ),
        ("0".into(), "5".into(), "0".into())
    );
    assert_eq!(s["totals"]["UGX"], 19_600_000);
    assert!(
        html.contains(r#"<tr data-currency="UGX"><th scope="row">UGX</th><td class="num" data-total>19,600,000</td></tr>"#),
        "totals per currency"
    );
    assert!(html.contains("Input rows: 102 read, 102 used, 0 ignored."));
    for rule in [
        "missing-description",
        "missing-activity",
        "missing-theme",
        "missing-location",
        "missing-language",
        "missing-image",
        "missing-waiver",
    ] {
        assert_eq!(rule_row(&html, rule), ("5".into(), "5".into()), "{rule}");
    }
    assert!(
        !html.contains(r#"data-rule="missing-loanuse"><th"#),
        "every loan has a loan use"
    );

    // The embedded data: every draft of summary.json, with its numbers and schedule.
    let page = embedded(&html);
    assert_eq!(page["summary"]["totals"]["UGX"], 19_600_000);
    assert_eq!(page["summary"]["rows"]["read"], 102);
    let drafts = drafts_by_key(&page);
    let entries = s["drafts"].as_array().unwrap();
    assert_eq!(drafts.len(), entries.len());
    let keys: Vec<&str> = page["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    let summary_keys: Vec<&str> = entries
        .iter()
        .map(|e| e["loan_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, summary_keys, "the table starts in export order");
    for entry in entries {
        let d = &drafts[entry["loan_key"].as_str().unwrap()];
        let file: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(entry["file"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert_eq!(d["file"], entry["file"]);
        assert_eq!(d["kind"], entry["kind"]);
        assert_eq!(d["amount"], entry["amount"]);
        assert_eq!(d["currency"], entry["currency"]);
        assert_eq!(d["installments"], entry["installments"]);
        assert_eq!(d["borrowers"].as_array().unwrap().len(), entry["borrowers"]);
        assert_eq!(d["warnings"], entry["warnings"]);
        assert_eq!(d["status"], "warnings");
        assert_eq!(d["disbursed"], file["disburse_time"]);
        let schedule = file["schedule"].as_array().unwrap();
        let rows: Vec<Value> = schedule
            .iter()
            .map(|i| serde_json::json!([i["date"], i["principal"], i["interest"]]))
            .collect();
        assert_eq!(d["schedule"].as_array().unwrap(), &rows);
        let interest: f64 = schedule
            .iter()
            .map(|i| i["interest"].as_f64().unwrap())
            .sum();
        assert!((d["interest"].as_f64().unwrap() - interest).abs() < 1e-9);
        let names: Vec<String> = file["entreps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["first_name"].as_str().unwrap(),
                    e["last_name"].as_str().unwrap()
                )
            })
            .collect();
        let shown: Vec<&str> = d["borrowers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap())
            .collect();
        assert_eq!(shown, names);
        // Source rows: every row of summary.json, collapsed into ranges.
        let span = |ranges: &serde_json::Value| -> u64 {
            ranges
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["to"].as_u64().unwrap() - r["from"].as_u64().unwrap() + 1)
                .sum()
        };
        assert_eq!(span(&d["rows"]), span(&entry["rows"]));
        // The checklist: the fields PA2 still needs, here all but the loan use.
        assert_eq!(d["missing"].as_array().unwrap().len(), 7);
        assert!(
            !d["missing"]
                .as_array()
                .unwrap()
                .contains(&"missing-loanuse".into())
        );
        assert_eq!(
            d["findings"],
            serde_json::json!([]),
            "only checklist warnings"
        );
    }
    let g = &drafts["G-0107"];
    assert_eq!(
        g["rows"][0],
        serde_json::json!({"file": "samples/per-borrower/borrowers.xlsx", "sheet": "Borrowers", "from": 4, "to": 6})
    );
    assert_eq!(g["borrowers"][0]["pictured"], true);
    assert_eq!(g["fields"]["group_name"], "Tusubira Women Group");
    assert_eq!(page["currencies"]["UGX"], 0);
}

/// `review DIR` reads the drafts back and checks them again: the same loans, numbers and
/// findings as the page of the conversion, without the findings' source cells (the
/// drafts do not record them); source rows come from summary.json.
#[test]
fn page_of_a_folder_matches_the_page_of_the_conversion() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("drafts");
    let converted = embedded(&convert_with_page(
        &["tests/fixtures/bad-values.csv"],
        "tests/fixtures/simple.toml",
        &out,
    ));
    let read_back = embedded(&page_of_dir(&out));
    let strip = |mut page: Value| {
        for d in page["drafts"].as_array_mut().unwrap() {
            if d["kind"] == "not converted" {
                continue;
            }
            for f in d["findings"].as_array_mut().unwrap() {
                f.as_object_mut().unwrap().remove("sources");
            }
        }
        page["title"] = Value::Null;
        page
    };
    assert_eq!(strip(read_back), strip(converted));
}

#[test]
fn loans_that_failed_are_listed_with_their_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("drafts");
    let html = convert_with_page(
        &["tests/fixtures/bad-values.csv"],
        "tests/fixtures/simple.toml",
        &out,
    );
    let s = summary(&out);
    assert_eq!(
        (
            stat(&html, "drafts"),
            stat(&html, "not_converted"),
            stat(&html, "errors")
        ),
        ("1".into(), "4".into(), "4".into())
    );
    assert_eq!(rule_row(&html, "input-value"), ("4".into(), "4".into()));
    assert!(html.contains("Input rows: 6 read, 1 used, 5 ignored (1 blank skipped)."));
    let page = embedded(&html);
    let drafts = drafts_by_key(&page);
    assert_eq!(drafts["L1"]["status"], "warnings");
    assert_eq!(drafts["L1"]["kind"], "individual");
    for failed in s["errors"].as_array().unwrap() {
        let d = &drafts[failed["loan_key"].as_str().unwrap()];
        assert_eq!(
            (&d["kind"], &d["status"], &d["amount"]),
            (&"not converted".into(), &"errors".into(), &Value::Null)
        );
        let problems = failed["problems"].as_array().unwrap();
        let findings = d["findings"].as_array().unwrap();
        assert_eq!(findings.len(), problems.len());
        for (f, p) in findings.iter().zip(problems) {
            assert_eq!(f["message"], p["message"]);
            assert_eq!(f["value"], p["value"]);
            let source = &f["sources"][0];
            assert_eq!(
                (&source["file"], &source["row"], &source["column"]),
                (&p["file"], &p["row"], &p["column"])
            );
        }
    }
    let l3 = &drafts["L3"]["findings"][0];
    assert_eq!(l3["value"], "1.5.0");
    assert_eq!(l3["sources"][0]["column"], "Amount");
    assert_eq!(l3["sources"][0]["row"], 4);
}

/// A borrower named `<script>alert(1)</script>` is text: escaped in the static HTML,
/// `\u003c`-escaped in the data block, so nothing from the export can open a tag.
#[test]
fn html_in_the_export_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("drafts");
    let html = convert_with_page(
        &["tests/fixtures/html-names.csv"],
        "tests/fixtures/simple.toml",
        &out,
    );
    for raw in [
        "<script>alert",
        "<img",
        "<svg",
        "<b>",
        "</script><script>window",
    ] {
        assert!(!html.contains(raw), "raw {raw:?} in the page");
    }
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the data block and the page's script"
    );
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(html.contains(r"\u003cscript\u003ealert(1)\u003c/script\u003e"));
    let page = embedded(&html);
    let drafts = drafts_by_key(&page);
    assert_eq!(
        drafts["X1"]["borrowers"][0]["name"],
        "<script>alert(1)</script> Doe"
    );
    assert_eq!(
        drafts["X2"]["borrowers"][0]["name"],
        "<img src=x onerror=alert(2)> Roe"
    );
    assert_eq!(
        drafts["X3"]["borrowers"][0]["name"],
        "<img src=x onerror=\"window.__xss=1\"> Poe"
    );
    assert_eq!(
        drafts["<b>X4</b>"]["borrowers"][0]["name"],
        "Ana & Bo </script><script>window.__xss=4</script>"
    );
    assert_eq!(
        drafts["X5"]["findings"][0]["value"],
        "<svg/onload=window.__xss=5>"
    );

    // Text the page writes itself (title, about lines) is escaped too.
    let input = ReviewInput {
        title: "</title><script>alert(3)</script>".into(),
        about: vec!["<b>bold</b> & co".into()],
        ..ReviewInput::default()
    };
    let html = review::render(&input);
    assert!(
        html.contains("<title>Review: &lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;</title>")
    );
    assert!(html.contains("<li>&lt;b&gt;bold&lt;/b&gt; &amp; co</li>"));
    assert_eq!(html.matches("<script").count(), 2);
}

/// A 5,000-loan export: the page is built and stays a reasonable size (the data once,
/// as JSON; no pre-rendered rows). Open time in Chromium is measured by hand, not here.
#[test]
fn five_thousand_loans_make_a_reasonable_page() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("loans.csv");
    let mut text = String::from(
        "Loan ID,Client ID,Borrower,Gender,Amount,Disbursed,Installments,Frequency,Rate (% p.a.),Method,First Repayment,Grace,Purpose\n",
    );
    for i in 0..5000 {
        // Every 100th loan has an amount that cannot be read: 50 loans not converted.
        let amount = if i % 100 == 99 {
            "1.2.3".to_string()
        } else {
            ((300 + i % 2000) * 1000).to_string()
        };
        text.push_str(&format!(
            "UG-{i:05},K-{i},Agnes{i} Achieng,{},{amount},{:02}/{:02}/2026,12,Monthly,30,Declining,,0,To buy stock for shop {i}\n",
            if i % 3 == 0 { "Male" } else { "Female" },
            1 + i % 28,
            1 + i % 9,
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let args = convert_args(
        &[&arg(&csv)],
        "templates/terms.toml",
        &tmp.path().join("out"),
    );
    let converted = convert::convert_in_memory(&args).unwrap();
    let html = review::render(&ReviewInput::from_converted(&converted));
    assert_eq!(stat(&html, "drafts"), "4,950");
    assert_eq!(stat(&html, "not_converted"), "50");
    let page = embedded(&html);
    assert_eq!(page["drafts"].as_array().unwrap().len(), 5000);
    assert_eq!(page["drafts"][0]["installments"], 12);
    assert!(html.len() < 15_000_000, "the page is {} bytes", html.len());
    // One table row per loan is built by the script, none in the HTML.
    assert_eq!(
        html.matches("<tr").count(),
        1 + 1 + 1 + page["summary"]["rules"].as_array().unwrap().len() + 1
    );
}

#[test]
fn review_needs_a_folder_of_drafts() {
    let tmp = tempfile::tempdir().unwrap();
    let e = ReviewInput::from_dir(&tmp.path().join("missing"), &options()).unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
    let e = ReviewInput::from_dir(tmp.path(), &options()).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("no draft files (*.json) and no summary.json to review"),
        "{e}"
    );
    let file = tmp.path().join("L1.json");
    std::fs::write(&file, "{").unwrap();
    let e = ReviewInput::from_dir(&file, &options()).unwrap_err();
    assert!(e.to_string().contains("not a folder"), "{e}");
    // A draft that is not JSON is on the page, as an error with its line and column.
    let outcome = review::run(tmp.path(), &options(), true).unwrap();
    assert_eq!(outcome, kiva_drafts::Outcome::Success);
    let page = embedded(&std::fs::read_to_string(tmp.path().join(review::PAGE)).unwrap());
    let d = &page["drafts"][0];
    assert_eq!(
        (&d["key"], &d["kind"], &d["status"]),
        (&"L1".into(), &"unreadable".into(), &"errors".into())
    );
    assert_eq!(d["findings"][0]["rule"], "json-syntax");
}

/// Hand-edited drafts with wrong types are shown, not refused: an amount in quotes is
/// shown as written and the total is left out rather than guessed.
#[test]
fn hand_edited_drafts_are_shown_as_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("H1.json"),
        r#"{"currency": "USD", "disburse_time": "2026-10-01",
            "entreps": [{"first_name": "Ana", "amount": "100"}, {"first_name": "Bo", "amount": 50}],
            "schedule": [{"date": "2026-11-01", "principal": 150, "interest": "x"}]}"#,
    )
    .unwrap();
    let page = embedded(&page_of_dir(tmp.path()));
    let d = &page["drafts"][0];
    assert_eq!(d["amount"], Value::Null);
    assert_eq!(d["interest"], Value::Null);
    assert_eq!(d["borrowers"][0]["amount"], "100");
    assert_eq!(d["status"], "errors");
    let rules: Vec<&str> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"wrong-type") && rules.contains(&"group-without-name"),
        "{rules:?}"
    );
    assert_eq!(page["summary"]["group"], 1);
}

#[test]
fn a_damaged_summary_of_any_size_is_read_as_a_stream_and_left_out() {
    // A 3 GB summary.json of zeros (sparse: no disk) was read whole (3.3 GB, 18 s).
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("H1.json"),
        r#"{"currency": "USD", "entreps": [{"first_name": "Ana", "amount": 100}]}"#,
    )
    .unwrap();
    common::sparse_file(&tmp.path().join("summary.json"), 3 << 30);
    let input = ReviewInput::from_dir(tmp.path(), &options()).unwrap();
    assert_eq!(
        input.about,
        ["summary.json is not valid JSON (expected value at line 1 column 1); read without it"]
    );
    let page = embedded(&review::render(&input));
    assert_eq!(page["drafts"][0]["borrowers"][0]["amount"], 100);
}

/// Once `convert` writes the page and `review` is a subcommand: the binary's pages are
/// exactly the library's (the page has no timestamp, so it is reproducible).
#[test]
fn the_binary_writes_the_same_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("drafts");
    let (inputs, template) = (
        ["samples/per-borrower/borrowers.xlsx"],
        "templates/per-borrower.toml",
    );
    let run = kiva(&[
        "convert",
        inputs[0],
        "--template",
        template,
        "--out",
        &arg(&out),
        "--today",
        TODAY,
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written =
        std::fs::read_to_string(out.join(review::PAGE)).expect("convert writes review.html");
    let converted = convert::convert_in_memory(&convert_args(&inputs, template, &out)).unwrap();
    assert!(written == review::render(&ReviewInput::from_converted(&converted)));

    std::fs::remove_file(out.join(review::PAGE)).unwrap();
    let run = kiva(&["review", &arg(&out), "--today", TODAY]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = out.join(review::PAGE);
    assert_eq!(
        run.stdout,
        format!(
            "wrote {} (5 drafts; 0 with errors, 5 with warnings only)\n",
            page.display()
        )
    );
    assert!(std::fs::read_to_string(&page).unwrap() == page_of_dir(&out));
}

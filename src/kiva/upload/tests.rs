//! Tests of the upload plan, duplicates and results.

use super::*;

fn draft(file: &str, bytes: &str, problems: &[&str]) -> Draft {
    Draft {
        file: file.into(),
        path: PathBuf::from(file),
        loan_key: file.trim_end_matches(".json").into(),
        sha256: sha256_hex(bytes.as_bytes()),
        size: bytes.len(),
        problems: problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn only_draft_files_are_drafts() {
    assert!(is_draft_name("000245.json"));
    assert!(is_draft_name("A.JSON"));
    assert!(!is_draft_name("summary.json"));
    assert!(!is_draft_name(".kiva-drafts"));
    assert!(!is_draft_name(".x.json.123.tmp"));
    assert!(!is_draft_name(".hidden.json"));
    assert!(!is_draft_name(ledger::FILE_NAME));
    assert!(!is_draft_name(RESULTS));
}

#[test]
fn hashes_are_sha256_hex() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn plan_skips_sent_holds_unknown_and_sends_the_rest_once() {
    let drafts = vec![
        draft("a.json", "{a}", &[]),
        draft("b.json", "{b}", &[]),
        draft("c.json", "{c}", &["no-borrower: entreps: none"]),
        draft("d.json", "{a}", &[]),
        draft("e.json", "{e}", &[]),
    ];
    let api = "https://api";
    let line = |d: &Draft, state: &str| {
        format!(
            r#"{{"time":"t","file":"{}","loan_key":"k","sha256":"{}","env":"stage","api":"{api}",{state}}}"#,
            d.file, d.sha256
        )
    };
    let ledger = [
        line(&drafts[0], r#""state":"sending""#),
        line(&drafts[0], r#""state":"accepted","draft_id":"d-a""#),
        line(&drafts[1], r#""state":"sending""#),
    ]
    .join("\n");
    let history = History::parse(ledger.as_bytes());
    let steps = plan(&drafts, &history, api, false);
    assert_eq!(
        steps,
        vec![
            Step::Skip {
                draft_id: Some("d-a".into())
            },
            Step::Hold {
                since: "t".into(),
                reason: "an earlier run stopped while sending it".into()
            },
            Step::Invalid,
            Step::Duplicate { of: 0 },
            Step::Send,
        ]
    );
    assert_eq!(plan(&drafts, &history, api, true)[1], Step::Send);
    assert_eq!(
        plan(&drafts, &history, "https://other", false)[0],
        Step::Send
    );
    let rows: Vec<Option<Row>> = drafts.iter().zip(&steps).map(|(d, s)| s.row(d)).collect();
    let rows = settle_duplicates(&drafts, &steps, rows);
    assert_eq!(rows[3].status, Status::Duplicate);
    assert_eq!(rows[3].draft_id.as_deref(), Some("d-a"));
}

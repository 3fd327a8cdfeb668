//! Tests of the review page: its data, script JSON and HTML.

use super::*;

#[test]
fn script_json_cannot_close_the_block() {
    let json = script_json(&serde_json::json!({"name": "</script><!-- & \u{2028}"}));
    assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
    assert_eq!(
        json,
        r#"{"name":"\u003c/script\u003e\u003c!-- \u0026 \u2028"}"#
    );
    let back: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back["name"], "</script><!-- & \u{2028}");
}

#[test]
fn script_json_keeps_other_characters() {
    let text = "é € \u{2028}\u{2029} 😀 <>&";
    let json = script_json(&text);
    assert_eq!(json, "\"é € \\u2028\\u2029 😀 \\u003c\\u003e\\u0026\"");
    assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
}

fn finding(severity: Severity, rule: &'static str) -> Finding {
    Finding {
        draft: String::new(),
        file: None,
        severity,
        rule,
        field: String::new(),
        message: "m".into(),
        value: None,
        sources: Vec::new(),
    }
}

fn loan(key: &str, converted: bool, findings: Vec<Finding>) -> LoanEntry {
    LoanEntry {
        key: key.into(),
        file: converted.then(|| format!("{key}.json")),
        draft: converted.then(|| {
            serde_json::json!({
                "currency": "USD", "disburse_time": "2026-01-15",
                "entreps": [{"first_name": key, "amount": 100}],
                "schedule": [{"date": "2026-02-15", "principal": 100, "interest": 3}]
            })
        }),
        rows: Vec::new(),
        findings,
    }
}

fn data_block(html: &str) -> Value {
    let open = r#"<script type="application/json" id="review-data">"#;
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn page_writer_lists_loans_by_order_and_removes_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join(PARTS);
    let image = || finding(Severity::Warning, "missing-image");
    let l2 = loan("L2", true, vec![image(), image()]);
    let l7 = loan("L7</script>", true, Vec::new());
    let l9 = loan("L9", false, vec![finding(Severity::Error, "input-value")]);
    let mut writer = PageWriter::new(dir.path()).unwrap();
    assert!(parts.exists());
    for (order, entry) in [(7, &l7), (2, &l2), (9, &l9)] {
        writer.add(order, entry).unwrap();
    }
    let about = vec!["template: t.toml".to_string()];
    let counts = writer.finish("in.csv", &about, None).unwrap();
    assert_eq!(
        counts,
        PageCounts {
            drafts: 2,
            not_converted: 1,
            ok: 1,
            warnings: 1,
            errors: 1
        }
    );
    assert!(!parts.exists());
    let html = std::fs::read_to_string(dir.path().join(PAGE)).unwrap();
    // The same page as in memory, from the loans in order.
    let input = ReviewInput {
        title: "in.csv".into(),
        about,
        rows: None,
        loans: vec![l2, l7, l9],
    };
    assert!(html == render(&input));
    assert_eq!(html.matches("<script").count(), 2);
    let page = data_block(&html);
    let keys: Vec<&str> = page["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["L2", "L7</script>", "L9"]);
    assert_eq!(page["summary"]["totals"]["USD"], 200);
    // Two findings of one rule in one loan: one loan (errors' rules come first).
    let rule = &page["summary"]["rules"][1];
    assert_eq!(
        (&rule["rule"], &rule["findings"], &rule["loans"]),
        (&"missing-image".into(), &2.into(), &1.into())
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [PAGE]);
}

#[test]
fn page_writer_dropped_without_finish_removes_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = PageWriter::new(dir.path()).unwrap();
    writer.add(0, &loan("L1", true, Vec::new())).unwrap();
    assert!(dir.path().join(PARTS).exists());
    drop(writer);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_empty_page_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let counts = PageWriter::new(dir.path())
        .unwrap()
        .finish("", &[], None)
        .unwrap();
    assert_eq!(counts.drafts + counts.not_converted, 0);
    let html = std::fs::read_to_string(dir.path().join(PAGE)).unwrap();
    assert!(html == render(&ReviewInput::default()));
    assert_eq!(data_block(&html)["drafts"], serde_json::json!([]));
}

#[test]
fn escapes_html() {
    assert_eq!(
        escape_html(r#"<img src=x onerror="a('1')">&"#),
        "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;"
    );
}

#[test]
fn formats_money_per_currency() {
    let m = |s: &str| Money(s.parse().unwrap());
    assert_eq!(format_money(m("19600000"), "UGX"), "19,600,000");
    assert_eq!(format_money(m("1250.5"), "USD"), "1,250.50");
    assert_eq!(format_money(m("10.005"), "USD"), "10.005");
    assert_eq!(format_money(m("-999"), "USD"), "-999.00");
    assert_eq!(format_money(m("100"), "(no currency)"), "100");
    assert_eq!(count(5000), "5,000");
    assert_eq!(count(12), "12");
}

#[test]
fn collapses_rows_into_ranges() {
    let r = |sheet, row| ("b.xlsx", Some(sheet), row);
    let ranges = row_ranges(
        [
            r("A", 4),
            r("A", 6),
            r("A", 5),
            r("S", 2),
            r("S", 3),
            r("A", 9),
        ]
        .into_iter(),
    );
    let got: Vec<(&str, usize, usize)> = ranges
        .iter()
        .map(|x| (x.sheet.unwrap(), x.from, x.to))
        .collect();
    assert_eq!(got, [("A", 4, 6), ("A", 9, 9), ("S", 2, 3)]);
}

/// The ranges of a loan's rows in order are those of any order.
#[test]
fn origin_ranges_are_row_ranges() {
    let a = crate::read::intern::source(crate::read::Source {
        file: "b.xlsx".into(),
        sheet: Some("A".into()),
    });
    // The same place, not interned: equal, at another address.
    let a2: &'static crate::read::Source = Box::leak(Box::new(a.clone()));
    let s = crate::read::intern::source(crate::read::Source {
        file: "b.xlsx".into(),
        sheet: Some("S".into()),
    });
    let o = |source: &'static crate::read::Source, row| Origin {
        source,
        row,
        column: None,
    };
    for rows in [
        vec![],
        vec![o(a, 4)],
        vec![o(a, 4), o(a, 4), o(a, 5), o(a, 7), o(a, 8), o(a, 8)],
        vec![o(a, 4), o(a, 6), o(a, 5), o(s, 2), o(s, 3), o(a, 9)],
        vec![o(a, 4), o(a2, 5), o(a, 6)],
        vec![o(s, 2), o(a, 3)],
    ] {
        let any_order = row_ranges(
            rows.iter()
                .map(|o| (o.source.file.as_str(), o.source.sheet.as_deref(), o.row)),
        );
        assert_eq!(origin_ranges(&rows), any_order);
    }
}

#[test]
fn status_and_checklist_from_findings() {
    let finding = |severity, rule| Finding {
        draft: "L1".into(),
        file: Some("L1.json".into()),
        ..finding(severity, rule)
    };
    let mut entry = LoanEntry {
        key: "L1".into(),
        file: Some("L1.json".into()),
        draft: Some(serde_json::json!({
            "currency": "USD", "disburse_time": "2026-01-15",
            "entreps": [{"first_name": "Ana", "amount": 100}, {"first_name": "Bo", "amount": 50.5}],
            "not_pictured": [false, true],
            "schedule": [{"date": "2026-02-15", "principal": 150.5, "interest": 3.25}]
        })),
        rows: Vec::new(),
        findings: vec![finding(Severity::Warning, "missing-image")],
    };
    let d = draft_data(&entry);
    assert_eq!(
        (d.kind, d.status, d.missing.as_slice(), d.findings.len()),
        ("group", "warnings", &["missing-image"][..], 0)
    );
    assert_eq!(d.amount, Some(Money("150.5".parse().unwrap())));
    assert_eq!(d.interest, Some(Money("3.25".parse().unwrap())));
    let Borrowers::Built(borrowers) = &d.borrowers else {
        panic!("a draft's JSON gives built borrowers");
    };
    assert_eq!(borrowers[1].pictured, Some(false));
    entry
        .findings
        .push(finding(Severity::Error, "schedule-negative"));
    let d = draft_data(&entry);
    assert_eq!(
        (d.status, d.errors, d.warnings, d.findings.len()),
        ("errors", 1, 1, 1)
    );
    entry.draft = None;
    entry.file = None;
    assert_eq!(draft_data(&entry).kind, "not converted");
}

/// The fields are written in the order of their names, as a map sorted by key is.
#[test]
fn fields_are_written_sorted_by_name() {
    let f = |s: &'static str| Some(Cow::Borrowed(s));
    let fields = Fields {
        activity_id: f("1"),
        client_waiver_signed: f("2"),
        description: f("3"),
        description_language_id: f("4"),
        group_name: f("5"),
        image: f("6"),
        internal_client_id: f("7"),
        internal_loan_id: f("8"),
        loanuse: f("9"),
        location: f("10"),
        theme_type_id: f("11"),
    };
    let json = script_json(&fields);
    let map: BTreeMap<String, String> = serde_json::from_str(&json).unwrap();
    assert_eq!(map.len(), 11);
    assert_eq!(json, script_json(&map));
    assert_eq!(script_json(&Fields::default()), "{}");
}

mod typed {
    use super::super::*;
    use crate::read::Source;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop::sample::select(vec![
            "",
            " ",
            "Ana",
            " Ana ",
            "C1",
            "female",
            "USD",
            "XOF",
            "2026-01-15",
            "Kampala",
            "data:image/png;base64,!!!",
            "data:image/png;base64,iVBORw0KGgo=",
            "https://x/a.jpg",
            "\"q\" <é>",
            "</script>&\u{2028}\u{2029}\\\u{1}",
            // One character to escape each, in JSON or in a script block.
            "a\\b",
            "a\"b",
            "a\tb",
            "a<b",
            "a>b",
            "a&b",
            "a\u{2028}b",
            "\u{2029}",
            "\u{20ac}",
        ]))
        .prop_map(|s| s.map(str::to_string))
    }

    /// Random drafts, as in the typed checks' test (`validate`).
    fn draft() -> impl Strategy<Value = LoanDraft> {
        let ids = || prop::option::of(prop::sample::select(vec![0u64, 1, 61]));
        let date = text().prop_map(Option::unwrap_or_default);
        crate::draft::arbitrary::draft(text, ids, crate::draft::arbitrary::money, date)
    }

    fn findings() -> impl Strategy<Value = Vec<Finding>> {
        let rule = prop::sample::select(vec![
            "missing-image",
            "missing-loanuse",
            "input-value",
            "schedule-negative",
        ]);
        let sources = prop::collection::vec((text(), text(), 1usize..9, text()), 0..3);
        prop::collection::vec((any::<bool>(), rule, text(), sources), 0..4).prop_map(|list| {
            list.into_iter()
                .map(|(error, rule, value, sources)| Finding {
                    draft: "L1".into(),
                    file: Some("L1.json".into()),
                    severity: if error {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    rule,
                    field: value.clone().unwrap_or_default(),
                    message: "m".into(),
                    value,
                    sources: sources
                        .into_iter()
                        .map(|(file, sheet, row, column)| SourceRef {
                            file: file.unwrap_or_default(),
                            sheet,
                            row,
                            column,
                        })
                        .collect(),
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// A typed draft's data is that of its JSON, byte for byte.
        #[test]
        fn typed_data_is_the_data_of_the_json(
            d in draft(),
            findings in findings(),
            rows in prop::collection::vec(1usize..9, 0..5),
            file in text(),
            sheet in text(),
        ) {
            let source = crate::read::intern::source(Source { file: file.unwrap_or_default(), sheet });
            let origins: Vec<Origin> = rows
                .iter()
                .map(|&row| Origin { source, row, column: None })
                .collect();
            let shown: Vec<FindingData<'_>> = findings.iter().map(FindingData::of).collect();
            let typed = typed_draft_data(&DraftView {
                key: "L1",
                file: "L1.json",
                draft: &d,
                rows: &origins,
                findings: &shown,
            });
            let entry = LoanEntry {
                key: "L1".into(),
                file: Some("L1.json".into()),
                draft: Some(serde_json::to_value(&d).unwrap()),
                rows: origins.iter().map(SourceRef::row_of).collect(),
                findings: findings.clone(),
            };
            let json = draft_data(&entry);
            prop_assert_eq!(script_json(&typed), script_json(&json));
            prop_assert_eq!(typed.borrowers.len(), json.borrowers.len());
        }
    }
}

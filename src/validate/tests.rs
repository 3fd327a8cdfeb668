//! Tests of the rules: JSON and typed checks agree, messages, every rule raised.

use super::*;
use serde_json::json;

fn options() -> Options {
    Options {
        image_limit: 1000,
        today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        cache: None,
    }
}

fn cache(fetched_days_ago: i64) -> crate::reference::Cache {
    crate::reference::Cache {
        fetched_at: chrono::Utc::now() - chrono::TimeDelta::days(fetched_days_ago),
        api_url: "http://x".into(),
        partner_id: "1".into(),
        activities: Vec::new(),
        themes: Vec::new(),
        locations: vec![crate::reference::Location {
            location: "Kampala".into(),
            country: None,
            full_name: None,
        }],
        languages: Vec::new(),
        currencies: vec!["USD".into(), "UGX".into()],
    }
}

#[test]
fn with_a_cache_currency_and_location_are_the_partners() {
    let mut options = options();
    options.cache = Some(std::sync::Arc::new(cache(2)));
    assert!(check_value(&valid(), &options).is_empty());
    let mut d = valid();
    d["currency"] = json!("PEN");
    d["location"] = json!("Lima");
    let rules: Vec<&str> = check_value(&d, &options)
        .into_iter()
        .map(|x| x.rule)
        .collect();
    assert!(
        rules.contains(&"currency-not-offered") && rules.contains(&"location-unknown"),
        "{rules:?}"
    );
    assert!(stale_cache(&options, chrono::Utc::now()).is_none());
    options.cache = Some(std::sync::Arc::new(cache(31)));
    assert_eq!(
        stale_cache(&options, chrono::Utc::now()).unwrap().rule,
        "config-cache-stale"
    );
}

/// A complete, valid individual draft: no diagnostics at all.
fn valid() -> Value {
    json!({
        "activity_id": 61, "theme_type_id": 4, "description_language_id": 1,
        "location": "Kampala", "currency": "USD", "disburse_time": "2026-01-15",
        "description": "Rosa sells fabric.", "loanuse": "To buy fabric.",
        "client_waiver_signed": true,
        "image_encoded": format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nrest")),
        "entreps": [{"first_name": "Rosa", "last_name": "Quispe", "gender": "female", "client_id": "C1", "loan_id": "L1", "amount": 100.5}],
        "schedule": [
            {"date": "2026-02-15", "principal": 50, "interest": 2},
            {"date": "2026-03-15", "principal": 50.5, "interest": 1}
        ]
    })
}

fn group() -> Value {
    let mut d = valid();
    d["entreps"] = json!([
        {"first_name": "Ana", "client_id": "C1", "loan_id": "L1", "amount": 60},
        {"first_name": "Bea", "client_id": "C2", "loan_id": "L2", "amount": 40.5}
    ]);
    d["group_name"] = json!("Tusubira");
    d["not_pictured"] = json!([false, true]);
    d["internal_client_id"] = json!("C1, C2");
    d["internal_loan_id"] = json!("L1, L2");
    d
}

fn rules(d: &Value) -> Vec<&'static str> {
    check_value(d, &options())
        .into_iter()
        .map(|x| x.rule)
        .collect()
}

/// Applies `edit` to a valid draft and expects exactly `rule`.
fn triggers(base: fn() -> Value, edit: impl Fn(&mut Value), rule: &str) {
    let mut d = base();
    edit(&mut d);
    let got = rules(&d);
    assert!(got.contains(&rule), "expected {rule}, got {got:?} for {d}");
}

#[test]
fn valid_drafts_pass() {
    assert_eq!(rules(&valid()), Vec::<&str>::new());
    assert_eq!(rules(&group()), Vec::<&str>::new());
}

#[test]
fn every_error_rule_triggers() {
    triggers(
        valid,
        |d| d["group_name"] = json!("X"),
        "individual-with-group-fields",
    );
    triggers(
        valid,
        |d| d["not_pictured"] = json!([false]),
        "individual-with-group-fields",
    );
    triggers(
        group,
        |d| d["group_name"] = json!(" "),
        "group-without-name",
    );
    triggers(
        group,
        |d| {
            d.as_object_mut().unwrap().remove("not_pictured");
        },
        "group-without-not-pictured",
    );
    triggers(
        group,
        |d| d["not_pictured"] = json!([false]),
        "not-pictured-length",
    );
    triggers(valid, |d| d["entreps"] = json!([]), "no-borrower");
    triggers(
        valid,
        |d| d["entreps"][0]["first_name"] = json!(""),
        "borrower-without-first-name",
    );
    triggers(
        valid,
        |d| {
            d["entreps"][0].as_object_mut().unwrap().remove("amount");
        },
        "borrower-without-amount",
    );
    triggers(
        valid,
        |d| d["entreps"][0]["amount"] = json!(0),
        "amount-not-positive",
    );
    triggers(
        valid,
        |d| d["schedule"][0]["date"] = json!("15/02/2026"),
        "schedule-date-format",
    );
    triggers(
        valid,
        |d| d["schedule"][1]["date"] = json!("2026-02-15"),
        "schedule-dates-not-increasing",
    );
    triggers(
        valid,
        |d| d["schedule"][0]["date"] = json!("2026-01-15"),
        "schedule-before-disbursal",
    );
    triggers(
        valid,
        |d| d["schedule"][0]["interest"] = json!(-1),
        "schedule-negative",
    );
    triggers(
        valid,
        |d| d["schedule"][0]["principal"] = json!(49),
        "schedule-principal-mismatch",
    );
    triggers(valid, |d| d["currency"] = json!("usd$"), "currency-not-iso");
    triggers(
        valid,
        |d| d["disburse_time"] = json!("2026-13-01"),
        "disburse-time-not-date",
    );
    triggers(
        valid,
        |d| d["entreps"][0]["gender"] = json!("F"),
        "gender-invalid",
    );
    triggers(
        valid,
        |d| d["entreps"][0]["client_id"] = json!(123.5),
        "id-with-fraction",
    );
    triggers(
        valid,
        |d| d["activity_id"] = json!(61.5),
        "id-with-fraction",
    );
    triggers(
        valid,
        |d| d["entreps"][0]["amount"] = json!("100.5"),
        "wrong-type",
    );
    triggers(
        valid,
        |d| d["entreps"][0]["amount"] = json!(100.505),
        "amount-too-precise",
    );
    triggers(
        group,
        |d| d["entreps"][1]["client_id"] = json!("C1"),
        "duplicate-borrower",
    );
    triggers(
        valid,
        |d| d["image_encoded"] = json!("data:image/png;base64,!!!"),
        "image-invalid",
    );
    triggers(
        valid,
        |d| d["image_encoded"] = json!("data:image/bmp;base64,Qk0="),
        "image-invalid",
    );
    triggers(
        valid,
        |d| {
            d["image_encoded"] = json!(format!(
                "data:image/jpeg;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(b"GIF89a...")
            ));
        },
        "image-invalid",
    );
    triggers(
        valid,
        |d| {
            d["image_encoded"] = json!(format!(
                "data:image/gif;base64,{}",
                base64::engine::general_purpose::STANDARD.encode([b'G'; 2000])
            ));
        },
        "image-invalid",
    );
}

#[test]
fn every_warning_rule_triggers() {
    for (field, rule) in [
        ("description", "missing-description"),
        ("loanuse", "missing-loanuse"),
        ("activity_id", "missing-activity"),
        ("theme_type_id", "missing-theme"),
        ("location", "missing-location"),
        ("description_language_id", "missing-language"),
        ("client_waiver_signed", "missing-waiver"),
    ] {
        triggers(
            valid,
            |d| {
                d.as_object_mut().unwrap().remove(field);
            },
            rule,
        );
    }
    triggers(
        valid,
        |d| {
            d.as_object_mut().unwrap().remove("image_encoded");
        },
        "missing-image",
    );
    triggers(
        valid,
        |d| d["image_url"] = json!("https://example.org/a.jpg"),
        "image-url-deprecated",
    );
    triggers(
        group,
        |d| {
            d.as_object_mut().unwrap().remove("internal_loan_id");
        },
        "group-without-internal-ids",
    );
    triggers(
        valid,
        |d| d["disburse_time"] = json!("2026-07-01"),
        "disbursal-in-future",
    );
    triggers(
        valid,
        |d| {
            d["disburse_time"] = json!("2025-01-01");
            d["schedule"][0]["date"] = json!("2025-02-01");
        },
        "disbursal-old",
    );
    triggers(
        valid,
        |d| {
            d["schedule"][0]["interest"] = json!(0);
            d["schedule"][1]["interest"] = json!(0);
        },
        "interest-zero",
    );
    for (_, severity, _) in RULES.iter().filter(|(r, _, _)| r.starts_with("missing-")) {
        assert_eq!(*severity, Severity::Warning);
    }
}

#[test]
fn batch_duplicates() {
    let a = valid();
    let mut b = valid();
    b["entreps"][0]["loan_id"] = json!("L9");
    let found = check_batch(&[
        ("A", loan_ids(&a)),
        ("B", loan_ids(&b)),
        ("A", loan_ids(&b)),
    ]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, 2);
    let found = check_batch(&[("A", loan_ids(&a)), ("C", loan_ids(&a))]);
    assert_eq!(
        found[0].1.message,
        "same borrower loan ids (L1) as loan 'A'"
    );
    assert!(check_batch(&[("A", loan_ids(&a)), ("B", loan_ids(&b))]).is_empty());
}

mod typed {
    use super::super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop::sample::select(vec![
            "",
            " ",
            "Ana",
            " Ana ",
            "C1",
            "L1",
            "L2",
            "female",
            "F",
            "USD",
            " USD",
            "XOF",
            "usd$",
            "2026-01-15",
            "2026-13-01",
            "15/01/2026",
            "Kampala",
            "data:image/png;base64,!!!",
            "https://x/a.jpg",
            "\"q\" <é>",
        ]))
        .prop_map(|s| s.map(str::to_string))
    }

    fn date() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "2026-01-15",
            "2026-02-15",
            "2026-02-15",
            "2025-12-31",
            "2026-02-30",
            "2026-1-15",
            "x",
        ])
        .prop_map(str::to_string)
    }

    fn draft() -> impl Strategy<Value = LoanDraft> {
        let ids = || prop::option::of(prop::sample::select(vec![0u64, 1, 61]));
        crate::draft::arbitrary::draft(text, ids, crate::draft::arbitrary::money, date())
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 3000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The typed checks say what the checks of the draft's JSON say.
        #[test]
        fn typed_checks_match_the_json_checks(d in draft(), cached in any::<bool>()) {
            let mut options = super::options();
            if cached {
                options.cache = Some(std::sync::Arc::new(super::cache(2)));
            }
            let value = serde_json::to_value(&d).unwrap();
            prop_assert_eq!(check_draft(&d, &options), check_value(&value, &options));
            prop_assert_eq!(draft_loan_ids(&d), loan_ids(&value));
        }
    }
}

#[test]
fn every_rule_is_registered() {
    // Rules are raised here, or by convert while reading the export (group/) or
    // checking a loan it built (convert/pipeline.rs).
    let source = [
        include_str!("mod.rs"),
        include_str!("rules.rs"),
        include_str!("group.rs"),
        include_str!("borrowers.rs"),
        include_str!("values.rs"),
        include_str!("schedule.rs"),
        include_str!("images.rs"),
        include_str!("batch.rs"),
        include_str!("../group/mod.rs"),
        include_str!("../group/bind.rs"),
        include_str!("../group/build.rs"),
        include_str!("../group/keys.rs"),
        include_str!("../group/plan.rs"),
        include_str!("../group/rows.rs"),
        include_str!("../group/terms.rs"),
        include_str!("../convert/pipeline.rs"),
        include_str!("../validate_cmd.rs"),
    ]
    .concat();
    for (rule, _, _) in RULES {
        assert!(
            source.matches(&format!("\"{rule}\"")).count() >= 2,
            "rule {rule} is never raised"
        );
    }
}

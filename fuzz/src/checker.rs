//! The draft checker on any bytes, as `validate` and `upload` read a draft file.
//!
//! Input: the file. It is checked as `kiva-drafts validate` checks it (JSON syntax
//! errors included, from the file on disk) and as `upload` does (a typed draft),
//! with Kiva's lists from `samples/config-cache.json` when the input's length is odd.
//! A draft that reads as a typed draft must also be written by hand as `serde_json`
//! writes it, and checked as its JSON is.

use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use kiva_drafts::draft::LoanDraft;
use kiva_drafts::reference::Cache;
use kiva_drafts::validate::{self, Options};
use kiva_drafts::validate_cmd;
use serde_json::Value;

use crate::scratch::Scratch;

fn cache() -> Arc<Cache> {
    static CACHE: OnceLock<Arc<Cache>> = OnceLock::new();
    CACHE
        .get_or_init(|| {
            let text = include_str!("../../samples/config-cache.json");
            Arc::new(serde_json::from_str(text).expect("samples/config-cache.json reads"))
        })
        .clone()
}

pub fn run(data: &[u8]) {
    let options = Options {
        image_limit: 1 << 16,
        today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
        cache: (data.len() % 2 == 1).then(cache),
    };

    // `validate`: the file read from disk, its syntax, then the rules and the batch.
    let file = Scratch::new(data, "loan.json");
    let drafts = validate_cmd::load(std::slice::from_ref(&file.path));
    let report = validate_cmd::check(&drafts, &options);
    let text = report.terminal();
    assert!(text.contains("checked 1 draft"), "{text}");
    let value = serde_json::from_slice::<Value>(data);
    if let Ok(value) = &value {
        let diagnostics = validate::check_value(value, &options);
        let ids = validate::loan_ids(value);
        let batch = validate::check_batch(&[("a", ids.clone()), ("b", ids.clone())]);
        assert_eq!(batch.len(), usize::from(!ids.is_empty()), "{ids:?}");
        let _ = validate::has_errors(&diagnostics);
    }

    // `upload`: a typed draft.
    let Ok(draft) = serde_json::from_slice::<LoanDraft>(data) else {
        return;
    };
    let diagnostics = validate::check_draft(&draft, &options);
    let pretty = draft.to_pretty_json();
    let expected = serde_json::to_string_pretty(&draft).map(|json| json + "\n");
    assert_eq!(Ok(pretty.clone()), expected.map_err(|e| e.to_string()));
    let json: Value = serde_json::from_str(&pretty).expect("a written draft reads back");
    assert_eq!(
        diagnostics,
        validate::check_value(&json, &options),
        "typed checks and JSON checks differ"
    );
    assert_eq!(validate::draft_loan_ids(&draft), validate::loan_ids(&json));
}

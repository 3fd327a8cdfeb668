//! Tests of grouping: field paths and dates as written, keys and member dates.

use super::*;

#[test]
fn paths_and_dates_are_written_as_format_writes_them() {
    for i in [0, 7, 10, 99, 1234, usize::MAX] {
        assert_eq!(FieldPath::Schedule(i).to_string(), format!("schedule[{i}]"));
        assert_eq!(
            FieldPath::Entrep(i, "amount").to_string(),
            format!("entreps[{i}].amount")
        );
        assert_eq!(
            FieldPath::NotPictured(i).to_string(),
            format!("not_pictured[{i}]")
        );
    }
    for (y, m, d) in [
        (2026, 1, 5),
        (2027, 12, 31),
        (1, 2, 3),
        (0, 1, 1),
        (9999, 9, 9),
    ] {
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(iso_text(date), crate::dates::iso(date));
    }
    let far = NaiveDate::from_ymd_opt(-5, 1, 1).unwrap();
    assert_eq!(iso_text(far), crate::dates::iso(far));
}

#[test]
fn a_loan_that_cannot_be_built_keeps_its_key_order_and_every_row() {
    let loans = crate::read::intern::source(crate::read::Source {
        file: "loans.xlsx".into(),
        sheet: Some("Loans".into()),
    });
    let schedule = crate::read::intern::source(crate::read::Source {
        file: "loans.xlsx".into(),
        sheet: Some("Schedule".into()),
    });
    let at = |source, row, column| Origin {
        source,
        row,
        column,
    };
    let rows = vec![
        at(loans, 6, Some("Amount")),
        at(schedule, 12, None),
        at(schedule, 13, None),
    ];
    let complete = Complete {
        pending: Pending {
            key: "000251".into(),
            order: 2,
            rows: rows.clone(),
            ..Pending::default()
        },
        image_limit: 0,
    };
    let unbuilt = complete.unbuilt();
    // What `finish` does with the loan does not change what was kept.
    drop(complete);
    let failed = unbuilt("internal-error", "stopped".into());
    assert_eq!((failed.key.as_str(), failed.order), ("000251", 2));
    assert_eq!(failed.rows, rows);
    assert_eq!(
        failed.problems,
        vec![Problem {
            rule: "internal-error",
            origin: at(loans, 6, None),
            value: None,
            message: "stopped".into(),
        }]
    );
}

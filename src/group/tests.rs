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

//! Where a cell came from ([`super::Origin`]) names its file and column header. Every
//! row read makes several origins (the row's, each installment's, each problem's), and
//! both threads of a conversion copy and drop them: as shared pointers their counts cost
//! a tenth of the conversion's time, mostly in the two cores taking turns at the same
//! counters. So sources and headers are interned instead, once for the life of the
//! process: an origin is then plain data. Their number is bounded by the distinct files,
//! sheets and headers the process reads, a few hundred bytes each.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use super::Source;

/// The interned source equal to `source`.
pub fn source(source: Source) -> &'static Source {
    static SOURCES: Mutex<Vec<&'static Source>> = Mutex::new(Vec::new());
    let mut all = SOURCES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = all.iter().find(|s| ***s == source) {
        return known;
    }
    let new: &'static Source = Box::leak(Box::new(source));
    all.push(new);
    new
}

/// The interned text equal to `text` (a column header).
pub fn text(text: &str) -> &'static str {
    static TEXTS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut all = TEXTS.lock().unwrap_or_else(PoisonError::into_inner);
    let all = all.get_or_insert_with(HashSet::new);
    if let Some(known) = all.get(text) {
        return known;
    }
    let new: &'static str = Box::leak(text.to_owned().into_boxed_str());
    all.insert(new);
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_are_interned_once() {
        let a = source(Source {
            file: "intern-a.csv".into(),
            sheet: None,
        });
        let b = source(Source {
            file: "intern-a.csv".into(),
            sheet: None,
        });
        let c = source(Source {
            file: "intern-a.csv".into(),
            sheet: Some("S".into()),
        });
        assert!(std::ptr::eq(a, b));
        assert!(!std::ptr::eq(a, c));
        assert_eq!(c.sheet.as_deref(), Some("S"));
        assert!(std::ptr::eq(
            text("N° Prêt"),
            text(&String::from("N° Prêt"))
        ));
        assert_eq!(text("Montant"), "Montant");
    }
}

//! Tests of the shape, keys and mapping evidence.

use super::*;
use crate::read::Cell;

fn column(header: &str, values: &[&str]) -> Profile {
    let cells: Vec<Cell> = values
        .iter()
        .map(|v| {
            if v.is_empty() {
                Cell::Empty
            } else {
                Cell::Text((*v).to_string())
            }
        })
        .collect();
    let refs: Vec<&Cell> = cells.iter().collect();
    crate::inspect::profile::profile(0, "A".into(), header.into(), &refs)
}

#[test]
fn installment_numbers_in_headers() {
    assert_eq!(
        split_number("Prestação 12 Data"),
        Some(("Prestação ".into(), 12, " Data".into()))
    );
    assert_eq!(
        split_number("Due Date 3"),
        Some(("Due Date ".into(), 3, String::new()))
    );
    assert_eq!(split_number("Q1 Amount"), None);
    assert_eq!(split_number("Rate 1 of 2"), None);
    assert_eq!(split_number("Amount (UGX)"), None);
}

#[test]
fn name_splits_from_values() {
    let p = column("Name", &["Rosa Quispe", "Juan Carlos Mamani"]);
    assert_eq!(name_split(&p).0, "given-family");
    let p = column("Name", &["Quispe Mamani, Rosa", "Peña, Ana"]);
    assert_eq!(name_split(&p).0, "family-comma-given");
    let p = column("Name", &["NAMUGGA Sarah", "OKELLO Moses"]);
    assert_eq!(name_split(&p).0, "family-given");
    let p = column("Nom Prénom", &["Diop Aminata"]);
    assert_eq!(name_split(&p).0, "family-given");
}

#[test]
fn content_fits_the_field() {
    assert!(fits("loan.currency", &column("Moneda", &["PEN", "usd"])));
    assert!(!fits("loan.currency", &column("Moneda", &["Soles"])));
    assert!(fits(
        "borrower.gender",
        &column("Sexo", &["Mujer", "Hombre"])
    ));
    assert!(!fits("borrower.gender", &column("Sexo", &["Mujer", "?"])));
    // Ids have no spaces: a column of names is not a client id.
    assert!(fits(
        "borrower.client_id",
        &column("Client", &["C-1", "C-2"])
    ));
    assert!(!fits(
        "borrower.client_id",
        &column("Client", &["Ana Díaz"])
    ));
    assert!(!fits("loan.disburse_time", &column("Disbursed", &["soon"])));
    assert!(looks_like_names(&column(
        "Socio",
        &["Ana Díaz", "Bea Ruiz"]
    )));
    assert!(!looks_like_names(&column("Note", &["paid in 2 parts"])));
}

#[test]
fn per_borrower_loans_are_groups_or_single_keys() {
    let group = column("Group", &["G1", "G1", "", "G1"]);
    let key = column("Loan", &["L1", "L2", "L3", "L4"]);
    assert_eq!(loans_of(&group, &key), vec![vec![0, 1, 3], vec![2]]);
}

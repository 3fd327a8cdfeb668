//! Tests of the header dictionary and the value codes.

use super::*;

fn best(header: &str) -> Option<&'static str> {
    candidates(header).first().map(|c| c.target)
}

#[test]
fn headers_fold_into_words() {
    assert_eq!(words("Nº Préstamo").words, vec!["no", "prestamo"]);
    assert_eq!(words("N° Prêt").words, vec!["no", "pret"]);
    assert_eq!(words("Date d'échéance").words, vec!["date", "echeance"]);
    let w = words("Amount (UGX)");
    assert_eq!(
        (w.words, w.currency.as_deref()),
        (vec!["amount".to_string()], Some("UGX"))
    );
    assert_eq!(words("Currency").currency, None);
    assert_eq!(words("# Loan").words, vec!["no", "loan"]);
}

#[test]
fn headers_in_four_languages() {
    let cases = [
        ("Loan Account No", "keys.loan"),
        ("Nº Préstamo", "keys.loan"),
        ("N° Prêt", "keys.loan"),
        ("Nº Empréstimo", "keys.loan"),
        ("Sexo", "borrower.gender"),
        ("Genre", "borrower.gender"),
        ("Montant", "borrower.amount"),
        ("Monto", "borrower.amount"),
        ("Valor do empréstimo", "borrower.amount"),
        ("Fecha de desembolso", "loan.disburse_time"),
        ("Date de décaissement", "loan.disburse_time"),
        ("Data de desembolso", "loan.disburse_time"),
        ("Disbursement Date", "loan.disburse_time"),
        ("Destino del préstamo", "loan.loanuse"),
        ("Objet du prêt", "loan.loanuse"),
        ("Finalidade", "loan.loanuse"),
        ("Nom du groupe", "loan.group_name"),
        ("Group Name", "loan.group_name"),
        ("Prénom", "borrower.first_name"),
        ("Nom", "borrower.last_name"),
        ("Apellidos", "borrower.last_name"),
        ("Nome do cliente", "borrower.name"),
        ("Client Name", "borrower.name"),
        ("Date d'échéance", "schedule.date"),
        ("Fecha de vencimiento", "schedule.date"),
        ("N° échéance", "installment"),
        ("Nº Cuota", "installment"),
        ("Intérêts", "schedule.interest"),
        ("Interés", "schedule.interest"),
        ("Juros", "schedule.interest"),
        ("Principal Due", "schedule.principal"),
        ("Rate (% p.a.)", "terms.annual_rate"),
        ("First Repayment", "terms.first_due"),
        ("Pictured", "borrower.pictured"),
        ("Código Cliente", "borrower.client_id"),
        ("Code client", "borrower.client_id"),
        ("Moneda", "loan.currency"),
    ];
    for (header, target) in cases {
        assert_eq!(best(header), Some(target), "{header}");
    }
    assert_eq!(best("Zzz"), None);
}

#[test]
fn gender_codes_by_convention() {
    let (map, unknown, note) = gender_map(&["F".into(), "M".into()]);
    assert_eq!(map, vec![("F".into(), "female"), ("M".into(), "male")]);
    assert!(unknown.is_empty() && note.is_none());
    let (map, _, note) = gender_map(&["H".into(), "M".into()]);
    assert_eq!(map, vec![("H".into(), "male"), ("M".into(), "female")]);
    assert!(note.unwrap().contains("Hombre/Mujer"));
    let (map, ..) = gender_map(&["Femme".into(), "Homme".into(), "Mujer".into()]);
    assert_eq!(
        map.iter().map(|m| m.1).collect::<Vec<_>>(),
        ["female", "male", "female"]
    );
    let (map, unknown, _) = gender_map(&["Feminino".into(), "X".into()]);
    assert_eq!((map.len(), unknown), (1, vec!["X".to_string()]));
}

#[test]
fn frequencies_and_methods() {
    assert_eq!(frequency_of("Fortnightly"), Some("biweekly"));
    assert_eq!(frequency_of("Mensual"), Some("monthly"));
    assert_eq!(frequency_of("Hebdomadaire"), Some("weekly"));
    assert_eq!(
        method_of("Equal principal"),
        Some("declining-balance-equal-principal")
    );
    assert_eq!(method_of("Declining"), Some("declining-balance"));
    assert_eq!(method_of("Flat"), Some("flat"));
    assert_eq!(method_of("??"), None);
}

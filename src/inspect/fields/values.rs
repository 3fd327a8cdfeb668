//! The codes exports write in cells: genders (`F`/`M`, `H`/`M`, `Femme`/`Homme`,
//! `Mujer`/`Hombre`, `Feminino`/`Masculino`), repayment frequencies and amortization
//! methods in four languages, currency symbols and codes.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The gender a value names, given the other values of the column (`M` is `mujer`
/// next to `H`, `masculino` next to `F`).
pub fn gender_of(value: &str, hombre_mujer: bool) -> Option<&'static str> {
    let v = fold(value.trim());
    let v = v.trim_end_matches('.');
    match v {
        "f" | "female" | "woman" | "women" | "w" | "mujer" | "femenino" | "fem" | "femme"
        | "feminin" | "feminine" | "feminino" | "mulher" | "fille" => Some("female"),
        "m" if hombre_mujer => Some("female"),
        "m" | "male" | "man" | "men" | "hombre" | "masculino" | "masc" | "homme" | "h"
        | "masculin" | "homem" | "varon" => Some("male"),
        _ => None,
    }
}

/// A value map for the genders seen: `(value as seen, draft value)`, the values it
/// could not place, and a note when codes were read by convention.
pub fn gender_map(values: &[String]) -> (Vec<(String, &'static str)>, Vec<String>, Option<String>) {
    let folded: Vec<String> = values.iter().map(|v| fold(v.trim())).collect();
    let has = |s: &str| folded.iter().any(|v| v == s);
    let hombre_mujer = has("h") && has("m") && !has("f");
    let mut map = Vec::new();
    let mut unknown = Vec::new();
    for v in values {
        match gender_of(v, hombre_mujer) {
            Some(g) => map.push((v.clone(), g)),
            None => unknown.push(v.clone()),
        }
    }
    let note = if hombre_mujer {
        Some("H and M read as Hombre/Mujer (Spanish): M = female".to_string())
    } else if has("m") && !has("f") && !has("h") {
        Some("only 'M' seen: read as male; in Spanish H/M exports M is Mujer (female)".into())
    } else {
        None
    };
    (map, unknown, note)
}

/// The template's frequency word for a value (`Mensual` is `monthly`).
pub fn frequency_of(value: &str) -> Option<&'static str> {
    let v = fold(value.trim());
    let v = v.as_str();
    Some(match v {
        "monthly" | "month" | "mensual" | "mensuel" | "mensal" | "mes" | "mois" | "m" => "monthly",
        "weekly" | "week" | "semanal" | "hebdomadaire" | "semaine" | "semana" | "w" => "weekly",
        "fortnightly" | "biweekly" | "bi-weekly" | "every two weeks" | "quinzenal"
        | "catorcenal" | "bisemanal" | "quinzaine" => "biweekly",
        "semi-monthly" | "semimonthly" | "twice a month" | "quincenal" | "bimensuel"
        | "bimensual" => "semi-monthly",
        "quarterly" | "trimestral" | "trimestriel" | "quarter" | "q" => "quarterly",
        "bimonthly" | "every two months" | "bimestral" | "bimestriel" => "every-2-months",
        "semiannual" | "semi-annual" | "semestral" | "semestriel" | "half-yearly" => {
            "every-6-months"
        }
        "daily" | "diario" | "quotidien" | "diaria" => "every-1-days",
        _ => return None,
    })
}

/// The template's method word for a value (`Declining` is `declining-balance`).
pub fn method_of(value: &str) -> Option<&'static str> {
    let v = fold(value.trim());
    let v = v.as_str();
    let has = |w: &str| v.contains(w);
    if has("equal principal")
        || has("constant principal")
        || has("capital constant")
        || has("amortissement constant")
        || has("amortizacion constante")
        || has("capital igual")
        || has("aleman")
        || has("german")
        || has("sac")
    {
        Some("declining-balance-equal-principal")
    } else if has("flat") || has("plano") || has("plana") || has("lineaire") || has("fixe") {
        Some("flat")
    } else if has("declin")
        || has("reducing")
        || has("saldo")
        || has("degressi")
        || has("frances")
        || has("french")
        || has("cuota fija")
        || has("annuit")
        || has("price")
        || has("decrescente")
    {
        Some("declining-balance")
    } else {
        None
    }
}

/// A currency named by a symbol in a value or text (`USh 500 000`), when the symbol
/// names only one currency.
pub fn currency_of_symbol(symbol: &str) -> Option<&'static str> {
    match symbol {
        "USh" | "Ush" | "USH" => Some("UGX"),
        "KSh" | "Ksh" | "KSH" => Some("KES"),
        "TSh" | "Tsh" | "TSH" => Some("TZS"),
        "S/" | "S/." => Some("PEN"),
        "MT" | "Mt" | "MTn" | "MZN" => Some("MZN"),
        "₦" => Some("NGN"),
        "₱" => Some("PHP"),
        "R$" => Some("BRL"),
        "GH₵" | "GH¢" => Some("GHS"),
        "Bs" | "Bs." => Some("BOB"),
        "Q" => Some("GTQ"),
        "L" => Some("HNL"),
        _ => None,
    }
}

/// ISO 4217 codes written as words in a text (a title row such as "Portfolio in USD").
pub fn currencies_in_text(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        if w.len() == 3
            && w.chars().all(|c| c.is_ascii_uppercase())
            && money::minor_units(w).is_some()
            && !out.iter().any(|o| o == w)
        {
            out.push(w.to_string());
        }
    }
    out
}

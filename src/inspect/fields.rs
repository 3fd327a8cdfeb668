//! The multilingual header dictionary: which draft field a column probably holds.
//!
//! Exports name their columns in English, Spanish, French or Portuguese, with or
//! without accents, with `Nº`, `N°` or `No.` for "number". A header is folded
//! (lower case, accents and articles removed) into words and compared with the
//! phrases below; an exact match beats a phrase found inside a longer header. The
//! same module knows the values exports use for codes: genders (`F`/`M`, `H`/`M`,
//! `Femme`/`Homme`, `Mujer`/`Hombre`, `Feminino`/`Masculino`), repayment
//! frequencies and amortization methods, currencies named in a header (`Amount (UGX)`).

use crate::money;

/// Small words that carry no meaning in a header ("Fecha *de* desembolso").
const STOPWORDS: &[&str] = &[
    "de", "del", "do", "da", "dos", "das", "du", "des", "d", "l", "la", "le", "les", "el", "los",
    "las", "of", "the", "y", "e", "et", "and", "en", "em", "in", "on", "a", "p",
];

/// Words that all mean "number" in a header: they fold to `no`.
const NUMBER_WORDS: &[&str] = &[
    "no", "nro", "num", "numero", "number", "nr", "n", "nos", "nbr",
];

/// Header phrases per target, in the folded form [`words`] produces. Targets are
/// template paths (`keys.loan`, `borrower.gender`), plus `installment` (an installment
/// number column) and `borrower.pictured` (a yes/no "in the photo" column, the inverse
/// of `not_pictured`).
const PHRASES: &[(&str, &[&str])] = &[
    (
        "keys.loan",
        &[
            "loan account no",
            "loan account",
            "loan no",
            "loan id",
            "loan ref",
            "loan reference",
            "loan code",
            "loan",
            "account no",
            "account id",
            "account",
            "contract no",
            "contract",
            "credit no",
            "no prestamo",
            "prestamo",
            "id prestamo",
            "codigo prestamo",
            "no credito",
            "credito",
            "id credito",
            "codigo credito",
            "no cuenta",
            "no operacion",
            "no pret",
            "pret",
            "id pret",
            "code pret",
            "no dossier",
            "no credit",
            "no emprestimo",
            "emprestimo",
            "id emprestimo",
            "codigo emprestimo",
            "no contrato",
            "contrato",
            "no conta",
        ],
    ),
    (
        "keys.group",
        &[
            "group id",
            "group external id",
            "external group id",
            "group external",
            "group account no",
            "group account",
            "group no",
            "group code",
            "group",
            "group key",
            "id grupo",
            "codigo grupo",
            "no grupo",
            "grupo",
            "code groupe",
            "id groupe",
            "no groupe",
            "groupe",
            "groupement",
            "grupo id",
            "code gie",
        ],
    ),
    (
        "loan.group_name",
        &[
            "group name",
            "nombre grupo",
            "grupo nombre",
            "nom groupe",
            "nom groupement",
            "nome grupo",
            "groupe",
            "grupo",
            "group",
            "banco comunal",
            "nom gie",
        ],
    ),
    (
        "loan.currency",
        &[
            "currency",
            "currency code",
            "ccy",
            "moneda",
            "divisa",
            "monnaie",
            "devise",
            "moeda",
        ],
    ),
    (
        "loan.disburse_time",
        &[
            "disbursement date",
            "disbursed",
            "disbursed on",
            "disbursal date",
            "date disbursed",
            "disbursement",
            "disbursal",
            "disb date",
            "fecha desembolso",
            "desembolso",
            "fecha desembolsado",
            "date decaissement",
            "decaissement",
            "date deblocage",
            "deblocage",
            "data desembolso",
            "data liberacao",
        ],
    ),
    (
        "loan.loanuse",
        &[
            "loan purpose",
            "purpose",
            "loan use",
            "use",
            "use funds",
            "destino",
            "destino prestamo",
            "destino credito",
            "proposito",
            "finalidad",
            "uso",
            "objet",
            "objet pret",
            "objet credit",
            "motif",
            "finalidade",
            "objetivo",
            "utilizacao",
            "uso emprestimo",
            "motivo",
        ],
    ),
    (
        "loan.description",
        &[
            "description",
            "story",
            "loan description",
            "borrower story",
            "descripcion",
            "historia",
            "histoire",
            "descricao",
            "description pret",
        ],
    ),
    (
        "loan.location",
        &[
            "location",
            "city",
            "town",
            "district",
            "village",
            "ubicacion",
            "ciudad",
            "localidad",
            "distrito",
            "lieu",
            "ville",
            "localite",
            "localizacao",
            "cidade",
            "localidade",
        ],
    ),
    (
        "loan.image_url",
        &[
            "photo url",
            "image url",
            "picture url",
            "photo link",
            "url foto",
            "url photo",
            "url imagem",
            "url imagen",
            "foto url",
        ],
    ),
    (
        "loan.image_file",
        &[
            "photo",
            "photo file",
            "image",
            "image file",
            "picture",
            "foto",
            "imagen",
            "imagem",
            "fichier photo",
            "archivo foto",
            "arquivo foto",
        ],
    ),
    (
        "loan.client_waiver_signed",
        &[
            "waiver signed",
            "client waiver",
            "waiver",
            "consent",
            "consentimiento",
            "consentement",
            "consentimento",
        ],
    ),
    (
        "loan.activity_id",
        &[
            "activity",
            "activity id",
            "kiva activity",
            "actividad",
            "activite",
            "atividade",
            "sector",
        ],
    ),
    (
        "loan.theme_type_id",
        &["theme", "theme id", "theme type", "tema"],
    ),
    (
        "loan.description_language_id",
        &[
            "language",
            "description language",
            "idioma",
            "langue",
            "lingua",
        ],
    ),
    (
        "borrower.first_name",
        &[
            "first name",
            "first",
            "given",
            "given name",
            "given names",
            "first names",
            "forename",
            "nombre",
            "nombres",
            "primer nombre",
            "prenom",
            "prenoms",
            "primeiro nome",
            "nome proprio",
            "nomes",
        ],
    ),
    (
        "borrower.last_name",
        &[
            "last name",
            "last",
            "family",
            "surname",
            "family name",
            "last names",
            "apellido",
            "apellidos",
            "nom",
            "nom famille",
            "sobrenome",
            "apelido",
            "apelidos",
        ],
    ),
    (
        "borrower.name",
        &[
            "name",
            "client name",
            "borrower",
            "borrower name",
            "full name",
            "customer name",
            "member name",
            "client",
            "nombre completo",
            "nombre cliente",
            "cliente",
            "nombre socio",
            "beneficiario",
            "nom complet",
            "nom client",
            "beneficiaire",
            "prenom nom",
            "nom prenom",
            "nome",
            "nome cliente",
            "nome completo",
            "mutuario",
            "titular",
            "member",
            "miembro",
            "membre",
            "membro",
            "integrante",
        ],
    ),
    (
        "borrower.gender",
        &["gender", "sex", "sexo", "genero", "genre", "sexe"],
    ),
    (
        "borrower.client_id",
        &[
            "client id",
            "client no",
            "client code",
            "customer id",
            "customer no",
            "member id",
            "member no",
            "borrower id",
            "client",
            "id cliente",
            "codigo cliente",
            "no cliente",
            "cod cliente",
            "code client",
            "id client",
            "no client",
            "code membre",
            "matricule",
            "codigo socio",
            "id socio",
            "cliente",
        ],
    ),
    (
        "borrower.amount",
        &[
            "loan amount",
            "amount",
            "principal disbursed",
            "disbursed principal",
            "principal amount",
            "loan principal",
            "disbursed amount",
            "amount disbursed",
            "loan size",
            "monto",
            "monto prestamo",
            "monto desembolsado",
            "importe",
            "montant",
            "montant pret",
            "montant accorde",
            "montant decaisse",
            "valor",
            "valor emprestimo",
            "montante",
            "valor desembolsado",
            "valor credito",
            "monto credito",
        ],
    ),
    (
        "borrower.pictured",
        &[
            "pictured",
            "in picture",
            "photographed",
            "in photo",
            "en foto",
            "aparece foto",
            "fotografiado",
            "sur photo",
            "photographie",
            "na foto",
            "fotografado",
            "aparece na foto",
        ],
    ),
    (
        "borrower.not_pictured",
        &[
            "not pictured",
            "no pictured",
            "absent photo",
            "not in photo",
            "no aparece foto",
            "pas sur photo",
            "nao aparece foto",
            "absent",
        ],
    ),
    (
        "schedule.date",
        &[
            "due date",
            "date due",
            "installment date",
            "repayment date",
            "payment date",
            "date",
            "fecha vencimiento",
            "vencimiento",
            "fecha pago",
            "fecha cuota",
            "fecha",
            "date echeance",
            "echeance",
            "date remboursement",
            "data vencimento",
            "vencimento",
            "data pagamento",
            "data prestacao",
            "data",
        ],
    ),
    (
        "schedule.principal",
        &[
            "principal",
            "principal due",
            "capital",
            "capital due",
            "amortizacion",
            "amortization",
            "capital pagar",
            "amortissement",
            "capital du",
            "amortizacao",
            "principal amount",
        ],
    ),
    (
        "schedule.interest",
        &[
            "interest",
            "interest due",
            "interes",
            "intereses",
            "interets",
            "interet",
            "juros",
            "juro",
            "interest amount",
        ],
    ),
    (
        "installment",
        &[
            "installment",
            "installment no",
            "no installment",
            "inst no",
            "period",
            "no cuota",
            "cuota",
            "no periodo",
            "periodo",
            "no echeance",
            "echeance no",
            "echeance",
            "no prestacao",
            "prestacao",
            "parcela",
            "no parcela",
        ],
    ),
    (
        "terms.installments",
        &[
            "installments",
            "no installments",
            "term",
            "tenor",
            "duration",
            "cuotas",
            "no cuotas",
            "plazo",
            "echeances",
            "no echeances",
            "nombre echeances",
            "duree",
            "prestacoes",
            "no prestacoes",
            "parcelas",
            "no parcelas",
            "prazo",
        ],
    ),
    (
        "terms.frequency",
        &[
            "frequency",
            "repayment frequency",
            "payment frequency",
            "frecuencia",
            "periodicidad",
            "frecuencia pago",
            "frequence",
            "periodicite",
            "frequence remboursement",
            "frequencia",
            "periodicidade",
        ],
    ),
    (
        "terms.annual_rate",
        &[
            "rate",
            "interest rate",
            "annual rate",
            "annual interest rate",
            "tasa",
            "tasa interes",
            "tasa anual",
            "tea",
            "tna",
            "taux",
            "taux interet",
            "taux annuel",
            "taxa",
            "taxa juros",
            "taxa anual",
        ],
    ),
    (
        "terms.method",
        &[
            "method",
            "interest method",
            "amortization method",
            "repayment method",
            "metodo",
            "metodo amortizacion",
            "tipo cuota",
            "sistema amortizacion",
            "methode",
            "mode calcul",
            "type amortissement",
            "sistema amortizacao",
            "metodo amortizacao",
        ],
    ),
    (
        "terms.first_due",
        &[
            "first repayment",
            "first repayment date",
            "first due date",
            "first installment date",
            "first payment date",
            "first due",
            "primera cuota",
            "fecha primera cuota",
            "fecha primer pago",
            "premiere echeance",
            "date premiere echeance",
            "primeira prestacao",
            "data primeira prestacao",
            "primeiro vencimento",
        ],
    ),
    (
        "terms.grace",
        &[
            "grace",
            "grace period",
            "grace periods",
            "gracia",
            "periodo gracia",
            "meses gracia",
            "differe",
            "carence",
            "periode grace",
            "delai grace",
            "carencia",
            "periodo carencia",
        ],
    ),
    (
        "terms.day_count",
        &[
            "day count",
            "day count convention",
            "base calculo",
            "base calcul",
            "base dias",
        ],
    ),
];

/// A header folded into words, with a currency code it names (`Amount (UGX)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub words: Vec<String>,
    pub currency: Option<String>,
}

pub use crate::reference::fold;

/// Splits a header into folded words: articles dropped, "number" words as `no`, a
/// currency code written in capitals taken out.
pub fn words(header: &str) -> Words {
    let mut currency = None;
    let raw: Vec<&str> = header
        .split(|c: char| !c.is_alphanumeric() && c != 'º' && c != '°')
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for w in &raw {
        if raw.len() > 1
            && w.len() == 3
            && w.chars().all(|c| c.is_ascii_uppercase())
            && money::minor_units(w).is_some()
        {
            currency = Some((*w).to_string());
            continue;
        }
        let folded = fold(w);
        // "Nº" folds to "no"; "N°" too; a lone "#" never reaches here.
        let folded = if NUMBER_WORDS.contains(&folded.as_str()) {
            "no".to_string()
        } else {
            folded
        };
        if STOPWORDS.contains(&folded.as_str()) {
            continue;
        }
        out.push(folded);
    }
    if header.trim_start().starts_with('#') && out.first().is_none_or(|w| w != "no") {
        out.insert(0, "no".to_string());
    }
    Words {
        words: out,
        currency,
    }
}

/// A target a header may name, with how strongly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub target: &'static str,
    /// 100+ for the whole header, 50+ for a phrase inside it.
    pub score: u32,
    /// The phrase that matched, as written in the dictionary.
    pub phrase: &'static str,
}

impl Candidate {
    pub fn exact(&self) -> bool {
        self.score >= 100
    }
}

fn contains(haystack: &[String], needle: &[&str]) -> bool {
    needle.len() <= haystack.len()
        && haystack
            .windows(needle.len())
            .any(|w| w.iter().zip(needle).all(|(a, b)| a == b))
}

/// Every target whose phrase the header is or contains, best first.
pub fn candidates(header: &str) -> Vec<Candidate> {
    let header_words = words(header).words;
    if header_words.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Candidate> = Vec::new();
    for (target, phrases) in PHRASES {
        let mut best: Option<Candidate> = None;
        for phrase in *phrases {
            let p: Vec<&str> = phrase.split(' ').collect();
            #[allow(clippy::cast_possible_truncation)]
            let len = p.len() as u32;
            let score = if header_words
                .iter()
                .map(String::as_str)
                .eq(p.iter().copied())
            {
                100 + len
            } else if contains(&header_words, &p) {
                #[allow(clippy::cast_possible_truncation)]
                let extra = (header_words.len() - p.len()) as u32;
                (50 + 10 * len).saturating_sub(2 * extra).max(1)
            } else {
                continue;
            };
            if best.as_ref().is_none_or(|b| score > b.score) {
                best = Some(Candidate {
                    target,
                    score,
                    phrase,
                });
            }
        }
        out.extend(best);
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.target.cmp(b.target)));
    out
}

/// Whether a header names an amount of money (for column types).
pub fn is_money_header(header: &str) -> bool {
    let w = words(header);
    w.currency.is_some()
        || candidates(header).iter().any(|c| {
            matches!(
                c.target,
                "borrower.amount" | "schedule.principal" | "schedule.interest"
            )
        })
}

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

#[cfg(test)]
mod tests {
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
}

//! The multilingual header dictionary: which draft field a column probably holds.
//!
//! Exports name their columns in English, Spanish, French or Portuguese, with or
//! without accents, with `Nº`, `N°` or `No.` for "number". A header is folded
//! (lower case, accents and articles removed) into words and compared with the
//! phrases below; an exact match beats a phrase found inside a longer header. The
//! same module knows the values exports use for codes: genders (`F`/`M`, `H`/`M`,
//! `Femme`/`Homme`, `Mujer`/`Hombre`, `Feminino`/`Masculino`), repayment
//! frequencies and amortization methods, currencies named in a header (`Amount (UGX)`).

use std::collections::HashMap;

use crate::money;

mod phrases;
#[cfg(test)]
mod tests;
mod values;

#[allow(clippy::wildcard_imports)]
use phrases::*;
pub use values::*;

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

/// The dictionary's phrases by their first word, split into words once: a sheet of
/// 100,000 columns asks for the candidates of each header, and a header only needs the
/// phrases that start with one of its words. Each phrase keeps its place in [`PHRASES`]
/// (target, then phrase), which settles ties as reading the list in order would.
fn phrases_by_first_word() -> &'static HashMap<&'static str, Vec<Phrase>> {
    static INDEX: std::sync::LazyLock<HashMap<&str, Vec<Phrase>>> =
        std::sync::LazyLock::new(|| {
            let mut index: HashMap<&str, Vec<Phrase>> = HashMap::new();
            for (entry, (_, phrases)) in PHRASES.iter().enumerate() {
                for (order, phrase) in phrases.iter().enumerate() {
                    let words: Vec<&str> = phrase.split(' ').collect();
                    index.entry(words[0]).or_default().push(Phrase {
                        entry,
                        order,
                        words,
                    });
                }
            }
            index
        });
    &INDEX
}

/// A phrase of the dictionary, split into words.
struct Phrase {
    /// Its target's place in [`PHRASES`].
    entry: usize,
    /// Its place among the target's phrases.
    order: usize,
    words: Vec<&'static str>,
}

/// Every target whose phrase the header is or contains, best first.
pub fn candidates(header: &str) -> Vec<Candidate> {
    let header_words = words(header).words;
    if header_words.is_empty() {
        return Vec::new();
    }
    let index = phrases_by_first_word();
    // The best phrase of each target: (score, its order among the target's phrases).
    let mut best: HashMap<usize, (u32, usize)> = HashMap::new();
    let mut looked = Vec::new();
    for word in &header_words {
        if looked.contains(&word.as_str()) {
            continue;
        }
        looked.push(word.as_str());
        for p in index.get(word.as_str()).into_iter().flatten() {
            #[allow(clippy::cast_possible_truncation)]
            let len = p.words.len() as u32;
            let score = if header_words
                .iter()
                .map(String::as_str)
                .eq(p.words.iter().copied())
            {
                100 + len
            } else if contains(&header_words, &p.words) {
                #[allow(clippy::cast_possible_truncation)]
                let extra = (header_words.len() - p.words.len()) as u32;
                (50 + 10 * len).saturating_sub(2 * extra).max(1)
            } else {
                continue;
            };
            let better = |&(s, order): &(u32, usize)| score > s || (score == s && p.order < order);
            if best.get(&p.entry).is_none_or(better) {
                best.insert(p.entry, (score, p.order));
            }
        }
    }
    let mut out: Vec<Candidate> = best
        .into_iter()
        .map(|(entry, (score, order))| {
            let (target, phrases) = PHRASES[entry];
            Candidate {
                target,
                score,
                phrase: phrases[order],
            }
        })
        .collect();
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

//! Synthetic MIS exports for benchmarks, in the four shapes of the bundled samples.
//!
//! Each shape writes the columns, sheet names, title rows, number and date formats of
//! its sample (`samples/README.md`), so the bundled templates convert the files as they
//! are. The data are made up but shaped like a real portfolio: group loans of 3 to 6
//! members with their own amounts and schedules (per-borrower and flat), 12 to 24
//! installments, principal summing exactly to each amount in the currency's minor unit,
//! due dates after the disbursal, names with accents. Money is integer minor units; the
//! same `--seed` gives the same loans in CSV and in xlsx.
//!
//! CSV rows are streamed to disk, so millions of rows take little memory. Workbooks are
//! held by `rust_xlsxwriter` until saved (its constant-memory mode needs the crate's
//! `constant_memory` feature, which this package does not enable).
//!
//! ```text
//! cargo run --release --example synth -- --shape flat --loans 100000 --out /tmp/big.csv
//! cargo run --release --example synth -- --shape per-loan --loans 500 --out /tmp/loans.xlsx
//! ```
//!
//! per-loan and per-borrower CSV write two files: `<out>` and `<out-stem>-schedule.csv`.
//! What was written (files, loans, rows, bytes) goes to stderr.

use std::error::Error;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, Months, NaiveDate};
use clap::{Parser, ValueEnum};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Write a synthetic MIS export in the layout of one of the bundled samples.
#[derive(Debug, Parser)]
#[command(name = "synth")]
struct Args {
    /// The layout of `samples/<shape>/`, converted by `templates/<shape>.toml`.
    #[arg(long, value_enum)]
    shape: Shape,
    /// Output file (.csv or .xlsx). per-loan and per-borrower CSV also write
    /// `<stem>-schedule.csv` next to it.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// csv or xlsx (default: from the extension of --out).
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// Number of loans (drafts) to write.
    #[arg(long, default_value_t = 1000, conflicts_with = "rows")]
    loans: u64,
    /// Instead of --loans: write loans until the data rows of all files reach this.
    #[arg(long, value_name = "N")]
    rows: Option<u64>,
    /// The same seed gives the same loans.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of group loans in percent (per-borrower and flat; per-loan and wide
    /// exports hold individual loans only, as their samples do).
    #[arg(long, default_value_t = 25, value_name = "PERCENT",
          value_parser = clap::value_parser!(u64).range(0..=100))]
    group_percent: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Shape {
    PerLoan,
    PerBorrower,
    Flat,
    Wide,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutFormat {
    Csv,
    Xlsx,
}

// ---------------------------------------------------------------------------------
// Randomness: splitmix64, enough for test data and the same on every platform.
// ---------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2^-40 for our n).
    fn below(&mut self, n: u64) -> u64 {
        let wide = u128::from(self.next_u64()) * u128::from(n);
        u64::try_from(wide >> 64).expect("the high half of a u128 fits in a u64")
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let len = u64::try_from(items.len()).expect("slice length fits in u64");
        items[usize::try_from(self.below(len)).expect("index below a slice length")]
    }

    /// A multiple of `step` in `lo..=hi` (all in minor units).
    fn amount(&mut self, lo: i64, hi: i64, step: i64) -> i64 {
        let steps = u64::try_from((hi - lo) / step).expect("hi >= lo");
        lo + step * i64::try_from(self.below(steps + 1)).expect("small step count")
    }
}

// ---------------------------------------------------------------------------------
// Vocabulary per country: names (given names by gender), purposes with a Kiva activity.
// In full names the last word is the family name, as the templates split them.
// ---------------------------------------------------------------------------------

struct Vocab {
    given_f: &'static [&'static str],
    given_m: &'static [&'static str],
    family_f: &'static [&'static str],
    family_m: &'static [&'static str],
    /// (purpose, Kiva activity).
    purposes: &'static [(&'static str, &'static str)],
    groups: &'static [&'static str],
    group_suffixes: &'static [&'static str],
}

const LATAM_FAMILY: &[&str] = &[
    "Quispe",
    "Mamani",
    "Guamán",
    "Tacuri",
    "Chicaiza",
    "Yupanqui",
    "Condori",
    "Huamán",
    "Cárdenas",
    "Nuñez",
    "Ibáñez",
    "Peña",
    "Gutiérrez",
    "Pérez",
    "Rodríguez",
    "Gómez",
    "Suárez",
    "Chávez",
    "Vásquez",
    "Ramírez",
    "Jiménez",
    "Cáceres",
    "Apaza",
    "Choque",
    "Limachi",
    "Sánchez",
    "Ordóñez",
    "Muñoz",
    "Quishpe",
    "Tenesaca",
];

const LATAM: Vocab = Vocab {
    given_f: &[
        "Rosa",
        "María Fernanda",
        "Ana Lucía",
        "Carmen Rosa",
        "Lucía",
        "Sofía",
        "Verónica",
        "Inés",
        "Mónica",
        "Marisol",
        "Yolanda",
        "Nélida",
        "Zoila",
        "Ángela",
        "Gladys",
        "María José",
        "Rosa Ángela",
        "Dolores",
    ],
    given_m: &[
        "Juan Carlos",
        "José Luis",
        "Jesús",
        "Teófilo",
        "Andrés",
        "Martín",
        "Raúl",
        "Ramón",
        "Nicolás",
        "Ángel",
        "Héctor",
        "Óscar",
        "Efraín",
        "Wilfredo",
        "Germán",
        "Rubén",
        "Simón",
        "Hernán",
    ],
    family_f: LATAM_FAMILY,
    family_m: LATAM_FAMILY,
    purposes: &[
        (
            "To buy fabric, thread and zippers to expand the tailoring workshop.",
            "Tailoring",
        ),
        (
            "To purchase fertilizer and improved potato seed for the next planting season.",
            "Agriculture",
        ),
        (
            "To stock the grocery store with rice, sugar, cooking oil and canned goods.",
            "Grocery Store",
        ),
        (
            "To buy two heifers and build a small shelter to increase milk production.",
            "Cattle",
        ),
        (
            "To buy flour, eggs and baking trays for a home bakery.",
            "Food Production/Sales",
        ),
        (
            "To buy shoes and clothing wholesale to resell at the Sunday market.",
            "Retail",
        ),
        (
            "To buy guinea pigs and build new pens for breeding.",
            "Livestock",
        ),
        (
            "To buy a second-hand motorcycle taxi to carry passengers between villages.",
            "Motorcycle Transport",
        ),
        (
            "To buy hair dryers, dyes and shampoo for the beauty salon.",
            "Beauty Salon",
        ),
        (
            "To buy quinoa seed and organic fertilizer for two hectares.",
            "Farming",
        ),
        (
            "To buy wool, dyes and a loom to weave ponchos for tourists.",
            "Crafts",
        ),
        (
            "To buy piglets, feed and vaccines to raise and sell them.",
            "Pigs",
        ),
    ],
    groups: &[],
    group_suffixes: &[],
};

const UGANDA: Vocab = Vocab {
    given_f: &[
        "Sarah",
        "Grace",
        "Florence",
        "Aisha",
        "Mary Goretti",
        "Esther",
        "Rose",
        "Betty",
        "Agnes",
        "Harriet",
        "Prossy",
        "Juliet",
        "Immaculate",
        "Winnie",
        "Annet",
        "Josephine",
        "Scovia",
        "Brenda",
        "Lydia",
        "Dorcus",
    ],
    given_m: &[
        "Joseph", "Moses", "Peter", "Robert", "Ronald", "Geoffrey", "Isaac", "Emmanuel", "Godfrey",
        "Denis", "Charles", "Henry",
    ],
    family_f: &[
        "Namugga",
        "Nakato",
        "Nabirye",
        "Nansubuga",
        "Nakabugo",
        "Namatovu",
        "Nalwanga",
        "Nakimuli",
        "Nantongo",
        "Nabukenya",
        "Nakayiza",
        "Namukasa",
        "Nassali",
        "Nanyonga",
    ],
    family_m: &[
        "Ssemakula",
        "Okello",
        "Mukasa",
        "Kato",
        "Ssebunya",
        "Lubega",
        "Kizza",
        "Wasswa",
        "Opio",
        "Mugisha",
        "Tumusiime",
        "Byaruhanga",
    ],
    purposes: &[
        (
            "To buy more second-hand clothes to sell at Owino market",
            "Used Clothing",
        ),
        (
            "To buy matooke in bulk from Masaka for resale in Kampala",
            "Fruits & Vegetables",
        ),
        (
            "To buy charcoal and cooking pans for a roadside food stall",
            "Food Stall",
        ),
        ("To stock a retail shop with sugar, soap and salt", "Retail"),
        (
            "To buy tomatoes, onions and cabbages in bulk for a market stall",
            "Fruits & Vegetables",
        ),
        (
            "To buy a second-hand sewing machine and fabric for a tailoring business",
            "Tailoring",
        ),
        (
            "To buy spare parts and tools for a motorcycle repair workshop",
            "Motorcycle Repair",
        ),
        (
            "To buy fresh fish from Kasenyi landing site for resale",
            "Fish Selling",
        ),
        ("To buy improved maize seed and fertilizer", "Farming"),
        ("To buy coffee seedlings and manure", "Agriculture"),
        ("To buy piglets and feed", "Pigs"),
        ("To buy a cross-breed dairy cow", "Dairy"),
        (
            "To buy flour, sugar and a bigger oven for a bakery",
            "Bakery",
        ),
    ],
    groups: &[
        "Tusubira",
        "Kwagala",
        "Twekembe",
        "Tukolere Wamu",
        "Bakyala Kwefuga",
        "Munno Mukabi",
        "Agali Awamu",
        "Tweyambe",
        "Kisakye",
        "Twezimbe",
    ],
    group_suffixes: &[
        "Women Group",
        "Market Vendors",
        "Farmers Group",
        "Savings Group",
        "Youth Group",
        "Traders Association",
    ],
};

const SAHEL_FAMILY: &[&str] = &[
    "Diop",
    "Diallo",
    "Traoré",
    "Ndiaye",
    "Sow",
    "Fall",
    "Coulibaly",
    "Keïta",
    "Koné",
    "Diarra",
    "Sylla",
    "Cissé",
    "Touré",
    "Bâ",
    "Mbaye",
    "Guèye",
    "Sèye",
    "Faye",
    "Kanté",
    "Dembélé",
    "Sangaré",
    "Doumbia",
    "Ndour",
    "Thiam",
    "Samaké",
    "Tounkara",
];

const SAHEL: Vocab = Vocab {
    given_f: &[
        "Aminata",
        "Mariam",
        "Fatou",
        "Aïssatou",
        "Ndèye",
        "Kadiatou",
        "Awa",
        "Assétou",
        "Fatoumata",
        "Khadidiatou",
        "Binta",
        "Coumba",
        "Yacine",
        "Mame Diarra",
        "Sokhna",
        "Oumou",
        "Djénéba",
        "Salimata",
        "Maïmouna",
        "Néné",
        "Rokhaya",
    ],
    given_m: &[
        "Ousmane",
        "Boubacar",
        "Mamadou",
        "Seydou",
        "Adama",
        "Moussa",
        "Ibrahima",
        "Sékou",
        "Modibo",
        "Abdoulaye",
        "Chérif",
        "Cheikh Tidiane",
        "Lamine",
        "Souleymane",
        "Bakary",
        "Amadou",
    ],
    family_f: SAHEL_FAMILY,
    family_m: SAHEL_FAMILY,
    purposes: &[
        (
            "Achat de tissus wax pour la revente au marché Sandaga",
            "Clothing Sales",
        ),
        (
            "Achat d'aliments et de vaccins pour son élevage de moutons",
            "Livestock",
        ),
        (
            "Achat de beurre de karité et d'emballages pour sa savonnerie",
            "Cosmetics Sales",
        ),
        (
            "Achat de poisson fumé pour la revente au marché de Tilène",
            "Fish Selling",
        ),
        (
            "Achat d'oignons et de tomates pour la revente",
            "Fruits & Vegetables",
        ),
        (
            "Achat de tissus et de fils pour son atelier de couture",
            "Tailoring",
        ),
        ("Achat de mil et de sorgho pour la revente", "Cereals"),
        (
            "Achat de farine, sucre et huile pour la vente de beignets",
            "Food Production/Sales",
        ),
        (
            "Achat de beurre de karité pour la fabrication de savon",
            "Cosmetics Sales",
        ),
        ("Achat d'aliments pour son embouche ovine", "Livestock"),
        (
            "Achat de semences maraîchères et d'un motopompe pour son périmètre",
            "Farming",
        ),
        (
            "Achat de bissap, gingembre et bouteilles pour la vente de jus",
            "Food Production/Sales",
        ),
    ],
    groups: &[
        "GIE Jappo Liggéey",
        "Groupement Benkadi",
        "GIE Bokk Jom",
        "Groupement Yiriwa",
        "GIE Dimbalma",
        "Groupement Musow Ka Baara",
        "GIE And Suxali",
        "Groupement Sinignesigui",
        "GIE Takku Liggéey",
        "Groupement Jèkafo",
    ],
    group_suffixes: &[
        "de Pikine",
        "de Thiès",
        "de Kaolack",
        "de Rufisque",
        "de Ségou",
        "de Sikasso",
        "de Kayes",
        "de Bamako",
        "de Ziguinchor",
        "de Mbour",
    ],
};

const MOZ_FAMILY: &[&str] = &[
    "Macuácua",
    "Nhantumbo",
    "Sitoe",
    "Cossa",
    "Tembe",
    "Mondlane",
    "Machava",
    "Muianga",
    "Chissano",
    "Cumbe",
    "Mabunda",
    "Guambe",
    "Matsinhe",
    "Nhaca",
    "Zucula",
    "Langa",
    "Manhiça",
    "Chaúque",
    "Maússe",
    "Bila",
];

const MOZAMBIQUE: Vocab = Vocab {
    given_f: &[
        "Ana Maria",
        "Celeste",
        "Joaquina",
        "Graça",
        "Inês",
        "Conceição",
        "Amélia",
        "Lúcia",
        "Felizarda",
        "Ermelinda",
        "Albertina",
        "Luísa",
        "Glória",
        "Cândida",
        "Rosália",
        "Teresa",
    ],
    given_m: &[
        "Fernando",
        "Armando",
        "João",
        "Sebastião",
        "Zacarias",
        "Hélder",
        "Américo",
        "Tomás",
        "Benedito",
        "Alberto",
        "Cândido",
        "Inácio",
    ],
    family_f: MOZ_FAMILY,
    family_m: MOZ_FAMILY,
    purposes: &[
        (
            "Compra de capulanas e roupa para revenda no mercado de Xipamanine",
            "Clothing Sales",
        ),
        (
            "Compra de farinha, açúcar e óleo para a sua padaria caseira",
            "Bakery",
        ),
        (
            "Compra de redes e combustível para a pesca artesanal",
            "Fishing",
        ),
        (
            "Compra de sementes de hortícolas e regadores para a sua machamba",
            "Farming",
        ),
        (
            "Compra de recargas de telemóvel e acessórios para a sua banca",
            "Cellphones",
        ),
        (
            "Compra de frangos, ração e vacinas para o seu aviário",
            "Poultry",
        ),
        (
            "Compra de cimento e blocos para ampliar a sua loja",
            "General Store",
        ),
        (
            "Compra de caju em bruto para torrar e revender, em Nampula",
            "Food Production/Sales",
        ),
    ],
    groups: &[],
    group_suffixes: &[],
};

// ---------------------------------------------------------------------------------
// Loans
// ---------------------------------------------------------------------------------

struct Member {
    given: &'static str,
    family: &'static str,
    female: bool,
    client: String,
    /// The member's own loan number (per-borrower).
    loan_no: String,
    amount: i64,
    purpose: (&'static str, &'static str),
    pictured: bool,
    principal: Vec<i64>,
    interest: Vec<i64>,
}

impl Member {
    fn full_name(&self) -> String {
        format!("{} {}", self.given, self.family)
    }
}

struct Group {
    id: String,
    name: String,
}

struct Loan {
    key: String,
    group: Option<Group>,
    disbursed: NaiveDate,
    dues: Vec<NaiveDate>,
    members: Vec<Member>,
}

/// Equal principal truncated to the minor unit, the remainder in the last installment;
/// interest on the outstanding balance at `rate_bp` basis points per period, rounded
/// half up. Principal sums to `amount` exactly.
fn split(amount: i64, n: usize, rate_bp: i64) -> (Vec<i64>, Vec<i64>) {
    let base = amount / i64::try_from(n).expect("few installments");
    let mut balance = amount;
    let mut principal = Vec::with_capacity(n);
    let mut interest = Vec::with_capacity(n);
    for i in 0..n {
        let p = if i + 1 < n { base } else { balance };
        interest.push((balance * rate_bp + 5_000) / 10_000);
        principal.push(p);
        balance -= p;
    }
    debug_assert_eq!(balance, 0);
    debug_assert_eq!(principal.iter().sum::<i64>(), amount);
    (principal, interest)
}

/// Shape-specific facts: currency, amounts, rates, vocabulary.
struct Profile {
    vocab: &'static Vocab,
    /// Individual loan amount range and step, minor units.
    individual: (i64, i64, i64),
    /// Group member amount range and step, minor units.
    member: (i64, i64, i64),
    /// Odd cents added to some amounts (USD 850.50, MZN 12750.50), minor units.
    odd: &'static [i64],
    rate_individual_bp: i64,
    rate_group_bp: i64,
    /// Group loans repay every 14 days (Uganda), others monthly.
    group_biweekly: bool,
}

/// Minor units per unit of a 2-decimal currency.
const CENTS: i64 = 100;

fn profile(shape: Shape) -> Profile {
    match shape {
        Shape::PerLoan => Profile {
            vocab: &LATAM,
            // Cents: 300.00 to 5000.00 in steps of 25.00.
            individual: (300 * CENTS, 5_000 * CENTS, 25 * CENTS),
            member: (300 * CENTS, 5_000 * CENTS, 25 * CENTS),
            odd: &[25, 50, 75],
            rate_individual_bp: 250,
            rate_group_bp: 250,
            group_biweekly: false,
        },
        Shape::PerBorrower => Profile {
            vocab: &UGANDA,
            individual: (500_000, 5_000_000, 50_000),
            member: (300_000, 2_500_000, 50_000),
            odd: &[],
            rate_individual_bp: 300,
            rate_group_bp: 150,
            group_biweekly: true,
        },
        Shape::Flat => Profile {
            vocab: &SAHEL,
            individual: (150_000, 1_500_000, 25_000),
            member: (100_000, 500_000, 25_000),
            odd: &[],
            rate_individual_bp: 200,
            rate_group_bp: 200,
            group_biweekly: false,
        },
        Shape::Wide => Profile {
            vocab: &MOZAMBIQUE,
            individual: (5_000 * CENTS, 60_000 * CENTS, 250 * CENTS),
            member: (5_000 * CENTS, 60_000 * CENTS, 250 * CENTS),
            odd: &[50],
            rate_individual_bp: 350,
            rate_group_bp: 350,
            group_biweekly: false,
        },
    }
}

/// The most installments a loan gets (wide exports have this many column triples).
const MAX_INSTALLMENTS: usize = 24;

struct Generator {
    rng: Rng,
    shape: Shape,
    profile: Profile,
    next_loan: u64,
    next_client: u64,
    next_member_loan: u64,
    next_group: u64,
}

impl Generator {
    fn new(shape: Shape, seed: u64) -> Generator {
        Generator {
            rng: Rng(seed),
            shape,
            profile: profile(shape),
            next_loan: match shape {
                Shape::PerLoan | Shape::PerBorrower => 245,
                Shape::Flat => 431,
                Shape::Wide => 12_031,
            },
            next_client: match shape {
                Shape::PerLoan => 10_231,
                Shape::PerBorrower => 3_981,
                Shape::Flat => 872,
                Shape::Wide => 3_321,
            },
            next_member_loan: 558_812,
            next_group: 107,
        }
    }

    /// Terms are mostly 12 months; longer ones up to 24.
    fn installments(&mut self) -> usize {
        let n = match self.rng.below(100) {
            0..40 => 12,
            40..60 => 18,
            60..75 => 24,
            _ => self.rng.between(13, 23),
        };
        usize::try_from(n).expect("at most 24")
    }

    fn disbursal(&mut self) -> NaiveDate {
        // January to October 2026, as in the samples.
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a valid date");
        start + Days::new(self.rng.below(304))
    }

    fn dues(disbursed: NaiveDate, n: usize, biweekly: bool) -> Vec<NaiveDate> {
        (1..=n)
            .map(|k| {
                let k32 = u32::try_from(k).expect("few installments");
                if biweekly {
                    disbursed + Days::new(14 * u64::from(k32))
                } else {
                    // chrono clamps to the month's end: 31/01 + 1 month = 28/02.
                    disbursed + Months::new(k32)
                }
            })
            .collect()
    }

    fn id(counter: &mut u64, rng: &mut Rng, max_gap: u64) -> u64 {
        let id = *counter;
        *counter += rng.between(1, max_gap);
        id
    }

    fn member(&mut self, group: bool, n: usize) -> Member {
        let female = self.rng.percent(if group { 85 } else { 65 });
        let v = self.profile.vocab;
        let (given, family) = if female {
            (self.rng.pick(v.given_f), self.rng.pick(v.family_f))
        } else {
            (self.rng.pick(v.given_m), self.rng.pick(v.family_m))
        };
        let (lo, hi, step) = if group {
            self.profile.member
        } else {
            self.profile.individual
        };
        let mut amount = self.rng.amount(lo, hi, step);
        if !self.profile.odd.is_empty() && self.rng.percent(20) {
            amount += self.rng.pick(self.profile.odd);
        }
        let client_no = Self::id(&mut self.next_client, &mut self.rng, 9);
        let client = match self.shape {
            Shape::PerLoan => format!("C-{client_no}"),
            Shape::PerBorrower => format!("{client_no:06}"),
            Shape::Flat => format!("CL{client_no:05}"),
            Shape::Wide => format!("CLI-{client_no}"),
        };
        let rate = if group {
            self.profile.rate_group_bp
        } else {
            self.profile.rate_individual_bp
        };
        let (principal, interest) = split(amount, n, rate);
        Member {
            given,
            family,
            female,
            client,
            loan_no: String::new(),
            amount,
            purpose: self.rng.pick(v.purposes),
            pictured: true,
            principal,
            interest,
        }
    }

    fn loan(&mut self, group: bool) -> Loan {
        let n = self.installments();
        let disbursed = self.disbursal();
        let biweekly = group && self.profile.group_biweekly;
        let dues = Self::dues(disbursed, n, biweekly);
        let size = if group { self.rng.between(3, 6) } else { 1 };
        let mut members: Vec<Member> = (0..size).map(|_| self.member(group, n)).collect();
        let key = match self.shape {
            Shape::PerLoan | Shape::Flat => {
                format!("{:06}", Self::id(&mut self.next_loan, &mut self.rng, 3))
            }
            Shape::Wide => format!("{:07}", Self::id(&mut self.next_loan, &mut self.rng, 3)),
            // One series of loan numbers for members and individual borrowers.
            Shape::PerBorrower => format!(
                "L-{}",
                Self::id(&mut self.next_member_loan, &mut self.rng, 2)
            ),
        };
        let group = group.then(|| {
            let id = Self::id(&mut self.next_group, &mut self.rng, 4);
            let v = self.profile.vocab;
            Group {
                id: format!("G-{id:04}"),
                name: format!(
                    "{} {}",
                    self.rng.pick(v.groups),
                    self.rng.pick(v.group_suffixes)
                ),
            }
        });
        if self.shape == Shape::PerBorrower {
            if group.is_some() {
                for m in &mut members {
                    let no = Self::id(&mut self.next_member_loan, &mut self.rng, 2);
                    m.loan_no = format!("L-{no}");
                }
                // One photo of the group, with some of its members in it.
                let pictured = self.rng.below(u64::try_from(members.len()).expect("few"));
                for (i, m) in members.iter_mut().enumerate() {
                    m.pictured = i == 0 || u64::try_from(i).is_ok_and(|i| i == pictured);
                }
            } else {
                members[0].loan_no.clone_from(&key);
            }
        }
        Loan {
            key,
            group,
            disbursed,
            dues,
            members,
        }
    }
}

// ---------------------------------------------------------------------------------
// Output: typed cells, rendered as CSV text or as workbook cells.
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Cell<'a> {
    /// A missing workbook cell, an empty CSV field.
    Empty,
    /// Titles and headers: bold in workbooks.
    Bold(&'a str),
    /// Text (ids, names): a text cell (`@`) in workbooks.
    Text(&'a str),
    /// An amount in minor units with the currency's decimals.
    Money(i64, u8),
    /// A plain integer (installment numbers).
    Int(usize),
    Date(NaiveDate),
}

/// How a CSV file writes its values.
#[derive(Clone, Copy)]
struct TextStyle {
    delimiter: u8,
    crlf: bool,
    bom: bool,
    thousands: Option<char>,
    iso_dates: bool,
}

/// A sheet of a workbook, or a CSV file.
struct TableSpec {
    sheet: &'static str,
    path: PathBuf,
    text: TextStyle,
    /// Workbook date format.
    date_format: &'static str,
    /// Workbook: rows frozen at the top.
    freeze: u32,
}

struct CsvTable {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    style: TextStyle,
    buf: String,
    rows: u64,
}

struct Sheet {
    name: &'static str,
    next_row: u32,
    date: Format,
    rows: u64,
}

struct Formats {
    bold: Format,
    text: Format,
    num0: Format,
    num2: Format,
    merged: Format,
}

struct Xlsx {
    path: PathBuf,
    book: Workbook,
    sheets: Vec<Sheet>,
    formats: Formats,
}

enum Out {
    Csv(Vec<CsvTable>),
    Xlsx(Box<Xlsx>),
}

/// One written file or sheet, for the report on stderr.
struct Written {
    path: PathBuf,
    sheet: Option<&'static str>,
    rows: u64,
}

fn money_text(buf: &mut String, minor: i64, decimals: u8, thousands: Option<char>) {
    let unit = 10u64.pow(u32::from(decimals));
    let abs = minor.unsigned_abs();
    if minor < 0 {
        buf.push('-');
    }
    let digits = (abs / unit).to_string();
    match thousands {
        Some(sep) => {
            for (i, d) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    buf.push(sep);
                }
                buf.push(d);
            }
        }
        None => buf.push_str(&digits),
    }
    if decimals > 0 {
        let width = usize::from(decimals);
        let _ = write!(buf, ".{:0width$}", abs % unit);
    }
}

fn date_text(buf: &mut String, d: NaiveDate, iso: bool) {
    let _ = if iso {
        write!(buf, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
    } else {
        write!(buf, "{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
    };
}

/// An amount as a workbook number.
#[allow(clippy::cast_precision_loss)] // amounts stay far below 2^53: the conversion is exact
fn money_number(minor: i64, decimals: u8) -> f64 {
    // Both operands are exact and IEEE division rounds correctly, so this is the double
    // nearest to the decimal amount, as if typed into Excel.
    minor as f64 / 10f64.powi(i32::from(decimals))
}

/// A date as Excel's serial day number (1900 date system).
fn excel_serial(d: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("a valid date");
    f64::from(i32::try_from((d - epoch).num_days()).expect("a date near today"))
}

impl Out {
    fn create(format: OutFormat, tables: Vec<TableSpec>, author: &str) -> Result<Out> {
        match format {
            OutFormat::Csv => {
                let mut out = Vec::new();
                for t in tables {
                    let mut file = BufWriter::with_capacity(1 << 16, File::create(&t.path)?);
                    if t.text.bom {
                        file.write_all(b"\xEF\xBB\xBF")?;
                    }
                    let writer = csv::WriterBuilder::new()
                        .delimiter(t.text.delimiter)
                        .terminator(if t.text.crlf {
                            csv::Terminator::CRLF
                        } else {
                            csv::Terminator::Any(b'\n')
                        })
                        .from_writer(file);
                    out.push(CsvTable {
                        path: t.path,
                        writer,
                        style: t.text,
                        buf: String::new(),
                        rows: 0,
                    });
                }
                Ok(Out::Csv(out))
            }
            OutFormat::Xlsx => {
                let mut book = Workbook::new();
                let stamp = ExcelDateTime::parse_from_str("2026-11-02T08:14:00")?;
                book.set_properties(
                    &DocProperties::new()
                        .set_author(author)
                        .set_creation_datetime(&stamp),
                );
                let mut sheets = Vec::new();
                let path = tables[0].path.clone();
                for t in &tables {
                    let ws = book.add_worksheet();
                    ws.set_name(t.sheet)?;
                    if t.freeze > 0 {
                        ws.set_freeze_panes(t.freeze, 0)?;
                    }
                    sheets.push(Sheet {
                        name: t.sheet,
                        next_row: 0,
                        date: Format::new().set_num_format(t.date_format),
                        rows: 0,
                    });
                }
                Ok(Out::Xlsx(Box::new(Xlsx {
                    path,
                    book,
                    sheets,
                    formats: Formats {
                        bold: Format::new().set_bold(),
                        text: Format::new().set_num_format("@"),
                        num0: Format::new().set_num_format("#,##0"),
                        num2: Format::new().set_num_format("#,##0.00"),
                        merged: Format::new().set_bold().set_align(FormatAlign::Center),
                    },
                })))
            }
        }
    }

    fn csv_record(t: &mut CsvTable, cells: &[Cell<'_>]) -> Result<()> {
        for cell in cells {
            t.buf.clear();
            match *cell {
                Cell::Empty => {}
                Cell::Bold(s) | Cell::Text(s) => t.buf.push_str(s),
                Cell::Money(v, d) => money_text(&mut t.buf, v, d, t.style.thousands),
                Cell::Int(n) => {
                    let _ = write!(t.buf, "{n}");
                }
                Cell::Date(d) => date_text(&mut t.buf, d, t.style.iso_dates),
            }
            t.writer.write_field(t.buf.as_bytes())?;
        }
        t.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn xlsx_record(x: &mut Xlsx, table: usize, cells: &[Cell<'_>]) -> Result<()> {
        let Xlsx {
            book,
            sheets,
            formats: f,
            ..
        } = x;
        let sheet = &mut sheets[table];
        let row = sheet.next_row;
        if row >= 1_048_576 {
            return Err(format!(
                "sheet '{}' is full (Excel's limit is 1,048,576 rows): ask for fewer loans",
                sheet.name
            )
            .into());
        }
        sheet.next_row += 1;
        let ws = book.worksheet_from_index(table)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = u16::try_from(col)?;
            match *cell {
                Cell::Empty => {}
                Cell::Bold(s) => {
                    ws.write_string_with_format(row, col, s, &f.bold)?;
                }
                Cell::Text(s) => {
                    ws.write_string_with_format(row, col, s, &f.text)?;
                }
                Cell::Money(v, d) => {
                    let format = if d == 0 { &f.num0 } else { &f.num2 };
                    ws.write_number_with_format(row, col, money_number(v, d), format)?;
                }
                Cell::Int(n) => {
                    ws.write_number(row, col, f64::from(u32::try_from(n)?))?;
                }
                Cell::Date(d) => {
                    ws.write_number_with_format(row, col, excel_serial(d), &sheet.date)?;
                }
            }
        }
        Ok(())
    }

    /// A title row above the header: workbooks only (the CSV samples have none).
    fn title(&mut self, table: usize, cells: &[Cell<'_>]) -> Result<()> {
        match self {
            Out::Csv(_) => Ok(()),
            Out::Xlsx(x) => Self::xlsx_record(x, table, cells),
        }
    }

    /// A blank row: workbooks only.
    fn blank(&mut self, table: usize) {
        if let Out::Xlsx(x) = self {
            x.sheets[table].next_row += 1;
        }
    }

    /// A header or totals row (not counted as data).
    fn line(&mut self, table: usize, cells: &[Cell<'_>]) -> Result<()> {
        match self {
            Out::Csv(t) => Self::csv_record(&mut t[table], cells),
            Out::Xlsx(x) => Self::xlsx_record(x, table, cells),
        }
    }

    /// A data row.
    fn row(&mut self, table: usize, cells: &[Cell<'_>]) -> Result<()> {
        match self {
            Out::Csv(t) => {
                t[table].rows += 1;
                Self::csv_record(&mut t[table], cells)
            }
            Out::Xlsx(x) => {
                x.sheets[table].rows += 1;
                Self::xlsx_record(x, table, cells)
            }
        }
    }

    /// The upper row of a two-level header: `lead` empty cells, then each label over
    /// three columns (merged in workbooks; followed by two empty fields in CSV).
    fn upper_header(&mut self, table: usize, lead: usize, labels: &[String]) -> Result<()> {
        match self {
            Out::Csv(t) => {
                let mut cells = vec![Cell::Empty; lead];
                for label in labels {
                    cells.extend([Cell::Text(label), Cell::Empty, Cell::Empty]);
                }
                Self::csv_record(&mut t[table], &cells)
            }
            Out::Xlsx(x) => {
                let row = x.sheets[table].next_row;
                x.sheets[table].next_row += 1;
                let ws = x.book.worksheet_from_index(table)?;
                for (k, label) in labels.iter().enumerate() {
                    let first = u16::try_from(lead + 3 * k)?;
                    ws.merge_range(row, first, row, first + 2, label, &x.formats.merged)?;
                }
                Ok(())
            }
        }
    }

    /// Rows so far, all tables together.
    fn rows(&self) -> u64 {
        match self {
            Out::Csv(t) => t.iter().map(|t| t.rows).sum(),
            Out::Xlsx(x) => x.sheets.iter().map(|s| s.rows).sum(),
        }
    }

    fn finish(self) -> Result<Vec<Written>> {
        match self {
            Out::Csv(tables) => {
                let mut written = Vec::new();
                for t in tables {
                    let mut inner = t.writer.into_inner().map_err(|e| e.error().to_string())?;
                    inner.flush()?;
                    written.push(Written {
                        path: t.path,
                        sheet: None,
                        rows: t.rows,
                    });
                }
                Ok(written)
            }
            Out::Xlsx(mut x) => {
                x.book.save(&x.path)?;
                Ok(x.sheets
                    .iter()
                    .map(|s| Written {
                        path: x.path.clone(),
                        sheet: Some(s.name),
                        rows: s.rows,
                    })
                    .collect())
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// The four shapes
// ---------------------------------------------------------------------------------

/// When to stop, and what was written so far.
struct Budget {
    loans: Option<u64>,
    rows: Option<u64>,
    group_percent: u64,
    written: u64,
    individual: u64,
    group: u64,
    borrowers: u64,
}

impl Budget {
    fn more(&self, out: &Out) -> bool {
        match (self.loans, self.rows) {
            (_, Some(rows)) => out.rows() < rows,
            (Some(loans), None) => self.written < loans,
            (None, None) => false,
        }
    }

    /// Room for `n` more loans under --loans.
    fn room(&self, n: u64) -> bool {
        self.rows.is_some() || self.loans.is_some_and(|l| self.written + n <= l)
    }

    fn count(&mut self, loan: &Loan) {
        self.written += 1;
        if loan.group.is_some() {
            self.group += 1;
        } else {
            self.individual += 1;
        }
        self.borrowers += u64::try_from(loan.members.len()).expect("few members");
    }
}

fn bold_row(names: &'static [&'static str]) -> Vec<Cell<'static>> {
    names.iter().map(|n| Cell::Bold(n)).collect()
}

fn gender<'a>(female: bool, f: &'a str, m: &'a str) -> &'a str {
    if female { f } else { m }
}

fn per_loan(g: &mut Generator, out: &mut Out, budget: &mut Budget) -> Result<()> {
    const LOANS: &[&str] = &[
        "Loan Account No",
        "Client ID",
        "Client Name",
        "Gender",
        "Loan Amount",
        "Currency",
        "Disbursement Date",
        "Loan Purpose",
        "Activity",
    ];
    const SCHEDULE: &[&str] = &[
        "Loan Account No",
        "Installment",
        "Due Date",
        "Principal Due",
        "Interest Due",
    ];
    out.title(0, &[Cell::Bold("Active loans - Kiva portfolio")])?;
    out.title(0, &[Cell::Text("Exported 2026-11-02 08:14 by Fineract")])?;
    out.blank(0);
    out.line(0, &bold_row(LOANS))?;
    out.line(1, &bold_row(SCHEDULE))?;
    let mut total = 0;
    while budget.more(out) {
        let loan = g.loan(false);
        budget.count(&loan);
        let m = &loan.members[0];
        total += m.amount;
        let name = m.full_name();
        out.row(
            0,
            &[
                Cell::Text(&loan.key),
                Cell::Text(&m.client),
                Cell::Text(&name),
                Cell::Text(gender(m.female, "F", "M")),
                Cell::Money(m.amount, 2),
                Cell::Text("USD"),
                Cell::Date(loan.disbursed),
                Cell::Text(m.purpose.0),
                Cell::Text(m.purpose.1),
            ],
        )?;
        for (i, due) in loan.dues.iter().enumerate() {
            out.row(
                1,
                &[
                    Cell::Text(&loan.key),
                    Cell::Int(i + 1),
                    Cell::Date(*due),
                    Cell::Money(m.principal[i], 2),
                    Cell::Money(m.interest[i], 2),
                ],
            )?;
        }
    }
    // The workbook has a totals row; loans.csv has none.
    if let Out::Xlsx(_) = out {
        out.line(
            0,
            &[
                Cell::Bold("Total"),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Money(total, 2),
            ],
        )?;
    }
    Ok(())
}

fn per_borrower(g: &mut Generator, out: &mut Out, budget: &mut Budget) -> Result<()> {
    const BORROWERS: &[&str] = &[
        "Group ID",
        "Group Name",
        "Client No",
        "Loan No",
        "Name",
        "Sex",
        "Amount (UGX)",
        "Disbursed",
        "Purpose",
        "Pictured",
    ];
    const SCHEDULE: &[&str] = &["Loan No", "Due Date", "Principal", "Interest"];
    out.title(0, &[Cell::Bold("Group lending - loans to publish")])?;
    out.blank(0);
    out.line(0, &bold_row(BORROWERS))?;
    out.line(1, &bold_row(SCHEDULE))?;
    while budget.more(out) {
        let group = budget.room(1) && g.rng.percent(budget.group_percent);
        let loan = g.loan(group);
        budget.count(&loan);
        // Now and then an individual borrower's row sits among a group's rows, as in
        // the sample (exports sorted by client, not by group).
        let mut order: Vec<(&Loan, usize)> = (0..loan.members.len()).map(|i| (&loan, i)).collect();
        let stray = if group && budget.room(1) && g.rng.percent(10) {
            Some(g.loan(false))
        } else {
            None
        };
        if let Some(s) = &stray {
            budget.count(s);
            order.insert(1 + usize::from(g.rng.percent(50)), (s, 0));
        }
        for (l, i) in &order {
            let m = &l.members[*i];
            let name = m.full_name();
            let (id, group_name) = match &l.group {
                Some(gr) => (Cell::Text(&gr.id), Cell::Text(&gr.name)),
                None => (Cell::Empty, Cell::Empty),
            };
            out.row(
                0,
                &[
                    id,
                    group_name,
                    Cell::Text(&m.client),
                    Cell::Text(&m.loan_no),
                    Cell::Text(&name),
                    Cell::Text(gender(m.female, "F", "M")),
                    Cell::Money(m.amount, 0),
                    Cell::Date(l.disbursed),
                    Cell::Text(m.purpose.0),
                    Cell::Text(if m.pictured { "Yes" } else { "No" }),
                ],
            )?;
        }
        for (l, i) in &order {
            let m = &l.members[*i];
            for (k, due) in l.dues.iter().enumerate() {
                out.row(
                    1,
                    &[
                        Cell::Text(&m.loan_no),
                        Cell::Date(*due),
                        Cell::Money(m.principal[k], 0),
                        Cell::Money(m.interest[k], 0),
                    ],
                )?;
            }
        }
    }
    Ok(())
}

fn flat(g: &mut Generator, out: &mut Out, budget: &mut Budget) -> Result<()> {
    const HEADER: &[&str] = &[
        "N° Prêt",
        "Nom du groupe",
        "Code client",
        "Prénom",
        "Nom",
        "Genre",
        "Montant",
        "Date de décaissement",
        "Objet du prêt",
        "N° échéance",
        "Date d'échéance",
        "Capital",
        "Intérêts",
    ];
    out.title(0, &[Cell::Bold("Portefeuille à publier sur Kiva")])?;
    out.blank(0);
    out.line(0, &bold_row(HEADER))?;
    let (mut capital, mut interest) = (0, 0);
    while budget.more(out) {
        let group = g.rng.percent(budget.group_percent);
        let loan = g.loan(group);
        budget.count(&loan);
        let group = match &loan.group {
            Some(gr) => Cell::Text(&gr.name),
            None => Cell::Empty,
        };
        for m in &loan.members {
            for (k, due) in loan.dues.iter().enumerate() {
                capital += m.principal[k];
                interest += m.interest[k];
                out.row(
                    0,
                    &[
                        Cell::Text(&loan.key),
                        group,
                        Cell::Text(&m.client),
                        Cell::Text(m.given),
                        Cell::Text(m.family),
                        Cell::Text(gender(m.female, "Femme", "Homme")),
                        Cell::Money(m.amount, 0),
                        Cell::Date(loan.disbursed),
                        Cell::Text(m.purpose.0),
                        Cell::Int(k + 1),
                        Cell::Date(*due),
                        Cell::Money(m.principal[k], 0),
                        Cell::Money(m.interest[k], 0),
                    ],
                )?;
            }
        }
    }
    let mut totals = vec![Cell::Bold("Total")];
    totals.extend([Cell::Empty; 10]);
    totals.extend([Cell::Money(capital, 0), Cell::Money(interest, 0)]);
    out.line(0, &totals)
}

fn wide(g: &mut Generator, out: &mut Out, budget: &mut Budget) -> Result<()> {
    const LOAN_COLUMNS: &[&str] = &[
        "Nº Empréstimo",
        "Código do cliente",
        "Nome do cliente",
        "Sexo",
        "Valor do empréstimo",
        "Data de desembolso",
        "Finalidade",
    ];
    out.title(0, &[Cell::Bold("Carteira de empréstimos - Kiva")])?;
    out.blank(0);
    let labels: Vec<String> = (1..=MAX_INSTALLMENTS)
        .map(|k| format!("Prestação {k}"))
        .collect();
    out.upper_header(0, LOAN_COLUMNS.len(), &labels)?;
    let mut lower = bold_row(LOAN_COLUMNS);
    for _ in 0..MAX_INSTALLMENTS {
        lower.extend([
            Cell::Bold("Data"),
            Cell::Bold("Capital"),
            Cell::Bold("Juros"),
        ]);
    }
    out.line(0, &lower)?;
    let mut total = 0;
    let mut capital = [0i64; MAX_INSTALLMENTS];
    let mut interest = [0i64; MAX_INSTALLMENTS];
    while budget.more(out) {
        let loan = g.loan(false);
        budget.count(&loan);
        let m = &loan.members[0];
        total += m.amount;
        let name = m.full_name();
        let mut cells = Vec::with_capacity(LOAN_COLUMNS.len() + 3 * MAX_INSTALLMENTS);
        cells.extend([
            Cell::Text(&loan.key),
            Cell::Text(&m.client),
            Cell::Text(&name),
            Cell::Text(gender(m.female, "Feminino", "Masculino")),
            Cell::Money(m.amount, 2),
            Cell::Date(loan.disbursed),
            Cell::Text(m.purpose.0),
        ]);
        for k in 0..MAX_INSTALLMENTS {
            match loan.dues.get(k) {
                Some(due) => {
                    capital[k] += m.principal[k];
                    interest[k] += m.interest[k];
                    cells.extend([
                        Cell::Date(*due),
                        Cell::Money(m.principal[k], 2),
                        Cell::Money(m.interest[k], 2),
                    ]);
                }
                None => cells.extend([Cell::Empty; 3]),
            }
        }
        out.row(0, &cells)?;
    }
    let mut totals = vec![
        Cell::Bold("Total geral"),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Money(total, 2),
        Cell::Empty,
        Cell::Empty,
    ];
    for k in 0..MAX_INSTALLMENTS {
        totals.extend([
            Cell::Empty,
            Cell::Money(capital[k], 2),
            Cell::Money(interest[k], 2),
        ]);
    }
    out.line(0, &totals)
}

// ---------------------------------------------------------------------------------

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!("{stem}{suffix}"))
}

fn tables(shape: Shape, format: OutFormat, out: &Path) -> Vec<TableSpec> {
    let plain = TextStyle {
        delimiter: b',',
        crlf: false,
        bom: false,
        thousands: None,
        iso_dates: false,
    };
    let spec = |sheet, path: PathBuf, text, date_format, freeze| TableSpec {
        sheet,
        path,
        text,
        date_format,
        freeze,
    };
    let second = |name: &str| match format {
        OutFormat::Csv => sibling(out, name),
        OutFormat::Xlsx => out.to_path_buf(),
    };
    let dmy = "dd/mm/yyyy";
    match shape {
        Shape::PerLoan => vec![
            spec("Loans", out.to_path_buf(), plain, dmy, 0),
            spec("Schedule", second("-schedule.csv"), plain, dmy, 1),
        ],
        Shape::PerBorrower => {
            let ugx = TextStyle {
                thousands: Some(','),
                iso_dates: true,
                ..plain
            };
            vec![
                spec("Borrowers", out.to_path_buf(), ugx, "yyyy-mm-dd", 0),
                spec("Schedule", second("-schedule.csv"), ugx, "yyyy-mm-dd", 1),
            ]
        }
        Shape::Flat => {
            let xof = TextStyle {
                delimiter: b';',
                crlf: true,
                bom: true,
                thousands: Some(' '),
                iso_dates: false,
            };
            vec![spec("Échéancier", out.to_path_buf(), xof, dmy, 3)]
        }
        Shape::Wide => vec![spec("Carteira", out.to_path_buf(), plain, dmy, 0)],
    }
}

fn run(args: &Args) -> Result<()> {
    let format = match args.format {
        Some(f) => f,
        None => match args
            .out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("xlsx") => OutFormat::Xlsx,
            Some("csv" | "txt") => OutFormat::Csv,
            _ => return Err("--out: name a .csv or .xlsx file, or give --format".into()),
        },
    };
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let author = match args.shape {
        Shape::PerLoan => "Fineract",
        Shape::PerBorrower => "Loan Performer",
        Shape::Flat => "Mambu",
        Shape::Wide => "SIGEF",
    };
    let started = std::time::Instant::now();
    let mut out = Out::create(format, tables(args.shape, format, &args.out), author)?;
    let mut generator = Generator::new(args.shape, args.seed);
    let mut budget = Budget {
        loans: args.rows.is_none().then_some(args.loans),
        rows: args.rows,
        group_percent: match args.shape {
            Shape::PerBorrower | Shape::Flat => args.group_percent,
            Shape::PerLoan | Shape::Wide => 0,
        },
        written: 0,
        individual: 0,
        group: 0,
        borrowers: 0,
    };
    match args.shape {
        Shape::PerLoan => per_loan(&mut generator, &mut out, &mut budget)?,
        Shape::PerBorrower => per_borrower(&mut generator, &mut out, &mut budget)?,
        Shape::Flat => flat(&mut generator, &mut out, &mut budget)?,
        Shape::Wide => wide(&mut generator, &mut out, &mut budget)?,
    }
    let written = out.finish()?;
    let rows: u64 = written.iter().map(|w| w.rows).sum();
    let mut files: Vec<&Path> = written.iter().map(|w| w.path.as_path()).collect();
    files.dedup();
    let mut bytes = 0;
    for f in &files {
        bytes += std::fs::metadata(f)?.len();
    }
    let mut err = std::io::stderr().lock();
    for w in &written {
        let size = std::fs::metadata(&w.path)?.len();
        match w.sheet {
            Some(sheet) => writeln!(
                err,
                "synth: {}, sheet {sheet}: {} data rows",
                w.path.display(),
                w.rows
            )?,
            None => writeln!(
                err,
                "synth: {}: {} data rows, {size} bytes",
                w.path.display(),
                w.rows
            )?,
        }
    }
    writeln!(
        err,
        "synth: {} {}, seed {}: {} loans ({} individual, {} group), {} borrowers, {rows} data rows, {bytes} bytes in {} file{}, {:.2} s",
        name(&args.shape),
        name(&format),
        args.seed,
        budget.written,
        budget.individual,
        budget.group,
        budget.borrowers,
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

/// The command-line spelling of a value (`per-loan`, `xlsx`).
fn name(value: &impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("synth: error: {e}");
        std::process::exit(2);
    }
}

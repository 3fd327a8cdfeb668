//! Command-line arguments (clap derive), turned into commands before any I/O.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::amortize::Terms;
use crate::convert::{self, ConvertArgs};
use crate::schedule::{self, Format};
use crate::{Error, Outcome, exit};

/// Turn MIS exports (CSV, Excel, ODS) into Kiva loan drafts.
#[derive(Debug, Parser)]
#[command(name = "kiva-drafts", version, about, long_about = None, args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert exports into one `loan_draft` JSON file per loan, plus `summary.json`.
    Convert {
        /// Export files: CSV/TSV/TXT or workbooks (xlsx, xlsm, xlsb, xls, ods); a sheet
        /// may be named as `file.xlsx#Sheet` or `file.xlsx#2`. With a template that has
        /// `[schedule_input]`, the last file is the schedule.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<String>,
        /// The mapping template (TOML).
        #[arg(short, long, value_name = "TEMPLATE.toml")]
        template: PathBuf,
        /// Output folder for the drafts.
        #[arg(short, long, value_name = "DIR")]
        out: PathBuf,
        /// Write into a non-empty folder that kiva-drafts did not create.
        #[arg(long)]
        force: bool,
        /// Encoding of text inputs (utf-8, windows-1252, latin1, utf-16le, ...),
        /// overriding detection and the template.
        #[arg(long, value_name = "LABEL")]
        encoding: Option<String>,
        /// Delimiter of text inputs (one character or "tab"), overriding sniffing.
        #[arg(long, value_name = "CHAR")]
        delimiter: Option<String>,
        /// The header row of the loans input (1-based), overriding detection.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        header_row: Option<u64>,
        /// Print only errors.
        #[arg(short, long)]
        quiet: bool,
        /// Write a copy of the input rows with a Status column (OK, errors, warnings),
        /// coloured per row, to fix the export where it was made.
        #[arg(long, value_name = "FILE.xlsx")]
        annotate: Option<PathBuf>,
        #[command(flatten)]
        checks: CheckArgs,
        /// Upload the drafts to Kiva once written (see `upload`; drafts with errors are
        /// not sent).
        #[arg(long)]
        upload: bool,
        #[command(flatten, next_help_heading = "Upload (with --upload)")]
        upload_options: crate::kiva::upload::UploadOptions,
    },
    /// Check draft files (or folders of them) against Kiva's rules.
    Validate {
        /// Draft JSON files or folders of them (summary.json is skipped).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Print only the final counts.
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        checks: CheckArgs,
    },
    /// Kiva's reference data: fetch it (`pull`) or look through it (`show`).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write a blank input workbook (and its template) for partners without an export.
    Template {
        /// The workbook to write (its template goes beside it, as .toml).
        #[arg(long, value_name = "FILE.xlsx")]
        blank: PathBuf,
        /// One row per loan, or one row per borrower with group loans.
        #[arg(long, value_enum, default_value_t = crate::blank::BlankShape::PerBorrower)]
        shape: crate::blank::BlankShape,
        /// Kiva's lists for the dropdowns (default: the user's cache, when present).
        #[arg(long, value_name = "FILE")]
        config_cache: Option<PathBuf>,
    },
    /// Rebuild DIR/review.html, the review page, from the draft files.
    Review {
        /// The drafts folder.
        dir: PathBuf,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
        /// Largest accepted photo, in megabytes.
        #[arg(long, default_value_t = 10, value_name = "MB")]
        image_limit: u64,
        /// The date the disbursal-date checks use (default: today).
        #[arg(long, value_name = "DATE", hide = true)]
        today: Option<String>,
        /// Kiva's lists from `config pull` (default: the user's cache, when present).
        #[arg(long, value_name = "FILE")]
        config_cache: Option<PathBuf>,
    },
    /// Describe an unknown export and draft a template for it.
    Inspect(crate::inspect::InspectArgs),
    /// Preview a repayment schedule generated from loan terms.
    Schedule(ScheduleArgs),
    /// Upload a drafts folder to Kiva's Partner API (safe to rerun).
    Upload(crate::kiva::upload::UploadArgs),
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Fetch activities, themes, locations and locales into the cache file.
    Pull {
        #[command(flatten)]
        connection: crate::kiva::config::PullArgs,
        /// Where to write the cache (default: the user's cache directory).
        #[arg(long, value_name = "FILE")]
        config_cache: Option<PathBuf>,
    },
    /// Print a cached list.
    Show {
        #[arg(value_enum)]
        list: crate::reference::List,
        /// Only entries containing this text (case and accents ignored).
        #[arg(long)]
        search: Option<String>,
        /// The cache file (default: the user's cache directory).
        #[arg(long, value_name = "FILE")]
        config_cache: Option<PathBuf>,
    },
}

/// Validation and report options of `convert` and `validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Write the findings for machines: FILE.json or FILE.csv (repeatable).
    #[arg(long = "report", value_name = "FILE")]
    pub reports: Vec<PathBuf>,
    /// Treat warnings as failures (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Largest accepted photo, in megabytes.
    #[arg(long, default_value_t = 10, value_name = "MB")]
    pub image_limit: u64,
    /// The date the disbursal-date checks use (default: today). For reproducible runs.
    #[arg(long, value_name = "DATE", hide = true)]
    pub today: Option<String>,
    /// Kiva's lists from `config pull` (default: the user's cache, when present).
    #[arg(long, value_name = "FILE")]
    pub config_cache: Option<PathBuf>,
}

impl CheckArgs {
    /// Turns the options into settings, checking them.
    pub fn settings(&self) -> Result<crate::report::Settings, Error> {
        let mut options = crate::validate::Options {
            image_limit: self.image_limit.saturating_mul(1024 * 1024),
            ..crate::validate::Options::default()
        };
        if let Some(today) = &self.today {
            options.today = crate::dates::DateFormat::iso()
                .parse_date(today)
                .map_err(|e| Error::Usage(format!("--today: '{today}' {e}")))?;
        }
        options.cache = load_cache(self.config_cache.as_deref())?.map(std::sync::Arc::new);
        Ok(crate::report::Settings {
            reports: self.reports.clone(),
            strict: self.strict,
            options,
        })
    }
}

/// The config cache named, or the default one when it exists.
fn load_cache(path: Option<&std::path::Path>) -> Result<Option<crate::reference::Cache>, Error> {
    if let Some(p) = path {
        return crate::reference::Cache::load(p)
            .map(Some)
            .map_err(Error::Usage);
    }
    let default = crate::reference::default_path();
    if default.exists() {
        crate::reference::Cache::load(&default)
            .map(Some)
            .map_err(Error::Usage)
    } else {
        Ok(None)
    }
}

/// Loan terms for `schedule`, as an MIS loan product states them.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// Disbursed amount, in the currency's units (`1000`, `1500000`, `250.50`).
    #[arg(long)]
    pub amount: String,
    /// Nominal annual interest rate in percent (`24` for 24 %/year).
    #[arg(long, value_name = "PERCENT", allow_hyphen_values = true)]
    pub annual_rate: String,
    /// Number of installments.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub installments: i64,
    /// weekly, biweekly, every-N-days, semi-monthly, monthly, every-N-months, quarterly.
    #[arg(long)]
    pub frequency: String,
    /// declining-balance, declining-balance-equal-principal or flat.
    #[arg(long)]
    pub method: String,
    /// Disbursal date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub disbursed: String,
    /// First due date, YYYY-MM-DD (default: one period after disbursal).
    #[arg(long, value_name = "DATE")]
    pub first_due: Option<String>,
    /// ISO 4217 currency code: decides the rounding (UGX 0 decimals, USD 2, KWD 3).
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// Leading installments that pay interest only.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub grace: u32,
    /// periodic (annual rate / periods per year), actual/365 or 30/360.
    #[arg(long, default_value = "periodic")]
    pub day_count: String,
    /// Output: a table for people, the draft's JSON array, or CSV.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Parses arguments; on `--help`, `--version` or a usage error, prints and returns the
/// exit code.
pub fn parse<I, T>(args: I) -> Result<Command, i32>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match Cli::try_parse_from(args) {
        Ok(cli) => Ok(cli.command),
        Err(e) => {
            let code = if e.use_stderr() {
                exit::FAILURE
            } else {
                exit::SUCCESS
            };
            let _ = e.print();
            Err(code)
        }
    }
}

/// Runs a parsed command.
pub fn execute(command: &Command) -> Result<Outcome, Error> {
    match command {
        Command::Convert {
            inputs,
            template,
            out,
            force,
            encoding,
            delimiter,
            header_row,
            quiet,
            annotate,
            checks,
            upload,
            upload_options,
        } => {
            crate::read::set_quiet(*quiet);
            let args = ConvertArgs {
                inputs: inputs.clone(),
                template: template.clone(),
                out: out.clone(),
                force: *force,
                encoding: encoding.clone(),
                delimiter: delimiter.clone(),
                header_row: header_row.and_then(|n| usize::try_from(n).ok()),
                quiet: *quiet,
                checks: checks.settings()?,
                annotate: annotate.clone(),
            };
            let converted = convert::run(&args)?;
            if !*upload {
                return Ok(converted);
            }
            let uploaded = crate::kiva::upload::upload_dir(out, upload_options, *quiet)?;
            Ok(
                if converted == Outcome::Success && uploaded == Outcome::Success {
                    Outcome::Success
                } else {
                    Outcome::SomeFailed
                },
            )
        }
        Command::Validate {
            paths,
            quiet,
            checks,
        } => crate::validate_cmd::run(paths, &checks.settings()?, *quiet),
        Command::Upload(args) => crate::kiva::upload::run(args),
        Command::Inspect(args) => crate::inspect::run(args),
        Command::Review {
            dir,
            quiet,
            image_limit,
            today,
            config_cache,
        } => {
            let checks = CheckArgs {
                reports: Vec::new(),
                strict: false,
                image_limit: *image_limit,
                today: today.clone(),
                config_cache: config_cache.clone(),
            };
            crate::review::run(dir, &checks.settings()?.options, *quiet)
        }
        Command::Config(ConfigCommand::Show {
            list,
            search,
            config_cache,
        }) => {
            let path = config_cache
                .clone()
                .unwrap_or_else(crate::reference::default_path);
            let cache = crate::reference::Cache::load(&path).map_err(|e| {
                Error::Usage(if path.exists() {
                    e
                } else {
                    format!("{e}: run `kiva-drafts config pull` first, or pass --config-cache FILE")
                })
            })?;
            for line in cache.show(*list, search.as_deref()) {
                println!("{line}");
            }
            let age = cache.age_days(chrono::Utc::now());
            if age > crate::reference::STALE_DAYS {
                eprintln!(
                    "kiva-drafts: warning: these lists were fetched {age} days ago; run `kiva-drafts config pull`"
                );
            }
            Ok(Outcome::Success)
        }
        Command::Config(ConfigCommand::Pull {
            connection,
            config_cache,
        }) => {
            let path = config_cache
                .clone()
                .unwrap_or_else(crate::reference::default_path);
            crate::kiva::config::pull(connection, &path)
        }
        Command::Template {
            blank,
            shape,
            config_cache,
        } => {
            let cache = load_cache(config_cache.as_deref())?;
            let template =
                crate::blank::write(blank, *shape, cache.as_ref()).map_err(Error::Usage)?;
            println!("wrote {} and {}", blank.display(), template.display());
            if cache.is_none() {
                println!(
                    "(no Kiva lists: activity, theme and language columns left out; run `kiva-drafts config pull` for dropdowns)"
                );
            }
            Ok(Outcome::Success)
        }
        Command::Schedule(args) => {
            let terms = terms(args)?;
            let text =
                schedule::run(&terms, args.format).map_err(|e| Error::Usage(e.to_string()))?;
            print!("{text}");
            Ok(Outcome::Success)
        }
    }
}

/// Checks `schedule` arguments and turns them into terms.
fn terms(args: &ScheduleArgs) -> Result<Terms, Error> {
    let decimal = |name: &str, text: &str| {
        rust_decimal::Decimal::from_str_exact(text.trim())
            .map_err(|_| Error::Usage(format!("--{name}: '{text}' is not a number")))
    };
    let date = |name: &str, text: &str| {
        crate::dates::DateFormat::iso()
            .parse_date(text)
            .map_err(|e| Error::Usage(format!("--{name}: '{text}' {e}")))
    };
    let currency = args.currency.trim().to_uppercase();
    let minor_units = crate::money::minor_units(&currency).ok_or_else(|| {
        Error::Usage(format!(
            "--currency: '{}' is not an ISO 4217 currency code",
            args.currency
        ))
    })?;
    let installments = u32::try_from(args.installments).map_err(|_| {
        Error::Usage(format!(
            "installments must be at least 1 (got {})",
            args.installments
        ))
    })?;
    let usage = |e: crate::amortize::TermsError| Error::Usage(e.to_string());
    Ok(Terms {
        amount: decimal("amount", &args.amount)?,
        annual_rate_percent: decimal("annual-rate", &args.annual_rate)?,
        installments,
        frequency: args.frequency.parse().map_err(usage)?,
        method: args.method.parse().map_err(usage)?,
        disbursed: date("disbursed", &args.disbursed)?,
        first_due: args
            .first_due
            .as_deref()
            .map(|d| date("first-due", d))
            .transpose()?,
        grace: args.grace,
        day_count: args.day_count.parse().map_err(usage)?,
        minor_units,
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}

//! Command-line arguments (clap derive), turned into commands before any I/O.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::convert::{self, ConvertArgs};
use crate::{Error, Outcome, exit};

/// Turn MIS exports (CSV, Excel, ODS) into Kiva loan drafts.
#[derive(Debug, Parser)]
#[command(name = "kiva-drafts", version, about, long_about = None)]
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
    },
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
        } => {
            let args = ConvertArgs {
                inputs: inputs.clone(),
                template: template.clone(),
                out: out.clone(),
                force: *force,
                encoding: encoding.clone(),
                delimiter: delimiter.clone(),
                header_row: header_row.and_then(|n| usize::try_from(n).ok()),
                quiet: *quiet,
            };
            convert::run(&args)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}

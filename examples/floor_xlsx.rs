//! The floor for `convert` on a workbook: calamine alone.
//!
//! Opens the workbook, reads each sheet with `worksheet_range` (all sheets, or the ones
//! named) and touches every cell, the least any converter built on calamine must do.
//! `convert` reads the same sheets, then maps, groups, validates and writes drafts.
//!
//! ```text
//! cargo run --release --example floor_xlsx -- big.xlsx [--sheet Échéancier] [--repeat 3]
//! ```
//!
//! Prints `key=value` lines on stdout (seconds are the median of the repeats).

use std::error::Error;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use calamine::{Data, Reader, open_workbook_auto};
use clap::Parser;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Time reading a workbook with calamine alone, touching every cell.
#[derive(Debug, Parser)]
#[command(name = "floor_xlsx")]
struct Args {
    /// The workbook (xlsx, xls, ods, ...).
    #[arg(value_name = "FILE")]
    workbook: PathBuf,
    /// Sheets to read (repeatable; default: every sheet).
    #[arg(long)]
    sheet: Vec<String>,
    /// Repeats; the median is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

#[derive(Debug, Default, Clone, Copy)]
struct Touched {
    rows: u64,
    cells: u64,
    non_empty: u64,
    text_bytes: u64,
    checksum: u64,
}

fn touch(cell: &Data, t: &mut Touched) {
    t.cells += 1;
    let bits = match cell {
        Data::Empty => return,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            t.text_bytes += s.len() as u64;
            s.len() as u64
        }
        Data::Float(f) => f.to_bits(),
        Data::Int(i) => i.unsigned_abs(),
        Data::Bool(b) => u64::from(*b),
        Data::DateTime(d) => d.as_f64().to_bits(),
        Data::Error(_) => 1,
    };
    t.non_empty += 1;
    t.checksum = t.checksum.rotate_left(5) ^ bits;
}

fn read(path: &Path, sheets: &[String]) -> Result<Touched> {
    let mut workbook = open_workbook_auto(path)?;
    let names = if sheets.is_empty() {
        workbook.sheet_names()
    } else {
        sheets.to_vec()
    };
    let mut t = Touched::default();
    for name in &names {
        let range = workbook.worksheet_range(name)?;
        for row in range.rows() {
            t.rows += 1;
            for cell in row {
                touch(cell, &mut t);
            }
        }
    }
    Ok(std::hint::black_box(t))
}

fn run(args: &Args) -> Result<()> {
    let mut seconds = Vec::new();
    let mut touched = Touched::default();
    for _ in 0..args.repeat.max(1) {
        let started = Instant::now();
        touched = read(&args.workbook, &args.sheet)?;
        seconds.push(started.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    let mut out = std::io::stdout().lock();
    writeln!(out, "xlsx_file={}", args.workbook.display())?;
    writeln!(
        out,
        "xlsx_bytes={}",
        std::fs::metadata(&args.workbook)?.len()
    )?;
    writeln!(out, "xlsx_rows={}", touched.rows)?;
    writeln!(out, "xlsx_cells={}", touched.cells)?;
    writeln!(out, "xlsx_non_empty={}", touched.non_empty)?;
    writeln!(out, "xlsx_text_bytes={}", touched.text_bytes)?;
    writeln!(out, "xlsx_read_s={median:.4}")?;
    Ok(())
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("floor_xlsx: error: {e}");
        std::process::exit(2);
    }
}

//! The floor for `convert` on a CSV export: the least any converter must do.
//!
//! (a) Read the CSV with the csv crate alone, touching every field (byte count), and
//! (b) write the bytes of an existing drafts folder (every file `convert` wrote there,
//! read into memory first) to a fresh folder with plain writes. floor = a + b.
//! `convert` must also decode, map, group, validate and serialize, so its time divided
//! by this floor says how much of the work is overhead.
//!
//! ```text
//! cargo run --release --example floor_csv -- --csv big.csv --delimiter ';' \
//!     --drafts drafts/ --scratch /tmp/floor [--repeat 3] [--fsync]
//! ```
//!
//! Prints `key=value` lines on stdout (seconds are the median of the repeats). The
//! copies stay in `--scratch/floor-*` for the caller to remove.
//! `--fsync` also times writing the same files the way `convert` does: a temporary
//! file, `sync_all`, then a rename (reported as `write_atomic_fsync_s`).

use std::error::Error;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Time the floor of a CSV conversion: CSV read alone plus drafts written alone.
#[derive(Debug, Parser)]
#[command(name = "floor_csv")]
struct Args {
    /// The CSV export.
    #[arg(long, value_name = "FILE")]
    csv: PathBuf,
    /// Its delimiter (one character).
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// A drafts folder written by `convert` from that export.
    #[arg(long, value_name = "DIR")]
    drafts: PathBuf,
    /// Where to write the copies: a folder per repeat, left for the caller to remove
    /// (deleting right before timed writes slows them down on some filesystems).
    #[arg(long, value_name = "DIR")]
    scratch: PathBuf,
    /// Repeats; the median is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Also time atomic writes with fsync, as `convert` does.
    #[arg(long)]
    fsync: bool,
}

/// Reads every record, touching every field. Returns (records, fields, field bytes).
fn read_csv(path: &Path, delimiter: u8) -> Result<(u64, u64, u64)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_path(path)?;
    let mut record = csv::ByteRecord::new();
    let (mut records, mut fields, mut bytes) = (0u64, 0u64, 0u64);
    while reader.read_byte_record(&mut record)? {
        records += 1;
        for field in &record {
            fields += 1;
            bytes += u64::try_from(field.len())?;
        }
    }
    Ok(std::hint::black_box((records, fields, bytes)))
}

/// Every regular file of a folder, with its bytes.
fn load(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let name = entry.file_name().to_string_lossy().to_string();
            files.push((name, std::fs::read(entry.path())?));
        }
    }
    files.sort();
    Ok(files)
}

fn write_plain(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

fn write_atomic_fsync(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in files {
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))?;
    }
    Ok(())
}

fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

/// Times `f` `repeat` times; returns the median in seconds.
fn timed(repeat: usize, mut f: impl FnMut(usize) -> Result<()>) -> Result<f64> {
    let mut seconds = Vec::with_capacity(repeat);
    for i in 0..repeat {
        let started = Instant::now();
        f(i)?;
        seconds.push(started.elapsed().as_secs_f64());
    }
    Ok(median(seconds))
}

fn run(args: &Args) -> Result<()> {
    let delimiter = u8::try_from(args.delimiter)
        .map_err(|_| "--delimiter: give a single-byte (ASCII) character")?;
    let repeat = args.repeat.max(1);
    let csv_bytes = std::fs::metadata(&args.csv)?.len();
    let mut counts = (0, 0, 0);
    let read_s = timed(repeat, |_| {
        counts = read_csv(&args.csv, delimiter)?;
        Ok(())
    })?;
    let files = load(&args.drafts)?;
    let draft_bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let copy = |i: usize, kind: &str| args.scratch.join(format!("floor-{kind}-{i}"));
    let write_s = timed(repeat, |i| write_plain(&copy(i, "plain"), &files))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "csv_file={}", args.csv.display())?;
    writeln!(out, "csv_bytes={csv_bytes}")?;
    writeln!(out, "csv_records={}", counts.0)?;
    writeln!(out, "csv_fields={}", counts.1)?;
    writeln!(out, "csv_field_bytes={}", counts.2)?;
    writeln!(out, "csv_read_s={read_s:.4}")?;
    writeln!(out, "draft_files={}", files.len())?;
    writeln!(out, "draft_bytes={draft_bytes}")?;
    writeln!(out, "write_s={write_s:.4}")?;
    writeln!(out, "floor_s={:.4}", read_s + write_s)?;
    if args.fsync {
        let fsync_s = timed(1, |i| write_atomic_fsync(&copy(i, "fsync"), &files))?;
        writeln!(out, "write_atomic_fsync_s={fsync_s:.4}")?;
    }
    Ok(())
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("floor_csv: error: {e}");
        std::process::exit(2);
    }
}

//! Hostile inputs: a workbook cut short, zip bombs, an encrypted workbook, workbooks and
//! text under each other's names, empty files, a 50 MB cell, 100,000 columns, NUL bytes,
//! a million styled rows, formulas without saved values and error cells.
//!
//! Each test runs the real binary (`convert`, then `inspect`) and checks the exact
//! message, the exit code (2: the file cannot be read, nothing converted; 1: bad cells,
//! the rest converted) and the peak memory of the child process: its maximum resident
//! set as `wait4` reports it, against a bound stated in the test. Large inputs are built
//! here, in a temporary folder. `cargo test --test hostile_inputs -- --nocapture` prints
//! each run's peak memory and wall time.

mod common;

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::xls::{label, number, workbook_stream, xls_file, xls_file_mini};
use common::{arg, drafts, root, summary};

/// One run of the binary, measured.
struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident memory of the child, in MB.
    peak_mb: f64,
}

/// Where [`measure`] tells [`measured_child`] what to run and gets its results.
const MEASURE: &str = "KIVA_HOSTILE_MEASURE";

/// Runs `kiva-drafts` with `args` from the repository root and measures its peak memory.
///
/// A child's `ru_maxrss` counts the memory of the process that started it, at the time
/// (Linux carries the parent's high-water mark over the fork and the exec): this test
/// process holds the large inputs other tests are building. So the binary is started
/// by a small process, this test binary run again for [`measured_child`] alone, which
/// waits for it with `wait4` and writes what its rusage says.
fn measure(args: &[&str]) -> Measured {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("args"), args.join("\0")).unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["measured_child", "--exact", "--ignored", "--test-threads=1"])
        .env(MEASURE, dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(dir.path().join("harness")).unwrap())
        .status()
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    assert!(status.success(), "measuring failed: {}", read("harness"));
    let result = read("result");
    let [code, kilobytes, seconds] = result.split_whitespace().collect::<Vec<_>>()[..] else {
        panic!("no result: {result:?}");
    };
    let run = Measured {
        code: code.parse().unwrap(),
        stdout: read("stdout"),
        stderr: read("stderr"),
        peak_mb: kilobytes.parse::<f64>().unwrap() / 1024.0,
    };
    eprintln!(
        "{:<70} exit {}, peak {:.0} MB, {seconds} s",
        args[..2].join(" "),
        run.code,
        run.peak_mb,
    );
    run
}

/// Run by [`measure`] in a process of its own: starts the binary with the arguments it
/// was given, its output to files, waits for it with `wait4` and writes its exit code,
/// peak memory (kB) and wall time.
#[test]
#[ignore = "run by `measure`, in a process of its own"]
fn measured_child() {
    let Some(dir) = std::env::var_os(MEASURE).map(PathBuf::from) else {
        return;
    };
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    let started = Instant::now();
    // Reaped below by wait4, which `Child::wait` would not give the rusage of.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_kiva-drafts"))
        .args(args.split('\0'))
        .current_dir(root())
        .env_remove("KIVA_CLIENT_ID")
        .env_remove("KIVA_CLIENT_SECRET")
        .env("XDG_CACHE_HOME", root().join("target/no-cache-here"))
        .stdin(Stdio::null())
        .stdout(File::create(dir.join("stdout")).unwrap())
        .stderr(File::create(dir.join("stderr")).unwrap())
        .spawn()
        .expect("the binary runs");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status = 0;
    // SAFETY: rusage is plain data, for which all zeros is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: the pointers are to live locals; the child is ours and not yet reaped.
        let waited = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
        if waited == pid {
            break;
        }
        assert_eq!(
            std::io::Error::last_os_error().kind(),
            std::io::ErrorKind::Interrupted,
            "wait4 failed"
        );
    }
    let code = std::process::ExitStatus::from_raw(status)
        .code()
        .unwrap_or(-1);
    // ru_maxrss is in kilobytes on Linux.
    std::fs::write(
        dir.join("result"),
        format!(
            "{code} {} {:.2}",
            usage.ru_maxrss,
            started.elapsed().as_secs_f64()
        ),
    )
    .unwrap();
}

/// Asserts a run's exit code, exact stderr and peak memory.
fn check(run: &Measured, code: i32, stderr: &str, max_mb: f64) {
    assert_eq!(run.stderr, stderr, "stdout: {}", run.stdout);
    assert_eq!(run.code, code, "stderr: {}", run.stderr);
    assert!(
        run.peak_mb < max_mb,
        "peak memory {:.0} MB, over {max_mb} MB",
        run.peak_mb
    );
}

/// `convert` that cannot read its input: exit 2, the message, nothing written; then
/// `inspect` says the same.
fn refused(inputs: &[&Path], template: &str, message: &str, max_mb: f64) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args: Vec<String> = vec!["convert".into()];
    args.extend(inputs.iter().map(|p| arg(p)));
    args.extend([
        "-t".into(),
        template.into(),
        "-o".into(),
        arg(&out),
        "-q".into(),
    ]);
    let run = measure(&args.iter().map(String::as_str).collect::<Vec<_>>());
    check(&run, 2, &format!("kiva-drafts: error: {message}\n"), max_mb);
    assert_eq!(run.stdout, "");
    assert!(!out.exists(), "nothing is written");
    inspect_refused(inputs[0], message, max_mb);
}

fn inspect_refused(input: &Path, message: &str, max_mb: f64) {
    let run = measure(&["inspect", &arg(input)]);
    check(&run, 2, &format!("kiva-drafts: error: {message}\n"), max_mb);
}

/// `convert` with `args` after the command, into a new folder of `dir`; `-q`.
fn convert(dir: &Path, inputs: &[&Path], template: &str) -> (Measured, PathBuf) {
    let out = dir.join(format!("out-{}", std::fs::read_dir(dir).unwrap().count()));
    let mut args: Vec<String> = vec!["convert".into()];
    args.extend(inputs.iter().map(|p| arg(p)));
    args.extend([
        "-t".into(),
        template.into(),
        "-o".into(),
        arg(&out),
        "-q".into(),
    ]);
    let run = measure(&args.iter().map(String::as_str).collect::<Vec<_>>());
    (run, out)
}

const SAMPLE_XLSX: &str = "samples/per-loan/loans.xlsx";
const PER_LOAN: &str = "templates/per-loan.toml";
const SIMPLE: &str = "tests/fixtures/simple.toml";
/// A CSV for `SIMPLE`: three loans.
const GOOD_CSV: &str = "Loan,First,Last,Sex,Amount,Currency,Disbursed\nL1,Ana,Díaz,F,100.00,USD,15/01/2026\nL2,Bo,Ruiz,M,200.00,USD,01/02/2026\nL3,Cy,Paz,F,300,USD,01/02/2026\n";

/// The sample workbook's parts, in order, with `sheet1.xml` (the Loans sheet) given to
/// `edit`.
fn sample_parts(mut edit: impl FnMut(String) -> String) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(File::open(root().join(SAMPLE_XLSX)).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut part = archive.by_index(i).unwrap();
            let name = part.name().unwrap().to_string();
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                bytes = edit(String::from_utf8(bytes).unwrap()).into_bytes();
            }
            (name, bytes)
        })
        .collect()
}

/// The sample workbook with its Loans sheet edited, written by the zip crate.
fn edited_sample(to: &Path, edit: impl Fn(String) -> String) {
    let mut zip = zip::ZipWriter::new(File::create(to).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in sample_parts(edit) {
        zip.start_file(name, options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// Replaces `from` in a sheet's XML, which must hold it.
fn replaced(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "{from}");
    xml.replace(from, to)
}

// ---------------------------------------------------------------------------------------
// Zip bombs, written by hand: no compressor runs, so gigabytes take a few MB and a second.

/// CRC-32 (IEEE), bit by bit: for small parts.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A deflate stream written a few bits at a time.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    pending: u64,
    count: u32,
}

impl Bits {
    /// `bits` bits of `value`, least significant first (as deflate packs them).
    fn put(&mut self, value: u64, bits: u32) {
        self.pending |= value << self.count;
        self.count += bits;
        while self.count >= 8 {
            self.out.push(self.pending.to_le_bytes()[0]);
            self.pending >>= 8;
            self.count -= 8;
        }
    }

    /// A stored block (`data` as it is, up to 64 KiB).
    fn stored(&mut self, last: bool, data: &[u8]) {
        self.put(u64::from(last), 1);
        self.put(0, 2);
        if self.count > 0 {
            self.put(0, 8 - self.count);
        }
        let len = u16::try_from(data.len()).unwrap();
        self.out.extend(len.to_le_bytes());
        self.out.extend((!len).to_le_bytes());
        self.out.extend(data);
    }
}

/// A deflate stream of `head`, `unit` `copies` times and `tail`: stored blocks around
/// one block (fixed Huffman codes) of back-references, each "copy 258 bytes from 6
/// back" in 14 bits. `copies - 1` must be a multiple of 43 (258 = 43 * 6).
fn deflate_repeating(head: &[u8], unit: [u8; 6], copies: u64, tail: &[u8]) -> Vec<u8> {
    assert_eq!((copies - 1) % 43, 0);
    let mut bits = Bits::default();
    bits.stored(false, &[head, &unit].concat());
    bits.put(0, 1); // not the last block
    bits.put(1, 2); // fixed Huffman codes
    // Length 258 is symbol 285, code 11000101; distance 6 is symbol 4 (00100) with the
    // extra bit 1. Huffman codes go most significant bit first: reversed here.
    let reference = 0b1010_0011 | (0b00100 << 8) | (1 << 13);
    for _ in 0..(copies - 1) / 43 {
        bits.put(reference, 14);
    }
    bits.put(0, 7); // end of block
    bits.stored(true, tail);
    bits.out
}

/// A part of a hand-written zip: its name, method (0 stored, 8 deflated), bytes as
/// stored, CRC and declared unpacked size.
struct Part {
    name: String,
    method: u16,
    data: Vec<u8>,
    crc: u32,
    size: u32,
}

impl Part {
    fn stored(name: &str, data: Vec<u8>) -> Part {
        Part {
            name: name.to_string(),
            method: 0,
            crc: crc32(&data),
            size: u32::try_from(data.len()).unwrap(),
            data,
        }
    }
}

/// Writes a zip of `parts` (local headers, data, central directory, end record).
fn write_zip(path: &Path, parts: &[Part]) {
    let mut out = BufWriter::new(File::create(path).unwrap());
    let mut directory = Vec::new();
    let mut offset = 0u32;
    let date: u16 = ((2026 - 1980) << 9) | (1 << 5) | 1;
    for part in parts {
        let name = part.name.as_bytes();
        let packed = u32::try_from(part.data.len()).unwrap();
        let fields = |header: &mut Vec<u8>| {
            header.extend(part.method.to_le_bytes());
            header.extend(0u16.to_le_bytes()); // time
            header.extend(date.to_le_bytes());
            header.extend(part.crc.to_le_bytes());
            header.extend(packed.to_le_bytes());
            header.extend(part.size.to_le_bytes());
            header.extend(u16::try_from(name.len()).unwrap().to_le_bytes());
            header.extend(0u16.to_le_bytes()); // extra field
        };
        let mut local = b"PK\x03\x04\x14\x00\x00\x00".to_vec();
        fields(&mut local);
        local.extend(name);
        out.write_all(&local).unwrap();
        out.write_all(&part.data).unwrap();
        directory.extend(b"PK\x01\x02\x14\x00\x14\x00\x00\x00");
        fields(&mut directory);
        directory.extend([0; 10]); // comment, disk, internal and external attributes
        directory.extend(offset.to_le_bytes());
        directory.extend(name);
        offset += u32::try_from(local.len()).unwrap() + packed;
    }
    let count = u16::try_from(parts.len()).unwrap();
    out.write_all(&directory).unwrap();
    let mut end = b"PK\x05\x06\x00\x00\x00\x00".to_vec();
    end.extend(count.to_le_bytes());
    end.extend(count.to_le_bytes());
    end.extend(u32::try_from(directory.len()).unwrap().to_le_bytes());
    end.extend(offset.to_le_bytes());
    end.extend(0u16.to_le_bytes());
    out.write_all(&end).unwrap();
    out.flush().unwrap();
}

/// The sample workbook whose Loans sheet goes on with `<row/>` `copies` times, deflated
/// by hand; the sheet's declared size is its real one unless `declared` says otherwise.
/// Its CRC is left 0 when it is not worked out (over 64 MB): the file is refused, or
/// stops at its declared size, before anything checks it.
fn bomb(path: &Path, copies: u64, declared: Option<u32>) -> u64 {
    let mut sheet = String::new();
    let parts: Vec<Part> = sample_parts(|xml| {
        sheet.clone_from(&xml);
        xml
    })
    .into_iter()
    .map(|(name, bytes)| {
        if name != "xl/worksheets/sheet1.xml" {
            return Part::stored(&name, bytes);
        }
        let (head, tail) = sheet.split_at(sheet.find("</sheetData>").unwrap());
        let size = (head.len() + tail.len()) as u64 + 6 * copies;
        let crc = if size < 64 << 20 {
            let mut whole = head.as_bytes().to_vec();
            for _ in 0..copies {
                whole.extend(b"<row/>");
            }
            whole.extend(tail.as_bytes());
            crc32(&whole)
        } else {
            0
        };
        Part {
            name,
            method: 8,
            data: deflate_repeating(head.as_bytes(), *b"<row/>", copies, tail.as_bytes()),
            crc,
            size: declared.unwrap_or_else(|| u32::try_from(size).unwrap()),
        }
    })
    .collect();
    write_zip(path, &parts);
    parts
        .iter()
        .find(|p| p.method == 8)
        .map_or(0, |p| p.data.len() as u64)
}

#[test]
fn the_hand_made_bomb_unpacks_to_what_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small-bomb.xlsx");
    bomb(&path, 1 + 43 * 1000, None);
    let mut archive = zip::ZipArchive::new(File::open(&path).unwrap()).unwrap();
    let mut sheet = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert_eq!(sheet.matches("<row/>").count(), 1 + 43 * 1000);
    assert!(
        sheet.ends_with("</worksheet>"),
        "{}",
        &sheet[sheet.len() - 40..]
    );
    // It reads as a workbook: the empty rows change nothing.
    let (run, out) = convert(dir.path(), &[&path], PER_LOAN);
    check(&run, 0, "", 100.0);
    assert_eq!(drafts(&out).len(), 6);
}

#[test]
fn zip_bomb_over_the_part_limit_is_refused_unopened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.xlsx");
    // 3 GiB of `<row/>` in 23 MB.
    let copies = 1 + 43 * 12_484_000;
    let packed = bomb(&path, copies, None);
    assert!(packed < 25 << 20, "{packed}");
    refused(
        &[&path],
        PER_LOAN,
        &format!(
            "{}: part 'xl/worksheets/sheet1.xml' would unpack to 3072 MB, more than the 1024 MB this tool unpacks from one part: a damaged file or a zip bomb; if it is a genuine export, save it as CSV and convert that",
            path.display()
        ),
        60.0,
    );
}

#[test]
fn zip_bomb_under_the_part_limit_is_refused_by_its_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.xlsx");
    // 512 MiB of `<row/>` in 3.7 MB: 147 times smaller.
    let packed = bomb(&path, 1 + 43 * 2_080_000, None);
    assert!(packed < 4 << 20, "{packed}");
    refused(
        &[&path],
        PER_LOAN,
        &format!(
            "{}: part 'xl/worksheets/sheet1.xml' would unpack to 512 MB, from 3.5 MB packed, 147 times smaller, which no sheet compresses to (at most 100 times over 64 MB): a damaged file or a zip bomb; if it is a genuine export, save it as CSV and convert that",
            path.display()
        ),
        60.0,
    );
}

#[test]
fn zip_bomb_that_lies_about_its_size_stops_at_the_size_it_declares() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.xlsx");
    // Declares 1 MiB, unpacks to 512 MiB: the zip reader stops after the first MiB.
    bomb(&path, 1 + 43 * 2_080_000, Some(1 << 20));
    refused(
        &[&path],
        PER_LOAN,
        &format!(
            "{}: cannot read sheet 'Loans': Xml error: I/O error: File is larger than its declared uncompressed size",
            path.display()
        ),
        60.0,
    );
}

// ---------------------------------------------------------------------------------------

/// An xlsb on which calamine panics (`no entry found for key` in its xlsb reader; found
/// by fuzzing, `fuzz/regressions/workbook/xlsb-calamine-panic-xlsb-312-caught`): one line
/// that names the file and what the reader said, exit 2, and no panic message of Rust's.
#[test]
fn xlsb_the_workbook_reader_panics_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.xlsb");
    let finding = root().join("fuzz/regressions/workbook/xlsb-calamine-panic-xlsb-312-caught");
    // The harness's first byte picks options; the file is the rest.
    std::fs::write(&path, &std::fs::read(finding).unwrap()[1..]).unwrap();
    refused(
        &[&path],
        PER_LOAN,
        &format!(
            "{}: not a readable workbook (the workbook reader failed on it: a damaged file? no entry found for key)",
            path.display()
        ),
        40.0,
    );
}

#[test]
fn truncated_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.xlsx");
    let bytes = std::fs::read(root().join(SAMPLE_XLSX)).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    refused(
        &[&path],
        PER_LOAN,
        &format!(
            "{}: the file is cut short or damaged (its zip directory is missing or broken): copy, download or export it again",
            path.display()
        ),
        40.0,
    );
}

#[test]
fn password_protected_xlsx() {
    // samples/per-loan/loans.xlsx encrypted by msoffcrypto-tool (password "kiva"): an
    // OLE file holding EncryptionInfo and EncryptedPackage streams.
    let path = Path::new("tests/fixtures/hostile/encrypted.xlsx");
    refused(
        &[path],
        PER_LOAN,
        "tests/fixtures/hostile/encrypted.xlsx: the file is password-protected (encrypted): save it without a password in Excel (File > Info > Protect Workbook) and convert again",
        40.0,
    );
}

/// Converts `renamed` (a copy of `original` under another name) and `original`: the
/// same drafts, and on stderr the warning about the name, first; nothing under `-q`.
fn reads_like_the_original(original: &str, renamed: &str, template: &str, warning: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(renamed);
    std::fs::copy(root().join(original), &path).unwrap();
    let (run, out) = convert(dir.path(), &[&path], template);
    check(&run, 0, "", 60.0);
    let warning = warning.replace("{path}", &arg(&path)).replace(
        "{renamed}",
        &arg(&path.with_extension(Path::new(original).extension().unwrap())),
    );
    let warning = format!("kiva-drafts: warning: {warning}\n");
    let loud = dir.path().join("loud");
    let run = measure(&["convert", &arg(&path), "-t", template, "-o", &arg(&loud)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.starts_with(&warning), "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning").count(), 1, "{}", run.stderr);
    let (expected, expected_out) = convert(dir.path(), &[&root().join(original)], template);
    assert_eq!(expected.code, 0, "{}", expected.stderr);
    assert_eq!(drafts(&out), drafts(&expected_out));
    assert_eq!(drafts(&loud), drafts(&expected_out));
    assert!(!drafts(&out).is_empty());
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, warning);
}

#[test]
fn xlsx_named_xls_is_read_as_xlsx() {
    reads_like_the_original(
        SAMPLE_XLSX,
        "loans.xls",
        PER_LOAN,
        "{path} is an xlsx workbook, not what its name says: read as xlsx (rename it to {renamed})",
    );
}

#[test]
fn xls_named_xlsx_is_read_as_xls() {
    reads_like_the_original(
        "samples/jlg/repayments.xls",
        "repayments.xlsx",
        "templates/jlg.toml",
        "{path} is an xls workbook, not what its name says: read as xls (rename it to {renamed})",
    );
}

#[test]
fn csv_named_xls_is_read_as_text() {
    reads_like_the_original(
        "tests/fixtures/hostile/three-loans.csv",
        "loans.xls",
        SIMPLE,
        "{path} is text, not a workbook: read as delimited text (rename it to {renamed})",
    );
}

#[test]
fn empty_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["empty.csv", "empty.xlsx"] {
        let path = dir.path().join(name);
        std::fs::write(&path, "").unwrap();
        refused(
            &[&path],
            SIMPLE,
            &format!("{}: the file is empty", path.display()),
            40.0,
        );
    }
}

#[test]
fn csv_with_a_50_mb_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big-cell.csv");
    let cell = format!("\"Ruiz{}\"", " x".repeat(25_000_000));
    std::fs::write(&path, GOOD_CSV.replace("Ruiz", &cell)).unwrap();
    let (run, out) = convert(dir.path(), &[&path], SIMPLE);
    check(
        &run,
        1,
        &format!(
            "kiva-drafts: error: loan 'L2': {}, row 3, column 'Last': 'Ruiz{}…' is 50000004 characters long, more than a spreadsheet cell holds (32767): is a quote (\") left open in the export?\n",
            path.display(),
            " x".repeat(28)
        ),
        // The record, its cell and the csv reader's buffer: 3 times 50 MB, and more.
        300.0,
    );
    assert_eq!(
        drafts(&out).keys().collect::<Vec<_>>(),
        ["L1.json", "L3.json"]
    );
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.peak_mb < 400.0, "{}", run.peak_mb);
}

#[test]
fn csv_with_a_quote_left_open_over_64_mb() {
    // A quote opened on line 3 and never closed: the rest of the file, 74 MB, would be
    // one field. Refused with the line, reading no more than the longest record allowed.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("open-quote.csv");
    let mut out = BufWriter::new(File::create(&path).unwrap());
    out.write_all(GOOD_CSV.replace("Ruiz", "\"Ruiz").as_bytes())
        .unwrap();
    for _ in 0..2_400_000 {
        out.write_all(b"L9,Ed,Mar,M,10,USD,01/02/2026\n").unwrap();
    }
    out.flush().unwrap();
    drop(out);
    refused(
        &[&path],
        SIMPLE,
        &format!(
            "{}: line 3: a record longer than 64 MB, which no export holds: is a quote (\") left open?",
            path.display()
        ),
        // The record (64 MB, in a buffer that grew by doubling) and a little more; inspect
        // reads the whole file first.
        400.0,
    );
}

/// A CSV for `SIMPLE` with `columns` columns: its own 7, then `C8`... with values.
fn wide_csv(path: &Path, columns: usize) {
    let mut text = String::new();
    for (i, line) in GOOD_CSV.lines().enumerate() {
        text.push_str(line);
        for c in 8..=columns {
            if i == 0 {
                text.push_str(&format!(",C{c}"));
            } else {
                text.push_str(&format!(",v{c}"));
            }
        }
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn csv_with_100_000_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    wide_csv(&path, 100_000);
    let (run, out) = convert(dir.path(), &[&path], SIMPLE);
    check(&run, 0, "", 120.0);
    assert_eq!(drafts(&out).len(), 3);
    // A missing column lists the first columns only.
    let template = dir.path().join("t.toml");
    std::fs::write(
        &template,
        std::fs::read_to_string(root().join(SIMPLE))
            .unwrap()
            .replace("loan = \"Loan\"", "loan = \"Loan No\""),
    )
    .unwrap();
    let (run, _) = convert(dir.path(), &[&path], &arg(&template));
    let columns: Vec<String> = [
        "Loan",
        "First",
        "Last",
        "Sex",
        "Amount",
        "Currency",
        "Disbursed",
    ]
    .iter()
    .map(|c| format!("'{c}'"))
    .chain((8..=30).map(|c| format!("'C{c}'")))
    .collect();
    check(
        &run,
        2,
        &format!(
            "kiva-drafts: error: template '{}': {}: [keys] loan: column 'Loan No' not found in header row 1 (columns: {}, ... (100000 columns))\n",
            template.display(),
            path.display(),
            columns.join(", ")
        ),
        120.0,
    );
    // inspect profiles every column: Excel's widest sheet (16,384 columns) here, the
    // 100,000 in `inspect_100_000_columns`.
    let path = dir.path().join("16384.csv");
    wide_csv(&path, 16_384);
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.peak_mb < 120.0, "{}", run.peak_mb);
}

#[test]
fn inspect_100_000_columns() {
    // About 3 s in a debug build (0.6 s in release): the header dictionary and the date
    // formats are prepared once, not for each column.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    wide_csv(&path, 100_000);
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.peak_mb < 200.0, "{}", run.peak_mb);
}

#[test]
fn csv_with_nul_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nul.csv");
    std::fs::write(&path, GOOD_CSV.replace("Ruiz", "Ru\0iz")).unwrap();
    refused(
        &[&path],
        SIMPLE,
        &format!(
            "{}: line 3: a NUL byte, which no text export holds: the file is damaged or is not text (export it again)",
            path.display()
        ),
        40.0,
    );
    // Binary data named .csv (here a PNG's start and noise).
    let path = dir.path().join("photo.csv");
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24).to_le_bytes()[0]));
    std::fs::write(&path, bytes).unwrap();
    refused(
        &[&path],
        SIMPLE,
        &format!(
            "{}: line 3: a NUL byte, which no text export holds: the file is damaged or is not text (export it again)",
            path.display()
        ),
        40.0,
    );
}

#[test]
fn a_million_styled_empty_rows_after_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("styled.xlsx");
    edited_sample(&path, |xml| {
        let mut rows = String::with_capacity(40_000_000);
        for r in 20..1_000_020 {
            rows.push_str(&format!("<row r=\"{r}\" s=\"2\" customFormat=\"1\"/>"));
        }
        replaced(&xml, "</sheetData>", &format!("{rows}</sheetData>"))
    });
    let (run, out) = convert(dir.path(), &[&path], PER_LOAN);
    check(&run, 0, "", 60.0);
    let (plain, plain_out) = convert(dir.path(), &[&root().join(SAMPLE_XLSX)], PER_LOAN);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    // Rows with formatting only are no rows: the counts are the sample's.
    assert_eq!(summary(&out)["rows"], summary(&plain_out)["rows"]);
    assert_eq!(drafts(&out), drafts(&plain_out));
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.peak_mb < 60.0, "{}", run.peak_mb);
}

#[test]
fn a_stray_cell_in_the_last_row_and_column() {
    // XFD1048576, Excel's last cell: calamine's dense range of the sheet would be 17
    // billion cells (inspect ran out of 19 GB); rows are read sparsely instead.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stray.xlsx");
    edited_sample(&path, |xml| {
        replaced(
            &xml,
            "</sheetData>",
            "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>",
        )
    });
    let (run, out) = convert(dir.path(), &[&path], PER_LOAN);
    check(&run, 0, "", 150.0);
    assert_eq!(drafts(&out).len(), 6);
    let s = summary(&out);
    assert_eq!(s["rows"]["blank"], 1_048_564);
    assert_eq!(
        s["ignored_rows"][1]["reason"],
        "no loan key (column 'Loan Account No' is empty)"
    );
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.peak_mb < 150.0, "{}", run.peak_mb);
    // Past the last column: no spreadsheet program wrote that.
    let path = dir.path().join("beyond.xlsx");
    edited_sample(&path, |xml| {
        replaced(
            &xml,
            "</sheetData>",
            "<row r=\"30\"><c r=\"XFE30\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>",
        )
    });
    refused(
        &[&path],
        PER_LOAN,
        &format!(
            "{}: cannot read sheet 'Loans': a cell at row 30, column 16385 is past Excel's last row (1048576) or column (16384): the file is damaged",
            path.display()
        ),
        40.0,
    );
}

#[test]
fn formulas_without_saved_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("formulas.xlsx");
    edited_sample(&path, |xml| {
        let xml = replaced(
            &xml,
            "<c r=\"E5\" s=\"3\" t=\"n\"><v>1200</v></c>",
            "<c r=\"E5\" s=\"3\"><f>1000+200</f></c>",
        );
        replaced(
            &xml,
            "<c r=\"E7\" s=\"3\" t=\"n\"><v>1500</v></c>",
            "<c r=\"E7\" s=\"3\"><f>E5+300</f></c>",
        )
    });
    let (run, out) = convert(dir.path(), &[&path], PER_LOAN);
    let at = format!("{}, sheet Loans", path.display());
    check(
        &run,
        1,
        &format!(
            "kiva-drafts: error: loan '000245': {at}, row 5, column 'Loan Amount': '=1000+200' is a formula without a saved value: open and save the file in Excel or LibreOffice so that values are stored\n\
             kiva-drafts: error: loan '000263': {at}, row 7, column 'Loan Amount': '=E5+300' is a formula without a saved value: open and save the file in Excel or LibreOffice so that values are stored\n"
        ),
        60.0,
    );
    assert_eq!(drafts(&out).len(), 4);
    assert_eq!(summary(&out)["loans_with_errors"], 2);
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn error_cells_in_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("errors.xlsx");
    edited_sample(&path, |xml| {
        let xml = replaced(
            &xml,
            "<c r=\"E5\" s=\"3\" t=\"n\"><v>1200</v></c>",
            "<c r=\"E5\" s=\"3\" t=\"e\"><f>VLOOKUP(A5,Rates!A:B,2,FALSE)</f><v>#N/A</v></c>",
        );
        replaced(
            &xml,
            "<c r=\"E7\" s=\"3\" t=\"n\"><v>1500</v></c>",
            "<c r=\"E7\" s=\"3\" t=\"e\"><v>#DIV/0!</v></c>",
        )
    });
    let (run, out) = convert(dir.path(), &[&path], PER_LOAN);
    let at = format!("{}, sheet Loans", path.display());
    check(
        &run,
        1,
        &format!(
            "kiva-drafts: error: loan '000245': {at}, row 5, column 'Loan Amount': '#N/A' is an error cell (the workbook's formula failed): fix it in the workbook\n\
             kiva-drafts: error: loan '000263': {at}, row 7, column 'Loan Amount': '#DIV/0!' is an error cell (the workbook's formula failed): fix it in the workbook\n"
        ),
        60.0,
    );
    assert_eq!(drafts(&out).len(), 4);
    let problems = &summary(&out)["errors"][0]["problems"][0];
    assert_eq!(problems["value"], "#N/A");
    assert_eq!(problems["column"], "Loan Amount");
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// The three loans of `GOOD_CSV` and 60 more, as cells of a sheet from A1.
fn loan_cells() -> Vec<Vec<u8>> {
    let mut cells = Vec::new();
    for (c, name) in [
        "Loan",
        "First",
        "Last",
        "Sex",
        "Amount",
        "Currency",
        "Disbursed",
    ]
    .iter()
    .enumerate()
    {
        cells.push(label(0, u16::try_from(c).unwrap(), name));
    }
    for r in 1..=63u16 {
        cells.push(label(r, 0, &format!("L{r}")));
        cells.push(label(r, 1, "Ana"));
        cells.push(label(r, 2, "Díaz"));
        cells.push(label(r, 3, if r % 2 == 0 { "M" } else { "F" }));
        cells.push(number(r, 4, 100.0 + f64::from(r)));
        cells.push(label(r, 5, "USD"));
        cells.push(label(r, 6, "15/01/2026"));
    }
    cells
}

#[test]
fn hand_made_xls_converts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loans.xls");
    xls_file(
        &path,
        workbook_stream("Loans", [0, 64, 0, 7], &loan_cells()),
    );
    let (run, out) = convert(dir.path(), &[&path], SIMPLE);
    check(&run, 0, "", 60.0);
    assert_eq!(drafts(&out).len(), 63);
}

#[test]
fn a_stray_cell_at_the_end_of_an_xls_sheet() {
    // calamine reads an xls's sheets into dense grids when it opens the file: one cell
    // at IV65536 makes the sheet 16.7 million cells (over 1 GB before this was refused).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stray.xls");
    let mut cells = loan_cells();
    cells.push(label(65_535, 255, "stray"));
    xls_file(&path, workbook_stream("Loans", [0, 65_536, 0, 256], &cells));
    refused(
        &[&path],
        SIMPLE,
        &format!(
            "{}: sheet 'Loans' has 449 cells with a value but spans A1:IV65536, which the xls reader lays out as 16,777,216 cells in memory: the cell at IV65536 ('stray') is far from the others, which fit in A1:G64; delete the cell at IV65536 (and anything else past the data) and save, or save the sheet as CSV, and convert again",
            path.display()
        ),
        40.0,
    );
    // A small workbook stream lives in the mini stream, read through the mini FAT.
    let path = dir.path().join("small.xls");
    let cells = [
        label(0, 0, "Loan"),
        number(1, 0, 1.0),
        label(65_535, 255, "stray"),
    ];
    xls_file_mini(
        &path,
        &workbook_stream("Loans", [0, 65_536, 0, 256], &cells),
    );
    refused(
        &[&path],
        SIMPLE,
        &format!(
            "{}: sheet 'Loans' has 3 cells with a value but spans A1:IV65536, which the xls reader lays out as 16,777,216 cells in memory: the cell at IV65536 ('stray') is far from the others, which fit in A1:A2; delete the cell at IV65536 (and anything else past the data) and save, or save the sheet as CSV, and convert again",
            path.display()
        ),
        40.0,
    );
}

#[test]
fn an_xls_sheet_whose_dimensions_claim_billions_of_rows() {
    // calamine reserves room for the cells a DIMENSIONS record claims: rows 11 to 5
    // wrap around to 4 billion, by 65,535 columns, and reserving 11 PB aborted the
    // process.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dimensions.xls");
    xls_file(
        &path,
        workbook_stream("Loans", [10, 5, 0, 65_535], &loan_cells()),
    );
    refused(
        &[&path],
        SIMPLE,
        &format!(
            "{}: sheet 'Loans' is damaged: its DIMENSIONS record claims 4,294,967,291 rows by 65,535 columns, more than an xls sheet holds (65,536 rows by 256 columns); open the file in Excel and save it again, or save the sheet as CSV, and convert again",
            path.display()
        ),
        40.0,
    );
}

/// The sample workbook with a shared strings part whose `<sst>` says `attributes`;
/// `compressed` deflates it (as Excel does), else it is stored.
fn with_shared_strings(path: &Path, attributes: &str, compressed: bool) {
    let mut zip = zip::ZipWriter::new(File::create(path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in sample_parts(|xml| xml) {
        zip.start_file(name, stored).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    let options = if compressed {
        stored.compression_method(zip::CompressionMethod::Deflated)
    } else {
        stored
    };
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    zip.write_all(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" {attributes}><si><t>Loan</t></si></sst>"
    ).as_bytes()).unwrap();
    zip.finish().unwrap();
}

#[test]
fn shared_strings_that_claim_more_strings_than_the_file_holds() {
    // calamine reserves room for `uniqueCount` strings (24 bytes each) before it reads
    // one: 10^13 asked for 240 TB and the allocation's failure aborted the process; 2
    // billion (48 GB) happen to be granted as untouched address space here, and abort
    // where memory is not overcommitted.
    let dir = tempfile::tempdir().unwrap();
    for count in ["10000000000000", "2000000000"] {
        let path = dir.path().join(format!("strings-{count}.xlsx"));
        with_shared_strings(&path, &format!("count=\"1\" uniqueCount=\"{count}\""), true);
        let grouped = count
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(",");
        refused(
            &[&path],
            PER_LOAN,
            &format!(
                "{}: part 'xl/sharedStrings.xml' says it holds {grouped} shared strings (its uniqueCount), more than the whole workbook, {} bytes unpacked, could hold: the file is damaged; open it in Excel and save it again, or save the sheet as CSV, and convert again",
                path.display(),
                if count.len() > 10 { "35,921" } else { "35,917" },
            ),
            40.0,
        );
    }
    // Some writers put the count of references there: more than the strings, but what
    // the workbook could hold.
    let path = dir.path().join("references.xlsx");
    with_shared_strings(&path, "count=\"5000\" uniqueCount=\"5000\"", false);
    let (run, out) = convert(dir.path(), &[&path], PER_LOAN);
    check(&run, 0, "", 60.0);
    assert_eq!(drafts(&out).len(), 6);
}

// ---------------------------------------------------------------------------------------
// xlsb workbooks, written by hand: BIFF12 records (type and size as 7-bit varints) in a
// zip, with only the parts calamine needs.

/// A BIFF12 record.
fn brt(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut varint = |mut n: usize, most: usize| {
        for _ in 0..most {
            let more = n >= 0x80;
            out.push(u8::try_from(n & 0x7F).unwrap() | if more { 0x80 } else { 0 });
            n >>= 7;
            if !more {
                break;
            }
        }
    };
    varint(usize::from(typ), 2);
    varint(body.len(), 4);
    out.extend(body);
    out
}

/// An `XLWideString`: a count of UTF-16 units, then the units.
fn wide(text: &str) -> Vec<u8> {
    let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    [
        u32::try_from(units.len() / 2)
            .unwrap()
            .to_le_bytes()
            .to_vec(),
        units,
    ]
    .concat()
}

/// An xlsb cell's value.
enum Value {
    Text(&'static str),
    Number(f64),
}

/// An xlsb with one sheet, "Loans", holding `cells` (row, column from 0), in order.
fn xlsb_file(path: &Path, cells: &[(u32, u32, Value)]) {
    const CONTENT_TYPES: &str = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/></Types>"#;
    const RELS: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>"#;
    let sheet_entry = [
        &0u32.to_le_bytes()[..],
        &1u32.to_le_bytes(),
        &wide("rId1"),
        &wide("Loans"),
    ]
    .concat();
    let workbook = [
        brt(0x83, &[]),
        brt(0x8F, &[]),
        brt(0x9C, &sheet_entry),
        brt(0x90, &[]),
        brt(0x84, &[]),
    ]
    .concat();
    let mut sheet = [brt(0x81, &[]), brt(0x94, &[0; 16]), brt(0x91, &[])].concat();
    let mut row = None;
    for (r, c, value) in cells {
        if row != Some(*r) {
            sheet.extend(brt(0x0000, &r.to_le_bytes()));
            row = Some(*r);
        }
        let start = [c.to_le_bytes(), [0; 4]].concat();
        sheet.extend(match value {
            Value::Text(text) => brt(0x0006, &[start, wide(text)].concat()),
            Value::Number(n) => brt(0x0005, &[start, n.to_le_bytes().to_vec()].concat()),
        });
    }
    sheet.extend([brt(0x92, &[]), brt(0x82, &[])].concat());
    write_zip(
        path,
        &[
            Part::stored("[Content_Types].xml", CONTENT_TYPES.as_bytes().to_vec()),
            Part::stored("_rels/.rels", RELS.as_bytes().to_vec()),
            Part::stored("xl/workbook.bin", workbook),
            Part::stored(
                "xl/_rels/workbook.bin.rels",
                WORKBOOK_RELS.as_bytes().to_vec(),
            ),
            Part::stored("xl/worksheets/sheet1.bin", sheet),
        ],
    );
}

/// The loans of [`loan_cells`], as xlsb cells.
fn xlsb_loans() -> Vec<(u32, u32, Value)> {
    let mut cells = Vec::new();
    for (c, name) in [
        "Loan",
        "First",
        "Last",
        "Sex",
        "Amount",
        "Currency",
        "Disbursed",
    ]
    .into_iter()
    .enumerate()
    {
        cells.push((0, u32::try_from(c).unwrap(), Value::Text(name)));
    }
    let keys: Vec<&'static str> = (1..=63).map(|r| &*format!("L{r}").leak()).collect();
    for r in 1..=63u32 {
        cells.push((r, 0, Value::Text(keys[r as usize - 1])));
        cells.push((r, 1, Value::Text("Ana")));
        cells.push((r, 2, Value::Text("Díaz")));
        cells.push((r, 3, Value::Text(if r % 2 == 0 { "M" } else { "F" })));
        cells.push((r, 4, Value::Number(100.0 + f64::from(r))));
        cells.push((r, 5, Value::Text("USD")));
        cells.push((r, 6, Value::Text("15/01/2026")));
    }
    cells
}

#[test]
fn hand_made_xlsb_converts_like_the_xls() {
    let dir = tempfile::tempdir().unwrap();
    let xlsb = dir.path().join("loans.xlsb");
    xlsb_file(&xlsb, &xlsb_loans());
    let xls = dir.path().join("loans.xls");
    xls_file(&xls, workbook_stream("Loans", [0, 64, 0, 7], &loan_cells()));
    let (run, out) = convert(dir.path(), &[&xlsb], SIMPLE);
    check(&run, 0, "", 60.0);
    assert_eq!(drafts(&out).len(), 63);
    let (run, xls_out) = convert(dir.path(), &[&xls], SIMPLE);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(drafts(&out), drafts(&xls_out));
}

#[test]
fn a_stray_cell_in_the_last_row_and_column_of_an_xlsb() {
    // XFD1048576: calamine's dense range would be 17 billion cells (the allocation's
    // failure aborted the process); xlsb sheets are read cell by cell instead, as xlsx.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stray.xlsb");
    let mut cells = xlsb_loans();
    cells.push((1_048_575, 16_383, Value::Text("x")));
    xlsb_file(&path, &cells);
    let (run, out) = convert(dir.path(), &[&path], SIMPLE);
    check(&run, 0, "", 150.0);
    assert_eq!(drafts(&out).len(), 63);
    let s = summary(&out);
    assert_eq!(s["rows"]["blank"], 1_048_511);
    let run = measure(&["inspect", &arg(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.peak_mb < 150.0, "{}", run.peak_mb);
}

#[test]
fn a_stray_cell_far_below_an_ods_table() {
    // calamine reads an ods's tables into dense grids when it opens the file, holding
    // each row's empty cells before a value too: one cell at EJ100489, after 100,000
    // repeated empty rows, made this 15 KB file take 1.4 GB (at row 700,000, 10 GB).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stray.ods");
    let mut archive =
        zip::ZipArchive::new(File::open(root().join("samples/jlg/repayments.ods")).unwrap())
            .unwrap();
    let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        if name == "content.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            bytes = replaced(
                &xml,
                "</table:table>",
                "<table:table-row table:number-rows-repeated=\"100000\"><table:table-cell table:number-columns-repeated=\"140\"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated=\"139\"/><table:table-cell office:value-type=\"string\"><text:p>x</text:p></table:table-cell></table:table-row></table:table>",
            )
            .into_bytes();
        }
        zip.start_file(name, stored).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    refused(
        &[&path],
        "templates/jlg.toml",
        &format!(
            "{}: sheet 'Repayment Schedule' has 8,143 cells with a value but spans A1:EJ100489, which the ods reader lays out as 14,076,876 cells in memory: the cell at EJ100489 ('x') is far from the others, which fit in A1:Q488; delete the cell at EJ100489 (and anything else past the data) and save, or save the sheet as CSV, and convert again",
            path.display()
        ),
        40.0,
    );
}

#[test]
fn an_xls_whose_workbook_stream_loops() {
    // The stream's last sector leads back to its first, and its size says 1 GiB:
    // calamine copied the loop until it had 1 GiB (2.1 GB peak, 6 s).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loop.xls");
    xls_file(
        &path,
        workbook_stream("Loans", [0, 64, 0, 7], &loan_cells()),
    );
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() / 512 - 2;
    bytes[512 + 4 * last..512 + 4 * last + 4].copy_from_slice(&2u32.to_le_bytes());
    bytes[1024 + 128 + 120..1024 + 128 + 124].copy_from_slice(&(1u32 << 30).to_le_bytes());
    std::fs::write(&path, bytes).unwrap();
    refused(
        &[&path],
        SIMPLE,
        &format!(
            "{}: the file is damaged: the chain of its workbook stream's sectors loops",
            path.display()
        ),
        40.0,
    );
}

//! What a file really is, from its bytes rather than its name.
//!
//! Exports get renamed: an xlsx saved as `.xls`, an xls as `.xlsx`, a CSV as `.xls` (the
//! "Excel export" of many web MIS is tab-separated text), a password-protected workbook
//! that is no zip at all. The first bytes tell: a zip archive (xlsx, xlsm, xlsb, ods), an
//! OLE compound file (xls, or an encrypted xlsx: Office wraps those in OLE), text, or
//! something else.
//!
//! A zip's central directory is read here before calamine opens it, to refuse what would
//! cost unbounded time or memory: a file cut short (no directory), and parts that would
//! unpack to more than [`MAX_PART`] bytes or that compress far better than any sheet
//! does ([`MAX_RATIO`], a zip bomb). The zip crate stops reading a part at the size the
//! directory declares, so the declared sizes are the ones that count.
//!
//! The zip checks are in `archive.rs`; the OLE directory and the xls workbook stream in
//! `ole.rs`.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// The most bytes any one part of a workbook may unpack to: 1 GiB. The largest sheet a
/// 20,000-loan flat export makes (615,000 rows) is 318 MB; Excel's last row (1,048,576)
/// in that layout is about 540 MB.
pub const MAX_PART: u64 = 1 << 30;

/// Parts above [`RATIO_FLOOR`] bytes must not unpack to more than this many times their
/// packed size. Sheets compress 10 to 25 times (a million empty styled rows, 23 times);
/// a zip bomb, hundreds or a thousand times.
pub const MAX_RATIO: u64 = 100;

/// Parts smaller than this are not held to [`MAX_RATIO`]: 64 MiB.
pub const RATIO_FLOOR: u64 = 64 << 20;

/// The most parts a workbook's zip may hold (the zip crate indexes them all).
const MAX_ENTRIES: u64 = 100_000;

/// How many bytes of the start are looked at.
const HEAD: usize = 4096;

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// No bytes at all.
    Empty,
    /// A zip archive: xlsx, xlsm, xlsb or ods (see [`zip_workbook`]).
    Zip,
    /// An OLE compound file: xls, or an encrypted Office file (see [`ole_workbook`]).
    Ole,
    /// An HTML page (some MIS save these as `.xls`).
    Html,
    /// Text: a byte order mark, or no NUL byte among the first bytes.
    Text,
    /// Anything else: binary data of some other kind.
    Binary,
}

/// The workbook formats calamine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Xlsb,
    Ods,
    Xls,
}

impl Kind {
    /// The usual extension of the format.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Xlsx => "xlsx",
            Kind::Xlsb => "xlsb",
            Kind::Ods => "ods",
            Kind::Xls => "xls",
        }
    }

    /// Whether a file named with `extension` (lower case) is expected to be this kind.
    pub fn has_extension(self, extension: &str) -> bool {
        match self {
            Kind::Xlsx => matches!(extension, "xlsx" | "xlsm" | "xltx" | "xltm" | "xlam"),
            Kind::Xlsb => extension == "xlsb",
            Kind::Ods => matches!(extension, "ods" | "ots"),
            Kind::Xls => matches!(extension, "xls" | "xla" | "xlt"),
        }
    }
}

/// Looks at the first bytes of a file.
pub fn sniff(path: &Path) -> io::Result<Sniff> {
    let mut head = Vec::with_capacity(HEAD);
    File::open(path)?.take(HEAD as u64).read_to_end(&mut head)?;
    Ok(sniff_bytes(&head))
}

/// [`sniff`] on the first bytes of a file.
pub fn sniff_bytes(head: &[u8]) -> Sniff {
    if head.is_empty() {
        return Sniff::Empty;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Sniff::Zip;
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Sniff::Ole;
    }
    // Byte order marks: UTF-8, UTF-16 (whose text holds NUL bytes).
    if head.starts_with(b"\xEF\xBB\xBF")
        || head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
    {
        let mark = if head.starts_with(b"\xEF") { 3 } else { 2 };
        return if looks_like_html(head.get(mark..).unwrap_or_default()) {
            Sniff::Html
        } else {
            Sniff::Text
        };
    }
    if looks_like_html(head) {
        return Sniff::Html;
    }
    if !head.contains(&0) || utf16_without_mark(head) {
        Sniff::Text
    } else {
        Sniff::Binary
    }
}

/// An HTML page: `<html`, `<!doctype html` or `<table` first, spaces and NULs (of
/// UTF-16) aside.
fn looks_like_html(head: &[u8]) -> bool {
    let start: Vec<u8> = head
        .iter()
        .copied()
        .filter(|b| *b != 0 && !b.is_ascii_whitespace())
        .take(14)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    start.starts_with(b"<html")
        || start.starts_with(b"<!doctype html")
        || start.starts_with(b"<table")
}

/// UTF-16 text without a byte order mark: a NUL byte in every other place, as
/// `text::looks_like_utf16` decides.
fn utf16_without_mark(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(512)];
    let half = sample.len() / 2;
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    sample.len() >= 4 && (zeros_at(1) * 10 > half * 8 || zeros_at(0) * 10 > half * 8)
}

/// Why a file cannot be read as a workbook: the message, after the file's name.
type Refusal = String;

/// `2000000000` as `2,000,000,000`.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Sizes as people read them: `1024 MB`, `3.2 MB`.
pub(super) fn megabytes(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / f64::from(1 << 20);
    if mb >= 10.0 || mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// A part's name, short and without control characters, for messages.
pub(super) fn printable(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(80)
        .collect();
    if name.chars().count() > 80 {
        out.push('…');
    }
    out
}

pub(super) fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

pub(super) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

pub(super) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

pub(super) fn read_at(file: &mut File, at: u64, len: usize) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

mod archive;
mod ole;

pub use archive::*;
pub use ole::*;

#[cfg(test)]
mod tests {
    use super::archive::unique_count;
    use super::*;

    #[test]
    fn first_bytes_tell_the_format() {
        assert_eq!(sniff_bytes(b""), Sniff::Empty);
        assert_eq!(sniff_bytes(b"PK\x03\x04rest"), Sniff::Zip);
        assert_eq!(
            sniff_bytes(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"),
            Sniff::Ole
        );
        assert_eq!(sniff_bytes(b"a,b\n1,2\n"), Sniff::Text);
        assert_eq!(sniff_bytes("\u{feff}Prénom;Nom".as_bytes()), Sniff::Text);
        assert_eq!(sniff_bytes(b"\xFF\xFEa\0,\0b\0"), Sniff::Text);
        assert_eq!(sniff_bytes(b"a\0,\0b\0\n\0"), Sniff::Text);
        assert_eq!(sniff_bytes(b"\r\n <HTML><body><table>"), Sniff::Html);
        assert_eq!(sniff_bytes(b"<table border=1><tr>"), Sniff::Html);
        assert_eq!(sniff_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Sniff::Binary);
        assert_eq!(sniff_bytes(b"a,b\n1\0,2\n"), Sniff::Binary);
    }

    #[test]
    fn the_count_of_shared_strings_is_read_from_the_sst_tag() {
        let count = |xml: &str| unique_count(xml.as_bytes());
        assert_eq!(
            count(r#"<?xml version="1.0"?><sst xmlns="x" count="9" uniqueCount="7">"#),
            Some(7)
        );
        assert_eq!(
            count("<x:sst uniqueCount = '12' count='30'><x:si>"),
            Some(12)
        );
        assert_eq!(
            count(r#"<sst count="3"><si><t>uniqueCount="5"</t></si>"#),
            None
        );
        assert_eq!(count(r#"<sst uniqueCount="1e9">"#), None);
        assert_eq!(
            count(r#"<sst uniqueCount="99999999999999999999999">"#),
            Some(u64::MAX)
        );
        assert_eq!(
            count(r#"<sstx uniqueCount="5"><sst uniqueCount="6">"#),
            Some(6)
        );
    }

    #[test]
    fn sizes_read_as_megabytes() {
        assert_eq!(megabytes(MAX_PART), "1024 MB");
        assert_eq!(megabytes(3 << 30), "3072 MB");
        assert_eq!(megabytes(1 << 20), "1 MB");
        assert_eq!(megabytes(3_500_000), "3.3 MB");
    }
}

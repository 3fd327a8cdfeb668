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

/// The largest central directory read: 64 MiB (a workbook's takes a few KiB).
const MAX_DIRECTORY: u64 = 64 << 20;

/// The advice for a password-protected file.
pub const ENCRYPTED: &str = "the file is password-protected (encrypted): save it without a password in Excel (File > Info > Protect Workbook) and convert again";

/// Reads a zip's central directory and says which workbook it holds, or why it will not
/// be read: cut short, a part too large or too compressible, encrypted parts, or a zip
/// that is no workbook.
pub fn zip_workbook(path: &Path) -> io::Result<Result<Kind, Refusal>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let entries = match central_directory(&mut file, len)? {
        Ok(entries) => entries,
        Err(refusal) => return Ok(Err(refusal)),
    };
    for entry in &entries {
        if entry.encrypted {
            return Ok(Err(ENCRYPTED.to_string()));
        }
        if entry.size > MAX_PART {
            return Ok(Err(too_large(
                entry,
                &format!(
                    "more than the {} this tool unpacks from one part",
                    megabytes(MAX_PART)
                ),
            )));
        }
        if entry.size > RATIO_FLOOR && entry.size / entry.packed.max(1) > MAX_RATIO {
            return Ok(Err(too_large(
                entry,
                &format!(
                    "from {} packed, {} times smaller, which no sheet compresses to (at most {MAX_RATIO} times over {})",
                    megabytes(entry.packed),
                    entry.size / entry.packed.max(1),
                    megabytes(RATIO_FLOOR)
                ),
            )));
        }
    }
    let has = |name: &str| entries.iter().any(|e| e.name.eq_ignore_ascii_case(name));
    Ok(if has("xl/workbook.bin") {
        Ok(Kind::Xlsb)
    } else if has("[Content_Types].xml") {
        shared_strings(path, &entries)?.map(|()| Kind::Xlsx)
    } else if has("content.xml") || has("mimetype") {
        Ok(Kind::Ods)
    } else {
        Err(
            "the file is a zip archive but not a workbook (no xlsx, xlsb or ods parts in it)"
                .to_string(),
        )
    })
}

/// Each string of a shared strings part takes at least `<si/>`.
const LEAST_STRING: u64 = 5;

/// How much of the start of a shared strings part is searched for its `<sst>` tag.
const SST_HEAD: u64 = 64 << 10;

/// Refuses an xlsx whose shared strings part claims more strings (`uniqueCount`) than
/// the whole workbook could hold: calamine reserves room for that many before it reads
/// one, 24 bytes each, and an allocation that fails aborts the process (a count of
/// 10^13 asks for 240 TB). The bound is the unpacked size of all parts, not of the
/// strings alone, as some writers put the count of references there.
fn shared_strings(path: &Path, entries: &[Entry]) -> io::Result<Result<(), Refusal>> {
    let parts = entries
        .iter()
        .filter(|e| e.name.to_ascii_lowercase().ends_with("sharedstrings.xml"));
    let total: u64 = entries.iter().map(|e| e.size).sum();
    for entry in parts {
        // A zip the zip crate cannot read: calamine says what is wrong with it.
        let Ok(mut archive) = zip::ZipArchive::new(File::open(path)?) else {
            return Ok(Ok(()));
        };
        let mut head = Vec::new();
        match archive.by_name(&entry.name) {
            Ok(part) => {
                // A part that cannot be unpacked is calamine's to report.
                let _ = part.take(SST_HEAD).read_to_end(&mut head);
            }
            Err(_) => continue,
        }
        let Some(count) = unique_count(&head) else {
            continue;
        };
        if count > total / LEAST_STRING {
            return Ok(Err(format!(
                "part '{}' says it holds {} shared strings (its uniqueCount), more than the whole workbook, {} bytes unpacked, could hold: the file is damaged; open it in Excel and save it again, or save the sheet as CSV, and convert again",
                printable(&entry.name),
                grouped(count),
                grouped(total)
            )));
        }
    }
    Ok(Ok(()))
}

/// The `uniqueCount` attribute of the `<sst>` tag (any prefix) at the start of a shared
/// strings part, as calamine reads it: digits only, too large saturating.
fn unique_count(head: &[u8]) -> Option<u64> {
    let mut at = 0;
    let tag = loop {
        let open = at + memchr::memchr(b'<', head.get(at..)?)?;
        let close = open + memchr::memchr(b'>', &head[open..])?;
        let name = head[open + 1..close]
            .split(|b| b.is_ascii_whitespace() || *b == b'/')
            .next()
            .unwrap_or_default();
        if name == b"sst" || name.ends_with(b":sst") {
            break &head[open..close];
        }
        at = close;
    };
    let key = b"uniqueCount";
    let start =
        memchr::memmem::find_iter(tag, key).find(|&i| i > 0 && tag[i - 1].is_ascii_whitespace())?;
    let rest = &tag[start + key.len()..];
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let quote = *rest.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let value = &rest[1..];
    let value = &value[..memchr::memchr(quote, value)?];
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

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

fn too_large(entry: &Entry, why: &str) -> Refusal {
    format!(
        "part '{}' would unpack to {}, {why}: a damaged file or a zip bomb; if it is a genuine export, save it as CSV and convert that",
        printable(&entry.name),
        megabytes(entry.size)
    )
}

/// Sizes as people read them: `1024 MB`, `3.2 MB`.
fn megabytes(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / f64::from(1 << 20);
    if mb >= 10.0 || mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// A part's name, short and without control characters, for messages.
fn printable(name: &str) -> String {
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

/// One part of a zip, as its central directory describes it.
#[derive(Debug)]
struct Entry {
    name: String,
    /// Declared packed size.
    packed: u64,
    /// Declared unpacked size.
    size: u64,
    encrypted: bool,
}

const CUT: &str = "the file is cut short or damaged (its zip directory is missing or broken): copy, download or export it again";

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

fn read_at(file: &mut File, at: u64, len: usize) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The entries of a zip's central directory (zip64 included), or why it has none.
fn central_directory(file: &mut File, len: u64) -> io::Result<Result<Vec<Entry>, Refusal>> {
    // The end record (22 bytes and a comment of up to 64 KiB) is at the end.
    let tail_len = len.min(22 + 0xFFFF);
    let tail_start = len - tail_len;
    let tail = read_at(file, tail_start, usize::try_from(tail_len).unwrap_or(0))?;
    let Some(end) = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))
    else {
        return Ok(Err(CUT.to_string()));
    };
    let end_at = tail_start + end as u64;
    let field = |at: usize| u32_at(&tail, end + at).map(u64::from);
    let (Some(mut count), Some(mut size)) = (u16_at(&tail, end + 10).map(u64::from), field(12))
    else {
        return Ok(Err(CUT.to_string()));
    };
    // The directory ends where the end record (or the zip64 end record) starts; its
    // declared offset is not trusted (self-extracting archives shift it).
    let mut directory_end = end_at;
    if count == 0xFFFF || size == 0xFFFF_FFFF || field(16) == Some(0xFFFF_FFFF) {
        let locator = if end_at >= 20 {
            read_at(file, end_at - 20, 20)?
        } else {
            Vec::new()
        };
        let record_at = match (locator.starts_with(b"PK\x06\x07"), u64_at(&locator, 8)) {
            (true, Some(at)) if at < end_at => at,
            _ => return Ok(Err(CUT.to_string())),
        };
        let record = read_at(file, record_at, 56)?;
        match (
            record.starts_with(b"PK\x06\x06"),
            u64_at(&record, 32),
            u64_at(&record, 40),
        ) {
            (true, Some(c), Some(s)) => (count, size) = (c, s),
            _ => return Ok(Err(CUT.to_string())),
        }
        directory_end = record_at;
    }
    if size > directory_end || size > MAX_DIRECTORY || count > MAX_ENTRIES {
        return Ok(Err(CUT.to_string()));
    }
    let directory = read_at(
        file,
        directory_end - size,
        usize::try_from(size).unwrap_or(0),
    )?;
    let mut entries = Vec::new();
    let mut at = 0;
    while at < directory.len() {
        let Some(entry) = directory_entry(&directory, &mut at) else {
            return Ok(Err(CUT.to_string()));
        };
        entries.push(entry);
    }
    Ok(Ok(entries))
}

/// The entry at `*at` of a central directory; moves `*at` past it.
fn directory_entry(directory: &[u8], at: &mut usize) -> Option<Entry> {
    let d = directory.get(*at..)?;
    if !d.starts_with(b"PK\x01\x02") {
        return None;
    }
    let flags = u16_at(d, 8)?;
    let mut packed = u64::from(u32_at(d, 20)?);
    let mut size = u64::from(u32_at(d, 24)?);
    let name_len = usize::from(u16_at(d, 28)?);
    let extra_len = usize::from(u16_at(d, 30)?);
    let comment_len = usize::from(u16_at(d, 32)?);
    let name = d.get(46..46 + name_len)?;
    let mut extra = d.get(46 + name_len..46 + name_len + extra_len)?;
    // Zip64 sizes: in the extra field 0x0001, those whose 32-bit field is all ones, in
    // order.
    while extra.len() >= 4 {
        let (id, len) = (u16_at(extra, 0)?, usize::from(u16_at(extra, 2)?));
        let data = extra.get(4..4 + len)?;
        if id == 1 {
            let mut next = 0;
            if size == 0xFFFF_FFFF {
                size = u64_at(data, next)?;
                next += 8;
            }
            if packed == 0xFFFF_FFFF {
                packed = u64_at(data, next)?;
            }
        }
        extra = &extra[4 + len..];
    }
    *at += 46 + name_len + extra_len + comment_len;
    Some(Entry {
        name: String::from_utf8_lossy(name).into_owned(),
        packed,
        size,
        encrypted: flags & 1 != 0,
    })
}

/// Reads an OLE compound file's directory and says whether it is an xls workbook, or why
/// it will not be read (an encrypted Office file, something that is no workbook). A
/// directory that cannot be followed is left to calamine (`Ok(Ok(Kind::Xls))`), which
/// says what it finds.
pub fn ole_workbook(path: &Path) -> io::Result<Result<Kind, Refusal>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let names = match ole_names(&mut file, len) {
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(Err(e.to_string())),
        names => names?,
    };
    let Some(names) = names else {
        return Ok(Ok(Kind::Xls));
    };
    let has = |wanted: &str| names.iter().any(|n| n.eq_ignore_ascii_case(wanted));
    Ok(if has("EncryptedPackage") || has("EncryptionInfo") {
        Err(ENCRYPTED.to_string())
    } else if has("Workbook") || has("Book") {
        Ok(Kind::Xls)
    } else if has("WordDocument") {
        Err("the file is a Word document, not a workbook".to_string())
    } else if has("PowerPoint Document") {
        Err("the file is a PowerPoint presentation, not a workbook".to_string())
    } else {
        Err(
            "the file is an OLE compound file (an old Office format) without a workbook in it"
                .to_string(),
        )
    })
}

/// An OLE compound file, read the way calamine reads it: its header, the sectors of its
/// FAT (their entries are read when a chain is followed) and its size in sectors.
struct Ole<'f> {
    file: &'f mut File,
    header: Vec<u8>,
    sector_size: u64,
    /// Whole sectors in the file, after the header.
    sectors: u64,
    /// The sectors that hold the FAT, in order.
    fat_sectors: Vec<u32>,
    /// The last FAT sector read, with its number.
    fat_cache: Option<(u32, Vec<u8>)>,
}

/// One entry of an OLE directory.
struct DirEntry {
    /// The name as calamine compares it: up to the first NUL.
    name: String,
    /// 1 a storage, 2 a stream, 5 the root.
    kind: u8,
    start: u32,
    len: u64,
}

/// The end of a chain of sectors.
const END: u32 = 0xFFFF_FFFE;

/// Streams shorter than this live in the mini stream, in sectors of 64 bytes.
const MINI_CUTOFF: u64 = 4096;

impl<'f> Ole<'f> {
    /// The header and the FAT's sectors, or `None` when the header makes no sense.
    fn open(file: &'f mut File, len: u64) -> io::Result<Option<Self>> {
        let header = read_at(file, 0, 512)?;
        let (Some(shift), Some(mut difat_sector)) = (u16_at(&header, 0x1E), u32_at(&header, 0x44))
        else {
            return Ok(None);
        };
        let sector_size: u64 = match shift {
            9 => 512,
            12 => 4096,
            _ => return Ok(None),
        };
        let sectors = len / sector_size;
        // The FAT's sectors: 109 in the header, the rest in a chain of DIFAT sectors.
        // Every entry that names a sector, whatever the header's count says, as calamine
        // reads them: a count of 0 hid the FAT from this walk, and calamine then followed
        // a looping directory until memory ran out (found by fuzzing).
        let names_sector = |s: &u32| *s < 0xFFFF_FFFC;
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(&header, 0x4C + 4 * i))
            .filter(names_sector)
            .collect();
        let per_sector = usize::try_from(sector_size / 4).unwrap_or(128);
        let mut hops = 0;
        while u64::from(difat_sector) < sectors {
            hops += 1;
            if hops > sectors {
                return Ok(None);
            }
            let block = read_at(
                file,
                (u64::from(difat_sector) + 1) * sector_size,
                usize::try_from(sector_size).unwrap_or(512),
            )?;
            fat_sectors.extend(
                (0..per_sector - 1)
                    .filter_map(|i| u32_at(&block, 4 * i))
                    .filter(names_sector),
            );
            difat_sector = u32_at(&block, 4 * (per_sector - 1)).unwrap_or(END);
        }
        Ok(Some(Ole {
            file,
            header,
            sector_size,
            sectors,
            fat_sectors,
            fat_cache: None,
        }))
    }

    fn offset(&self, sector: u32) -> u64 {
        (u64::from(sector) + 1) * self.sector_size
    }

    /// The sector after `sector` in its chain, `None` when the FAT does not say.
    fn next(&mut self, sector: u32) -> io::Result<Option<u32>> {
        let per_sector = usize::try_from(self.sector_size / 4).unwrap_or(128);
        let index = usize::try_from(sector).unwrap_or(usize::MAX);
        let Some(&fat_sector) = self.fat_sectors.get(index / per_sector) else {
            return Ok(None);
        };
        if u64::from(fat_sector) >= self.sectors {
            return Ok(None);
        }
        if self
            .fat_cache
            .as_ref()
            .is_none_or(|(s, _)| *s != fat_sector)
        {
            let block = read_at(
                self.file,
                self.offset(fat_sector),
                usize::try_from(self.sector_size).unwrap_or(512),
            )?;
            self.fat_cache = Some((fat_sector, block));
        }
        let block = &self
            .fat_cache
            .as_ref()
            .map(|(_, b)| b.as_slice())
            .unwrap_or_default();
        Ok(u32_at(block, 4 * (index % per_sector)))
    }

    /// The sectors of the chain from `start`, until its end, a sector past the file or
    /// `max_bytes`. A chain longer than the file has sectors loops: calamine would
    /// follow it until memory runs out, so it is an error naming `what`.
    fn chain(&mut self, start: u32, max_bytes: u64, what: &str) -> io::Result<Vec<u32>> {
        let mut chain = Vec::new();
        let mut sector = start;
        while u64::from(sector) < self.sectors
            && (chain.len() as u64) * self.sector_size < max_bytes
        {
            if chain.len() as u64 >= self.sectors {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the file is damaged: the chain of its {what} sectors loops"),
                ));
            }
            chain.push(sector);
            match self.next(sector)? {
                Some(next) => sector = next,
                None => break,
            }
        }
        Ok(chain)
    }

    /// The directory's entries, `None` when its chain leaves the file.
    fn directory(&mut self) -> io::Result<Option<Vec<DirEntry>>> {
        let Some(mut sector) = u32_at(&self.header, 0x30) else {
            return Ok(None);
        };
        let mut entries = Vec::new();
        let mut hops = 0;
        while sector != END {
            hops += 1;
            if u64::from(sector) >= self.sectors {
                return Ok(None);
            }
            if hops > self.sectors {
                // A directory whose chain of sectors loops: calamine would follow it
                // until memory runs out (found by fuzzing).
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the file is damaged: the chain of its directory's sectors loops",
                ));
            }
            let block = read_at(
                self.file,
                self.offset(sector),
                usize::try_from(self.sector_size).unwrap_or(512),
            )?;
            for entry in block.chunks_exact(128) {
                let units: Vec<u16> = entry[..64]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .take_while(|u| *u != 0)
                    .collect();
                let len = if self.sector_size == 512 {
                    u32_at(entry, 120).map(u64::from)
                } else {
                    u64_at(entry, 120)
                };
                entries.push(DirEntry {
                    name: String::from_utf16_lossy(&units),
                    kind: entry[0x42],
                    start: u32_at(entry, 116).unwrap_or(END),
                    len: len.unwrap_or(0),
                });
            }
            let Some(next) = self.next(sector)? else {
                return Ok(None);
            };
            sector = next;
        }
        Ok(Some(entries))
    }

    /// The bytes of the chain `sectors` (of `size` bytes each, at `place`), up to `len`.
    fn gather(
        &mut self,
        sectors: &[u32],
        size: u64,
        len: u64,
        place: impl Fn(u32) -> Option<u64>,
    ) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        for &s in sectors {
            let Some(at) = place(s) else { break };
            let want = size.min(len - bytes.len() as u64);
            let block = read_at(self.file, at, usize::try_from(want).unwrap_or(0))?;
            let short = (block.len() as u64) < want;
            bytes.extend_from_slice(&block);
            if short || bytes.len() as u64 >= len {
                break;
            }
        }
        Ok(bytes)
    }

    /// The bytes of a stream, from the file's sectors or, when short, the mini stream.
    /// The chains calamine follows on opening are all walked: the mini stream's and the
    /// mini FAT's whenever the header counts mini FAT sectors, then the stream's.
    fn stream(&mut self, entry: &DirEntry, root: &DirEntry) -> io::Result<Vec<u8>> {
        let size = self.sector_size;
        let mini_fat_start = u32_at(&self.header, 0x3C).unwrap_or(END);
        let mini_fat_sectors = u32_at(&self.header, 0x40).unwrap_or(0);
        let mut mini = None;
        if mini_fat_sectors > 0 {
            let stream = self.chain(root.start, root.len, "mini stream's")?;
            let fat = self.chain(
                mini_fat_start,
                u64::from(mini_fat_sectors) * size,
                "mini FAT's",
            )?;
            mini = Some((stream, fat));
        }
        if entry.len >= MINI_CUTOFF {
            let chain = self.chain(entry.start, entry.len, "workbook stream's")?;
            return self.gather(&chain, size, entry.len, |s| Some((u64::from(s) + 1) * size));
        }
        let Some((mini_stream, mini_fat)) = mini else {
            return Ok(Vec::new());
        };
        let mini_fat = self.gather(&mini_fat, size, u64::MAX, |s| {
            Some((u64::from(s) + 1) * size)
        })?;
        // The stream's chain of 64-byte sectors, through the mini FAT; it is shorter than
        // 4096 bytes, so a loop only repeats bytes.
        let per_sector = size / 64;
        let mut chain = Vec::new();
        let mut sector = entry.start;
        while (chain.len() as u64) * 64 < entry.len {
            if u64::from(sector) / per_sector >= mini_stream.len() as u64 {
                break;
            }
            chain.push(sector);
            match u32_at(&mini_fat, 4 * sector as usize) {
                Some(next) => sector = next,
                None => break,
            }
        }
        self.gather(&chain, 64, entry.len, |m| {
            let sector = *mini_stream.get(usize::try_from(u64::from(m) / per_sector).ok()?)?;
            Some((u64::from(sector) + 1) * size + (u64::from(m) % per_sector) * 64)
        })
    }
}

/// The names of the streams and storages of an OLE compound file, or `None` when its
/// directory cannot be followed.
fn ole_names(file: &mut File, len: u64) -> io::Result<Option<Vec<String>>> {
    let Some(mut ole) = Ole::open(file, len)? else {
        return Ok(None);
    };
    Ok(ole.directory()?.map(|entries| {
        entries
            .into_iter()
            .filter(|e| matches!(e.kind, 1 | 2) && !e.name.is_empty())
            .map(|e| e.name)
            .collect()
    }))
}

/// The workbook stream of an xls ("Workbook", or "Book" in Excel 5 files), found as
/// calamine finds it; `None` when the file's directory cannot be followed or has no such
/// stream (calamine then says what it finds). Its size is bounded by the file's: a chain
/// of sectors that loops is an `InvalidData` error.
pub fn xls_stream(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let Some(mut ole) = Ole::open(&mut file, len)? else {
        return Ok(None);
    };
    let Some(entries) = ole.directory()? else {
        return Ok(None);
    };
    let find = |name: &str| entries.iter().find(|e| e.name.eq_ignore_ascii_case(name));
    let (Some(entry), Some(root)) = (find("Workbook").or_else(|| find("Book")), entries.first())
    else {
        return Ok(None);
    };
    ole.stream(entry, root).map(Some)
}

#[cfg(test)]
mod tests {
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

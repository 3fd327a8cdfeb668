//! Zip workbooks (xlsx, xlsm, xlsb, ods): the central directory read before calamine
//! opens the file, and the shared strings' claimed count.

#[allow(clippy::wildcard_imports)]
use super::*;

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
pub(super) fn unique_count(head: &[u8]) -> Option<u64> {
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

fn too_large(entry: &Entry, why: &str) -> Refusal {
    format!(
        "part '{}' would unpack to {}, {why}: a damaged file or a zip bomb; if it is a genuine export, save it as CSV and convert that",
        printable(&entry.name),
        megabytes(entry.size)
    )
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

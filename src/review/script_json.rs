//! JSON for the page's `<script type="application/json">` block: `serde_json` with
//! [`ScriptFormatter`], which escapes strings for the block as they are written. (A
//! hand-made writer of a draft's data saved 2.6% of convert's instructions and was
//! returned to `serde_json`: see BENCHMARKS.md, "Hand-written serializers".)

#[allow(clippy::wildcard_imports)]
use super::*;

/// JSON for a `<script type="application/json">` block: `<`, `>` and `&` (which only
/// occur inside strings) are written as `\u003c`, `\u003e`, `\u0026`, so no text can
/// close the block or open a comment; U+2028 and U+2029 likewise, for old parsers.
pub fn script_json(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    write_script_json(&mut out, value);
    // Valid UTF-8 in, whole characters replaced by ASCII: valid UTF-8 out.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends [`script_json`] of `value` to `out`: `null` if it cannot be serialized (never
/// expected, but the page stays valid JSON). Each draft's data is escaped on its own, so
/// every part of the data block keeps the guarantee.
pub(super) fn write_script_json(out: &mut Vec<u8>, value: &impl Serialize) {
    let start = out.len();
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, ScriptFormatter);
    if value.serialize(&mut serializer).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

/// Appends a draft's page data to `out`, as [`write_script_json`] writes it.
pub(super) fn write_draft_data(out: &mut Vec<u8>, data: &DraftData<'_>) {
    write_script_json(out, data);
}

/// Compact JSON whose strings (keys included) are escaped for a script block as they
/// are written, rather than in a second pass over the whole text.
pub(super) struct ScriptFormatter;

impl serde_json::ser::Formatter for ScriptFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let bytes = fragment.as_bytes();
        // Most strings have nothing to escape: one branch-free look (vectorized) says so.
        let special = |b: u8| matches!(b, b'<' | b'>' | b'&' | 0xE2);
        if !bytes.iter().fold(false, |found, &b| found | special(b)) {
            return writer.write_all(bytes);
        }
        let mut copied = 0;
        let mut i = 0;
        while let Some(at) = bytes[i..].iter().position(|&b| special(b)) {
            let at = i + at;
            // U+2028 and U+2029 are the bytes E2 80 A8 and E2 80 A9, which occur in UTF-8
            // only as those characters.
            let (escape, width): (&[u8], usize) = match &bytes[at..] {
                [b'<', ..] => (b"\\u003c", 1),
                [b'>', ..] => (b"\\u003e", 1),
                [b'&', ..] => (b"\\u0026", 1),
                [0xE2, 0x80, 0xA8, ..] => (b"\\u2028", 3),
                [0xE2, 0x80, 0xA9, ..] => (b"\\u2029", 3),
                _ => {
                    i = at + 1;
                    continue;
                }
            };
            writer.write_all(&bytes[copied..at])?;
            writer.write_all(escape)?;
            i = at + width;
            copied = i;
        }
        writer.write_all(&bytes[copied..])
    }
}

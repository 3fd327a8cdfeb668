//! JSON for the page's `<script type="application/json">` block. [`ScriptJson`] writes a
//! draft's data by hand, byte for byte what `serde_json` with [`ScriptFormatter`] writes
//! (a property test holds it there): strings with nothing to escape are copied whole.

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

/// A draft's page data written by hand, byte for byte as [`write_script_json`] writes
/// it (compact JSON, escaped for a script block), without a serializer call per field:
/// the page holds the data of every draft of a conversion. Strings with nothing to
/// escape (nearly all) are copied whole; the others, and values read from a draft's JSON,
/// go through [`write_script_json`].
pub(super) struct ScriptJson<'o> {
    out: &'o mut Vec<u8>,
    /// Whether the open object or array has a member yet (a comma goes before the next).
    has_value: bool,
}

impl ScriptJson<'_> {
    fn open(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.has_value = false;
    }

    fn close(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.has_value = true;
    }

    /// Starts an array element: a comma after the previous one.
    fn element(&mut self) {
        if self.has_value {
            self.out.push(b',');
        }
        self.has_value = true;
    }

    /// Starts an object's field (field names need no escaping).
    fn key(&mut self, name: &str) {
        self.element();
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn string(&mut self, value: &str) {
        // One pass that the compiler vectorizes (no early exit): JSON's escapes, and the
        // script block's (`<`, `>`, `&`, and the first byte of U+2028 and U+2029).
        let special = value.bytes().fold(0u8, |found, b| {
            found
                | u8::from(b < 0x20)
                | u8::from(matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&' | 0xE2))
        });
        if special == 0 {
            self.out.push(b'"');
            self.out.extend_from_slice(value.as_bytes());
            self.out.push(b'"');
        } else {
            write_script_json(self.out, &value);
        }
    }

    /// A text field, left out when absent.
    fn text(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.key(name);
            self.string(value);
        }
    }

    fn strings<'s>(&mut self, values: impl Iterator<Item = &'s str>) {
        self.open(b'[');
        for value in values {
            self.element();
            self.string(value);
        }
        self.close(b']');
    }

    fn count(&mut self, n: usize) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }

    /// An amount as [`Money`]'s `Serialize` writes it (see [`Money::whole`]), `null` when
    /// absent.
    fn money(&mut self, amount: Option<Money>) {
        // A number needs no escaping for the script block; one that cannot be written
        // is `null`, as `write_script_json` makes it.
        if amount.is_none_or(|a| a.write_json(self.out).is_err()) {
            self.out.extend_from_slice(b"null");
        }
    }

    fn json(&mut self, value: Json<'_>) {
        match value {
            Json::Value(v) => write_script_json(self.out, v),
            Json::Money(m) => self.money(Some(m)),
            Json::Null => self.out.extend_from_slice(b"null"),
        }
    }

    fn draft(&mut self, d: &DraftData<'_>) {
        self.open(b'{');
        self.key("key");
        self.string(d.key);
        self.text("file", d.file);
        self.key("kind");
        self.string(d.kind);
        self.key("status");
        self.string(d.status);
        self.key("errors");
        self.count(d.errors);
        self.key("warnings");
        self.count(d.warnings);
        self.text("currency", d.currency.as_deref());
        self.key("amount");
        self.money(d.amount);
        self.text("disbursed", d.disbursed.as_deref());
        self.key("installments");
        self.count(d.installments);
        self.key("interest");
        self.money(d.interest);
        self.key("borrowers");
        self.borrowers(&d.borrowers);
        self.key("fields");
        self.fields(&d.fields);
        self.key("schedule");
        self.schedule(&d.schedule);
        self.key("missing");
        self.strings(d.missing.iter().copied());
        self.key("findings");
        self.open(b'[');
        for f in &d.findings {
            self.element();
            self.finding(f);
        }
        self.close(b']');
        self.key("rows");
        self.open(b'[');
        for r in &d.rows {
            self.element();
            self.open(b'{');
            self.key("file");
            self.string(r.file);
            self.text("sheet", r.sheet);
            self.key("from");
            self.count(r.from);
            self.key("to");
            self.count(r.to);
            self.close(b'}');
        }
        self.close(b']');
        self.close(b'}');
    }

    fn borrowers(&mut self, borrowers: &Borrowers<'_>) {
        self.open(b'[');
        let written: Result<(), std::convert::Infallible> = borrowers.try_each(|b| {
            self.element();
            self.borrower(b);
            Ok(())
        });
        let Ok(()) = written;
        self.close(b']');
    }

    fn borrower(&mut self, b: &BorrowerData<'_>) {
        self.open(b'{');
        self.key("name");
        self.string(&b.name);
        self.text("gender", b.gender.as_deref());
        self.text("client_id", b.client_id.as_deref());
        self.text("loan_id", b.loan_id.as_deref());
        self.key("amount");
        self.json(b.amount);
        if let Some(pictured) = b.pictured {
            self.key("pictured");
            self.out
                .extend_from_slice(if pictured { b"true" } else { b"false" });
        }
        self.close(b'}');
    }

    fn fields(&mut self, f: &Fields<'_>) {
        self.open(b'{');
        self.text("activity_id", f.activity_id.as_deref());
        self.text("client_waiver_signed", f.client_waiver_signed.as_deref());
        self.text("description", f.description.as_deref());
        self.text(
            "description_language_id",
            f.description_language_id.as_deref(),
        );
        self.text("group_name", f.group_name.as_deref());
        self.text("image", f.image.as_deref());
        self.text("internal_client_id", f.internal_client_id.as_deref());
        self.text("internal_loan_id", f.internal_loan_id.as_deref());
        self.text("loanuse", f.loanuse.as_deref());
        self.text("location", f.location.as_deref());
        self.text("theme_type_id", f.theme_type_id.as_deref());
        self.close(b'}');
    }

    fn schedule(&mut self, schedule: &Schedule<'_>) {
        self.open(b'[');
        match schedule {
            Schedule::Built(list) => {
                for [date, principal, interest] in list {
                    self.element();
                    self.open(b'[');
                    for value in [date, principal, interest] {
                        self.element();
                        self.json(*value);
                    }
                    self.close(b']');
                }
            }
            Schedule::Typed(items) => {
                for i in *items {
                    self.element();
                    self.open(b'[');
                    self.string(&i.date);
                    self.out.push(b',');
                    self.money(Some(i.principal));
                    self.out.push(b',');
                    self.money(Some(i.interest));
                    self.close(b']');
                }
            }
        }
        self.close(b']');
    }

    fn finding(&mut self, f: &FindingData<'_>) {
        self.open(b'{');
        self.key("severity");
        self.string(match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        });
        self.key("rule");
        self.string(f.rule);
        if !f.field.is_empty() {
            self.key("field");
            self.string(f.field);
        }
        self.key("message");
        self.string(f.message);
        self.text("value", f.value);
        if !f.sources.is_empty() {
            self.key("sources");
            self.open(b'[');
            for s in f.sources {
                self.element();
                self.open(b'{');
                self.key("file");
                self.string(&s.file);
                self.text("sheet", s.sheet.as_deref());
                self.key("row");
                self.count(s.row);
                self.text("column", s.column.as_deref());
                self.close(b'}');
            }
            self.close(b']');
        }
        self.close(b'}');
    }
}

/// Appends a draft's page data to `out` ([`ScriptJson`]).
pub(super) fn write_draft_data(out: &mut Vec<u8>, data: &DraftData<'_>) {
    ScriptJson {
        out,
        has_value: false,
    }
    .draft(data);
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

//! `summary.json`: the inputs as read, every draft with its source rows (as runs of
//! consecutive rows), every failed loan with its problems, every ignored row with its
//! reason, and the row counts (`read = used + ignored`).

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Debug, Serialize)]
pub struct InputSummary {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub role: &'static str,
    pub header_row: usize,
    pub header_rows: usize,
    pub header_detected: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preamble: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub rows: usize,
    pub blank_rows: usize,
    /// Merged cells below the header, read on each row they cover.
    #[serde(skip_serializing_if = "is_zero")]
    pub merged_ranges: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Serialize)]
pub struct DraftEntry {
    pub file: String,
    pub loan_key: String,
    pub kind: &'static str,
    pub borrowers: usize,
    pub amount: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub installments: usize,
    /// Rule errors (the draft cannot be published as is; upload skips it).
    pub errors: usize,
    /// Rule warnings (to fill in PA2 before publishing).
    pub warnings: usize,
    pub rows: RowList,
}

#[derive(Debug, Serialize)]
pub struct ProblemEntry {
    /// The rule broken (`input-value` for a cell that could not be read).
    pub rule: &'static str,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct FailedEntry {
    pub loan_key: String,
    pub problems: Vec<ProblemEntry>,
    pub rows: RowList,
}

#[derive(Debug, Serialize)]
pub struct IgnoredEntry {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct RowCounts {
    /// Data rows read (below the header, blank rows excluded).
    pub read: usize,
    /// Rows that went into a written draft.
    pub used: usize,
    /// Rows that did not (each listed in `ignored_rows` with its reason).
    pub ignored: usize,
    /// Blank rows below the headers, skipped (not in `read`).
    pub blank: usize,
}

/// `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub tool: String,
    pub template: String,
    pub shape: String,
    pub inputs: Vec<InputSummary>,
    pub loans: usize,
    pub individual: usize,
    pub group: usize,
    pub borrowers: usize,
    pub totals: BTreeMap<String, Money>,
    pub loans_with_errors: usize,
    pub drafts_with_rule_errors: usize,
    pub drafts_with_warnings: usize,
    pub rows: RowCounts,
    pub drafts: Vec<DraftEntry>,
    pub errors: Vec<FailedEntry>,
    pub ignored_rows: Vec<IgnoredEntry>,
}

impl Summary {
    /// The paths of the drafts listed, in folder `dir`: the drafts a run wrote there.
    pub(super) fn draft_paths<'a>(&'a self, dir: &'a Path) -> impl Iterator<Item = PathBuf> + 'a {
        self.drafts.iter().map(move |d| dir.join(&d.file))
    }

    /// The review page's title (the input files) and its lines about the conversion.
    pub fn page_about(&self) -> (String, Vec<String>) {
        let mut files: Vec<&str> = Vec::new();
        for input in &self.inputs {
            if !files.contains(&input.file.as_str()) {
                files.push(&input.file);
            }
        }
        let mut about = vec![format!("template: {}", self.template)];
        about.extend(self.inputs.iter().map(|i| {
            let sheet = i
                .sheet
                .as_ref()
                .map(|s| format!(", sheet {s}"))
                .unwrap_or_default();
            format!(
                "{} input: {}{sheet} (header on row {})",
                i.role, i.file, i.header_row
            )
        }));
        about.push(self.tool.clone());
        (files.join(", "), about)
    }

    /// The row counts, as the review page shows them.
    pub fn row_totals(&self) -> review::RowTotals {
        review::RowTotals {
            read: self.rows.read,
            used: self.rows.used,
            ignored: self.rows.ignored,
            blank: self.rows.blank,
        }
    }
}

/// Source rows of a draft, kept and written to `summary.json` as ranges of consecutive
/// rows (a loan's rows mostly are).
#[derive(Debug, Default, Clone)]
pub struct RowList(Vec<(&'static read::Source, usize, usize)>);

impl RowList {
    pub fn of(origins: &[read::Origin]) -> RowList {
        let mut list = RowList::default();
        for o in origins {
            match list.0.last_mut() {
                Some((source, _, to)) if std::ptr::eq(*source, o.source) && *to + 1 == o.row => {
                    *to = o.row;
                }
                _ => list.0.push((o.source, o.row, o.row)),
            }
        }
        list
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.0.iter().map(|(_, from, to)| to - from + 1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for RowList {
    /// As ranges, `[{file, sheet, from, to}]`: a summary listing every source row as
    /// its own object grew to 125 MB for 1.5M rows.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(source, from, to)| RowRange {
            file: &source.file,
            sheet: source.sheet.as_deref(),
            from: *from,
            to: *to,
        }))
    }
}

pub(super) fn problem_entry(p: &Problem) -> ProblemEntry {
    ProblemEntry {
        rule: p.rule,
        file: p.origin.source.file.clone(),
        sheet: p.origin.source.sheet.clone(),
        row: p.origin.row,
        column: p.origin.column.map(str::to_string),
        value: p.value.clone(),
        message: p.message.clone(),
    }
}

impl std::fmt::Display for ProblemEntry {
    /// As [`Problem`] prints: the place, the value, what is wrong.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        report::write_place(
            f,
            &self.file,
            self.sheet.as_deref(),
            self.row,
            self.column.as_deref(),
        )?;
        match &self.value {
            Some(v) => write!(f, ": '{v}' {}", self.message),
            None => write!(f, ": {}", self.message),
        }
    }
}

pub(super) fn input_summary(
    table: &Table,
    role: &'static str,
    (rows, blank): (usize, usize),
) -> InputSummary {
    InputSummary {
        file: table.source.file.clone(),
        sheet: table.source.sheet.clone(),
        role,
        header_row: table.header_row,
        header_rows: table.header_rows,
        header_detected: table.header_detected,
        preamble: table.preamble.clone(),
        encoding: table.encoding,
        delimiter: table.delimiter.map(|d| {
            if d == b'\t' {
                "tab".to_string()
            } else {
                (d as char).to_string()
            }
        }),
        rows,
        blank_rows: blank,
        merged_ranges: table.merged_ranges(),
    }
}

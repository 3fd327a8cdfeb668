//! The page's data per draft ([`DraftData`]) and the summary's totals ([`Tally`]): what
//! the page's script reads, built from a draft's JSON (`review DIR`) or straight from
//! the typed draft (`convert`), which a property test holds to the same output.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The page's data, embedded as JSON: these fields, then `drafts`, spliced in by
/// [`Page::write`] (last, so the drafts are copied into the page and never held as one
/// value).
#[derive(Debug, Serialize)]
pub(super) struct PageHead<'a> {
    pub(super) title: &'a str,
    /// Minor units of the currencies in the page, for formatting amounts.
    pub(super) currencies: &'a BTreeMap<String, u32>,
    pub(super) checklist: Vec<ChecklistItem>,
    /// Descriptions of the rules found.
    pub(super) rules: &'a BTreeMap<&'static str, &'static str>,
    pub(super) summary: &'a SummaryData<'a>,
}

#[derive(Debug, Serialize)]
pub(super) struct ChecklistItem {
    pub(super) rule: &'static str,
    pub(super) label: &'static str,
}

#[derive(Debug, Serialize)]
pub(super) struct SummaryData<'a> {
    /// Draft files (written or read), including unreadable ones.
    pub(super) drafts: usize,
    pub(super) individual: usize,
    pub(super) group: usize,
    /// Loans that could not be converted (no draft).
    pub(super) not_converted: usize,
    pub(super) borrowers: usize,
    /// Amounts per currency, drafts only.
    pub(super) totals: &'a BTreeMap<String, Money>,
    /// Loans (drafts and not converted) by status.
    pub(super) ok: usize,
    pub(super) warnings: usize,
    pub(super) errors: usize,
    pub(super) rules: Vec<RuleCount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) rows: Option<RowTotals>,
}

#[derive(Debug, Serialize)]
pub(super) struct RuleCount {
    pub(super) rule: &'static str,
    pub(super) severity: Severity,
    pub(super) findings: usize,
    /// Loans concerned.
    pub(super) loans: usize,
}

/// A draft of a conversion as [`PageWriter::add_draft`] takes it: borrowed from the
/// conversion's loan, its file name and its findings.
pub struct DraftView<'a> {
    pub key: &'a str,
    pub file: &'a str,
    pub draft: &'a LoanDraft,
    /// The input rows the loan came from.
    pub rows: &'a [Origin],
    /// Its rule errors and warnings (the source cells are only shown for those not in
    /// [`CHECKLIST`]).
    pub findings: &'a [FindingData<'a>],
}

#[derive(Debug, Serialize)]
pub(super) struct DraftData<'a> {
    pub(super) key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) file: Option<&'a str>,
    /// `individual`, `group`, `not converted` or `unreadable`.
    pub(super) kind: &'static str,
    /// `ok`, `warnings` or `errors`.
    pub(super) status: &'static str,
    pub(super) errors: usize,
    pub(super) warnings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) currency: Option<Cow<'a, str>>,
    pub(super) amount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) disbursed: Option<Cow<'a, str>>,
    pub(super) installments: usize,
    pub(super) interest: Option<Money>,
    pub(super) borrowers: Borrowers<'a>,
    /// Loan fields to show (present ones only), by API name.
    pub(super) fields: Fields<'a>,
    /// Installments as `[date, principal, interest]`, values as in the draft.
    pub(super) schedule: Schedule<'a>,
    /// Checklist rules this draft breaks (fields still to fill in PA2).
    pub(super) missing: Vec<&'static str>,
    /// The other findings.
    pub(super) findings: Vec<FindingData<'a>>,
    pub(super) rows: Vec<RowRange<'a>>,
}

/// A value of the draft as the page's data holds it: from a draft's JSON, or from a
/// typed draft, written as its JSON would be.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(untagged)]
pub(super) enum Json<'a> {
    Value(&'a Value),
    Money(Money),
    Null,
}

/// A draft's borrowers: built from a draft's JSON, or a typed draft's, each written as
/// it is serialized (nothing built per draft).
#[derive(Debug)]
pub(super) enum Borrowers<'a> {
    Built(Vec<BorrowerData<'a>>),
    Typed {
        entreps: &'a [Entrep],
        not_pictured: Option<&'a [bool]>,
    },
}

impl Borrowers<'_> {
    pub(super) fn len(&self) -> usize {
        match self {
            Borrowers::Built(list) => list.len(),
            Borrowers::Typed { entreps, .. } => entreps.len(),
        }
    }
}

impl Borrowers<'_> {
    /// Calls `f` with each borrower's data, in order (a typed draft's made as it goes,
    /// the names joined in one buffer), until `f` fails.
    pub(super) fn try_each<E>(
        &self,
        mut f: impl FnMut(&BorrowerData<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let (entreps, not_pictured) = match self {
            Borrowers::Built(list) => return list.iter().try_for_each(f),
            Borrowers::Typed {
                entreps,
                not_pictured,
            } => (entreps, not_pictured),
        };
        let mut buffer = String::new();
        for (i, e) in entreps.iter().enumerate() {
            f(&BorrowerData {
                name: Cow::Borrowed(join_name(
                    e.first_name.as_deref(),
                    e.last_name.as_deref(),
                    &mut buffer,
                )),
                gender: e.gender.as_deref().map(Cow::Borrowed),
                client_id: e.client_id.as_deref().map(Cow::Borrowed),
                loan_id: e.loan_id.as_deref().map(Cow::Borrowed),
                amount: e.amount.map_or(Json::Null, Json::Money),
                pictured: not_pictured.and_then(|list| list.get(i)).map(|not| !not),
            })?;
        }
        Ok(())
    }
}

impl Serialize for Borrowers<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        self.try_each(|b| seq.serialize_element(b))?;
        seq.end()
    }
}

/// A draft's installments: built from a draft's JSON, or a typed draft's, each written
/// as `[date, principal, interest]` as it is serialized (nothing built per draft).
#[derive(Debug)]
pub(super) enum Schedule<'a> {
    Built(Vec<[Json<'a>; 3]>),
    Typed(&'a [ScheduleItem]),
}

impl Serialize for Schedule<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Schedule::Built(list) => list.serialize(serializer),
            // A tuple is written as an array, as `[Json; 3]` is.
            Schedule::Typed(items) => serializer.collect_seq(
                items
                    .iter()
                    .map(|i| (i.date.as_str(), i.principal, i.interest)),
            ),
        }
    }
}

/// The loan fields the detail view shows, those present only. Declared in the order of
/// their names, which is the order of the keys in the page's data (that of a map
/// sorted by key), without building a map per draft.
#[derive(Debug, Default, Serialize)]
pub(super) struct Fields<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) activity_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) client_waiver_signed: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) description: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) description_language_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) group_name: Option<Cow<'a, str>>,
    /// What the page shows of the image ([`image_note`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) image: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) internal_client_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) internal_loan_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) loanuse: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) location: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) theme_type_id: Option<Cow<'a, str>>,
}

#[derive(Debug, Serialize)]
pub(super) struct BorrowerData<'a> {
    /// First and last name, either or both (as [`full_name`] joins them).
    pub(super) name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) gender: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) client_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) loan_id: Option<Cow<'a, str>>,
    pub(super) amount: Json<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) pictured: Option<bool>,
}

/// A finding as the page shows it (borrowed from a [`Finding`], or from a diagnostic
/// and its source cells).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FindingData<'a> {
    pub severity: Severity,
    pub rule: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub field: &'a str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub sources: &'a [SourceRef],
}

impl<'a> FindingData<'a> {
    pub fn of(f: &'a Finding) -> FindingData<'a> {
        FindingData {
            severity: f.severity,
            rule: f.rule,
            field: &f.field,
            message: &f.message,
            value: f.value.as_deref(),
            sources: &f.sources,
        }
    }
}

/// Whether the page lists a rule's findings as fields to fill in PA2 (without their
/// messages and source cells).
pub fn is_checklist(rule: &str) -> bool {
    CHECKLIST.iter().any(|(r, _)| *r == rule)
}

/// Consecutive rows of one sheet, `from..=to`: in the page's data and in
/// `summary.json`.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub(crate) struct RowRange<'a> {
    pub file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<&'a str>,
    pub from: usize,
    pub to: usize,
}

/// A JSON value as display text: strings as they are, other values as JSON.
pub(super) fn text(v: Option<&Value>) -> Option<Cow<'_, str>> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(Cow::Borrowed(s)),
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// A JSON number as an exact decimal.
pub(super) fn decimal(v: &Value) -> Option<Decimal> {
    let Value::Number(n) = v else { return None };
    let s = n.to_string();
    Decimal::from_str_exact(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .ok()
}

/// The sum of the values, when every one is a number.
pub(super) fn sum<'a>(values: impl Iterator<Item = Option<&'a Value>>) -> Option<Money> {
    values
        .map(|v| v.and_then(decimal))
        .sum::<Option<Decimal>>()
        .map(|d| Money(d.normalize()))
}

/// Source rows, `(file, sheet, row)`, collapsed into ranges per file and sheet (first
/// seen first).
pub(super) fn row_ranges<'a>(
    rows: impl Iterator<Item = (&'a str, Option<&'a str>, usize)>,
) -> Vec<RowRange<'a>> {
    type Sheet<'a> = (&'a str, Option<&'a str>);
    let mut sheets: Vec<(Sheet<'a>, Vec<usize>)> = Vec::new();
    for (file, sheet, row) in rows {
        let at = (file, sheet);
        match sheets.iter_mut().find(|(k, _)| *k == at) {
            Some((_, list)) => list.push(row),
            None => sheets.push((at, vec![row])),
        }
    }
    let mut out = Vec::new();
    for ((file, sheet), mut list) in sheets {
        list.sort_unstable();
        list.dedup();
        for row in list {
            match out.last_mut() {
                Some(RowRange {
                    file: f,
                    sheet: s,
                    to,
                    ..
                }) if *f == file && *s == sheet && *to + 1 == row => *to = row,
                _ => out.push(RowRange {
                    file,
                    sheet,
                    from: row,
                    to: row,
                }),
            }
        }
    }
    out
}

/// [`row_ranges`] of a loan's input rows. A loan's rows mostly come from one sheet,
/// in order: then the ranges are made as the rows come, without sorting them by sheet.
pub(super) fn origin_ranges(rows: &[Origin]) -> Vec<RowRange<'_>> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let in_order = rows.windows(2).all(|w| w[0].row <= w[1].row)
        && rows.iter().all(|o| std::ptr::eq(o.source, first.source));
    if !in_order {
        return row_ranges(
            rows.iter()
                .map(|o| (o.source.file.as_str(), o.source.sheet.as_deref(), o.row)),
        );
    }
    let (file, sheet) = (first.source.file.as_str(), first.source.sheet.as_deref());
    let mut out: Vec<RowRange<'_>> = Vec::new();
    for o in rows {
        match out.last_mut() {
            // The same row twice (several installments on one row) counts once.
            Some(range) if o.row <= range.to + 1 => range.to = o.row.max(range.to),
            _ => out.push(RowRange {
                file,
                sheet,
                from: o.row,
                to: o.row,
            }),
        }
    }
    out
}

/// What the page shows of an image (`image_encoded`, else `image_url`, when text): its
/// kind and size, not the data.
pub(super) fn image_note(encoded: Option<&str>, url: Option<&str>) -> Option<String> {
    if let Some(uri) = encoded {
        let data = uri.split_once(',').map_or("", |(_, d)| d);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok();
        return Some(match bytes {
            Some(b) => format!(
                "{} image, {} KB",
                validate::image_kind(&b).unwrap_or("unknown"),
                b.len().div_ceil(1024)
            ),
            None => "image_encoded (not readable)".to_string(),
        });
    }
    url.map(|u| format!("image_url {u}"))
}

/// The data of a loan, its draft aside: status and findings, source rows.
pub(super) fn loan_data<'a>(
    key: &'a str,
    file: Option<&'a str>,
    all: impl Iterator<Item = FindingData<'a>>,
    rows: Vec<RowRange<'a>>,
) -> DraftData<'a> {
    let mut errors = 0;
    let mut warnings = 0;
    let mut missing = Vec::new();
    let mut findings = Vec::new();
    for f in all {
        match f.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
        }
        match CHECKLIST.iter().find(|(rule, _)| *rule == f.rule) {
            Some((rule, _)) => missing.push(*rule),
            None => findings.push(f),
        }
    }
    let status = if errors > 0 {
        "errors"
    } else if warnings > 0 {
        "warnings"
    } else {
        "ok"
    };
    DraftData {
        key,
        file,
        kind: if file.is_some() {
            "unreadable"
        } else {
            "not converted"
        },
        status,
        errors,
        warnings,
        currency: None,
        amount: None,
        disbursed: None,
        installments: 0,
        interest: None,
        borrowers: Borrowers::Built(Vec::new()),
        fields: Fields::default(),
        schedule: Schedule::Built(Vec::new()),
        missing,
        findings,
        rows,
    }
}

pub(super) fn draft_data(entry: &LoanEntry) -> DraftData<'_> {
    let rows = entry
        .rows
        .iter()
        .map(|r| (r.file.as_str(), r.sheet.as_deref(), r.row));
    let mut data = loan_data(
        &entry.key,
        entry.file.as_deref(),
        entry.findings.iter().map(FindingData::of),
        row_ranges(rows),
    );
    let Some(obj) = entry.draft.as_ref().and_then(Value::as_object) else {
        return data;
    };
    let entreps: &[Value] = obj
        .get("entreps")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let not_pictured = obj.get("not_pictured").and_then(Value::as_array);
    let schedule: &[Value] = obj
        .get("schedule")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    data.kind = if entreps.len() > 1 {
        "group"
    } else {
        "individual"
    };
    data.currency = text(obj.get("currency"));
    data.disbursed = text(obj.get("disburse_time"));
    data.amount = if entreps.is_empty() {
        None
    } else {
        sum(entreps.iter().map(|e| e.get("amount")))
    };
    data.installments = schedule.len();
    data.interest = if schedule.is_empty() {
        None
    } else {
        sum(schedule.iter().map(|i| i.get("interest")))
    };
    data.borrowers = Borrowers::Built(
        entreps
            .iter()
            .enumerate()
            .map(|(i, e)| BorrowerData {
                name: Cow::Owned(full_name(
                    text(e.get("first_name")).as_deref(),
                    text(e.get("last_name")).as_deref(),
                )),
                gender: text(e.get("gender")),
                client_id: text(e.get("client_id")),
                loan_id: text(e.get("loan_id")),
                amount: e.get("amount").map_or(Json::Null, Json::Value),
                pictured: not_pictured
                    .and_then(|list| list.get(i))
                    .and_then(Value::as_bool)
                    .map(|not| !not),
            })
            .collect(),
    );
    let field = |name: &str| text(obj.get(name));
    let image = image_note(
        obj.get("image_encoded").and_then(Value::as_str),
        obj.get("image_url").and_then(Value::as_str),
    );
    data.fields = Fields {
        activity_id: field("activity_id"),
        client_waiver_signed: field("client_waiver_signed"),
        description: field("description"),
        description_language_id: field("description_language_id"),
        group_name: field("group_name"),
        image: image.map(Cow::Owned),
        internal_client_id: field("internal_client_id"),
        internal_loan_id: field("internal_loan_id"),
        loanuse: field("loanuse"),
        location: field("location"),
        theme_type_id: field("theme_type_id"),
    };
    data.schedule = Schedule::Built(
        schedule
            .iter()
            .map(|i| {
                let get = |k: &str| i.get(k).map_or(Json::Null, Json::Value);
                [get("date"), get("principal"), get("interest")]
            })
            .collect(),
    );
    data
}

/// A borrower's name as the page shows it: first and last name, either or both.
pub(super) fn full_name(first: Option<&str>, last: Option<&str>) -> String {
    join_name(first, last, &mut String::new()).to_string()
}

/// [`full_name`], a name in two parts joined in `buffer` (reused for every borrower of
/// a draft), a name in one part borrowed as it is.
pub(super) fn join_name<'a>(
    first: Option<&'a str>,
    last: Option<&'a str>,
    buffer: &'a mut String,
) -> &'a str {
    match (first, last) {
        (Some(first), Some(last)) => {
            buffer.clear();
            buffer.extend([first, " ", last]);
            buffer
        }
        (first, last) => first.or(last).unwrap_or_default(),
    }
}

/// The sum of amounts as the draft's JSON holds them, when every one is there.
pub(super) fn sum_money(amounts: impl Iterator<Item = Option<Money>>) -> Option<Money> {
    amounts
        .map(|m| m.and_then(Money::json_decimal))
        .sum::<Option<Decimal>>()
        .map(|d| Money(d.normalize()))
}

/// [`draft_data`] of a typed draft: the data its JSON would give.
pub(super) fn typed_draft_data<'a>(view: &DraftView<'a>) -> DraftData<'a> {
    let mut data = loan_data(
        view.key,
        Some(view.file),
        view.findings.iter().copied(),
        origin_ranges(view.rows),
    );
    let d = view.draft;
    let borrowed = |s: &'a Option<String>| s.as_deref().map(Cow::Borrowed);
    data.kind = if d.entreps.len() > 1 {
        "group"
    } else {
        "individual"
    };
    data.currency = borrowed(&d.currency);
    data.disbursed = borrowed(&d.disburse_time);
    data.amount = if d.entreps.is_empty() {
        None
    } else {
        sum_money(d.entreps.iter().map(|e| e.amount))
    };
    data.installments = d.schedule.len();
    data.interest = if d.schedule.is_empty() {
        None
    } else {
        sum_money(d.schedule.iter().map(|i| Some(i.interest)))
    };
    data.borrowers = Borrowers::Typed {
        entreps: &d.entreps,
        not_pictured: d.not_pictured.as_deref(),
    };
    let number = |n: Option<u64>| n.map(|n| Cow::Owned(n.to_string()));
    data.fields = Fields {
        activity_id: number(d.activity_id),
        client_waiver_signed: d
            .client_waiver_signed
            .map(|b| Cow::Borrowed(if b { "true" } else { "false" })),
        description: borrowed(&d.description),
        description_language_id: number(d.description_language_id),
        group_name: borrowed(&d.group_name),
        image: image_note(d.image_encoded.as_deref(), d.image_url.as_deref()).map(Cow::Owned),
        internal_client_id: borrowed(&d.internal_client_id),
        internal_loan_id: borrowed(&d.internal_loan_id),
        loanuse: borrowed(&d.loanuse),
        location: borrowed(&d.location),
        theme_type_id: number(d.theme_type_id),
    };
    data.schedule = Schedule::Typed(&d.schedule);
    data
}

/// The page's totals, fed one loan at a time: what the summary needs, and nothing that
/// grows with the number of loans (only with the currencies and rules found).
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Loans added, which numbers them for `rules`.
    loans: usize,
    drafts: usize,
    not_converted: usize,
    individual: usize,
    group: usize,
    borrowers: usize,
    ok: usize,
    warnings: usize,
    errors: usize,
    totals: BTreeMap<String, Money>,
    pub(super) currencies: BTreeMap<String, u32>,
    pub(super) rules: BTreeMap<(Severity, &'static str), RuleTally>,
}

#[derive(Debug)]
pub(super) struct RuleTally {
    findings: usize,
    loans: usize,
    /// The last loan counted in `loans`: a loan with the same finding twice (two
    /// borrowers without a gender) counts once.
    last: usize,
}

impl Tally {
    /// Counts a loan: `converted` when it is a draft file, `findings` the severity and
    /// rule of each of its findings.
    pub(super) fn add(
        &mut self,
        converted: bool,
        d: &DraftData<'_>,
        findings: impl Iterator<Item = (Severity, &'static str)>,
    ) {
        let loan = self.loans;
        self.loans += 1;
        if converted {
            self.drafts += 1;
        } else {
            self.not_converted += 1;
        }
        match d.kind {
            "individual" => self.individual += 1,
            "group" => self.group += 1,
            _ => {}
        }
        self.borrowers += d.borrowers.len();
        match d.status {
            "ok" => self.ok += 1,
            "warnings" => self.warnings += 1,
            _ => self.errors += 1,
        }
        if let Some(code) = d.currency.as_deref()
            && !self.currencies.contains_key(code)
            && let Some(units) = money::minor_units(code)
        {
            self.currencies.insert(code.to_string(), units);
        }
        if matches!(d.kind, "individual" | "group") {
            let amount = d.amount.unwrap_or_default();
            let currency = d.currency.as_deref().unwrap_or("(no currency)");
            match self.totals.get_mut(currency) {
                Some(total) => *total += amount,
                None => {
                    self.totals
                        .insert(currency.to_string(), Money::default() + amount);
                }
            }
        }
        for (severity, rule) in findings {
            let rule = self.rules.entry((severity, rule)).or_insert(RuleTally {
                findings: 0,
                loans: 0,
                last: usize::MAX,
            });
            rule.findings += 1;
            if rule.last != loan {
                rule.last = loan;
                rule.loans += 1;
            }
        }
    }

    pub(super) fn summary(&self, rows: Option<RowTotals>) -> SummaryData<'_> {
        SummaryData {
            drafts: self.drafts,
            individual: self.individual,
            group: self.group,
            not_converted: self.not_converted,
            borrowers: self.borrowers,
            totals: &self.totals,
            ok: self.ok,
            warnings: self.warnings,
            errors: self.errors,
            rules: self
                .rules
                .iter()
                .map(|((severity, rule), tally)| RuleCount {
                    rule,
                    severity: *severity,
                    findings: tally.findings,
                    loans: tally.loans,
                })
                .collect(),
            rows,
        }
    }

    pub(super) fn counts(&self) -> PageCounts {
        PageCounts {
            drafts: self.drafts,
            not_converted: self.not_converted,
            ok: self.ok,
            warnings: self.warnings,
            errors: self.errors,
        }
    }
}

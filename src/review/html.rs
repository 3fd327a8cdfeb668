//! The page's HTML around the data: head with its Content-Security-Policy, summary,
//! the drafts table's skeleton, and the small formatters they use (HTML escaping,
//! amounts with their currency's minor units, counts with thousands separators).

#[allow(clippy::wildcard_imports)]
use super::*;

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A count with thousands separators: `5,000`.
pub(super) fn count(n: usize) -> String {
    group_digits(&n.to_string())
}

pub(super) fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount with thousands separators and the currency's decimals: `19,600,000`,
/// `1,250.50` (more decimals are kept, never rounded away).
pub fn format_money(amount: Money, currency: &str) -> String {
    let value = amount.0.normalize();
    let text = value.abs().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut frac = frac.to_string();
    if let Some(units) = money::minor_units(currency) {
        while frac.len() < units as usize {
            frac.push('0');
        }
    }
    let sign = if value.is_sign_negative() && !value.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", group_digits(int))
    } else {
        format!("{sign}{}.{frac}", group_digits(int))
    }
}

/// `'sha256-...'` for a Content-Security-Policy.
pub(super) fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page: static summary, the table's frame, the data, the script. Built as
/// [`PageWriter`] builds it, in memory.
pub fn render(input: &ReviewInput) -> String {
    let mut page = Page::new(Store::Memory(Vec::new()));
    // In memory nothing can fail: the store and the page are vectors.
    for (order, entry) in input.loans.iter().enumerate() {
        let _ = page.add(order, entry);
    }
    let size = match &page.store {
        Store::Memory(bytes) => bytes.len(),
        Store::File(_) => 0,
    };
    let mut html = Vec::with_capacity(size + 128 * 1024);
    let _ = page.write(&mut html, &input.title, &input.about, input.rows);
    String::from_utf8(html).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The page up to the data: head, summary, the table's frame, and the data block's
/// opening tag.
pub(super) fn page_top(
    title: &str,
    about: &[String],
    s: &SummaryData<'_>,
    rules: &BTreeMap<&'static str, &'static str>,
) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let title = if title.is_empty() {
        "Review of loan drafts".to_string()
    } else {
        format!("Review: {title}")
    };
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src {}; style-src {}; img-src data:\">\n\
         <meta name=\"generator\" content=\"kiva-drafts {}\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        csp_hash(SCRIPT),
        csp_hash(STYLE),
        env!("CARGO_PKG_VERSION"),
        escape_html(&title)
    );
    let _ = write!(html, "<header>\n<h1>{}</h1>\n", escape_html(&title));
    if !about.is_empty() {
        html.push_str("<ul class=\"about\">\n");
        for line in about {
            let _ = writeln!(html, "<li>{}</li>", escape_html(line));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</header>\n<main>\n");
    summary_html(&mut html, s, rules);
    html.push_str(DRAFTS_SECTION);
    html.push_str("</main>\n<script type=\"application/json\" id=\"review-data\">");
    html
}

pub(super) fn stat(html: &mut String, name: &str, label: &str, value: usize) {
    let _ = writeln!(
        html,
        "<div class=\"stat\"><dt>{label}</dt><dd data-stat=\"{name}\">{}</dd></div>",
        count(value)
    );
}

pub(super) fn summary_html(
    html: &mut String,
    s: &SummaryData<'_>,
    rules: &BTreeMap<&'static str, &'static str>,
) {
    html.push_str(
        "<section id=\"summary\" aria-labelledby=\"summary-title\">\n\
         <h2 id=\"summary-title\">Summary</h2>\n<dl class=\"stats\">\n",
    );
    stat(html, "drafts", "Drafts", s.drafts);
    stat(html, "individual", "Individual", s.individual);
    stat(html, "group", "Group", s.group);
    if s.not_converted > 0 {
        stat(html, "not_converted", "Not converted", s.not_converted);
    }
    stat(html, "borrowers", "Borrowers", s.borrowers);
    stat(html, "ok", "Ready", s.ok);
    stat(html, "warnings", "With warnings only", s.warnings);
    stat(html, "errors", "With errors", s.errors);
    html.push_str("</dl>\n");
    if let Some(rows) = &s.rows {
        let _ = writeln!(
            html,
            "<p class=\"rows\" data-rows>Input rows: {} read, {} used, {} ignored{}.</p>",
            count(rows.read),
            count(rows.used),
            count(rows.ignored),
            if rows.blank > 0 {
                format!(" ({} blank skipped)", count(rows.blank))
            } else {
                String::new()
            }
        );
    }
    html.push_str("<div class=\"tables\">\n");
    if !s.totals.is_empty() {
        html.push_str(
            "<table class=\"totals\">\n<caption>Totals per currency</caption>\n\
             <thead><tr><th scope=\"col\">Currency</th><th scope=\"col\" class=\"num\">Amount</th></tr></thead>\n<tbody>\n",
        );
        for (currency, total) in s.totals {
            let _ = writeln!(
                html,
                "<tr data-currency=\"{c}\"><th scope=\"row\">{c}</th><td class=\"num\" data-total>{}</td></tr>",
                escape_html(&format_money(*total, currency)),
                c = escape_html(currency)
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    if s.rules.is_empty() {
        html.push_str("<p class=\"clean\">No errors or warnings.</p>\n");
    } else {
        html.push_str(
            "<table class=\"rules\">\n<caption>Errors and warnings by rule</caption>\n\
             <thead><tr><th scope=\"col\">Rule</th>\
             <th scope=\"col\" class=\"num\">Findings</th><th scope=\"col\" class=\"num\">Loans</th>\
             <th scope=\"col\"><span class=\"visually-hidden\">Filter</span></th></tr></thead>\n<tbody>\n",
        );
        for r in &s.rules {
            let _ = writeln!(
                html,
                "<tr class=\"sev-{sev}\" data-rule=\"{rule}\"><th scope=\"row\"><span class=\"badge {sev}\">{sev}</span>\
                 <code>{rule}</code><span class=\"rule-text\">{desc}</span></th>\
                 <td class=\"num\" data-findings>{}</td><td class=\"num\" data-loans>{}</td>\
                 <td><button type=\"button\" class=\"rule-filter\" data-rule=\"{rule}\">Show loans</button></td></tr>",
                count(r.findings),
                count(r.loans),
                sev = r.severity,
                rule = escape_html(r.rule),
                desc = escape_html(rules.get(r.rule).copied().unwrap_or(""))
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    html.push_str("</div>\n</section>\n");
}

/// The drafts table's frame; the script fills it.
pub(super) const DRAFTS_SECTION: &str = r#"<section id="drafts" aria-labelledby="drafts-title">
<h2 id="drafts-title">Drafts</h2>
<form class="filters" role="search" aria-label="Filter drafts" id="filters">
<label>Status <select id="f-status" name="status"><option value="">all</option><option value="ok">ok</option><option value="warnings">warnings</option><option value="errors">errors</option></select></label>
<label>Currency <select id="f-currency" name="currency"><option value="">all</option></select></label>
<label>Kind <select id="f-kind" name="kind"><option value="">all</option><option value="individual">individual</option><option value="group">group</option><option value="not converted">not converted</option><option value="unreadable">unreadable</option></select></label>
<label class="search">Search <input type="search" id="f-text" name="q" placeholder="loan, borrower, id, file…" autocomplete="off"></label>
<span id="f-rule-box" hidden>Rule <code id="f-rule"></code> <button type="button" id="f-rule-clear">clear</button></span>
<button type="reset" id="f-reset">Reset</button>
<output id="count" aria-live="polite"></output>
</form>
<noscript><p class="warning">The table of drafts needs JavaScript; the summary above does not.</p></noscript>
<table id="drafts-table">
<caption class="visually-hidden">Loan drafts; activate a loan key to show its details</caption>
<colgroup><col class="c-key"><col class="c-kind"><col class="c-borrowers"><col class="c-amount"><col class="c-currency"><col class="c-date"><col class="c-inst"><col class="c-interest"><col class="c-status"></colgroup>
<thead><tr>
<th scope="col" aria-sort="none"><button type="button" data-sort="key">Loan</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="kind">Kind</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="borrowers">Borrowers</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="amount">Amount</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="currency">Currency</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="disbursed">Disbursed</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="installments">Inst.</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="interest">Interest</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="status">Status</button></th>
</tr></thead>
<tbody id="rows"></tbody>
</table>
<p id="empty" hidden>No loan matches the filters.</p>
<p class="more"><button type="button" id="more" hidden>Show more</button></p>
</section>
"#;

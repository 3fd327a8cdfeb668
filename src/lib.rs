//! kiva-drafts: MIS exports (CSV, Excel, ODS) to Kiva loan_draft JSON.

pub mod amortize;

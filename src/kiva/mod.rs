//! Kiva's Partner API: authentication, the HTTP client, bulk upload and its ledger.

pub mod upload;

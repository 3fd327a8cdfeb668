//! Kiva's Partner API: credentials and tokens, the HTTP client, and the bulk upload of
//! a drafts folder with its ledger.
//!
//! [`upload`] is the command; it reads the folder, asks [`ledger`] what was already
//! sent, opens a [`connection`] (a token from [`auth`] with the [`credentials`]), and
//! sends the drafts through [`client`]. Secrets are held as [`secret::Secret`] so they
//! never print.

pub mod auth;
pub mod client;
pub mod config;
pub mod connection;
pub mod credentials;
pub mod ledger;
mod progress;
pub mod secret;
pub mod upload;

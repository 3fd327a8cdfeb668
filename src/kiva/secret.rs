//! Secrets (the client id and secret, access tokens) that never print.
//!
//! A [`Secret`] shows as `[redacted]` in `Debug` and `Display`, so no `{:?}` of a
//! struct holding one can leak it. Text that comes from outside (a server's error
//! message, an HTTP library's error chain) goes through a [`Redactor`], which knows
//! every secret of the run, before it is printed or written to the ledger.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

/// What a secret prints as.
pub const REDACTED: &str = "[redacted]";

/// A credential or token: readable with [`Secret::expose`], never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The value itself, for an HTTP header or form field only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Removes every secret of the run from outside text. Cloning shares the list, so a
/// token learned by one thread is redacted everywhere.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<Secret>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor")
    }
}

impl Redactor {
    /// Adds a secret to redact from now on. Very short values are not redacted (they
    /// would mangle ordinary words); real credentials and tokens are long.
    pub fn add(&self, secret: &Secret) {
        if secret.expose().len() < 4 {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(PoisonError::into_inner);
        if !secrets.contains(secret) {
            secrets.push(secret.clone());
        }
    }

    /// `text` with every known secret replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        let mut out = text.to_string();
        for secret in secrets.iter() {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("s3cr3t-value");
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(secret.expose(), "s3cr3t-value");
    }

    #[test]
    fn redactor_removes_known_secrets_from_outside_text() {
        let redactor = Redactor::default();
        redactor.add(&Secret::new("s3cr3t-value"));
        redactor.add(&Secret::new("ab"));
        let shared = redactor.clone();
        shared.add(&Secret::new("tok-123456"));
        assert_eq!(
            redactor.redact("bad secret s3cr3t-value for tok-123456 (ab)"),
            "bad secret [redacted] for [redacted] (ab)"
        );
    }
}

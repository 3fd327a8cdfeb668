//! The partner's API credentials (PA2 > Account > API Access): from the environment
//! (`KIVA_CLIENT_ID`, `KIVA_CLIENT_SECRET`) or from a file given with `--credentials`.
//!
//! The file holds the same two names as `KEY=VALUE` lines, like an `.env` file:
//!
//! ```text
//! # Kiva stage API access, from PA2 > Account > API Access
//! KIVA_CLIENT_ID=abc123
//! KIVA_CLIENT_SECRET="the secret"
//! ```
//!
//! Blank lines and `#` comments are skipped, an `export ` prefix and matching quotes
//! around a value are allowed. On Unix the file is refused when its group or others
//! have any access to it (`chmod 600` it). Values never appear in messages: errors name
//! the file and the line only.

use std::path::Path;

use super::secret::Secret;
use crate::Error;

/// The environment variable holding the client id.
pub const ID_VAR: &str = "KIVA_CLIENT_ID";
/// The environment variable holding the client secret.
pub const SECRET_VAR: &str = "KIVA_CLIENT_SECRET";

/// An `OAuth2` client id and secret.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub client_id: Secret,
    pub client_secret: Secret,
}

/// Credentials from `file` when given, else from the environment.
pub fn load(file: Option<&Path>) -> Result<Credentials, Error> {
    match file {
        Some(path) => from_file(path),
        None => from_env(),
    }
}

fn from_env() -> Result<Credentials, Error> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match (var(ID_VAR), var(SECRET_VAR)) {
        (Some(id), Some(secret)) => Ok(Credentials {
            client_id: Secret::new(id),
            client_secret: Secret::new(secret),
        }),
        (id, secret) => {
            let missing: Vec<&str> = [(id.is_none(), ID_VAR), (secret.is_none(), SECRET_VAR)]
                .into_iter()
                .filter_map(|(missing, name)| missing.then_some(name))
                .collect();
            Err(Error::Usage(format!(
                "no Kiva API credentials: set {} (from PA2 > Account > API Access), or pass --credentials FILE",
                missing.join(" and ")
            )))
        }
    }
}

/// Reads a credentials file, refusing one that others may read.
pub fn from_file(path: &Path) -> Result<Credentials, Error> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| {
        Error::Usage(format!(
            "credentials file {shown}: {}",
            crate::read::text::io_message(&e)
        ))
    })?;
    check_private(path, &metadata)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Usage(format!(
            "credentials file {shown}: {}",
            crate::read::text::io_message(&e)
        ))
    })?;
    parse(&text).map_err(|message| Error::Usage(format!("credentials file {shown}: {message}")))
}

#[cfg(unix)]
fn check_private(path: &Path, metadata: &std::fs::Metadata) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::Usage(format!(
            "credentials file {}: group or others can access it (mode {mode:03o}); make it private with `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _metadata: &std::fs::Metadata) -> Result<(), Error> {
    Ok(())
}

/// Parses `KEY=VALUE` lines. Messages name lines, never values.
fn parse(text: &str) -> Result<Credentials, String> {
    let mut id = None;
    let mut secret = None;
    for (index, line) in text.lines().enumerate() {
        let n = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {n}: expected KEY=VALUE"));
        };
        let value = unquote(value.trim());
        let slot = match key.trim() {
            ID_VAR => &mut id,
            SECRET_VAR => &mut secret,
            other => {
                return Err(format!(
                    "line {n}: unknown key '{other}' (expected {ID_VAR} and {SECRET_VAR})"
                ));
            }
        };
        if value.is_empty() {
            return Err(format!("line {n}: {} is empty", key.trim()));
        }
        *slot = Some(Secret::new(value));
    }
    match (id, secret) {
        (Some(client_id), Some(client_secret)) => Ok(Credentials {
            client_id,
            client_secret,
        }),
        (None, _) => Err(format!("{ID_VAR} is missing")),
        (_, None) => Err(format!("{SECRET_VAR} is missing")),
    }
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_env_style_lines() {
        let c =
            parse("# stage\n\nKIVA_CLIENT_ID=abc123\nexport KIVA_CLIENT_SECRET = \"s3 cr=et\"\n")
                .unwrap();
        assert_eq!(c.client_id.expose(), "abc123");
        assert_eq!(c.client_secret.expose(), "s3 cr=et");
    }

    #[test]
    fn errors_name_the_line_not_the_value() {
        let err = parse("KIVA_CLIENT_ID=abc\nCLIENT_SECRET=hunter22\n").unwrap_err();
        assert_eq!(
            err,
            "line 2: unknown key 'CLIENT_SECRET' (expected KIVA_CLIENT_ID and KIVA_CLIENT_SECRET)"
        );
        assert!(!err.contains("hunter22"));
        assert_eq!(
            parse("KIVA_CLIENT_ID=abc\n").unwrap_err(),
            "KIVA_CLIENT_SECRET is missing"
        );
        assert_eq!(
            parse("hunter22\n").unwrap_err(),
            "line 1: expected KEY=VALUE"
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_files_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiva.env");
        std::fs::write(&path, "KIVA_CLIENT_ID=abc\nKIVA_CLIENT_SECRET=hunter22\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = from_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("group or others can access it (mode 644)"),
            "{err}"
        );
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(from_file(&path).unwrap().client_id.expose(), "abc");
    }
}

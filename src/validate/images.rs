//! Photos: `image_encoded` a base64 JPEG, PNG or GIF data URI under the size limit,
//! a template's `image_file` loaded into one, `image_url` deprecated.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The kind of image in decoded bytes, from its magic number.
pub fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("gif")
    } else {
        None
    }
}

/// Checks a `data:image/...;base64,...` URI; returns a message when it is not right.
pub fn check_data_uri(uri: &str, limit: u64) -> Result<(), String> {
    let Some((head, data)) = uri.split_once(',') else {
        return Err("is not a data URI (data:image/jpeg;base64,...)".into());
    };
    let Some(mime) = head
        .strip_prefix("data:")
        .and_then(|h| h.strip_suffix(";base64"))
    else {
        return Err("is not a base64 data URI (data:image/jpeg;base64,...)".into());
    };
    let declared = match mime {
        "image/jpeg" | "image/jpg" => "jpeg",
        "image/png" => "png",
        "image/gif" => "gif",
        other => {
            return Err(format!(
                "has type '{other}'; Kiva accepts image/jpeg, image/png, image/gif"
            ));
        }
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("is not valid base64 ({e})"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "is {} bytes, more than the limit of {limit}",
            bytes.len()
        ));
    }
    match image_kind(&bytes) {
        Some(kind) if kind == declared => Ok(()),
        Some(kind) => Err(format!("says image/{declared} but holds a {kind} image")),
        None => Err(format!("says image/{declared} but does not hold an image")),
    }
}

/// Reads an image file into a data URI for `image_encoded`; the message says what is
/// wrong (missing, not a JPEG/PNG/GIF, larger than `limit`).
pub fn load_image_file(path: &std::path::Path, limit: u64) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| {
        format!(
            "image file {}: {}",
            path.display(),
            crate::read::text::io_message(&e)
        )
    })?;
    if meta.len() > limit {
        return Err(format!(
            "image file {} is {} bytes, more than the limit of {limit}",
            path.display(),
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "image file {}: {}",
            path.display(),
            crate::read::text::io_message(&e)
        )
    })?;
    let kind = image_kind(&bytes)
        .ok_or_else(|| format!("{} is not a JPEG, PNG or GIF image", path.display()))?;
    Ok(format!(
        "data:image/{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    ))
}

pub(super) fn check_image(c: &mut Checker<'_>, obj: &serde_json::Map<String, Value>) {
    match obj.get("image_encoded") {
        None | Some(Value::Null) => {}
        Some(Value::String(uri)) => check_image_encoded(c, uri),
        Some(_) => c.push(
            "image-invalid",
            "image_encoded",
            "image_encoded must be a data URI string",
        ),
    }
    if !is_blank(obj.get("image_url")) {
        image_url_deprecated(c);
    }
}

pub(super) fn check_image_encoded(c: &mut Checker<'_>, uri: &str) {
    if let Err(message) = check_data_uri(uri, c.options.image_limit) {
        c.push(
            "image-invalid",
            "image_encoded",
            format!("image_encoded {message}"),
        );
    }
}

pub(super) fn image_url_deprecated(c: &mut Checker<'_>) {
    c.push(
        "image-url-deprecated",
        "image_url",
        "image_url is deprecated since 2022-09: send the photo as image_encoded",
    );
}

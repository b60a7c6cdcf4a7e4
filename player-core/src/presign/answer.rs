//! What an HTTP error answer from a signed origin means.

use crate::search::{contains, find};

/// Bytes of an error body looked at; S3's XML errors are a few hundred bytes.
const MAX_ERROR_BODY: usize = 4096;

/// Longest reason quoted from an error body, characters.
const MAX_REASON_CHARS: usize = 200;

/// The meaning of an answer to a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The signature expired (S3's 403 `Request has expired`, or 400 `ExpiredToken`): a freshly
    /// signed URL will be accepted.
    Expired,
    /// The origin refused the request for good (bad signature, no access): a sentence saying
    /// why, ending with the status.
    Denied(String),
    /// Neither: an ordinary HTTP error (or success) the caller handles as usual.
    Other,
}

/// The first `n` characters of `text` (borrowed: no collecting `char`s into a new string).
fn first_chars(text: &str, n: usize) -> &str {
    let end = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
    text.get(..end).unwrap_or(text)
}

/// Classifies an answer with `status` and `body` (S3's XML error document, or anything).
pub fn classify_answer(status: u16, body: &[u8]) -> Answer {
    if status != 400 && status != 403 {
        return Answer::Other;
    }
    let head = body.get(..MAX_ERROR_BODY).unwrap_or(body);
    let text = crate::utf8::lossy(head);
    let code = element(&text, "Code").unwrap_or_default();
    if contains(&text, "Request has expired") || code == "ExpiredToken" || code == "TokenExpired" {
        return Answer::Expired;
    }
    if status == 400 {
        return Answer::Other;
    }
    let message = element(&text, "Message").unwrap_or_default();
    let reason = match code {
        "SignatureDoesNotMatch" => "signature does not match",
        _ if !message.is_empty() => first_chars(message, MAX_REASON_CHARS),
        "" => "the server refused the request",
        code => first_chars(code, MAX_REASON_CHARS),
    };
    // The status as a u32: a u16 `Display` would be one more integer printer in the wasm.
    Answer::Denied(format!(
        "access denied: {reason} (HTTP {})",
        u32::from(status)
    ))
}

/// The text of the first `<name>…</name>` element, trimmed. A scan rather than an XML parser:
/// only these two flat elements of S3's error document are read.
fn element<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = find(text, &open)? + open.len();
    let rest = text.get(start..)?;
    let end = find(rest, &close)?;
    rest.get(..end).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_expiry_answers_are_expired() {
        let expired = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>20</X-Amz-Expires></Error>";
        assert_eq!(classify_answer(403, expired), Answer::Expired);
        let token = b"<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>";
        assert_eq!(classify_answer(400, token), Answer::Expired);
    }

    #[test]
    fn other_refusals_are_denied_with_a_clear_reason() {
        let sig = b"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>";
        assert_eq!(
            classify_answer(403, sig),
            Answer::Denied("access denied: signature does not match (HTTP 403)".into())
        );
        let denied = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        assert_eq!(
            classify_answer(403, denied),
            Answer::Denied("access denied: Access Denied (HTTP 403)".into())
        );
        assert_eq!(
            classify_answer(403, b"\xff\xfe not xml <Code>"),
            Answer::Denied("access denied: the server refused the request (HTTP 403)".into())
        );
    }

    #[test]
    fn other_statuses_and_plain_bad_requests_are_other() {
        assert_eq!(classify_answer(404, b"Request has expired"), Answer::Other);
        assert_eq!(classify_answer(500, b""), Answer::Other);
        assert_eq!(
            classify_answer(400, b"<Error><Code>InvalidArgument</Code></Error>"),
            Answer::Other
        );
    }
}

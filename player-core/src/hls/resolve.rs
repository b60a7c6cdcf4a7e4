//! Resolution of playlist URIs against the playlist's URL (RFC 3986), keeping the query and
//! fragment of the URI byte-exact: `Url::join` would re-encode some query characters, which
//! breaks signed URLs.

use url::Url;

/// Resolves URIs against one base URL; cheap to reuse for every URI of a playlist.
#[derive(Debug, Clone)]
pub struct Resolver {
    base: Url,
    /// The base URL up to and including the last `/` of its path: the prefix a plain
    /// relative path is appended to. `None` when the base cannot take the fast path.
    dir: Option<String>,
    /// The base URL without query and fragment.
    without_query: String,
}

impl Resolver {
    /// A resolver for URIs of the playlist fetched from `base`.
    pub fn new(base: Url) -> Self {
        let mut stripped = base.clone();
        stripped.set_query(None);
        stripped.set_fragment(None);
        let without_query = String::from(stripped);
        let dir = (!base.cannot_be_a_base())
            .then(|| {
                // Without query and fragment, the serialization ends with the path.
                let path_start = without_query.len().checked_sub(base.path().len())?;
                let slash = base.path().rfind('/')?;
                without_query
                    .get(..path_start + slash + 1)
                    .map(str::to_owned)
            })
            .flatten();
        Self {
            base,
            dir,
            without_query,
        }
    }

    /// The base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Resolves `uri`; the result's query and fragment are the URI's, byte for byte.
    pub fn resolve(&self, uri: &str) -> Result<String, url::ParseError> {
        let split = uri
            .bytes()
            .position(|b| b == b'?' || b == b'#')
            .unwrap_or(uri.len());
        let (path, tail) = uri.split_at(split);
        if path.is_empty() {
            // Same document: the base path, the URI's query (or the base's if only a fragment).
            if tail.starts_with('#') {
                let mut out = String::from(self.base.clone());
                if let Some(i) = out.find('#') {
                    out.truncate(i);
                }
                out.push_str(tail);
                return Ok(out);
            }
            return Ok(format!("{}{tail}", self.without_query));
        }
        if let Some(dir) = &self.dir
            && is_plain_relative_path(path)
        {
            let mut out = String::with_capacity(dir.len() + uri.len());
            out.push_str(dir);
            out.push_str(uri);
            return Ok(out);
        }
        let mut joined = self.base.join(path)?;
        joined.set_query(None);
        joined.set_fragment(None);
        let mut out = String::from(joined);
        out.push_str(tail);
        Ok(out)
    }
}

/// A relative path the URL parser would copy unchanged: no scheme, no leading `/`, no dot
/// segments, and only characters that need no percent-encoding.
fn is_plain_relative_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    if bytes.first() == Some(&b'/') {
        return false;
    }
    let safe = bytes.iter().all(|&b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_'
                    | b'.'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            )
    });
    safe && !bytes
        .split(|&b| b == b'/')
        .any(|segment| segment == b"." || segment == b"..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(base: &str, uri: &str) -> String {
        Resolver::new(Url::parse(base).unwrap())
            .resolve(uri)
            .unwrap()
    }

    #[test]
    fn rfc3986_examples() {
        let base = "http://a/b/c/d;p?q";
        for (uri, want) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("g#s", "http://a/b/c/g#s"),
            ("../g", "http://a/b/g"),
            ("../../../g", "http://a/g"),
            ("g;x=1/../y", "http://a/b/c/y"),
        ] {
            assert_eq!(r(base, uri), want, "{uri}");
        }
    }

    #[test]
    fn signed_queries_are_byte_exact() {
        let sigv4 = "seg-1.ts?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab12|'\"<>{}^`";
        assert_eq!(
            r("https://b.s3.amazonaws.com/v/index.m3u8?old=1", sigv4),
            format!("https://b.s3.amazonaws.com/v/{sigv4}")
        );
        let cloudfront = "https://d1.cloudfront.net/x/../seg 2.ts?Expires=1700000000&Signature=Ab~Cd-Ef_==&Key-Pair-Id=K2 ";
        assert_eq!(
            r("https://origin.example/a/b.m3u8", cloudfront),
            "https://d1.cloudfront.net/seg%202.ts?Expires=1700000000&Signature=Ab~Cd-Ef_==&Key-Pair-Id=K2 "
        );
    }
}

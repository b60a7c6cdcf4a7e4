//! Resolution of playlist URIs against the playlist's URL (RFC 3986 §5.2, with the WHATWG URL
//! Standard's normalisation of `http`/`https`/… URLs: lower-case scheme and host, no default
//! port, percent-encoded paths, `\\` as `/`), keeping the query and fragment of the URI
//! byte-exact: signed URLs break when a query is re-encoded.
//!
//! Hand-written instead of with the `url` crate, which was about 15 KB of the gzipped wasm for
//! this one job (the package has a 120 KB budget); the tests compare both on a corpus.

use crate::search::rfind_byte;

/// Why a URL or URI could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The base is not an absolute hierarchical URL (`scheme://…`).
    #[error("not an absolute URL with an authority")]
    BadBase,
    /// The host is empty, not ASCII, or holds characters hosts cannot have.
    #[error("invalid host")]
    BadHost,
    /// The port is not a number up to 65535.
    #[error("invalid port")]
    BadPort,
}

/// Schemes the URL Standard treats as special, with their default ports.
const SPECIAL: [(&str, Option<u16>); 6] = [
    ("http", Some(80)),
    ("https", Some(443)),
    ("ws", Some(80)),
    ("wss", Some(443)),
    ("ftp", Some(21)),
    ("file", None),
];

fn special(scheme: &str) -> Option<Option<u16>> {
    SPECIAL.iter().find(|(s, _)| *s == scheme).map(|&(_, p)| p)
}

/// Resolves URIs against one base URL; cheap to reuse for every URI of a playlist.
#[derive(Debug, Clone)]
pub struct Resolver {
    /// The base URL, normalised.
    base: String,
    /// The base has no authority (`data:`, `blob:`): only absolute URIs resolve against it.
    opaque: bool,
    /// Lower-case scheme of the base.
    scheme: String,
    /// End of `scheme://authority` in `base`.
    authority_end: usize,
    /// End of the path in `base` (start of its query or fragment).
    path_end: usize,
    /// The base URL up to and including the last `/` of its path: the prefix a plain
    /// relative path is appended to.
    dir: String,
}

impl Resolver {
    /// A resolver for URIs of the playlist fetched from `base`, an absolute URL. A base
    /// without an authority (`data:`, `blob:`) is kept as it is, and only absolute URIs
    /// resolve against it.
    pub fn new(base: &str) -> Result<Self, ResolveError> {
        let (scheme, rest) = split_scheme(base).ok_or(ResolveError::BadBase)?;
        let scheme = scheme.to_ascii_lowercase();
        let is_special = special(&scheme).is_some();
        let Some(rest) = after_slashes(&scheme, rest) else {
            if is_special {
                return Err(ResolveError::BadBase);
            }
            return Ok(Self {
                base: concat(&[&scheme, ":", rest]),
                opaque: true,
                authority_end: 0,
                path_end: scheme.len() + 1 + rest.len(),
                dir: String::new(),
                scheme,
            });
        };
        let mut normalised = concat(&[&scheme, "://"]);
        let path_start = authority(&scheme, rest, &mut normalised)?;
        let authority_end = normalised.len();
        let (path, tail) = split_tail(&rest[path_start..]);
        let path = if is_special {
            forward_slashes(path)
        } else {
            path.to_owned()
        };
        push_path(&mut normalised, &path, is_special);
        let path_end = normalised.len();
        normalised.push_str(tail);
        let dir = normalised
            [..rfind_byte(&normalised[..path_end], b'/').map_or(path_end, |i| i + 1)]
            .to_owned();
        Ok(Self {
            base: normalised,
            opaque: false,
            scheme,
            authority_end,
            path_end,
            dir,
        })
    }

    /// The base URL, normalised.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Scheme, host and port of the base URL (`https://host:port`), normalised.
    pub fn origin(&self) -> &str {
        &self.base[..self.authority_end]
    }

    /// The base URL's query without `?`, byte for byte, if it has one.
    pub fn query(&self) -> Option<&str> {
        let query = self.base[self.path_end..].strip_prefix('?')?;
        Some(query.split('#').next().unwrap_or_default())
    }

    /// The base URL's query parameters in order, decoded as
    /// `application/x-www-form-urlencoded` (`+` is a space).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query().map_or_else(Vec::new, |query| {
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (form_decode(k), form_decode(v))
                })
                .collect()
        })
    }

    /// The value of the first `name` parameter of the base URL's query, decoded as
    /// `application/x-www-form-urlencoded` (`+` is a space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        let mut pairs = self.query_pairs();
        let i = pairs.iter().position(|(k, _)| k == name)?;
        Some(pairs.swap_remove(i).1)
    }

    /// Resolves `uri`; the result's query and fragment are the URI's, byte for byte.
    pub fn resolve(&self, uri: &str) -> Result<String, ResolveError> {
        if self.opaque {
            return match split_scheme(uri) {
                Some((s, _)) if special(&s.to_ascii_lowercase()).is_some() => {
                    Resolver::new(uri).map(|r| r.base)
                }
                Some((s, r)) => Ok(concat(&[&s.to_ascii_lowercase(), ":", r])),
                None => Err(ResolveError::BadBase),
            };
        }
        let (path, tail) = split_tail(uri);
        if path.is_empty() {
            // Same document: the base path, the URI's query (or the base's if only a fragment).
            let keep = if tail.starts_with('#') {
                self.base.find('#').unwrap_or(self.base.len())
            } else {
                self.path_end
            };
            return Ok(concat(&[&self.base[..keep], tail]));
        }
        if is_plain_relative_path(path) {
            return Ok(concat(&[&self.dir, uri]));
        }
        let mut out = String::with_capacity(self.base.len() + uri.len());
        let lowered;
        let mut scheme = self.scheme.as_str();
        let mut rest = path;
        let mut network = false;
        if let Some((s, r)) = split_scheme(path) {
            lowered = s.to_ascii_lowercase();
            if special(&lowered).is_none() {
                // Another kind of URL (data:, skd:…): as it is.
                return Ok(concat(&[&lowered, ":", r, tail]));
            }
            // `http:g` against an `http` base is relative (URL Standard).
            network = lowered != self.scheme || r.bytes().next().is_some_and(is_slash);
            scheme = &lowered;
            rest = r;
        }
        let is_special = special(scheme).is_some();
        let replaced;
        let rest = if is_special && rest.contains('\\') {
            replaced = forward_slashes(rest);
            &replaced
        } else {
            rest
        };
        let joined;
        let path = if network || rest.starts_with("//") {
            out.push_str(scheme);
            out.push_str("://");
            let host = after_slashes(scheme, rest).ok_or(ResolveError::BadBase)?;
            let path_start = authority(scheme, host, &mut out)?;
            &host[path_start..]
        } else {
            out.push_str(&self.base[..self.authority_end]);
            if rest.starts_with('/') {
                rest
            } else {
                joined = concat(&[&self.dir[self.authority_end..], rest]);
                &joined
            }
        };
        push_path(&mut out, path, is_special);
        out.push_str(tail);
        Ok(out)
    }
}

/// `scheme` and what follows its `:`, when `s` starts with a scheme (RFC 3986 §3.1).
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = s.split_once(':')?;
    let mut bytes = scheme.bytes();
    (bytes.next()?.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then_some((scheme, rest))
}

/// `/`, or `\\`, which special schemes read as `/`.
fn is_slash(b: u8) -> bool {
    b == b'/' || b == b'\\'
}

/// The authority and path after `scheme:`: past any slashes for special schemes but `file`,
/// past exactly `//` for the others.
fn after_slashes<'a>(scheme: &str, rest: &'a str) -> Option<&'a str> {
    if scheme != "file" && special(scheme).is_some() {
        // A byte loop: a `[char; 2]` pattern links core's multi-char searcher.
        let start = rest
            .bytes()
            .position(|b| !is_slash(b))
            .unwrap_or(rest.len());
        rest.get(start..)
    } else {
        rest.strip_prefix("//")
            .or_else(|| rest.strip_prefix("\\\\"))
    }
}

/// Splits a URI before its query or fragment.
fn split_tail(uri: &str) -> (&str, &str) {
    let end = uri
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(uri.len());
    (
        uri.get(..end).unwrap_or_default(),
        uri.get(end..).unwrap_or_default(),
    )
}

/// Appends the normalised authority at the start of `s` to `out`; returns where it ends in `s`.
fn authority(scheme: &str, s: &str, out: &mut String) -> Result<usize, ResolveError> {
    let end = s
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(s.len());
    let authority = &s[..end];
    let (userinfo, host_port) = match rfind_byte(authority, b'@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let port_colon = if host_port.starts_with('[') {
        host_port
            .find(']')
            .map(|i| i + 1)
            .filter(|&i| i < host_port.len())
    } else {
        rfind_byte(host_port, b':')
    };
    let (host, port) = match port_colon {
        Some(i) => (&host_port[..i], Some(&host_port[i + 1..])),
        None => (host_port, None),
    };
    let default_port = special(scheme).flatten();
    if host.is_empty() && scheme != "file" && special(scheme).is_some()
        || host.bytes().any(|b| {
            !b.is_ascii()
                || b.is_ascii_control()
                || matches!(b, b' ' | b'<' | b'>' | b'\\' | b'^' | b'|')
        })
    {
        return Err(ResolveError::BadHost);
    }
    if let Some(userinfo) = userinfo.filter(|u| !u.is_empty()) {
        out.push_str(userinfo);
        out.push('@');
    }
    out.push_str(&host.to_ascii_lowercase());
    if let Some(p) = port.filter(|p| !p.is_empty()) {
        // Digits only (no sign, unlike `str::parse`), at most 65535; folded by hand rather
        // than with `parse::<u16>`, which inlined its generic parser here.
        let n = p
            .bytes()
            .try_fold(0u16, |n, b| {
                let digit = b.is_ascii_digit().then(|| u16::from(b - b'0'))?;
                n.checked_mul(10)?.checked_add(digit)
            })
            .ok_or(ResolveError::BadPort)?;
        if Some(n) != default_port {
            out.push(':');
            push_decimal(out, n);
        }
    }
    Ok(end)
}

/// Appends `segment` percent-encoded as the URL Standard's path state does.
fn push_encoded(out: &mut String, segment: &str) {
    // Runs of bytes kept as they are go in with one copy; each other byte (every byte of a
    // non-ASCII char) as `%XX`.
    let mut run = 0;
    for (i, b) in segment.bytes().enumerate() {
        if b.is_ascii_graphic()
            && !matches!(b, b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}')
        {
            continue;
        }
        out.push_str(segment.get(run..i).unwrap_or_default());
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
        run = i + 1;
    }
    out.push_str(segment.get(run..).unwrap_or_default());
}

/// A `.` segment, also spelled `%2e` (as the URL Standard reads it).
fn is_dot(segment: &str) -> bool {
    segment == "." || segment.eq_ignore_ascii_case("%2e")
}

/// A `..` segment, also with `%2e` for either dot.
fn is_dot_dot(segment: &str) -> bool {
    matches!(
        segment.to_ascii_lowercase().as_str(),
        ".." | ".%2e" | "%2e." | "%2e%2e"
    )
}

/// Appends the absolute `path` (empty or from its first `/`) without its dot segments (RFC 3986
/// §5.2.4: `.` goes, `..` goes with the segment before), percent-encoded; `/` for an empty
/// path of a special URL. Segment by segment into `out`: an intermediate normalised string
/// cost more wasm.
fn push_path(out: &mut String, path: &str, special: bool) {
    if path.is_empty() {
        if special {
            out.push('/');
        }
        return;
    }
    let mut segments: Vec<&str> = Vec::new();
    let mut parts = path.strip_prefix('/').unwrap_or(path).split('/').peekable();
    while let Some(segment) = parts.next() {
        let last = parts.peek().is_none();
        if is_dot_dot(segment) {
            segments.pop();
            if last {
                segments.push("");
            }
        } else if is_dot(segment) {
            if last {
                segments.push("");
            }
        } else {
            segments.push(segment);
        }
    }
    if segments.is_empty() {
        out.push('/');
    }
    for segment in segments {
        out.push('/');
        push_encoded(out, segment);
    }
}

/// The parts one after the other (what `format!` would make, without `core::fmt`: smaller
/// and faster in wasm).
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Upper-case hexadecimal digits, for percent-encoding.
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, n: u16) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `s` with every `\\` as `/`, as `s.replace('\\', "/")` gives in more wasm.
fn forward_slashes(s: &str) -> String {
    s.chars().map(|c| if c == '\\' { '/' } else { c }).collect()
}

/// Decodes one `application/x-www-form-urlencoded` name or value.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|&h| (h as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
            (b'+', ..) => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
    crate::utf8::lossy(&out)
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
        Resolver::new(base).unwrap().resolve(uri).unwrap()
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

    /// What the resolver did with `url`: `Url::join` on the path, the URI's query and
    /// fragment appended as they are.
    fn with_url_crate(base: &str, uri: &str) -> Option<String> {
        let base = url::Url::parse(base).ok()?;
        let (path, tail) = split_tail(uri);
        if path.is_empty() {
            let mut out = base.clone();
            out.set_fragment(None);
            if !tail.starts_with('#') {
                out.set_query(None);
            }
            return Some(format!("{out}{tail}"));
        }
        let mut joined = base.join(path).ok()?;
        joined.set_query(None);
        joined.set_fragment(None);
        Some(format!("{joined}{tail}"))
    }

    #[test]
    fn agrees_with_the_url_crate() {
        let bases = [
            "http://a/b/c/d;p?q",
            "https://CDN.Example.com:443/v/master.m3u8?token=a%2Fb&x=1",
            "http://h:8080/a/b/",
            "https://h/",
            "https://h",
            "http://user:pw@h/p/q.m3u8#frag",
            "https://h/a%20b/c d.m3u8",
            "file:///data/media/index.m3u8",
            "https://[::1]:8443/x/y.m3u8",
            "HTTP://h/x/../y/./z.m3u8",
        ];
        let uris = [
            // RFC 3986 §5.4.1 and §5.4.2.
            "g:h",
            "g",
            "./g",
            "g/",
            "/g",
            "//g",
            "?y",
            "g?y",
            "#s",
            "g#s",
            "g?y#s",
            ";x",
            "g;x",
            "g;x?y#s",
            ".",
            "./",
            "..",
            "../",
            "../g",
            "../..",
            "../../",
            "../../g",
            "../../../g",
            "../../../../g",
            "/./g",
            "/../g",
            "g.",
            ".g",
            "g..",
            "..g",
            "./../g",
            "./g/.",
            "g/./h",
            "g/../h",
            "g;x=1/./y",
            "g;x=1/../y",
            "g?y/./x",
            "g?y/../x",
            "g#s/./x",
            "g#s/../x",
            "http:g",
            // What playlists hold.
            "seg 2.ts",
            "seg-1.ts?sig=a b|c\"<>",
            "/abs/x.ts",
            "//other.example/x.ts",
            "HTTPS://Other.Example:443/A/./B/../c.ts",
            "https://other.example:8443/x",
            "http://h4:80/p",
            "https://h3?x",
            "//h2",
            "../x/%2e%2e/y.ts",
            "a\\b.ts",
            "é/ü.ts",
            "data:text/plain;base64,AAAA",
            "skd://key-id",
            "x.ts#t=10",
            "k.key?X-Amz-Signature=abc%2F&Expires=1",
            "a/./b/.",
            "v{1}/`x`.ts",
            "https://h/%7Euser/../seg.ts",
        ];
        for base in bases {
            let resolver = Resolver::new(base).unwrap();
            for uri in uris {
                assert_eq!(
                    resolver.resolve(uri).ok(),
                    with_url_crate(base, uri),
                    "{uri:?} against {base:?}"
                );
            }
        }
    }

    #[test]
    fn bad_bases_and_hosts_are_errors() {
        for base in [
            "",
            "/a/b",
            "a/b",
            "http://",
            "http://h:99999/",
            "http://h:65536/",
            "http://h:+80/",
            "http://h:x/",
        ] {
            assert!(Resolver::new(base).is_err(), "{base}");
        }
        let r = Resolver::new("https://h/a/b.m3u8").unwrap();
        assert_eq!(r.resolve("https://ex ample/x"), Err(ResolveError::BadHost));
        assert_eq!(r.resolve("https://é.example/x"), Err(ResolveError::BadHost));
        assert_eq!(r.resolve("//h:70000/x"), Err(ResolveError::BadPort));
        assert_eq!(r.resolve("//h:065535/x").unwrap(), "https://h:65535/x");
    }

    #[test]
    fn bases_without_authority_resolve_only_absolute_uris() {
        let r = Resolver::new("data:application/vnd.apple.mpegurl,%23EXTM3U").unwrap();
        assert_eq!(
            r.resolve("HTTPS://CDN.example:443/a/../seg.ts?X=%2F")
                .as_deref(),
            Ok("https://cdn.example/seg.ts?X=%2F")
        );
        assert_eq!(
            r.resolve("blob:https://h/1f2e").as_deref(),
            Ok("blob:https://h/1f2e")
        );
        assert_eq!(r.resolve("seg.ts"), Err(ResolveError::BadBase));
        assert_eq!(r.query(), None);
        let blob = Resolver::new("blob:https://h/1f2e").unwrap();
        assert_eq!(blob.base(), "blob:https://h/1f2e");
        assert_eq!(blob.resolve("/seg.ts"), Err(ResolveError::BadBase));
    }

    #[test]
    fn query_params_are_form_decoded() {
        let r = Resolver::new("https://h/p.m3u8?a=1&token=x%2By+z&b&token=2#f").unwrap();
        assert_eq!(r.query_param("token").as_deref(), Some("x+y z"));
        assert_eq!(r.query_param("b").as_deref(), Some(""));
        assert_eq!(r.query_param("f"), None);
        assert_eq!(r.query_param("c"), None);
    }
}

//! Finding the token in a request: the `Authorization` header or the
//! `authorization` query parameter.
//!
//! Both parsers check size and syntax before anything is decoded, and borrow
//! from the request where they can, so a rejection costs no allocation.

use std::borrow::Cow;

use auth_core::AuthError;
use http::{HeaderMap, Uri, header};
use percent_encoding::percent_decode;

/// Maximum length of a token, in bytes.
///
/// Tokens that this crate issues are about 250 bytes with HS256 and about
/// 600 with RS256; 4 KiB leaves room for large custom claims while bounding
/// the work spent on a hostile header before it is rejected.
pub const MAX_TOKEN_LENGTH: usize = 4096;

/// Maximum length of the `authorization` query value before percent-decoding:
/// `Bearer `, then the token with every byte encoded as `%XX`.
const MAX_QUERY_VALUE_LENGTH: usize = 3 * (MAX_TOKEN_LENGTH + 7);

/// Maximum length of the `Authorization` header value: the scheme, a
/// space and the longest token, with some room for extra whitespace.
const MAX_HEADER_LENGTH: usize = SCHEME.len() + 1 + MAX_TOKEN_LENGTH + 16;

/// Name of the query parameter, as Panther names it.
pub const QUERY_PARAMETER: &str = "authorization";

const SCHEME: &str = "bearer";

/// Returns the token of the `Authorization: Bearer <token>` header.
///
/// The scheme is case-insensitive (RFC 7235 section 2.1) and one or more
/// spaces separate it from the token (RFC 6750 section 2.1).
///
/// A value longer than 4,119 bytes (`Bearer`, a space, a token of
/// [`MAX_TOKEN_LENGTH`] bytes and 16 bytes of extra spaces) is rejected
/// with "Authorization header is too large" before anything else is
/// checked or decoded, so an oversized header costs one length comparison.
pub fn token_from_header(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(AuthError::missing("Authorization header is missing"));
    };
    if values.next().is_some() {
        return Err(AuthError::invalid_request(
            "Multiple Authorization headers were sent; send exactly one",
        ));
    }

    let bytes = value.as_bytes();
    if bytes.len() > MAX_HEADER_LENGTH {
        return Err(AuthError::invalid_token(
            "Authorization header is too large",
        ));
    }
    if let Some(token) = common_bearer_token(bytes) {
        return Ok(token);
    }
    let Ok(value) = std::str::from_utf8(bytes) else {
        return Err(AuthError::invalid_token(
            "Authorization header contains bytes that are not ASCII",
        ));
    };
    parse_credentials(value.trim_matches([' ', '\t']), false).map_err(|problem| {
        AuthError::invalid_token(match problem {
            Problem::Empty => "Authorization header is empty",
            Problem::Scheme => "Authorization scheme must be Bearer",
            Problem::Shape => "Authorization header must be `Bearer <token>`",
            Problem::Characters => "Token contains characters that are not allowed",
            Problem::TooLong => "Token is too large",
        })
    })
}

/// Returns the token of a header value in the form that clients send:
/// `Bearer`, in any case, then spaces, then a valid token, with no other
/// whitespace. Returns `None` for anything else, which the exact parser then
/// accepts or rejects with its reason, so this only saves time: every value
/// it accepts, the exact parser accepts with the same token.
fn common_bearer_token(value: &[u8]) -> Option<&str> {
    let token = after_bearer(value)?;
    if token.len() > MAX_TOKEN_LENGTH || !is_b64token_bytes(token) {
        return None;
    }
    // Every byte is ASCII now, so this cannot fail.
    std::str::from_utf8(token).ok()
}

/// Returns what follows `Bearer` and its spaces in the one `Authorization`
/// header, without checking that it is a token, or `None` when the header
/// is not of that form.
///
/// A caller may use it only as a token that then verifies: a verified token
/// consists of base64url segments and dots, so [`token_from_header`] would
/// have returned the same text. On any rejection the caller must ask
/// [`token_from_header`] for the reason, since a header that is wrong in
/// several ways gets that function's reason first.
pub(crate) fn unchecked_bearer_token(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next()?;
    if values.next().is_some() || value.len() > MAX_HEADER_LENGTH {
        return None;
    }
    std::str::from_utf8(after_bearer(value.as_bytes())?).ok()
}

/// Returns the text after `Bearer`, in any case, and one or more spaces,
/// if the value starts that way and has more.
fn after_bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME.as_bytes()) || rest.first() != Some(&b' ') {
        return None;
    }
    let start = rest.iter().position(|&byte| byte != b' ')?;
    Some(&rest[start..])
}

/// Returns the token of the `authorization` query parameter, percent-decoded,
/// accepting `Bearer <token>` and a bare token.
///
/// A raw value longer than 12,309 bytes (`Bearer `, then a token of
/// [`MAX_TOKEN_LENGTH`] bytes, every byte percent-encoded) is rejected
/// before it is decoded.
///
/// `+` and `%20` both decode to a space. A parameter given twice is an
/// invalid request; so is malformed percent-encoding.
pub fn token_from_query(uri: &Uri) -> Result<Cow<'_, str>, AuthError> {
    let Some(raw) = find_query_value(uri)? else {
        return Err(AuthError::missing(
            "authorization query parameter is missing",
        ));
    };
    if raw.len() > MAX_QUERY_VALUE_LENGTH {
        return Err(AuthError::invalid_token(
            "authorization query parameter is too large",
        ));
    }

    let decoded = match strip_encoded_scheme(raw) {
        Some(token) => Cow::Borrowed(token),
        None => decode_query_value(raw)?,
    };
    let token = match parse_credentials(&decoded, true) {
        Ok(token) => token.len(),
        Err(problem) => {
            return Err(AuthError::invalid_token(match problem {
                Problem::Empty => "authorization query parameter is empty",
                Problem::Scheme | Problem::Shape => {
                    "authorization query parameter must be `Bearer <token>` or a token"
                }
                Problem::Characters => "Token contains characters that are not allowed",
                Problem::TooLong => "Token is too large",
            }));
        }
    };

    // The token is the tail of the decoded value; keep borrowing when no
    // decoding was needed.
    Ok(match decoded {
        Cow::Borrowed(value) => Cow::Borrowed(&value[value.len() - token..]),
        Cow::Owned(value) => Cow::Owned(value[value.len() - token..].to_owned()),
    })
}

/// Returns the token of `Bearer%20<token>` or `Bearer+<token>` when nothing
/// after the separator needs decoding, so the common case borrows the token
/// from the URI instead of decoding a copy.
fn strip_encoded_scheme(raw: &str) -> Option<&str> {
    let scheme = raw.get(..SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }

    let after_scheme = &raw[SCHEME.len()..];
    let mut rest = after_scheme;
    while let Some(stripped) = rest.strip_prefix("%20").or_else(|| rest.strip_prefix('+')) {
        rest = stripped;
    }
    let separated = rest.len() < after_scheme.len();
    (separated && !rest.is_empty() && !rest.contains(['%', '+'])).then_some(rest)
}

/// Returns whether the query carries an `authorization` parameter at all,
/// for detecting a request that sends a token in two places.
pub(crate) fn query_has_token(uri: &Uri) -> bool {
    uri.query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.split('=').next().is_some_and(is_parameter_name))
    })
}

/// Returns the raw value of the one `authorization` parameter, if present.
fn find_query_value(uri: &Uri) -> Result<Option<&str>, AuthError> {
    let Some(query) = uri.query() else {
        return Ok(None);
    };

    let mut found = None;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !is_parameter_name(name) {
            continue;
        }
        if found.is_some() {
            return Err(AuthError::invalid_request(
                "Multiple authorization query parameters were sent; send exactly one",
            ));
        }
        found = Some(value);
    }
    Ok(found)
}

/// Compares a raw parameter name with `authorization`. The match is exact:
/// names are case-sensitive, and a percent-encoded name does not count.
fn is_parameter_name(name: &str) -> bool {
    name == QUERY_PARAMETER
}

/// Percent-decodes a query value, with `+` as a space; rejects malformed
/// escapes and invalid UTF-8 instead of passing them through.
fn decode_query_value(raw: &str) -> Result<Cow<'_, str>, AuthError> {
    let bytes = raw.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let valid = bytes
                .get(index + 1..index + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit));
            if !valid {
                return Err(AuthError::invalid_request(
                    "authorization query parameter has malformed percent-encoding",
                ));
            }
            index += 3;
        } else {
            index += 1;
        }
    }

    if !raw.contains(['%', '+']) {
        return Ok(Cow::Borrowed(raw));
    }
    let spaced = raw.replace('+', " ");
    let decoded = percent_decode(spaced.as_bytes())
        .decode_utf8()
        .map_err(|_| {
            AuthError::invalid_token("authorization query parameter is not valid UTF-8")
        })?;
    Ok(Cow::Owned(decoded.into_owned()))
}

/// Reason a credential string was rejected.
enum Problem {
    Empty,
    Scheme,
    Shape,
    Characters,
    TooLong,
}

/// Splits `Bearer <token>` (or a bare token, when `bare_allowed`) and checks
/// the token against RFC 6750's `b64token` syntax.
fn parse_credentials(value: &str, bare_allowed: bool) -> Result<&str, Problem> {
    if value.is_empty() {
        return Err(Problem::Empty);
    }

    let token = match value.split_once(' ') {
        Some((scheme, rest)) => {
            if !scheme.eq_ignore_ascii_case(SCHEME) {
                return Err(Problem::Scheme);
            }
            rest.trim_start_matches(' ')
        }
        None if bare_allowed => value,
        None if value.eq_ignore_ascii_case(SCHEME) || scheme_then_tab(value) => {
            return Err(Problem::Shape);
        }
        None => return Err(Problem::Scheme),
    };

    if token.is_empty() || token.contains(' ') {
        return Err(Problem::Shape);
    }
    if token.len() > MAX_TOKEN_LENGTH {
        return Err(Problem::TooLong);
    }
    if !is_b64token(token) {
        return Err(Problem::Characters);
    }
    Ok(token)
}

/// Tells whether `value` is the scheme followed by a tab. Only spaces
/// separate the scheme from the token (RFC 9110 section 11.4), so such a
/// value has the right scheme in the wrong shape.
fn scheme_then_tab(value: &str) -> bool {
    value
        .get(..SCHEME.len())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case(SCHEME))
        && value[SCHEME.len()..].starts_with('\t')
}

/// Checks RFC 6750's `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    is_b64token_bytes(token.as_bytes())
}

fn is_b64token_bytes(token: &[u8]) -> bool {
    let padding = token.iter().rev().take_while(|&&byte| byte == b'=').count();
    let body = &token[..token.len() - padding];
    !body.is_empty() && all_b64token_characters(body)
}

/// Checks that every byte is a `b64token` character other than `=`.
///
/// It reads the whole token of every request on the query parameter's path
/// and in [`token_from_header`], so it is written to compile to SIMD. Each
/// 32-byte chunk is classified without branches and tested once, because a
/// per-byte early return would stop vectorization.
fn all_b64token_characters(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        let invalid = chunk.iter().fold(0_u8, |invalid, &byte| {
            invalid | u8::from(!is_b64token_character(byte))
        });
        if invalid != 0 {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&byte| is_b64token_character(byte))
}

/// Tells whether `byte` is ALPHA, DIGIT or one of `-._~+/`, with
/// comparisons that vectorize (a lookup table does not).
#[inline(always)]
fn is_b64token_character(byte: u8) -> bool {
    // Setting bit 5 maps `A`-`Z` onto `a`-`z` and no other byte into that range.
    let letter = (byte | 0x20).wrapping_sub(b'a') < 26;
    let digit = byte.wrapping_sub(b'0') < 10;
    let symbol = (byte == b'-')
        | (byte == b'.')
        | (byte == b'_')
        | (byte == b'~')
        | (byte == b'+')
        | (byte == b'/');
    letter | digit | symbol
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                header::AUTHORIZATION,
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        map
    }

    fn header_error(values: &[&[u8]]) -> AuthError {
        token_from_header(&headers(values)).unwrap_err()
    }

    fn query(path_and_query: &str) -> Result<String, AuthError> {
        let uri: Uri = path_and_query.parse().unwrap();
        token_from_query(&uri).map(Cow::into_owned)
    }

    #[test]
    fn header_accepts_any_scheme_case() {
        for value in [
            "Bearer a.b.c",
            "bearer a.b.c",
            "BEARER a.b.c",
            "bEaReR a.b.c",
        ] {
            assert_eq!(
                token_from_header(&headers(&[value.as_bytes()])).unwrap(),
                "a.b.c"
            );
        }
    }

    #[test]
    fn header_accepts_several_spaces() {
        assert_eq!(
            token_from_header(&headers(&[b"Bearer    a.b.c"])).unwrap(),
            "a.b.c"
        );
    }

    #[test]
    fn header_missing_is_missing_credentials() {
        let error = token_from_header(&HeaderMap::new()).unwrap_err();
        assert_eq!(error, AuthError::missing("Authorization header is missing"));
    }

    #[test]
    fn header_twice_is_invalid_request() {
        assert_eq!(
            header_error(&[b"Bearer a.b.c", b"Bearer a.b.c"]),
            AuthError::invalid_request(
                "Multiple Authorization headers were sent; send exactly one"
            )
        );
    }

    #[test]
    fn header_other_scheme_is_rejected() {
        assert_eq!(
            header_error(&[b"Basic dXNlcjpwYXNz"]),
            AuthError::invalid_token("Authorization scheme must be Bearer")
        );
    }

    #[test]
    fn header_shapes_are_rejected() {
        let shape = AuthError::invalid_token("Authorization header must be `Bearer <token>`");
        assert_eq!(header_error(&[b"Bearer"]), shape);
        assert_eq!(header_error(&[b"Bearer a.b.c extra"]), shape);
        assert_eq!(header_error(&[b"Bearer\ta.b.c"]), shape);
        assert_eq!(
            header_error(&[b""]),
            AuthError::invalid_token("Authorization header is empty")
        );
    }

    #[test]
    fn header_rejects_characters_outside_b64token() {
        assert_eq!(
            header_error(&[b"Bearer a.b.c\"x"]),
            AuthError::invalid_token("Token contains characters that are not allowed")
        );
        assert_eq!(
            header_error(&[b"Bearer ==="]),
            AuthError::invalid_token("Token contains characters that are not allowed")
        );
    }

    #[test]
    fn header_rejects_non_ascii() {
        assert_eq!(
            header_error(&[b"Bearer a.b.\xff"]),
            AuthError::invalid_token("Authorization header contains bytes that are not ASCII")
        );
    }

    #[test]
    fn header_rejects_oversized_value_before_parsing() {
        let value = format!("Bearer {}", "a".repeat(MAX_TOKEN_LENGTH * 4));
        assert_eq!(
            header_error(&[value.as_bytes()]),
            AuthError::invalid_token("Authorization header is too large")
        );
    }

    #[test]
    fn query_decodes_plus_and_percent_twenty() {
        assert_eq!(query("/ws?authorization=Bearer+a.b.c").unwrap(), "a.b.c");
        assert_eq!(query("/ws?authorization=Bearer%20a.b.c").unwrap(), "a.b.c");
        assert_eq!(query("/ws?x=1&authorization=a.b.c&y=2").unwrap(), "a.b.c");
    }

    #[test]
    fn query_borrows_token_after_encoded_scheme() {
        let uri: Uri = "/ws?authorization=Bearer%20%20a.b.c".parse().unwrap();

        assert!(matches!(
            token_from_query(&uri).unwrap(),
            Cow::Borrowed("a.b.c")
        ));
    }

    #[test]
    fn query_rejects_encoded_scheme_without_token() {
        assert_eq!(
            query("/ws?authorization=Bearer%20").unwrap_err(),
            AuthError::invalid_token(
                "authorization query parameter must be `Bearer <token>` or a token"
            )
        );
        assert_eq!(
            query("/ws?authorization=Bearer%20a.b%2").unwrap_err(),
            AuthError::invalid_request(
                "authorization query parameter has malformed percent-encoding"
            )
        );
    }

    #[test]
    fn query_missing_is_missing_credentials() {
        assert_eq!(
            query("/ws?x=1").unwrap_err(),
            AuthError::missing("authorization query parameter is missing")
        );
        assert_eq!(
            query("/ws").unwrap_err(),
            AuthError::missing("authorization query parameter is missing")
        );
    }

    #[test]
    fn query_doubled_is_invalid_request() {
        assert_eq!(
            query("/ws?authorization=a.b.c&authorization=a.b.c").unwrap_err(),
            AuthError::invalid_request(
                "Multiple authorization query parameters were sent; send exactly one"
            )
        );
    }

    #[test]
    fn query_malformed_percent_is_invalid_request() {
        for bad in [
            "/ws?authorization=Bearer%2",
            "/ws?authorization=Bearer%zz1",
            "/ws?authorization=%",
        ] {
            assert_eq!(
                query(bad).unwrap_err(),
                AuthError::invalid_request(
                    "authorization query parameter has malformed percent-encoding"
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn query_oversized_is_rejected() {
        let uri = format!(
            "/ws?authorization={}",
            "a".repeat(MAX_QUERY_VALUE_LENGTH + 1)
        );
        assert_eq!(
            query(&uri).unwrap_err(),
            AuthError::invalid_token("authorization query parameter is too large")
        );
    }

    #[test]
    fn query_other_scheme_is_rejected() {
        assert_eq!(
            query("/ws?authorization=Basic%20abc").unwrap_err(),
            AuthError::invalid_token(
                "authorization query parameter must be `Bearer <token>` or a token"
            )
        );
    }
}

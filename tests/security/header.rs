//! The `Authorization` header: every shape that is not exactly one
//! `Bearer <token>` with a `b64token` (RFC 6750 section 2.1).

use auth_jwt::MAX_TOKEN_LENGTH;

use crate::harness::{Reply, Target, raw_request};

const SHAPE: &str = "Authorization header must be `Bearer <token>`";
const BAD_CHARACTERS: &str = "Token contains characters that are not allowed";
const TOO_LARGE: &str = "Authorization header is too large";

/// Largest accepted header value: `Bearer`, one space, the longest token,
/// and 16 bytes more for extra spaces. Longer values are rejected before
/// any other check.
const MAX_HEADER_LENGTH: usize = "Bearer ".len() + MAX_TOKEN_LENGTH + 16;

#[tokio::test]
async fn header_missing() {
    let target = Target::start().await;

    let reply = target.me_with_headers(&[]).await;

    reply.assert_missing("Authorization header is missing");
}

/// Without credentials, a handler whose user is optional gets none, but
/// an empty header is a credential that is wrong.
#[tokio::test]
async fn header_missing_on_optional_route() {
    let target = Target::start().await;

    let anonymous = target
        .server
        .client
        .get(target.server.url("/whoami"))
        .send()
        .await
        .unwrap();
    let empty = target
        .server
        .client
        .get(target.server.url("/whoami"))
        .header("authorization", "")
        .send()
        .await
        .unwrap();

    let anonymous = Reply::from_response(anonymous).await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.body, r#"{"user":null}"#);
    Reply::from_response(empty)
        .await
        .assert_invalid_token("Authorization header is empty");
}

/// hyper drops the spaces around a header value, so a value of spaces
/// reaches the library empty.
#[tokio::test]
async fn header_empty() {
    let target = Target::start().await;

    for value in [&b""[..], b" ", b"   "] {
        let reply = target.me_with_headers(&[value]).await;
        reply.assert_invalid_token("Authorization header is empty");
    }
}

#[tokio::test]
async fn header_other_scheme() {
    let target = Target::start().await;

    for value in [
        "Basic YWxpY2U6Y29ycmVjdCBob3JzZSBiYXR0ZXJ5",
        "Token abc",
        "Bearer: abc",
        "Bearerabc",
        "MAC id=\"a\"",
        "Digest username=\"alice\"",
    ] {
        let reply = target.me_with_headers(&[value.as_bytes()]).await;
        reply.assert_invalid_token("Authorization scheme must be Bearer");
    }
}

/// A bare token, with no scheme at all, is not accepted in the header.
#[tokio::test]
async fn header_without_scheme() {
    let target = Target::start().await;

    let reply = target
        .me_with_headers(&[target.tokens.access.as_bytes()])
        .await;

    reply.assert_invalid_token("Authorization scheme must be Bearer");
}

/// The scheme is case-insensitive (RFC 9110 section 11.1).
#[tokio::test]
async fn header_scheme_case_variants() {
    let target = Target::start().await;

    for scheme in ["Bearer", "bearer", "BEARER", "bEARER", "BeArEr"] {
        let value = format!("{scheme} {}", target.tokens.access);
        target
            .me_with_headers(&[value.as_bytes()])
            .await
            .assert_alice();
    }
}

#[tokio::test]
async fn header_one_or_several_spaces() {
    let target = Target::start().await;

    for spaces in [" ", "  ", "     ", " ".repeat(16).as_str()] {
        let value = format!("Bearer{spaces}{}", target.tokens.access);
        target
            .me_with_headers(&[value.as_bytes()])
            .await
            .assert_alice();
    }
}

/// Only spaces separate the scheme from the token (RFC 9110's `1*SP`); a
/// tab there makes a malformed value, not another scheme.
#[tokio::test]
async fn header_tab_separator() {
    let target = Target::start().await;
    let token = &target.tokens.access;

    for value in [format!("Bearer\t{token}"), format!("bearer\t\t{token}")] {
        let reply = target.me_with_headers(&[value.as_bytes()]).await;
        reply.assert_invalid_token(SHAPE);
    }
    let after_space = format!("Bearer \t{token}");
    let reply = target.me_with_headers(&[after_space.as_bytes()]).await;
    reply.assert_invalid_token(BAD_CHARACTERS);
}

#[tokio::test]
async fn header_scheme_without_token() {
    let target = Target::start().await;

    for value in ["Bearer", "bearer", "Bearer   "] {
        let reply = target.me_with_headers(&[value.as_bytes()]).await;
        reply.assert_invalid_token(SHAPE);
    }
}

#[tokio::test]
async fn header_third_part() {
    let target = Target::start().await;
    let token = &target.tokens.access;

    for value in [
        format!("Bearer {token} extra"),
        format!("Bearer {token} {token}"),
        format!("Bearer  {token}  x"),
        format!("Bearer Bearer {token}"),
    ] {
        let reply = target.me_with_headers(&[value.as_bytes()]).await;
        reply.assert_invalid_token(SHAPE);
    }
}

/// Anything but letters, digits and `-._~+/`, with `=` only at the end.
#[tokio::test]
async fn header_characters_outside_b64token() {
    let target = Target::start().await;
    let token = &target.tokens.access;

    for character in ['"', ',', ';', '@', '\\', '%', '(', '!', '*', '<', '=', '\t'] {
        let value = format!("Bearer {}{character}{}", &token[..20], &token[20..]);
        let reply = target.me_with_headers(&[value.as_bytes()]).await;
        reply.assert_invalid_token(BAD_CHARACTERS);
    }
}

/// UTF-8 text outside ASCII is not a `b64token`.
#[tokio::test]
async fn header_non_ascii() {
    let target = Target::start().await;
    let token = &target.tokens.access;

    for text in ["é", "\u{2024}", "\u{ff0e}", "😀"] {
        let value = format!("Bearer {}{text}{}", &token[..20], &token[20..]);
        let reply = target.me_with_headers(&[value.as_bytes()]).await;
        reply.assert_invalid_token(BAD_CHARACTERS);
    }
}

/// hyper passes bytes 0x80 to 0xFF through in header values (RFC 9110's
/// `obs-text`); bytes that are not UTF-8 are rejected by the library.
#[tokio::test]
async fn header_non_utf8() {
    let target = Target::start().await;
    let token = target.tokens.access.as_bytes();

    for bytes in [&b"\xff"[..], b"\x80", b"\xc3", b"\xed\xa0\x80"] {
        let mut value = b"Bearer ".to_vec();
        value.extend_from_slice(&token[..20]);
        value.extend_from_slice(bytes);
        value.extend_from_slice(&token[20..]);
        let reply = target.me_with_headers(&[&value]).await;
        reply.assert_invalid_token("Authorization header contains bytes that are not ASCII");
    }
}

/// Control characters other than tab end the request in hyper's parser,
/// which responds with 400 and an empty body before the library sees it.
#[tokio::test]
async fn header_control_characters() {
    let target = Target::start().await;

    for control in ["\x00", "\x01", "\x1b", "\x7f"] {
        let head = format!("GET /me HTTP/1.1\r\nAuthorization: Bearer a{control}b\r\n");
        let reply = raw_request(target.server.addr, head.as_bytes(), &[]).await;
        assert_eq!(reply.status, 400, "{control:?}: {reply:?}");
        assert_eq!(reply.body, "", "{control:?}");
    }
}

/// Two `Authorization` headers are a malformed request, even when both
/// carry the same valid token.
#[tokio::test]
async fn header_twice() {
    let target = Target::start().await;
    let valid = format!("Bearer {}", target.tokens.access);
    let detail = "Multiple Authorization headers were sent; send exactly one";

    for values in [
        [valid.as_bytes(), valid.as_bytes()],
        [valid.as_bytes(), b"Basic YWxpY2U6eA=="],
        [b"", valid.as_bytes()],
    ] {
        target
            .me_with_headers(&values)
            .await
            .assert_invalid_request(detail);
    }

    let head = format!("GET /me HTTP/1.1\r\nAuthorization: {valid}\r\nauthorization: {valid}\r\n");
    let raw = raw_request(target.server.addr, head.as_bytes(), &[]).await;
    raw.assert_invalid_request(detail);
}

/// One byte over the limit is rejected as too large; at the limit the
/// value goes on to the token checks.
#[tokio::test]
async fn header_size_limit() {
    let target = Target::start().await;
    let at_limit = format!("Bearer {}", "a".repeat(MAX_HEADER_LENGTH - 7));
    let over_limit = format!("Bearer {}", "a".repeat(MAX_HEADER_LENGTH - 6));

    let at = target.me_with_headers(&[at_limit.as_bytes()]).await;
    let over = target.me_with_headers(&[over_limit.as_bytes()]).await;

    at.assert_invalid_token("Token is too large");
    over.assert_invalid_token(TOO_LARGE);
}

/// The size check comes before any parsing or decoding: values that would
/// fail the scheme, UTF-8 or character checks get the size error when
/// they are too large.
#[tokio::test]
async fn header_size_checked_first() {
    let target = Target::start().await;
    let filler = "x".repeat(MAX_HEADER_LENGTH);

    let mut not_utf8 = b"Bearer \xff".to_vec();
    not_utf8.extend_from_slice(filler.as_bytes());
    for value in [
        not_utf8,
        format!("Basic {filler}").into_bytes(),
        format!("Bearer {filler} {filler}").into_bytes(),
        format!("Bearer {}", "\"".repeat(MAX_HEADER_LENGTH)).into_bytes(),
        format!("Bearer {}.{filler}.x", "a".repeat(4)).into_bytes(),
    ] {
        let reply = target.me_with_headers(&[&value]).await;
        reply.assert_invalid_token(TOO_LARGE);
    }
}

/// A header of 100 KiB still reaches the library, which rejects it by its
/// size alone.
#[tokio::test]
async fn header_far_too_large() {
    let target = Target::start().await;
    let value = format!("Bearer {}", "a".repeat(100 * 1024));

    let reply = target.me_with_headers(&[value.as_bytes()]).await;

    reply.assert_invalid_token(TOO_LARGE);
}

/// Beyond hyper's buffer for a request head (about 400 KiB in hyper 1.x),
/// hyper responds with 431 and an empty body before the library sees the request.
#[tokio::test]
async fn header_beyond_http_limit() {
    let target = Target::start().await;
    let head = format!(
        "GET /me HTTP/1.1\r\nAuthorization: Bearer {}\r\n",
        "a".repeat(1 << 20)
    );

    let reply = raw_request(target.server.addr, head.as_bytes(), &[]).await;

    assert_eq!(reply.status, 431, "{reply:?}");
    assert_eq!(reply.body, "");
}

/// A header value folded onto a second line (obsolete in RFC 9112 section
/// 5.2) is rejected by hyper with 400 and an empty body, so a token cannot
/// be split across lines.
#[tokio::test]
async fn header_line_folding() {
    let target = Target::start().await;
    let token = &target.tokens.access;

    for folded in [
        format!("Bearer\r\n {token}"),
        format!("Bearer {}\r\n\t{}", &token[..10], &token[10..]),
    ] {
        let head = format!("GET /me HTTP/1.1\r\nAuthorization: {folded}\r\n");
        let reply = raw_request(target.server.addr, head.as_bytes(), &[]).await;
        assert_eq!(reply.status, 400, "{folded:?}: {reply:?}");
        assert_eq!(reply.body, "", "{folded:?}");
    }
}

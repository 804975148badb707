//! The `authorization` query parameter of `/ws`: encodings, repetition and
//! size. Rejections come before the WebSocket upgrade, so plain GET
//! requests show them; the accepted forms open a real WebSocket.

use futures_util::StreamExt as _;
use serde_json::Value;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{Target, raw_request};

const MALFORMED_PERCENT: &str = "authorization query parameter has malformed percent-encoding";
const BAD_CHARACTERS: &str = "Token contains characters that are not allowed";
const SHAPE: &str = "authorization query parameter must be `Bearer <token>` or a token";

/// Opens `/ws?<query>` and returns the username of the greeting.
async fn open_ws(target: &Target, query: &str) -> String {
    let url = format!("ws://{}/ws?{query}", target.server.addr);
    let (mut socket, response) = connect_async(url).await.unwrap();
    assert_eq!(response.status().as_u16(), 101, "{query}");
    let Some(Ok(Message::Text(greeting))) = socket.next().await else {
        panic!("expected a greeting for {query}");
    };
    let greeting: Value = serde_json::from_str(&greeting).unwrap();
    greeting["user"]["username"].as_str().unwrap().to_owned()
}

/// `+` and `%20` both decode to a space, as in HTML forms; the scheme may
/// be left out in the query.
#[tokio::test]
async fn query_plus_and_percent_twenty() {
    let target = Target::start().await;
    let token = &target.tokens.access;

    for query in [
        format!("authorization=Bearer+{token}"),
        format!("authorization=Bearer%20{token}"),
        format!("authorization=bearer%20%20{token}"),
        format!("authorization=Bearer+%20+{token}"),
        format!("authorization={token}"),
        format!("a=1&authorization=Bearer%20{token}&b"),
    ] {
        assert_eq!(open_ws(&target, &query).await, "alice", "{query}");
    }
}

/// A token that is percent-encoded in full decodes to the same token.
#[tokio::test]
async fn query_fully_percent_encoded() {
    let target = Target::start().await;
    let encoded: String = format!("Bearer {}", target.tokens.access)
        .bytes()
        .map(|byte| format!("%{byte:02X}"))
        .collect();

    let query = format!("authorization={encoded}");

    assert_eq!(open_ws(&target, &query).await, "alice");
}

#[tokio::test]
async fn query_missing() {
    let target = Target::start().await;

    for query in [
        "",
        "x=1",
        "Authorization=Bearer%20a.b.c",
        "authorizatio%6E=a.b.c",
        "authorization%3Da.b.c",
    ] {
        let reply = target.ws_with_query(query).await;
        reply.assert_missing("authorization query parameter is missing");
    }
}

#[tokio::test]
async fn query_empty() {
    let target = Target::start().await;

    for query in ["authorization=", "authorization"] {
        let reply = target.ws_with_query(query).await;
        reply.assert_invalid_token("authorization query parameter is empty");
    }
}

/// A parameter given twice is ambiguous, whichever copy is valid.
#[tokio::test]
async fn query_doubled_parameter() {
    let target = Target::start().await;
    let token = &target.tokens.access;
    let detail = "Multiple authorization query parameters were sent; send exactly one";

    for query in [
        format!("authorization=Bearer%20{token}&authorization=Bearer%20{token}"),
        format!("authorization=x&authorization=Bearer%20{token}"),
        format!("authorization=Bearer%20{token}&authorization"),
        format!("authorization=Bearer%20{token}&x=1&authorization="),
    ] {
        target
            .ws_with_query(&query)
            .await
            .assert_invalid_request(detail);
    }
}

#[tokio::test]
async fn query_malformed_percent_encoding() {
    let target = Target::start().await;
    let token = &target.tokens.access;

    for value in [
        "%".to_owned(),
        "%2".to_owned(),
        "%zz".to_owned(),
        "%G0".to_owned(),
        "Bearer%2".to_owned(),
        format!("Bearer%20{token}%"),
        format!("Bearer%20{token}%4"),
        format!("Bearer%2x{token}"),
    ] {
        let reply = target
            .ws_with_query(&format!("authorization={value}"))
            .await;
        reply.assert_invalid_request(MALFORMED_PERCENT);
    }
}

#[tokio::test]
async fn query_not_utf8_after_decoding() {
    let target = Target::start().await;

    for value in ["Bearer%20a.b.%FF", "%C3", "Bearer%20%ED%A0%80"] {
        let reply = target
            .ws_with_query(&format!("authorization={value}"))
            .await;
        reply.assert_invalid_token("authorization query parameter is not valid UTF-8");
    }
}

/// Escapes that decode to characters outside `b64token`, such as NUL, a
/// quote or a second space, are rejected after decoding.
#[tokio::test]
async fn query_decodes_to_bad_characters() {
    let target = Target::start().await;
    let token = &target.tokens.access;

    for value in [
        format!("Bearer%20{token}%00"),
        format!("Bearer%20{token}%22"),
        format!("Bearer%20%C3%A9{token}"),
        format!("{token}%0A"),
    ] {
        let reply = target
            .ws_with_query(&format!("authorization={value}"))
            .await;
        reply.assert_invalid_token(BAD_CHARACTERS);
    }
    let reply = target
        .ws_with_query(&format!("authorization=Bearer%20{token}%20x"))
        .await;
    reply.assert_invalid_token(SHAPE);
}

#[tokio::test]
async fn query_other_scheme() {
    let target = Target::start().await;

    for value in ["Basic%20YWxpY2U6eA%3D%3D", "Token+abc", "Bearer%3Aabc%20x"] {
        let reply = target
            .ws_with_query(&format!("authorization={value}"))
            .await;
        reply.assert_invalid_token(SHAPE);
    }
}

/// Over `3 * (MAX_TOKEN_LENGTH + 7)` bytes, room for `Bearer ` and a token
/// of the maximum length with every byte percent-encoded, the value is
/// rejected before it is decoded.
#[tokio::test]
async fn query_oversized_value() {
    let target = Target::start().await;
    let limit = 3 * (auth_jwt::MAX_TOKEN_LENGTH + 7);

    let over = target
        .ws_with_query(&format!("authorization={}", "%".repeat(limit + 1)))
        .await;
    let at = target
        .ws_with_query(&format!("authorization={}", "a".repeat(limit)))
        .await;

    over.assert_invalid_token("authorization query parameter is too large");
    at.assert_invalid_token("Token is too large");
}

/// The `http` crate takes URIs up to 64 KiB. Beyond that, hyper responds
/// with 414 and an empty body before the library sees the request.
#[tokio::test]
async fn query_beyond_http_limit() {
    let target = Target::start().await;
    let head = format!("GET /ws?authorization={} HTTP/1.1\r\n", "a".repeat(70_000));

    let reply = raw_request(target.server.addr, head.as_bytes(), &[]).await;

    assert_eq!(reply.status, 414, "{reply:?}");
    assert_eq!(reply.body, "");
}

/// A token in the query and another in the header is a malformed request
/// on either kind of route (RFC 6750 section 2).
#[tokio::test]
async fn query_and_header_together() {
    let target = Target::start().await;
    let token = &target.tokens.access;
    let detail = "Token was sent in both the Authorization header and the authorization \
                  query parameter; send one";

    for path in ["/ws", "/me"] {
        let head = format!(
            "GET {path}?authorization=Bearer%20{token} HTTP/1.1\r\nAuthorization: Bearer {token}\r\n"
        );
        let reply = raw_request(target.server.addr, head.as_bytes(), &[]).await;
        reply.assert_invalid_request(detail);
    }
}

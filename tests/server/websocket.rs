//! `/ws`: authenticated by the `authorization` query parameter.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::support::{TestServer, config, invalid_token_challenge};

/// Tries to open a WebSocket and returns the rejection: status, challenge
/// and the body's `detail`.
async fn rejection(request: impl IntoClientRequest + Unpin) -> (u16, Option<String>, Value) {
    let error = match connect_async(request).await {
        Ok(_) => panic!("the server opened a WebSocket for a rejected request"),
        Err(error) => error,
    };
    let Error::Http(response) = error else {
        panic!("expected an HTTP rejection, got {error}");
    };
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = response.body().as_deref().unwrap_or_default();
    let detail = serde_json::from_slice::<Value>(body).unwrap()["detail"].clone();
    (response.status().as_u16(), challenge, detail)
}

#[tokio::test]
async fn ws_sends_user_then_echoes() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let me: Value = server
        .get_with_token("/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();

    let (mut socket, response) = connect_async(server.ws_url(&tokens.access)).await.unwrap();
    assert_eq!(response.status().as_u16(), 101);

    let Some(Ok(Message::Text(greeting))) = socket.next().await else {
        panic!("expected a text message first");
    };
    let greeting: Value = serde_json::from_str(&greeting).unwrap();
    assert_eq!(greeting, json!({ "user": me }));

    for text in ["hello", "{\"not\": \"parsed\"}", ""] {
        socket.send(Message::text(text)).await.unwrap();
        let Some(Ok(Message::Text(echo))) = socket.next().await else {
            panic!("expected the echo of {text:?}");
        };
        assert_eq!(echo.as_str(), text);
    }

    socket.close(None).await.unwrap();
}

/// Largest WebSocket message the server reads: its body limit, 16 KiB.
const MAX_MESSAGE_BYTES: usize = 16 * 1024;

#[tokio::test]
async fn ws_echoes_message_at_size_limit() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let (mut socket, _) = connect_async(server.ws_url(&tokens.access)).await.unwrap();
    let _greeting = socket.next().await;
    let largest = "a".repeat(MAX_MESSAGE_BYTES);

    socket.send(Message::text(largest.as_str())).await.unwrap();

    let Some(Ok(Message::Text(echo))) = socket.next().await else {
        panic!("expected the echo of a message at the limit");
    };
    assert_eq!(echo.len(), MAX_MESSAGE_BYTES);
}

#[tokio::test]
async fn ws_closes_on_message_over_size_limit() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let (mut socket, _) = connect_async(server.ws_url(&tokens.access)).await.unwrap();
    let _greeting = socket.next().await;
    let oversized = "a".repeat(MAX_MESSAGE_BYTES + 1);

    socket
        .send(Message::text(oversized.as_str()))
        .await
        .unwrap();

    let next = socket.next().await;
    assert!(
        !matches!(next, Some(Ok(Message::Text(_)))),
        "the server echoed a message over its limit"
    );
}

#[tokio::test]
async fn ws_accepts_bare_token() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let url = format!("ws://{}/ws?authorization={}", server.addr, tokens.access);

    let (mut socket, _) = connect_async(url).await.unwrap();

    let Some(Ok(Message::Text(greeting))) = socket.next().await else {
        panic!("expected a text message first");
    };
    let greeting: Value = serde_json::from_str(&greeting).unwrap();
    assert_eq!(greeting["user"]["username"], "alice");
}

#[tokio::test]
async fn ws_rejects_bad_tokens_before_upgrade() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let revoked = server.log_in("alice").await;
    server
        .send_with_token(Method::POST, "/logout", &revoked.access)
        .await;

    let cases = [
        (server.ws_url("not.a.token"), "Token is malformed"),
        (
            server.ws_url(&tokens.refresh),
            "Token is not an access token",
        ),
        (server.ws_url(&revoked.access), "Token has been revoked"),
    ];
    for (url, detail) in cases {
        let (status, challenge, body) = rejection(url).await;
        assert_eq!(status, 401, "status for {detail}");
        assert_eq!(
            challenge.as_deref(),
            Some(invalid_token_challenge(detail).as_str()),
            "challenge for {detail}"
        );
        assert_eq!(body, detail);
    }
}

#[tokio::test]
async fn ws_rejects_missing_query_token() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let url = format!("ws://{}/ws", server.addr);

    let (status, challenge, detail) = rejection(url.as_str()).await;
    assert_eq!(status, 401);
    assert_eq!(challenge.as_deref(), Some("Bearer"));
    assert_eq!(detail, "authorization query parameter is missing");

    // WS_AUTHENTICATION reads the query only: a header does not count.
    let mut request = url.as_str().into_client_request().unwrap();
    let bearer = format!("Bearer {}", tokens.access).parse().unwrap();
    request.headers_mut().insert("authorization", bearer);
    let (status, _, detail) = rejection(request).await;
    assert_eq!(status, 401);
    assert_eq!(detail, "authorization query parameter is missing");
}

#[tokio::test]
async fn ws_rejects_token_sent_twice() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let mut request = server.ws_url(&tokens.access).into_client_request().unwrap();
    let bearer = format!("Bearer {}", tokens.access).parse().unwrap();
    request.headers_mut().insert("authorization", bearer);

    let (status, _, detail) = rejection(request).await;

    assert_eq!(status, 400);
    assert_eq!(
        detail,
        "Token was sent in both the Authorization header and the authorization query \
         parameter; send one"
    );
}

#[tokio::test]
async fn ws_rejects_deleted_user() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    server
        .send_with_token(Method::DELETE, "/me", &tokens.access)
        .await;

    let (status, _, detail) = rejection(server.ws_url(&tokens.access)).await;

    assert_eq!(status, 401);
    assert_eq!(detail, "User not found");
}

#[tokio::test]
async fn ws_without_upgrade_is_rejected() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let url = format!(
        "{}?authorization=Bearer%20{}",
        server.url("/ws"),
        tokens.access
    );

    let response = server.client.get(url).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "detail": "This route only accepts WebSocket upgrade requests" })
    );
}

/// Sends an authenticated handshake for `/ws` with `method` and the
/// `Sec-WebSocket-*` headers in `headers`.
async fn handshake(server: &TestServer, method: Method, headers: &[(&str, &str)]) -> Response {
    let tokens = server.sign_up("alice").await;
    let url = format!(
        "{}?authorization=Bearer%20{}",
        server.url("/ws"),
        tokens.access
    );
    let mut request = server
        .client
        .request(method, url)
        .header("connection", "upgrade")
        .header("upgrade", "websocket");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

const KEY: (&str, &str) = ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");

#[tokio::test]
async fn ws_unsupported_version_names_version() {
    let server = TestServer::start().await;

    let response = handshake(
        &server,
        Method::GET,
        &[KEY, ("sec-websocket-version", "12")],
    )
    .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["sec-websocket-version"], "13");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "detail": "WebSocket version is not supported; send Sec-WebSocket-Version: 13" })
    );
}

#[tokio::test]
async fn ws_missing_key_is_named() {
    let server = TestServer::start().await;

    let response = handshake(&server, Method::GET, &[("sec-websocket-version", "13")]).await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "detail": "Sec-WebSocket-Key header is missing; send it with the WebSocket handshake"
        })
    );
}

#[tokio::test]
async fn ws_head_handshake_lists_allowed_method() {
    let server = TestServer::start().await;

    let response = handshake(
        &server,
        Method::HEAD,
        &[KEY, ("sec-websocket-version", "13")],
    )
    .await;

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET");
}

#[tokio::test]
async fn ws_http10_handshake_requires_upgrade() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let head = format!(
        "GET /ws?authorization=Bearer%20{} HTTP/1.0\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        tokens.access
    );

    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();

    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("HTTP/1.0 426 Upgrade Required"));
    assert!(
        lines.any(|line| line.eq_ignore_ascii_case("upgrade: websocket")),
        "{head}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(body).unwrap(),
        json!({
            "detail": "This connection cannot be upgraded to a WebSocket; connect over HTTP/1.1"
        })
    );
}

#[tokio::test]
async fn ws_authentication_setting_can_select_header() {
    let server =
        TestServer::start_with(config().ws_authentication("auth_jwt::JwtAuthentication")).await;
    let tokens = server.sign_up("alice").await;
    let mut request = format!("ws://{}/ws", server.addr)
        .into_client_request()
        .unwrap();
    let bearer = format!("Bearer {}", tokens.access).parse().unwrap();
    request.headers_mut().insert("authorization", bearer);

    let (mut socket, _) = connect_async(request).await.unwrap();

    let Some(Ok(Message::Text(greeting))) = socket.next().await else {
        panic!("expected a text message first");
    };
    let greeting: Value = serde_json::from_str(&greeting).unwrap();
    assert_eq!(greeting["user"]["username"], "alice");
}

#[tokio::test]
async fn ws_closes_when_server_stops() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let (mut socket, _) = connect_async(server.ws_url(&tokens.access)).await.unwrap();
    let Some(Ok(Message::Text(_greeting))) = socket.next().await else {
        panic!("expected the user as the first message");
    };

    let stopping = tokio::spawn(server.stop());

    let Some(Ok(Message::Close(Some(frame)))) = socket.next().await else {
        panic!("expected a close frame when the server stops");
    };
    assert_eq!(frame.code, CloseCode::Away);
    assert_eq!(frame.reason.as_str(), "Server is stopping");
    stopping.await.unwrap().unwrap();
}

#[tokio::test]
async fn ws_unread_socket_does_not_hold_stop() {
    let server = TestServer::start_with_read_timeout(Duration::from_secs(1)).await;
    let tokens = server.sign_up("alice").await;
    let (socket, _) = connect_async(server.ws_url(&tokens.access)).await.unwrap();
    // The client sends messages and reads no echo, until every buffer between
    // the two ends is full and the server waits to send.
    let (mut sender, _receiver) = socket.split();
    let message = "x".repeat(16 * 1000);
    let mut blocked = false;
    for _ in 0..10_000 {
        let send = sender.send(Message::Text(message.clone().into()));
        if tokio::time::timeout(Duration::from_secs(2), send)
            .await
            .is_err()
        {
            blocked = true;
            break;
        }
    }
    assert!(blocked, "the server kept reading without sending echoes");

    let stopped = tokio::time::timeout(Duration::from_secs(20), server.stop()).await;

    let result = stopped.expect("the stop waited for a client that does not read");
    result.unwrap();
}

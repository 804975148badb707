//! Slow clients: a request head or body that does not arrive within the
//! server's read timeout loses its connection or gets 408, a WebSocket is not
//! subject to that limit, and a client that reads no responses cannot hold
//! the server's stop.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

use crate::support::TestServer;

/// Read timeout of the servers in these tests.
const READ_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a test waits for the server to act on the timeout before it fails.
const GUARD: Duration = Duration::from_secs(20);

/// Reads until the server closes the connection and returns what it sent.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    tokio::time::timeout(GUARD, stream.read_to_end(&mut received))
        .await
        .expect("the server kept a slow connection open")
        .unwrap();
    received
}

#[tokio::test]
async fn partial_head_closes_connection() {
    let server = TestServer::start_with_read_timeout(READ_TIMEOUT).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();

    stream
        .write_all(b"GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();

    // The head never ends, so the server sends no response.
    assert_eq!(read_until_closed(&mut stream).await, b"");
}

#[tokio::test]
async fn idle_keep_alive_closes_connection() {
    let server = TestServer::start_with_read_timeout(READ_TIMEOUT).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();

    stream
        .write_all(b"GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let received = String::from_utf8(read_until_closed(&mut stream).await).unwrap();

    assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(received.ends_with("\r\n\r\n{\"user\":null}"), "{received}");
}

#[tokio::test]
async fn partial_body_gets_408() {
    let server = TestServer::start_with_read_timeout(READ_TIMEOUT).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();

    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              Content-Type: application/json\r\nContent-Length: 60\r\n\r\n{\"username\":",
        )
        .await
        .unwrap();
    let received = String::from_utf8(read_until_closed(&mut stream).await).unwrap();

    assert!(
        received.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{received}"
    );
    let (_, body) = received.split_once("\r\n\r\n").unwrap();
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        body,
        json!({ "detail": "Request body was not received within 1s; send the whole body at once" })
    );
}

#[tokio::test]
async fn websocket_outlives_read_timeout() {
    let server = TestServer::start_with_read_timeout(READ_TIMEOUT).await;
    let tokens = server.sign_up("alice").await;
    let (mut socket, _) = connect_async(server.ws_url(&tokens.access)).await.unwrap();
    let Some(Ok(Message::Text(_greeting))) = socket.next().await else {
        panic!("expected the user as the first message");
    };

    tokio::time::sleep(READ_TIMEOUT * 2).await;

    socket.send(Message::text("still here")).await.unwrap();
    let Some(Ok(Message::Text(echo))) = socket.next().await else {
        panic!("expected the echo after an idle period longer than the read timeout");
    };
    assert_eq!(echo.as_str(), "still here");
}

#[tokio::test]
async fn unread_responses_do_not_hold_stop() {
    let server = TestServer::start_with_read_timeout(READ_TIMEOUT).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // The client pipelines requests and reads no response, until every buffer
    // between the two ends is full and the server waits to send.
    let requests = b"GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(1000);
    let mut blocked = false;
    for _ in 0..10_000 {
        let write = stream.write_all(&requests);
        if tokio::time::timeout(Duration::from_secs(2), write)
            .await
            .is_err()
        {
            blocked = true;
            break;
        }
    }
    assert!(blocked, "the server kept reading without sending responses");

    let stopped = tokio::time::timeout(GUARD, server.stop()).await;

    let result = stopped.expect("the stop waited for a client that does not read");
    result.unwrap();
}

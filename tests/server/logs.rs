//! The server's log: one line per rejected request, and no credential in any line.

use reqwest::Method;
use serde_json::json;

use crate::log_capture::Captured;
use crate::support::{PASSWORD, SECRET_KEY, TestServer};

// `#[tokio::test]` runs the server's tasks on the test's thread, so the
// thread's default subscriber receives the server's events too.
#[tokio::test]
async fn log_has_reasons_but_no_credentials() {
    let captured = Captured::default();
    let _capture = captured.install();

    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let key = server.create_api_key(&tokens.access).await;
    let wrong_password = "wrong password 1234";
    server.login("alice", wrong_password).await;
    server
        .post_json("/register", &json!({ "username": 7, "password": PASSWORD }))
        .await;
    server.refresh(&tokens.access).await;
    let _ = tokio_tungstenite::connect_async(server.ws_url(&tokens.refresh)).await;
    server
        .send_with_token(Method::POST, "/logout", &tokens.access)
        .await;
    server.get_with_token("/me", &tokens.access).await;
    let (kept, last) = key.split_at(key.len() - 1);
    let wrong_key = format!("{kept}{}", if last == "A" { "B" } else { "A" });
    server
        .client
        .get(server.url("/api-key/me"))
        .header("x-api-key", &wrong_key)
        .send()
        .await
        .unwrap();

    let log = captured.text();
    let rejected: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("request rejected"))
        .collect();
    assert_eq!(rejected.len(), 6, "{log}");
    assert!(
        rejected[0].contains(r#"path="/login" status=401 reason="Incorrect username or password""#),
        "{}",
        rejected[0]
    );
    assert!(
        rejected[1].contains(r#"path="/register" status=400"#),
        "{}",
        rejected[1]
    );
    assert!(
        rejected[2].contains(r#"reason="Token is not a refresh token""#),
        "{}",
        rejected[2]
    );
    assert!(
        rejected[3].contains(r#"path="/ws" status=401"#),
        "{}",
        rejected[3]
    );
    assert!(
        rejected[4].contains(r#"reason="Token has been revoked""#),
        "{}",
        rejected[4]
    );
    assert!(
        rejected[5].contains(r#"path="/api-key/me" status=401"#),
        "{}",
        rejected[5]
    );

    let (_, key_secret) = key.split_at(key.len() - 43);
    let secrets = [
        tokens.access.as_str(),
        tokens.refresh.as_str(),
        PASSWORD,
        wrong_password,
        key_secret,
        &wrong_key[wrong_key.len() - 43..],
        SECRET_KEY,
    ];
    for secret in secrets {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }
}

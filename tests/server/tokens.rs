//! `/refresh` and `/logout`: rotation, reuse detection, revocation, expiry.

use std::time::Duration;

use auth_core::JwtConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestServer, Tokens, assert_error, assert_invalid_token, config};

#[tokio::test]
async fn refresh_returns_new_working_pair() {
    let server = TestServer::start().await;
    let first = server.sign_up("alice").await;

    let response = server.refresh(&first.refresh).await;

    assert_eq!(response.status(), StatusCode::OK);
    let second = Tokens::from_body(&response.json().await.unwrap());
    assert_ne!(second.access, first.access);
    assert_ne!(second.refresh, first.refresh);
    let me = server.get_with_token("/me", &second.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    let third = server.refresh(&second.refresh).await;
    assert_eq!(third.status(), StatusCode::OK);
}

#[tokio::test]
async fn refresh_token_works_once() {
    let server = TestServer::start().await;
    let first = server.sign_up("alice").await;
    server.refresh(&first.refresh).await;

    let reused = server.refresh(&first.refresh).await;

    assert_invalid_token(reused, "Token has been revoked").await;
}

#[tokio::test]
async fn refresh_reuse_revokes_whole_login_session() {
    let server = TestServer::start().await;
    let first = server.sign_up("alice").await;
    let other_session = server.log_in("alice").await;
    let response = server.refresh(&first.refresh).await;
    let second = Tokens::from_body(&response.json().await.unwrap());

    server.refresh(&first.refresh).await;

    let me = server.get_with_token("/me", &second.access).await;
    assert_invalid_token(me, "Token has been revoked").await;
    let refreshed = server.refresh(&second.refresh).await;
    assert_invalid_token(refreshed, "Token has been revoked").await;
    let untouched = server.get_with_token("/me", &other_session.access).await;
    assert_eq!(untouched.status(), StatusCode::OK);
}

#[tokio::test]
async fn refresh_rejects_access_and_malformed_tokens() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;

    let access = server.refresh(&tokens.access).await;
    assert_invalid_token(access, "Token is not a refresh token").await;

    let malformed = server.refresh("not.a.token").await;
    assert_invalid_token(malformed, "Token is malformed").await;

    // The rejected attempts did not use up the refresh token.
    let refreshed = server.refresh(&tokens.refresh).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
}

#[tokio::test]
async fn refresh_rejects_bad_body() {
    let server = TestServer::start().await;

    let response = server.post_json("/refresh", &json!({ "token": "x" })).await;

    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        None,
        r#"Request body must be {"refresh_token": string}"#,
    )
    .await;
}

#[tokio::test]
async fn logout_revokes_token_and_its_session() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let other_session = server.log_in("alice").await;

    let logout = server
        .send_with_token(Method::POST, "/logout", &tokens.access)
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(logout.text().await.unwrap(), "");

    let me = server.get_with_token("/me", &tokens.access).await;
    assert_invalid_token(me, "Token has been revoked").await;
    let refreshed = server.refresh(&tokens.refresh).await;
    assert_invalid_token(refreshed, "Token has been revoked").await;
    let again = server
        .send_with_token(Method::POST, "/logout", &tokens.access)
        .await;
    assert_invalid_token(again, "Token has been revoked").await;
    let untouched = server.get_with_token("/me", &other_session.access).await;
    assert_eq!(untouched.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_requires_access_token() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;

    let missing = server
        .client
        .post(server.url("/logout"))
        .send()
        .await
        .unwrap();
    assert_error(
        missing,
        StatusCode::UNAUTHORIZED,
        Some("Bearer"),
        "Authorization header is missing",
    )
    .await;

    let refresh = server
        .send_with_token(Method::POST, "/logout", &tokens.refresh)
        .await;
    assert_invalid_token(refresh, "Token is not an access token").await;
}

#[tokio::test]
async fn access_token_expires_after_life_time() {
    let jwt = JwtConfig::default()
        .life_time(Duration::from_secs(1))
        .refresh_life_time(Duration::from_secs(60));
    let server = TestServer::start_with(config().jwt(jwt)).await;
    let tokens = server.sign_up("alice").await;

    // `exp` is in whole seconds, so a one-second token lasts at most one second.
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let me = server.get_with_token("/me", &tokens.access).await;
    assert_invalid_token(me, "Token has expired").await;
    let refreshed = server.refresh(&tokens.refresh).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let body: Value = refreshed.json().await.unwrap();
    let fresh = Tokens::from_body(&body);
    let me = server.get_with_token("/me", &fresh.access).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn refresh_token_expires_after_life_time() {
    let jwt = JwtConfig::default()
        .life_time(Duration::from_secs(1))
        .refresh_life_time(Duration::from_secs(1));
    let server = TestServer::start_with(config().jwt(jwt)).await;
    let tokens = server.sign_up("alice").await;

    tokio::time::sleep(Duration::from_millis(2100)).await;

    let refreshed = server.refresh(&tokens.refresh).await;
    assert_invalid_token(refreshed, "Token has expired").await;
    let logout = server
        .send_with_token(Method::POST, "/logout", &tokens.access)
        .await;
    assert_invalid_token(logout, "Token has expired").await;
}

//! `/api-keys` and `/api-key/me`, whose custom authenticator reads `X-API-Key`.

use auth_core::Registered;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use axum::response::IntoResponse as _;

use crate::app::api_key::{self, ApiKeyAuthentication};
use crate::support::{
    TestServer, assert_error, assert_invalid_token, config, invalid_token_challenge,
};

/// Sends `GET path` with `X-API-Key: key`.
async fn get_with_key(server: &TestServer, path: &str, key: &str) -> reqwest::Response {
    server
        .client
        .get(server.url(path))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn api_key_authenticates_its_user() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;

    let response = server
        .send_with_token(Method::POST, "/api-keys", &tokens.access)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["api_key"]);
    let key = body["api_key"].as_str().unwrap();

    let (id, secret) = key.strip_prefix("ak_").unwrap().split_once('_').unwrap();
    assert_eq!(id, "1");
    assert_eq!(secret.len(), 43);

    let me = get_with_key(&server, "/api-key/me", key).await;
    assert_eq!(me.status(), StatusCode::OK);
    let profile: Value = me.json().await.unwrap();
    let expected: Value = server
        .get_with_token("/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(profile, expected);
}

#[tokio::test]
async fn each_api_key_works_alone() {
    let server = TestServer::start().await;
    let alice = server.sign_up("alice").await;
    let bob = server.sign_up("bob").await;
    let first = server.create_api_key(&alice.access).await;
    let second = server.create_api_key(&alice.access).await;
    let bobs = server.create_api_key(&bob.access).await;

    assert_ne!(first, second);
    for (key, username) in [(&first, "alice"), (&second, "alice"), (&bobs, "bob")] {
        let response = get_with_key(&server, "/api-key/me", key).await;
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["username"], username, "user of {key}");
    }
}

#[tokio::test]
async fn create_api_key_requires_access_token() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;

    let missing = server
        .client
        .post(server.url("/api-keys"))
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
        .send_with_token(Method::POST, "/api-keys", &tokens.refresh)
        .await;
    assert_invalid_token(refresh, "Token is not an access token").await;
}

#[tokio::test]
async fn api_key_me_rejects_bad_keys() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let key = server.create_api_key(&tokens.access).await;
    let (prefix, secret) = key.split_at(key.len() - 43);
    let wrong_secret = format!("{prefix}{}", "A".repeat(secret.len()));
    let unknown_id = format!("ak_99_{secret}");

    let missing = server
        .client
        .get(server.url("/api-key/me"))
        .send()
        .await
        .unwrap();
    assert_error(
        missing,
        StatusCode::UNAUTHORIZED,
        Some("Bearer"),
        "X-API-Key header is missing",
    )
    .await;

    // A bearer token is not an API key, even a valid one.
    let bearer = server.get_with_token("/api-key/me", &tokens.access).await;
    assert_error(
        bearer,
        StatusCode::UNAUTHORIZED,
        Some("Bearer"),
        "X-API-Key header is missing",
    )
    .await;

    let twice = server
        .client
        .get(server.url("/api-key/me"))
        .header("x-api-key", &key)
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    let detail = "Multiple X-API-Key headers were sent; send exactly one";
    let challenge = format!(r#"Bearer error="invalid_request", error_description="{detail}""#);
    assert_error(twice, StatusCode::BAD_REQUEST, Some(&challenge), detail).await;

    let cases = [
        ("not-a-key", "API key is malformed"),
        (
            "ak_+1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "API key is malformed",
        ),
        (
            "ak_99999999999999999999_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "API key is malformed",
        ),
        ("ak_1_short", "API key is malformed"),
        (&format!("{key}A"), "API key is malformed"),
        (&wrong_secret, "API key is invalid"),
        (&unknown_id, "API key is invalid"),
    ];
    for (presented, detail) in cases {
        let response = get_with_key(&server, "/api-key/me", presented).await;
        assert_invalid_token(response, detail).await;
    }
}

#[tokio::test]
async fn api_key_stops_working_when_user_is_deleted() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let key = server.create_api_key(&tokens.access).await;

    server
        .send_with_token(Method::DELETE, "/me", &tokens.access)
        .await;

    let response = get_with_key(&server, "/api-key/me", &key).await;
    assert_invalid_token(response, "API key is invalid").await;
}

/// `POST /api-keys` authenticates the user, then inserts the key. A `DELETE
/// /me` that lands between the two must not turn into a 500.
#[tokio::test]
async fn api_key_for_deleted_user_is_unauthorized() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let deleted = server
        .send_with_token(Method::DELETE, "/me", &tokens.access)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let pool = server.open_database().await;

    let error = api_key::create(&pool, 1).await.unwrap_err();

    let response = error.into_response();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        invalid_token_challenge("User not found")
    );
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], br#"{"detail":"User not found"}"#);
}

#[tokio::test]
async fn authentication_setting_can_select_api_keys() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let key = server.create_api_key(&tokens.access).await;

    let name = <ApiKeyAuthentication as Registered>::NAME;
    let server = server.restart(config().authentication(name)).await;

    let me = get_with_key(&server, "/me", &key).await;
    assert_eq!(me.status(), StatusCode::OK);
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["username"], "alice");
    let bearer = server.get_with_token("/me", &tokens.access).await;
    assert_error(
        bearer,
        StatusCode::UNAUTHORIZED,
        Some("Bearer"),
        "X-API-Key header is missing",
    )
    .await;

    // The token lifecycle does not depend on AUTHENTICATION.
    let logout = server
        .send_with_token(Method::POST, "/logout", &tokens.access)
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let refreshed = server.refresh(&tokens.refresh).await;
    assert_invalid_token(refreshed, "Token has been revoked").await;
}

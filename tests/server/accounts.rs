//! `/register`, `/login`, `/me`, `/whoami` and the fallbacks.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestServer, assert_error, assert_invalid_token, config};

const CREDENTIALS_SHAPE: &str = r#"{"username": string, "password": string}"#;
const USERNAME_RULE: &str = "username must be 1 to 150 characters: letters, digits and @ . + - _";
const PASSWORD_RULE: &str = "password must be 8 to 1024 characters";

#[tokio::test]
async fn register_returns_id_and_username() {
    let server = TestServer::start().await;

    let first = server.register("alice", PASSWORD).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body, json!({ "id": 1, "username": "alice" }));

    let second = server.register("bob", PASSWORD).await;
    let body: Value = second.json().await.unwrap();
    assert_eq!(body, json!({ "id": 2, "username": "bob" }));
}

#[tokio::test]
async fn register_taken_username_is_conflict() {
    let server = TestServer::start().await;
    server.register("alice", PASSWORD).await;

    let again = server.register("alice", "another password").await;

    assert_error(
        again,
        StatusCode::CONFLICT,
        None,
        "Username is already taken",
    )
    .await;
}

#[tokio::test]
async fn register_rejects_bad_bodies() {
    let server = TestServer::start().await;
    let not_json = format!("Request body is not valid JSON; expected {CREDENTIALS_SHAPE}");
    let wrong_shape = format!("Request body must be {CREDENTIALS_SHAPE}");
    let long_username = "a".repeat(151);
    let long_password = "p".repeat(1025);
    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        (
            "application/json",
            "{".into(),
            StatusCode::BAD_REQUEST,
            &not_json,
        ),
        (
            "application/json",
            r#"{"username": "alice"}"#.into(),
            StatusCode::BAD_REQUEST,
            &wrong_shape,
        ),
        (
            "application/json",
            r#"{"username": 7, "password": "correct horse"}"#.into(),
            StatusCode::BAD_REQUEST,
            &wrong_shape,
        ),
        (
            "application/json",
            "[]".into(),
            StatusCode::BAD_REQUEST,
            &wrong_shape,
        ),
        (
            "text/plain",
            json!({ "username": "alice", "password": PASSWORD }).to_string(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ),
        (
            "application/json",
            json!({ "username": "", "password": PASSWORD }).to_string(),
            StatusCode::BAD_REQUEST,
            USERNAME_RULE,
        ),
        (
            "application/json",
            json!({ "username": "al ice", "password": PASSWORD }).to_string(),
            StatusCode::BAD_REQUEST,
            USERNAME_RULE,
        ),
        (
            "application/json",
            json!({ "username": long_username, "password": PASSWORD }).to_string(),
            StatusCode::BAD_REQUEST,
            USERNAME_RULE,
        ),
        (
            "application/json",
            json!({ "username": "alice", "password": "short" }).to_string(),
            StatusCode::BAD_REQUEST,
            PASSWORD_RULE,
        ),
        (
            "application/json",
            json!({ "username": "alice", "password": long_password }).to_string(),
            StatusCode::BAD_REQUEST,
            PASSWORD_RULE,
        ),
        (
            "application/json",
            json!({ "username": "alice", "password": "p".repeat(20_000) }).to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body is too large",
        ),
    ];

    for (content_type, body, status, detail) in cases {
        let response = server
            .client
            .post(server.url("/register"))
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "status for body {body:.60}");
        let challenge = response.headers().get("www-authenticate");
        assert!(challenge.is_none(), "challenge for body {body:.60}");
        let received: Value = response.json().await.unwrap();
        assert_eq!(received, json!({ "detail": detail }), "body {body:.60}");
    }

    // None of the rejected bodies created a user.
    let created = server.register("alice", PASSWORD).await;
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["id"], 1);
}

#[tokio::test]
async fn login_returns_working_token_pair() {
    let server = TestServer::start().await;
    server.register("alice", PASSWORD).await;

    let response = server.login("alice", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["access_token", "refresh_token"]);
    let access_token = body["access_token"].as_str().unwrap();
    let me = server.get_with_token("/me", access_token).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn login_rejects_wrong_password_and_unknown_user_alike() {
    let server = TestServer::start().await;
    server.register("alice", PASSWORD).await;

    let wrong_password = server.login("alice", "wrong password").await;
    let unknown_user = server.login("mallory", PASSWORD).await;

    for response in [wrong_password, unknown_user] {
        assert_error(
            response,
            StatusCode::UNAUTHORIZED,
            Some("Bearer"),
            "Incorrect username or password",
        )
        .await;
    }
}

#[tokio::test]
async fn login_rejects_bad_body() {
    let server = TestServer::start().await;

    let response = server
        .post_json("/login", &json!({ "username": "alice" }))
        .await;

    let detail = format!("Request body must be {CREDENTIALS_SHAPE}");
    assert_error(response, StatusCode::BAD_REQUEST, None, &detail).await;
}

#[tokio::test]
async fn me_returns_profile_with_dates() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;

    let response = server.get_with_token("/me", &tokens.access).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["date_created", "id", "last_login", "username"]);
    assert_eq!(body["id"], 1);
    assert_eq!(body["username"], "alice");
    for field in ["last_login", "date_created"] {
        let date = body[field].as_str().unwrap();
        assert!(humantime::parse_rfc3339(date).is_ok(), "{field}: {date}");
        assert!(date.ends_with('Z'), "{field} is not in UTC: {date}");
    }
}

#[tokio::test]
async fn me_rejects_missing_and_bad_credentials() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let other_key =
        TestServer::start_with(config().secret_key("another key of at least thirty-two bytes"))
            .await;
    let foreign = other_key.sign_up("alice").await;

    let missing = server.client.get(server.url("/me")).send().await.unwrap();
    assert_error(
        missing,
        StatusCode::UNAUTHORIZED,
        Some("Bearer"),
        "Authorization header is missing",
    )
    .await;

    let basic = server
        .client
        .get(server.url("/me"))
        .header("authorization", "Basic YWxpY2U6cGFzc3dvcmQ=")
        .send()
        .await
        .unwrap();
    assert_invalid_token(basic, "Authorization scheme must be Bearer").await;

    let cases = [
        ("not.a.token", "Token is malformed"),
        (tokens.refresh.as_str(), "Token is not an access token"),
        (foreign.access.as_str(), "Token signature is invalid"),
    ];
    for (token, detail) in cases {
        let response = server.get_with_token("/me", token).await;
        assert_invalid_token(response, detail).await;
    }
}

#[tokio::test]
async fn delete_me_removes_user_and_its_tokens() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;
    let anonymous = server
        .client
        .delete(server.url("/me"))
        .send()
        .await
        .unwrap();
    assert_error(
        anonymous,
        StatusCode::UNAUTHORIZED,
        Some("Bearer"),
        "Authorization header is missing",
    )
    .await;

    let deleted = server
        .send_with_token(Method::DELETE, "/me", &tokens.access)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(deleted.text().await.unwrap(), "");

    let me = server.get_with_token("/me", &tokens.access).await;
    assert_invalid_token(me, "User not found").await;
    let again = server
        .send_with_token(Method::DELETE, "/me", &tokens.access)
        .await;
    assert_invalid_token(again, "User not found").await;
    let refreshed = server.refresh(&tokens.refresh).await;
    assert_invalid_token(refreshed, "User not found").await;
    let login = server.login("alice", PASSWORD).await;
    assert_error(
        login,
        StatusCode::UNAUTHORIZED,
        Some("Bearer"),
        "Incorrect username or password",
    )
    .await;
}

#[tokio::test]
async fn deleted_user_id_is_never_reused() {
    let server = TestServer::start().await;
    let old = server.sign_up("alice").await;
    server
        .send_with_token(Method::DELETE, "/me", &old.access)
        .await;

    let registered = server.register("alice", PASSWORD).await;
    let body: Value = registered.json().await.unwrap();

    assert_eq!(body, json!({ "id": 2, "username": "alice" }));
    let me = server.get_with_token("/me", &old.access).await;
    assert_invalid_token(me, "User not found").await;
}

#[tokio::test]
async fn whoami_makes_credentials_optional() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;

    let anonymous = server
        .client
        .get(server.url("/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::OK);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body, json!({ "user": null }));

    let known = server.get_with_token("/whoami", &tokens.access).await;
    assert_eq!(known.status(), StatusCode::OK);
    let body: Value = known.json().await.unwrap();
    let me: Value = server
        .get_with_token("/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({ "user": me }));

    let bad = server.get_with_token("/whoami", "not.a.token").await;
    assert_invalid_token(bad, "Token is malformed").await;
}

#[tokio::test]
async fn unknown_path_and_method_get_json_errors() {
    let server = TestServer::start().await;

    let missing = server.client.get(server.url("/nope")).send().await.unwrap();
    assert_error(missing, StatusCode::NOT_FOUND, None, "Not found").await;

    let wrong_method = server.client.put(server.url("/me")).send().await.unwrap();
    assert_error(
        wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "Method not allowed",
    )
    .await;
}

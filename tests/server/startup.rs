//! Starting the server: defaults, settings mistakes, restarts.

use std::str::FromStr;

use auth_core::AuthConfig;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

use crate::app;
use crate::support::{PASSWORD, TestServer, assert_invalid_token, config, database_url, loopback};

#[tokio::test]
async fn start_without_settings_uses_random_key() {
    let server = TestServer::start_with(AuthConfig::new()).await;

    let tokens = server.sign_up("alice").await;

    let me = server.get_with_token("/me", &tokens.access).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn tokens_survive_restart_with_same_key() {
    let server = TestServer::start().await;
    let tokens = server.sign_up("alice").await;

    let server = server.restart(config()).await;

    let me = server.get_with_token("/me", &tokens.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["username"], "alice");
    let login = server.login("alice", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn start_rejects_unknown_authenticator() {
    let dir = tempfile::tempdir().unwrap();
    let options = app::Options::new(
        loopback(),
        database_url(&dir.path().join("users.db")),
        config().authentication("my_app::Typo"),
    );

    let Err(error) = app::start(options).await else {
        panic!("the server started with an unknown authenticator");
    };

    let message = error.to_string();
    assert!(
        message.starts_with(
            "invalid authentication settings: AUTHENTICATION names the unknown \
             authenticator `my_app::Typo`; registered authenticators: "
        ),
        "{message}"
    );
    assert!(message.contains("auth_jwt::JwtAuthentication"), "{message}");
}

#[tokio::test]
async fn start_rejects_short_secret_key() {
    let dir = tempfile::tempdir().unwrap();
    let options = app::Options::new(
        loopback(),
        database_url(&dir.path().join("users.db")),
        AuthConfig::new().secret_key("too short"),
    );

    let Err(error) = app::start(options).await else {
        panic!("the server started with a 9-byte key");
    };

    let message = error.to_string();
    assert!(
        message.starts_with("invalid authentication settings: SECRET_KEY is invalid"),
        "{message}"
    );
    assert!(!message.contains("too short"), "the key leaked: {message}");
}

#[tokio::test]
async fn start_rejects_address_in_use() {
    let occupied = std::net::TcpListener::bind(loopback()).unwrap();
    let addr = occupied.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = app::Options::new(addr, database_url(&dir.path().join("users.db")), config());

    let Err(error) = app::start(options).await else {
        panic!("the server started on a taken port");
    };

    assert!(
        matches!(error, app::StartError::Bind { addr: failed, .. } if failed == addr),
        "{error}"
    );
}

#[tokio::test]
async fn start_rejects_unopenable_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing_parent = dir.path().join("missing").join("users.db");
    let options = app::Options::new(loopback(), database_url(&missing_parent), config());

    let Err(error) = app::start(options).await else {
        panic!("the server started without its database");
    };

    let message = error.to_string();
    assert!(
        message.starts_with("could not open the database sqlite:"),
        "{message}"
    );
    assert!(message.ends_with("; check DATABASE_URL"), "{message}");
}

/// Hosting platforms often set `DATABASE_URL` for a database of another
/// kind, with its password, and the server may then read it by mistake.
#[tokio::test]
async fn start_hides_database_password() {
    let url = "postgres://app:hunter2-database@127.0.0.1:1/app";
    let options = app::Options::new(loopback(), url, config());

    let Err(error) = app::start(options).await else {
        panic!("the server started on a PostgreSQL URL");
    };

    let message = error.to_string();
    assert!(
        message
            .starts_with("could not open the database postgres://<credentials>@127.0.0.1:1/app: "),
        "{message}"
    );
    assert!(!message.contains("hunter2-database"), "{message}");
}

#[tokio::test]
async fn start_names_sqlite_for_other_database_url() {
    let url = "postgres://app:hunter2-database@127.0.0.1:1/app";
    let options = app::Options::new(loopback(), url, config());

    let Err(error) = app::start(options).await else {
        panic!("the server started on a PostgreSQL URL");
    };

    assert_eq!(
        error.to_string(),
        "could not open the database postgres://<credentials>@127.0.0.1:1/app: error with \
         configuration: this server keeps users in SQLite, so the URL must start with sqlite:, \
         such as sqlite:auth-server.db; check DATABASE_URL"
    );
}

#[tokio::test]
async fn two_servers_run_side_by_side() {
    let first = TestServer::start().await;
    let second = TestServer::start().await;

    let tokens = first.sign_up("alice").await;

    assert_ne!(first.addr, second.addr);
    // One key, two databases: the token verifies, but its user is elsewhere.
    let me = second.get_with_token("/me", &tokens.access).await;
    assert_invalid_token(me, "User not found").await;
}

#[tokio::test]
async fn two_servers_share_one_database() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("users.db");

    // Both start at once, so both run the migrations against a new file.
    let (first, second) = tokio::join!(
        TestServer::start_on(&database, config()),
        TestServer::start_on(&database, config()),
    );
    let tokens = first.sign_up("alice").await;

    let me = second.get_with_token("/me", &tokens.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    let login = second.login("alice", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn start_rejects_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir.path().join("users.db"));
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    sqlx::raw_sql("PRAGMA user_version = 99")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let Err(error) = app::start(app::Options::new(loopback(), url.clone(), config())).await else {
        panic!("the server started on a database of a newer schema");
    };

    assert_eq!(
        error.to_string(),
        format!(
            "the database {url} has schema version 99, but this server knows versions 0 to 2; \
             point DATABASE_URL at a database of this server"
        )
    );
}

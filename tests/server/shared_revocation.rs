//! Several server instances sharing revocations through Redis, and Redis
//! outages while a server runs.
//!
//! Each test starts its own `redis-server` on a free loopback port. Tests
//! with two server instances run them on one SQLite file, as two processes
//! behind a load balancer share one database.

use auth_core::{AuthConfig, RedisConfig};
use reqwest::{Method, StatusCode};

use crate::app;
use crate::redis_server::{self, RedisServer};
use crate::support::{
    TestServer, Tokens, assert_error, assert_invalid_token, config, database_url, loopback,
};

const REVOKED: &str = "Token has been revoked";
const UNAVAILABLE: &str = "Authentication service is unavailable";

/// Returns the configuration of a test server that keeps revocations in `redis`.
fn redis_config(redis: &RedisServer) -> AuthConfig {
    config().redis(RedisConfig::new(redis.url()))
}

/// Starts two instances on one database and one Redis server.
async fn two_instances(redis: &RedisServer) -> (TestServer, TestServer) {
    let first = TestServer::start_with(redis_config(redis)).await;
    let second = first.start_beside(redis_config(redis)).await;
    (first, second)
}

async fn assert_unavailable(response: reqwest::Response) {
    assert_error(response, StatusCode::SERVICE_UNAVAILABLE, None, UNAVAILABLE).await;
}

#[tokio::test]
async fn start_rejects_unreachable_redis() {
    let dir = tempfile::tempdir().unwrap();
    let port = redis_server::free_port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let options = app::Options::new(
        loopback(),
        database_url(&dir.path().join("users.db")),
        config().redis(RedisConfig::new(url)),
    );

    let Err(error) = app::start(options).await else {
        panic!("the server started without its Redis");
    };

    assert_eq!(
        error.to_string(),
        format!(
            "invalid authentication settings: could not connect to the server that \
             REDIS_URL names: Redis at redis://127.0.0.1:{port}/0: Connection refused \
             (os error 111); start Redis there or correct REDIS_URL"
        )
    );
}

#[tokio::test]
async fn logout_holds_on_other_instance() {
    let redis = RedisServer::start();
    let (first, second) = two_instances(&redis).await;
    let tokens = first.sign_up("alice").await;
    let me = second.get_with_token("/me", &tokens.access).await;
    assert_eq!(me.status(), StatusCode::OK);

    let logout = first
        .send_with_token(Method::POST, "/logout", &tokens.access)
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);

    let me = second.get_with_token("/me", &tokens.access).await;
    assert_invalid_token(me, REVOKED).await;
    let refreshed = second.refresh(&tokens.refresh).await;
    assert_invalid_token(refreshed, REVOKED).await;
}

#[tokio::test]
async fn refresh_on_one_instance_is_refused_on_other() {
    let redis = RedisServer::start();
    let (first, second) = two_instances(&redis).await;
    let tokens = first.sign_up("alice").await;

    let refreshed = first.refresh(&tokens.refresh).await;
    assert_eq!(refreshed.status(), StatusCode::OK);

    let reused = second.refresh(&tokens.refresh).await;
    assert_invalid_token(reused, REVOKED).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_refresh_succeeds_once() {
    let redis = RedisServer::start();
    let (first, second) = two_instances(&redis).await;
    first.sign_up("alice").await;

    for attempt in 0..30 {
        let tokens = first.log_in("alice").await;

        let (a, b) = tokio::join!(
            first.refresh(&tokens.refresh),
            second.refresh(&tokens.refresh)
        );

        let statuses = [a.status(), b.status()];
        let successes = statuses
            .iter()
            .filter(|status| **status == StatusCode::OK)
            .count();
        assert_eq!(successes, 1, "attempt {attempt}: {statuses:?}");
        for response in [a, b] {
            if response.status() != StatusCode::OK {
                assert_invalid_token(response, REVOKED).await;
            }
        }
    }
}

#[tokio::test]
async fn reuse_revokes_session_on_one_instance() {
    let redis = RedisServer::start();
    let server = TestServer::start_with(redis_config(&redis)).await;
    let first = server.sign_up("alice").await;
    let response = server.refresh(&first.refresh).await;
    let second = Tokens::from_body(&response.json().await.unwrap());

    let reused = server.refresh(&first.refresh).await;
    assert_invalid_token(reused, REVOKED).await;

    let me = server.get_with_token("/me", &second.access).await;
    assert_invalid_token(me, REVOKED).await;
    let refreshed = server.refresh(&second.refresh).await;
    assert_invalid_token(refreshed, REVOKED).await;
}

#[tokio::test]
async fn reuse_revokes_session_across_instances() {
    let redis = RedisServer::start();
    let (first, second) = two_instances(&redis).await;
    let login = first.sign_up("alice").await;
    let other_session = first.log_in("alice").await;
    let response = first.refresh(&login.refresh).await;
    let rotated = Tokens::from_body(&response.json().await.unwrap());

    let reused = second.refresh(&login.refresh).await;
    assert_invalid_token(reused, REVOKED).await;

    for server in [&first, &second] {
        let me = server.get_with_token("/me", &rotated.access).await;
        assert_invalid_token(me, REVOKED).await;
    }
    let refreshed = first.refresh(&rotated.refresh).await;
    assert_invalid_token(refreshed, REVOKED).await;
    let untouched = second.get_with_token("/me", &other_session.access).await;
    assert_eq!(untouched.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_fails_closed_and_recovers() {
    let mut redis = RedisServer::start_persistent();
    let server = TestServer::start_with(redis_config(&redis)).await;
    let revoked = server.sign_up("alice").await;
    let valid = server.log_in("alice").await;
    let logout = server
        .send_with_token(Method::POST, "/logout", &revoked.access)
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);

    redis.kill();

    for _ in 0..10 {
        assert_unavailable(server.get_with_token("/me", &revoked.access).await).await;
        assert_unavailable(server.get_with_token("/me", &valid.access).await).await;
    }
    assert_unavailable(server.refresh(&valid.refresh).await).await;

    redis.restart();

    let mut attempts = 0;
    loop {
        let response = server.get_with_token("/me", &valid.access).await;
        if response.status() == StatusCode::OK {
            break;
        }
        assert_unavailable(response).await;
        attempts += 1;
        assert!(attempts < 50, "no request succeeded after Redis restarted");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let me = server.get_with_token("/me", &revoked.access).await;
    assert_invalid_token(me, REVOKED).await;
    let refreshed = server.refresh(&valid.refresh).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
}

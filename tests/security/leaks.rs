//! Leaks: no rejection, in its response or in the server's log, contains
//! a token, the signing key, a password or an API key.

use auth_core::{Auth, AuthConfig, UserId};
use auth_jwt::Jwt;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::Algorithm;
use reqwest::Method;
use serde_json::json;

use crate::forge::{
    access_claims, encode, now, segments, server_signed, server_signed_claims, sign_raw,
};
use crate::harness::{PASSWORD, Reply, SECRET_KEY, Target};
use crate::log_capture::Captured;

/// Every credential the leak test sends, and the replies it got.
#[derive(Default)]
struct Exchanges {
    secrets: Vec<String>,
    replies: Vec<Reply>,
}

impl Exchanges {
    /// Records a token sent in a request: the whole token and each of its
    /// segments long enough to be recognized.
    fn token(&mut self, token: &str) {
        self.secrets.push(token.to_owned());
        for segment in segments(token) {
            if segment.len() >= 16 {
                self.secrets.push(segment.to_owned());
            }
        }
    }

    fn secret(&mut self, secret: &str) {
        self.secrets.push(secret.to_owned());
    }

    /// Sends `Authorization: Bearer <token>` to `/me`, and the same token in
    /// the query of `/ws`.
    async fn bearer(&mut self, target: &Target, token: &str) {
        self.token(token);
        self.replies.push(target.me_with_token(token).await);
        self.replies.push(
            target
                .ws_with_query(&format!("authorization=Bearer%20{token}"))
                .await,
        );
    }

    async fn header(&mut self, target: &Target, value: &[u8]) {
        self.secrets
            .push(String::from_utf8_lossy(value).into_owned());
        self.replies.push(target.me_with_headers(&[value]).await);
    }
}

/// Sends a sample of every rejection class of the suite to one server.
async fn provoke_rejections(target: &Target, exchanges: &mut Exchanges) {
    let alice = &target.tokens;
    let parts = segments(&alice.access);
    let claims = access_claims(1).to_string();
    let exp = now() + 600;

    // Algorithms and structure.
    let none = format!(
        "{}.{}.",
        encode(r#"{"alg":"none","typ":"JWT"}"#),
        encode(&claims)
    );
    let hs512_header = r#"{"typ":"JWT","alg":"HS512"}"#;
    let hs512 = sign_raw(
        Algorithm::HS512,
        SECRET_KEY.as_bytes(),
        hs512_header,
        &claims,
    );
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        encode(access_claims(2).to_string()),
        parts[2]
    );
    let other_key = sign_raw(
        Algorithm::HS256,
        b"another key of at least 32 bytes!!",
        r#"{"typ":"JWT","alg":"HS256"}"#,
        &claims,
    );
    for token in [
        none,
        hs512,
        tampered,
        other_key,
        format!("{}.{}", parts[0], parts[1]),
        format!("{}.{}", alice.access, parts[2]),
        server_signed("not json"),
        server_signed(&format!(
            r#"{{"token_type":"access","user_id":1,"user_id":2,"exp":{exp}}}"#
        )),
    ] {
        exchanges.bearer(target, &token).await;
    }

    // Claims.
    for claims in [
        json!({ "token_type": "access", "user_id": 1, "exp": now() - 1 }),
        json!({ "token_type": "access", "user_id": 1, "exp": exp, "nbf": exp }),
        json!({ "token_type": "access", "user_id": 1 }),
        json!({ "token_type": "access", "user_id": [1], "exp": exp }),
        json!({ "token_type": "access", "user_id": 99, "exp": exp }),
    ] {
        exchanges
            .bearer(target, &server_signed_claims(&claims))
            .await;
    }
    exchanges.bearer(target, &alice.refresh).await;
    exchanges.token(&alice.access);
    exchanges.replies.push(target.refresh(&alice.access).await);

    // The header.
    let basic = STANDARD.encode(format!("alice:{PASSWORD}"));
    exchanges.secret(&basic);
    let access = &alice.access;
    for value in [
        format!("Basic {basic}"),
        format!("Bearer {access} extra"),
        format!("Bearer {access}\""),
        format!("Bearer {access}é"),
        format!("Bearer {}", access.repeat(3)),
    ] {
        exchanges.header(target, value.as_bytes()).await;
    }
    let mut not_utf8 = format!("Bearer {access}").into_bytes();
    not_utf8.push(0xff);
    exchanges
        .replies
        .push(target.me_with_headers(&[&not_utf8]).await);
    let twice = format!("Bearer {access}");
    exchanges.replies.push(
        target
            .me_with_headers(&[twice.as_bytes(), twice.as_bytes()])
            .await,
    );

    // The query.
    for query in [
        format!("authorization=Bearer%20{access}&authorization={access}"),
        format!("authorization=Bearer%20{access}%"),
        format!("authorization=Bearer%20{access}%FF"),
        format!("authorization={}", access.repeat(10)),
    ] {
        exchanges.replies.push(target.ws_with_query(&query).await);
    }

    // Passwords and API keys.
    let wrong_password = "wrong password 5678";
    exchanges.secret(wrong_password);
    exchanges.secret(PASSWORD);
    let login = target.server.login("alice", wrong_password).await;
    exchanges.replies.push(Reply::from_response(login).await);
    let short = target.server.register("mallory", "short").await;
    exchanges.secret("short");
    exchanges.replies.push(Reply::from_response(short).await);
    let bad_body = target
        .server
        .post_json(
            "/register",
            &json!({ "username": ["x"], "password": PASSWORD }),
        )
        .await;
    exchanges.replies.push(Reply::from_response(bad_body).await);

    let key = target.server.create_api_key(&alice.access).await;
    let (prefix, key_secret) = key.split_at(key.len() - 43);
    let wrong_key = format!("{prefix}{}", "A".repeat(43));
    exchanges.secret(key_secret);
    exchanges.secret(&"A".repeat(43));
    for value in [
        wrong_key.as_str(),
        &key[..key.len() - 1],
        &format!("{key}x"),
    ] {
        let response = target
            .server
            .client
            .get(target.server.url("/api-key/me"))
            .header("x-api-key", value)
            .send()
            .await
            .unwrap();
        exchanges.replies.push(Reply::from_response(response).await);
    }

    // Revocation and deletion.
    let logout = target
        .send_with_token(Method::POST, "/logout", &alice.access)
        .await;
    assert_eq!(logout.status, 204);
    exchanges.bearer(target, &alice.access).await;
    exchanges.replies.push(target.refresh(&alice.refresh).await);
    let bob = target.server.sign_up("bob").await;
    let deleted = target
        .send_with_token(Method::DELETE, "/me", &bob.access)
        .await;
    assert_eq!(deleted.status, 204);
    exchanges.bearer(target, &bob.access).await;
    exchanges.token(&bob.refresh);
    exchanges.replies.push(target.refresh(&bob.refresh).await);
}

// `#[tokio::test]` runs the server's tasks on the test's thread, so the
// thread's default subscriber receives the server's events too.
#[tokio::test]
async fn rejections_leak_no_credentials() {
    let captured = Captured::default();
    let _capture = captured.install();

    let target = Target::start().await;
    let mut exchanges = Exchanges::default();
    exchanges.token(&target.tokens.access);
    exchanges.token(&target.tokens.refresh);
    exchanges.secret(SECRET_KEY);
    provoke_rejections(&target, &mut exchanges).await;

    let log = captured.text();
    let rejected = log
        .lines()
        .filter(|line| line.contains("request rejected"))
        .count();
    assert!(
        rejected >= exchanges.replies.len(),
        "{rejected} rejections logged:\n{log}"
    );
    for reply in &exchanges.replies {
        assert!(reply.status >= 400, "{reply:?}");
        let shown = format!(
            "{} {}",
            reply.body,
            reply.challenge.as_deref().unwrap_or_default()
        );
        // Every JWT segment of this suite is base64url JSON, which starts with `eyJ`.
        assert!(
            !shown.contains("eyJ"),
            "a response shows a token: {reply:?}"
        );
        for secret in &exchanges.secrets {
            assert!(
                !shown.contains(secret.as_str()),
                "a response shows {secret:?}: {reply:?}"
            );
        }
    }
    assert!(!log.contains("eyJ"), "the log shows a token:\n{log}");
    for secret in &exchanges.secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log shows {secret:?}:\n{log}"
        );
    }
}

/// Debug output, which ends up in logs through `{:?}`, hides keys and tokens.
#[tokio::test]
async fn debug_output_hides_secrets() {
    let config = AuthConfig::new()
        .authentication("auth_jwt::JwtAuthentication")
        .ws_authentication("auth_jwt::QueryParamJwtAuthentication")
        .secret_key(SECRET_KEY);
    let pool = sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap();
    let auth = Auth::builder::<crate::app::User>()
        .config(config.clone())
        .users(pool.clone())
        .resource(pool)
        .build()
        .unwrap();
    let jwt = Jwt::from_auth(&auth).unwrap();
    let tokens = jwt.login_id(&UserId::Int(1)).unwrap();

    for debug in [
        format!("{config:?}"),
        format!("{auth:?}"),
        format!("{jwt:?}"),
        format!("{tokens:?}"),
    ] {
        assert!(!debug.contains(SECRET_KEY), "{debug}");
        assert!(!debug.contains("eyJ"), "{debug}");
    }
}

/// Responses that carry tokens must not be stored by a cache on the way
/// (RFC 6749 section 5.1 asks this of every token response).
#[tokio::test]
async fn token_responses_not_cached() {
    let target = Target::start().await;
    let login = target.server.login("alice", PASSWORD).await;
    let refresh = target.server.refresh(&target.tokens.refresh).await;

    for response in [login, refresh] {
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["pragma"], "no-cache");
    }
}

/// A new API key is a credential shown once, so no cache may keep a copy
/// of the response either.
#[tokio::test]
async fn api_key_response_not_cached() {
    let target = Target::start().await;

    let response = target
        .server
        .send_with_token(Method::POST, "/api-keys", &target.tokens.access)
        .await;

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
}

//! Claims: times, the user, the token type, revocation and the user's
//! existence, each checked after the signature.

use reqwest::Method;
use serde_json::{Value, json};

use crate::forge::{access_claims, now, server_signed, server_signed_claims};
use crate::harness::Target;

/// Returns valid access claims for alice with `name` set to `value`, or
/// removed when `value` is `None`.
fn claims_with(name: &str, value: Option<Value>) -> Value {
    let mut claims = access_claims(1);
    match value {
        Some(value) => claims[name] = value,
        None => {
            claims.as_object_mut().unwrap().remove(name);
        }
    }
    claims
}

async fn assert_claim_rejected(target: &Target, name: &str, value: Option<Value>, detail: &str) {
    let token = server_signed_claims(&claims_with(name, value.clone()));
    let reply = target.me_with_token(&token).await;
    assert_eq!(reply.status, 401, "{name} = {value:?}: {reply:?}");
    reply.assert_invalid_token(detail);
}

/// The default leeway is 0: a token is invalid from its `exp` on (RFC 7519
/// section 4.1.4).
#[tokio::test]
async fn expired_by_one_second() {
    let target = Target::start().await;

    for exp in [now() - 1, now()] {
        assert_claim_rejected(&target, "exp", Some(json!(exp)), "Token has expired").await;
    }
    let fractional = now() as f64 - 0.5;
    assert_claim_rejected(&target, "exp", Some(json!(fractional)), "Token has expired").await;
}

#[tokio::test]
async fn nbf_in_future() {
    let target = Target::start().await;

    for nbf in [now() + 2, now() + 3600] {
        assert_claim_rejected(&target, "nbf", Some(json!(nbf)), "Token is not valid yet").await;
    }
    let past = server_signed_claims(&claims_with("nbf", Some(json!(now() - 1))));
    target.me_with_token(&past).await.assert_alice();
}

#[tokio::test]
async fn exp_missing() {
    let target = Target::start().await;

    assert_claim_rejected(&target, "exp", None, "Token has no exp claim").await;
    assert_claim_rejected(&target, "exp", Some(Value::Null), "Token has no exp claim").await;
}

#[tokio::test]
async fn exp_string() {
    let target = Target::start().await;
    let later = (now() + 600).to_string();

    for exp in [json!(later), json!(""), json!("never")] {
        assert_claim_rejected(&target, "exp", Some(exp), "Token exp claim is not valid").await;
    }
}

#[tokio::test]
async fn exp_other_types() {
    let target = Target::start().await;

    for exp in [
        json!(true),
        json!([now() + 600]),
        json!({ "at": now() + 600 }),
    ] {
        assert_claim_rejected(&target, "exp", Some(exp), "Token exp claim is not valid").await;
    }
}

#[tokio::test]
async fn exp_negative() {
    let target = Target::start().await;

    for exp in [json!(-1), json!(-0.5), json!(i64::MIN)] {
        assert_claim_rejected(&target, "exp", Some(exp), "Token exp claim is not valid").await;
    }
}

/// Beyond 9999-12-31T23:59:59Z, where date arithmetic would overflow.
#[tokio::test]
async fn exp_beyond_sane_date() {
    let target = Target::start().await;

    for exp in [
        json!(253_402_300_800_u64),
        json!(u64::MAX),
        json!(1e300),
        json!(f64::MAX),
    ] {
        assert_claim_rejected(&target, "exp", Some(exp), "Token exp claim is not valid").await;
    }
    let last_second = server_signed_claims(&claims_with("exp", Some(json!(253_402_300_799_u64))));
    target.me_with_token(&last_second).await.assert_alice();
}

/// A number too large for a double is not a NumericDate at all.
#[tokio::test]
async fn exp_overflowing_number() {
    let target = Target::start().await;
    let payload = r#"{"token_type":"access","user_id":1,"exp":1e400}"#;

    target
        .me_with_token(&server_signed(payload))
        .await
        .assert_invalid_token("Token is malformed");
}

#[tokio::test]
async fn nbf_and_iat_out_of_range() {
    let target = Target::start().await;

    for (name, detail) in [
        ("nbf", "Token nbf claim is not valid"),
        ("iat", "Token iat claim is not valid"),
    ] {
        for value in [json!(-1), json!("0"), json!(1e300)] {
            assert_claim_rejected(&target, name, Some(value), detail).await;
        }
    }
}

#[tokio::test]
async fn user_id_missing() {
    let target = Target::start().await;

    assert_claim_rejected(&target, "user_id", None, "Token has no user_id claim").await;
}

#[tokio::test]
async fn user_id_null() {
    let target = Target::start().await;

    assert_claim_rejected(
        &target,
        "user_id",
        Some(Value::Null),
        "Token has no user_id claim",
    )
    .await;
}

#[tokio::test]
async fn user_id_unexpected_type() {
    let target = Target::start().await;

    for user_id in [
        json!(true),
        json!(1.5),
        json!(1.0),
        json!([1]),
        json!({ "id": 1 }),
        json!(""),
        json!(u64::MAX),
    ] {
        assert_claim_rejected(
            &target,
            "user_id",
            Some(user_id),
            "Token user_id claim is not valid",
        )
        .await;
    }
}

/// Ids of the example's users are integers: a text id, even of digits, or
/// an id that no user has, names nobody.
#[tokio::test]
async fn user_id_of_nobody() {
    let target = Target::start().await;

    for user_id in [json!("1"), json!(2), json!(-1), json!(0), json!(i64::MAX)] {
        assert_claim_rejected(&target, "user_id", Some(user_id), "User not found").await;
    }
}

#[tokio::test]
async fn token_type_missing_or_unknown() {
    let target = Target::start().await;

    assert_claim_rejected(&target, "token_type", None, "Token has no token_type claim").await;
    for token_type in [
        json!("Access"),
        json!("id"),
        json!(""),
        json!(1),
        json!(["access"]),
    ] {
        assert_claim_rejected(
            &target,
            "token_type",
            Some(token_type),
            "Token type is not valid",
        )
        .await;
    }
}

#[tokio::test]
async fn refresh_token_as_access_token() {
    let target = Target::start().await;

    let reply = target.me_with_token(&target.tokens.refresh).await;
    reply.assert_invalid_token("Token is not an access token");

    let ws = format!("authorization=Bearer%20{}", target.tokens.refresh);
    let reply = target.ws_with_query(&ws).await;
    reply.assert_invalid_token("Token is not an access token");
}

#[tokio::test]
async fn access_token_as_refresh_token() {
    let target = Target::start().await;

    let reply = target.refresh(&target.tokens.access).await;

    reply.assert_invalid_token("Token is not a refresh token");
}

#[tokio::test]
async fn revoked_token() {
    let target = Target::start().await;
    let logout = target
        .send_with_token(Method::POST, "/logout", &target.tokens.access)
        .await;
    assert_eq!(logout.status, 204, "{logout:?}");

    let me = target.me_with_token(&target.tokens.access).await;
    let refresh = target.refresh(&target.tokens.refresh).await;
    let again = target
        .send_with_token(Method::POST, "/logout", &target.tokens.access)
        .await;

    me.assert_invalid_token("Token has been revoked");
    refresh.assert_invalid_token("Token has been revoked");
    again.assert_invalid_token("Token has been revoked");
}

#[tokio::test]
async fn deleted_user() {
    let target = Target::start().await;
    let deleted = target
        .send_with_token(Method::DELETE, "/me", &target.tokens.access)
        .await;
    assert_eq!(deleted.status, 204, "{deleted:?}");

    let me = target.me_with_token(&target.tokens.access).await;
    let refresh = target.refresh(&target.tokens.refresh).await;
    let forged = server_signed_claims(&access_claims(1));
    let panther_style = target.me_with_token(&forged).await;

    me.assert_invalid_token("User not found");
    refresh.assert_invalid_token("User not found");
    panther_style.assert_invalid_token("User not found");
}

/// A refresh token sent many times at once is exchanged once: the others
/// see it revoked, which also revokes its login session.
#[tokio::test]
async fn refresh_token_works_once_under_concurrency() {
    let target = Target::start().await;
    let token = target.tokens.refresh.clone();

    let attempts = (0..16).map(|_| target.server.refresh(&token));
    let responses = futures_util::future::join_all(attempts).await;

    let statuses: Vec<u16> = responses
        .iter()
        .map(|response| response.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&status| status == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&status| status == 401).count(),
        15,
        "{statuses:?}"
    );
}

/// A user store that fails makes authentication fail closed: 503 without
/// a challenge, since the credential may well be valid.
#[tokio::test]
async fn user_store_failure() {
    let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    let config = crate::harness::config()
        .authentication("auth_jwt::JwtAuthentication")
        .ws_authentication("auth_jwt::QueryParamJwtAuthentication");
    let auth = auth_core::Auth::builder::<crate::app::User>()
        .config(config)
        .users(pool.clone())
        .resource(pool.clone())
        .build()
        .unwrap();
    let token = auth_jwt::Jwt::from_auth(&auth)
        .unwrap()
        .login_id(&auth_core::UserId::Int(1))
        .unwrap()
        .access_token;
    pool.close().await;
    let request = http::Request::get("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .unwrap();

    let error = auth
        .authenticate::<crate::app::User>(&request.into_parts().0)
        .await
        .unwrap_err();

    let response = error.to_response();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("www-authenticate"), None);
    assert_eq!(
        response.body(),
        r#"{"detail":"Authentication service is unavailable"}"#
    );
}

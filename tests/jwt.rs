//! The JWT built-ins and the token lifecycle, through `Auth` as an
//! application uses them: configuration, credentials, claims, revocation.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::{
    Auth, AuthConfig, AuthError, ConfigError, JwtConfig, UserId, UserModel, UserStoreError,
    async_trait,
};
use auth_jwt::{Jwt, TokenPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderValue, Request, StatusCode, header, request::Parts};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const KEY: &str = "a test key that is exactly 32 by";
const OTHER_KEY: &str = "another key, also long enough for HS256";
const JWT: &str = "auth_jwt::JwtAuthentication";
const QUERY_JWT: &str = "auth_jwt::QueryParamJwtAuthentication";

#[derive(Clone, Debug, PartialEq)]
struct User {
    id: i64,
}

type Store = Arc<RwLock<HashMap<i64, User>>>;

#[async_trait]
impl UserModel for User {
    type Store = Store;

    fn id(&self) -> UserId {
        UserId::Int(self.id)
    }

    async fn find_by_id(store: &Store, id: &UserId) -> Result<Option<Self>, UserStoreError> {
        let UserId::Int(id) = id else { return Ok(None) };
        Ok(store.read().unwrap().get(id).cloned())
    }
}

struct App {
    auth: Auth,
    jwt: Jwt,
    store: Store,
}

fn base_config() -> AuthConfig {
    AuthConfig::new()
        .authentication(JWT)
        .ws_authentication(QUERY_JWT)
        .secret_key(KEY)
}

fn app_with(config: AuthConfig) -> App {
    let store: Store = Arc::new(RwLock::new(HashMap::from([(1, User { id: 1 })])));
    let auth = Auth::builder::<User>()
        .config(config)
        .users(store.clone())
        .build()
        .unwrap();
    let jwt = Jwt::from_auth(&auth).unwrap();
    App { auth, jwt, store }
}

fn app() -> App {
    app_with(base_config())
}

fn build_error(config: AuthConfig) -> ConfigError {
    Auth::builder::<User>()
        .config(config)
        .users(Arc::default())
        .build()
        .unwrap_err()
}

fn request(uri: &str, authorization: &[&[u8]]) -> Parts {
    let mut request = Request::get(uri).body(()).unwrap();
    for value in authorization {
        request.headers_mut().append(
            header::AUTHORIZATION,
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    request.into_parts().0
}

fn bearer(token: &str) -> Parts {
    request("/me", &[format!("Bearer {token}").as_bytes()])
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Signs `claims` with HS256 and `KEY`, as another issuer sharing the key would.
fn sign(claims: &Value) -> String {
    sign_with(Algorithm::HS256, KEY.as_bytes(), claims)
}

fn sign_with(algorithm: Algorithm, key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(key).unwrap(),
    )
    .unwrap()
}

fn access_claims() -> Value {
    json!({ "token_type": "access", "user_id": 1, "iat": now(), "exp": now() + 600 })
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Asserts the whole response an error becomes: status, body and challenge.
#[track_caller]
fn assert_rejected(error: AuthError, status: StatusCode, detail: &str, challenge: Option<&str>) {
    let response = error.to_response();
    assert_eq!(response.status(), status);
    assert_eq!(
        serde_json::from_str::<Value>(response.body()).unwrap(),
        json!({ "detail": detail })
    );
    assert_eq!(
        response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|value| value.to_str().unwrap()),
        challenge
    );
}

#[track_caller]
fn assert_invalid_token(error: AuthError, detail: &str) {
    let challenge = format!(r#"Bearer error="invalid_token", error_description="{detail}""#);
    assert_rejected(error, StatusCode::UNAUTHORIZED, detail, Some(&challenge));
}

async fn authenticate(app: &App, parts: &Parts) -> Result<User, AuthError> {
    app.auth.authenticate::<User>(parts).await
}

async fn authenticate_ws(app: &App, parts: &Parts) -> Result<User, AuthError> {
    app.auth.authenticate_ws::<User>(parts).await
}

// Configuration and startup.

#[test]
fn startup_rejects_unknown_authenticator() {
    let error = build_error(base_config().authentication("auth_jwt::JwtAuth"));

    assert_eq!(
        error.to_string(),
        format!(
            "AUTHENTICATION names the unknown authenticator `auth_jwt::JwtAuth`; \
             registered authenticators: {}",
            auth_core::registered_names().join(", ")
        )
    );
    assert!(auth_core::registered_names().contains(&JWT));
    assert!(auth_core::registered_names().contains(&QUERY_JWT));
}

#[test]
fn startup_rejects_unknown_ws_authenticator() {
    let error = build_error(base_config().ws_authentication("Query"));

    assert!(
        error
            .to_string()
            .starts_with("WS_AUTHENTICATION names the unknown authenticator `Query`"),
        "{error}"
    );
}

#[test]
fn startup_rejects_missing_key() {
    let error = build_error(AuthConfig::new().authentication(JWT));

    assert_eq!(
        error.to_string(),
        "SECRET_KEY is not set: set SECRET_KEY (or JWT_KEY) to at least 32 random bytes, \
         for example the output of `openssl rand -base64 48`"
    );
}

#[test]
fn startup_rejects_short_hmac_key() {
    let error = build_error(base_config().secret_key("x".repeat(31)));

    assert_eq!(
        error.to_string(),
        "SECRET_KEY is invalid: an HS256 key must be at least 32 bytes, but it has 31; \
         generate one with `openssl rand -base64 48`"
    );
}

#[test]
fn startup_names_short_jwt_key() {
    let config = base_config().jwt(JwtConfig::default().key("short"));

    assert!(
        build_error(config).to_string().starts_with(
            "JWT_KEY is invalid: an HS256 key must be at least 32 bytes, but it has 5"
        )
    );
}

#[test]
fn startup_requires_hash_sized_key_for_hs512() {
    let config = base_config().jwt(JwtConfig::default().algorithm("HS512"));

    assert!(build_error(config).to_string().starts_with(
        "SECRET_KEY is invalid: an HS512 key must be at least 64 bytes, but it has 32"
    ));
}

#[test]
fn startup_rejects_unknown_algorithm() {
    for name in ["none", "HS1024", "hs256"] {
        let error = build_error(base_config().jwt(JwtConfig::default().algorithm(name)));

        assert_eq!(
            error.to_string(),
            format!(
                "JWT_ALGORITHM has an invalid value \"{name}\": expected one of HS256, HS384, \
                 HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
            )
        );
    }
}

#[test]
fn startup_rejects_pem_key_for_hmac() {
    let pem = include_str!("fixtures/rsa-private.pem");
    let error = build_error(base_config().secret_key(pem));

    assert!(
        error
            .to_string()
            .starts_with("SECRET_KEY is invalid: it holds a PEM key, but JWT_ALGORITHM is HS256"),
        "{error}"
    );
    assert!(!error.to_string().contains("BEGIN"));
}

#[test]
fn startup_rejects_secret_for_rsa() {
    let config = base_config().jwt(
        JwtConfig::default()
            .algorithm("RS256")
            .public_key(include_str!("fixtures/rsa-public.pem")),
    );

    assert_eq!(
        build_error(config).to_string(),
        "SECRET_KEY is invalid: JWT_ALGORITHM is RS256, which needs a PEM RSA private key"
    );
}

#[test]
fn startup_requires_public_key_for_rsa() {
    let config = base_config().jwt(
        JwtConfig::default()
            .algorithm("RS256")
            .key(include_str!("fixtures/rsa-private.pem")),
    );

    assert_eq!(
        build_error(config).to_string(),
        "JWT_PUBLIC_KEY is not set: asymmetric algorithms verify with a PEM public key; \
         set JWT_PUBLIC_KEY to it"
    );
}

#[test]
fn startup_requires_private_key_for_rsa() {
    let config = AuthConfig::new().authentication(JWT).jwt(
        JwtConfig::default()
            .algorithm("RS256")
            .public_key(include_str!("fixtures/rsa-public.pem")),
    );

    assert_eq!(
        build_error(config).to_string(),
        "JWT_KEY is not set: asymmetric algorithms sign with a PEM private key; \
         set JWT_KEY to it"
    );
}

#[test]
fn startup_rejects_mismatched_key_pair() {
    let config = base_config().jwt(
        JwtConfig::default()
            .algorithm("RS256")
            .key(include_str!("fixtures/rsa-private.pem"))
            .public_key(include_str!("fixtures/rsa-other-public.pem")),
    );

    assert_eq!(
        build_error(config).to_string(),
        "JWT_PUBLIC_KEY is invalid: it does not verify tokens signed with the configured key; \
         use the public key of the same key pair"
    );
}

#[test]
fn startup_rejects_zero_life_time() {
    let config = base_config().jwt(JwtConfig::default().life_time(Duration::ZERO));

    assert_eq!(
        build_error(config).to_string(),
        "JWT_LIFE_TIME has an invalid value \"0\": a token life time must be greater than zero"
    );
}

#[test]
fn startup_rejects_sub_second_life_times() {
    let cases = [
        (
            "JWT_LIFE_TIME",
            "500ms",
            JwtConfig::default().life_time(Duration::from_millis(500)),
        ),
        (
            "JWT_REFRESH_LIFE_TIME",
            "1.5s",
            JwtConfig::default().refresh_life_time(Duration::from_millis(1500)),
        ),
    ];

    for (setting, value, jwt) in cases {
        assert_eq!(
            build_error(base_config().jwt(jwt)).to_string(),
            format!(
                "{setting} has an invalid value \"{value}\": a token life time must be a whole \
                 number of seconds, because tokens store exp in whole seconds; use a value such \
                 as 30s, 15m or 1d"
            )
        );
    }
}

#[test]
fn startup_accepts_100_years() {
    let hundred_years = humantime::parse_duration("100y").unwrap();
    let jwt = JwtConfig::default()
        .life_time(hundred_years)
        .refresh_life_time(hundred_years)
        .leeway(hundred_years);

    let app = app_with(base_config().jwt(jwt));

    assert!(app.jwt.login(&User { id: 1 }).is_ok());
}

#[test]
fn startup_rejects_derived_refresh_over_100y() {
    let sixty_years = humantime::parse_duration("60y").unwrap();
    let config = base_config().jwt(JwtConfig::default().life_time(sixty_years));

    assert_eq!(
        build_error(config).to_string(),
        "JWT_LIFE_TIME has an invalid value \"1893456000s\": JWT_REFRESH_LIFE_TIME is not set, \
         so refresh tokens live twice as long, which is over 100 years (3155760000 seconds); \
         lower JWT_LIFE_TIME or set JWT_REFRESH_LIFE_TIME"
    );
}

#[test]
fn startup_rejects_public_key_with_hmac() {
    let config = base_config().jwt(
        JwtConfig::default()
            .algorithm("HS256")
            .public_key(include_str!("fixtures/rsa-public.pem")),
    );

    assert_eq!(
        build_error(config).to_string(),
        "JWT_PUBLIC_KEY is invalid: it is set, but JWT_ALGORITHM is HS256, which verifies \
         tokens with the shared secret and uses no public key; unset JWT_PUBLIC_KEY, or set \
         JWT_ALGORITHM to the algorithm of the key pair, such as RS256"
    );
}

#[test]
fn startup_rejects_durations_beyond_100_years() {
    // `humantime` reads `100y` as 100 years of 365.25 days.
    let too_long = humantime::parse_duration("100y").unwrap() + Duration::from_secs(1);
    let cases = [
        ("JWT_LIFE_TIME", JwtConfig::default().life_time(too_long)),
        (
            "JWT_REFRESH_LIFE_TIME",
            JwtConfig::default().refresh_life_time(too_long),
        ),
        ("JWT_LEEWAY", JwtConfig::default().leeway(too_long)),
    ];

    for (setting, jwt) in cases {
        assert_eq!(
            build_error(base_config().jwt(jwt)).to_string(),
            format!(
                "{setting} has an invalid value \"3155760001s\": it must be at most 100 years \
                 (3155760000 seconds)"
            )
        );
    }
}

#[test]
fn startup_rejects_leeway_over_life_time() {
    let jwt = JwtConfig::default()
        .life_time(Duration::from_secs(60))
        .leeway(Duration::from_secs(61));

    assert_eq!(
        build_error(base_config().jwt(jwt)).to_string(),
        "JWT_LEEWAY has an invalid value \"61s\": it is longer than JWT_LIFE_TIME (60s), so \
         expired access tokens would be accepted for longer than they lived; set JWT_LEEWAY to \
         the clock skew between your servers, such as 30s"
    );
}

#[test]
fn startup_accepts_leeway_equal_to_life_time() {
    let jwt = JwtConfig::default()
        .life_time(Duration::from_secs(60))
        .leeway(Duration::from_secs(60));

    let app = app_with(base_config().jwt(jwt));

    assert!(app.jwt.login(&User { id: 1 }).is_ok());
}

/// The largest value `JWT_LEEWAY` parses. Were it accepted, every logout
/// would panic on overflowing time arithmetic.
#[test]
fn startup_rejects_largest_leeway() {
    let config = base_config().jwt(JwtConfig::default().leeway(Duration::from_secs(u64::MAX)));

    assert_eq!(
        build_error(config).to_string(),
        "JWT_LEEWAY has an invalid value \"18446744073709551615s\": it must be at most \
         100 years (3155760000 seconds)"
    );
}

#[test]
fn startup_requires_user_store() {
    let error = Auth::builder::<User>()
        .config(base_config())
        .build()
        .unwrap_err();

    assert_eq!(
        error.to_string(),
        "AuthBuilder::users is not set: the JWT authenticators load users by their user_id \
         claim; pass the user store to AuthBuilder::users"
    );
}

#[tokio::test]
async fn rsa_configuration_verifies_its_tokens() {
    let app = app_with(
        base_config().jwt(
            JwtConfig::default()
                .algorithm("RS256")
                .key(include_str!("fixtures/rsa-private.pem"))
                .public_key(include_str!("fixtures/rsa-public.pem")),
        ),
    );
    let tokens = app.jwt.login(&User { id: 1 }).unwrap();

    assert_eq!(
        authenticate(&app, &bearer(&tokens.access_token))
            .await
            .unwrap(),
        User { id: 1 }
    );
}

#[tokio::test]
async fn es256_configuration_verifies_its_tokens() {
    let app = app_with(
        base_config().jwt(
            JwtConfig::default()
                .algorithm("ES256")
                .key(include_str!("fixtures/ec-private.pem"))
                .public_key(include_str!("fixtures/ec-public.pem")),
        ),
    );
    let tokens = app.jwt.login(&User { id: 1 }).unwrap();

    assert_eq!(
        authenticate(&app, &bearer(&tokens.access_token))
            .await
            .unwrap(),
        User { id: 1 }
    );
}

// The Authorization header.

#[tokio::test]
async fn header_accepts_valid_token() {
    let app = app();
    let tokens = app.jwt.login(&User { id: 1 }).unwrap();

    assert_eq!(
        authenticate(&app, &bearer(&tokens.access_token))
            .await
            .unwrap(),
        User { id: 1 }
    );
}

#[tokio::test]
async fn header_scheme_is_case_insensitive() {
    let app = app();
    let token = app.jwt.login(&User { id: 1 }).unwrap().access_token;

    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let parts = request("/me", &[format!("{scheme} {token}").as_bytes()]);
        assert_eq!(
            authenticate(&app, &parts).await.unwrap(),
            User { id: 1 },
            "{scheme}"
        );
    }
}

#[tokio::test]
async fn header_missing_gets_bare_challenge() {
    let error = authenticate(&app(), &request("/me", &[]))
        .await
        .unwrap_err();

    assert_rejected(
        error,
        StatusCode::UNAUTHORIZED,
        "Authorization header is missing",
        Some("Bearer"),
    );
}

#[tokio::test]
async fn header_with_extra_part_is_rejected() {
    let app = app();
    let token = app.jwt.login(&User { id: 1 }).unwrap().access_token;
    let parts = request("/me", &[format!("Bearer {token} extra").as_bytes()]);

    assert_invalid_token(
        authenticate(&app, &parts).await.unwrap_err(),
        "Authorization header must be `Bearer <token>`",
    );
}

#[tokio::test]
async fn header_with_other_scheme_is_rejected() {
    let parts = request("/me", &[b"Token abc.def.ghi"]);

    assert_invalid_token(
        authenticate(&app(), &parts).await.unwrap_err(),
        "Authorization scheme must be Bearer",
    );
}

#[tokio::test]
async fn header_and_query_together_is_invalid_request() {
    let app = app();
    let token = app.jwt.login(&User { id: 1 }).unwrap().access_token;
    let authorization = format!("Bearer {token}");
    let parts = request(
        &format!("/me?authorization={token}"),
        &[authorization.as_bytes()],
    );
    let detail = "Token was sent in both the Authorization header and the authorization \
                  query parameter; send one";

    assert_rejected(
        authenticate(&app, &parts).await.unwrap_err(),
        StatusCode::BAD_REQUEST,
        detail,
        Some(&format!(
            r#"Bearer error="invalid_request", error_description="{detail}""#
        )),
    );
}

// The query parameter.

#[tokio::test]
async fn query_accepts_percent_twenty_plus_and_bare() {
    let app = app();
    let token = app.jwt.login(&User { id: 1 }).unwrap().access_token;

    for query in [
        format!("authorization=Bearer%20{token}"),
        format!("authorization=Bearer+{token}"),
        format!("authorization=bearer%20{token}"),
        format!("authorization={token}"),
    ] {
        let parts = request(&format!("/ws?{query}"), &[]);
        assert_eq!(
            authenticate_ws(&app, &parts).await.unwrap(),
            User { id: 1 },
            "{query}"
        );
    }
}

#[tokio::test]
async fn query_missing_gets_bare_challenge() {
    let error = authenticate_ws(&app(), &request("/ws", &[]))
        .await
        .unwrap_err();

    assert_rejected(
        error,
        StatusCode::UNAUTHORIZED,
        "authorization query parameter is missing",
        Some("Bearer"),
    );
}

#[tokio::test]
async fn query_rejects_refresh_token() {
    let app = app();
    let token = app.jwt.login(&User { id: 1 }).unwrap().refresh_token;
    let parts = request(&format!("/ws?authorization=Bearer%20{token}"), &[]);

    assert_invalid_token(
        authenticate_ws(&app, &parts).await.unwrap_err(),
        "Token is not an access token",
    );
}

// Verification: algorithm, signature, claims.

#[tokio::test]
async fn other_hmac_algorithm_is_rejected() {
    let long_key = "k".repeat(64);
    let token = sign_with(Algorithm::HS512, long_key.as_bytes(), &access_claims());

    assert_invalid_token(
        authenticate(&app(), &bearer(&token)).await.unwrap_err(),
        "Token algorithm is not accepted",
    );
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(access_claims().to_string());

    for token in [format!("{header}.{body}."), format!("{header}.{body}.c2ln")] {
        assert_invalid_token(
            authenticate(&app(), &bearer(&token)).await.unwrap_err(),
            "Token algorithm is not accepted",
        );
    }
}

#[tokio::test]
async fn signature_from_other_key_is_rejected() {
    let token = sign_with(Algorithm::HS256, OTHER_KEY.as_bytes(), &access_claims());

    assert_invalid_token(
        authenticate(&app(), &bearer(&token)).await.unwrap_err(),
        "Token signature is invalid",
    );
}

#[tokio::test]
async fn missing_exp_is_rejected() {
    let token = sign(&json!({ "token_type": "access", "user_id": 1 }));

    assert_invalid_token(
        authenticate(&app(), &bearer(&token)).await.unwrap_err(),
        "Token has no exp claim",
    );
}

#[tokio::test]
async fn expired_token_is_rejected() {
    let mut claims = access_claims();
    claims["exp"] = json!(now() - 1);

    assert_invalid_token(
        authenticate(&app(), &bearer(&sign(&claims)))
            .await
            .unwrap_err(),
        "Token has expired",
    );
}

#[tokio::test]
async fn leeway_accepts_recently_expired_token() {
    let app = app_with(base_config().jwt(JwtConfig::default().leeway(Duration::from_secs(60))));
    let mut claims = access_claims();
    claims["exp"] = json!(now() - 30);

    assert_eq!(
        authenticate(&app, &bearer(&sign(&claims))).await.unwrap(),
        User { id: 1 }
    );
}

#[tokio::test]
async fn future_nbf_is_rejected() {
    let mut claims = access_claims();
    claims["nbf"] = json!(now() + 120);

    assert_invalid_token(
        authenticate(&app(), &bearer(&sign(&claims)))
            .await
            .unwrap_err(),
        "Token is not valid yet",
    );
}

#[tokio::test]
async fn leeway_accepts_nbf_within_skew() {
    let app = app_with(base_config().jwt(JwtConfig::default().leeway(Duration::from_secs(60))));
    let mut claims = access_claims();
    claims["nbf"] = json!(now() + 30);

    assert_eq!(
        authenticate(&app, &bearer(&sign(&claims))).await.unwrap(),
        User { id: 1 }
    );
}

#[tokio::test]
async fn panther_token_with_fractional_dates_verifies() {
    // Panther signs `iat` and `exp` as float timestamps and sets no `jti`.
    let issued = now() as f64 + 0.123_456;
    let token = sign(&json!({
        "token_type": "access",
        "user_id": 1,
        "iat": issued,
        "exp": issued + 86_400.5,
    }));

    assert_eq!(
        authenticate(&app(), &bearer(&token)).await.unwrap(),
        User { id: 1 }
    );
}

#[tokio::test]
async fn string_user_id_reaches_the_store() {
    // The store of this test looks up integer ids only.
    let mut claims = access_claims();
    claims["user_id"] = json!("1");

    assert_invalid_token(
        authenticate(&app(), &bearer(&sign(&claims)))
            .await
            .unwrap_err(),
        "User not found",
    );
}

#[tokio::test]
async fn deleted_user_is_not_found() {
    let app = app();
    let token = app.jwt.login(&User { id: 1 }).unwrap().access_token;
    app.store.write().unwrap().remove(&1);

    assert_invalid_token(
        authenticate(&app, &bearer(&token)).await.unwrap_err(),
        "User not found",
    );
}

// The lifecycle.

#[tokio::test]
async fn login_issues_panther_claims_with_jti() {
    let app = app();
    let TokenPair {
        access_token,
        refresh_token,
    } = app.jwt.login(&User { id: 1 }).unwrap();
    let access = payload(&access_token);
    let refresh = payload(&refresh_token);

    assert_eq!(access["token_type"], "access");
    assert_eq!(refresh["token_type"], "refresh");
    assert_eq!(access["user_id"], 1);
    assert_eq!(refresh["user_id"], 1);
    let issued = access["iat"].as_u64().unwrap();
    assert_eq!(access["exp"].as_u64().unwrap(), issued + 86_400);
    assert_eq!(refresh["exp"].as_u64().unwrap(), issued + 2 * 86_400);
    assert_ne!(access["jti"], refresh["jti"]);
    assert_eq!(access["jti"].as_str().unwrap().len(), 22);
    assert_eq!(access["fam"], refresh["fam"]);
}

#[tokio::test]
async fn logins_get_distinct_jti() {
    let app = app();
    let first = app.jwt.login(&User { id: 1 }).unwrap();
    let second = app.jwt.login(&User { id: 1 }).unwrap();

    assert_ne!(
        payload(&first.access_token)["jti"],
        payload(&second.access_token)["jti"]
    );
    assert_ne!(
        payload(&first.access_token)["fam"],
        payload(&second.access_token)["fam"]
    );
}

#[tokio::test]
async fn refresh_token_is_not_an_access_token() {
    let app = app();
    let tokens = app.jwt.login(&User { id: 1 }).unwrap();

    assert_invalid_token(
        authenticate(&app, &bearer(&tokens.refresh_token))
            .await
            .unwrap_err(),
        "Token is not an access token",
    );
}

#[tokio::test]
async fn access_token_cannot_refresh() {
    let app = app();
    let tokens = app.jwt.login(&User { id: 1 }).unwrap();

    assert_invalid_token(
        app.jwt.refresh(&tokens.access_token).await.unwrap_err(),
        "Token is not a refresh token",
    );
}

#[tokio::test]
async fn refresh_rotates_and_works_once() {
    let app = app();
    let first = app.jwt.login(&User { id: 1 }).unwrap();

    let second = app.jwt.refresh(&first.refresh_token).await.unwrap();

    assert_eq!(
        authenticate(&app, &bearer(&second.access_token))
            .await
            .unwrap(),
        User { id: 1 }
    );
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(
        payload(&second.refresh_token)["fam"],
        payload(&first.refresh_token)["fam"]
    );
    assert_invalid_token(
        app.jwt.refresh(&first.refresh_token).await.unwrap_err(),
        "Token has been revoked",
    );
}

#[tokio::test]
async fn refresh_reuse_revokes_the_session() {
    let app = app();
    let first = app.jwt.login(&User { id: 1 }).unwrap();
    let second = app.jwt.refresh(&first.refresh_token).await.unwrap();

    app.jwt.refresh(&first.refresh_token).await.unwrap_err();

    assert_invalid_token(
        authenticate(&app, &bearer(&second.access_token))
            .await
            .unwrap_err(),
        "Token has been revoked",
    );
    assert_invalid_token(
        app.jwt.refresh(&second.refresh_token).await.unwrap_err(),
        "Token has been revoked",
    );
}

#[tokio::test]
async fn refresh_for_deleted_user_is_rejected() {
    let app = app();
    let tokens = app.jwt.login(&User { id: 1 }).unwrap();
    app.store.write().unwrap().remove(&1);

    assert_invalid_token(
        app.jwt.refresh(&tokens.refresh_token).await.unwrap_err(),
        "User not found",
    );
}

#[tokio::test]
async fn logout_revokes_token_and_session() {
    let app = app();
    let tokens = app.jwt.login(&User { id: 1 }).unwrap();
    let other_login = app.jwt.login(&User { id: 1 }).unwrap();

    app.jwt.logout(&tokens.access_token).await.unwrap();

    assert_invalid_token(
        authenticate(&app, &bearer(&tokens.access_token))
            .await
            .unwrap_err(),
        "Token has been revoked",
    );
    assert_invalid_token(
        app.jwt.refresh(&tokens.refresh_token).await.unwrap_err(),
        "Token has been revoked",
    );
    assert_eq!(
        authenticate(&app, &bearer(&other_login.access_token))
            .await
            .unwrap(),
        User { id: 1 }
    );
}

#[tokio::test]
async fn logout_revokes_panther_token_by_hash() {
    let app = app();
    let token = sign(&access_claims());

    app.jwt.logout(&token).await.unwrap();

    assert_invalid_token(
        authenticate(&app, &bearer(&token)).await.unwrap_err(),
        "Token has been revoked",
    );
}

#[tokio::test]
async fn logout_rejects_invalid_token() {
    assert_invalid_token(
        app().jwt.logout("a.b.c").await.unwrap_err(),
        "Token is malformed",
    );
}

#[tokio::test]
async fn revocation_lasts_until_exp() {
    let store = Arc::new(auth_jwt::MemoryRevocationStore::new());
    let app = app_with(base_config());
    let jwt = Jwt::new(
        app.auth.config(),
        app.auth.users().clone(),
        auth_jwt::Revocation::new(store.clone()),
    )
    .unwrap();
    let mut claims = access_claims();
    claims["exp"] = json!(now() + 2);
    let token = sign(&claims);

    jwt.logout(&token).await.unwrap();
    assert_eq!(store.len(), 1);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    jwt.logout(&app.jwt.login(&User { id: 1 }).unwrap().access_token)
        .await
        .unwrap();

    // The first entry expired with its token and was dropped by the next write;
    // the second logout added a token and its session.
    assert_eq!(store.len(), 2);
}

// Structure: what the fast HMAC path must reject like the general one.

#[tokio::test]
async fn tampered_segments_are_rejected() {
    let app = app();
    let token = app.jwt.login(&User { id: 1 }).unwrap().access_token;
    let segments: Vec<&str> = token.split('.').collect();
    let forged_payload = URL_SAFE_NO_PAD
        .encode(json!({ "token_type": "access", "user_id": 2, "exp": now() + 600 }).to_string());
    let cases = [
        (
            format!("{}.{forged_payload}.{}", segments[0], segments[2]),
            "Token signature is invalid",
        ),
        (
            format!("{}.{}", segments[0], segments[1]),
            "Token is malformed",
        ),
        (format!("{token}.{}", segments[2]), "Token is malformed"),
        (
            format!("{}.{}.{}", segments[0], segments[1], &segments[2][..10]),
            "Token signature is invalid",
        ),
        (
            format!("{}.{}!.{}", segments[0], segments[1], segments[2]),
            "Token contains characters that are not allowed",
        ),
        (
            format!("{}.{}=.{}", segments[0], segments[1], segments[2]),
            "Token contains characters that are not allowed",
        ),
        (format!("{token}="), "Token signature is invalid"),
    ];

    for (token, detail) in cases {
        assert_invalid_token(
            authenticate(&app, &bearer(&token)).await.unwrap_err(),
            detail,
        );
    }
}

#[tokio::test]
async fn unfamiliar_header_takes_general_path() {
    // Same algorithm and key, but a header with an extra field: the general
    // path verifies it.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("key-1".to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &access_claims(),
        &EncodingKey::from_secret(KEY.as_bytes()).unwrap(),
    )
    .unwrap();

    assert_eq!(
        authenticate(&app(), &bearer(&token)).await.unwrap(),
        User { id: 1 }
    );
}

#[tokio::test]
async fn array_payload_is_malformed() {
    let token = sign(&json!(["access", 1, now(), now() + 600]));

    assert_invalid_token(
        authenticate(&app(), &bearer(&token)).await.unwrap_err(),
        "Token is malformed",
    );
}

/// A revocation store that makes its caller wait, as a networked one does,
/// so that authentication takes the path that awaits the store.
struct WaitingStore(auth_jwt::MemoryRevocationStore);

#[async_trait]
impl auth_jwt::RevocationStore for WaitingStore {
    async fn is_revoked(
        &self,
        keys: &[auth_jwt::RevocationKey],
    ) -> Result<bool, auth_jwt::RevocationError> {
        tokio::task::yield_now().await;
        self.0.is_revoked(keys).await
    }

    async fn revoke(
        &self,
        key: &auth_jwt::RevocationKey,
        ttl: Duration,
    ) -> Result<bool, auth_jwt::RevocationError> {
        self.0.revoke(key, ttl).await
    }
}

/// A revocation store whose checks take `delay`, as a slow network does.
struct SlowStore {
    inner: auth_jwt::MemoryRevocationStore,
    delay: Duration,
}

#[async_trait]
impl auth_jwt::RevocationStore for SlowStore {
    async fn is_revoked(
        &self,
        keys: &[auth_jwt::RevocationKey],
    ) -> Result<bool, auth_jwt::RevocationError> {
        tokio::time::sleep(self.delay).await;
        self.inner.is_revoked(keys).await
    }

    async fn revoke(
        &self,
        key: &auth_jwt::RevocationKey,
        ttl: Duration,
    ) -> Result<bool, auth_jwt::RevocationError> {
        self.inner.revoke(key, ttl).await
    }
}

/// A refresh token that expires while its session is checked must not be
/// exchanged, because a store keeps no entry for an expired token and every
/// such late request would count as the first use.
#[tokio::test]
async fn refresh_expiring_during_checks_is_rejected() {
    let app = app_with(base_config());
    let slow = SlowStore {
        inner: auth_jwt::MemoryRevocationStore::new(),
        delay: Duration::from_millis(600),
    };
    let jwt = Jwt::new(
        app.auth.config(),
        app.auth.users().clone(),
        auth_jwt::Revocation::new(slow),
    )
    .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let token = sign(&json!({
        "token_type": "refresh",
        "user_id": 1,
        "exp": now + 0.3,
        "jti": "late-refresh",
        "fam": "late-session",
    }));

    let (first, second) = tokio::join!(jwt.refresh(&token), jwt.refresh(&token));

    assert_invalid_token(first.unwrap_err(), "Token has expired");
    assert_invalid_token(second.unwrap_err(), "Token has expired");
}

#[tokio::test]
async fn waiting_revocation_store_is_awaited() {
    let store: Store = Arc::new(RwLock::new(HashMap::from([(1, User { id: 1 })])));
    let revocation =
        auth_jwt::Revocation::new(WaitingStore(auth_jwt::MemoryRevocationStore::new()));
    let auth = Auth::builder::<User>()
        .config(base_config())
        .users(store)
        .resource(revocation)
        .build()
        .unwrap();
    let jwt = Jwt::from_auth(&auth).unwrap();
    let tokens = jwt.login(&User { id: 1 }).unwrap();
    let parts = bearer(&tokens.access_token);

    assert_eq!(
        auth.authenticate::<User>(&parts).await.unwrap(),
        User { id: 1 }
    );

    jwt.logout(&tokens.access_token).await.unwrap();
    assert_invalid_token(
        auth.authenticate::<User>(&parts).await.unwrap_err(),
        "Token has been revoked",
    );
}

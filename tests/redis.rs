//! The Redis revocation store against a real `redis-server` on loopback:
//! atomic revocation, expiry with the token, rotation and reuse detection
//! across instances, startup errors and outages.
//!
//! Each test starts its own server (see `redis_server`), so they run in
//! parallel without sharing keys. Two "instances" are two `Auth` and `Jwt`
//! values with their own Redis connections, as two server processes have.

mod redis_server;

use std::collections::HashMap;
use std::ffi::OsString;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::{
    Auth, AuthConfig, AuthError, ConfigError, JwtConfig, RedisConfig, UserId, UserModel,
    UserStoreError, async_trait,
};
use auth_jwt::{Jwt, RedisRevocationStore, Revocation, RevocationKey, RevocationStore};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Request, StatusCode, header, request::Parts};
use jsonwebtoken::{EncodingKey, Header};
use redis::AsyncCommands as _;
use redis_server::RedisServer;
use serde_json::{Value, json};

const KEY: &str = "a test key that is exactly 32 by";
const UNAVAILABLE: &str = "Authentication service is unavailable";
const REVOKED: &str = "Token has been revoked";

/// Maximum wait for one request, to catch a hang: well above the store's
/// 750 ms deadline, and no measure of speed.
const HANG_GUARD: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq)]
struct User {
    id: i64,
}

#[async_trait]
impl UserModel for User {
    type Store = HashMap<i64, User>;

    fn id(&self) -> UserId {
        UserId::Int(self.id)
    }

    async fn find_by_id(
        store: &HashMap<i64, User>,
        id: &UserId,
    ) -> Result<Option<Self>, UserStoreError> {
        let UserId::Int(id) = id else { return Ok(None) };
        Ok(store.get(id).cloned())
    }
}

/// One server instance: its own authenticators and Redis connection.
struct Instance {
    auth: Auth,
    jwt: Jwt,
}

impl Instance {
    async fn authenticate(&self, token: &str) -> Result<User, AuthError> {
        let request = bearer(token);
        tokio::time::timeout(HANG_GUARD, self.auth.authenticate::<User>(&request))
            .await
            .expect("authentication hung")
    }

    async fn refresh(&self, refresh_token: &str) -> Result<auth_jwt::TokenPair, AuthError> {
        tokio::time::timeout(HANG_GUARD, self.jwt.refresh(refresh_token))
            .await
            .expect("refresh hung")
    }

    async fn logout(&self, token: &str) -> Result<(), AuthError> {
        tokio::time::timeout(HANG_GUARD, self.jwt.logout(token))
            .await
            .expect("logout hung")
    }
}

fn base_config() -> AuthConfig {
    AuthConfig::new()
        .authentication("auth_jwt::JwtAuthentication")
        .secret_key(KEY)
        .jwt(JwtConfig::default().life_time(Duration::from_secs(600)))
}

async fn instance(server: &RedisServer) -> Instance {
    instance_with(base_config().redis(RedisConfig::new(server.url()))).await
}

async fn instance_with(config: AuthConfig) -> Instance {
    let revocation = Revocation::from_config(&config).await.unwrap();
    let auth = Auth::builder::<User>()
        .config(config)
        .users(HashMap::from([(1, User { id: 1 })]))
        .resource(revocation)
        .build()
        .unwrap();
    let jwt = Jwt::from_auth(&auth).unwrap();
    Instance { auth, jwt }
}

async fn store(server: &RedisServer) -> RedisRevocationStore {
    RedisRevocationStore::connect(server.url()).await.unwrap()
}

fn bearer(token: &str) -> Parts {
    Request::get("/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Returns the Redis key of a token issued by `Jwt`, under the default prefix.
fn token_redis_key(token: &str) -> String {
    let jti = payload(token)["jti"].as_str().unwrap().to_owned();
    format!("auth:revoked:{}", RevocationKey::token_id(&jti))
}

fn family_redis_key(token: &str) -> String {
    let family = payload(token)["fam"].as_str().unwrap().to_owned();
    format!("auth:revoked:{}", RevocationKey::family(&family))
}

/// Asserts the whole response an error becomes: status and JSON body.
#[track_caller]
fn assert_rejected(error: AuthError, status: StatusCode, detail: &str) {
    let response = error.to_response();
    assert_eq!(response.status(), status);
    assert_eq!(
        serde_json::from_str::<Value>(response.body()).unwrap(),
        json!({ "detail": detail })
    );
}

#[track_caller]
fn assert_revoked(result: Result<impl std::fmt::Debug, AuthError>) {
    assert_rejected(result.unwrap_err(), StatusCode::UNAUTHORIZED, REVOKED);
}

#[track_caller]
fn assert_unavailable(result: Result<impl std::fmt::Debug, AuthError>) {
    assert_rejected(
        result.unwrap_err(),
        StatusCode::SERVICE_UNAVAILABLE,
        UNAVAILABLE,
    );
}

// The store's own contract.

#[tokio::test]
async fn revoke_sets_key_once() {
    let server = RedisServer::start();
    let store = store(&server).await;
    let key = RevocationKey::token_id("a");

    assert!(store.revoke(&key, Duration::from_secs(60)).await.unwrap());
    assert!(!store.revoke(&key, Duration::from_secs(60)).await.unwrap());
    assert!(store.is_revoked(&[key]).await.unwrap());
    assert!(
        !store
            .is_revoked(&[RevocationKey::token_id("b")])
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn any_revoked_key_counts() {
    let server = RedisServer::start();
    let store = store(&server).await;
    store
        .revoke(&RevocationKey::family("f"), Duration::from_secs(60))
        .await
        .unwrap();

    let keys = [RevocationKey::token_id("t"), RevocationKey::family("f")];
    assert!(store.is_revoked(&keys).await.unwrap());
    assert!(!store.is_revoked(&[]).await.unwrap());
}

#[tokio::test]
async fn revoked_key_expires_with_ttl() {
    let server = RedisServer::start();
    let store = store(&server).await;
    let mut client = server.client().await;
    let long = RevocationKey::token_id("long");
    let short = RevocationKey::token_id("short");

    store.revoke(&long, Duration::from_secs(60)).await.unwrap();
    store
        .revoke(&short, Duration::from_millis(200))
        .await
        .unwrap();

    let ttl: i64 = client.pttl("auth:revoked:jti:long").await.unwrap();
    assert!((59_000..=60_000).contains(&ttl), "PTTL {ttl}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let exists: bool = client.exists("auth:revoked:jti:short").await.unwrap();
    assert!(!exists);
    assert!(!store.is_revoked(&[short]).await.unwrap());
}

#[tokio::test]
async fn expired_token_stores_nothing() {
    let server = RedisServer::start();
    let store = store(&server).await;
    let mut client = server.client().await;

    assert!(
        store
            .revoke(&RevocationKey::token_id("gone"), Duration::ZERO)
            .await
            .unwrap()
    );

    let keys: Vec<String> = client.keys("*").await.unwrap();
    assert!(keys.is_empty(), "{keys:?}");
}

#[tokio::test]
async fn key_prefix_separates_applications() {
    let server = RedisServer::start();
    let first = RedisRevocationStore::builder(server.url())
        .key_prefix("first:")
        .connect()
        .await
        .unwrap();
    let second = RedisRevocationStore::builder(server.url())
        .key_prefix("second:")
        .connect()
        .await
        .unwrap();
    let mut client = server.client().await;
    let key = RevocationKey::token_id("shared-id");

    assert!(first.revoke(&key, Duration::from_secs(60)).await.unwrap());

    let exists: bool = client.exists("first:jti:shared-id").await.unwrap();
    assert!(exists);
    assert!(!second.is_revoked(std::slice::from_ref(&key)).await.unwrap());
    assert!(second.revoke(&key, Duration::from_secs(60)).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_revocations_let_one_through() {
    let server = RedisServer::start();
    let first = store(&server).await;
    let second = store(&server).await;

    for index in 0..200 {
        let key = RevocationKey::token_id(&format!("race-{index}"));
        let ttl = Duration::from_secs(60);

        let (a, b) = tokio::join!(first.revoke(&key, ttl), second.revoke(&key, ttl));

        let winners = [a.unwrap(), b.unwrap()].iter().filter(|won| **won).count();
        assert_eq!(winners, 1, "key {key}");
    }
}

// Tokens across two instances.

#[tokio::test]
async fn logout_holds_on_every_instance() {
    let server = RedisServer::start();
    let first = instance(&server).await;
    let second = instance(&server).await;
    let tokens = first.jwt.login(&User { id: 1 }).unwrap();
    assert_eq!(
        second.authenticate(&tokens.access_token).await.unwrap(),
        User { id: 1 }
    );

    first.logout(&tokens.access_token).await.unwrap();

    assert_revoked(second.authenticate(&tokens.access_token).await);
    assert_revoked(second.refresh(&tokens.refresh_token).await);
}

#[tokio::test]
async fn logout_keys_expire_with_tokens() {
    let server = RedisServer::start();
    let instance = instance(&server).await;
    let mut client = server.client().await;
    let tokens = instance.jwt.login(&User { id: 1 }).unwrap();

    instance.logout(&tokens.access_token).await.unwrap();

    // The access token lives 600 s; its session as long as a refresh token, 1200 s.
    let token_ttl: i64 = client
        .pttl(token_redis_key(&tokens.access_token))
        .await
        .unwrap();
    assert!((595_000..=600_000).contains(&token_ttl), "PTTL {token_ttl}");
    let family_ttl: i64 = client
        .pttl(family_redis_key(&tokens.access_token))
        .await
        .unwrap();
    assert!(
        (1_195_000..=1_200_000).contains(&family_ttl),
        "PTTL {family_ttl}"
    );
}

#[tokio::test]
async fn token_without_jti_is_revoked_by_hash() {
    let server = RedisServer::start();
    let instance = instance(&server).await;
    let mut client = server.client().await;
    let claims = json!({ "token_type": "access", "user_id": 1, "iat": now(), "exp": now() + 30 });
    let token = jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(KEY.as_bytes()).unwrap(),
    )
    .unwrap();

    instance.logout(&token).await.unwrap();

    let redis_key = format!("auth:revoked:{}", RevocationKey::token_hash(&token));
    let ttl: i64 = client.pttl(&redis_key).await.unwrap();
    assert!((25_000..=30_000).contains(&ttl), "PTTL {ttl}");
    let keys: Vec<String> = client.keys("*").await.unwrap();
    assert_eq!(keys, [redis_key]);
    assert_revoked(instance.authenticate(&token).await);
}

#[tokio::test]
async fn refresh_on_one_instance_is_refused_on_other() {
    let server = RedisServer::start();
    let first = instance(&server).await;
    let second = instance(&server).await;
    let tokens = first.jwt.login(&User { id: 1 }).unwrap();

    let renewed = first.refresh(&tokens.refresh_token).await.unwrap();

    assert_revoked(second.refresh(&tokens.refresh_token).await);
    assert_ne!(renewed.refresh_token, tokens.refresh_token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_refresh_succeeds_once() {
    let server = RedisServer::start();
    let first = instance(&server).await;
    let second = instance(&server).await;

    for attempt in 0..50 {
        let tokens = first.jwt.login(&User { id: 1 }).unwrap();

        let (a, b) = tokio::join!(
            first.refresh(&tokens.refresh_token),
            second.refresh(&tokens.refresh_token)
        );

        let successes = usize::from(a.is_ok()) + usize::from(b.is_ok());
        assert_eq!(successes, 1, "attempt {attempt}: {a:?} {b:?}");
        for result in [a, b] {
            if let Err(error) = result {
                assert_rejected(error, StatusCode::UNAUTHORIZED, REVOKED);
            }
        }
    }
}

#[tokio::test]
async fn reuse_revokes_session_on_one_instance() {
    let server = RedisServer::start();
    let instance = instance(&server).await;
    let first = instance.jwt.login(&User { id: 1 }).unwrap();
    let second = instance.refresh(&first.refresh_token).await.unwrap();

    assert_revoked(instance.refresh(&first.refresh_token).await);

    assert_revoked(instance.authenticate(&second.access_token).await);
    assert_revoked(instance.refresh(&second.refresh_token).await);
}

#[tokio::test]
async fn reuse_revokes_session_across_instances() {
    let server = RedisServer::start();
    let first = instance(&server).await;
    let second = instance(&server).await;
    let login = first.jwt.login(&User { id: 1 }).unwrap();
    let rotated = first.refresh(&login.refresh_token).await.unwrap();
    let unrelated = first.jwt.login(&User { id: 1 }).unwrap();

    assert_revoked(second.refresh(&login.refresh_token).await);

    for instance in [&first, &second] {
        assert_revoked(instance.authenticate(&rotated.access_token).await);
    }
    assert_revoked(first.refresh(&rotated.refresh_token).await);
    assert_eq!(
        second.authenticate(&unrelated.access_token).await.unwrap(),
        User { id: 1 }
    );
}

// Configuration and startup.

#[tokio::test]
async fn redis_url_from_environment_selects_redis() {
    let server = RedisServer::start();
    let variables = HashMap::from([
        ("SECRET_KEY", KEY.to_owned()),
        ("AUTHENTICATION", "auth_jwt::JwtAuthentication".to_owned()),
        ("REDIS_URL", server.url()),
        ("REDIS_KEY_PREFIX", "shop:revoked:".to_owned()),
    ]);
    let config = AuthConfig::from_lookup(|name| variables.get(name).map(OsString::from)).unwrap();
    let instance = instance_with(config).await;
    let mut client = server.client().await;
    let tokens = instance.jwt.login(&User { id: 1 }).unwrap();

    instance.logout(&tokens.access_token).await.unwrap();

    let keys: Vec<String> = client.keys("shop:revoked:*").await.unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
}

#[tokio::test]
async fn unreachable_redis_stops_startup() {
    let port = redis_server::free_port();
    let config = base_config().redis(RedisConfig::new(format!(
        "redis://:hunter2@127.0.0.1:{port}/0"
    )));

    let error = Revocation::from_config(&config).await.unwrap_err();

    assert!(
        matches!(
            error,
            ConfigError::Unreachable {
                setting: "REDIS_URL",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "could not connect to the server that REDIS_URL names: Redis at \
             redis://127.0.0.1:{port}/0: Connection refused (os error 111); \
             start Redis there or correct REDIS_URL"
        )
    );
}

#[tokio::test]
async fn wrong_redis_password_stops_startup() {
    let server = RedisServer::start_with_password("right-password");
    let port = server.port();
    let url = |password: &str| format!("redis://:{password}@127.0.0.1:{port}/0");

    let config = base_config().redis(RedisConfig::new(url("wrong-password")));
    let error = Revocation::from_config(&config).await.unwrap_err();

    assert_eq!(
        error.to_string(),
        format!(
            "could not connect to the server that REDIS_URL names: Redis at \
             redis://127.0.0.1:{port}/0: Password authentication failed - \
             AuthenticationFailed; correct the user name or password in REDIS_URL"
        )
    );
    let config = base_config().redis(RedisConfig::new(url("right-password")));
    let instance = instance_with(config).await;
    let tokens = instance.jwt.login(&User { id: 1 }).unwrap();
    instance.logout(&tokens.access_token).await.unwrap();
    assert_revoked(instance.authenticate(&tokens.access_token).await);
}

#[tokio::test]
async fn missing_redis_password_stops_startup() {
    let server = RedisServer::start_with_password("right-password");
    let port = server.port();
    let config = base_config().redis(RedisConfig::new(server.url()));

    let error = Revocation::from_config(&config).await.unwrap_err();

    assert!(
        matches!(
            error,
            ConfigError::InvalidSecret {
                setting: "REDIS_URL",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "REDIS_URL is invalid: Redis at redis://127.0.0.1:{port}/0 rejected EXISTS: \
             \"NOAUTH\": Authentication required.; the server requires a password; add it \
             to REDIS_URL, as in redis://:password@host:port/db"
        )
    );
}

#[tokio::test]
async fn redis_user_without_set_stops_startup() {
    let server = RedisServer::start();
    let port = server.port();
    let mut admin = server.client().await;
    // The user may connect and run EXISTS, but not SET.
    let () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("reader")
        .arg("on")
        .arg(">reader-password")
        .arg("~*")
        .arg("+@connection")
        .arg("+exists")
        .query_async(&mut admin)
        .await
        .unwrap();
    let url = format!("redis://reader:reader-password@127.0.0.1:{port}/0");
    let config = base_config().redis(RedisConfig::new(url));

    let error = Revocation::from_config(&config).await.unwrap_err();

    assert_eq!(
        error.to_string(),
        format!(
            "REDIS_URL is invalid: Redis at redis://127.0.0.1:{port}/0 rejected SET: NoPerm: \
             this user has no permissions to run the 'set' command; grant the Redis user of \
             REDIS_URL the commands EXISTS and SET on keys that start with the key prefix, or \
             use another user"
        )
    );
}

#[tokio::test]
async fn invalid_redis_url_stops_startup() {
    let config = base_config().redis(RedisConfig::new("redis//:hunter2@127.0.0.1:6379"));

    let error = Revocation::from_config(&config).await.unwrap_err();

    assert_eq!(
        error.to_string(),
        "REDIS_URL is invalid: invalid Redis URL: Redis URL did not parse; expected \
         redis://[user:password@]host[:port][/db] or redis+unix:///path/to/socket"
    );
}

#[tokio::test]
async fn redis_url_without_store_stops_startup() {
    let config = base_config().redis(RedisConfig::new("redis://127.0.0.1:6379/0"));

    let error = Auth::builder::<User>()
        .config(config)
        .users(HashMap::new())
        .build()
        .unwrap_err();

    assert_eq!(
        error.to_string(),
        "AuthBuilder::resource(Revocation) is not set: REDIS_URL is set, so revocations \
         must be kept in Redis; connect with `auth_jwt::Revocation::from_config(&config).await` \
         and pass the result to AuthBuilder::resource"
    );
}

#[tokio::test]
async fn without_redis_url_revocations_stay_in_memory() {
    let instance = instance_with(base_config()).await;
    let tokens = instance.jwt.login(&User { id: 1 }).unwrap();

    instance.logout(&tokens.access_token).await.unwrap();

    assert_revoked(instance.authenticate(&tokens.access_token).await);
}

// Outages.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_fails_closed_and_recovers() {
    let mut server = RedisServer::start_persistent();
    let instance = instance(&server).await;
    let revoked = instance.jwt.login(&User { id: 1 }).unwrap();
    let valid = instance.jwt.login(&User { id: 1 }).unwrap();
    instance.logout(&revoked.access_token).await.unwrap();

    server.kill();

    for _ in 0..10 {
        assert_unavailable(instance.authenticate(&revoked.access_token).await);
        assert_unavailable(instance.authenticate(&valid.access_token).await);
    }
    assert_unavailable(instance.refresh(&valid.refresh_token).await);
    assert_unavailable(instance.logout(&valid.access_token).await);

    server.restart();

    let mut attempts = 0;
    loop {
        attempts += 1;
        match instance.authenticate(&valid.access_token).await {
            Ok(user) => {
                assert_eq!(user, User { id: 1 });
                break;
            }
            Err(error) => assert_rejected(error, StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE),
        }
        assert!(attempts < 50, "no request succeeded after Redis restarted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_revoked(instance.authenticate(&revoked.access_token).await);
    instance.refresh(&valid.refresh_token).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_redis_fails_fast_and_recovers() {
    let server = RedisServer::start();
    let instance = instance(&server).await;
    let tokens = instance.jwt.login(&User { id: 1 }).unwrap();

    server.freeze();
    for _ in 0..3 {
        assert_unavailable(instance.authenticate(&tokens.access_token).await);
    }
    assert_unavailable(instance.refresh(&tokens.refresh_token).await);
    server.thaw();

    let mut attempts = 0;
    while let Err(error) = instance.authenticate(&tokens.access_token).await {
        assert_rejected(error, StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
        attempts += 1;
        assert!(attempts < 50, "no request succeeded after Redis resumed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

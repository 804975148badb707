//! A Redis outage is logged once per interval, not once per request.
//!
//! This test has its own binary because it installs the global tracing
//! subscriber: a thread-local one misses events whose interest another
//! test's thread cached first.

mod redis_server;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_core::{
    Auth, AuthConfig, AuthError, RedisConfig, UserId, UserModel, UserStoreError, async_trait,
};
use auth_jwt::{Jwt, Revocation};
use http::{Request, StatusCode, header};
use redis_server::RedisServer;

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

/// A `Write` into a shared buffer, to read what the subscriber logged.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    fn lines_containing(&self, text: &str) -> Vec<String> {
        let bytes = self.0.lock().unwrap();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|line| line.contains(text))
            .map(str::to_owned)
            .collect()
    }
}

async fn authenticate(auth: &Auth, token: &str) -> Result<User, AuthError> {
    let request = Request::get("/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .unwrap();
    auth.authenticate::<User>(&request.into_parts().0).await
}

#[tokio::test]
async fn outage_is_logged_once_per_interval() {
    let log = CapturedLog::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .init();
    let mut server = RedisServer::start();
    let config = AuthConfig::new()
        .authentication("auth_jwt::JwtAuthentication")
        .secret_key("a test key that is exactly 32 by")
        .redis(RedisConfig::new(server.url()));
    let revocation = Revocation::from_config(&config).await.unwrap();
    let auth = Auth::builder::<User>()
        .config(config)
        .users(HashMap::from([(1, User { id: 1 })]))
        .resource(revocation)
        .build()
        .unwrap();
    let tokens = Jwt::from_auth(&auth)
        .unwrap()
        .login_id(&UserId::Int(1))
        .unwrap();

    server.kill();
    let mut failures = 0;
    for _ in 0..20 {
        let error = authenticate(&auth, &tokens.access_token).await.unwrap_err();
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        failures += 1;
    }
    server.restart();
    while authenticate(&auth, &tokens.access_token).await.is_err() {
        failures += 1;
        assert!(failures < 100, "no request succeeded after Redis restarted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let failed = log.lines_containing("revocation check failed");
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(failed[0].contains("ERROR"), "{}", failed[0]);
    assert!(failed[0].contains("unlogged_failures=0"), "{}", failed[0]);
    assert!(
        failed[0].contains(&format!("Redis command EXISTS at {}", server.url())),
        "{}",
        failed[0]
    );
    let recovered = log.lines_containing("revocation store recovered");
    assert_eq!(recovered.len(), 1, "{recovered:#?}");
    assert!(
        recovered[0].contains(&format!("unlogged_failures={}", failures - 1)),
        "{} after {failures} failures",
        recovered[0]
    );
    // Each rejected request still gets its own line, at debug level only.
    let rejected = log.lines_containing("request rejected");
    assert_eq!(rejected.len(), failures, "{rejected:#?}");
    assert!(rejected.iter().all(|line| line.contains("DEBUG")));
}

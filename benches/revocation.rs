//! Cost of the revocation check per request, in memory and in Redis on
//! loopback, alone and as part of a whole authentication.
//!
//! `cargo bench --bench revocation`. Starts its own redis-server on a free
//! loopback port, so Redis must be installed but not running.

#[path = "../tests/redis_server/mod.rs"]
mod redis_server;

use std::collections::HashMap;
use std::time::Duration;

use auth_core::{Auth, AuthConfig, UserId, UserModel, UserStoreError, async_trait};
use auth_jwt::{
    Jwt, MemoryRevocationStore, RedisRevocationStore, Revocation, RevocationKey, RevocationStore,
};
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, header, request::Parts};
use redis_server::RedisServer;

/// Revoked entries in each store while measuring, so that lookups do not
/// run against an empty table.
const REVOKED_ENTRIES: usize = 10_000;

#[derive(Clone)]
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

async fn fill(store: &dyn RevocationStore) {
    for index in 0..REVOKED_ENTRIES {
        let key = RevocationKey::token_id(&format!("revoked-{index}"));
        store
            .revoke(&key, Duration::from_secs(3600))
            .await
            .expect("fill the store");
    }
}

/// Returns the keys that one request checks: its token and its session.
fn request_keys() -> [RevocationKey; 2] {
    [
        RevocationKey::token_id("a-valid-token"),
        RevocationKey::family("a-valid-session"),
    ]
}

fn authenticated_request(auth: &Auth) -> Parts {
    let jwt = Jwt::from_auth(auth).expect("the JWT service");
    let tokens = jwt.login(&User { id: 1 }).expect("log in");
    Request::get("/me")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", tokens.access_token),
        )
        .body(())
        .expect("a request")
        .into_parts()
        .0
}

fn auth_with(revocation: Revocation) -> Auth {
    let config = AuthConfig::new()
        .authentication("auth_jwt::JwtAuthentication")
        .secret_key("a benchmark key of at least 32 bytes");
    Auth::builder::<User>()
        .config(config)
        .users(HashMap::from([(1, User { id: 1 })]))
        .resource(revocation)
        .build()
        .expect("build Auth")
}

fn revocation_check(criterion: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let server = RedisServer::start();
    let memory = MemoryRevocationStore::new();
    let redis = runtime
        .block_on(RedisRevocationStore::connect(server.url()))
        .expect("connect to redis-server");
    runtime.block_on(fill(&memory));
    runtime.block_on(fill(&redis));
    let keys = request_keys();
    for store in [&memory as &dyn RevocationStore, &redis] {
        let revoked = runtime.block_on(store.is_revoked(&keys));
        assert!(matches!(revoked, Ok(false)), "{revoked:?}");
    }

    let mut group = criterion.benchmark_group("revocation_check");
    group.bench_function("memory", |bencher| {
        bencher.to_async(&runtime).iter(|| memory.is_revoked(&keys));
    });
    group.bench_function("redis_loopback", |bencher| {
        bencher.to_async(&runtime).iter(|| redis.is_revoked(&keys));
    });
    group.finish();

    let in_memory = auth_with(Revocation::new(memory));
    let in_redis = auth_with(Revocation::new(redis));
    let memory_request = authenticated_request(&in_memory);
    let redis_request = authenticated_request(&in_redis);
    for (auth, request) in [(&in_memory, &memory_request), (&in_redis, &redis_request)] {
        let user = runtime.block_on(auth.authenticate::<User>(request));
        assert!(user.is_ok(), "the benchmark request must authenticate");
    }

    let mut group = criterion.benchmark_group("authenticate");
    group.bench_function("memory", |bencher| {
        bencher
            .to_async(&runtime)
            .iter(|| in_memory.authenticate::<User>(&memory_request));
    });
    group.bench_function("redis_loopback", |bencher| {
        bencher
            .to_async(&runtime)
            .iter(|| in_redis.authenticate::<User>(&redis_request));
    });
    group.finish();
}

criterion_group!(benches, revocation_check);
criterion_main!(benches);

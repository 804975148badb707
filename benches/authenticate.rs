//! The cost of authentication, against the floor of the work any verifier
//! must do and against a bare `jsonwebtoken` decode.
//!
//! Run with `cargo bench --bench authenticate`; `BENCHMARKS.md` records the
//! results and the machine.

use std::collections::HashMap;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{SystemTime, UNIX_EPOCH};

use auth_core::{Auth, AuthConfig, UserId, UserModel, UserStoreError, async_trait, protected};
use auth_jwt::Jwt;
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use http::Request;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tower::ServiceExt;

const KEY: &[u8] = b"benchmark key of at least thirty-two bytes";

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

    async fn find_by_id(store: &Self::Store, id: &UserId) -> Result<Option<Self>, UserStoreError> {
        let UserId::Int(id) = id else { return Ok(None) };
        Ok(store.get(id).cloned())
    }
}

/// The claims of the benchmark token, as a bare `jsonwebtoken` user would declare them.
#[derive(Serialize, Deserialize)]
struct BareClaims {
    token_type: String,
    user_id: i64,
    iat: u64,
    exp: u64,
    jti: String,
    fam: String,
}

/// The claims the floor deserializes: borrowed, once.
#[derive(Deserialize)]
struct FloorClaims<'a> {
    #[serde(borrow)]
    token_type: &'a str,
    user_id: i64,
    exp: u64,
}

#[derive(Deserialize)]
struct AlgorithmOnly<'a> {
    #[serde(borrow)]
    alg: &'a str,
}

/// Polls a future that never waits on I/O to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

fn setup() -> (Auth, Jwt, String) {
    let config = AuthConfig::new()
        .authentication("auth_jwt::JwtAuthentication")
        .ws_authentication("auth_jwt::QueryParamJwtAuthentication")
        .secret_key(KEY);
    let auth = Auth::builder::<User>()
        .config(config)
        .users(HashMap::from([(1, User { id: 1 })]))
        .build()
        .expect("benchmark configuration is valid");
    let jwt = Jwt::from_auth(&auth).expect("benchmark configuration is valid");
    let token = jwt
        .login(&User { id: 1 })
        .expect("signing works")
        .access_token;
    (auth, jwt, token)
}

/// One verification with nothing but what any verifier must do.
fn floor(key: &Hmac<Sha256>, token: &str) -> bool {
    let mut segments = token.split('.');
    let (Some(header), Some(payload), Some(signature)) =
        (segments.next(), segments.next(), segments.next())
    else {
        return false;
    };

    let mut header_bytes = [0_u8; 64];
    let mut payload_bytes = [0_u8; 512];
    let mut signature_bytes = [0_u8; 32];
    let (Ok(header_length), Ok(payload_length), Ok(signature_length)) = (
        URL_SAFE_NO_PAD.decode_slice(header, &mut header_bytes),
        URL_SAFE_NO_PAD.decode_slice(payload, &mut payload_bytes),
        URL_SAFE_NO_PAD.decode_slice(signature, &mut signature_bytes),
    ) else {
        return false;
    };

    let signing_input = &token.as_bytes()[..header.len() + 1 + payload.len()];
    let valid = key
        .clone()
        .chain_update(signing_input)
        .verify_slice(&signature_bytes[..signature_length])
        .is_ok();
    let algorithm = serde_json::from_slice::<AlgorithmOnly>(&header_bytes[..header_length]);
    let claims = serde_json::from_slice::<FloorClaims>(&payload_bytes[..payload_length]);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());

    valid
        && algorithm.is_ok_and(|header| header.alg == "HS256")
        && claims.is_ok_and(|claims| {
            claims.exp > now && claims.token_type == "access" && claims.user_id > 0
        })
}

#[protected]
async fn protected_handler(user: User) -> String {
    user.id.to_string()
}

async fn plain_handler() -> String {
    "1".to_owned()
}

fn verification(criterion: &mut Criterion) {
    let (auth, _, token) = setup();
    let key = Hmac::<Sha256>::new_from_slice(KEY).expect("HMAC takes any key length");
    let decoding = DecodingKey::from_secret(KEY).expect("HMAC takes any key length");
    let validation = Validation::new(Algorithm::HS256);
    let header = http::Request::get("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .expect("valid request")
        .into_parts()
        .0;
    let handshake = http::Request::get(format!("/ws?authorization=Bearer%20{token}"))
        .header("upgrade", "websocket")
        .header("connection", "upgrade")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .body(())
        .expect("valid request")
        .into_parts()
        .0;

    let mut group = criterion.benchmark_group("verify");
    group.bench_function("1 floor", |bench| {
        bench.iter(|| assert!(floor(&key, black_box(&token))));
    });
    group.bench_function("2 jsonwebtoken decode", |bench| {
        bench.iter(|| {
            jsonwebtoken::decode::<BareClaims>(black_box(&token), &decoding, &validation)
                .expect("valid token")
        });
    });
    group.bench_function("3 JwtAuthentication", |bench| {
        bench.iter(|| ready(auth.authenticate::<User>(black_box(&header))).expect("valid token"));
    });
    group.bench_function("6 QueryParamJwtAuthentication", |bench| {
        bench.iter(|| {
            ready(auth.authenticate_ws::<User>(black_box(&handshake))).expect("valid token")
        });
    });
    group.finish();
}

fn handlers(criterion: &mut Criterion) {
    let (auth, _, token) = setup();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime starts");
    let protected = Router::new()
        .route("/me", get(protected_handler))
        .layer(auth.layer());
    let plain = Router::new()
        .route("/me", get(plain_handler))
        .layer(auth.layer());
    let request = |authorization: &str| {
        Request::get("/me")
            .header("authorization", authorization)
            .body(Body::empty())
            .expect("valid request")
    };
    let authorization = format!("Bearer {token}");

    let mut group = criterion.benchmark_group("handler");
    group.bench_function("4 protected", |bench| {
        bench.iter(|| {
            let response = runtime
                .block_on(protected.clone().oneshot(request(&authorization)))
                .expect("infallible");
            assert_eq!(response.status(), 200);
        });
    });
    group.bench_function("4 unprotected", |bench| {
        bench.iter(|| {
            let response = runtime
                .block_on(plain.clone().oneshot(request(&authorization)))
                .expect("infallible");
            assert_eq!(response.status(), 200);
        });
    });
    group.finish();
}

fn issuance(criterion: &mut Criterion) {
    let (_, jwt, _) = setup();
    let encoding = EncodingKey::from_secret(KEY).expect("HMAC takes any key length");
    let header = Header::new(Algorithm::HS256);
    let claims = |token_type: &str| BareClaims {
        token_type: token_type.to_owned(),
        user_id: 1,
        iat: 1_800_000_000,
        exp: 1_800_086_400,
        jti: "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        fam: "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
    };

    let mut group = criterion.benchmark_group("issue");
    group.bench_function("5 login", |bench| {
        bench.iter(|| {
            jwt.login(black_box(&User { id: 1 }))
                .expect("signing works")
        });
    });
    group.bench_function("5 two jsonwebtoken encodes", |bench| {
        bench.iter(|| {
            let access = jsonwebtoken::encode(&header, &claims("access"), &encoding);
            let refresh = jsonwebtoken::encode(&header, &claims("refresh"), &encoding);
            (
                access.expect("signing works"),
                refresh.expect("signing works"),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, verification, handlers, issuance);
criterion_main!(benches);

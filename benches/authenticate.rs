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
use axum::extract::FromRequestParts;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::Criterion;
use hmac::{Hmac, KeyInit, Mac};
use http::Request;
use http::request::Parts;
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

/// Returns the protected handler's response for the same user, without authentication.
async fn plain_handler() -> String {
    let user = black_box(User { id: 1 });
    user.id.to_string()
}

/// An extractor that does nothing: the cost of axum's extractor machinery
/// alone, to tell it apart from the cost of authentication.
struct NoExtraction;

impl<S: Send + Sync> FromRequestParts<S> for NoExtraction {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self)
    }
}

/// Returns the protected handler's response behind an extractor that does nothing.
async fn extractor_handler(_: NoExtraction) -> String {
    let user = black_box(User { id: 1 });
    user.id.to_string()
}

/// Everything the cases share, built once before any is measured.
struct Fixture {
    auth: Auth,
    jwt: Jwt,
    token: String,
    authorization: String,
    floor_key: Hmac<Sha256>,
    decoding: DecodingKey,
    validation: Validation,
    encoding: EncodingKey,
    jwt_header: Header,
    request: Parts,
    handshake: Parts,
    runtime: tokio::runtime::Runtime,
    protected: Router,
    plain: Router,
    extractor: Router,
}

impl Fixture {
    fn new() -> Self {
        let (auth, jwt, token) = setup();
        let authorization = format!("Bearer {token}");
        let request = Request::get("/me")
            .header("authorization", &authorization)
            .body(())
            .expect("valid request")
            .into_parts()
            .0;
        let handshake = Request::get(format!("/ws?authorization=Bearer%20{token}"))
            .header("upgrade", "websocket")
            .header("connection", "upgrade")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .body(())
            .expect("valid request")
            .into_parts()
            .0;
        // `with_state` prepares the routes once, as `axum::serve` does;
        // without it, every call would rebuild the route and clone the layer.
        let protected = Router::new()
            .route("/me", get(protected_handler))
            .layer(auth.layer())
            .with_state(());
        let plain = Router::new()
            .route("/me", get(plain_handler))
            .layer(auth.layer())
            .with_state(());
        let extractor = Router::new()
            .route("/me", get(extractor_handler))
            .layer(auth.layer())
            .with_state(());

        Self {
            auth,
            jwt,
            token,
            authorization,
            floor_key: Hmac::new_from_slice(KEY).expect("HMAC takes any key length"),
            decoding: DecodingKey::from_secret(KEY).expect("HMAC takes any key length"),
            validation: Validation::new(Algorithm::HS256),
            encoding: EncodingKey::from_secret(KEY).expect("HMAC takes any key length"),
            jwt_header: Header::new(Algorithm::HS256),
            request,
            handshake,
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime starts"),
            protected,
            plain,
            extractor,
        }
    }

    fn handler_request(&self) -> Request<Body> {
        Request::get("/me")
            .header("authorization", &self.authorization)
            .body(Body::empty())
            .expect("valid request")
    }
}

fn bare_claims(token_type: &str) -> BareClaims {
    BareClaims {
        token_type: token_type.to_owned(),
        user_id: 1,
        iat: 1_800_000_000,
        exp: 1_800_086_400,
        jti: "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        fam: "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
    }
}

fn case_floor(fixture: &Fixture) {
    assert!(floor(&fixture.floor_key, black_box(&fixture.token)));
}

fn case_jsonwebtoken_decode(fixture: &Fixture) {
    let decoded = jsonwebtoken::decode::<BareClaims>(
        black_box(&fixture.token),
        &fixture.decoding,
        &fixture.validation,
    );
    black_box(decoded.expect("valid token"));
}

fn case_header(fixture: &Fixture) {
    let user = ready(
        fixture
            .auth
            .authenticate::<User>(black_box(&fixture.request)),
    );
    black_box(user.expect("valid token"));
}

/// Case 3 on a request built for each iteration, as the handler cases do,
/// so that its cost outside axum can be compared with theirs.
fn case_header_new_request(fixture: &Fixture) {
    let (parts, _) = fixture.handler_request().into_parts();
    let user = ready(fixture.auth.authenticate::<User>(black_box(&parts)));
    black_box(user.expect("valid token"));
}

/// Builds the request of `case_header_new_request`, and does nothing else.
fn case_new_request(fixture: &Fixture) {
    let (parts, _) = fixture.handler_request().into_parts();
    black_box(&parts);
}

fn case_query(fixture: &Fixture) {
    let user = ready(
        fixture
            .auth
            .authenticate_ws::<User>(black_box(&fixture.handshake)),
    );
    black_box(user.expect("valid token"));
}

fn case_protected(fixture: &Fixture) {
    let call = fixture.protected.clone().oneshot(fixture.handler_request());
    let response = fixture.runtime.block_on(call).expect("infallible");
    assert_eq!(response.status(), 200);
}

fn case_unprotected(fixture: &Fixture) {
    let call = fixture.plain.clone().oneshot(fixture.handler_request());
    let response = fixture.runtime.block_on(call).expect("infallible");
    assert_eq!(response.status(), 200);
}

fn case_extractor(fixture: &Fixture) {
    let call = fixture.extractor.clone().oneshot(fixture.handler_request());
    let response = fixture.runtime.block_on(call).expect("infallible");
    assert_eq!(response.status(), 200);
}

fn case_login(fixture: &Fixture) {
    black_box(
        fixture
            .jwt
            .login(black_box(&User { id: 1 }))
            .expect("signing works"),
    );
}

fn case_two_encodes(fixture: &Fixture) {
    let access = jsonwebtoken::encode(
        &fixture.jwt_header,
        &bare_claims("access"),
        &fixture.encoding,
    );
    let refresh = jsonwebtoken::encode(
        &fixture.jwt_header,
        &bare_claims("refresh"),
        &fixture.encoding,
    );
    black_box((
        access.expect("signing works"),
        refresh.expect("signing works"),
    ));
}

/// A measured case: its criterion group, its name and one iteration.
struct Case {
    group: &'static str,
    name: &'static str,
    run: fn(&Fixture),
}

const CASES: &[Case] = &[
    Case {
        group: "verify",
        name: "1 floor",
        run: case_floor,
    },
    Case {
        group: "verify",
        name: "2 jsonwebtoken decode",
        run: case_jsonwebtoken_decode,
    },
    Case {
        group: "verify",
        name: "3 JwtAuthentication",
        run: case_header,
    },
    Case {
        group: "verify",
        name: "6 QueryParamJwtAuthentication",
        run: case_query,
    },
    Case {
        group: "handler",
        name: "4 protected",
        run: case_protected,
    },
    Case {
        group: "handler",
        name: "4 unprotected",
        run: case_unprotected,
    },
    Case {
        group: "handler",
        name: "4 extractor doing nothing",
        run: case_extractor,
    },
    Case {
        group: "diagnostic",
        name: "3 on a new request each time",
        run: case_header_new_request,
    },
    Case {
        group: "diagnostic",
        name: "building a new request",
        run: case_new_request,
    },
    Case {
        group: "issue",
        name: "5 login",
        run: case_login,
    },
    Case {
        group: "issue",
        name: "5 two jsonwebtoken encodes",
        run: case_two_encodes,
    },
];

/// Runs one case `iterations` times. `scripts/instructions.sh` counts the
/// instructions executed inside this function only, by its name.
#[inline(never)]
fn measured_loop(case: &Case, fixture: &Fixture, iterations: u64) {
    for _ in 0..iterations {
        (case.run)(fixture);
    }
}

/// With `AUTH_BENCH_CASE=<group>/<name>` and `AUTH_BENCH_ITERATIONS=<n>`
/// set, runs that case n times without criterion, for an instruction
/// profiler; otherwise runs every case under criterion.
fn main() {
    let fixture = Fixture::new();

    if let Ok(selected) = std::env::var("AUTH_BENCH_CASE") {
        let iterations = std::env::var("AUTH_BENCH_ITERATIONS")
            .ok()
            .and_then(|count| count.parse().ok())
            .unwrap_or(1000);
        let case = CASES
            .iter()
            .find(|case| format!("{}/{}", case.group, case.name) == selected)
            .unwrap_or_else(|| panic!("AUTH_BENCH_CASE names no case: {selected}"));
        measured_loop(case, &fixture, iterations);
        return;
    }

    let mut criterion = Criterion::default().configure_from_args();
    let mut remaining = CASES;
    while let Some(first) = remaining.first() {
        let count = remaining
            .iter()
            .take_while(|case| case.group == first.group)
            .count();
        let mut group = criterion.benchmark_group(first.group);
        for case in &remaining[..count] {
            group.bench_function(case.name, |bench| bench.iter(|| (case.run)(&fixture)));
        }
        group.finish();
        remaining = &remaining[count..];
    }
    criterion.final_summary();
}

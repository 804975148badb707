//! `#[protected]` handlers in a real axum router: the configured
//! authenticator, optional users, per-handler overrides by type and by
//! name, and WebSocket handshakes.
//!
//! Every handler of this binary is registered, and each `Auth` built here
//! must satisfy all of them: `AUTHENTICATION` and `WS_AUTHENTICATION` name
//! authenticators that produce `User`, and the `ApiUser` handlers select
//! `ApiKeyAuthentication` themselves.

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth_core::{
    AnyUser, Auth, AuthConfig, AuthError, Authentication, ConfigError, FromConfig, Registered,
    Setup, UserId, UserModel, UserStoreError, Users, async_trait, authentication, protected,
};
use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use http::request::Parts;
use http::{HeaderValue, Request, StatusCode, header};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tower::ServiceExt;

#[path = "server/log_capture.rs"]
mod log_capture;

use log_capture::Captured;

/// The application's user model.
#[derive(Clone, Debug)]
pub struct User {
    id: i64,
    name: String,
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

/// A client of the API, which only `ApiKeyAuthentication` produces.
#[derive(Clone, Debug)]
pub struct ApiUser {
    key_length: usize,
}

#[async_trait]
impl UserModel for ApiUser {
    type Store = ();

    fn id(&self) -> UserId {
        UserId::Str("api".to_owned())
    }

    async fn find_by_id(_: &(), _: &UserId) -> Result<Option<Self>, UserStoreError> {
        Ok(None)
    }
}

/// Reads the user id from `X-User-Id`; selected by `AUTHENTICATION`.
#[authentication]
#[derive(Default)]
pub struct HeaderAuthentication;

#[async_trait]
impl Authentication for HeaderAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, request: &Parts, users: &Users) -> Result<AnyUser, AuthError> {
        let Some(value) = request.headers.get("x-user-id") else {
            return Err(AuthError::missing("X-User-Id header is missing"));
        };
        let id = value.to_str().ok().and_then(|value| value.parse().ok());
        let Some(id) = id else {
            return Err(AuthError::invalid_token(
                "X-User-Id header is not an integer",
            ));
        };
        users
            .find_by_id(&UserId::Int(id))
            .await?
            .ok_or_else(|| AuthError::invalid_token("User not found"))
    }
}

/// Reads the user id from the `user` query parameter, because browsers
/// cannot set headers on a WebSocket handshake; selected by `WS_AUTHENTICATION`.
#[authentication]
#[derive(Default)]
pub struct QueryAuthentication;

#[async_trait]
impl Authentication for QueryAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, request: &Parts, users: &Users) -> Result<AnyUser, AuthError> {
        let query = request.uri.query().unwrap_or_default();
        let Some(value) = query.split('&').find_map(|pair| pair.strip_prefix("user=")) else {
            return Err(AuthError::missing("user query parameter is missing"));
        };
        let Ok(id) = value.parse() else {
            return Err(AuthError::invalid_token(
                "user query parameter is not an integer",
            ));
        };
        users
            .find_by_id(&UserId::Int(id))
            .await?
            .ok_or_else(|| AuthError::invalid_token("User not found"))
    }
}

/// Compares `X-Api-Key` with `SECRET_KEY`; selected by handlers only.
#[authentication(from_config)]
pub struct ApiKeyAuthentication {
    key: Vec<u8>,
}

impl FromConfig for ApiKeyAuthentication {
    fn from_config(setup: &mut Setup<'_>) -> Result<Self, ConfigError> {
        let key = setup.config().secret().ok_or(ConfigError::Missing {
            setting: "SECRET_KEY",
            hint: "set the API key",
        })?;
        Ok(Self {
            key: key.expose().to_vec(),
        })
    }
}

#[async_trait]
impl Authentication for ApiKeyAuthentication {
    type User = ApiUser;

    async fn authenticate(&self, request: &Parts, _: &Users) -> Result<ApiUser, AuthError> {
        let Some(value) = request.headers.get("x-api-key") else {
            return Err(AuthError::missing("X-Api-Key header is missing"));
        };
        if value.as_bytes() != self.key.as_slice() {
            return Err(AuthError::invalid_token("X-Api-Key header is invalid"));
        }
        Ok(ApiUser {
            key_length: self.key.len(),
        })
    }
}

/// Counts the bodies that ran, so that a test can show a rejected body never runs.
#[derive(Clone, Default)]
struct Calls(Arc<AtomicUsize>);

#[protected]
async fn profile(State(calls): State<Calls>, user: User) -> String {
    calls.0.fetch_add(1, Ordering::SeqCst);
    format!("user {} {}", user.id, user.name)
}

#[protected]
async fn greeting(user: Option<User>) -> String {
    match user {
        Some(user) => format!("hello, {}", user.name),
        None => "hello, guest".to_owned(),
    }
}

#[protected]
async fn rename(
    Path(id): Path<i64>,
    user: User,
    State(calls): State<Calls>,
    Json(body): Json<Value>,
) -> Json<Value> {
    calls.0.fetch_add(1, Ordering::SeqCst);
    Json(json!({ "item": id, "by": user.name, "name": body["name"] }))
}

#[protected(auth = ApiKeyAuthentication)]
async fn api_status(user: ApiUser) -> String {
    format!("api client with a key of {} bytes", user.key_length)
}

#[protected(auth = "protected::ApiKeyAuthentication")]
async fn api_optional(user: Option<ApiUser>) -> String {
    match user {
        Some(_) => "api client".to_owned(),
        None => "anonymous".to_owned(),
    }
}

#[protected(ws)]
async fn chat(user: User, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| greet(socket, user))
}

async fn greet(mut socket: WebSocket, user: User) {
    let greeting = format!("hello, {}", user.name);
    let _ = socket.send(Message::Text(greeting.into())).await;
}

const API_KEY: &str = "an api key of at least thirty-two bytes";

/// Reads the configuration as an application would from its environment,
/// with the custom authenticators selected by their registered names.
fn config() -> AuthConfig {
    let env = HashMap::from([
        ("AUTHENTICATION", "protected::HeaderAuthentication"),
        ("WS_AUTHENTICATION", "protected::QueryAuthentication"),
        ("SECRET_KEY", API_KEY),
    ]);
    AuthConfig::from_lookup(|name| env.get(name).map(OsString::from)).unwrap()
}

fn auth() -> Auth {
    let users = HashMap::from([
        (
            1,
            User {
                id: 1,
                name: "alice".to_owned(),
            },
        ),
        (
            2,
            User {
                id: 2,
                name: "bob".to_owned(),
            },
        ),
    ]);
    Auth::builder::<User>()
        .config(config())
        .users(users)
        .build()
        .unwrap()
}

fn app(calls: Calls) -> Router {
    Router::new()
        .route("/profile", get(profile))
        .route("/greeting", get(greeting))
        .route("/items/{id}", post(rename))
        .route("/api/status", get(api_status))
        .route("/api/optional", get(api_optional))
        .route("/chat", get(chat))
        .with_state(calls)
        .layer(auth().layer())
}

async fn send(router: Router, request: Request<Body>) -> (StatusCode, Option<HeaderValue>, String) {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, challenge, String::from_utf8(body.to_vec()).unwrap())
}

fn get_request(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

#[test]
fn authenticators_register_by_path() {
    assert_eq!(
        HeaderAuthentication::NAME,
        "protected::HeaderAuthentication"
    );
    assert_eq!(
        ApiKeyAuthentication::NAME,
        "protected::ApiKeyAuthentication"
    );

    let auth = auth();

    assert_eq!(
        auth.authentication_name(),
        Some("protected::HeaderAuthentication")
    );
    assert_eq!(
        auth.ws_authentication_name(),
        Some("protected::QueryAuthentication")
    );
}

#[tokio::test]
async fn configured_authenticator_fills_user() {
    let calls = Calls::default();

    let (status, _, body) = send(
        app(calls.clone()),
        get_request("/profile", &[("x-user-id", "1")]),
    )
    .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "user 1 alice");
    assert_eq!(calls.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn missing_credentials_get_401() {
    let calls = Calls::default();

    let (status, challenge, body) = send(app(calls.clone()), get_request("/profile", &[])).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.unwrap(), "Bearer");
    assert_eq!(body, r#"{"detail":"X-User-Id header is missing"}"#);
    assert_eq!(calls.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn invalid_credentials_get_401() {
    let calls = Calls::default();

    let (status, challenge, body) = send(
        app(calls.clone()),
        get_request("/profile", &[("x-user-id", "9")]),
    )
    .await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge.unwrap(),
        r#"Bearer error="invalid_token", error_description="User not found""#
    );
    assert_eq!(body, r#"{"detail":"User not found"}"#);
    assert_eq!(calls.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn other_extractors_keep_order() {
    let calls = Calls::default();
    let request = Request::post("/items/7")
        .header("x-user-id", "2")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name":"lamp"}"#))
        .unwrap();

    let (status, _, body) = send(app(calls.clone()), request).await;

    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body, json!({ "item": 7, "by": "bob", "name": "lamp" }));
    assert_eq!(calls.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn rejection_precedes_body_extractor() {
    let calls = Calls::default();
    let request = Request::post("/items/7")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("not json"))
        .unwrap();

    let (status, _, body) = send(app(calls.clone()), request).await;

    // The user parameter comes before `Json`, so the request fails on the
    // missing credentials, not on the invalid body.
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, r#"{"detail":"X-User-Id header is missing"}"#);
    assert_eq!(calls.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn optional_user_is_none_without_credentials() {
    let (status, _, body) = send(app(Calls::default()), get_request("/greeting", &[])).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "hello, guest");
}

#[tokio::test]
async fn optional_user_is_some_with_credentials() {
    let request = get_request("/greeting", &[("x-user-id", "1")]);

    let (status, _, body) = send(app(Calls::default()), request).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "hello, alice");
}

#[tokio::test]
async fn optional_user_rejects_bad_credentials() {
    let request = get_request("/greeting", &[("x-user-id", "alice")]);

    let (status, challenge, body) = send(app(Calls::default()), request).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        challenge
            .unwrap()
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    assert_eq!(body, r#"{"detail":"X-User-Id header is not an integer"}"#);
}

#[tokio::test]
async fn override_by_type_replaces_configured() {
    let with_key = get_request("/api/status", &[("x-api-key", API_KEY)]);
    let with_user_id = get_request("/api/status", &[("x-user-id", "1")]);

    let (key_status, _, key_body) = send(app(Calls::default()), with_key).await;
    let (user_status, _, user_body) = send(app(Calls::default()), with_user_id).await;

    assert_eq!(key_status, StatusCode::OK);
    assert_eq!(
        key_body,
        format!("api client with a key of {} bytes", API_KEY.len())
    );
    assert_eq!(user_status, StatusCode::UNAUTHORIZED);
    assert_eq!(user_body, r#"{"detail":"X-Api-Key header is missing"}"#);
}

#[tokio::test]
async fn override_by_name_replaces_configured() {
    let cases = [
        (vec![("x-api-key", API_KEY)], StatusCode::OK, "api client"),
        (vec![("x-user-id", "1")], StatusCode::OK, "anonymous"),
        (
            vec![("x-api-key", "wrong")],
            StatusCode::UNAUTHORIZED,
            r#"{"detail":"X-Api-Key header is invalid"}"#,
        ),
    ];

    for (headers, expected_status, expected_body) in cases {
        let request = get_request("/api/optional", &headers);

        let (status, _, body) = send(app(Calls::default()), request).await;

        assert_eq!(status, expected_status, "headers {headers:?}");
        assert_eq!(body, expected_body, "headers {headers:?}");
    }
}

#[tokio::test]
async fn router_without_auth_layer_fails_closed() {
    let router = Router::new().route("/greeting", get(greeting));

    let (status, challenge, body) = send(router, get_request("/greeting", &[])).await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(challenge.is_none());
    assert_eq!(body, r#"{"detail":"Internal server error"}"#);
}

#[tokio::test]
async fn missing_layer_logged_for_protected() {
    let captured = Captured::default();
    let _log = captured.install();
    let router = Router::new().route("/greeting", get(greeting));

    let (status, _, _) = send(router, get_request("/greeting?user=1", &[])).await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let log = captured.text();
    assert!(
        log.contains(
            r#"ERROR auth: request rejected method="GET" path="/greeting" status=500 reason="no Auth in the request extensions: add `.layer(auth.layer())` to the router""#
        ),
        "{log}"
    );
}

/// Returns the configured authenticator's name from an `Auth` extractor,
/// which a login route that calls `Jwt::from_auth` takes.
async fn login_route(auth: Auth) -> String {
    format!("{:?}", auth.authentication_name())
}

#[tokio::test]
async fn missing_layer_logged_for_auth_extractor() {
    let captured = Captured::default();
    let _log = captured.install();
    let router = Router::new().route("/login", post(login_route));
    let request = Request::post("/login").body(Body::empty()).unwrap();

    let (status, challenge, body) = send(router, request).await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(challenge.is_none());
    assert_eq!(body, r#"{"detail":"Internal server error"}"#);
    let log = captured.text();
    assert!(
        log.contains(
            r#"ERROR auth: request rejected method="POST" path="/login" status=500 reason="no Auth in the request extensions: add `.layer(auth.layer())` to the router""#
        ),
        "{log}"
    );
}

#[tokio::test]
async fn router_without_state_works() {
    let router = Router::new()
        .route("/greeting", get(greeting))
        .layer(auth().layer());

    let (status, _, body) = send(router, get_request("/greeting", &[("x-user-id", "2")])).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "hello, bob");
}

/// Serves the app on a loopback port, because an upgrade needs a real connection.
async fn serve() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(Calls::default())).await });
    address
}

#[tokio::test]
async fn websocket_handshake_with_credentials_upgrades() {
    let address = serve().await;

    let (mut socket, response) =
        tokio_tungstenite::connect_async(format!("ws://{address}/chat?user=1"))
            .await
            .unwrap();
    let message = socket.next().await.unwrap().unwrap();

    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(message, tungstenite::Message::text("hello, alice"));
}

#[tokio::test]
async fn websocket_without_credentials_never_upgrades() {
    let address = serve().await;

    // The header that AUTHENTICATION reads does not help: a `ws` handler
    // runs WS_AUTHENTICATION, which reads the query.
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(format!("ws://{address}/chat"))
            .unwrap();
    request
        .headers_mut()
        .insert("x-user-id", HeaderValue::from_static("1"));
    let error = tokio_tungstenite::connect_async(request).await.unwrap_err();

    let tungstenite::Error::Http(response) = error else {
        panic!("expected an HTTP error response, got {error:?}");
    };
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert!(response.headers().get(header::UPGRADE).is_none());
    assert_eq!(
        response.body().as_deref(),
        Some(&br#"{"detail":"user query parameter is missing"}"#[..])
    );
}

#[tokio::test]
async fn websocket_bad_credentials_get_401() {
    let address = serve().await;

    let error = tokio_tungstenite::connect_async(format!("ws://{address}/chat?user=9"))
        .await
        .unwrap_err();

    let tungstenite::Error::Http(response) = error else {
        panic!("expected an HTTP error response, got {error:?}");
    };
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get(header::UPGRADE).is_none());
}

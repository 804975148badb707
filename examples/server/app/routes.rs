//! The route handlers.

use std::time::Duration;

use auth_core::{Auth, AuthError, protected};
use auth_jwt::{TokenPair, token_from_header};
use axum::Json;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::api_key::{self, ApiKeyAuthentication};
use super::error::{ApiError, BodyShape, JsonBody};
use super::user::{self, Profile, User};
use super::{AppState, MAX_BODY_BYTES};

/// Longest accepted username, as in Django, whose user model Panther follows.
const MAX_USERNAME_CHARS: usize = 150;

/// Shortest accepted password (NIST SP 800-63B section 3.1.1.2).
const MIN_PASSWORD_CHARS: usize = 8;

/// Longest accepted password, which bounds the hashing work of one request.
const MAX_PASSWORD_CHARS: usize = 1024;

/// Body of `/register` and `/login`.
#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

impl BodyShape for Credentials {
    const SHAPE: &'static str = r#"{"username": string, "password": string}"#;
}

/// Body of `/refresh`.
#[derive(Deserialize)]
pub struct RefreshRequest {
    refresh_token: String,
}

impl BodyShape for RefreshRequest {
    const SHAPE: &'static str = r#"{"refresh_token": string}"#;
}

/// Response of `/register`.
#[derive(Serialize)]
pub struct RegisteredUser {
    id: i64,
    username: String,
}

/// Response of `/whoami`, and the first message on `/ws`.
#[derive(Serialize)]
pub struct CurrentUser {
    user: Option<Profile>,
}

/// Response of `/api-keys`.
#[derive(Serialize)]
pub struct NewApiKey {
    api_key: String,
}

/// Headers that keep caches from storing a response that carries a
/// credential, as RFC 6749 section 5.1 requires of token responses.
const NO_STORE: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::PRAGMA, "no-cache"),
];

/// Response of `/login` and `/refresh`: the token pair as JSON, marked so
/// that no cache stores it.
pub struct TokenResponse(TokenPair);

impl IntoResponse for TokenResponse {
    fn into_response(self) -> Response {
        (NO_STORE, Json(self.0)).into_response()
    }
}

/// `POST /register`: creates a user.
pub async fn register(
    State(state): State<AppState>,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Result<(StatusCode, Json<RegisteredUser>), ApiError> {
    check_username(&credentials.username)?;
    check_password(&credentials.password)?;

    let hash = state.passwords.hash(credentials.password).await?;
    let user = match user::insert(&state.pool, &credentials.username, &hash).await {
        Ok(user) => user,
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            return Err(ApiError::UsernameTaken);
        }
        Err(error) => return Err(error.into()),
    };

    tracing::info!(user_id = user.id, "user registered");
    let body = RegisteredUser {
        id: user.id,
        username: user.username,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// `POST /login`: checks the password and issues a token pair.
pub async fn login(
    State(state): State<AppState>,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Result<TokenResponse, ApiError> {
    let user = user::find_by_username(&state.pool, &credentials.username).await?;
    let hash = user.as_ref().map(|user| user.password_hash.clone());
    let matched = state.passwords.verify(credentials.password, hash).await?;
    let Some(user) = user.filter(|_| matched) else {
        return Err(ApiError::WrongCredentials);
    };

    // A user deleted while its password was checked gets the response of an
    // unknown username, not tokens that fail with "User not found".
    if !user::record_login(&state.pool, user.id).await? {
        return Err(ApiError::WrongCredentials);
    }
    let tokens = state.jwt.login(&user)?;
    tracing::info!(user_id = user.id, "user logged in");
    Ok(TokenResponse(tokens))
}

/// `POST /refresh`: exchanges a refresh token for a new pair and revokes it.
pub async fn refresh(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<RefreshRequest>,
) -> Result<TokenResponse, ApiError> {
    let tokens = state.jwt.refresh(&request.refresh_token).await?;
    Ok(TokenResponse(tokens))
}

/// `POST /logout`: revokes the bearer access token and the rest of its
/// login session.
///
/// Like `/login` and `/refresh`, it works on JWTs whatever `AUTHENTICATION`
/// selects, because it ends a token's life rather than reading a user.
pub async fn logout(
    auth: Auth,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = token_from_header(&headers)?;
    // The same checks as a protected route: signature, type, revocation, user.
    let user = state.jwt.authenticate_token(token, auth.users()).await?;
    let user: User = user
        .downcast()
        .map_err(|_| ApiError::internal("the user store returned another user type"))?;

    state.jwt.logout(token).await?;
    tracing::info!(user_id = user.id, "user logged out");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /me`: the authenticated user.
#[protected]
pub async fn me(user: User) -> Json<Profile> {
    Json(Profile::from(&user))
}

/// `DELETE /me`: deletes the authenticated user.
#[protected]
pub async fn delete_me(user: User, State(state): State<AppState>) -> Result<StatusCode, ApiError> {
    if !user::delete(&state.pool, user.id).await? {
        // Another request deleted it between authentication and now.
        return Err(AuthError::invalid_token("User not found").into());
    }
    tracing::info!(user_id = user.id, "user deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /whoami`: the user when credentials were sent, else `null`.
#[protected]
pub async fn whoami(user: Option<User>) -> Json<CurrentUser> {
    Json(CurrentUser {
        user: user.as_ref().map(Profile::from),
    })
}

/// `POST /api-keys`: creates an API key for the authenticated user. The
/// response is the only copy of the key, and no cache may keep it.
#[protected]
pub async fn create_api_key(
    State(state): State<AppState>,
    user: User,
) -> Result<Response, ApiError> {
    let api_key = api_key::create(&state.pool, user.id).await?;
    tracing::info!(user_id = user.id, "API key created");
    Ok((StatusCode::CREATED, NO_STORE, Json(NewApiKey { api_key })).into_response())
}

/// `GET /api-key/me`: the user of the `X-API-Key` header, whatever
/// `AUTHENTICATION` selects.
#[protected(auth = ApiKeyAuthentication)]
pub async fn api_key_me(user: User) -> Json<Profile> {
    Json(Profile::from(&user))
}

/// `GET /ws?authorization=Bearer%20<token>`: sends `{"user": ...}`, then
/// echoes every text message.
#[protected(ws)]
pub async fn ws(
    State(state): State<AppState>,
    user: User,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match upgrade {
        // The library's default of 64 MiB per message would let any user
        // who registers hold that much memory per open socket.
        Ok(upgrade) => upgrade
            .max_message_size(MAX_BODY_BYTES)
            .max_frame_size(MAX_BODY_BYTES)
            .on_upgrade(move |socket| echo(socket, user, state.stopping, state.read_timeout)),
        Err(rejection) => handshake_rejection(&rejection),
    }
}

/// Builds the response to an authenticated request for `/ws` that is not a
/// usable WebSocket handshake, with the reason and the header its status
/// requires. RFC 9110 requires `Allow` on 405 and `Upgrade` on 426, and RFC
/// 6455 section 4.4 requires `Sec-WebSocket-Version` on a version mismatch.
fn handshake_rejection(rejection: &WebSocketUpgradeRejection) -> Response {
    let (detail, required_header) = match rejection {
        WebSocketUpgradeRejection::MethodNotGet(_)
        | WebSocketUpgradeRejection::MethodNotConnect(_) => (
            "A WebSocket handshake must use the GET method",
            Some((header::ALLOW, "GET")),
        ),
        WebSocketUpgradeRejection::InvalidWebSocketVersionHeader(_) => (
            "WebSocket version is not supported; send Sec-WebSocket-Version: 13",
            Some((header::SEC_WEBSOCKET_VERSION, "13")),
        ),
        WebSocketUpgradeRejection::WebSocketKeyHeaderMissing(_) => (
            "Sec-WebSocket-Key header is missing; send it with the WebSocket handshake",
            None,
        ),
        WebSocketUpgradeRejection::ConnectionNotUpgradable(_) => (
            "This connection cannot be upgraded to a WebSocket; connect over HTTP/1.1",
            Some((header::UPGRADE, "websocket")),
        ),
        _ => ("This route only accepts WebSocket upgrade requests", None),
    };

    let mut response = ApiError::Body {
        status: rejection.status(),
        detail: detail.into(),
    }
    .into_response();
    if let Some((name, value)) = required_header {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn echo(
    mut socket: WebSocket,
    user: User,
    mut stopping: watch::Receiver<bool>,
    close_timeout: Duration,
) {
    tracing::info!(user_id = user.id, "WebSocket opened");

    // The stop interrupts every wait of the exchange, sends included, so a
    // client that stops reading cannot hold the server's stop.
    tokio::select! {
        () = exchange(&mut socket, &user) => {
            tracing::info!(user_id = user.id, "WebSocket closed");
        }
        () = stopped(&mut stopping) => {
            let close = CloseFrame {
                code: close_code::AWAY,
                reason: "Server is stopping".into(),
            };
            let sent = tokio::time::timeout(close_timeout, socket.send(Message::Close(Some(close))));
            if sent.await.is_err() {
                tracing::info!(
                    user_id = user.id,
                    "WebSocket dropped without a close frame because the client did not read it in time"
                );
                return;
            }
            tracing::info!(user_id = user.id, "WebSocket closed because the server is stopping");
        }
    }
}

/// Sends the user, then echoes every text message until the client closes
/// the socket or a receive or send fails.
async fn exchange(socket: &mut WebSocket, user: &User) {
    let greeting = CurrentUser {
        user: Some(Profile::from(user)),
    };
    let greeting = match serde_json::to_string(&greeting) {
        Ok(text) => text,
        Err(error) => {
            tracing::error!(user_id = user.id, %error, "serializing the WebSocket greeting failed");
            return;
        }
    };
    if socket.send(Message::Text(greeting.into())).await.is_err() {
        return;
    }

    // The WebSocket library replies to pings. Binary messages are ignored.
    while let Some(received) = socket.recv().await {
        let text = match received {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(_)) => break,
            Ok(_) => continue,
            Err(error) => {
                // A message over MAX_BODY_BYTES ends the connection here.
                // NOTE: without the close code 1009 that RFC 6455 has for it,
                // because axum's error does not expose the size error's kind.
                tracing::info!(user_id = user.id, %error, "WebSocket receive failed");
                break;
            }
        };
        if socket.send(Message::Text(text)).await.is_err() {
            break;
        }
    }
}

/// Completes when the server starts stopping, or has gone.
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // An error means the sender is gone, which is a stop too. The guard that
    // `wait_for` returns is not `Send`, so it must not outlive this call.
    let _ = stopping.wait_for(|stopping| *stopping).await;
}

/// Fallback for paths that no route serves.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Fallback for a known path with a method it does not serve.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

fn check_username(username: &str) -> Result<(), ApiError> {
    let length = username.chars().count();
    let allowed = username
        .chars()
        .all(|character| character.is_alphanumeric() || "@.+-_".contains(character));
    if length == 0 || length > MAX_USERNAME_CHARS || !allowed {
        return Err(ApiError::bad_request(format!(
            "username must be 1 to {MAX_USERNAME_CHARS} characters: letters, digits and @ . + - _"
        )));
    }
    Ok(())
}

fn check_password(password: &str) -> Result<(), ApiError> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        return Err(ApiError::bad_request(format!(
            "password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

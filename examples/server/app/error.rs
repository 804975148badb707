//! Errors of the server's own routes, the JSON body extractor and the log
//! line for every request a route rejects.

use std::borrow::Cow;

use auth_core::AuthError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Json, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::de::DeserializeOwned;

use super::AppState;

/// Reason a route rejected a request; the response is `{"detail": "..."}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body could not be used: 400, 408, 413 or 415 with the reason.
    #[error("{detail}")]
    Body {
        status: StatusCode,
        detail: Cow<'static, str>,
    },

    /// Registration named a username that another user has: 409.
    #[error("Username is already taken")]
    UsernameTaken,

    /// Login named an unknown user or the wrong password: 401, with one
    /// message for both so that it does not reveal which usernames exist.
    #[error("Incorrect username or password")]
    WrongCredentials,

    /// A token or API key was rejected: the status and challenge of [`AuthError`].
    #[error(transparent)]
    Auth(#[from] AuthError),

    /// No route has this path: 404.
    #[error("Not found")]
    NotFound,

    /// The route exists, but not for this method: 405.
    #[error("Method not allowed")]
    MethodNotAllowed,

    /// A database query failed: 500; the client sees only "Internal server error".
    #[error("database query failed: {0}")]
    Database(#[from] sqlx::Error),

    /// Any other server-side failure: 500, with the reason kept for the log.
    #[error("{0}")]
    Internal(Cow<'static, str>),
}

/// The `detail` text of every 500 response: the reason is logged instead.
const INTERNAL_DETAIL: &str = "Internal server error";

impl ApiError {
    /// Builds a 400 error about the request body.
    pub fn bad_request(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::Body {
            status: StatusCode::BAD_REQUEST,
            detail: detail.into(),
        }
    }

    /// Builds a 500 error whose reason is logged and not sent.
    pub fn internal(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Internal(reason.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Body { status, .. } => *status,
            Self::UsernameTaken => StatusCode::CONFLICT,
            Self::WrongCredentials => StatusCode::UNAUTHORIZED,
            Self::Auth(error) => error.status(),
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Auth(error) => error.detail().to_owned(),
            Self::Database(_) | Self::Internal(_) => INTERNAL_DETAIL.to_owned(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({ "detail": self.detail() }).to_string();
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();

        // RFC 9110 requires a challenge on every 401.
        let challenge = match &self {
            Self::Auth(error) => error.www_authenticate(),
            Self::WrongCredentials => Some(HeaderValue::from_static("Bearer")),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }

        response
            .extensions_mut()
            .insert(Rejection(self.to_string()));
        response
    }
}

/// Reason of a rejected request, carried on the response from [`ApiError`]
/// to [`log_rejections`], because an `ApiError` has no access to the request.
#[derive(Clone)]
struct Rejection(String);

/// Logs one line per request that a route of this server rejected, with the
/// method, the path and the reason.
///
/// Requests that `#[protected]` rejects never reach a route: `auth-core`
/// logs those itself, under the `auth` target. The query is left out of the
/// line, because `/ws` carries a token there.
pub async fn log_rejections(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();

    let mut response = next.run(request).await;
    let Some(Rejection(reason)) = response.extensions_mut().remove::<Rejection>() else {
        return response;
    };

    let status = response.status().as_u16();
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        // A service that authentication needs is down, and the component
        // that failed logged the cause, the revocation store at most once
        // per interval. An error line per request would flood the log.
        tracing::debug!(
            method = method.as_str(),
            path,
            status,
            reason,
            "request failed"
        );
    } else if response.status().is_server_error() {
        tracing::error!(
            method = method.as_str(),
            path,
            status,
            reason,
            "request failed"
        );
    } else {
        tracing::info!(
            method = method.as_str(),
            path,
            status,
            reason,
            "request rejected"
        );
    }
    response
}

/// Request bodies, each with the shape that error messages describe.
pub trait BodyShape {
    /// The expected JSON, such as `{"username": string, "password": string}`.
    const SHAPE: &'static str;
}

/// A JSON body that rejects with `{"detail": ...}` instead of axum's plain text.
///
/// The details never quote the body: serde's messages can contain the
/// values that were sent, and a password must not reach the log. A body that
/// does not arrive within the server's read timeout gets 408.
pub struct JsonBody<T>(pub T);

impl<T> FromRequest<AppState> for JsonBody<T>
where
    T: DeserializeOwned + BodyShape,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let read = Json::<T>::from_request(request, state);
        let Ok(parsed) = tokio::time::timeout(state.read_timeout, read).await else {
            return Err(ApiError::Body {
                status: StatusCode::REQUEST_TIMEOUT,
                detail: format!(
                    "Request body was not received within {}; send the whole body at once",
                    humantime::format_duration(state.read_timeout)
                )
                .into(),
            });
        };
        match parsed {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(describe_rejection(&rejection, T::SHAPE)),
        }
    }
}

fn describe_rejection(rejection: &JsonRejection, shape: &'static str) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::Body {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            detail: "Content-Type must be application/json".into(),
        },
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request(format!("Request body is not valid JSON; expected {shape}"))
        }
        JsonRejection::JsonDataError(_) => {
            ApiError::bad_request(format!("Request body must be {shape}"))
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::Body {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            detail: "Request body is too large".into(),
        },
        _ => ApiError::bad_request("Request body could not be read"),
    }
}

//! Errors: [`AuthError`] for a rejected request, [`ConfigError`] for a bad configuration.

use std::borrow::Cow;
use std::fmt::Write as _;

use http::{HeaderValue, StatusCode, header};

/// Reason a request was not authenticated.
///
/// Each variant fixes the HTTP status and the `WWW-Authenticate` challenge
/// (RFC 6750 section 3); the message is the reason shown to the client as
/// `{"detail": "<reason>"}`. A reason must never contain the credential
/// itself: it describes what was wrong, not what was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carried no credentials: 401 with a bare `Bearer` challenge.
    ///
    /// A handler whose user is optional receives `None` instead.
    #[error("{0}")]
    MissingCredentials(Cow<'static, str>),

    /// A credential was present but rejected: 401 with `error="invalid_token"`.
    #[error("{0}")]
    InvalidToken(Cow<'static, str>),

    /// The request itself is malformed, such as two credentials at once:
    /// 400 with `error="invalid_request"`.
    #[error("{0}")]
    InvalidRequest(Cow<'static, str>),

    /// A service that authentication depends on (user store, revocation
    /// store) failed: 503, so a possibly revoked credential is never accepted.
    #[error("{0}")]
    Unavailable(Cow<'static, str>),

    /// A bug or a setup mistake on the server side: 500. The reason is logged;
    /// the client only sees "Internal server error".
    #[error("{0}")]
    Internal(Cow<'static, str>),
}

/// The `detail` text sent for [`AuthError::Internal`], whatever its reason.
const INTERNAL_DETAIL: &str = "Internal server error";

impl AuthError {
    /// Builds a [`AuthError::MissingCredentials`] error.
    pub fn missing(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::MissingCredentials(reason.into())
    }

    /// Builds an [`AuthError::InvalidToken`] error.
    pub fn invalid_token(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidToken(reason.into())
    }

    /// Builds an [`AuthError::InvalidRequest`] error.
    pub fn invalid_request(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidRequest(reason.into())
    }

    /// Builds an [`AuthError::Unavailable`] error.
    pub fn unavailable(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Unavailable(reason.into())
    }

    /// Builds an [`AuthError::Internal`] error.
    pub fn internal(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Internal(reason.into())
    }

    /// Returns the reason as logged on the server.
    pub fn reason(&self) -> &str {
        match self {
            Self::MissingCredentials(reason)
            | Self::InvalidToken(reason)
            | Self::InvalidRequest(reason)
            | Self::Unavailable(reason)
            | Self::Internal(reason) => reason,
        }
    }

    /// Returns the text of the `detail` field sent to the client.
    pub fn detail(&self) -> &str {
        match self {
            Self::Internal(_) => INTERNAL_DETAIL,
            _ => self.reason(),
        }
    }

    /// Returns the HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingCredentials(_) | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Returns the `WWW-Authenticate` challenge, or `None` for 5xx errors,
    /// which are not authentication challenges.
    pub fn www_authenticate(&self) -> Option<HeaderValue> {
        let error_code = match self {
            Self::MissingCredentials(_) => return Some(HeaderValue::from_static("Bearer")),
            Self::InvalidToken(_) => "invalid_token",
            Self::InvalidRequest(_) => "invalid_request",
            Self::Unavailable(_) | Self::Internal(_) => return None,
        };

        let mut challenge = String::with_capacity(48 + self.reason().len());
        let _ = write!(
            challenge,
            "Bearer error=\"{error_code}\", error_description=\""
        );
        push_description(&mut challenge, self.reason());
        challenge.push('"');

        // The description was reduced to visible ASCII above, so this cannot
        // fail; the fallback keeps the challenge valid if that ever changes.
        Some(
            HeaderValue::from_str(&challenge)
                .unwrap_or_else(|_| HeaderValue::from_static("Bearer")),
        )
    }

    /// Returns the JSON body `{"detail": "<reason>"}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "detail": self.detail() }).to_string()
    }

    /// Builds the complete HTTP response: status, `WWW-Authenticate`,
    /// `Content-Type: application/json` and the JSON body.
    pub fn to_response(&self) -> http::Response<String> {
        let mut response = http::Response::new(self.body());
        *response.status_mut() = self.status();

        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(challenge) = self.www_authenticate() {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// Appends `reason` as an RFC 6750 `error_description`, which allows only
/// visible ASCII without `"` and `\`; other characters become `?`.
fn push_description(out: &mut String, reason: &str) {
    for character in reason.chars() {
        let allowed = matches!(character, ' ' | '!' | '#'..='[' | ']'..='~');
        out.push(if allowed { character } else { '?' });
    }
}

/// A configuration mistake found at startup.
///
/// Every variant names the setting to change. Values of secret settings are
/// never part of a message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting has no value.
    #[error("{setting} is not set: {hint}")]
    Missing {
        /// The setting, as its environment variable is named.
        setting: &'static str,
        /// The value to set, as a hint.
        hint: &'static str,
    },

    /// A setting has a value that cannot be used.
    #[error("{setting} has an invalid value {value:?}: {reason}")]
    Invalid {
        /// The setting, as its environment variable is named.
        setting: &'static str,
        /// The rejected value.
        value: String,
        /// The reason for the rejection and the accepted values.
        reason: String,
    },

    /// A secret setting has a value that cannot be used; the value is not shown.
    #[error("{setting} is invalid: {reason}")]
    InvalidSecret {
        /// The setting, as its environment variable is named.
        setting: &'static str,
        /// The reason for the rejection and the accepted values.
        reason: String,
    },

    /// A server that a setting names, such as Redis for `REDIS_URL`, could
    /// not be reached at startup.
    #[error("could not connect to the server that {setting} names: {reason}")]
    Unreachable {
        /// The setting, as its environment variable is named.
        setting: &'static str,
        /// The failure and the fix, without secrets such as a password.
        reason: String,
    },

    /// A setting names an authenticator that no crate in the binary registered.
    #[error(
        "{setting} names the unknown authenticator `{name}`; registered authenticators: {}",
        registered.join(", ")
    )]
    UnknownAuthenticator {
        /// The setting that contains the name.
        setting: String,
        /// The name that was not found.
        name: String,
        /// Every registered name, sorted.
        registered: Vec<&'static str>,
    },

    /// A protected handler expects a user type that its authenticator cannot produce.
    #[error(
        "handler `{handler}` expects a user of type `{expected}`, but {setting} selects \
         `{authenticator}`, which produces `{produced}`; change the handler's user type \
         or select an authenticator that produces `{expected}`"
    )]
    UserTypeMismatch {
        /// The handler's path.
        handler: &'static str,
        /// The setting that selects the authenticator.
        setting: String,
        /// The selected authenticator.
        authenticator: &'static str,
        /// The user type the handler's parameter names.
        expected: &'static str,
        /// The user type the authenticator produces.
        produced: &'static str,
    },

    /// A protected handler relies on a setting that is not set.
    #[error("handler `{handler}` is protected by {setting}, but {setting} is not set")]
    HandlerWithoutAuthenticator {
        /// The handler's path.
        handler: &'static str,
        /// `AUTHENTICATION` or `WS_AUTHENTICATION`.
        setting: &'static str,
    },

    /// Two authenticators were registered under one name.
    #[error("two authenticators are registered as `{name}`; rename one of the types")]
    DuplicateAuthenticator {
        /// The name registered twice.
        name: &'static str,
    },

    /// An authenticator's constructor failed.
    #[error("authenticator `{name}` could not be built: {reason}")]
    Authenticator {
        /// The authenticator's registered name.
        name: &'static str,
        /// What failed.
        reason: String,
    },

    /// The `.env` file exists but could not be read or parsed.
    #[error("could not load {path}: {reason}")]
    EnvFile {
        /// The file.
        path: String,
        /// The failure, without the file's contents.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_credentials_has_bare_challenge() {
        let error = AuthError::missing("Authorization header is missing");

        assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error.www_authenticate().unwrap(), "Bearer");
        assert_eq!(
            error.body(),
            r#"{"detail":"Authorization header is missing"}"#
        );
    }

    #[test]
    fn invalid_token_challenge_has_description() {
        let error = AuthError::invalid_token("Token has expired");

        assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            error.www_authenticate().unwrap(),
            r#"Bearer error="invalid_token", error_description="Token has expired""#
        );
    }

    #[test]
    fn invalid_request_is_400() {
        let error = AuthError::invalid_request("Two credentials were sent");

        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            error.www_authenticate().unwrap(),
            r#"Bearer error="invalid_request", error_description="Two credentials were sent""#
        );
    }

    #[test]
    fn description_replaces_quotes_and_non_ascii() {
        let error = AuthError::invalid_token("bad \"quote\" \\ é");

        assert_eq!(
            error.www_authenticate().unwrap(),
            r#"Bearer error="invalid_token", error_description="bad ?quote? ? ?""#
        );
    }

    #[test]
    fn internal_hides_reason_from_client() {
        let error = AuthError::internal("store returned a wrong type");
        let response = error.to_response();

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.body(), r#"{"detail":"Internal server error"}"#);
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
        assert_eq!(error.reason(), "store returned a wrong type");
    }

    #[test]
    fn unavailable_is_503_without_challenge() {
        let response =
            AuthError::unavailable("Authentication service is unavailable").to_response();

        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
    }
}

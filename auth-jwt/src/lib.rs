//! JWT authentication for `auth-core`, compatible with the tokens of the
//! Panther web framework.
//!
//! - [`JwtAuthentication`] reads `Authorization: Bearer <token>`. Select it
//!   with `AUTHENTICATION=auth_jwt::JwtAuthentication`.
//! - [`QueryParamJwtAuthentication`] reads `?authorization=Bearer%20<token>`,
//!   for WebSocket handshakes, where browsers cannot set headers. Select it
//!   with `WS_AUTHENTICATION=auth_jwt::QueryParamJwtAuthentication`.
//! - [`Jwt`] issues tokens and runs their lifecycle: [`Jwt::login`],
//!   [`Jwt::refresh`] with rotation and reuse detection, [`Jwt::logout`] by
//!   revocation in a [`RevocationStore`].
//!
//! # Tokens
//!
//! Claims follow Panther: `token_type` (`"access"` or `"refresh"`),
//! `user_id`, `iat`, `exp`. This crate adds `jti` (unique per token) and
//! `fam` (shared by the tokens of one login). Only the configured algorithm
//! is accepted; `exp` is required and `nbf` honoured, both with the
//! configured leeway, and may be non-integer. A refresh token is never
//! accepted as an access token, nor the reverse. Tokens that Panther issued
//! with the same key verify; they have no `jti`, so they are revoked by hash.
//!
//! # Revocation stores
//!
//! [`MemoryRevocationStore`] is the default and serves one server instance.
//! With the `redis` cargo feature, `RedisRevocationStore` shares
//! revocations between instances. [`Revocation::from_config`] picks Redis
//! when `REDIS_URL` is set and connects at startup. A store failure at run
//! time answers 503 and is logged at most once every 10 seconds, with the
//! number of failures left unlogged.
//!
//! # Example
//!
//! ```
//! use auth_core::{async_trait, Auth, AuthConfig, UserId, UserModel, UserStoreError};
//! use auth_jwt::Jwt;
//! use std::collections::HashMap;
//!
//! #[derive(Clone)]
//! struct User {
//!     id: i64,
//! }
//!
//! #[async_trait]
//! impl UserModel for User {
//!     type Store = HashMap<i64, User>;
//!
//!     fn id(&self) -> UserId {
//!         UserId::Int(self.id)
//!     }
//!
//!     async fn find_by_id(store: &Self::Store, id: &UserId) -> Result<Option<Self>, UserStoreError> {
//!         let UserId::Int(id) = id else { return Ok(None) };
//!         Ok(store.get(id).cloned())
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let config = AuthConfig::new()
//!     .authentication("auth_jwt::JwtAuthentication")
//!     .secret_key("an example key that is at least 32 bytes long");
//! let auth = Auth::builder::<User>()
//!     .config(config)
//!     .users(HashMap::from([(7, User { id: 7 })]))
//!     .build()?;
//! let jwt = Jwt::from_auth(&auth)?;
//!
//! let tokens = jwt.login(&User { id: 7 })?;
//! let request = http::Request::get("/me")
//!     .header("authorization", format!("Bearer {}", tokens.access_token))
//!     .body(())?;
//! let user: User = auth.authenticate(&request.into_parts().0).await?;
//! assert_eq!(user.id, 7);
//!
//! // A refresh token works once.
//! let renewed = jwt.refresh(&tokens.refresh_token).await?;
//! let reused = jwt.refresh(&tokens.refresh_token).await.unwrap_err();
//! assert_eq!(reused.detail(), "Token has been revoked");
//! # let _ = renewed;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

#![warn(missing_docs)]

mod claims;
mod credentials;
mod failure_log;
mod keys;
mod revocation;
mod tokens;
mod verify;

use std::borrow::Cow;

use async_trait::async_trait;
use auth_core::__private::Outcome;
use auth_core::{
    AnyUser, AuthError, Authentication, ConfigError, FromConfig, Setup, Users, authentication,
};
use http::request::Parts;

pub use claims::{Claims, TokenType};
pub use credentials::{MAX_TOKEN_LENGTH, QUERY_PARAMETER, token_from_header, token_from_query};
pub use revocation::{
    MemoryRevocationStore, Revocation, RevocationError, RevocationKey, RevocationStore,
};
#[cfg(feature = "redis")]
pub use revocation::{RedisRevocationStore, RedisRevocationStoreBuilder, RedisStoreError};
pub use tokens::{Jwt, TokenPair};

/// Reason sent when a request carries a token in two places (RFC 6750 section 2).
const TWO_CREDENTIALS: &str = "Token was sent in both the Authorization header and the authorization query parameter; send one";

/// Authenticates `Authorization: Bearer <token>` with an access token.
///
/// Registered as `auth_jwt::JwtAuthentication`. It produces the
/// application's user model, loaded by the `user_id` claim through the user
/// store given to [`AuthBuilder::users`](auth_core::AuthBuilder::users).
#[authentication(from_config)]
pub struct JwtAuthentication {
    jwt: Jwt,
}

impl FromConfig for JwtAuthentication {
    fn from_config(setup: &mut Setup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            jwt: Jwt::from_setup(setup)?,
        })
    }
}

#[async_trait]
impl Authentication for JwtAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, request: &Parts, users: &Users) -> Result<AnyUser, AuthError> {
        let token = header_token(request)?;
        self.jwt.authenticate_token(token, users).await
    }

    /// Verifies the header's token before checking its characters, since
    /// verification reads every byte anyway. The exact parser runs only to
    /// name the reason for a rejection.
    fn authenticate_now<'a>(&'a self, request: &'a Parts, users: &'a Users) -> Option<Outcome<'a>> {
        // Only the fast HMAC path may see an unchecked token: it rejects
        // anything else without allocating, where `jsonwebtoken` would not.
        let unchecked = credentials::unchecked_bearer_token(&request.headers)
            .filter(|token| self.jwt.has_fast_header(token))
            .filter(|_| !credentials::query_has_token(&request.uri));
        let rejection = match unchecked.map(|token| self.jwt.authenticate_now(token, users)) {
            Some(Outcome::Done(Err(rejection))) => Some(rejection),
            Some(outcome) => return Some(outcome),
            None => None,
        };

        Some(match header_token(request) {
            Ok(token) => match rejection {
                Some(rejection) if unchecked == Some(token) => Outcome::Done(Err(rejection)),
                _ => self.jwt.authenticate_now(token, users),
            },
            Err(error) => Outcome::Done(Err(error)),
        })
    }
}

/// Returns the token of the `Authorization` header of a request that
/// carries no other.
fn header_token(request: &Parts) -> Result<&str, AuthError> {
    let token = token_from_header(&request.headers)?;
    if credentials::query_has_token(&request.uri) {
        return Err(AuthError::invalid_request(TWO_CREDENTIALS));
    }
    Ok(token)
}

/// Authenticates the `authorization` query parameter with an access token:
/// `?authorization=Bearer%20<token>` or `?authorization=<token>`.
///
/// Registered as `auth_jwt::QueryParamJwtAuthentication`. Meant for
/// WebSocket handshakes: browsers cannot set headers on them. A URL may end
/// up in proxy logs and browser history, so prefer short-lived access
/// tokens here, and never use it for ordinary requests.
#[authentication(from_config)]
pub struct QueryParamJwtAuthentication {
    jwt: Jwt,
}

impl FromConfig for QueryParamJwtAuthentication {
    fn from_config(setup: &mut Setup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            jwt: Jwt::from_setup(setup)?,
        })
    }
}

#[async_trait]
impl Authentication for QueryParamJwtAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, request: &Parts, users: &Users) -> Result<AnyUser, AuthError> {
        let token = query_token(request)?;
        self.jwt.authenticate_token(&token, users).await
    }

    fn authenticate_now<'a>(&'a self, request: &'a Parts, users: &'a Users) -> Option<Outcome<'a>> {
        Some(match query_token(request) {
            Ok(token) => self.jwt.authenticate_now(&token, users),
            Err(error) => Outcome::Done(Err(error)),
        })
    }
}

/// Returns the token of the `authorization` query parameter of a request
/// that carries no other.
fn query_token(request: &Parts) -> Result<Cow<'_, str>, AuthError> {
    let token = token_from_query(&request.uri)?;
    if request.headers.contains_key(http::header::AUTHORIZATION) {
        return Err(AuthError::invalid_request(TWO_CREDENTIALS));
    }
    Ok(token)
}

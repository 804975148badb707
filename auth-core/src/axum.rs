//! axum 0.8 integration: responses for [`AuthError`], the layer that shares
//! [`Auth`], and the extractor that `#[protected]` handlers use.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::registry::Selector;
use crate::user::UserParam;
use crate::{Auth, AuthError};

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        self.to_response().into_response()
    }
}

impl Auth {
    /// Returns the layer that makes this `Auth` available to `#[protected]`
    /// handlers: `Router::new().route(...).layer(auth.layer())`.
    pub fn layer(&self) -> axum::Extension<Auth> {
        axum::Extension(self.clone())
    }
}

/// Handlers can take the [`Auth`] itself, for login routes and the like.
impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        find_auth(parts)
            .cloned()
            .map_err(IntoResponse::into_response)
    }
}

fn find_auth(parts: &Parts) -> Result<&Auth, AuthError> {
    parts.extensions.get::<Auth>().ok_or_else(|| {
        AuthError::internal(
            "no Auth in the request extensions: add `.layer(auth.layer())` to the router",
        )
    })
}

/// Extractor that `#[protected]` puts in place of the user parameter: it
/// runs the selected authenticator and yields the user, or rejects the
/// request with the [`AuthError`] response.
#[doc(hidden)]
pub struct Protected<P, S>(pub P, pub PhantomData<fn() -> S>);

impl<P, S, State> FromRequestParts<State> for Protected<P, S>
where
    P: UserParam,
    S: Selector<P>,
    State: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &State,
    ) -> Result<Self, Self::Rejection> {
        let parts: &Parts = parts;
        let auth = find_auth(parts).map_err(|error| {
            tracing::error!(target: "auth", path = parts.uri.path(), reason = error.reason(), "request rejected");
            error.into_response()
        })?;

        match auth.authenticate_slot::<P>(S::SLOT, parts).await {
            Ok(user) => Ok(Protected(user, PhantomData)),
            Err(error) => Err(error.into_response()),
        }
    }
}

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

/// Returns the `Auth` that [`Auth::layer`] added to the request, or a
/// logged internal error when the router lacks the layer.
fn find_auth(parts: &Parts) -> Result<&Auth, AuthError> {
    parts.extensions.get::<Auth>().ok_or_else(|| {
        let error = AuthError::internal(
            "no Auth in the request extensions: add `.layer(auth.layer())` to the router",
        );
        tracing::error!(
            target: "auth",
            method = parts.method.as_str(),
            path = parts.uri.path(),
            status = error.status().as_u16(),
            reason = error.reason(),
            "request rejected"
        );
        error
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
        let auth = find_auth(parts).map_err(IntoResponse::into_response)?;

        match auth.authenticate_slot::<P>(S::SLOT, parts).await {
            Ok(user) => Ok(Protected(user, PhantomData)),
            Err(error) => Err(error.into_response()),
        }
    }
}

//! Every expansion compiles under strict lints. `tests/lints.rs` contains the
//! same shapes for clippy, which does not run on UI cases.

#![forbid(unsafe_code)]
#![deny(warnings, missing_docs, missing_debug_implementations, unused_qualifications)]
#![deny(unreachable_pub, unused_results, clippy::all, clippy::pedantic)]

use auth_core::{
    AnyUser, AuthError, Authentication, UserId, UserModel, UserStoreError, Users, async_trait,
    authentication, protected,
};
use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use axum::routing::get;
use http::request::Parts;

/// The user model.
#[derive(Clone, Debug)]
pub struct User {
    id: i64,
}

#[async_trait]
impl UserModel for User {
    type Store = ();

    fn id(&self) -> UserId {
        UserId::Int(self.id)
    }

    async fn find_by_id((): &(), _: &UserId) -> Result<Option<Self>, UserStoreError> {
        Ok(None)
    }
}

/// An authenticator built with `Default`.
#[authentication]
#[derive(Debug, Default)]
pub struct HeaderAuthentication;

#[async_trait]
impl Authentication for HeaderAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no header"))
    }
}

/// Configured authentication.
#[protected]
pub async fn configured(user: User) -> String {
    user.id.to_string()
}

/// Optional authentication.
#[protected]
pub async fn optional(user: Option<User>) -> String {
    user.map_or_else(String::new, |user| user.id.to_string())
}

/// WebSocket authentication.
#[protected(ws)]
pub async fn chat(user: User, ws: WebSocketUpgrade) -> Response {
    let greeting = format!("hello, {user:?}");
    ws.on_upgrade(move |_socket| async move { drop(greeting) })
}

/// Authentication by type.
#[protected(auth = HeaderAuthentication)]
pub async fn by_type(user: User) -> String {
    user.id.to_string()
}

/// Authentication by registered name.
#[protected(auth = "strict_lints::HeaderAuthentication")]
pub async fn by_name(user: User) -> String {
    user.id.to_string()
}

/// A user whose type is a generic parameter.
#[protected]
pub async fn generic<U: UserModel>(user: U) -> String {
    user.id().to_string()
}

fn main() {
    let _: Router = Router::new()
        .route("/configured", get(configured))
        .route("/optional", get(optional))
        .route("/chat", get(chat))
        .route("/by-type", get(by_type))
        .route("/by-name", get(by_name))
        .route("/generic", get(generic::<User>));
}

//! `#[user]` marks the user parameter where the search would not find it:
//! a destructuring pattern, a type alias with arguments, or a second
//! parameter that also looks like a user.

#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::routing::get;
use http::request::Parts;
use support::User;

type Maybe<T> = Option<T>;

/// A custom extractor whose type looks like a user model to the search.
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let id = parts.headers.get("x-request-id").and_then(|value| value.to_str().ok());
        Ok(Self(id.unwrap_or_default().to_owned()))
    }
}

#[protected]
async fn destructured(#[user] User { id }: User) -> String {
    id.to_string()
}

#[protected]
async fn aliased(#[user] user: Maybe<User>) -> String {
    user.map_or_else(String::new, |user| user.id.to_string())
}

#[protected]
async fn with_request_id(request_id: RequestId, #[user] user: User) -> String {
    format!("{} {}", request_id.0, user.id)
}

fn main() {
    let _: Router = Router::new()
        .route("/destructured", get(destructured))
        .route("/aliased", get(aliased))
        .route("/request-id", get(with_request_id));
}

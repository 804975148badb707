//! `auth = Type` names a registered authenticator by type: one that
//! produces `AnyUser` fills any user model, a concrete one fills its own.

#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use axum::Router;
use axum::routing::get;
use support::{ApiKeyAuthentication, ApiUser, HeaderAuthentication, User};

#[protected(auth = HeaderAuthentication)]
async fn any_user(user: User) -> String {
    user.id.to_string()
}

#[protected(auth = ApiKeyAuthentication)]
async fn concrete(user: ApiUser) -> String {
    user.key
}

#[protected(auth = support::ApiKeyAuthentication)]
async fn qualified_optional(user: Option<ApiUser>) -> String {
    user.map_or_else(String::new, |user| user.key)
}

fn main() {
    let _: Router = Router::new()
        .route("/any", get(any_user))
        .route("/concrete", get(concrete))
        .route("/optional", get(qualified_optional));
}

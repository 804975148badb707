//! `auth = "name"` names a registered authenticator by its registered name,
//! which startup resolves.

#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use axum::Router;
use axum::routing::get;
use support::{ApiUser, User};

#[protected(auth = "my_app::auth::ApiKeyAuthentication")]
pub async fn by_name(user: ApiUser) -> String {
    user.key
}

#[protected(auth = "my_app::auth::HeaderAuthentication")]
async fn optional_by_name(user: Option<User>) -> String {
    user.map_or_else(String::new, |user| user.id.to_string())
}

fn main() {
    let _: Router = Router::new()
        .route("/by-name", get(by_name))
        .route("/optional", get(optional_by_name));
}

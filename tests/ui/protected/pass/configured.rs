//! The plain shape: the configured AUTHENTICATION fills `user`.

#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use axum::Router;
use axum::routing::get;
use support::User;

#[protected]
async fn profile(user: User) -> String {
    format!("user {}", user.id)
}

#[protected]
async fn members_only(_: User) -> &'static str {
    "members only"
}

fn main() {
    let _: Router = Router::new()
        .route("/profile", get(profile))
        .route("/members", get(members_only));
}

//! `Option<User>` makes authentication optional.

#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use axum::Router;
use axum::routing::get;
use support::User;

#[protected]
async fn greeting(user: Option<User>) -> String {
    match user {
        Some(user) => format!("hello, user {}", user.id),
        None => "hello, guest".to_owned(),
    }
}

#[protected]
async fn qualified(user: std::option::Option<User>) -> String {
    user.map_or_else(String::new, |user| user.id.to_string())
}

fn main() {
    let _: Router = Router::new()
        .route("/greeting", get(greeting))
        .route("/qualified", get(qualified));
}

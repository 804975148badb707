//! Generic handlers keep their parameters and bounds. A user type that
//! depends on them is checked at compile time but not registered.

#[path = "../../support.rs"]
mod support;

use auth_core::{UserModel, protected};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use support::User;

#[protected]
async fn generic_state<S>(user: User, State(state): State<S>) -> String
where
    S: Clone + std::fmt::Display + Send + Sync + 'static,
{
    format!("{state} {}", user.id)
}

#[protected]
async fn generic_user<U: UserModel>(user: U) -> String {
    user.id().to_string()
}

#[protected]
async fn generic_optional_user<U>(user: Option<U>) -> &'static str
where
    U: UserModel,
{
    if user.is_some() { "user" } else { "guest" }
}

fn main() {
    let _: Router = Router::new()
        .route("/state", get(generic_state::<String>))
        .route("/user", get(generic_user::<User>))
        .route("/optional", get(generic_optional_user::<User>))
        .with_state(String::from("hello"));
}

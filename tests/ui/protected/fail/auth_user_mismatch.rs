#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::{ApiKeyAuthentication, User};

// `ApiKeyAuthentication` produces `ApiUser`, never `User`.
#[protected(auth = ApiKeyAuthentication)]
async fn profile(user: User) -> String {
    format!("user {}", user.id)
}

fn main() {}

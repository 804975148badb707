#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::{ApiUser, User};

#[protected]
async fn two_markers(#[user] user: User, #[user] other: ApiUser) -> String {
    format!("{} and {}", user.id, other.key)
}

#[protected]
async fn marker_arguments(#[user(optional)] user: User) -> String {
    format!("user {}", user.id)
}

fn main() {}

#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::{ApiUser, User};

#[protected]
async fn compare(user: User, other: ApiUser) -> String {
    format!("{} and {}", user.id, other.key)
}

fn main() {}

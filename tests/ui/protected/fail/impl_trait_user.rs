#[path = "../../support.rs"]
mod support;

use auth_core::{UserModel, protected};

#[protected]
async fn profile(#[user] user: impl UserModel) -> String {
    user.id().to_string()
}

fn main() {}

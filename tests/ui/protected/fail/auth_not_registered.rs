#[path = "../../support.rs"]
mod support;

use auth_core::{AnyUser, AuthError, Authentication, Users, async_trait, protected};
use http::request::Parts;
use support::User;

// Implements the trait but lacks `#[authentication]`.
pub struct TokenAuthentication;

#[async_trait]
impl Authentication for TokenAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no token"))
    }
}

#[protected(auth = TokenAuthentication)]
async fn profile(user: User) -> String {
    format!("user {}", user.id)
}

fn main() {}

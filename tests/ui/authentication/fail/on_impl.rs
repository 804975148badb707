use auth_core::{AnyUser, AuthError, Authentication, Users, async_trait, authentication};
use http::request::Parts;

#[derive(Default)]
pub struct HeaderAuthentication;

#[authentication]
#[async_trait]
impl Authentication for HeaderAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no header"))
    }
}

fn main() {}

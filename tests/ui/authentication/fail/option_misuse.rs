use auth_core::{AnyUser, AuthError, Authentication, Users, async_trait, authentication};
use http::request::Parts;

#[authentication(from_config = true)]
pub struct ValueAuthentication;

#[authentication(from_config, from_config)]
pub struct RepeatedAuthentication;

#[async_trait]
impl Authentication for ValueAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no key"))
    }
}

#[async_trait]
impl Authentication for RepeatedAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no key"))
    }
}

fn main() {}

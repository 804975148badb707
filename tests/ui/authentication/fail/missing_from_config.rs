use auth_core::{AnyUser, AuthError, Authentication, Users, async_trait, authentication};
use http::request::Parts;

#[authentication(from_config)]
pub struct ApiKeyAuthentication {
    pub header: String,
}

#[async_trait]
impl Authentication for ApiKeyAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no key"))
    }
}

fn main() {}

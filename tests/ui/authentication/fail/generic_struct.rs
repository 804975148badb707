use auth_core::{AuthError, Authentication, UserModel, Users, async_trait, authentication};
use http::request::Parts;
use std::marker::PhantomData;

#[authentication]
#[derive(Default)]
pub struct StaticAuthentication<U> {
    user: PhantomData<U>,
}

#[async_trait]
impl<U: UserModel + Default> Authentication for StaticAuthentication<U> {
    type User = U;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<U, AuthError> {
        Ok(U::default())
    }
}

fn main() {}

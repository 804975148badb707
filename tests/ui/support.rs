//! User models and authenticators shared by the UI cases, which include this
//! file with `#[path = "../../support.rs"] mod support;`.

#![allow(dead_code)]

use auth_core::{
    AnyUser, AuthError, Authentication, UserId, UserModel, UserStoreError, Users, async_trait,
    authentication,
};
use http::request::Parts;

/// The application's user model.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
}

#[async_trait]
impl UserModel for User {
    type Store = ();

    fn id(&self) -> UserId {
        UserId::Int(self.id)
    }

    async fn find_by_id(_: &(), id: &UserId) -> Result<Option<Self>, UserStoreError> {
        Ok(match id {
            UserId::Int(id) => Some(Self { id: *id }),
            UserId::Str(_) => None,
        })
    }
}

/// A second user model, which only `ApiKeyAuthentication` produces.
#[derive(Clone, Debug)]
pub struct ApiUser {
    pub key: String,
}

#[async_trait]
impl UserModel for ApiUser {
    type Store = ();

    fn id(&self) -> UserId {
        UserId::Str(self.key.clone())
    }

    async fn find_by_id(_: &(), _: &UserId) -> Result<Option<Self>, UserStoreError> {
        Ok(None)
    }
}

/// Produces the application's user, whatever its model.
#[authentication]
#[derive(Default)]
pub struct HeaderAuthentication;

#[async_trait]
impl Authentication for HeaderAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("X-User header is missing"))
    }
}

/// Produces `ApiUser` only.
#[authentication]
#[derive(Default)]
pub struct ApiKeyAuthentication;

#[async_trait]
impl Authentication for ApiKeyAuthentication {
    type User = ApiUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<ApiUser, AuthError> {
        Err(AuthError::missing("X-Api-Key header is missing"))
    }
}

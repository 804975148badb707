//! A handler's `auth = "name"` is resolved at startup: a name that no crate
//! registered stops the startup with the list of registered names.
//!
//! It has its own binary because every `Auth` built next to this handler fails.

use auth_core::{
    AnyUser, Auth, AuthConfig, AuthError, Authentication, ConfigError, Registered, UserId,
    UserModel, UserStoreError, Users, async_trait, authentication, protected,
};
use http::request::Parts;

#[derive(Clone, Debug)]
pub struct User;

#[async_trait]
impl UserModel for User {
    type Store = ();

    fn id(&self) -> UserId {
        UserId::Int(1)
    }

    async fn find_by_id(_: &(), _: &UserId) -> Result<Option<Self>, UserStoreError> {
        Ok(Some(Self))
    }
}

#[authentication]
#[derive(Default)]
pub struct HeaderAuthentication;

#[async_trait]
impl Authentication for HeaderAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no credentials"))
    }
}

// The type is `HeaderAuthentication`; the name has a typo.
#[protected(auth = "unknown_authenticator::HeaderAuthenticaton")]
pub async fn profile(user: User) -> String {
    format!("{:?}", user.id())
}

#[test]
fn unknown_handler_name_fails() {
    let config = AuthConfig::new().authentication(HeaderAuthentication::NAME);

    let error = Auth::builder::<User>()
        .config(config)
        .users(())
        .build()
        .unwrap_err();

    let ConfigError::UnknownAuthenticator {
        name, registered, ..
    } = &error
    else {
        panic!("expected UnknownAuthenticator, got {error}");
    };
    assert_eq!(name, "unknown_authenticator::HeaderAuthenticaton");
    assert!(registered.contains(&"unknown_authenticator::HeaderAuthentication"));
    assert!(
        error.to_string().starts_with(
            "the handler's `auth = \"unknown_authenticator::HeaderAuthenticaton\"` option of \
             handler `unknown_authenticator::profile` names the unknown authenticator \
             `unknown_authenticator::HeaderAuthenticaton`"
        ),
        "{error}"
    );
}

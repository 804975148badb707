//! `#[authentication]` without options builds the type with `Default` and
//! registers it under `module_path!()` followed by the type's name.

use auth_core::{
    AnyUser, Auth, AuthConfig, AuthError, Authentication, Registered, UserId, UserModel,
    UserStoreError, Users, async_trait, authentication, registered_names,
};
use http::request::Parts;

#[derive(Clone)]
struct User;

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

/// A unit struct.
#[authentication]
#[derive(Default)]
pub struct HeaderAuthentication;

#[async_trait]
impl Authentication for HeaderAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no header"))
    }
}

mod nested {
    use super::*;

    /// A private struct with fields and a hand-written `Default`.
    #[authentication]
    pub(crate) struct KeyAuthentication {
        pub(crate) header: &'static str,
    }

    impl Default for KeyAuthentication {
        fn default() -> Self {
            Self { header: "x-key" }
        }
    }

    #[async_trait]
    impl Authentication for KeyAuthentication {
        type User = User;

        async fn authenticate(&self, _: &Parts, _: &Users) -> Result<User, AuthError> {
            Err(AuthError::missing(self.header))
        }
    }
}

/// A tuple struct behind a raw identifier.
#[authentication]
#[derive(Default)]
struct r#TupleAuthentication(u8);

#[async_trait]
impl Authentication for TupleAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing(format!("no tuple {}", self.0)))
    }
}

fn main() {
    let header = concat!(module_path!(), "::HeaderAuthentication");
    let key = concat!(module_path!(), "::nested::KeyAuthentication");
    let tuple = concat!(module_path!(), "::TupleAuthentication");
    assert_eq!(HeaderAuthentication::NAME, header);
    assert_eq!(nested::KeyAuthentication::NAME, key);
    assert_eq!(TupleAuthentication::NAME, tuple);
    for name in [header, key, tuple] {
        assert!(registered_names().contains(&name), "{name} is not registered");
    }

    let auth = Auth::builder::<User>()
        .config(AuthConfig::new().authentication(key).ws_authentication(header))
        .users(())
        .build()
        .unwrap();
    assert_eq!(auth.authentication_name(), Some(key));
    assert_eq!(auth.ws_authentication_name(), Some(header));
}

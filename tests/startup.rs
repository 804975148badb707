//! Startup compares the user type of every protected handler with what the
//! configured authenticator produces, and refuses to start on a mismatch.
//!
//! The handlers of this binary ask for `ApiUser`, so each test chooses the
//! application's model and the authenticators around them.

use auth_core::{
    AnyUser, Auth, AuthConfig, AuthError, Authentication, ConfigError, Registered, UserId,
    UserModel, UserStoreError, Users, async_trait, authentication, protected,
};
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
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

#[derive(Clone, Debug)]
pub struct ApiUser;

#[async_trait]
impl UserModel for ApiUser {
    type Store = ();

    fn id(&self) -> UserId {
        UserId::Int(2)
    }

    async fn find_by_id(_: &(), _: &UserId) -> Result<Option<Self>, UserStoreError> {
        Ok(Some(Self))
    }
}

/// Produces the application's model, whichever it is.
#[authentication]
#[derive(Default)]
pub struct AnyUserAuthentication;

#[async_trait]
impl Authentication for AnyUserAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing("no credentials"))
    }
}

/// Produces `User` only.
#[authentication]
#[derive(Default)]
pub struct UserAuthentication;

#[async_trait]
impl Authentication for UserAuthentication {
    type User = User;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<User, AuthError> {
        Ok(User)
    }
}

/// Produces `ApiUser` only.
#[authentication]
#[derive(Default)]
pub struct ApiUserAuthentication;

#[async_trait]
impl Authentication for ApiUserAuthentication {
    type User = ApiUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<ApiUser, AuthError> {
        Ok(ApiUser)
    }
}

#[protected]
pub async fn admin(user: ApiUser) -> String {
    format!("{:?}", user.id())
}

#[protected(ws)]
pub async fn feed(user: Option<ApiUser>, ws: WebSocketUpgrade) -> Response {
    let greeting = format!("hello, {user:?}");
    ws.on_upgrade(move |_socket| async move { drop(greeting) })
}

fn build<U: UserModel<Store = ()>>(config: AuthConfig) -> Result<Auth, ConfigError> {
    Auth::builder::<U>().config(config).users(()).build()
}

#[test]
fn matching_authenticators_start() {
    let any_user = AuthConfig::new()
        .authentication(AnyUserAuthentication::NAME)
        .ws_authentication(AnyUserAuthentication::NAME);
    let concrete = AuthConfig::new()
        .authentication(ApiUserAuthentication::NAME)
        .ws_authentication(ApiUserAuthentication::NAME);

    assert!(build::<ApiUser>(any_user).is_ok());
    assert!(build::<User>(concrete).is_ok());
}

#[test]
fn any_user_model_mismatch_fails() {
    let config = AuthConfig::new()
        .authentication(AnyUserAuthentication::NAME)
        .ws_authentication(ApiUserAuthentication::NAME);

    let error = build::<User>(config).unwrap_err();

    assert!(matches!(
        error,
        ConfigError::UserTypeMismatch {
            handler: "startup::admin",
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        "handler `startup::admin` expects a user of type `startup::ApiUser`, but \
         AUTHENTICATION selects `startup::AnyUserAuthentication`, which produces \
         `startup::User`; change the handler's user type or select an authenticator that \
         produces `startup::ApiUser`"
    );
}

#[test]
fn concrete_user_mismatch_fails() {
    let config = AuthConfig::new()
        .authentication(ApiUserAuthentication::NAME)
        .ws_authentication(UserAuthentication::NAME);

    let error = build::<ApiUser>(config).unwrap_err();

    assert!(matches!(
        error,
        ConfigError::UserTypeMismatch {
            handler: "startup::feed",
            ..
        }
    ));
    let message = error.to_string();
    assert!(
        message.contains("WS_AUTHENTICATION selects `startup::UserAuthentication`"),
        "{message}"
    );
    assert!(message.contains("produces `startup::User`"), "{message}");
}

#[test]
fn missing_ws_authentication_fails() {
    let config = AuthConfig::new().authentication(AnyUserAuthentication::NAME);

    let error = build::<ApiUser>(config).unwrap_err();

    assert_eq!(
        error.to_string(),
        "handler `startup::feed` is protected by WS_AUTHENTICATION, but WS_AUTHENTICATION is not set"
    );
}

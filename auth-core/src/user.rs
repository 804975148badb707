//! The user model: what an authenticated user is, and how it is loaded by id.

use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::AuthError;
use crate::authentication::AuthFuture;

/// Identifier of a user, as the JWT `user_id` claim carries it.
///
/// Integer ids serialize as JSON numbers and text ids as JSON strings, so
/// tokens keep the shape that the user store uses. Any other JSON type in a
/// claim is rejected.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UserId {
    /// A numeric id, such as an SQL integer primary key.
    Int(i64),
    /// A text id, such as a UUID or a document id.
    Str(String),
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(id) => write!(f, "{id}"),
            Self::Str(id) => f.write_str(id),
        }
    }
}

impl From<i64> for UserId {
    fn from(id: i64) -> Self {
        Self::Int(id)
    }
}

impl From<String> for UserId {
    fn from(id: String) -> Self {
        Self::Str(id)
    }
}

impl From<&str> for UserId {
    fn from(id: &str) -> Self {
        Self::Str(id.to_owned())
    }
}

/// Failure of a user store, such as a lost database connection.
///
/// Authentication fails closed on it: the request gets 503.
#[derive(Debug, thiserror::Error)]
#[error("user store failed: {0}")]
pub struct UserStoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl UserStoreError {
    /// Wraps the store's own error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

/// The application's user type: what a protected handler receives.
///
/// The JWT built-ins know nothing of the application's users: they call
/// [`UserModel::find_by_id`] with the store given to
/// [`AuthBuilder::users`](crate::AuthBuilder::users).
///
/// Put [`#[async_trait]`](crate::async_trait) on the `impl` block. Without
/// it rustc reports error E0195, "lifetime parameters or bounds on
/// associated function `find_by_id` do not match the trait declaration",
/// which does not name the missing attribute.
///
/// ```
/// use auth_core::{async_trait, UserId, UserModel, UserStoreError};
/// use std::collections::HashMap;
///
/// #[derive(Clone)]
/// struct User {
///     id: i64,
///     username: String,
/// }
///
/// #[async_trait]
/// impl UserModel for User {
///     type Store = HashMap<i64, User>;
///
///     fn id(&self) -> UserId {
///         UserId::Int(self.id)
///     }
///
///     async fn find_by_id(store: &Self::Store, id: &UserId) -> Result<Option<Self>, UserStoreError> {
///         let UserId::Int(id) = id else { return Ok(None) };
///         Ok(store.get(id).cloned())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a user model",
    label = "`{Self}` does not implement `auth_core::UserModel`",
    note = "implement `auth_core::UserModel` for `{Self}` so that authenticators can produce it"
)]
#[async_trait]
pub trait UserModel: Send + Sync + Sized + 'static {
    /// The source users are loaded from: a connection pool, a map, a client.
    type Store: Send + Sync + 'static;

    /// Returns the id that tokens carry as `user_id`.
    fn id(&self) -> UserId;

    /// Loads the user with this id, or `None` when there is no such user.
    async fn find_by_id(store: &Self::Store, id: &UserId) -> Result<Option<Self>, UserStoreError>;
}

/// A type's identity and name, compared at startup and shown in errors.
#[derive(Clone, Copy, Debug)]
pub struct TypeInfo {
    id: TypeId,
    name: &'static str,
}

impl TypeInfo {
    /// Returns the identity and name of `T`.
    pub fn of<T: ?Sized + 'static>() -> Self {
        Self {
            id: TypeId::of::<T>(),
            name: std::any::type_name::<T>(),
        }
    }

    /// Returns the type's name, as `std::any::type_name` spells it.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl PartialEq for TypeInfo {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for TypeInfo {}

/// A user of the application's user model, whose type the authenticator
/// does not know.
///
/// Generic authenticators, the JWT built-ins among them, declare
/// `type User = AnyUser` and load users through [`Users`].
pub struct AnyUser(Box<dyn Any + Send + Sync>);

impl AnyUser {
    /// Wraps a user of a known model.
    pub fn new<U: UserModel>(user: U) -> Self {
        Self(Box::new(user))
    }

    /// Returns the user as `U`, or gives it back when it is of another type.
    pub fn downcast<U: UserModel>(self) -> Result<U, Self> {
        self.0.downcast::<U>().map(|user| *user).map_err(Self)
    }
}

impl fmt::Debug for AnyUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AnyUser")
    }
}

/// A value that an authenticator may return as its user: any [`UserModel`]
/// type, or [`AnyUser`] for the application's model.
pub trait AuthenticatedUser: Send + 'static {
    /// Erases the user's type from an authenticator's future. For
    /// [`AnyUser`] the future is passed through, so generic authenticators
    /// such as the JWT built-ins cost no second allocation per request.
    #[doc(hidden)]
    fn erase_future<'a>(future: TypedFuture<'a, Self>) -> AuthFuture<'a>
    where
        Self: Sized;

    /// Returns the type of user produced, given the application's user type.
    #[doc(hidden)]
    fn produced(application_user: TypeInfo) -> TypeInfo;
}

/// The future `async_trait` makes of [`Authentication::authenticate`](crate::Authentication::authenticate).
#[doc(hidden)]
pub type TypedFuture<'a, U> = Pin<Box<dyn Future<Output = Result<U, AuthError>> + Send + 'a>>;

impl<U: UserModel> AuthenticatedUser for U {
    fn erase_future<'a>(future: TypedFuture<'a, Self>) -> AuthFuture<'a> {
        Box::pin(async move { future.await.map(AnyUser::new) })
    }

    fn produced(_: TypeInfo) -> TypeInfo {
        TypeInfo::of::<U>()
    }
}

impl AuthenticatedUser for AnyUser {
    fn erase_future<'a>(future: TypedFuture<'a, Self>) -> AuthFuture<'a> {
        future
    }

    fn produced(application_user: TypeInfo) -> TypeInfo {
        application_user
    }
}

/// The application's user store with its type erased, as authenticators see it.
#[derive(Clone)]
pub struct Users {
    user_type: TypeInfo,
    store: Option<Arc<dyn ErasedStore>>,
}

impl Users {
    pub(crate) fn new<U: UserModel>(store: Option<U::Store>) -> Self {
        Self {
            user_type: TypeInfo::of::<U>(),
            store: store.map(|store| Arc::new(TypedStore::<U>(store)) as Arc<dyn ErasedStore>),
        }
    }

    /// Returns the application's user type.
    pub fn user_type(&self) -> TypeInfo {
        self.user_type
    }

    /// Returns whether a store was given to the builder.
    pub fn has_store(&self) -> bool {
        self.store.is_some()
    }

    /// Loads the user with this id: `Ok(None)` when there is none, an
    /// [`AuthError::Unavailable`] when the store fails, and an
    /// [`AuthError::Internal`] when no store was configured.
    pub async fn find_by_id(&self, id: &UserId) -> Result<Option<AnyUser>, AuthError> {
        let Some(store) = &self.store else {
            return Err(no_store());
        };
        store.find_by_id(id).await.map_err(store_failed)
    }

    /// Returns the store as `U`'s own, so that a user can be loaded with no
    /// erased call and no boxed user, or `None` when `U` is not the
    /// application's user model.
    pub(crate) fn typed_store<U: UserModel>(&self) -> Option<Result<&U::Store, AuthError>> {
        match &self.store {
            Some(store) => Some(Ok(&store.as_any().downcast_ref::<TypedStore<U>>()?.0)),
            None if self.user_type == TypeInfo::of::<U>() => Some(Err(no_store())),
            None => None,
        }
    }
}

pub(crate) fn user_not_found() -> AuthError {
    AuthError::invalid_token("User not found")
}

fn no_store() -> AuthError {
    AuthError::internal("no user store was configured: call AuthBuilder::users at startup")
}

pub(crate) fn store_failed(error: UserStoreError) -> AuthError {
    tracing::error!(target: "auth", %error, "user store failed");
    AuthError::unavailable("Authentication service is unavailable")
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users")
            .field("user_type", &self.user_type.name())
            .field("has_store", &self.has_store())
            .finish()
    }
}

#[async_trait]
trait ErasedStore: Send + Sync {
    async fn find_by_id(&self, id: &UserId) -> Result<Option<AnyUser>, UserStoreError>;

    fn as_any(&self) -> &dyn Any;
}

struct TypedStore<U: UserModel>(U::Store);

#[async_trait]
impl<U: UserModel> ErasedStore for TypedStore<U> {
    async fn find_by_id(&self, id: &UserId) -> Result<Option<AnyUser>, UserStoreError> {
        Ok(U::find_by_id(&self.0, id).await?.map(AnyUser::new))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The type of a protected handler's user parameter: a user model `U`, or
/// `Option<U>` when authentication is optional.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive the authenticated user",
    label = "the user parameter's type must implement `auth_core::UserModel`",
    note = "implement `auth_core::UserModel` for this type, or use `Option<T>` where `T` implements it to make authentication optional"
)]
pub trait UserParam: Sized + Send + 'static {
    /// The user model behind the parameter.
    type Model: UserModel;

    /// Whether a request without credentials still reaches the handler.
    const OPTIONAL: bool;

    /// Builds the parameter from an authenticated user.
    fn from_user(user: Self::Model) -> Self;

    /// Builds the parameter for a request without credentials, if allowed.
    fn anonymous() -> Option<Self>;
}

impl<U: UserModel> UserParam for U {
    type Model = U;
    const OPTIONAL: bool = false;

    fn from_user(user: U) -> Self {
        user
    }

    fn anonymous() -> Option<Self> {
        None
    }
}

impl<U: UserModel> UserParam for Option<U> {
    type Model = U;
    const OPTIONAL: bool = true;

    fn from_user(user: U) -> Self {
        Some(user)
    }

    fn anonymous() -> Option<Self> {
        Some(None)
    }
}

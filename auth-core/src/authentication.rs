//! The [`Authentication`] trait and how registered authenticators are built.

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use http::request::Parts;

use crate::user::{AnyUser, AuthenticatedUser, TypeInfo, UserId, Users};
use crate::{AuthConfig, AuthError, ConfigError};

/// Authenticator: turns a request head into a user, or rejects it.
///
/// It receives the method, the URI with its query and the headers, as
/// [`http::request::Parts`], so axum, hyper and tower services pass what they
/// already have. The body is never read.
///
/// Register an implementation with [`#[authentication]`](crate::authentication)
/// so that `AUTHENTICATION` can select it by its Rust path, and put
/// [`#[async_trait]`](crate::async_trait) on the `impl` block. Without that
/// attribute rustc reports error E0195, "lifetime parameters or bounds on
/// method `authenticate` do not match the trait declaration", which does
/// not name the missing attribute.
///
/// ```
/// use auth_core::{async_trait, authentication, AnyUser, AuthError, Authentication, Users};
/// use http::request::Parts;
///
/// /// Accepts requests from loopback proxies that set `X-Internal: 1`.
/// #[authentication]
/// #[derive(Default)]
/// pub struct InternalAuthentication;
///
/// #[async_trait]
/// impl Authentication for InternalAuthentication {
///     type User = AnyUser;
///
///     async fn authenticate(&self, request: &Parts, users: &Users) -> Result<AnyUser, AuthError> {
///         let Some(value) = request.headers.get("x-internal") else {
///             return Err(AuthError::missing("X-Internal header is missing"));
///         };
///         if value != "1" {
///             return Err(AuthError::invalid_token("X-Internal header is invalid"));
///         }
///         users
///             .find_by_id(&"service".into())
///             .await?
///             .ok_or_else(|| AuthError::invalid_token("User not found"))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `auth_core::Authentication`",
    label = "an authenticator must implement `auth_core::Authentication`",
    note = "add `#[async_trait] impl auth_core::Authentication for {Self} {{ ... }}`"
)]
#[async_trait]
pub trait Authentication: Send + Sync + 'static {
    /// The user it produces: a concrete [`UserModel`](crate::UserModel) type,
    /// or [`AnyUser`](crate::AnyUser) to load the application's users
    /// through [`Users`].
    type User: AuthenticatedUser;

    /// Authenticates one request.
    ///
    /// Return [`AuthError::MissingCredentials`] when the request carries no
    /// credential of this kind, so that handlers with an optional user get
    /// `None`, and another variant when a credential was present but wrong.
    async fn authenticate(&self, request: &Parts, users: &Users) -> Result<Self::User, AuthError>;

    /// Decides without waiting where no I/O is needed, so that a rejection
    /// or an in-memory check costs no boxed future. Returns `None` to have
    /// [`authenticate`](Self::authenticate) run, which the default always does.
    ///
    /// Not public API: the JWT built-ins override it, and its shape may
    /// change in a patch release. An override must decide exactly as
    /// `authenticate` would, and may return [`Outcome::User`] only when
    /// `Self::User` is [`AnyUser`].
    #[doc(hidden)]
    fn authenticate_now<'a>(
        &'a self,
        _request: &'a Parts,
        _users: &'a Users,
    ) -> Option<Outcome<'a>> {
        None
    }
}

/// Result of an authenticator's synchronous step: its decision, or the
/// rest of its work.
#[doc(hidden)]
pub enum Outcome<'a> {
    /// The request is authenticated or rejected.
    Done(Result<AnyUser, AuthError>),
    /// The credential is valid and names this user of the application's
    /// store. The caller loads the user with its type known, so the user is
    /// never boxed, and rejects an id that is not in the store as an
    /// invalid token.
    User(UserId),
    /// Work that waits on I/O.
    Pending(AuthFuture<'a>),
}

/// Constructor of authenticators registered with `#[authentication(from_config)]`.
pub trait FromConfig: Sized {
    /// Builds the authenticator once, at startup.
    ///
    /// Return a [`ConfigError`] naming the setting for anything the
    /// configuration got wrong, so that the mistake stops the startup
    /// instead of failing requests.
    fn from_config(setup: &mut Setup<'_>) -> Result<Self, ConfigError>;
}

/// What a constructor receives: the configuration, the application's users
/// and resources that the application or another constructor shared.
pub struct Setup<'a> {
    config: &'a AuthConfig,
    users: &'a Users,
    resources: &'a mut http::Extensions,
}

impl<'a> Setup<'a> {
    pub(crate) fn new(
        config: &'a AuthConfig,
        users: &'a Users,
        resources: &'a mut http::Extensions,
    ) -> Self {
        Self {
            config,
            users,
            resources,
        }
    }

    /// Returns the configuration.
    pub fn config(&self) -> &AuthConfig {
        self.config
    }

    /// Returns the application's user store.
    pub fn users(&self) -> &Users {
        self.users
    }

    /// Returns a shared resource of type `T`, if one was added.
    pub fn resource<T: Clone + Send + Sync + 'static>(&self) -> Option<&T> {
        self.resources.get::<T>()
    }

    /// Adds a resource for later constructors and for [`Auth::resource`](crate::Auth::resource).
    pub fn insert_resource<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.resources.insert(value);
    }
}

/// The future an authenticator returns, with its user's type erased.
#[doc(hidden)]
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = Result<AnyUser, AuthError>> + Send + 'a>>;

/// Object-safe form of [`Authentication`], with the user's type erased.
#[doc(hidden)]
pub trait DynAuthentication: Send + Sync {
    fn authenticate_dyn<'a>(&'a self, request: &'a Parts, users: &'a Users) -> Outcome<'a>;
}

impl<A: Authentication> DynAuthentication for A {
    fn authenticate_dyn<'a>(&'a self, request: &'a Parts, users: &'a Users) -> Outcome<'a> {
        match self.authenticate_now(request, users) {
            Some(outcome) => outcome,
            None => Outcome::Pending(A::User::erase_future(self.authenticate(request, users))),
        }
    }
}

/// Returns the user type `A` produces for an application whose model is `application_user`.
pub(crate) fn produced_by<A: Authentication>(application_user: TypeInfo) -> TypeInfo {
    <A::User as AuthenticatedUser>::produced(application_user)
}

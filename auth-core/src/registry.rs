//! The link-time registry of authenticators and protected handlers.
//!
//! `#[authentication]` and `#[protected]` add entries with `inventory`, so
//! every crate linked into the binary contributes without a central list.
//! Startup reads both lists once.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::authentication::{DynAuthentication, Setup};
use crate::user::{TypeInfo, UserParam};
use crate::{AnyUser, Authentication, ConfigError, UserModel};

/// An authenticator that `#[authentication]` registered.
#[doc(hidden)]
pub struct Registration {
    /// The type's full Rust path, which configuration uses as its name.
    pub name: &'static str,
    /// Builds the authenticator from `Default` or `FromConfig`.
    pub build: fn(&mut Setup<'_>) -> Result<Arc<dyn DynAuthentication>, ConfigError>,
    /// The user type it produces, given the application's user type.
    pub produces: fn(TypeInfo) -> TypeInfo,
}

inventory::collect!(Registration);

/// A handler that `#[protected]` registered, checked against its
/// authenticator at startup.
#[doc(hidden)]
pub struct ProtectedHandler {
    /// The handler's path, `module::function`.
    pub name: &'static str,
    /// The authenticator that runs for it.
    pub slot: Slot,
    /// The user model its parameter names.
    pub user: fn() -> TypeInfo,
}

impl ProtectedHandler {
    /// Describes the handler `name` whose user parameter is `P` and whose
    /// authenticator `S` selects.
    ///
    /// The bounds are the compile-time checks of `#[protected]`: the macro
    /// spans `P` on the parameter's type and `S` on the `auth = ...` option,
    /// so that rustc reports each unmet bound where the user must act.
    pub const fn new<P: UserParam, S: Selector<P>>(name: &'static str) -> Self {
        Self {
            name,
            slot: S::SLOT,
            user: TypeInfo::of::<P::Model>,
        }
    }

    /// Describes the handler `name` whose user parameter is `Option<U>`.
    ///
    /// It bounds `U` itself, so that a type that is not a user model is
    /// reported on the `U` inside `Option<U>`.
    pub const fn optional<U: UserModel, S: Selector<Option<U>>>(name: &'static str) -> Self {
        Self {
            name,
            slot: S::SLOT,
            user: TypeInfo::of::<U>,
        }
    }
}

inventory::collect!(ProtectedHandler);

/// Selection of the authenticator that a protected handler uses.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    /// `AUTHENTICATION`.
    Default,
    /// `WS_AUTHENTICATION`.
    WebSocket,
    /// A registered name, from the handler's `auth = ...` option.
    Named(&'static str),
}

impl Slot {
    /// Returns where this slot's authenticator is configured, for messages.
    pub fn setting(self) -> String {
        match self {
            Self::Default => "AUTHENTICATION".to_owned(),
            Self::WebSocket => "WS_AUTHENTICATION".to_owned(),
            Self::Named(name) => format!("the handler's `auth = \"{name}\"` option"),
        }
    }
}

/// Type-level choice of the authenticator of a protected handler whose user
/// parameter is `P`.
///
/// `#[protected]` writes one of these into the handler's signature, so the
/// choice costs nothing per request and an `auth = Type` option is checked
/// against the parameter at compile time.
#[doc(hidden)]
pub trait Selector<P>: Send + Sync + 'static {
    /// The slot whose authenticator runs.
    const SLOT: Slot;
}

/// Selects `AUTHENTICATION`.
#[doc(hidden)]
pub struct DefaultSlot;

impl<P> Selector<P> for DefaultSlot {
    const SLOT: Slot = Slot::Default;
}

/// Selects `WS_AUTHENTICATION`.
#[doc(hidden)]
pub struct WebSocketSlot;

impl<P> Selector<P> for WebSocketSlot {
    const SLOT: Slot = Slot::WebSocket;
}

/// Selects the registered authenticator `A`, named by type in
/// `#[protected(auth = A)]`.
///
/// It selects only for a parameter that `A` can fill, so a mismatch between
/// the authenticator's user and the handler's is a compile error.
#[doc(hidden)]
pub struct ByType<A>(PhantomData<fn() -> A>);

impl<A, P> Selector<P> for ByType<A>
where
    A: Registered,
    A::User: Produces<P>,
{
    const SLOT: Slot = Slot::Named(A::NAME);
}

/// A user type from which an authenticator can fill the parameter type `P`.
///
/// A concrete user model fills a parameter of that model or of its
/// `Option`; [`AnyUser`] fills any parameter, and startup then checks that
/// the application's model is the parameter's.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the authenticator produces `{Self}`, but the handler's user parameter is `{P}`",
    label = "this authenticator produces `{Self}`",
    note = "`auth = ...` must name an authenticator whose `Authentication::User` is the parameter's user model, or `AnyUser`"
)]
pub trait Produces<P> {}

impl<U: UserModel> Produces<U> for U {}

impl<U: UserModel> Produces<Option<U>> for U {}

impl<P: UserParam> Produces<P> for AnyUser {}

/// A type that `#[authentication]` registered, with its registered name.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a registered authenticator",
    label = "add `#[auth_core::authentication]` to the definition of `{Self}`",
    note = "only types registered with `#[authentication]` can be named in `#[protected(auth = ...)]`"
)]
pub trait Registered: Authentication {
    /// The type's full Rust path, as configuration names it.
    const NAME: &'static str;
}

/// Returns the names of every registered authenticator, sorted.
pub fn registered_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = inventory::iter::<Registration>
        .into_iter()
        .map(|registration| registration.name)
        .collect();
    names.sort_unstable();
    names
}

/// Finds the registration of `name`, or fails with an error that lists the known names.
pub(crate) fn find(name: &str, setting: &str) -> Result<&'static Registration, ConfigError> {
    let mut matches = inventory::iter::<Registration>
        .into_iter()
        .filter(|registration| registration.name == name);

    let Some(found) = matches.next() else {
        return Err(ConfigError::UnknownAuthenticator {
            setting: setting.to_owned(),
            name: name.to_owned(),
            registered: registered_names(),
        });
    };
    if matches.next().is_some() {
        return Err(ConfigError::DuplicateAuthenticator { name: found.name });
    }
    Ok(found)
}

/// Returns every registered protected handler.
pub(crate) fn protected_handlers() -> impl Iterator<Item = &'static ProtectedHandler> {
    inventory::iter::<ProtectedHandler>.into_iter()
}

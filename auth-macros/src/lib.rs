//! Attribute macros of `auth-core`: `#[authentication]` registers an
//! authenticator and `#[protected]` guards an axum handler.
//!
//! This crate is an implementation detail of `auth-core`, which re-exports
//! both attributes and documents them with runnable examples; depend on
//! `auth-core` only. Generated code names `::auth_core::__private` by
//! absolute path and does its work in ordinary functions there, so each
//! expansion stays small. This handler:
//!
//! ```text
//! #[protected]
//! pub async fn profile(user: User, Path(id): Path<u32>) -> String {
//!     format!("{id} {}", user.name)
//! }
//! ```
//!
//! expands to the same function with its user parameter rewritten into the
//! `Protected` extractor, and a registration that startup checks against
//! the configured authenticator:
//!
//! ```text
//! pub async fn profile(
//!     ::auth_core::__private::Protected(user, _):
//!         ::auth_core::__private::Protected<User, ::auth_core::__private::DefaultSlot>,
//!     Path(id): Path<u32>,
//! ) -> String {
//!     format!("{id} {}", user.name)
//! }
//!
//! ::auth_core::__private::inventory::submit! {
//!     ::auth_core::__private::ProtectedHandler::new::<User, ::auth_core::__private::DefaultSlot>(
//!         ::core::concat!(::core::module_path!(), "::", "profile"),
//!     )
//! }
//! ```
//!
//! Each macro has a module split by step: `parse` reads the tokens into
//! typed values, `validate` applies the rules that span several parts, and
//! `expand` writes the output. Every independent mistake is reported in one
//! build, spanned on the token to change, and the user's item is emitted
//! next to the errors so that one mistake gives one error.

use proc_macro::TokenStream;

mod args;
mod authentication;
mod errors;
mod protected;

// Both attributes are documented on their re-exports in `auth-core`, whose
// doctests can use the runtime; docs here would be appended to those.

#[proc_macro_attribute]
pub fn authentication(args: TokenStream, item: TokenStream) -> TokenStream {
    authentication::expand(args.into(), item.into()).into()
}

#[proc_macro_attribute]
pub fn protected(args: TokenStream, item: TokenStream) -> TokenStream {
    protected::expand(args.into(), item.into()).into()
}

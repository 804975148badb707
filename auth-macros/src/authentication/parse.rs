//! Reading the item under `#[authentication]`.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Item, ItemStruct};

/// Constructor that the registry calls at startup.
#[derive(Clone, Copy)]
pub enum Constructor {
    /// `Default::default()`, without options.
    Default,
    /// `FromConfig::from_config`, with the `from_config` option.
    FromConfig,
}

/// Parses the item, which must be a struct.
pub fn target(item: TokenStream) -> syn::Result<ItemStruct> {
    const WRAP: &str = "wrap it in a struct to register it";
    const DEFINE: &str = "define a struct, implement `auth_core::Authentication` for it and \
                          register the struct";

    match syn::parse2::<Item>(item)? {
        Item::Struct(item) => Ok(item),
        Item::Enum(item) => Err(not_a_struct(item.enum_token.span(), "an enum", WRAP)),
        Item::Union(item) => Err(not_a_struct(item.union_token.span(), "a union", WRAP)),
        Item::Fn(item) => Err(not_a_struct(item.sig.fn_token.span(), "a function", DEFINE)),
        Item::Impl(item) => Err(syn::Error::new(
            item.impl_token.span(),
            "`#[authentication]` goes on the struct definition, not on its `impl` block",
        )),
        other => Err(not_a_struct(other.span(), "another item", DEFINE)),
    }
}

fn not_a_struct(span: Span, found: &str, help: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "`#[authentication]` registers a struct that implements `auth_core::Authentication`, \
             found {found}; {help}"
        ),
    )
}

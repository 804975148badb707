//! Reading the handler under `#[protected]` and its `#[user]` marker.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Item, ItemFn, Meta};

use crate::errors::Errors;

/// The handler, with its `#[user]` markers removed.
pub struct Handler {
    pub function: ItemFn,
    /// The index of each parameter marked `#[user]`, with its marker.
    pub marked: Vec<(usize, Attribute)>,
}

/// Parses the item, which must be a function, and removes `#[user]` from its
/// parameters, because rustc would reject it as an unknown attribute.
pub fn handler(item: TokenStream, errors: &mut Errors) -> syn::Result<Handler> {
    let mut function = match syn::parse2::<Item>(item)? {
        Item::Fn(function) => function,
        other => {
            return Err(syn::Error::new(
                item_keyword_span(&other),
                "`#[protected]` guards an async handler function; put it on an `async fn`",
            ));
        }
    };

    let mut marked = Vec::new();
    for (index, input) in function.sig.inputs.iter_mut().enumerate() {
        let attrs = match input {
            FnArg::Typed(param) => &mut param.attrs,
            FnArg::Receiver(receiver) => &mut receiver.attrs,
        };
        if let Some(marker) = take_markers(attrs, errors) {
            marked.push((index, marker));
        }
    }
    Ok(Handler { function, marked })
}

/// Removes the `#[user]` markers from `attrs` and returns the first,
/// reporting repeated markers and markers with arguments.
fn take_markers(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Option<Attribute> {
    let (markers, others): (Vec<Attribute>, Vec<Attribute>) = std::mem::take(attrs)
        .into_iter()
        .partition(|attr| attr.path().is_ident("user"));
    *attrs = others;

    for marker in &markers {
        if !matches!(marker.meta, Meta::Path(_)) {
            errors.push(syn::Error::new_spanned(
                &marker.meta,
                "`#[user]` takes no arguments; write `#[user]`",
            ));
        }
    }
    for repeated in markers.iter().skip(1) {
        errors.push(syn::Error::new_spanned(
            repeated,
            "duplicate `#[user]` marker",
        ));
    }
    markers.into_iter().next()
}

fn item_keyword_span(item: &Item) -> Span {
    match item {
        Item::Struct(item) => item.struct_token.span(),
        Item::Enum(item) => item.enum_token.span(),
        Item::Impl(item) => item.impl_token.span(),
        Item::Mod(item) => item.mod_token.span(),
        Item::Trait(item) => item.trait_token.span(),
        Item::Static(item) => item.static_token.span(),
        Item::Const(item) => item.const_token.span(),
        other => other.span(),
    }
}

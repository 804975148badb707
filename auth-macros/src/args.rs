//! Attribute options: a comma-separated list of `name` or `name = value`.
//!
//! Both macros read their options into this shape first and then check
//! each option on its own, so that every wrong option is reported, not only
//! the first.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

/// One option of an attribute.
pub struct Arg {
    pub name: Ident,
    /// The tokens after `=`, or `None` when the option has no `=`.
    pub value: Option<TokenStream>,
}

/// Parses `name, name = value, ...`; the meaning of each value is left to the macro.
pub fn parse(args: TokenStream) -> syn::Result<Vec<Arg>> {
    let args = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(args)?;
    Ok(args.into_iter().collect())
}

impl syn::parse::Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // Keywords such as `type` are read as names too, so that they get the
        // "unknown option" message with the list of valid ones.
        let name = Ident::parse_any(input)?;
        if input.is_empty() || input.peek(Token![,]) {
            return Ok(Self { name, value: None });
        }

        let equals: Token![=] = input.parse()?;
        let mut value = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![,]) {
            value.extend([input.parse::<TokenTree>()?]);
        }
        if value.is_empty() {
            return Err(syn::Error::new_spanned(
                equals,
                format!("expected a value after `{name} =`"),
            ));
        }
        Ok(Self {
            name,
            value: Some(value),
        })
    }
}

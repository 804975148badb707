//! `#[protected]`: guards an async axum handler by turning its user
//! parameter into the `Protected` extractor of `auth-core`.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();

    let selection = errors
        .take(crate::args::parse(args))
        .map(|args| validate::options(args, &mut errors))
        .unwrap_or_default();
    let handler = parse::handler(item.clone(), &mut errors);
    let Some(mut handler) = errors.take(handler) else {
        let errors = errors.to_compile_errors();
        return quote!(#item #errors);
    };
    if !validate::signature(&handler.function, &mut errors) {
        let errors = errors.to_compile_errors();
        let function = &handler.function;
        return quote!(#function #errors);
    }
    let user = validate::user_param(&handler, &mut errors);

    let output = expand::handler(&mut handler.function, user, &selection);
    let errors = errors.to_compile_errors();
    quote! {
        #output
        #errors
    }
}

#[cfg(test)]
mod tests;

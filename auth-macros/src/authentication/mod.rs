//! `#[authentication]`: registers a struct that implements `Authentication`
//! under its full Rust path, with the constructor that the options choose.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();

    let constructor = errors
        .take(crate::args::parse(args))
        .and_then(|args| validate::options(args, &mut errors));
    let Some(target) = errors.take(parse::target(item.clone())) else {
        let errors = errors.to_compile_errors();
        return quote!(#item #errors);
    };
    validate::target(&target, &mut errors);

    let registration = expand::registration(&target, constructor);
    let errors = errors.to_compile_errors();
    quote! {
        #target
        #registration
        #errors
    }
}

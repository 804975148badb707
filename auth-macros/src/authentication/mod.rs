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

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::expand;

    #[test]
    fn struct_expands_to_registration() {
        let output = expand(
            quote!(from_config),
            quote!(
                pub struct ApiKeyAuthentication;
            ),
        );

        let expected = quote! {
            pub struct ApiKeyAuthentication;

            impl ::auth_core::__private::Registered for ApiKeyAuthentication {
                const NAME: &'static str =
                    ::core::concat!(::core::module_path!(), "::", "ApiKeyAuthentication");
            }

            ::auth_core::__private::inventory::submit! {
                ::auth_core::__private::registration_from_config::<ApiKeyAuthentication>()
            }
        };
        assert_eq!(output.to_string(), expected.to_string());
    }

    #[test]
    fn wrong_option_registers_no_constructor() {
        let output = expand(
            quote!(from_env),
            quote!(
                pub struct ApiKeyAuthentication;
            ),
        );

        let output = output.to_string();
        assert!(
            output.contains("Registered for ApiKeyAuthentication"),
            "{output}"
        );
        assert!(!output.contains("inventory"), "{output}");
        assert!(output.contains("compile_error"), "{output}");
    }
}

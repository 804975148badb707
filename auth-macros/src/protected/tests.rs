//! Expansion snapshots of `#[protected]` and the rules for finding the user
//! parameter. The crate docs show the first snapshot.

use quote::quote;

use super::expand;

fn expand_to_string(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
    expand(args, item).to_string()
}

#[test]
fn configured_handler_expansion() {
    let output = expand_to_string(
        quote!(),
        quote! {
            pub async fn profile(user: User, Path(id): Path<u32>) -> String {
                format!("{id} {}", user.name)
            }
        },
    );

    let expected = quote! {
        pub async fn profile(
            ::auth_core::__private::Protected(user, _):
                ::auth_core::__private::Protected<User, ::auth_core::__private::DefaultSlot>,
            Path(id): Path<u32>
        ) -> String {
            format!("{id} {}", user.name)
        }

        ::auth_core::__private::inventory::submit! {
            ::auth_core::__private::ProtectedHandler::new::<User, ::auth_core::__private::DefaultSlot>(
                ::core::concat!(::core::module_path!(), "::", "profile"),
            )
        }
    };
    assert_eq!(output, expected.to_string());
}

#[test]
fn optional_user_registers_its_model() {
    let output = expand_to_string(
        quote!(ws),
        quote!(
            async fn chat(user: Option<User>) {}
        ),
    );

    let expected = quote! {
        ::auth_core::__private::ProtectedHandler::optional::<User, ::auth_core::__private::WebSocketSlot>
    };
    assert!(output.contains(&expected.to_string()), "{output}");
}

#[test]
fn auth_type_selects_by_type() {
    let output = expand_to_string(
        quote!(auth = keys::ApiKeyAuthentication),
        quote!(
            async fn status(user: ApiUser) {}
        ),
    );

    let expected = quote! {
        ::auth_core::__private::Protected<ApiUser, ::auth_core::__private::ByType<keys::ApiKeyAuthentication> >
    };
    assert!(output.contains(&expected.to_string()), "{output}");
}

#[test]
fn auth_name_adds_selector_type() {
    let output = expand_to_string(
        quote!(auth = "my_app::ApiKeyAuthentication"),
        quote!(
            pub(crate) async fn status(user: ApiUser) {}
        ),
    );

    let expected = quote! {
        pub(crate) struct __auth_selector_status;

        impl<P> ::auth_core::__private::Selector<P> for __auth_selector_status {
            const SLOT: ::auth_core::__private::Slot =
                ::auth_core::__private::Slot::Named("my_app::ApiKeyAuthentication");
        }
    };
    assert!(output.contains(&expected.to_string()), "{output}");
    assert!(
        output.contains("Protected < ApiUser , __auth_selector_status >"),
        "{output}"
    );
}

#[test]
fn generic_user_not_registered() {
    let output = expand_to_string(
        quote!(),
        quote!(
            async fn profile<U: UserModel>(user: U) {}
        ),
    );

    assert!(!output.contains("inventory"), "{output}");
    let expected = quote! {
        fn __auth_check<U: UserModel>() {
            ::auth_core::__private::assert_protected::<U, ::auth_core::__private::DefaultSlot>();
        }
    };
    assert!(output.contains(&expected.to_string()), "{output}");
}

#[test]
fn user_marker_selects_parameter() {
    let output = expand_to_string(
        quote!(),
        quote!(
            async fn profile(id: RequestId, #[user] User { id: user_id }: User) {}
        ),
    );

    assert!(!output.contains("# [user]"), "{output}");
    let expected = quote! {
        async fn profile(
            id: RequestId,
            ::auth_core::__private::Protected(User { id: user_id }, _):
                ::auth_core::__private::Protected<User, ::auth_core::__private::DefaultSlot>
        ) {}
    };
    assert!(output.starts_with(&expected.to_string()), "{output}");
}

#[test]
fn known_extractors_are_not_candidates() {
    let output = expand_to_string(
        quote!(),
        quote! {
            async fn handler(
                headers: HeaderMap,
                method: axum::http::Method,
                ws: WebSocketUpgrade,
                State(state): State<AppState>,
                body: String,
                user: Option<crate::models::User>,
            ) {}
        },
    );

    let expected = quote! {
        ::auth_core::__private::Protected<Option<crate::models::User>, ::auth_core::__private::DefaultSlot>
    };
    assert!(output.contains(&expected.to_string()), "{output}");
    assert!(!output.contains("compile_error"), "{output}");
}

#[test]
fn error_keeps_handler_unchanged() {
    let item = quote!(
        async fn handler(State(state): State<AppState>) {}
    );

    let output = expand_to_string(quote!(), item.clone());

    assert!(output.starts_with(&item.to_string()), "{output}");
    assert!(output.contains("compile_error"), "{output}");
}

#[test]
fn registered_name_must_be_full_path() {
    for name in [
        "ApiKeyAuthentication",
        "crate::ApiKeyAuthentication",
        "my_app :: Auth",
        "my_app::",
        "",
    ] {
        let output = expand_to_string(
            quote!(auth = #name),
            quote!(
                async fn status(user: ApiUser) {}
            ),
        );

        assert!(
            output.contains("compile_error"),
            "{name:?} was accepted: {output}"
        );
    }
}

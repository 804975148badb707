//! Visibility, docs, other attributes and the return type stay as written,
//! in nested modules and in function bodies too.

#[path = "../../support.rs"]
mod support;

mod handlers {
    use auth_core::protected;
    use axum::response::IntoResponse;

    use crate::support::User;

    /// Returns the caller's id.
    #[protected]
    #[allow(clippy::unused_async)]
    pub async fn profile(user: User) -> impl IntoResponse {
        user.id.to_string()
    }

    #[protected]
    #[must_use = "a handler's response must be sent"]
    pub(crate) async fn r#type(user: User) -> String {
        format!("type of {}", user.id)
    }

    #[cfg_attr(test, allow(dead_code))]
    #[protected]
    pub(super) async fn settings(user: User) -> &'static str {
        if user.id > 0 { "settings" } else { "none" }
    }
}

fn main() {
    use auth_core::protected;
    use axum::Router;
    use axum::routing::get;
    use support::User;

    #[protected]
    async fn local(user: User) -> String {
        user.id.to_string()
    }

    let _: Router = Router::new()
        .route("/profile", get(handlers::profile))
        .route("/type", get(handlers::r#type))
        .route("/settings", get(handlers::settings))
        .route("/local", get(local));
}

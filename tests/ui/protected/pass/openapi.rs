//! `#[protected]` composes with `utoipa::path` in either order. Above
//! `#[protected]`, utoipa reads the handler as written, and below it the
//! rewritten parameter.

#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use support::User;
use utoipa::OpenApi;

/// Returns one item of the caller.
#[utoipa::path(
    get,
    path = "/items/{id}",
    params(("id" = u32, Path, description = "Item id")),
    responses((status = 200, description = "The item"), (status = 401, description = "Not authenticated"))
)]
#[protected]
async fn item(user: User, Path(id): Path<u32>) -> String {
    format!("{} {id}", user.id)
}

/// Returns the caller's profile.
#[protected]
#[utoipa::path(get, path = "/profile", responses((status = 200, description = "The profile")))]
async fn profile(user: User) -> String {
    user.id.to_string()
}

#[derive(OpenApi)]
#[openapi(paths(item, profile))]
struct ApiDoc;

fn main() {
    let _: Router = Router::new()
        .route("/items/{id}", get(item))
        .route("/profile", get(profile));

    let paths = ApiDoc::openapi().paths.paths;
    assert!(paths.contains_key("/items/{id}"));
    assert!(paths.contains_key("/profile"));
}

//! The user parameter sits anywhere among the other extractors, whose order
//! and patterns stay as written, in a router with state.

#[path = "../../support.rs"]
mod support;

use auth_core::{Auth, protected};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use support::User;

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

#[derive(Deserialize)]
struct Page {
    number: u32,
}

#[derive(Deserialize)]
struct Note {
    text: String,
}

#[protected]
async fn first(user: User, State(state): State<AppState>, Path(id): Path<u32>) -> String {
    format!("{} {} {id}", state.greeting, user.id)
}

#[protected]
async fn middle(
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    mut user: User,
    Query(page): Query<Page>,
    auth: Auth,
) -> String {
    user.id += 1;
    let _ = auth.authentication_name();
    format!("{method} {uri} {} {} {}", headers.len(), user.id, page.number)
}

#[protected]
async fn with_body(user: User, Json(note): Json<Note>) -> Result<Json<String>, StatusCode> {
    if note.text.is_empty() {
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(Json(format!("{}: {}", user.id, note.text)))
}

fn main() {
    let _: Router = Router::new()
        .route("/first/{id}", get(first))
        .route("/middle", get(middle))
        .route("/notes", post(with_body))
        .with_state(AppState { greeting: "hello" });
}

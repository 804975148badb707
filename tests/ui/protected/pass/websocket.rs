//! `#[protected(ws)]` on a WebSocket upgrade handler, with the user before
//! or after the upgrade extractor.

#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use support::User;

#[protected(ws)]
async fn chat(user: User, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| greet(socket, user))
}

#[protected(ws)]
async fn feed(ws: WebSocketUpgrade, user: Option<User>) -> Response {
    let id = user.map_or(0, |user| user.id);
    ws.on_upgrade(move |socket| greet(socket, User { id }))
}

async fn greet(mut socket: WebSocket, user: User) {
    let greeting = format!("hello, user {}", user.id);
    let _ = socket.send(Message::Text(greeting.into())).await;
}

fn main() {
    let _: Router = Router::new()
        .route("/chat", get(chat))
        .route("/feed", get(feed));
}

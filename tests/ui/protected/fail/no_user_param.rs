#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use axum::extract::Path;

#[protected]
async fn item(Path(id): Path<u32>) -> String {
    format!("item {id}")
}

fn main() {}

//! The user model, after Panther's `BaseUser`, stored in the `users` table.

use std::fmt;
use std::time::SystemTime;

use auth_core::{UserId, UserModel, UserStoreError, async_trait};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

/// A user of the server.
///
/// Dates are RFC 3339 strings in UTC with whole seconds, such as
/// `2025-01-31T09:30:00Z`.
#[derive(Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    /// PHC string of the argon2id hash of the password.
    pub password_hash: String,
    /// When the user last logged in, `None` before the first login.
    pub last_login: Option<String>,
    pub date_created: String,
}

// Written by hand so that the password hash never reaches a log.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("last_login", &self.last_login)
            .field("date_created", &self.date_created)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl UserModel for User {
    type Store = SqlitePool;

    fn id(&self) -> UserId {
        UserId::Int(self.id)
    }

    async fn find_by_id(pool: &SqlitePool, id: &UserId) -> Result<Option<Self>, UserStoreError> {
        // Ids here are integers, so a text `user_id` names no user.
        let UserId::Int(id) = id else {
            return Ok(None);
        };
        find_by_id(pool, *id).await.map_err(UserStoreError::new)
    }
}

/// Public view of a user: every field except the password hash.
#[derive(Debug, Serialize)]
pub struct Profile {
    pub id: i64,
    pub username: String,
    pub last_login: Option<String>,
    pub date_created: String,
}

impl From<&User> for Profile {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            last_login: user.last_login.clone(),
            date_created: user.date_created.clone(),
        }
    }
}

/// Returns the current time as the API shows dates: RFC 3339, UTC, whole seconds.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Inserts a user; fails with a unique violation when the username is taken.
pub async fn insert(
    pool: &SqlitePool,
    username: &str,
    password_hash: &str,
) -> Result<User, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO users (username, password_hash, date_created) VALUES (?, ?, ?) \
         RETURNING id, username, password_hash, last_login, date_created",
    )
    .bind(username)
    .bind(password_hash)
    .bind(now_rfc3339())
    .fetch_one(pool)
    .await?;
    from_row(&row)
}

pub async fn find_by_id(pool: &SqlitePool, id: i64) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, username, password_hash, last_login, date_created FROM users WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_username(
    pool: &SqlitePool,
    username: &str,
) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, username, password_hash, last_login, date_created FROM users \
         WHERE username = ?",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Sets `last_login` to now, as a successful login does. Returns false when
/// no user has `id`, such as when a request deleted it during the login.
pub async fn record_login(pool: &SqlitePool, id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE users SET last_login = ? WHERE id = ?")
        .bind(now_rfc3339())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// Deletes a user and, through the foreign key, its API keys. Returns
/// whether a user was deleted.
pub async fn delete(pool: &SqlitePool, id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// Reads a user from a row with the columns of the `users` table.
pub fn from_row(row: &SqliteRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        last_login: row.try_get("last_login")?,
        date_created: row.try_get("date_created")?,
    })
}

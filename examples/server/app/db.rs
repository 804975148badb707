//! The SQLite database: opened, created when missing and migrated at start.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::StartError;

/// Schema changes, applied in order and recorded in `_sqlx_migrations`.
/// They are compiled in, so the server runs from any directory.
const MIGRATIONS: [(i64, &str, &str); 2] = [
    (
        1,
        "create users",
        include_str!("migrations/0001_create_users.sql"),
    ),
    (
        2,
        "create api keys",
        include_str!("migrations/0002_create_api_keys.sql"),
    ),
];

/// How long a write waits for another connection's write to finish before
/// failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the database at `url`, creating the file when it is missing, and
/// applies the migrations it lacks.
pub async fn connect(url: &str) -> Result<SqlitePool, StartError> {
    let invalid_url = |source| StartError::Database {
        url: url.to_owned(),
        source,
    };
    let options = SqliteConnectOptions::from_str(url)
        .map_err(invalid_url)?
        .create_if_missing(true)
        // WAL lets requests read while another one writes.
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);

    let pool = SqlitePoolOptions::new()
        .connect_with(options)
        .await
        .map_err(|source| StartError::Database {
            url: url.to_owned(),
            source,
        })?;

    migrator()
        .run(&pool)
        .await
        .map_err(|source| StartError::Migration {
            url: url.to_owned(),
            source,
        })?;
    Ok(pool)
}

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                description.into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

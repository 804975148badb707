//! The SQLite database: opened, created when missing and migrated at start.

use std::str::FromStr;
use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::StartError;

/// Schema changes, in order. They are compiled in, so the server runs from
/// any directory. SQLite's `user_version` header field counts the applied ones.
const MIGRATIONS: [&str; 2] = [
    include_str!("migrations/0001_create_users.sql"),
    include_str!("migrations/0002_create_api_keys.sql"),
];

/// How long a write waits for another connection's write to finish before
/// failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Pause between two attempts to open a database that another instance is
/// switching to WAL at the same moment.
const BUSY_RETRY_PAUSE: Duration = Duration::from_millis(20);

/// SQLite's primary result code for "database is locked". Its extended codes
/// keep it in their low byte.
const SQLITE_BUSY: i32 = 5;

/// Opens the database at `url`, creating the file when it is missing, and
/// applies the migrations it lacks.
pub async fn connect(url: &str) -> Result<SqlitePool, StartError> {
    let failed = |source| StartError::Database {
        url: without_credentials(url),
        source,
    };
    // sqlx reads any URL without the `sqlite:` scheme as a file name, so a
    // PostgreSQL URL would fail with "unable to open database file".
    if url.contains("://") && !url.starts_with("sqlite:") {
        let reason = "this server keeps users in SQLite, so the URL must start with sqlite:, \
                      such as sqlite:auth-server.db";
        return Err(failed(sqlx::Error::Configuration(reason.into())));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(failed)?
        .create_if_missing(true)
        // WAL lets requests read while another one writes.
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = open(options).await.map_err(failed)?;

    migrate(&pool, url).await?;
    Ok(pool)
}

/// Opens a pool on `options`, retrying for up to [`BUSY_TIMEOUT`] while the
/// file is locked.
///
/// Switching a new file to WAL needs an exclusive lock that SQLite does not
/// wait for, so two instances that start together on one new file can see
/// "database is locked" here even with a busy timeout.
async fn open(options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    let deadline = tokio::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match SqlitePoolOptions::new().connect_with(options.clone()).await {
            Err(error) if is_busy(&error) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(BUSY_RETRY_PAUSE).await;
            }
            result => return result,
        }
    }
}

/// Returns whether `error` is SQLite's "database is locked".
fn is_busy(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|error| error.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

/// Applies the migrations that the database lacks, in one transaction.
///
/// `BEGIN IMMEDIATE` takes the write lock before the version is read, so
/// instances that start together on one file apply each migration once.
async fn migrate(pool: &SqlitePool, url: &str) -> Result<(), StartError> {
    let failed = |source| StartError::Migration {
        url: without_credentials(url),
        source,
    };
    let mut transaction = pool.begin_with("BEGIN IMMEDIATE").await.map_err(failed)?;

    let applied: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut *transaction)
        .await
        .map_err(failed)?;
    let known = MIGRATIONS.len();
    let applied = match usize::try_from(applied) {
        Ok(applied) if applied <= known => applied,
        _ => {
            return Err(StartError::UnknownSchema {
                url: without_credentials(url),
                version: applied,
                known,
            });
        }
    };

    for sql in &MIGRATIONS[applied..] {
        sqlx::raw_sql(*sql)
            .execute(&mut *transaction)
            .await
            .map_err(failed)?;
    }
    // PRAGMA takes no bound parameters; the value is a number from this file.
    sqlx::raw_sql(AssertSqlSafe(format!("PRAGMA user_version = {known}")))
        .execute(&mut *transaction)
        .await
        .map_err(failed)?;

    transaction.commit().await.map_err(failed)
}

/// Returns `url` with the user name and password in its authority replaced
/// by `<credentials>`, for error messages: `DATABASE_URL` may be set for
/// another database, with its password.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://<credentials>{}", &rest[at..]),
        None => url.to_owned(),
    }
}

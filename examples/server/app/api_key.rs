//! API keys: `ak_<id>_<secret>`, sent in the `X-API-Key` header, and the
//! custom authenticator that checks them.

use auth_core::{
    AuthError, Authentication, ConfigError, FromConfig, Registered, Setup, Users, async_trait,
    authentication,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::sqlite::SqlitePool;
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::user::{self, User};

/// The request header that carries the key.
pub const HEADER: &str = "x-api-key";

/// Marks a string as this server's API key, which helps secret scanners and
/// people recognize a leaked one.
const PREFIX: &str = "ak_";

/// Random bytes in a secret: 256 bits.
const SECRET_BYTES: usize = 32;

/// Length of a secret once base64url-encoded without padding.
const SECRET_LENGTH: usize = 43;

/// Creates a key for the user and returns it. Only the SHA-256 of its secret
/// is stored, so the key cannot be shown again.
///
/// Fails with 401 `User not found` when no user has `user_id`, such as when
/// a request deleted the user after another one authenticated it.
pub async fn create(pool: &SqlitePool, user_id: i64) -> Result<String, ApiError> {
    let mut bytes = [0_u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|error| ApiError::internal(format!("random number generator failed: {error}")))?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);

    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (user_id, secret_sha256, date_created) VALUES (?, ?, ?) \
         RETURNING id",
    )
    .bind(user_id)
    .bind(Sha256::digest(secret.as_bytes()).as_slice())
    .bind(user::now_rfc3339())
    .fetch_one(pool)
    .await
    .map_err(|error| match error {
        sqlx::Error::Database(error) if error.is_foreign_key_violation() => {
            AuthError::invalid_token("User not found").into()
        }
        error => ApiError::from(error),
    })?;

    Ok(format!("{PREFIX}{id}_{secret}"))
}

/// Authenticates the `X-API-Key` header and produces the key's [`User`].
///
/// Registered under its Rust path, so it can also be selected with
/// `AUTHENTICATION=<module path>::ApiKeyAuthentication`.
#[authentication(from_config)]
pub struct ApiKeyAuthentication {
    pool: SqlitePool,
}

impl FromConfig for ApiKeyAuthentication {
    fn from_config(setup: &mut Setup<'_>) -> Result<Self, ConfigError> {
        let Some(pool) = setup.resource::<SqlitePool>() else {
            return Err(ConfigError::Authenticator {
                name: <Self as Registered>::NAME,
                reason: "no SqlitePool resource was shared; pass the pool to \
                         AuthBuilder::resource"
                    .to_owned(),
            });
        };
        Ok(Self { pool: pool.clone() })
    }
}

#[async_trait]
impl Authentication for ApiKeyAuthentication {
    type User = User;

    async fn authenticate(&self, request: &Parts, _users: &Users) -> Result<User, AuthError> {
        let (id, secret) = key_from_headers(request)?;

        let row = sqlx::query(
            "SELECT api_keys.secret_sha256, users.id, users.username, users.password_hash, \
             users.last_login, users.date_created \
             FROM api_keys JOIN users ON users.id = api_keys.user_id WHERE api_keys.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else {
            return Err(AuthError::invalid_token("API key is invalid"));
        };

        let stored: Vec<u8> = row.try_get("secret_sha256").map_err(unavailable)?;
        if !secret_matches(secret, &stored) {
            return Err(AuthError::invalid_token("API key is invalid"));
        }
        user::from_row(&row).map_err(unavailable)
    }
}

/// Returns whether `secret` hashes to `stored_sha256`, the one comparison
/// of a presented key with a stored one.
///
/// The digests are compared with `subtle`'s constant-time equality, so the
/// time taken does not depend on how many leading bytes match. A stored
/// value of another length never matches.
pub fn secret_matches(secret: &str, stored_sha256: &[u8]) -> bool {
    let presented = Sha256::digest(secret.as_bytes());
    bool::from(presented.as_slice().ct_eq(stored_sha256))
}

/// Splits the header's key into its id and secret, checking the format
/// before any database work.
fn key_from_headers(request: &Parts) -> Result<(i64, &str), AuthError> {
    let mut values = request.headers.get_all(HEADER).iter();
    let Some(value) = values.next() else {
        return Err(AuthError::missing("X-API-Key header is missing"));
    };
    if values.next().is_some() {
        return Err(AuthError::invalid_request(
            "Multiple X-API-Key headers were sent; send exactly one",
        ));
    }

    let malformed = || AuthError::invalid_token("API key is malformed");
    let key = value.to_str().map_err(|_| malformed())?;
    let (id, secret) = key
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .ok_or_else(malformed)?;
    // `parse` below rejects ids beyond `i64`, but accepts a sign and
    // leading zeros, which this check does not: each key has one spelling,
    // so a block list or rate limit keyed by the string cannot be bypassed.
    let id_valid =
        !id.is_empty() && !id.starts_with('0') && id.bytes().all(|byte| byte.is_ascii_digit());
    let secret_valid = secret.len() == SECRET_LENGTH
        && secret
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if !id_valid || !secret_valid {
        return Err(malformed());
    }

    let id = id.parse().map_err(|_| malformed())?;
    Ok((id, secret))
}

fn unavailable(error: sqlx::Error) -> AuthError {
    tracing::error!(%error, "API key lookup failed");
    AuthError::unavailable("Authentication service is unavailable")
}

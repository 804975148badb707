//! [`RedisRevocationStore`]: revocations shared by every server instance.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ConnectionAddr, FromRedisValue};

use super::{RevocationError, RevocationKey, RevocationStore};

/// Maximum time to live given to a key, 100 years of 365.25 days in
/// milliseconds, because Redis rejects a `PX` whose deadline overflows its
/// clock. A token that lives longer stays revoked for 100 years only.
const MAX_TTL_MILLIS: u64 = 36_525 * 24 * 60 * 60 * 1000;

/// Revocation store in Redis, for applications that run several server
/// instances: a token revoked through one instance is refused by all.
///
/// Each revoked token or session is one key, `<prefix><key>`, where the key
/// is the token's `jti` (or the SHA-256 of a token without one) or its
/// session id, never the token itself. The key expires with the token, so
/// Redis keeps no entry past a token's `exp`.
///
/// - [`revoke`](RevocationStore::revoke) is one `SET key 1 NX PX <ttl>`:
///   of two instances revoking one refresh token at the same moment, exactly
///   one gets `true`, so the token is exchanged at most once.
/// - [`is_revoked`](RevocationStore::is_revoked) is one `EXISTS key...`
///   round trip for the token and its session.
///
/// # Outages
///
/// Every operation fails within the connection timeout plus the response
/// timeout, 750 ms by default, and authentication then answers 503: a
/// revoked token is never accepted because Redis could not be asked. The
/// connection is re-established by the next operation after a failure, so
/// requests succeed again as soon as Redis is back, without a restart.
///
/// Redis started without persistence (`--save ''`, no `appendonly`) loses
/// every revocation when it restarts; run it with AOF or RDB persistence if
/// logged-out tokens must stay refused across a Redis restart.
///
/// # Example
///
/// ```no_run
/// use auth_jwt::{RedisRevocationStore, Revocation};
///
/// # async fn run() -> Result<(), auth_jwt::RedisStoreError> {
/// let store = RedisRevocationStore::builder("redis://127.0.0.1:6379/0")
///     .key_prefix("my-app:revoked:")
///     .connect()
///     .await?;
/// let revocation = Revocation::new(store);
/// # let _ = revocation;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisRevocationStore {
    connection: ConnectionManager,
    key_prefix: String,
    deadline: Duration,
    address: String,
}

impl fmt::Debug for RedisRevocationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRevocationStore")
            .field("address", &self.address)
            .field("key_prefix", &self.key_prefix)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// Builder of a [`RedisRevocationStore`]: the URL, the key prefix and the timeouts.
pub struct RedisRevocationStoreBuilder {
    url: String,
    key_prefix: String,
    connection_timeout: Duration,
    response_timeout: Duration,
}

impl fmt::Debug for RedisRevocationStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may contain a password.
        f.debug_struct("RedisRevocationStoreBuilder")
            .field("key_prefix", &self.key_prefix)
            .field("connection_timeout", &self.connection_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish_non_exhaustive()
    }
}

/// Failure to set up or to use a [`RedisRevocationStore`]. Messages name the
/// server by host, port and database, never with the URL's password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The URL could not be parsed or selects something this build lacks, such as TLS.
    #[error(
        "invalid Redis URL: {reason}; expected redis://[user:password@]host[:port][/db] \
         or redis+unix:///path/to/socket"
    )]
    InvalidUrl {
        /// The client's parse error, which does not contain the URL.
        reason: String,
    },

    /// No connection could be opened at startup.
    #[error(
        "could not connect to Redis at {address}: {source}; {}",
        connect_advice(source, "the URL")
    )]
    Connect {
        /// The server, without credentials.
        address: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },

    /// The server rejected a command of the store at startup, such as for a
    /// missing password, an ACL or a read-only replica.
    #[error(
        "Redis at {address} rejected {command}: {source}; {}",
        rejection_advice(source, "the URL")
    )]
    Rejected {
        /// The command's name.
        command: &'static str,
        /// The server, without credentials.
        address: String,
        /// The server's error.
        #[source]
        source: redis::RedisError,
    },

    /// A command failed, such as on a lost connection.
    #[error("Redis command {command} at {address} failed: {source}")]
    Command {
        /// The command's name.
        command: &'static str,
        /// The server, without credentials.
        address: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },

    /// A command got no reply in time.
    #[error("Redis command {command} at {address} timed out after {timeout:?}")]
    TimedOut {
        /// The command's name.
        command: &'static str,
        /// The server, without credentials.
        address: String,
        /// The time allowed.
        timeout: Duration,
    },
}

impl RedisRevocationStore {
    /// Prefix of the keys unless configured otherwise.
    pub const DEFAULT_KEY_PREFIX: &str = "auth:revoked:";

    /// Time allowed to open a connection unless configured otherwise. It
    /// matters when the server is gone and connection attempts hang, because
    /// a reachable server on the same network accepts within milliseconds.
    pub const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_millis(250);

    /// Time allowed for a command's reply unless configured otherwise.
    pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);

    /// Starts building a store on the Redis server at `url`, such as
    /// `redis://127.0.0.1:6379/0` or `redis://:password@redis.internal/1`.
    pub fn builder(url: impl Into<String>) -> RedisRevocationStoreBuilder {
        RedisRevocationStoreBuilder {
            url: url.into(),
            key_prefix: Self::DEFAULT_KEY_PREFIX.to_owned(),
            connection_timeout: Self::DEFAULT_CONNECTION_TIMEOUT,
            response_timeout: Self::DEFAULT_RESPONSE_TIMEOUT,
        }
    }

    /// Connects to the Redis server at `url` with the default settings.
    pub async fn connect(url: impl Into<String>) -> Result<Self, RedisStoreError> {
        Self::builder(url).connect().await
    }

    /// Returns the server's address without credentials, as logs show it.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Returns the prefix of the keys.
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// Returns the Redis key of `key`: the prefix, then the key's text.
    pub fn redis_key(&self, key: &RevocationKey) -> String {
        format!("{}{}", self.key_prefix, key.as_str())
    }

    /// Runs `command`, once more if the connection turns out lost before
    /// the command could have been applied, all within the deadline.
    ///
    /// `idempotent` commands are also repeated after a connection was lost
    /// while they ran; the others are not, because Redis may have applied
    /// them already.
    async fn query<T: FromRedisValue>(
        &self,
        name: &'static str,
        command: &Cmd,
        idempotent: bool,
    ) -> Result<T, RedisStoreError> {
        let attempts = async {
            let mut connection = self.connection.clone();
            match command.query_async(&mut connection).await {
                // The manager has begun a new connection; the second try waits for it.
                Err(error)
                    if error.is_connection_dropped()
                        && (idempotent || error.is_connection_refusal()) =>
                {
                    command.query_async(&mut connection).await
                }
                result => result,
            }
        };

        match tokio::time::timeout(self.deadline, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(source)) => Err(RedisStoreError::Command {
                command: name,
                address: self.address.clone(),
                source,
            }),
            Err(_) => Err(RedisStoreError::TimedOut {
                command: name,
                address: self.address.clone(),
                timeout: self.deadline,
            }),
        }
    }
}

impl RedisRevocationStoreBuilder {
    /// Sets the prefix of the keys, `auth:revoked:` by default, so that
    /// applications sharing one Redis database keep apart.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Sets the time allowed to open a connection, 250 ms by default.
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// Sets the time allowed for a command's reply, 500 ms by default.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Connects, failing when the URL is invalid, the server cannot be
    /// reached now or it rejects the store's commands (a missing password,
    /// an ACL, a read-only replica), so that a wrong URL stops the startup.
    ///
    /// Must run inside a Tokio runtime, which keeps the connection.
    pub async fn connect(self) -> Result<RedisRevocationStore, RedisStoreError> {
        // The client's parse errors never contain the URL, so its password
        // stays out of the message; the kind it appends is noise here.
        let client = redis::Client::open(self.url.as_str()).map_err(|error| {
            RedisStoreError::InvalidUrl {
                reason: error.to_string().replace(" - InvalidClientConfig", ""),
            }
        })?;
        let address = describe_address(client.get_connection_info());

        // Connection attempts are not retried inside the manager: a retry
        // with backoff would hold requests for seconds during an outage.
        // The next operation after a failure starts a new attempt instead.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.connection_timeout))
            .set_response_timeout(Some(self.response_timeout))
            .set_number_of_retries(0);
        let deadline = self.connection_timeout + self.response_timeout;

        let connected =
            tokio::time::timeout(deadline, ConnectionManager::new_with_config(client, config))
                .await;
        let connection = match connected {
            Ok(Ok(connection)) => connection,
            Ok(Err(source)) => return Err(RedisStoreError::Connect { address, source }),
            Err(_) => {
                let source = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection within {deadline:?}"),
                );
                return Err(RedisStoreError::Connect {
                    address,
                    source: source.into(),
                });
            }
        };

        let store = RedisRevocationStore {
            connection,
            key_prefix: self.key_prefix,
            deadline,
            address,
        };
        store.check_commands().await?;
        Ok(store)
    }
}

impl RedisRevocationStore {
    /// Runs `EXISTS` and `SET`, the store's two commands, on a key of its
    /// own. A connection to database 0 opens without the password that the
    /// server requires and without ACL grants, so without this check such a
    /// store would start and then fail every request with 503.
    async fn check_commands(&self) -> Result<(), RedisStoreError> {
        // Redis checks the password, the ACL and a replica's read-only mode
        // before it runs a command, and `XX` writes nothing to a missing key.
        // Revocation keys add `jti:`, `sha256:` or `fam:`, so none is this one.
        let key = format!("{}startup-check", self.key_prefix);
        let mut exists = redis::cmd("EXISTS");
        exists.arg(&key);
        let mut set = redis::cmd("SET");
        set.arg(&key).arg(1).arg("XX").arg("PX").arg(1);

        // Only a reply with an error code is a rejection. A connection lost
        // during the check stays a command failure.
        let rejected = |error| match error {
            RedisStoreError::Command {
                command,
                address,
                source,
            } if source.code().is_some() => RedisStoreError::Rejected {
                command,
                address,
                source,
            },
            other => other,
        };
        self.query::<u64>("EXISTS", &exists, true)
            .await
            .map_err(rejected)?;
        self.query::<Option<String>>("SET", &set, false)
            .await
            .map_err(rejected)?;
        Ok(())
    }
}

#[async_trait]
impl RevocationStore for RedisRevocationStore {
    async fn is_revoked(&self, keys: &[RevocationKey]) -> Result<bool, RevocationError> {
        if keys.is_empty() {
            return Ok(false);
        }
        let mut command = redis::cmd("EXISTS");
        for key in keys {
            command.arg(self.redis_key(key));
        }

        let existing: u64 = self
            .query("EXISTS", &command, true)
            .await
            .map_err(RevocationError::new)?;
        Ok(existing > 0)
    }

    async fn revoke(&self, key: &RevocationKey, ttl: Duration) -> Result<bool, RevocationError> {
        if ttl.is_zero() {
            // The token expired already: nothing accepts it, nothing to keep.
            return Ok(true);
        }
        let mut command = redis::cmd("SET");
        command
            .arg(self.redis_key(key))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(ttl_millis(ttl));

        // `SET ... NX` replies OK when it created the key and nil when the
        // key existed: Redis decides, so two instances cannot both win.
        let reply: Option<String> = self
            .query("SET", &command, false)
            .await
            .map_err(RevocationError::new)?;
        Ok(reply.is_some())
    }
}

/// Returns what to do about a failed connection to the server that `url_name` names.
pub(super) fn connect_advice(error: &redis::RedisError, url_name: &str) -> String {
    if error.kind() == redis::ErrorKind::AuthenticationFailed {
        format!("correct the user name or password in {url_name}")
    } else {
        format!("start Redis there or correct {url_name}")
    }
}

/// Returns what to do when the server that `url_name` names rejects a
/// command at startup.
pub(super) fn rejection_advice(error: &redis::RedisError, url_name: &str) -> String {
    match error.code() {
        Some("NOAUTH") => format!(
            "the server requires a password; add it to {url_name}, as in \
             redis://:password@host:port/db"
        ),
        Some("NOPERM") => format!(
            "grant the Redis user of {url_name} the commands EXISTS and SET on keys that \
             start with the key prefix, or use another user"
        ),
        Some("READONLY") => {
            format!("the server is a read-only replica; point {url_name} at the primary")
        }
        _ => format!("point {url_name} at a Redis server that accepts EXISTS and SET"),
    }
}

/// Converts a time to live to whole milliseconds, rounding up so that a
/// token with less than a millisecond left is still revoked.
fn ttl_millis(ttl: Duration) -> u64 {
    let millis = ttl.as_nanos().div_ceil(1_000_000);
    u64::try_from(millis).map_or(MAX_TTL_MILLIS, |millis| millis.min(MAX_TTL_MILLIS))
}

/// Describes the server for messages and logs: host, port and database,
/// without the user name and password.
fn describe_address(info: &redis::ConnectionInfo) -> String {
    let database = info.redis_settings().db();
    match info.addr() {
        ConnectionAddr::Unix(path) => format!("redis+unix://{}?db={database}", path.display()),
        address => format!("redis://{address}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rounds_up_to_whole_milliseconds() {
        assert_eq!(ttl_millis(Duration::from_nanos(1)), 1);
        assert_eq!(ttl_millis(Duration::from_micros(1500)), 2);
        assert_eq!(ttl_millis(Duration::from_millis(1500)), 1500);
        assert_eq!(ttl_millis(Duration::MAX), MAX_TTL_MILLIS);
    }

    #[test]
    fn address_hides_credentials() {
        let client = redis::Client::open("redis://admin:hunter2@127.0.0.1:6380/3").unwrap();

        assert_eq!(
            describe_address(client.get_connection_info()),
            "redis://127.0.0.1:6380/3"
        );
    }

    #[test]
    fn builder_debug_hides_url() {
        let builder = RedisRevocationStore::builder("redis://:hunter2@127.0.0.1/0");

        assert!(!format!("{builder:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn invalid_url_is_rejected_without_echo() {
        let error = RedisRevocationStore::connect("http://:hunter2@127.0.0.1/0")
            .await
            .unwrap_err();

        assert_eq!(
            error.to_string(),
            "invalid Redis URL: Redis URL did not parse; \
             expected redis://[user:password@]host[:port][/db] or redis+unix:///path/to/socket"
        );
    }
}

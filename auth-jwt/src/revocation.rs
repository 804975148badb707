//! Revocation: where logged-out and rotated tokens are remembered until they expire.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use auth_core::{AuthConfig, ConfigError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

#[cfg(feature = "redis")]
mod redis_store;

#[cfg(feature = "redis")]
pub use redis_store::{RedisRevocationStore, RedisRevocationStoreBuilder, RedisStoreError};

/// Key of one revocation entry: a token or a whole login session.
///
/// Tokens with a `jti` are keyed by it. Tokens without one, such as those
/// Panther issues, are keyed by their SHA-256, so the token itself is never
/// stored.
#[derive(Clone)]
pub struct RevocationKey(KeyText);

/// Maximum length, in bytes, of a key stored inline. A hash key is
/// `sha256:` and 43 base64 characters (50 bytes), and the ids this crate
/// issues make keys of 26 bytes.
const INLINE_KEY_BYTES: usize = 62;

/// The key's text. Keys are built twice per authenticated request, so the
/// common sizes are kept inline rather than allocated.
#[derive(Clone)]
enum KeyText {
    Inline {
        length: u8,
        bytes: [u8; INLINE_KEY_BYTES],
    },
    Heap(Box<str>),
}

impl RevocationKey {
    /// Key of a token with this `jti`.
    pub fn token_id(jti: &str) -> Self {
        Self::join("jti:", jti)
    }

    /// Key of a token without `jti`: its SHA-256, base64url-encoded.
    pub fn token_hash(token: &str) -> Self {
        let digest = Sha256::digest(token.as_bytes());
        Self::join("sha256:", &URL_SAFE_NO_PAD.encode(digest))
    }

    /// Key of a login session: every token whose `fam` claim is `family`.
    pub fn family(family: &str) -> Self {
        Self::join("fam:", family)
    }

    fn join(kind: &str, id: &str) -> Self {
        let length = kind.len() + id.len();
        let inline_length = match u8::try_from(length) {
            Ok(inline_length) if length <= INLINE_KEY_BYTES => inline_length,
            _ => return Self(KeyText::Heap([kind, id].concat().into_boxed_str())),
        };

        let mut bytes = [0; INLINE_KEY_BYTES];
        bytes[..kind.len()].copy_from_slice(kind.as_bytes());
        bytes[kind.len()..length].copy_from_slice(id.as_bytes());
        Self(KeyText::Inline {
            length: inline_length,
            bytes,
        })
    }

    /// Returns the key as text, for stores that need a string.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // The bytes are two whole `str`s end to end, so they are UTF-8
            // and the fallback is never taken.
            KeyText::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            KeyText::Heap(text) => text,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            KeyText::Inline { length, bytes } => &bytes[..usize::from(*length)],
            KeyText::Heap(text) => text.as_bytes(),
        }
    }
}

// Equality, order and hash compare the text, wherever it is stored.
impl PartialEq for RevocationKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for RevocationKey {}

impl PartialOrd for RevocationKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RevocationKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for RevocationKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for RevocationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RevocationKey")
            .field(&self.as_str())
            .finish()
    }
}

impl fmt::Display for RevocationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Failure of a revocation store, such as a lost Redis connection.
///
/// Authentication fails closed on it: the request gets 503.
#[derive(Debug, thiserror::Error)]
#[error("revocation store failed: {0}")]
pub struct RevocationError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl RevocationError {
    /// Wraps the store's own error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

/// Store of revoked tokens and sessions, each kept for a time to live.
#[async_trait]
pub trait RevocationStore: Send + Sync + 'static {
    /// Returns whether any of `keys` is revoked.
    async fn is_revoked(&self, keys: &[RevocationKey]) -> Result<bool, RevocationError>;

    /// Revokes `key` for `ttl`, atomically: returns `true` when this call
    /// revoked it, `false` when it was revoked already. Refresh rotation
    /// relies on this to let a refresh token through at most once.
    async fn revoke(&self, key: &RevocationKey, ttl: Duration) -> Result<bool, RevocationError>;

    /// Returns whether any of `keys` is revoked, when the store can tell
    /// without waiting, as an in-memory store can. `None`, the default,
    /// makes the caller await [`is_revoked`](Self::is_revoked) instead.
    ///
    /// Authentication calls this first on every request, so that a store
    /// that needs no I/O costs no boxed future.
    fn is_revoked_now(&self, keys: &[RevocationKey]) -> Option<Result<bool, RevocationError>> {
        let _ = keys;
        None
    }
}

/// A shared store is a store: callers may keep an `Arc` to it for
/// inspection while the authenticators use it.
#[async_trait]
impl<S: RevocationStore + ?Sized> RevocationStore for Arc<S> {
    async fn is_revoked(&self, keys: &[RevocationKey]) -> Result<bool, RevocationError> {
        (**self).is_revoked(keys).await
    }

    async fn revoke(&self, key: &RevocationKey, ttl: Duration) -> Result<bool, RevocationError> {
        (**self).revoke(key, ttl).await
    }

    fn is_revoked_now(&self, keys: &[RevocationKey]) -> Option<Result<bool, RevocationError>> {
        (**self).is_revoked_now(keys)
    }
}

/// The revocation store in use, shared as an [`Auth`](auth_core::Auth)
/// resource: `Auth::builder().resource(Revocation::new(store))`.
#[derive(Clone)]
pub struct Revocation(pub(crate) Arc<dyn RevocationStore>);

impl Revocation {
    /// Wraps a store.
    pub fn new(store: impl RevocationStore) -> Self {
        Self(Arc::new(store))
    }

    /// Returns a new in-memory store, the default.
    pub fn memory() -> Self {
        Self::new(MemoryRevocationStore::new())
    }

    /// Returns the store that the configuration selects: Redis when
    /// `REDIS_URL` is set, else a new in-memory store.
    ///
    /// Connects to Redis once, so that a wrong URL or an unreachable server
    /// stops the startup with an error naming `REDIS_URL`, instead of
    /// failing every request with 503. After startup, a Redis outage fails
    /// requests with 503 until Redis is back; see `RedisRevocationStore`.
    /// Without the `redis` cargo feature, a set `REDIS_URL` is an error.
    pub async fn from_config(config: &AuthConfig) -> Result<Self, ConfigError> {
        let Some(redis) = config.redis_config() else {
            tracing::info!(
                target: "auth",
                "revocations are kept in memory and not shared between server instances; \
                 set REDIS_URL to share them"
            );
            return Ok(Self::memory());
        };
        Self::connect_redis(redis).await
    }

    #[cfg(feature = "redis")]
    async fn connect_redis(redis: &auth_core::RedisConfig) -> Result<Self, ConfigError> {
        let url = std::str::from_utf8(redis.connection_url().expose()).map_err(|_| {
            ConfigError::InvalidSecret {
                setting: "REDIS_URL",
                reason: "the value is not valid UTF-8".to_owned(),
            }
        })?;
        let mut builder = RedisRevocationStore::builder(url);
        if let Some(prefix) = redis.revocation_key_prefix() {
            builder = builder.key_prefix(prefix);
        }

        let store = builder.connect().await.map_err(|error| match error {
            RedisStoreError::InvalidUrl { .. } => ConfigError::InvalidSecret {
                setting: "REDIS_URL",
                reason: error.to_string(),
            },
            RedisStoreError::Connect { address, source } => ConfigError::Unreachable {
                setting: "REDIS_URL",
                reason: format!(
                    "Redis at {address}: {source}; {}",
                    redis_store::connect_advice(&source, "REDIS_URL")
                ),
            },
            RedisStoreError::Rejected {
                command,
                address,
                source,
            } => ConfigError::InvalidSecret {
                setting: "REDIS_URL",
                reason: format!(
                    "Redis at {address} rejected {command}: {source}; {}",
                    redis_store::rejection_advice(&source, "REDIS_URL")
                ),
            },
            _ => ConfigError::Unreachable {
                setting: "REDIS_URL",
                reason: error.to_string(),
            },
        })?;
        tracing::info!(
            target: "auth",
            address = store.address(),
            key_prefix = store.key_prefix(),
            "revocations are kept in Redis"
        );
        Ok(Self::new(store))
    }

    #[cfg(not(feature = "redis"))]
    async fn connect_redis(_: &auth_core::RedisConfig) -> Result<Self, ConfigError> {
        Err(ConfigError::InvalidSecret {
            setting: "REDIS_URL",
            reason: "this build of auth-jwt has no Redis support; enable its `redis` \
                     cargo feature, or unset REDIS_URL to keep revocations in memory"
                .to_owned(),
        })
    }

    /// Returns the store.
    pub fn store(&self) -> &dyn RevocationStore {
        &*self.0
    }
}

impl fmt::Debug for Revocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Revocation")
    }
}

/// In-memory revocation store: the default for a single server instance.
///
/// Thread-safe. Expired entries are dropped on every write, so the store
/// contains at most the entries revoked within the longest token life time.
/// Revocations are lost on restart and are not shared between instances;
/// use a shared store such as Redis when several instances serve one
/// application.
#[derive(Default)]
pub struct MemoryRevocationStore {
    entries: RwLock<Entries>,
}

#[derive(Default)]
struct Entries {
    deadlines: HashMap<RevocationKey, Instant>,
    by_deadline: BTreeSet<(Instant, RevocationKey)>,
}

impl Entries {
    fn purge(&mut self, now: Instant) {
        while let Some((deadline, _)) = self.by_deadline.first() {
            if *deadline > now {
                break;
            }
            if let Some((_, key)) = self.by_deadline.pop_first() {
                self.deadlines.remove(&key);
            }
        }
    }

    fn is_live(&self, key: &RevocationKey, now: Instant) -> bool {
        self.deadlines
            .get(key)
            .is_some_and(|deadline| *deadline > now)
    }
}

impl MemoryRevocationStore {
    /// Returns an empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the number of entries held, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.read().deadlines.len()
    }

    /// Returns whether the store contains no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn contains_live(&self, keys: &[RevocationKey]) -> bool {
        let entries = self.read();
        // An empty store needs no clock.
        if entries.deadlines.is_empty() {
            return false;
        }
        let now = Instant::now();
        keys.iter().any(|key| entries.is_live(key, now))
    }

    // A panic while the lock was held cannot leave the maps inconsistent in a
    // way that matters (at worst an entry is in one map only), so a poisoned
    // lock is used as is rather than failing every later request.
    fn read(&self) -> RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl RevocationStore for MemoryRevocationStore {
    async fn is_revoked(&self, keys: &[RevocationKey]) -> Result<bool, RevocationError> {
        Ok(self.contains_live(keys))
    }

    fn is_revoked_now(&self, keys: &[RevocationKey]) -> Option<Result<bool, RevocationError>> {
        Some(Ok(self.contains_live(keys)))
    }

    async fn revoke(&self, key: &RevocationKey, ttl: Duration) -> Result<bool, RevocationError> {
        let now = Instant::now();
        let mut entries = self.write();
        entries.purge(now);
        if entries.is_live(key, now) {
            return Ok(false);
        }
        if ttl.is_zero() {
            // The token expired already: nothing accepts it, nothing to keep.
            return Ok(true);
        }

        let deadline = now + ttl;
        entries.deadlines.insert(key.clone(), deadline);
        entries.by_deadline.insert((deadline, key.clone()));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn revoke_succeeds_once() {
        let store = MemoryRevocationStore::new();
        let key = RevocationKey::token_id("a");

        assert!(store.revoke(&key, Duration::from_secs(60)).await.unwrap());
        assert!(!store.revoke(&key, Duration::from_secs(60)).await.unwrap());
        assert!(store.is_revoked(std::slice::from_ref(&key)).await.unwrap());
    }

    #[tokio::test]
    async fn entries_expire_and_are_dropped() {
        let store = MemoryRevocationStore::new();
        let short = RevocationKey::token_id("short");
        store
            .revoke(&short, Duration::from_millis(20))
            .await
            .unwrap();
        std::thread::sleep(Duration::from_millis(40));

        assert!(
            !store
                .is_revoked(std::slice::from_ref(&short))
                .await
                .unwrap()
        );
        store
            .revoke(&RevocationKey::token_id("next"), Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn any_key_revoked_counts() {
        let store = MemoryRevocationStore::new();
        store
            .revoke(&RevocationKey::family("f"), Duration::from_secs(60))
            .await
            .unwrap();

        let keys = [RevocationKey::token_id("t"), RevocationKey::family("f")];
        assert!(store.is_revoked(&keys).await.unwrap());
    }

    #[cfg(not(feature = "redis"))]
    #[tokio::test]
    async fn redis_url_needs_redis_feature() {
        let config =
            AuthConfig::new().redis(auth_core::RedisConfig::new("redis://127.0.0.1:6379/0"));

        let error = Revocation::from_config(&config).await.unwrap_err();

        assert_eq!(
            error.to_string(),
            "REDIS_URL is invalid: this build of auth-jwt has no Redis support; enable \
             its `redis` cargo feature, or unset REDIS_URL to keep revocations in memory"
        );
    }

    #[test]
    fn keys_compare_by_text_inline_or_not() {
        let long_id = "x".repeat(INLINE_KEY_BYTES);
        let long = RevocationKey::token_id(&long_id);
        let short = RevocationKey::token_id("abc");

        assert_eq!(long.as_str(), format!("jti:{long_id}"));
        assert_eq!(short.as_str(), "jti:abc");
        assert_eq!(short, RevocationKey::token_id("abc"));
        assert_ne!(short, RevocationKey::family("abc"));
        assert!(short < long, "keys order as their text does");
        assert_eq!(format!("{short:?}"), r#"RevocationKey("jti:abc")"#);
    }

    #[test]
    fn token_hash_hides_token() {
        let key = RevocationKey::token_hash("header.payload.signature");
        assert!(!key.as_str().contains("payload"));
        assert_eq!(key.as_str().len(), "sha256:".len() + 43);
    }
}

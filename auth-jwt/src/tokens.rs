//! [`Jwt`]: token verification and the token lifecycle (login, refresh, logout).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::__private::Outcome;
use auth_core::{
    AnyUser, AuthConfig, AuthError, ConfigError, JwtConfig, Setup, UserId, UserModel, Users,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use serde::Serialize;

use crate::claims::{self, Claims, ClaimsRef, IssuedClaims, TokenType};
use crate::credentials::MAX_TOKEN_LENGTH;
use crate::failure_log::FailureLog;
use crate::keys::Keys;
use crate::revocation::{Revocation, RevocationError, RevocationKey};
use crate::verify::{self, PayloadBuffer};

/// The detail sent when a dependency of authentication fails.
const UNAVAILABLE: &str = "Authentication service is unavailable";

/// Shortest time between two log lines about revocation store failures.
const FAILURE_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Longest accepted life time or leeway: 100 years of 365.25 days, as
/// `humantime` reads `100y`, and the longest time the Redis store keeps a
/// revocation. Far longer values break time arithmetic: from about 7,900
/// years on, `exp` passes year 9999 and every token is rejected, and near
/// `u64::MAX` seconds logout panics.
const MAX_DURATION: Duration = Duration::from_secs(36_525 * 24 * 60 * 60);

/// An access token and a refresh token, as `login` and `refresh` return them.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct TokenPair {
    /// Authenticates requests until it expires or is revoked.
    pub access_token: String,
    /// Obtains a new pair, once.
    pub refresh_token: String,
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenPair { .. }")
    }
}

/// The token service: verifies tokens and runs their lifecycle.
///
/// One instance is shared by [`JwtAuthentication`](crate::JwtAuthentication),
/// [`QueryParamJwtAuthentication`](crate::QueryParamJwtAuthentication) and the
/// application's login routes, so that they agree on keys and revocations.
/// Cloning is cheap.
#[derive(Clone)]
pub struct Jwt {
    inner: Arc<Inner>,
}

struct Inner {
    keys: Keys,
    life_time: Duration,
    refresh_life_time: Duration,
    leeway: Duration,
    revocation: Revocation,
    revocation_failures: FailureLog,
    users: Users,
    ids: Ids,
}

impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwt")
            .field("algorithm", &self.inner.keys.algorithm)
            .field("life_time", &self.inner.life_time)
            .field("refresh_life_time", &self.inner.refresh_life_time)
            .field("leeway", &self.inner.leeway)
            .finish_non_exhaustive()
    }
}

impl Jwt {
    /// Builds the service from the configuration, failing on a missing or
    /// weak key, an unknown algorithm or a key the algorithm cannot use.
    pub fn new(
        config: &AuthConfig,
        users: Users,
        revocation: Revocation,
    ) -> Result<Self, ConfigError> {
        let jwt = config.jwt_config();
        check_durations(jwt)?;

        let service = Self {
            inner: Arc::new(Inner {
                keys: Keys::from_config(config)?,
                life_time: jwt.access_life_time(),
                refresh_life_time: jwt.refresh_token_life_time(),
                leeway: jwt.clock_leeway(),
                revocation,
                revocation_failures: FailureLog::new(FAILURE_LOG_INTERVAL),
                users,
                ids: Ids::new()?,
            }),
        };
        service.check_key_pair()?;
        Ok(service)
    }

    /// Returns the service shared through `setup`, building and sharing it
    /// on first use with the [`Revocation`] resource, or an in-memory store.
    pub fn from_setup(setup: &mut Setup<'_>) -> Result<Self, ConfigError> {
        if let Some(jwt) = setup.resource::<Jwt>() {
            return Ok(jwt.clone());
        }
        if !setup.users().has_store() {
            return Err(ConfigError::Missing {
                setting: "AuthBuilder::users",
                hint: "the JWT authenticators load users by their user_id claim; \
                       pass the user store to AuthBuilder::users",
            });
        }

        let revocation = match setup.resource::<Revocation>() {
            Some(revocation) => revocation.clone(),
            None => default_revocation(setup.config())?,
        };
        let jwt = Self::new(setup.config(), setup.users().clone(), revocation.clone())?;
        setup.insert_resource(revocation);
        setup.insert_resource(jwt.clone());
        Ok(jwt)
    }

    /// Returns the service that the built-in authenticators of `auth` use.
    ///
    /// When neither built-in is configured, it builds one from the
    /// configuration. Call it once at startup and keep the result, because
    /// every such call makes its own in-memory revocation store.
    pub fn from_auth(auth: &auth_core::Auth) -> Result<Self, ConfigError> {
        if let Some(jwt) = auth.resource::<Jwt>() {
            return Ok(jwt.clone());
        }
        let revocation = match auth.resource::<Revocation>() {
            Some(revocation) => revocation.clone(),
            None => default_revocation(auth.config())?,
        };
        Self::new(auth.config(), auth.users().clone(), revocation)
    }

    /// Returns the revocation store.
    pub fn revocation(&self) -> &Revocation {
        &self.inner.revocation
    }

    /// Issues an access and a refresh token for `user`, starting a new login session.
    pub fn login<U: UserModel>(&self, user: &U) -> Result<TokenPair, AuthError> {
        self.issue(&user.id(), &self.inner.ids.next())
    }

    /// Issues an access and a refresh token for the user with this id.
    pub fn login_id(&self, user_id: &UserId) -> Result<TokenPair, AuthError> {
        self.issue(user_id, &self.inner.ids.next())
    }

    /// Exchanges a refresh token for a new pair and revokes it, so that it works once.
    ///
    /// Presenting a refresh token that was already exchanged revokes every
    /// token of its login session (reuse detection, RFC 9700 section 4.14):
    /// whoever holds the newer tokens, the rightful client or a thief, must
    /// log in again.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let claims = self.verify(refresh_token)?;
        if claims.token_type != TokenType::Refresh {
            return Err(AuthError::invalid_token("Token is not a refresh token"));
        }
        if let Some(family) = &claims.family {
            self.ensure_not_revoked(&[RevocationKey::family(family)])
                .await?;
        }
        if self
            .inner
            .users
            .find_by_id(&claims.user_id)
            .await?
            .is_none()
        {
            return Err(AuthError::invalid_token("User not found"));
        }

        // The checks above can outlast the token, and a store keeps no entry
        // for an expired token, so two late requests would both count as first.
        let remaining = self.remaining_life(&claims);
        if remaining.is_zero() {
            return Err(AuthError::invalid_token("Token has expired"));
        }
        let key = token_key(refresh_token, claims.id.as_deref());
        let first_use = self.revoke(&key, remaining).await?;
        if !first_use {
            if let Some(family) = &claims.family {
                self.revoke_family(family).await?;
                tracing::warn!(
                    target: "auth",
                    user_id = %claims.user_id,
                    "refresh token reused; every token of its login session is revoked"
                );
            }
            return Err(AuthError::invalid_token("Token has been revoked"));
        }

        let family = match &claims.family {
            Some(family) => family.clone(),
            None => self.inner.ids.next(),
        };
        self.issue(&claims.user_id, &family)
    }

    /// Revokes `token` until it expires, and with it every token of its
    /// login session, so that the refresh token of that login stops working too.
    pub async fn logout(&self, token: &str) -> Result<(), AuthError> {
        let claims = self.verify(token)?;
        self.revoke_token(token, &claims).await?;
        if let Some(family) = &claims.family {
            self.revoke_family(family).await?;
        }
        Ok(())
    }

    /// Verifies the signature, the algorithm, the claims' types and the
    /// times of `token`; does not consult the revocation store.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let mut buffer = PayloadBuffer::new();
        self.verify_into(token, &mut buffer)
            .map(ClaimsRef::into_owned)
    }

    /// Authenticates with an access token: verifies it, checks revocation
    /// and loads its user.
    pub async fn authenticate_token(
        &self,
        token: &str,
        users: &Users,
    ) -> Result<AnyUser, AuthError> {
        let access = self.check_access(token)?;
        self.ensure_not_revoked(access.keys.as_slice()).await?;
        find_user(users, &access.user_id).await
    }

    /// Authenticates with an access token as far as possible without
    /// waiting: [`Outcome::User`] when the revocation store returns at once,
    /// as the in-memory one does, so that the caller loads the user with
    /// its type known; [`Outcome::Pending`] when the store must wait.
    pub(crate) fn authenticate_now<'a>(&'a self, token: &str, users: &'a Users) -> Outcome<'a> {
        let access = match self.check_access(token) {
            Ok(access) => access,
            Err(error) => return Outcome::Done(Err(error)),
        };

        let store = self.inner.revocation.store();
        match store.is_revoked_now(access.keys.as_slice()) {
            Some(revoked) => match self.revocation_verdict(revoked) {
                Ok(()) => Outcome::User(access.user_id),
                Err(error) => Outcome::Done(Err(error)),
            },
            None => Outcome::Pending(Box::pin(async move {
                self.ensure_not_revoked(access.keys.as_slice()).await?;
                find_user(users, &access.user_id).await
            })),
        }
    }

    /// Tells whether the fast HMAC path handles `token`'s header segment.
    pub(crate) fn has_fast_header(&self, token: &str) -> bool {
        let fast = self.inner.keys.fast.as_ref();
        fast.is_some_and(|fast| fast.knows_header(token))
    }

    /// Checks an access token as far as no I/O is needed: signature,
    /// algorithm, claims, times and type. The decoded payload lives in this
    /// frame only, so the futures that await the stores stay small.
    fn check_access(&self, token: &str) -> Result<Access, AuthError> {
        let mut buffer = PayloadBuffer::new();
        let claims = self.verify_into(token, &mut buffer)?;
        if claims.token_type != TokenType::Access {
            return Err(AuthError::invalid_token("Token is not an access token"));
        }

        let token_key = token_key(token, claims.id.as_deref());
        let keys = match &claims.family {
            Some(family) => AccessKeys::Two([token_key, RevocationKey::family(family)]),
            None => AccessKeys::One([token_key]),
        };
        Ok(Access {
            user_id: claims.user_id,
            keys,
        })
    }

    /// Verifies `token`, decoding its payload into `buffer` so that the
    /// claims can borrow from it.
    fn verify_into<'a>(
        &self,
        token: &str,
        buffer: &'a mut PayloadBuffer,
    ) -> Result<ClaimsRef<'a>, AuthError> {
        if token.len() > MAX_TOKEN_LENGTH {
            return Err(AuthError::invalid_token("Token is too large"));
        }
        let payload = self.verify_signature(token)?;
        let payload = verify::decode_payload(payload, buffer)?;

        let claims = claims::parse(payload)?;
        self.check_times(&claims)?;
        Ok(claims)
    }

    /// Verifies the algorithm and the signature of `token`, on the fast HMAC
    /// path when its header allows, and returns the payload segment, still
    /// encoded.
    fn verify_signature<'a>(&self, token: &'a str) -> Result<&'a str, AuthError> {
        let fast = self.inner.keys.fast.as_ref();
        match fast.and_then(|fast| fast.verify(token)) {
            Some(payload) => payload,
            None => self.verify_general(token),
        }
    }

    /// Verifies with `jsonwebtoken` (asymmetric algorithms and unfamiliar
    /// headers) and returns the payload segment, still encoded.
    fn verify_general<'a>(&self, token: &'a str) -> Result<&'a str, AuthError> {
        // `jsonwebtoken` rejects these too, but boxes its error.
        if token.split('.').count() != 3 {
            return Err(verify::malformed());
        }
        let keys = &self.inner.keys;
        jsonwebtoken::decode::<serde::de::IgnoredAny>(token, &keys.decoding, &keys.validation)
            .map_err(|error| self.describe(token, error))?;

        token.split('.').nth(1).ok_or_else(verify::malformed)
    }

    fn check_times(&self, claims: &ClaimsRef<'_>) -> Result<(), AuthError> {
        let now = now_seconds();
        let leeway = self.inner.leeway.as_secs_f64();

        // RFC 7519: the token is valid before `exp` and from `nbf` on.
        if now >= claims.expires_at + leeway {
            return Err(AuthError::invalid_token("Token has expired"));
        }
        if claims
            .not_before
            .is_some_and(|not_before| now + leeway < not_before)
        {
            return Err(AuthError::invalid_token("Token is not valid yet"));
        }
        Ok(())
    }

    async fn ensure_not_revoked(&self, keys: &[RevocationKey]) -> Result<(), AuthError> {
        let revoked = self.inner.revocation.store().is_revoked(keys).await;
        self.revocation_verdict(revoked)
    }

    /// Turns the store's result into a rejection: a revoked token is
    /// invalid, and a failed store fails closed with 503.
    fn revocation_verdict(&self, revoked: Result<bool, RevocationError>) -> Result<(), AuthError> {
        match self.observe("revocation check", revoked)? {
            false => Ok(()),
            true => Err(AuthError::invalid_token("Token has been revoked")),
        }
    }

    /// Revokes one token until it can no longer be accepted: its `exp` plus the leeway.
    async fn revoke_token(&self, token: &str, claims: &Claims) -> Result<bool, AuthError> {
        let ttl = self.remaining_life(claims);
        self.revoke(&token_key(token, claims.id.as_deref()), ttl)
            .await
    }

    /// Returns how long a token can still be accepted: until its `exp`
    /// plus the leeway, or zero once that has passed.
    fn remaining_life(&self, claims: &Claims) -> Duration {
        let remaining = claims.expires_at + self.inner.leeway.as_secs_f64() - now_seconds();
        Duration::try_from_secs_f64(remaining.max(0.0)).unwrap_or(Duration::ZERO)
    }

    /// Revokes a login session for as long as any of its tokens can live.
    async fn revoke_family(&self, family: &str) -> Result<bool, AuthError> {
        let ttl = self.inner.life_time.max(self.inner.refresh_life_time) + self.inner.leeway;
        self.revoke(&RevocationKey::family(family), ttl).await
    }

    async fn revoke(&self, key: &RevocationKey, ttl: Duration) -> Result<bool, AuthError> {
        let result = self.inner.revocation.store().revoke(key, ttl).await;
        self.observe("revocation", result)
    }

    /// Turns a store failure into 503, so that no token is accepted
    /// unchecked, and logs failures and the recovery at most once per
    /// [`FAILURE_LOG_INTERVAL`].
    fn observe<T>(
        &self,
        operation: &'static str,
        result: Result<T, RevocationError>,
    ) -> Result<T, AuthError> {
        let failures = &self.inner.revocation_failures;
        match result {
            Ok(value) => {
                if let Some(unlogged) = failures.success() {
                    tracing::info!(
                        target: "auth",
                        unlogged_failures = unlogged,
                        "revocation store recovered"
                    );
                }
                Ok(value)
            }
            Err(error) => {
                if let Some(unlogged) = failures.failure() {
                    tracing::error!(
                        target: "auth",
                        %error,
                        unlogged_failures = unlogged,
                        "{operation} failed; requests that need it get 503 until the store recovers"
                    );
                }
                Err(AuthError::unavailable(UNAVAILABLE))
            }
        }
    }

    fn issue(&self, user_id: &UserId, family: &str) -> Result<TokenPair, AuthError> {
        let now = now_seconds() as u64;
        Ok(TokenPair {
            access_token: self.sign(
                TokenType::Access,
                user_id,
                now,
                self.inner.life_time,
                family,
            )?,
            refresh_token: self.sign(
                TokenType::Refresh,
                user_id,
                now,
                self.inner.refresh_life_time,
                family,
            )?,
        })
    }

    fn sign(
        &self,
        token_type: TokenType,
        user_id: &UserId,
        now: u64,
        life_time: Duration,
        family: &str,
    ) -> Result<String, AuthError> {
        let claims = IssuedClaims {
            token_type: token_type.as_str(),
            user_id,
            iat: now,
            exp: now.saturating_add(life_time.as_secs()),
            jti: &self.inner.ids.next(),
            fam: family,
        };
        let keys = &self.inner.keys;
        let signed = match &keys.fast {
            Some(fast) => fast.sign(&claims).map_err(|error| error.to_string()),
            None => jsonwebtoken::encode(&keys.header, &claims, &keys.encoding)
                .map_err(|error| error.to_string()),
        };
        signed.map_err(|error| {
            tracing::error!(target: "auth", %error, "signing a token failed");
            AuthError::internal("signing a token failed")
        })
    }

    /// Signs one token and checks its signature, so that a public key that
    /// does not match the private key fails at startup instead of on every
    /// request. It checks no claims or times, because they do not depend on the keys.
    fn check_key_pair(&self) -> Result<(), ConfigError> {
        let mismatch = || ConfigError::InvalidSecret {
            setting: "JWT_PUBLIC_KEY",
            reason: "it does not verify tokens signed with the configured key; \
                     use the public key of the same key pair"
                .to_owned(),
        };
        let token = self
            .sign(
                TokenType::Access,
                &UserId::Int(0),
                now_seconds() as u64,
                self.inner.life_time,
                "startup",
            )
            .map_err(|_| mismatch())?;
        self.verify_signature(&token)
            .map(|_| ())
            .map_err(|_| mismatch())
    }

    /// Turns a `jsonwebtoken` error into a reason for the client.
    fn describe(&self, token: &str, error: jsonwebtoken::errors::Error) -> AuthError {
        AuthError::invalid_token(match error.kind() {
            ErrorKind::InvalidSignature => "Token signature is invalid",
            ErrorKind::InvalidAlgorithm => "Token algorithm is not accepted",
            ErrorKind::Json(_) if self.names_other_algorithm(token) => {
                "Token algorithm is not accepted"
            }
            _ => "Token is malformed",
        })
    }

    /// Tells whether the token's header is JSON naming another algorithm,
    /// which `jsonwebtoken` reports as a JSON error when it does not know the
    /// name. Only runs on the rejection path.
    fn names_other_algorithm(&self, token: &str) -> bool {
        #[derive(serde::Deserialize)]
        struct AlgorithmOnly {
            alg: String,
        }
        let Some(header) = token.split('.').next() else {
            return false;
        };
        let Ok(json) = URL_SAFE_NO_PAD.decode(header) else {
            return false;
        };
        serde_json::from_slice::<AlgorithmOnly>(&json)
            .is_ok_and(|header| header.alg != format!("{:?}", self.inner.keys.algorithm))
    }
}

/// Checks the life times and the leeway, naming the setting that the
/// user must change.
fn check_durations(jwt: &JwtConfig) -> Result<(), ConfigError> {
    let life_time = jwt.access_life_time();
    check_life_time("JWT_LIFE_TIME", life_time)?;
    match jwt.explicit_refresh_life_time() {
        Some(refresh_life_time) => check_life_time("JWT_REFRESH_LIFE_TIME", refresh_life_time)?,
        // The derived value is whole seconds when the access life time is,
        // but twice a long access life time can pass the maximum.
        None if jwt.refresh_token_life_time() > MAX_DURATION => {
            return Err(ConfigError::Invalid {
                setting: "JWT_LIFE_TIME",
                value: format!("{life_time:?}"),
                reason: format!(
                    "JWT_REFRESH_LIFE_TIME is not set, so refresh tokens live twice as long, \
                     which is over 100 years ({} seconds); lower JWT_LIFE_TIME or set \
                     JWT_REFRESH_LIFE_TIME",
                    MAX_DURATION.as_secs()
                ),
            });
        }
        None => {}
    }
    let leeway = jwt.clock_leeway();
    check_maximum("JWT_LEEWAY", leeway)?;
    // The leeway covers clock skew between servers. Longer than a token's
    // life, it would accept a token for longer after its expiry than before.
    if leeway > life_time {
        return Err(ConfigError::Invalid {
            setting: "JWT_LEEWAY",
            value: format!("{leeway:?}"),
            reason: format!(
                "it is longer than JWT_LIFE_TIME ({life_time:?}), so expired access tokens \
                 would be accepted for longer than they lived; set JWT_LEEWAY to the clock \
                 skew between your servers, such as 30s"
            ),
        });
    }
    Ok(())
}

/// Checks a token life time: `exp` is a whole number of seconds after
/// `iat`, so a life time must be whole seconds, at least one.
fn check_life_time(setting: &'static str, value: Duration) -> Result<(), ConfigError> {
    if value.is_zero() {
        return Err(ConfigError::Invalid {
            setting,
            value: "0".to_owned(),
            reason: "a token life time must be greater than zero".to_owned(),
        });
    }
    if value.subsec_nanos() != 0 {
        return Err(ConfigError::Invalid {
            setting,
            value: format!("{value:?}"),
            reason: "a token life time must be a whole number of seconds, because tokens \
                     store exp in whole seconds; use a value such as 30s, 15m or 1d"
                .to_owned(),
        });
    }
    check_maximum(setting, value)
}

fn check_maximum(setting: &'static str, value: Duration) -> Result<(), ConfigError> {
    if value <= MAX_DURATION {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        setting,
        value: format!("{value:?}"),
        reason: format!(
            "it must be at most 100 years ({} seconds)",
            MAX_DURATION.as_secs()
        ),
    })
}

/// A verified access token, reduced to what the stores need.
struct Access {
    user_id: UserId,
    keys: AccessKeys,
}

/// The keys that revoke an access token: its own, and its login session's
/// when it has one.
enum AccessKeys {
    One([RevocationKey; 1]),
    Two([RevocationKey; 2]),
}

impl AccessKeys {
    fn as_slice(&self) -> &[RevocationKey] {
        match self {
            Self::One(keys) => keys,
            Self::Two(keys) => keys,
        }
    }
}

async fn find_user(users: &Users, id: &UserId) -> Result<AnyUser, AuthError> {
    users
        .find_by_id(id)
        .await?
        .ok_or_else(|| AuthError::invalid_token("User not found"))
}

/// Returns the store to use when the application gave none: in memory,
/// unless the configuration selects Redis, which needs an async connection
/// that a synchronous constructor cannot open.
fn default_revocation(config: &AuthConfig) -> Result<Revocation, ConfigError> {
    if config.redis_config().is_some() {
        return Err(ConfigError::Missing {
            setting: "AuthBuilder::resource(Revocation)",
            hint: "REDIS_URL is set, so revocations must be kept in Redis; connect with \
                   `auth_jwt::Revocation::from_config(&config).await` and pass the result \
                   to AuthBuilder::resource",
        });
    }
    Ok(Revocation::memory())
}

/// Returns the key that revokes one token: its `jti`, else its hash.
fn token_key(token: &str, id: Option<&str>) -> RevocationKey {
    match id {
        Some(id) => RevocationKey::token_id(id),
        None => RevocationKey::token_hash(token),
    }
}

/// Generator of `jti` and session ids.
///
/// An id is 64 random bits drawn once per service, then a 64-bit counter
/// that starts at a random value: unique without a system call per token.
/// Ids are not secrets, because every token shows its own.
struct Ids {
    prefix: [u8; 8],
    counter: AtomicU64,
}

impl Ids {
    fn new() -> Result<Self, ConfigError> {
        let mut seed = [0_u8; 16];
        getrandom::fill(&mut seed).map_err(|error| ConfigError::Authenticator {
            name: "auth_jwt::Jwt",
            reason: format!("the system random number generator failed: {error}"),
        })?;
        let (prefix, start) = seed.split_at(8);
        Ok(Self {
            prefix: prefix.try_into().unwrap_or_default(),
            counter: AtomicU64::new(u64::from_be_bytes(start.try_into().unwrap_or_default())),
        })
    }

    /// Returns the next id: 16 bytes, base64url-encoded in 22 characters.
    fn next(&self) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut bytes = [0_u8; 16];
        bytes[..8].copy_from_slice(&self.prefix);
        bytes[8..].copy_from_slice(&count.to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// Returns the current time in seconds since the Unix epoch, with fractions.
fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

//! Configuration: Panther's keys and defaults, read from the environment, a
//! `.env` file or set in code.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `AUTHENTICATION` | authenticator for `#[protected]` handlers, by Rust path | none |
//! | `WS_AUTHENTICATION` | authenticator for `#[protected(ws)]` handlers | none |
//! | `SECRET_KEY` | the application's secret; the JWT key unless `JWT_KEY` is set | none |
//! | `JWT_KEY` | the JWT signing key (HMAC secret, or PEM private key for RS/PS/ES/EdDSA) | `SECRET_KEY` |
//! | `JWT_PUBLIC_KEY` | PEM public key that verifies RS/PS/ES/EdDSA tokens | none |
//! | `JWT_ALGORITHM` | the one accepted signing algorithm | `HS256` |
//! | `JWT_LIFE_TIME` | life time of access tokens | `1d` |
//! | `JWT_REFRESH_LIFE_TIME` | life time of refresh tokens | twice `JWT_LIFE_TIME` |
//! | `JWT_LEEWAY` | clock skew allowed on `exp` and `nbf` | `0s` |
//! | `REDIS_URL` | Redis server that keeps revocations, shared by every server instance (`redis://[user:password@]host[:port][/db]`) | none: revocations stay in the process's memory |
//! | `REDIS_KEY_PREFIX` | prefix of the revocation keys in Redis; requires `REDIS_URL` | `auth:revoked:` |
//!
//! Durations take a number of seconds (`3600`) or units (`15m`, `1h 30m`, `1d`).
//! `auth-jwt` accepts life times of whole seconds, from `1s` to `100y`, where
//! a year is 365.25 days, and a leeway no longer than `JWT_LIFE_TIME`. It
//! rejects `JWT_PUBLIC_KEY` next to an HMAC algorithm, which would ignore it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::ConfigError;

/// Default life time of access tokens: one day, as in Panther.
pub const DEFAULT_LIFE_TIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A secret value whose `Debug` output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<[u8]>);

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: impl AsRef<[u8]>) -> Self {
        Self(Arc::from(bytes.as_ref()))
    }

    /// Returns the secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted; {} bytes])", self.0.len())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&[u8]> for Secret {
    fn from(value: &[u8]) -> Self {
        Self::new(value)
    }
}

impl From<Vec<u8>> for Secret {
    fn from(value: Vec<u8>) -> Self {
        Self::new(value)
    }
}

/// JWT settings: Panther's `JWT_CONFIG`, plus `leeway` and a public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtConfig {
    key: Option<Secret>,
    public_key: Option<Secret>,
    algorithm: String,
    life_time: Duration,
    refresh_life_time: Option<Duration>,
    leeway: Duration,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            key: None,
            public_key: None,
            algorithm: "HS256".to_owned(),
            life_time: DEFAULT_LIFE_TIME,
            refresh_life_time: None,
            leeway: Duration::ZERO,
        }
    }
}

impl JwtConfig {
    /// Sets the signing key, which otherwise is `SECRET_KEY`.
    pub fn key(mut self, key: impl Into<Secret>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the PEM public key that verifies asymmetric algorithms.
    pub fn public_key(mut self, key: impl Into<Secret>) -> Self {
        self.public_key = Some(key.into());
        self
    }

    /// Sets the one accepted algorithm, such as `HS256` or `RS256`.
    pub fn algorithm(mut self, algorithm: impl Into<String>) -> Self {
        self.algorithm = algorithm.into();
        self
    }

    /// Sets the life time of access tokens.
    pub fn life_time(mut self, life_time: Duration) -> Self {
        self.life_time = life_time;
        self
    }

    /// Sets the life time of refresh tokens.
    pub fn refresh_life_time(mut self, life_time: Duration) -> Self {
        self.refresh_life_time = Some(life_time);
        self
    }

    /// Sets the clock skew allowed when checking `exp` and `nbf`.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Returns the explicitly set signing key, if any.
    pub fn explicit_key(&self) -> Option<&Secret> {
        self.key.as_ref()
    }

    /// Returns the PEM public key, if any.
    pub fn public_key_pem(&self) -> Option<&Secret> {
        self.public_key.as_ref()
    }

    /// Returns the algorithm's name.
    pub fn algorithm_name(&self) -> &str {
        &self.algorithm
    }

    /// Returns the life time of access tokens.
    pub fn access_life_time(&self) -> Duration {
        self.life_time
    }

    /// Returns the life time of refresh tokens: as set, or twice the access life time.
    pub fn refresh_token_life_time(&self) -> Duration {
        self.refresh_life_time
            .unwrap_or(self.life_time.saturating_mul(2))
    }

    /// Returns the allowed clock skew.
    pub fn clock_leeway(&self) -> Duration {
        self.leeway
    }

    /// Returns the life time of refresh tokens when it was set, or `None`
    /// when it is derived from the access life time.
    pub fn explicit_refresh_life_time(&self) -> Option<Duration> {
        self.refresh_life_time
    }
}

/// Redis settings: where revocations are kept when several server instances
/// serve one application.
///
/// The URL may contain a password, so `Debug` never shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisConfig {
    url: Secret,
    key_prefix: Option<String>,
}

impl RedisConfig {
    /// Selects the Redis server at `url`, such as `redis://127.0.0.1:6379/0`.
    pub fn new(url: impl Into<Secret>) -> Self {
        Self {
            url: url.into(),
            key_prefix: None,
        }
    }

    /// Sets the prefix of the revocation keys, so that applications sharing
    /// one Redis database keep apart.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = Some(prefix.into());
        self
    }

    /// Returns the server's URL.
    pub fn connection_url(&self) -> &Secret {
        &self.url
    }

    /// Returns the key prefix, if one was set.
    pub fn revocation_key_prefix(&self) -> Option<&str> {
        self.key_prefix.as_deref()
    }
}

/// The whole configuration.
///
/// Build it in code, or read it with [`AuthConfig::from_env`]:
///
/// ```
/// use auth_core::{AuthConfig, JwtConfig};
/// use std::time::Duration;
///
/// let config = AuthConfig::new()
///     .authentication("auth_jwt::JwtAuthentication")
///     .secret_key("a secret of at least thirty-two bytes")
///     .jwt(JwtConfig::default().life_time(Duration::from_secs(15 * 60)));
///
/// assert_eq!(config.jwt_config().refresh_token_life_time(), Duration::from_secs(30 * 60));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthConfig {
    authentication: Option<String>,
    ws_authentication: Option<String>,
    secret_key: Option<Secret>,
    jwt: JwtConfig,
    redis: Option<RedisConfig>,
}

impl AuthConfig {
    /// Returns an empty configuration: no authenticator, no key, JWT defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `AUTHENTICATION`, the authenticator for `#[protected]` handlers.
    pub fn authentication(mut self, name: impl Into<String>) -> Self {
        self.authentication = Some(name.into());
        self
    }

    /// Sets `WS_AUTHENTICATION`, the authenticator for `#[protected(ws)]` handlers.
    pub fn ws_authentication(mut self, name: impl Into<String>) -> Self {
        self.ws_authentication = Some(name.into());
        self
    }

    /// Sets `SECRET_KEY`.
    pub fn secret_key(mut self, key: impl Into<Secret>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// Replaces the JWT settings.
    pub fn jwt(mut self, jwt: JwtConfig) -> Self {
        self.jwt = jwt;
        self
    }

    /// Sets `REDIS_URL` and `REDIS_KEY_PREFIX`: revocations are kept in Redis.
    pub fn redis(mut self, redis: RedisConfig) -> Self {
        self.redis = Some(redis);
        self
    }

    /// Returns `AUTHENTICATION`.
    pub fn authentication_name(&self) -> Option<&str> {
        self.authentication.as_deref()
    }

    /// Returns `WS_AUTHENTICATION`.
    pub fn ws_authentication_name(&self) -> Option<&str> {
        self.ws_authentication.as_deref()
    }

    /// Returns `SECRET_KEY`.
    pub fn secret(&self) -> Option<&Secret> {
        self.secret_key.as_ref()
    }

    /// Returns the JWT settings.
    pub fn jwt_config(&self) -> &JwtConfig {
        &self.jwt
    }

    /// Returns the Redis settings, or `None` when revocations stay in memory.
    pub fn redis_config(&self) -> Option<&RedisConfig> {
        self.redis.as_ref()
    }

    /// Returns the JWT signing key: `JWT_KEY` if set, else `SECRET_KEY`.
    pub fn jwt_key(&self) -> Option<&Secret> {
        self.jwt.key.as_ref().or(self.secret_key.as_ref())
    }

    /// Reads the configuration from the process environment.
    ///
    /// Call [`load_env`] first to include a `.env` file. Unset variables keep
    /// their defaults; an empty variable counts as unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the configuration through `lookup`, which maps a variable name to its value.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, ConfigError> {
        let text = |setting: &'static str| read_text(setting, lookup(setting));
        let secret = |setting: &'static str| read_secret(setting, lookup(setting));
        let duration = |setting: &'static str| -> Result<Option<Duration>, ConfigError> {
            text(setting)?
                .map(|value| parse_duration(setting, &value))
                .transpose()
        };

        let mut jwt = JwtConfig {
            key: secret("JWT_KEY")?,
            public_key: secret("JWT_PUBLIC_KEY")?,
            refresh_life_time: duration("JWT_REFRESH_LIFE_TIME")?,
            ..JwtConfig::default()
        };
        if let Some(algorithm) = text("JWT_ALGORITHM")? {
            jwt.algorithm = algorithm;
        }
        if let Some(life_time) = duration("JWT_LIFE_TIME")? {
            jwt.life_time = life_time;
        }
        if let Some(leeway) = duration("JWT_LEEWAY")? {
            jwt.leeway = leeway;
        }

        let redis = match (secret("REDIS_URL")?, text("REDIS_KEY_PREFIX")?) {
            (Some(url), key_prefix) => Some(RedisConfig { url, key_prefix }),
            (None, None) => None,
            (None, Some(prefix)) => {
                return Err(ConfigError::Invalid {
                    setting: "REDIS_KEY_PREFIX",
                    value: prefix,
                    reason: "it applies to Redis only, and REDIS_URL is not set; \
                             set REDIS_URL or unset REDIS_KEY_PREFIX"
                        .to_owned(),
                });
            }
        };

        Ok(Self {
            authentication: text("AUTHENTICATION")?,
            ws_authentication: text("WS_AUTHENTICATION")?,
            secret_key: secret("SECRET_KEY")?,
            jwt,
            redis,
        })
    }
}

fn read_text(
    setting: &'static str,
    value: Option<std::ffi::OsString>,
) -> Result<Option<String>, ConfigError> {
    let Some(value) = value else { return Ok(None) };
    let value = value.into_string().map_err(|value| ConfigError::Invalid {
        setting,
        value: value.to_string_lossy().into_owned(),
        reason: "the value is not valid UTF-8".to_owned(),
    })?;
    let value = value.trim();
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

fn read_secret(
    setting: &'static str,
    value: Option<std::ffi::OsString>,
) -> Result<Option<Secret>, ConfigError> {
    let Some(value) = value else { return Ok(None) };
    let value = value
        .into_string()
        .map_err(|_| ConfigError::InvalidSecret {
            setting,
            reason: "the value is not valid UTF-8".to_owned(),
        })?;
    // PEM keys span lines; an HMAC secret is taken byte for byte, so only
    // an empty value counts as unset.
    Ok((!value.is_empty()).then(|| Secret::new(value)))
}

/// Parses a duration setting: whole seconds (`3600`) or units (`15m`, `1d`).
pub fn parse_duration(setting: &'static str, value: &str) -> Result<Duration, ConfigError> {
    let trimmed = value.trim();
    let parsed = if trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
        trimmed
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|error| error.to_string())
    } else {
        humantime::parse_duration(trimmed).map_err(|error| error.to_string())
    };

    parsed.map_err(|reason| ConfigError::Invalid {
        setting,
        value: value.to_owned(),
        reason: format!("{reason}; expected seconds (3600) or a duration such as 15m, 12h or 1d"),
    })
}

/// Loads `.env` from the current directory into the process environment.
///
/// Variables already set in the environment win over the file. A missing
/// file is not an error: the result is `Ok(false)`. A file that cannot be
/// read or parsed is an error naming the file and line, never its contents.
///
/// In unquoted and double-quoted values, `dotenvy` 0.15 replaces `$` and the
/// letters and digits after it with that variable, or with nothing when it
/// is unset. A secret that contains `$` therefore needs single quotes.
pub fn load_env() -> Result<bool, ConfigError> {
    load_env_file(".env")
}

/// Loads the given env file into the process environment, as [`load_env`] does.
pub fn load_env_file(path: impl AsRef<Path>) -> Result<bool, ConfigError> {
    let path = path.as_ref();
    match dotenvy::from_path(path) {
        Ok(()) => Ok(true),
        Err(dotenvy::Error::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(ConfigError::EnvFile {
            path: path.display().to_string(),
            reason: describe_env_error(&error, path),
        }),
    }
}

/// Describes a `.env` failure without the offending line, which may hold
/// a secret, but with its line number when the file can be read again.
fn describe_env_error(error: &dotenvy::Error, path: &Path) -> String {
    match error {
        dotenvy::Error::LineParse(line, index) => match line_number(path, line) {
            Some(number) => format!(
                "syntax error on line {number} at character {index}; expected NAME=value lines"
            ),
            None => format!("syntax error at character {index}; expected NAME=value lines"),
        },
        dotenvy::Error::Io(error) => error.to_string(),
        dotenvy::Error::EnvVar(error) => error.to_string(),
        _ => "the file could not be parsed".to_owned(),
    }
}

/// Returns the 1-based number of the line of `path` where `statement`
/// starts. `dotenvy` reports the statement's text but not its position.
fn line_number(path: &Path, statement: &str) -> Option<usize> {
    let contents = std::fs::read_to_string(path).ok()?;
    let start = contents.find(statement)?;
    Some(contents[..start].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::ffi::OsString;

    fn config_from(pairs: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), OsString::from(value)))
            .collect();
        AuthConfig::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_follow_panther() {
        let config = config_from(&[]).unwrap();

        assert_eq!(config.jwt_config().algorithm_name(), "HS256");
        assert_eq!(config.jwt_config().access_life_time(), DEFAULT_LIFE_TIME);
        assert_eq!(
            config.jwt_config().refresh_token_life_time(),
            2 * DEFAULT_LIFE_TIME
        );
        assert_eq!(config.jwt_config().clock_leeway(), Duration::ZERO);
        assert!(config.jwt_key().is_none());
    }

    #[test]
    fn env_sets_every_key() {
        let config = config_from(&[
            ("AUTHENTICATION", "auth_jwt::JwtAuthentication"),
            ("WS_AUTHENTICATION", "auth_jwt::QueryParamJwtAuthentication"),
            ("SECRET_KEY", "s"),
            ("JWT_ALGORITHM", "HS512"),
            ("JWT_LIFE_TIME", "15m"),
            ("JWT_REFRESH_LIFE_TIME", "1d"),
            ("JWT_LEEWAY", "30"),
        ])
        .unwrap();

        assert_eq!(
            config.authentication_name(),
            Some("auth_jwt::JwtAuthentication")
        );
        assert_eq!(
            config.ws_authentication_name(),
            Some("auth_jwt::QueryParamJwtAuthentication")
        );
        assert_eq!(config.jwt_key().unwrap().expose(), b"s");
        assert_eq!(config.jwt_config().algorithm_name(), "HS512");
        assert_eq!(
            config.jwt_config().access_life_time(),
            Duration::from_secs(900)
        );
        assert_eq!(
            config.jwt_config().refresh_token_life_time(),
            Duration::from_secs(86_400)
        );
        assert_eq!(config.jwt_config().clock_leeway(), Duration::from_secs(30));
    }

    #[test]
    fn jwt_key_overrides_secret_key() {
        let config = config_from(&[("SECRET_KEY", "a"), ("JWT_KEY", "b")]).unwrap();

        assert_eq!(config.jwt_key().unwrap().expose(), b"b");
    }

    #[test]
    fn empty_variable_counts_as_unset() {
        let config = config_from(&[("AUTHENTICATION", "  "), ("SECRET_KEY", "")]).unwrap();

        assert_eq!(config.authentication_name(), None);
        assert!(config.secret().is_none());
    }

    #[test]
    fn bad_duration_names_setting_and_value() {
        let error = config_from(&[("JWT_LIFE_TIME", "soon")]).unwrap_err();

        assert!(matches!(
            error,
            ConfigError::Invalid {
                setting: "JWT_LIFE_TIME",
                ..
            }
        ));
        let message = error.to_string();
        assert!(
            message.starts_with("JWT_LIFE_TIME has an invalid value \"soon\""),
            "{message}"
        );
        assert!(message.ends_with("expected seconds (3600) or a duration such as 15m, 12h or 1d"));
    }

    #[test]
    fn redis_url_selects_redis() {
        let config = config_from(&[
            ("REDIS_URL", "redis://:hunter2@127.0.0.1:6379/2"),
            ("REDIS_KEY_PREFIX", "app:revoked:"),
        ])
        .unwrap();

        let redis = config.redis_config().unwrap();
        assert_eq!(
            redis.connection_url().expose(),
            b"redis://:hunter2@127.0.0.1:6379/2"
        );
        assert_eq!(redis.revocation_key_prefix(), Some("app:revoked:"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn without_redis_url_revocations_stay_in_memory() {
        assert!(config_from(&[]).unwrap().redis_config().is_none());
        assert!(
            config_from(&[("REDIS_URL", "")])
                .unwrap()
                .redis_config()
                .is_none()
        );
    }

    #[test]
    fn redis_key_prefix_requires_redis_url() {
        let error = config_from(&[("REDIS_KEY_PREFIX", "app:")]).unwrap_err();

        assert_eq!(
            error.to_string(),
            "REDIS_KEY_PREFIX has an invalid value \"app:\": it applies to Redis only, \
             and REDIS_URL is not set; set REDIS_URL or unset REDIS_KEY_PREFIX"
        );
    }

    #[test]
    fn secret_is_redacted_in_debug() {
        let config = AuthConfig::new().secret_key("do-not-print-me");

        assert!(!format!("{config:?}").contains("do-not-print-me"));
    }

    #[test]
    fn env_file_error_hides_line() {
        let directory = std::env::temp_dir().join(format!("auth-core-env-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join(".env");
        std::fs::write(&path, "SECRET_KEY='unterminated-secret\n").unwrap();

        let error = load_env_file(&path).unwrap_err();

        assert!(
            !error.to_string().contains("unterminated-secret"),
            "{error}"
        );
        assert!(error.to_string().starts_with("could not load"), "{error}");
    }

    #[test]
    fn env_file_error_names_line_number() {
        let directory =
            std::env::temp_dir().join(format!("auth-core-env-line-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join(".env");
        std::fs::write(
            &path,
            "# comment\nAUTH_CORE_TEST_VALUE=1\nSECRET KEY hidden-value\n",
        )
        .unwrap();

        let error = load_env_file(&path).unwrap_err();

        assert_eq!(
            error.to_string(),
            format!(
                "could not load {}: syntax error on line 3 at character 7; \
                 expected NAME=value lines",
                path.display()
            )
        );
    }

    #[test]
    fn env_file_single_quotes_keep_dollar() {
        let directory =
            std::env::temp_dir().join(format!("auth-core-env-dollar-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join(".env");
        std::fs::write(
            &path,
            "AUTH_CORE_TEST_QUOTED='key$AUTHCORETESTUNSET'\n\
             AUTH_CORE_TEST_UNQUOTED=key$AUTHCORETESTUNSET\n",
        )
        .unwrap();

        assert!(load_env_file(&path).unwrap());

        assert_eq!(
            std::env::var("AUTH_CORE_TEST_QUOTED").unwrap(),
            "key$AUTHCORETESTUNSET"
        );
        assert_eq!(std::env::var("AUTH_CORE_TEST_UNQUOTED").unwrap(), "key");
    }

    #[test]
    fn missing_env_file_is_not_an_error() {
        assert!(!load_env_file("/nonexistent/auth-core/.env").unwrap());
    }
}

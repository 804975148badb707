//! Signing and verifying keys, prepared once from the configuration.

use std::str::FromStr;

use auth_core::{AuthConfig, ConfigError, Secret};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};

use crate::verify::FastHmac;

/// Every algorithm name `JWT_ALGORITHM` accepts, for error messages.
const ALGORITHMS: &str =
    "HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA";

/// The keys and the one accepted algorithm.
pub(crate) struct Keys {
    pub(crate) algorithm: Algorithm,
    pub(crate) header: Header,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    pub(crate) validation: Validation,
    /// The fast path, for HMAC algorithms.
    pub(crate) fast: Option<FastHmac>,
}

impl Keys {
    /// Prepares the keys, failing on anything the configuration got wrong.
    pub(crate) fn from_config(config: &AuthConfig) -> Result<Self, ConfigError> {
        let jwt = config.jwt_config();
        let algorithm = parse_algorithm(jwt.algorithm_name())?;
        let (key_setting, key) = signing_key(config, algorithm.family())?;

        let (encoding, decoding) = match algorithm.family() {
            AlgorithmFamily::Hmac => {
                reject_public_key(algorithm, jwt.public_key_pem())?;
                hmac_keys(algorithm, key_setting, key)?
            }
            family => asymmetric_keys(algorithm, family, key_setting, key, jwt.public_key_pem())?,
        };

        // Claims are checked by this crate, which gives each failure its own
        // message and accepts non-integer NumericDate values, so jsonwebtoken
        // only checks the algorithm and the signature.
        let mut validation = Validation::new(algorithm);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;

        Ok(Self {
            algorithm,
            header: Header::new(algorithm),
            encoding,
            decoding,
            validation,
            fast: FastHmac::new(algorithm, key.expose()),
        })
    }
}

fn parse_algorithm(name: &str) -> Result<Algorithm, ConfigError> {
    Algorithm::from_str(name).map_err(|_| ConfigError::Invalid {
        setting: "JWT_ALGORITHM",
        value: name.to_owned(),
        reason: format!("expected one of {ALGORITHMS}"),
    })
}

/// Returns the signing key and the setting it came from: `JWT_KEY`, else `SECRET_KEY`.
///
/// When neither is set, the error names the setting and the kind of key
/// that `family` signs with.
fn signing_key(
    config: &AuthConfig,
    family: AlgorithmFamily,
) -> Result<(&'static str, &Secret), ConfigError> {
    if let Some(key) = config.jwt_config().explicit_key() {
        return Ok(("JWT_KEY", key));
    }
    match (config.secret(), family) {
        (Some(key), _) => Ok(("SECRET_KEY", key)),
        (None, AlgorithmFamily::Hmac) => Err(ConfigError::Missing {
            setting: "SECRET_KEY",
            hint: "set SECRET_KEY (or JWT_KEY) to at least 32 random bytes, \
                   for example the output of `openssl rand -base64 48`",
        }),
        (None, _) => Err(ConfigError::Missing {
            setting: "JWT_KEY",
            hint: "asymmetric algorithms sign with a PEM private key; set JWT_KEY to it",
        }),
    }
}

/// Minimum HMAC key length: the hash output size, as RFC 7518 section 3.2 requires.
fn min_hmac_key_length(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

/// Rejects a public key next to an HMAC algorithm, which would ignore it.
/// Such a key usually means that `JWT_ALGORITHM` should name the key pair's algorithm.
fn reject_public_key(algorithm: Algorithm, public_key: Option<&Secret>) -> Result<(), ConfigError> {
    if public_key.is_none() {
        return Ok(());
    }
    Err(ConfigError::InvalidSecret {
        setting: "JWT_PUBLIC_KEY",
        reason: format!(
            "it is set, but JWT_ALGORITHM is {algorithm:?}, which verifies tokens with the \
             shared secret and uses no public key; unset JWT_PUBLIC_KEY, or set JWT_ALGORITHM \
             to the algorithm of the key pair, such as RS256"
        ),
    })
}

fn hmac_keys(
    algorithm: Algorithm,
    setting: &'static str,
    key: &Secret,
) -> Result<(EncodingKey, DecodingKey), ConfigError> {
    let bytes = key.expose();
    if bytes.starts_with(b"-----BEGIN") {
        return Err(ConfigError::InvalidSecret {
            setting,
            reason: format!(
                "it holds a PEM key, but JWT_ALGORITHM is {algorithm:?}, which needs a shared \
                 secret; set JWT_ALGORITHM to the key's algorithm (such as RS256) or use a random secret"
            ),
        });
    }
    let minimum = min_hmac_key_length(algorithm);
    if bytes.len() < minimum {
        return Err(ConfigError::InvalidSecret {
            setting,
            reason: format!(
                "an {algorithm:?} key must be at least {minimum} bytes, but it has {}; \
                 generate one with `openssl rand -base64 {}`",
                bytes.len(),
                minimum * 3 / 2
            ),
        });
    }

    let invalid = |error: jsonwebtoken::errors::Error| ConfigError::InvalidSecret {
        setting,
        reason: error.to_string(),
    };
    Ok((
        EncodingKey::from_secret(bytes).map_err(invalid)?,
        DecodingKey::from_secret(bytes).map_err(invalid)?,
    ))
}

fn asymmetric_keys(
    algorithm: Algorithm,
    family: AlgorithmFamily,
    setting: &'static str,
    private_key: &Secret,
    public_key: Option<&Secret>,
) -> Result<(EncodingKey, DecodingKey), ConfigError> {
    let kind = match family {
        AlgorithmFamily::Rsa => "RSA",
        AlgorithmFamily::Ec => "EC",
        _ => "Ed25519",
    };
    let Some(public_key) = public_key else {
        return Err(ConfigError::Missing {
            setting: "JWT_PUBLIC_KEY",
            hint: "asymmetric algorithms verify with a PEM public key; set JWT_PUBLIC_KEY to it",
        });
    };

    let encoding = match family {
        AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(private_key.expose()),
        AlgorithmFamily::Ec => EncodingKey::from_ec_pem(private_key.expose()),
        _ => EncodingKey::from_ed_pem(private_key.expose()),
    }
    .map_err(|_| ConfigError::InvalidSecret {
        setting,
        reason: format!("JWT_ALGORITHM is {algorithm:?}, which needs a PEM {kind} private key"),
    })?;

    let decoding = match family {
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(public_key.expose()),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(public_key.expose()),
        _ => DecodingKey::from_ed_pem(public_key.expose()),
    }
    .map_err(|_| ConfigError::InvalidSecret {
        setting: "JWT_PUBLIC_KEY",
        reason: format!("JWT_ALGORITHM is {algorithm:?}, which needs a PEM {kind} public key"),
    })?;

    Ok((encoding, decoding))
}

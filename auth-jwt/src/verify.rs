//! Signature verification: a fast path for HMAC tokens with a known header,
//! and `jsonwebtoken` for everything else.
//!
//! The fast path does what any verifier must and nothing more: split the
//! token, compare the header segment with the few encodings of the one
//! accepted header, decode the signature and payload into stack buffers, and
//! run HMAC with a key prepared at startup. Cryptography stays in the
//! RustCrypto `hmac` and `sha2` crates, which `jsonwebtoken` itself uses;
//! base64 decoding uses the same strict engine as `jsonwebtoken`, so both
//! paths accept the same tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, AlgorithmFamily};
use sha2::{Sha256, Sha384, Sha512};

use auth_core::AuthError;

use crate::credentials::MAX_TOKEN_LENGTH;

/// Largest decoded payload: base64 turns 4 characters into 3 bytes.
pub(crate) const MAX_PAYLOAD_BYTES: usize = MAX_TOKEN_LENGTH / 4 * 3;

/// Largest HMAC output, HS512's.
const MAX_SIGNATURE_BYTES: usize = 64;

/// An HMAC key with its inner and outer pads already hashed.
#[derive(Clone)]
enum HmacKey {
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

impl HmacKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        // `verify_slice` compares in constant time.
        match self {
            Self::Sha256(key) => key
                .clone()
                .chain_update(message)
                .verify_slice(signature)
                .is_ok(),
            Self::Sha384(key) => key
                .clone()
                .chain_update(message)
                .verify_slice(signature)
                .is_ok(),
            Self::Sha512(key) => key
                .clone()
                .chain_update(message)
                .verify_slice(signature)
                .is_ok(),
        }
    }
}

/// Fast verifier of HMAC tokens whose header this crate or Panther would write.
pub(crate) struct FastHmac {
    key: HmacKey,
    /// The header segments accepted without decoding them.
    headers: Vec<String>,
}

impl FastHmac {
    /// Prepares the fast path, or returns `None` for non-HMAC algorithms.
    pub(crate) fn new(algorithm: Algorithm, secret: &[u8]) -> Option<Self> {
        if algorithm.family() != AlgorithmFamily::Hmac {
            return None;
        }
        let key = match algorithm {
            Algorithm::HS384 => HmacKey::Sha384(Hmac::new_from_slice(secret).ok()?),
            Algorithm::HS512 => HmacKey::Sha512(Hmac::new_from_slice(secret).ok()?),
            _ => HmacKey::Sha256(Hmac::new_from_slice(secret).ok()?),
        };

        let name = format!("{algorithm:?}");
        let own = serde_json::to_vec(&jsonwebtoken::Header::new(algorithm)).ok()?;
        let headers = vec![
            URL_SAFE_NO_PAD.encode(own),
            // PyJWT, which Panther uses, writes `alg` first without spaces.
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{name}","typ":"JWT"}}"#)),
        ];
        Some(Self { key, headers })
    }

    /// Tells whether the token's header segment is one this path handles.
    pub(crate) fn knows_header(&self, token: &str) -> bool {
        let header = token.split('.').next().unwrap_or_default();
        self.headers.iter().any(|known| known == header)
    }

    /// Verifies `token`, whose header [`knows_header`](Self::knows_header)
    /// accepted, and decodes its payload into `buffer`.
    pub(crate) fn verify<'a>(
        &self,
        token: &str,
        buffer: &'a mut [u8; MAX_PAYLOAD_BYTES],
    ) -> Result<&'a [u8], AuthError> {
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(malformed());
        };

        let mut signature_bytes = [0_u8; MAX_SIGNATURE_BYTES];
        let Ok(signature_length) = URL_SAFE_NO_PAD.decode_slice(signature, &mut signature_bytes)
        else {
            return Err(AuthError::invalid_token("Token signature is invalid"));
        };
        let signing_input = &token.as_bytes()[..header.len() + 1 + payload.len()];
        if !self
            .key
            .verify(signing_input, &signature_bytes[..signature_length])
        {
            return Err(AuthError::invalid_token("Token signature is invalid"));
        }

        decode_payload(payload, buffer)
    }
}

/// Decodes a payload segment into `buffer`.
pub(crate) fn decode_payload<'a>(
    payload: &str,
    buffer: &'a mut [u8; MAX_PAYLOAD_BYTES],
) -> Result<&'a [u8], AuthError> {
    match URL_SAFE_NO_PAD.decode_slice(payload, &mut buffer[..]) {
        Ok(length) => Ok(&buffer[..length]),
        Err(_) => Err(malformed()),
    }
}

/// Returns a zeroed buffer for [`FastHmac::verify`].
pub(crate) fn payload_buffer() -> [u8; MAX_PAYLOAD_BYTES] {
    [0; MAX_PAYLOAD_BYTES]
}

pub(crate) fn malformed() -> AuthError {
    AuthError::invalid_token("Token is malformed")
}

//! HMAC tokens on a fast path: signing and verifying with a key prepared at
//! startup; `jsonwebtoken` handles everything else.
//!
//! The fast path does what any verifier must and nothing more: split the
//! token, compare the header segment with the few encodings of the one
//! accepted header, decode the signature and payload into stack buffers, and
//! run HMAC. Cryptography stays in the RustCrypto `hmac` and `sha2` crates,
//! which `jsonwebtoken` itself uses; base64 uses the same strict engine as
//! `jsonwebtoken`, so both paths accept the same tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::Algorithm;
use sha2::{Sha256, Sha384, Sha512};

use auth_core::AuthError;

/// Payloads up to this size are decoded on the stack; tokens this crate
/// issues decode to about 150 bytes.
const INLINE_PAYLOAD_BYTES: usize = 1024;

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
    fn new(algorithm: Algorithm, secret: &[u8]) -> Option<Self> {
        Some(match algorithm {
            Algorithm::HS256 => Self::Sha256(Hmac::new_from_slice(secret).ok()?),
            Algorithm::HS384 => Self::Sha384(Hmac::new_from_slice(secret).ok()?),
            Algorithm::HS512 => Self::Sha512(Hmac::new_from_slice(secret).ok()?),
            _ => return None,
        })
    }

    /// Appends the base64url signature of `message` to `out`.
    fn sign_into(&self, message: &[u8], out: &mut String) {
        match self {
            Self::Sha256(key) => {
                let tag = key.clone().chain_update(message).finalize().into_bytes();
                URL_SAFE_NO_PAD.encode_string(tag, out);
            }
            Self::Sha384(key) => {
                let tag = key.clone().chain_update(message).finalize().into_bytes();
                URL_SAFE_NO_PAD.encode_string(tag, out);
            }
            Self::Sha512(key) => {
                let tag = key.clone().chain_update(message).finalize().into_bytes();
                URL_SAFE_NO_PAD.encode_string(tag, out);
            }
        }
    }

    /// Checks a signature; `verify_slice` compares in constant time.
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Sha256(key) => key.clone().chain_update(message).verify_slice(signature),
            Self::Sha384(key) => key.clone().chain_update(message).verify_slice(signature),
            Self::Sha512(key) => key.clone().chain_update(message).verify_slice(signature),
        }
        .is_ok()
    }
}

/// Signer and verifier of HMAC tokens whose header this crate or Panther writes.
pub(crate) struct FastHmac {
    key: HmacKey,
    /// The header segments accepted without decoding them; the first is the
    /// one this crate writes.
    headers: [String; 2],
}

impl FastHmac {
    /// Prepares the fast path, or returns `None` for non-HMAC algorithms.
    pub(crate) fn new(algorithm: Algorithm, secret: &[u8]) -> Option<Self> {
        let key = HmacKey::new(algorithm, secret)?;
        let own = serde_json::to_vec(&jsonwebtoken::Header::new(algorithm)).ok()?;
        // PyJWT, which Panther uses, writes `alg` first, without spaces.
        let pyjwt = format!(r#"{{"alg":"{algorithm:?}","typ":"JWT"}}"#);

        Some(Self {
            key,
            headers: [URL_SAFE_NO_PAD.encode(own), URL_SAFE_NO_PAD.encode(pyjwt)],
        })
    }

    /// Signs `claims` as a token with this crate's header.
    pub(crate) fn sign(&self, claims: &impl serde::Serialize) -> Result<String, serde_json::Error> {
        let json = serde_json::to_vec(claims)?;
        let header = &self.headers[0];
        let mut token = String::with_capacity(header.len() + json.len().div_ceil(3) * 4 + 90);
        token.push_str(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&json, &mut token);

        let mut signature = String::with_capacity(88);
        self.key.sign_into(token.as_bytes(), &mut signature);
        token.push('.');
        token.push_str(&signature);
        Ok(token)
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
        buffer: &'a mut PayloadBuffer,
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

/// Space for a decoded payload: on the stack when it fits, else on the heap.
pub(crate) struct PayloadBuffer {
    inline: [u8; INLINE_PAYLOAD_BYTES],
    heap: Vec<u8>,
}

impl PayloadBuffer {
    pub(crate) fn new() -> Self {
        Self {
            inline: [0; INLINE_PAYLOAD_BYTES],
            heap: Vec::new(),
        }
    }
}

/// Decodes a payload segment into `buffer`.
pub(crate) fn decode_payload<'a>(
    payload: &str,
    buffer: &'a mut PayloadBuffer,
) -> Result<&'a [u8], AuthError> {
    let needed = payload.len().div_ceil(4) * 3;
    let space: &mut [u8] = if needed <= INLINE_PAYLOAD_BYTES {
        &mut buffer.inline
    } else {
        buffer.heap.resize(needed, 0);
        &mut buffer.heap
    };

    match URL_SAFE_NO_PAD.decode_slice(payload, &mut *space) {
        Ok(length) => Ok(&space[..length]),
        Err(_) => Err(malformed()),
    }
}

pub(crate) fn malformed() -> AuthError {
    AuthError::invalid_token("Token is malformed")
}

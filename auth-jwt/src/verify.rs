//! HMAC tokens on a fast path: signing and verifying with a key prepared at
//! startup; `jsonwebtoken` handles everything else.
//!
//! The fast path does what any verifier must and nothing more: split the
//! token, compare the header segment with the few encodings of the one
//! accepted header, decode the signature and payload into stack buffers, and
//! run HMAC. Cryptography stays in the RustCrypto `hmac` and `sha2` crates,
//! which `jsonwebtoken` itself uses.
//!
//! Decoding uses `base64-simd`, which decodes a token in about a third of
//! the time of the `base64` crate on a CPU with AVX2 (measured in
//! BENCHMARKS.md). It is as strict as the `base64` engine that
//! `jsonwebtoken` uses: padding, characters outside the alphabet and
//! non-zero trailing bits are errors, so both paths accept the same tokens.
//! The tests below compare the two decoders.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::Algorithm;
use sha2::{Sha256, Sha384, Sha512};

use auth_core::AuthError;

/// Payloads up to this size are decoded on the stack. Tokens this crate
/// issues decode to about 150 bytes, and the buffer is zeroed on every
/// request, so it is kept small.
const INLINE_PAYLOAD_BYTES: usize = 512;

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
        self.headers.iter().any(|known| {
            token
                .strip_prefix(known.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// Verifies `token` and returns its payload segment, still encoded, or
    /// returns `None` when its header segment is not one this path handles.
    ///
    /// The token is split once, at its first two dots. A third dot can only
    /// sit in the signature segment, where it fails base64 decoding, so it is
    /// looked for only then, to report the token as malformed.
    pub(crate) fn verify<'a>(&self, token: &'a str) -> Option<Result<&'a str, AuthError>> {
        let (header, rest) = token.split_once('.')?;
        if !self.headers.iter().any(|known| known == header) {
            return None;
        }
        let Some((payload, signature)) = rest.split_once('.') else {
            return Some(Err(malformed()));
        };

        let mut signature_bytes = [0_u8; MAX_SIGNATURE_BYTES];
        let Some(signature_bytes) = decode_base64url(signature, &mut signature_bytes) else {
            return Some(Err(if signature.contains('.') {
                malformed()
            } else {
                invalid_signature()
            }));
        };
        let signing_input = &token.as_bytes()[..header.len() + 1 + payload.len()];
        if !self.key.verify(signing_input, signature_bytes) {
            return Some(Err(invalid_signature()));
        }

        Some(Ok(payload))
    }
}

fn invalid_signature() -> AuthError {
    AuthError::invalid_token("Token signature is invalid")
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

    decode_base64url(payload, space).ok_or_else(malformed)
}

/// Decodes unpadded base64url into the start of `out`, or returns `None`
/// when `text` is not valid or does not fit.
fn decode_base64url<'a>(text: &str, out: &'a mut [u8]) -> Option<&'a [u8]> {
    let engine = base64_simd::URL_SAFE_NO_PAD;
    let length = engine.decoded_length(text.as_bytes()).ok()?;
    // `decode` panics when the output is too short, so it gets exactly
    // the decoded length.
    let out = out.get_mut(..length)?;
    let decoded = engine.decode(text.as_bytes(), base64_simd::Out::from_slice(out));
    decoded.ok().map(|decoded| &*decoded)
}

pub(crate) fn malformed() -> AuthError {
    AuthError::invalid_token("Token is malformed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decodes with the `base64` engine that `jsonwebtoken` uses, for comparison.
    fn reference(text: &str, capacity: usize) -> Option<Vec<u8>> {
        let mut out = vec![0; capacity];
        let length = URL_SAFE_NO_PAD.decode_slice(text, &mut out).ok()?;
        out.truncate(length);
        Some(out)
    }

    fn decoded(text: &str, capacity: usize) -> Option<Vec<u8>> {
        let mut out = vec![0; capacity];
        decode_base64url(text, &mut out).map(<[u8]>::to_vec)
    }

    #[test]
    fn every_final_character_decodes_as_reference() {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. ";
        for prefix in ["", "Q", "QU", "QUI", "QUJD", "QUJDR", "QUJDRE"] {
            for last in alphabet.chars() {
                let text = format!("{prefix}{last}");

                assert_eq!(decoded(&text, 64), reference(&text, 64), "{text:?}");
            }
        }
    }

    #[test]
    fn output_too_short_is_an_error() {
        assert_eq!(decoded("QUJD", 2), None);
        assert_eq!(decoded("QUJD", 3), Some(b"ABC".to_vec()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn decodes_as_reference(text in "[A-Za-z0-9_=+/. \\-]{0,120}|[A-Za-z0-9_-]{0,200}") {
            prop_assert_eq!(decoded(&text, 256), reference(&text, 256), "{:?}", text);
        }

        #[test]
        fn decodes_encoded_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let text = URL_SAFE_NO_PAD.encode(&bytes);

            prop_assert_eq!(decoded(&text, 256), Some(bytes));
        }
    }
}

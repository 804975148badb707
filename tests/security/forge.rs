//! Building tokens an attacker would send: any header, any payload, any
//! algorithm, signed with any key or not at all.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Sha256, Sha384, Sha512};

use crate::support::SECRET_KEY;

pub const RSA_PRIVATE: &str = include_str!("../fixtures/rsa-private.pem");
pub const RSA_PUBLIC: &str = include_str!("../fixtures/rsa-public.pem");
pub const EC_PRIVATE: &str = include_str!("../fixtures/ec-private.pem");
pub const EC_PUBLIC: &str = include_str!("../fixtures/ec-public.pem");

/// The header this crate writes for HS256, as JSON.
pub const HS256_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Claims of a valid access token for `user_id`, ten minutes long.
pub fn access_claims(user_id: i64) -> Value {
    json!({ "token_type": "access", "user_id": user_id, "iat": now(), "exp": now() + 600 })
}

/// Returns the HMAC of `input` with the hash that `algorithm` names.
pub fn hmac(algorithm: Algorithm, key: &[u8], input: &[u8]) -> Vec<u8> {
    match algorithm {
        Algorithm::HS256 => Hmac::<Sha256>::new_from_slice(key)
            .unwrap()
            .chain_update(input)
            .finalize()
            .into_bytes()
            .to_vec(),
        Algorithm::HS384 => Hmac::<Sha384>::new_from_slice(key)
            .unwrap()
            .chain_update(input)
            .finalize()
            .into_bytes()
            .to_vec(),
        Algorithm::HS512 => Hmac::<Sha512>::new_from_slice(key)
            .unwrap()
            .chain_update(input)
            .finalize()
            .into_bytes()
            .to_vec(),
        other => panic!("{other:?} is not an HMAC algorithm"),
    }
}

/// Signs two segments as they are, valid base64url or not, with HMAC.
pub fn sign_segments(algorithm: Algorithm, key: &[u8], header: &str, payload: &str) -> String {
    let input = format!("{header}.{payload}");
    let signature = encode(hmac(algorithm, key, input.as_bytes()));
    format!("{input}.{signature}")
}

/// Signs any header and payload text with HMAC: duplicate names, JSON that
/// is not an object, text that is not JSON.
pub fn sign_raw(algorithm: Algorithm, key: &[u8], header: &str, payload: &str) -> String {
    sign_segments(algorithm, key, &encode(header), &encode(payload))
}

/// Signs `payload` text as the server would: HS256 with its key.
pub fn server_signed(payload: &str) -> String {
    sign_raw(
        Algorithm::HS256,
        SECRET_KEY.as_bytes(),
        HS256_HEADER,
        payload,
    )
}

/// Signs `claims` as the server would: HS256 with its key.
pub fn server_signed_claims(claims: &Value) -> String {
    server_signed(&claims.to_string())
}

/// Signs `claims` with an asymmetric algorithm and a PEM private key.
pub fn sign_pem(algorithm: Algorithm, private_pem: &str, claims: &Value) -> String {
    let key = match algorithm {
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
    }
    .unwrap();
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key).unwrap()
}

/// Signs any header and payload text with an asymmetric algorithm and a
/// PEM private key.
pub fn sign_pem_raw(
    algorithm: Algorithm,
    private_pem: &str,
    header: &str,
    payload: &str,
) -> String {
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    let input = format!("{}.{}", encode(header), encode(payload));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, algorithm).unwrap();
    format!("{input}.{signature}")
}

/// Returns the token's segments.
pub fn segments(token: &str) -> Vec<&str> {
    token.split('.').collect()
}

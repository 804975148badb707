//! Comparisons of secrets that the crate set and its example make: API
//! keys, HMAC tags and password hashes are compared in constant time.
//!
//! Timing is not measured: on a shared machine it would only add noise.
//! These tests check instead that each comparison goes through the
//! constant-time function meant for it, and that function's results.

use sha2::{Digest, Sha256};

use crate::app::api_key::secret_matches;
use crate::harness::{Reply, Target};

const API_KEY_SOURCE: &str = include_str!("../../examples/server/app/api_key.rs");
const VERIFY_SOURCE: &str = include_str!("../../auth-jwt/src/verify.rs");
const PASSWORD_SOURCE: &str = include_str!("../../examples/server/app/password.rs");

/// Returns the lines of `source` that are code, without comments.
fn code_lines(source: &str) -> impl Iterator<Item = &str> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
}

/// Returns the text of the function `name` in `source`, up to the first
/// line that closes a block at the function's indentation.
fn function<'a>(source: &'a str, name: &str) -> &'a str {
    let start = source
        .find(&format!("fn {name}("))
        .unwrap_or_else(|| panic!("no function {name}"));
    let rest = &source[start..];
    let end = rest.find("\n}").or_else(|| rest.find("\n    }")).unwrap();
    &rest[..end]
}

#[test]
fn api_key_secret_matches_its_hash() {
    let secret = "a".repeat(43);
    let stored = Sha256::digest(secret.as_bytes());

    assert!(secret_matches(&secret, &stored));
}

#[test]
fn api_key_secret_mismatches() {
    let secret = "a".repeat(43);
    let stored = Sha256::digest(secret.as_bytes());
    let other = format!("{}b", "a".repeat(42));

    assert!(!secret_matches(&other, &stored));
    assert!(!secret_matches(&secret, &stored[..31]));
    assert!(!secret_matches(&secret, &[]));
    assert!(!secret_matches(&secret, secret.as_bytes()));
}

/// The stored hash reaches only `secret_matches`, which compares with
/// `subtle`'s `ct_eq`, never with `==`.
#[test]
fn api_key_compared_in_constant_time() {
    let matcher = function(API_KEY_SOURCE, "secret_matches");
    assert!(matcher.contains(".ct_eq("), "{matcher}");
    assert!(!matcher.contains("=="), "{matcher}");

    let authenticate = function(API_KEY_SOURCE, "authenticate");
    assert!(
        authenticate.contains("secret_matches(secret, &stored)"),
        "{authenticate}"
    );
    let uses: Vec<&str> = code_lines(authenticate)
        .filter(|line| line.contains("stored"))
        .collect();
    assert_eq!(uses.len(), 2, "{uses:?}");
    for line in code_lines(API_KEY_SOURCE) {
        let compares = line.contains("==") || line.contains("!=");
        let names_secret = ["stored", "presented", "digest", "sha256"]
            .iter()
            .any(|name| line.to_ascii_lowercase().contains(name));
        if compares {
            assert!(!names_secret, "{line}");
        }
    }
}

/// The fast HMAC path checks tags with the `hmac` crate's `verify_slice`,
/// which compares in constant time and rejects any other length. The
/// general path is `jsonwebtoken` 12, which calls the same function.
#[test]
fn hmac_compared_in_constant_time() {
    assert!(VERIFY_SOURCE.contains(".verify_slice("));
    for line in code_lines(VERIFY_SOURCE) {
        let compares = line.contains("==") || line.contains("!=");
        let names_tag = line.contains("signature") || line.contains("tag");
        if compares {
            assert!(!names_tag, "{line}");
        }
    }
}

/// Passwords are checked by argon2's `verify_password`, which compares the
/// hash outputs in constant time (`phc` 0.6's `Output` implements `==`
/// with `subtle`), and never by comparing hash strings.
#[test]
fn password_compared_by_argon2() {
    let verify = function(PASSWORD_SOURCE, "verify");
    assert!(verify.contains(".verify_password("), "{verify}");
    for line in code_lines(PASSWORD_SOURCE) {
        let compares = line.contains("==") || line.contains("!=");
        if compares {
            assert!(!line.contains("hash"), "{line}");
        }
    }
}

/// Over HTTP: a key whose secret differs from the real one in its last
/// character, or that names another key's id, is rejected.
#[tokio::test]
async fn api_key_near_misses() {
    let target = Target::start().await;
    let key = target.server.create_api_key(&target.tokens.access).await;
    let other = target.server.create_api_key(&target.tokens.access).await;
    let (prefix, secret) = key.split_at(key.len() - 43);
    let last = if secret.ends_with('A') { 'B' } else { 'A' };
    let (other_prefix, _) = other.split_at(other.len() - 43);

    for value in [
        format!("{prefix}{}{last}", &secret[..42]),
        format!("{other_prefix}{secret}"),
    ] {
        let response = target
            .server
            .client
            .get(target.server.url("/api-key/me"))
            .header("x-api-key", &value)
            .send()
            .await
            .unwrap();
        Reply::from_response(response)
            .await
            .assert_invalid_token("API key is invalid");
    }
    let response = target
        .server
        .client
        .get(target.server.url("/api-key/me"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    Reply::from_response(response).await.assert_alice();
}

/// An API key has one spelling: an id with leading zeros names the same
/// row, so accepting it would let one key pass under many strings, past
/// any block list or rate limit keyed by the string.
#[tokio::test]
async fn api_key_id_with_leading_zeros() {
    let target = Target::start().await;
    let key = target.server.create_api_key(&target.tokens.access).await;
    let secret = &key[key.len() - 43..];

    for value in [
        format!("ak_01_{secret}"),
        format!("ak_0001_{secret}"),
        format!("ak_0_{secret}"),
    ] {
        let response = target
            .server
            .client
            .get(target.server.url("/api-key/me"))
            .header("x-api-key", &value)
            .send()
            .await
            .unwrap();
        Reply::from_response(response)
            .await
            .assert_invalid_token("API key is malformed");
    }
}

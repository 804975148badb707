//! Algorithms: a token is verified with the configured algorithm only,
//! whatever its header names.

use jsonwebtoken::Algorithm;

use crate::forge::{
    EC_PRIVATE, EC_PUBLIC, HS256_HEADER, RSA_PRIVATE, RSA_PUBLIC, access_claims, encode, sign_pem,
    sign_pem_raw, sign_raw,
};
use crate::harness::{SECRET_KEY, Target, es256_config, rs256_config};

const NOT_ACCEPTED: &str = "Token algorithm is not accepted";

/// Returns a token whose header is `{"alg": <alg>, "typ": "JWT"}`, with a
/// valid payload and the given signature segment.
fn unsigned(alg: &str, signature: &str) -> String {
    let header = encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
    let payload = encode(access_claims(1).to_string());
    format!("{header}.{payload}.{signature}")
}

#[tokio::test]
async fn alg_none_without_signature() {
    let target = Target::start().await;

    let reply = target.me_with_token(&unsigned("none", "")).await;

    reply.assert_invalid_token(NOT_ACCEPTED);
}

#[tokio::test]
async fn alg_none_with_signature() {
    let target = Target::start().await;
    let header = encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = encode(access_claims(1).to_string());
    // A signature made with the server's own key over the `none` header.
    let signed = sign_raw(
        Algorithm::HS256,
        SECRET_KEY.as_bytes(),
        r#"{"alg":"none","typ":"JWT"}"#,
        &access_claims(1).to_string(),
    );
    let signature = signed.rsplit('.').next().unwrap();

    for token in [
        format!("{header}.{payload}.{signature}"),
        unsigned("none", "c2lnbmF0dXJl"),
    ] {
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(NOT_ACCEPTED);
    }
}

#[tokio::test]
async fn alg_none_in_any_case() {
    let target = Target::start().await;

    for alg in ["None", "NONE", "nOnE"] {
        for signature in ["", "c2lnbmF0dXJl"] {
            let reply = target.me_with_token(&unsigned(alg, signature)).await;
            reply.assert_invalid_token(NOT_ACCEPTED);
        }
    }
}

/// HS384 and HS512 with the server's own key: only the algorithm differs
/// from a token the server would accept.
#[tokio::test]
async fn other_hmac_algorithm_same_key() {
    let target = Target::start().await;
    let claims = access_claims(1).to_string();

    for (algorithm, alg) in [(Algorithm::HS384, "HS384"), (Algorithm::HS512, "HS512")] {
        let header = format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#);
        let token = sign_raw(algorithm, SECRET_KEY.as_bytes(), &header, &claims);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(NOT_ACCEPTED);
    }

    let control = sign_raw(
        Algorithm::HS256,
        SECRET_KEY.as_bytes(),
        HS256_HEADER,
        &claims,
    );
    target.me_with_token(&control).await.assert_alice();
}

/// The classic confusion attack: an HS256 token whose HMAC key is the
/// server's RSA public key, which the attacker knows, sent to a server that
/// verifies RS256 with that key.
#[tokio::test]
async fn hs256_keyed_with_rsa_public_key() {
    let target = Target::start_with(rs256_config()).await;
    let claims = access_claims(1).to_string();

    for key in [RSA_PUBLIC, RSA_PUBLIC.trim_end()] {
        let token = sign_raw(Algorithm::HS256, key.as_bytes(), HS256_HEADER, &claims);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(NOT_ACCEPTED);
    }

    target
        .me_with_token(&target.tokens.access)
        .await
        .assert_alice();
}

/// The same attack on an ES256 server, keyed with its EC public key.
#[tokio::test]
async fn hs256_keyed_with_ec_public_key() {
    let target = Target::start_with(es256_config()).await;
    let claims = access_claims(1).to_string();
    let token = sign_raw(
        Algorithm::HS256,
        EC_PUBLIC.as_bytes(),
        HS256_HEADER,
        &claims,
    );

    target
        .me_with_token(&token)
        .await
        .assert_invalid_token(NOT_ACCEPTED);
    target
        .me_with_token(&target.tokens.access)
        .await
        .assert_alice();
}

/// The reverse: a correctly signed RS256 or ES256 token sent to an HS256 server.
#[tokio::test]
async fn asymmetric_token_on_hmac_server() {
    let target = Target::start().await;

    for token in [
        sign_pem(Algorithm::RS256, RSA_PRIVATE, &access_claims(1)),
        sign_pem(Algorithm::PS256, RSA_PRIVATE, &access_claims(1)),
        sign_pem(Algorithm::ES256, EC_PRIVATE, &access_claims(1)),
    ] {
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(NOT_ACCEPTED);
    }
}

/// PS256 uses the same RSA key as RS256 but is another algorithm.
#[tokio::test]
async fn other_rsa_algorithm_same_key() {
    let target = Target::start_with(rs256_config()).await;

    for algorithm in [Algorithm::PS256, Algorithm::RS384, Algorithm::RS512] {
        let token = sign_pem(algorithm, RSA_PRIVATE, &access_claims(1));
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(NOT_ACCEPTED);
    }
}

#[tokio::test]
async fn rs256_token_on_es256_server() {
    let target = Target::start_with(es256_config()).await;
    let token = sign_pem(Algorithm::RS256, RSA_PRIVATE, &access_claims(1));

    target
        .me_with_token(&token)
        .await
        .assert_invalid_token(NOT_ACCEPTED);
}

/// Names that no JOSE library defines, and a known name in the wrong case.
#[tokio::test]
async fn unknown_algorithm_name() {
    let target = Target::start().await;
    let claims = access_claims(1).to_string();

    for alg in ["HS1024", "XYZ", "hs256", "HS256 ", ""] {
        let header = format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#);
        let token = sign_raw(Algorithm::HS256, SECRET_KEY.as_bytes(), &header, &claims);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(NOT_ACCEPTED);
    }
}

/// A header without `alg`, or with `alg` of another JSON type, names no
/// algorithm at all.
#[tokio::test]
async fn header_without_algorithm() {
    let target = Target::start().await;
    let claims = access_claims(1).to_string();

    for header in [
        r#"{"typ":"JWT"}"#,
        r#"{"alg":256,"typ":"JWT"}"#,
        r#"{"alg":null}"#,
    ] {
        let token = sign_raw(Algorithm::HS256, SECRET_KEY.as_bytes(), header, &claims);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token("Token is malformed");
    }
}

/// A token signed with the attacker's own RSA key, whose header offers the
/// matching public key (`jwk`), a URL to fetch it from (`jku`) or a key id:
/// verification uses the configured key only and fetches nothing.
#[tokio::test]
async fn key_named_in_header_is_ignored() {
    let target = Target::start_with(rs256_config()).await;
    let attacker_key = include_str!("../fixtures/rsa-other-private.pem");
    let claims = access_claims(1).to_string();

    for header in [
        r#"{"alg":"RS256","typ":"JWT","jwk":{"kty":"RSA","n":"b2YgdGhlIGF0dGFja2VyJ3Mgb3duIGtleQ","e":"AQAB"}}"#,
        r#"{"alg":"RS256","typ":"JWT","jku":"http://127.0.0.1:9/keys.json"}"#,
        r#"{"alg":"RS256","typ":"JWT","kid":"../../tests/fixtures/rsa-other-public.pem"}"#,
        r#"{"alg":"RS256","typ":"JWT","x5u":"http://127.0.0.1:9/cert.pem"}"#,
    ] {
        let token = sign_pem_raw(Algorithm::RS256, attacker_key, header, &claims);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token("Token signature is invalid");
    }
}

/// `crit` naming an extension the verifier does not implement, and
/// `b64: false` (RFC 7797's unencoded payload), must be rejected (RFC 7515
/// section 4.1.11), even with a valid signature.
#[tokio::test]
async fn critical_header_extension() {
    let target = Target::start().await;
    let claims = access_claims(1).to_string();

    for header in [
        r#"{"typ":"JWT","alg":"HS256","crit":["exp"],"exp":1}"#,
        r#"{"typ":"JWT","alg":"HS256","crit":[]}"#,
        r#"{"typ":"JWT","alg":"HS256","b64":false,"crit":["b64"]}"#,
    ] {
        let token = sign_raw(Algorithm::HS256, SECRET_KEY.as_bytes(), header, &claims);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token("Token is malformed");
    }
}

//! Signatures and structure: anything but three base64url segments that
//! verify, carrying a JSON object, is rejected.

use jsonwebtoken::Algorithm;

use crate::forge::{
    HS256_HEADER, access_claims, encode, segments, server_signed, server_signed_claims, sign_raw,
    sign_segments,
};
use crate::harness::{SECRET_KEY, Target};

const MALFORMED: &str = "Token is malformed";
const BAD_SIGNATURE: &str = "Token signature is invalid";
const BAD_CHARACTERS: &str = "Token contains characters that are not allowed";

#[tokio::test]
async fn tampered_payload() {
    let target = Target::start().await;
    let token = &target.tokens.access;
    let parts = segments(token);
    let mut claims = access_claims(2);
    claims["exp"] = serde_json::json!(u32::MAX);

    let forged = format!("{}.{}.{}", parts[0], encode(claims.to_string()), parts[2]);

    target
        .me_with_token(&forged)
        .await
        .assert_invalid_token(BAD_SIGNATURE);
}

/// A header changed without signing again: one that the fast HMAC path
/// recognizes, and one that only the general path reads.
#[tokio::test]
async fn tampered_header() {
    let target = Target::start().await;
    let parts = segments(&target.tokens.access);

    for header in [
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"typ":"JWT","alg":"HS256","kid":"other"}"#,
    ] {
        let forged = format!("{}.{}.{}", encode(header), parts[1], parts[2]);
        target
            .me_with_token(&forged)
            .await
            .assert_invalid_token(BAD_SIGNATURE);
    }
}

#[tokio::test]
async fn signature_from_other_key() {
    let target = Target::start().await;
    let other_key = "another key that is at least 32 bytes long";
    let claims = access_claims(1).to_string();

    let token = sign_raw(
        Algorithm::HS256,
        other_key.as_bytes(),
        HS256_HEADER,
        &claims,
    );

    target
        .me_with_token(&token)
        .await
        .assert_invalid_token(BAD_SIGNATURE);
}

/// A signature cut short, to nothing, or with bytes added: HMAC tags are
/// compared at their full length.
#[tokio::test]
async fn signature_wrong_length() {
    let target = Target::start().await;
    let token = &target.tokens.access;
    let (input, signature) = token.rsplit_once('.').unwrap();

    for forged in [
        format!("{input}.{}", &signature[..signature.len() - 2]),
        format!("{input}.{}", &signature[..22]),
        format!("{input}.{signature}AAAA"),
        format!("{input}.{signature}{signature}"),
    ] {
        target
            .me_with_token(&forged)
            .await
            .assert_invalid_token(BAD_SIGNATURE);
    }
    target
        .me_with_token(&format!("{input}."))
        .await
        .assert_invalid_token(BAD_SIGNATURE);
}

#[tokio::test]
async fn missing_segments() {
    let target = Target::start().await;
    let parts = segments(&target.tokens.access);

    for forged in [
        format!("{}.{}", parts[0], parts[1]),
        parts[1].to_owned(),
        format!("{}.{}", parts[1], parts[2]),
        "..".to_owned(),
        ".".to_owned(),
    ] {
        target
            .me_with_token(&forged)
            .await
            .assert_invalid_token(MALFORMED);
    }
}

/// Four segments, and five as an encrypted token (JWE) has.
#[tokio::test]
async fn extra_segments() {
    let target = Target::start().await;
    let token = &target.tokens.access;
    let signature = segments(token)[2];

    for forged in [
        format!("{token}.{signature}"),
        format!("{token}."),
        format!("{token}.{signature}.{signature}"),
    ] {
        target
            .me_with_token(&forged)
            .await
            .assert_invalid_token(MALFORMED);
    }
}

/// Segments that are `b64token` characters but not base64url without
/// padding: `+`, `/` and `~` belong to base64 or no alphabet, and one
/// character alone encodes no byte. The payload is signed as sent, so
/// only its decoding can fail.
#[tokio::test]
async fn payload_invalid_base64url() {
    let target = Target::start().await;
    let header = encode(HS256_HEADER);
    let payload = encode(access_claims(1).to_string());

    for bad in [
        format!("{payload}+"),
        format!("{payload}/"),
        format!("~{payload}"),
        format!("{payload}A"),
        "A".to_owned(),
    ] {
        let token = sign_segments(Algorithm::HS256, SECRET_KEY.as_bytes(), &header, &bad);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(MALFORMED);
    }
}

#[tokio::test]
async fn header_invalid_base64url() {
    let target = Target::start().await;
    let header = encode(HS256_HEADER);
    let payload = encode(access_claims(1).to_string());

    for bad in [
        format!("{header}+"),
        format!("{header}A"),
        "e/J9".to_owned(),
    ] {
        let token = sign_segments(Algorithm::HS256, SECRET_KEY.as_bytes(), &bad, &payload);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(MALFORMED);
    }
}

#[tokio::test]
async fn signature_invalid_base64url() {
    let target = Target::start().await;
    let (input, signature) = target.tokens.access.rsplit_once('.').unwrap();

    for bad in [
        format!("{}+", &signature[..signature.len() - 1]),
        format!("/{}", &signature[1..]),
        format!("{signature}A"),
    ] {
        let forged = format!("{input}.{bad}");
        target
            .me_with_token(&forged)
            .await
            .assert_invalid_token(BAD_SIGNATURE);
    }
}

/// The last character of a 32-byte tag carries two unused bits. A copy of
/// the signature with them set decodes to the same bytes in a lax decoder,
/// so accepting it would make tokens malleable.
#[tokio::test]
async fn signature_non_canonical_encoding() {
    let target = Target::start().await;
    let (input, signature) = target.tokens.access.rsplit_once('.').unwrap();
    let last = signature.as_bytes()[signature.len() - 1];
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = ALPHABET.iter().position(|&byte| byte == last).unwrap();

    for unused_bits in 1..4 {
        let changed = char::from(ALPHABET[index ^ unused_bits]);
        let forged = format!("{input}.{}{changed}", &signature[..signature.len() - 1]);
        target
            .me_with_token(&forged)
            .await
            .assert_invalid_token(BAD_SIGNATURE);
    }
}

/// `=` is allowed by RFC 6750 only at the end of the whole token.
#[tokio::test]
async fn padding_inside_token() {
    let target = Target::start().await;
    let parts = segments(&target.tokens.access);

    for forged in [
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}==.{}", parts[0], parts[1], parts[2]),
    ] {
        target
            .me_with_token(&forged)
            .await
            .assert_invalid_token(BAD_CHARACTERS);
    }
    let padded_end = format!("{}=", target.tokens.access);
    target
        .me_with_token(&padded_end)
        .await
        .assert_invalid_token(BAD_SIGNATURE);
}

#[tokio::test]
async fn payload_not_json() {
    let target = Target::start().await;

    for payload in [
        "not json",
        "{",
        "{\"token_type\":\"access\",}",
        "",
        "\u{feff}{}",
    ] {
        let token = server_signed(payload);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(MALFORMED);
    }
}

/// A claims set must be a JSON object (RFC 7519 section 7.2); a derived
/// deserializer would otherwise read an array field by field.
#[tokio::test]
async fn payload_not_object() {
    let target = Target::start().await;
    let exp = access_claims(1)["exp"].clone();

    for payload in [
        format!(r#"["access",1,0,{exp}]"#),
        r#""access""#.to_owned(),
        "12".to_owned(),
        "null".to_owned(),
        "true".to_owned(),
    ] {
        let token = server_signed(&payload);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(MALFORMED);
    }
}

#[tokio::test]
async fn payload_with_trailing_data() {
    let target = Target::start().await;
    let claims = access_claims(1).to_string();

    for payload in [
        format!("{claims}{claims}"),
        format!("{claims} x"),
        format!("{claims},"),
    ] {
        let token = server_signed(&payload);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(MALFORMED);
    }
    let whitespace = server_signed(&format!(" {claims}\n"));
    target.me_with_token(&whitespace).await.assert_alice();
}

/// A claim given twice must not let either copy win: the first copy
/// passes every check, the second would change the user or the type.
#[tokio::test]
async fn duplicate_claims() {
    let target = Target::start().await;
    let exp = access_claims(1)["exp"].clone();

    for payload in [
        format!(r#"{{"token_type":"access","user_id":1,"exp":{exp},"user_id":2}}"#),
        format!(r#"{{"token_type":"refresh","token_type":"access","user_id":1,"exp":{exp}}}"#),
        format!(r#"{{"token_type":"access","user_id":1,"exp":1,"exp":{exp}}}"#),
        format!(r#"{{"token_type":"access","user_id":1,"exp":{exp},"nbf":0,"nbf":0}}"#),
        // The same name once escaped: JSON compares names after unescaping.
        format!(r#"{{"token_type":"access","user_id":1,"exp":1,"\u0065xp":{exp}}}"#),
        format!(r#"{{"token_type":"access","user_id":2,"user_\u0069d":1,"exp":{exp}}}"#),
    ] {
        let token = server_signed(&payload);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(MALFORMED);
    }
}

#[tokio::test]
async fn duplicate_header_fields() {
    let target = Target::start().await;
    let claims = access_claims(1).to_string();

    for header in [
        r#"{"typ":"JWT","alg":"HS256","alg":"none"}"#,
        r#"{"alg":"none","typ":"JWT","alg":"HS256"}"#,
        r#"{"typ":"JWT","alg":"HS256","alg":"HS256"}"#,
        r#"{"typ":"JWT","alg":"HS256","\u0061lg":"none"}"#,
    ] {
        let token = sign_raw(Algorithm::HS256, SECRET_KEY.as_bytes(), header, &claims);
        target
            .me_with_token(&token)
            .await
            .assert_invalid_token(MALFORMED);
    }
}

/// A control: a token the test signs with the server's key, as another
/// issuer sharing the key would, is accepted, so the rejections above are
/// about what each case changed.
#[tokio::test]
async fn server_signed_control() {
    let target = Target::start().await;

    target
        .me_with_token(&server_signed_claims(&access_claims(1)))
        .await
        .assert_alice();
}

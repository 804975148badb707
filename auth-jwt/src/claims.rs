//! The claims layout: Panther's `token_type`, `user_id`, `iat`, `exp`, plus
//! `jti` and `fam` (the login session a token belongs to).

use std::borrow::Cow;
use std::fmt;

use auth_core::{AuthError, UserId};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Latest accepted `exp`, `nbf` or `iat`: 9999-12-31T23:59:59Z. Later dates
/// are not plausible and would overflow time arithmetic elsewhere.
const MAX_NUMERIC_DATE: f64 = 253_402_300_799.0;

/// Kind of token: what it may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    /// Authenticates requests.
    Access,
    /// Obtains a new token pair, once.
    Refresh,
}

impl TokenType {
    /// Returns the `token_type` claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// The verified claims of a token.
#[derive(Clone, Debug, PartialEq)]
pub struct Claims {
    /// `token_type`.
    pub token_type: TokenType,
    /// `user_id`.
    pub user_id: UserId,
    /// `iat`, in seconds since the Unix epoch, when present.
    pub issued_at: Option<f64>,
    /// `exp`, in seconds since the Unix epoch.
    pub expires_at: f64,
    /// `nbf`, in seconds since the Unix epoch, when present.
    pub not_before: Option<f64>,
    /// `jti`, a unique id; tokens from Panther have none.
    pub id: Option<String>,
    /// `fam`, the id shared by every token of one login; tokens from Panther have none.
    pub family: Option<String>,
}

/// Verified claims that borrow their text from the decoded payload.
pub(crate) struct ClaimsRef<'a> {
    pub(crate) token_type: TokenType,
    pub(crate) user_id: UserId,
    pub(crate) issued_at: Option<f64>,
    pub(crate) expires_at: f64,
    pub(crate) not_before: Option<f64>,
    pub(crate) id: Option<Cow<'a, str>>,
    pub(crate) family: Option<Cow<'a, str>>,
}

impl ClaimsRef<'_> {
    pub(crate) fn into_owned(self) -> Claims {
        Claims {
            token_type: self.token_type,
            user_id: self.user_id,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            not_before: self.not_before,
            id: self.id.map(Cow::into_owned),
            family: self.family.map(Cow::into_owned),
        }
    }
}

/// Claims as issued by this crate.
#[derive(Serialize)]
pub(crate) struct IssuedClaims<'a> {
    pub(crate) token_type: &'static str,
    pub(crate) user_id: &'a UserId,
    pub(crate) iat: u64,
    pub(crate) exp: u64,
    pub(crate) jti: &'a str,
    pub(crate) fam: &'a str,
}

/// Parses and checks the JSON payload of a token whose signature was verified.
///
/// The typed parse runs first and allocates nothing for tokens this crate
/// issues. When it fails, the lenient parse finds the exact reason, so both
/// parses accept the same payloads.
pub(crate) fn parse(payload: &[u8]) -> Result<ClaimsRef<'_>, AuthError> {
    // Derived deserializers also accept a JSON array, field by field in
    // order; a claims set must be an object (RFC 7519 section 7.2).
    if payload.trim_ascii_start().first() != Some(&b'{') {
        return Err(AuthError::invalid_token("Token is malformed"));
    }

    // One UTF-8 check of the whole payload lets `from_str` skip the check
    // that `from_slice` repeats for every string. A payload that is not
    // UTF-8 fails `from_slice` too, so the lenient parse rejects it.
    let typed = std::str::from_utf8(payload)
        .ok()
        .and_then(|json| serde_json::from_str::<TypedFields<'_>>(json).ok());
    let fields = match typed {
        Some(fields) => fields.into(),
        None => lenient_fields(payload)?,
    };
    fields.check()
}

/// Claim values with their JSON types checked, before the rules are applied.
struct Fields<'a> {
    token_type: Option<Cow<'a, str>>,
    user_id: Option<UserId>,
    iat: Option<f64>,
    exp: Option<f64>,
    nbf: Option<f64>,
    jti: Option<Cow<'a, str>>,
    fam: Option<Cow<'a, str>>,
}

impl<'a> Fields<'a> {
    fn check(self) -> Result<ClaimsRef<'a>, AuthError> {
        let token_type = match self.token_type.as_deref() {
            Some("access") => TokenType::Access,
            Some("refresh") => TokenType::Refresh,
            Some(_) => return Err(AuthError::invalid_token("Token type is not valid")),
            None => return Err(AuthError::invalid_token("Token has no token_type claim")),
        };
        let user_id = match self.user_id {
            None => return Err(AuthError::invalid_token("Token has no user_id claim")),
            Some(UserId::Str(id)) if id.is_empty() => {
                return Err(AuthError::invalid_token("Token user_id claim is not valid"));
            }
            Some(id) => id,
        };
        let Some(expires_at) = self.exp else {
            return Err(AuthError::invalid_token("Token has no exp claim"));
        };

        Ok(ClaimsRef {
            token_type,
            user_id,
            issued_at: date_in_range(self.iat, "Token iat claim is not valid")?,
            expires_at: date_in_range(Some(expires_at), "Token exp claim is not valid")?
                .unwrap_or_default(),
            not_before: date_in_range(self.nbf, "Token nbf claim is not valid")?,
            id: non_empty(self.jti, "Token jti claim is not valid")?,
            family: non_empty(self.fam, "Token fam claim is not valid")?,
        })
    }
}

/// Checks a NumericDate (RFC 7519 section 2): seconds since the epoch,
/// possibly non-integer, up to year 9999.
fn date_in_range(seconds: Option<f64>, invalid: &'static str) -> Result<Option<f64>, AuthError> {
    match seconds {
        Some(seconds) if !(0.0..=MAX_NUMERIC_DATE).contains(&seconds) => {
            Err(AuthError::invalid_token(invalid))
        }
        _ => Ok(seconds),
    }
}

fn non_empty<'a>(
    text: Option<Cow<'a, str>>,
    invalid: &'static str,
) -> Result<Option<Cow<'a, str>>, AuthError> {
    match text {
        Some(text) if text.is_empty() => Err(AuthError::invalid_token(invalid)),
        text => Ok(text),
    }
}

/// The typed parse. `serde_json` rejects a known name given twice when
/// deserializing into a struct, so a duplicate claim never lets one copy win.
#[derive(Deserialize)]
struct TypedFields<'a> {
    #[serde(borrow, default, deserialize_with = "borrowed_text")]
    token_type: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "user_id")]
    user_id: Option<UserId>,
    #[serde(default, deserialize_with = "numeric_date")]
    iat: Option<f64>,
    #[serde(default, deserialize_with = "numeric_date")]
    exp: Option<f64>,
    #[serde(default, deserialize_with = "numeric_date")]
    nbf: Option<f64>,
    #[serde(borrow, default, deserialize_with = "borrowed_text")]
    jti: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed_text")]
    fam: Option<Cow<'a, str>>,
}

impl<'a> From<TypedFields<'a>> for Fields<'a> {
    fn from(typed: TypedFields<'a>) -> Self {
        Self {
            token_type: typed.token_type,
            user_id: typed.user_id,
            iat: typed.iat,
            exp: typed.exp,
            nbf: typed.nbf,
            jti: typed.jti,
            fam: typed.fam,
        }
    }
}

/// Reads a string, or null, borrowing it from the payload unless it has
/// escapes. Serde's own `Option<Cow<str>>` always copies: its `borrow`
/// attribute reaches a `Cow` only when the `Cow` is the field's whole type.
fn borrowed_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct TextVisitor;

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Option<Cow<'de, str>>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a string")
        }

        fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(text)))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(text.to_owned())))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(TextVisitor)
}

/// Reads a JSON number of any kind, or null, as seconds.
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    Ok(Option::<serde_json::Number>::deserialize(deserializer)?.and_then(|number| number.as_f64()))
}

/// Reads `user_id`: an integer that fits in `i64`, a string, or null.
fn user_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<UserId>, D::Error> {
    struct UserIdVisitor;

    impl<'de> Visitor<'de> for UserIdVisitor {
        type Value = Option<UserId>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("an integer or a string")
        }

        fn visit_i64<E: de::Error>(self, id: i64) -> Result<Self::Value, E> {
            Ok(Some(UserId::Int(id)))
        }

        fn visit_u64<E: de::Error>(self, id: u64) -> Result<Self::Value, E> {
            i64::try_from(id)
                .map(|id| Some(UserId::Int(id)))
                .map_err(|_| E::custom("user_id is out of range"))
        }

        fn visit_str<E: de::Error>(self, id: &str) -> Result<Self::Value, E> {
            Ok(Some(UserId::Str(id.to_owned())))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(UserIdVisitor)
}

/// Parses every claim as any JSON value, so that a wrong type gets a
/// reason that names the claim.
fn lenient_fields(payload: &[u8]) -> Result<Fields<'static>, AuthError> {
    #[derive(Deserialize)]
    struct AnyFields {
        #[serde(default)]
        token_type: Option<Value>,
        #[serde(default)]
        user_id: Option<Value>,
        #[serde(default)]
        iat: Option<Value>,
        #[serde(default)]
        exp: Option<Value>,
        #[serde(default)]
        nbf: Option<Value>,
        #[serde(default)]
        jti: Option<Value>,
        #[serde(default)]
        fam: Option<Value>,
    }

    let fields: AnyFields = serde_json::from_slice(payload)
        .map_err(|_| AuthError::invalid_token("Token is malformed"))?;

    Ok(Fields {
        token_type: text(fields.token_type, "Token type is not valid")?,
        user_id: match fields.user_id {
            None => None,
            Some(Value::Number(number)) => {
                Some(UserId::Int(number.as_i64().ok_or_else(|| {
                    AuthError::invalid_token("Token user_id claim is not valid")
                })?))
            }
            Some(Value::String(id)) => Some(UserId::Str(id)),
            Some(_) => return Err(AuthError::invalid_token("Token user_id claim is not valid")),
        },
        iat: number(fields.iat, "Token iat claim is not valid")?,
        exp: number(fields.exp, "Token exp claim is not valid")?,
        nbf: number(fields.nbf, "Token nbf claim is not valid")?,
        jti: text(fields.jti, "Token jti claim is not valid")?,
        fam: text(fields.fam, "Token fam claim is not valid")?,
    })
}

fn number(value: Option<Value>, invalid: &'static str) -> Result<Option<f64>, AuthError> {
    match value {
        None => Ok(None),
        Some(Value::Number(number)) => number
            .as_f64()
            .map(Some)
            .ok_or_else(|| AuthError::invalid_token(invalid)),
        Some(_) => Err(AuthError::invalid_token(invalid)),
    }
}

fn text(
    value: Option<Value>,
    invalid: &'static str,
) -> Result<Option<Cow<'static, str>>, AuthError> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(Cow::Owned(text))),
        Some(_) => Err(AuthError::invalid_token(invalid)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(payload: &str) -> String {
        match parse(payload.as_bytes()) {
            Ok(_) => "accepted".to_owned(),
            Err(error) => error.reason().to_owned(),
        }
    }

    #[test]
    fn accepts_integer_and_fractional_dates() {
        assert_eq!(
            reason(r#"{"token_type":"access","user_id":1,"exp":5}"#),
            "accepted"
        );
        assert_eq!(
            reason(r#"{"token_type":"access","user_id":"u","exp":5.5,"iat":1.25}"#),
            "accepted"
        );
    }

    #[test]
    fn names_the_claim_with_the_wrong_type() {
        let cases = [
            (
                r#"{"token_type":1,"user_id":1,"exp":5}"#,
                "Token type is not valid",
            ),
            (
                r#"{"token_type":"id","user_id":1,"exp":5}"#,
                "Token type is not valid",
            ),
            (r#"{"user_id":1,"exp":5}"#, "Token has no token_type claim"),
            (
                r#"{"token_type":"access","user_id":true,"exp":5}"#,
                "Token user_id claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":1.5,"exp":5}"#,
                "Token user_id claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":18446744073709551615,"exp":5}"#,
                "Token user_id claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":"","exp":5}"#,
                "Token user_id claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":null,"exp":5}"#,
                "Token has no user_id claim",
            ),
            (
                r#"{"token_type":"access","user_id":1}"#,
                "Token has no exp claim",
            ),
            (
                r#"{"token_type":"access","user_id":1,"exp":"5"}"#,
                "Token exp claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":1,"exp":-1}"#,
                "Token exp claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":1,"exp":1e300}"#,
                "Token exp claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":1,"exp":5,"nbf":[]}"#,
                "Token nbf claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":1,"exp":5,"jti":7}"#,
                "Token jti claim is not valid",
            ),
            (
                r#"{"token_type":"access","user_id":1,"exp":5,"exp":6}"#,
                "Token is malformed",
            ),
            (r#"[1,2]"#, "Token is malformed"),
            (r#" ["access",1,0,5]"#, "Token is malformed"),
            (r#""text""#, "Token is malformed"),
            (r#"not json"#, "Token is malformed"),
        ];
        for (payload, expected) in cases {
            assert_eq!(reason(payload), expected, "{payload}");
        }
    }
}

//! The claims layout: Panther's `token_type`, `user_id`, `iat`, `exp`, plus
//! `jti` and `fam` (the login session a token belongs to).

use auth_core::{AuthError, UserId};
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

/// Claims as received, before their types are checked.
///
/// `serde_json` rejects a name given twice when deserializing into a
/// struct, so duplicate claims fail here instead of letting one copy win.
#[derive(Deserialize)]
pub(crate) struct ReceivedClaims {
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

impl ReceivedClaims {
    /// Checks the type of every known claim; times are checked by the caller.
    pub(crate) fn check(self) -> Result<Claims, AuthError> {
        let token_type = match self.token_type.as_ref().and_then(Value::as_str) {
            Some("access") => TokenType::Access,
            Some("refresh") => TokenType::Refresh,
            Some(_) => return Err(AuthError::invalid_token("Token type is not valid")),
            None if self.token_type.is_none() => {
                return Err(AuthError::invalid_token("Token has no token_type claim"));
            }
            None => return Err(AuthError::invalid_token("Token type is not valid")),
        };

        let user_id = match self.user_id {
            None => return Err(AuthError::invalid_token("Token has no user_id claim")),
            Some(Value::Number(number)) => match number.as_i64() {
                Some(id) => UserId::Int(id),
                None => return Err(AuthError::invalid_token("Token user_id claim is not valid")),
            },
            Some(Value::String(id)) if !id.is_empty() => UserId::Str(id),
            Some(_) => return Err(AuthError::invalid_token("Token user_id claim is not valid")),
        };

        let Some(expires_at) = self.exp else {
            return Err(AuthError::invalid_token("Token has no exp claim"));
        };

        Ok(Claims {
            token_type,
            user_id,
            issued_at: numeric_date(self.iat, "Token iat claim is not valid")?,
            expires_at: numeric_date(Some(expires_at), "Token exp claim is not valid")?
                .unwrap_or_default(),
            not_before: numeric_date(self.nbf, "Token nbf claim is not valid")?,
            id: optional_text(self.jti, "Token jti claim is not valid")?,
            family: optional_text(self.fam, "Token fam claim is not valid")?,
        })
    }
}

/// Reads a NumericDate (RFC 7519 section 2): a JSON number of seconds,
/// possibly non-integer, between the epoch and year 9999.
fn numeric_date(value: Option<Value>, invalid: &'static str) -> Result<Option<f64>, AuthError> {
    let Some(value) = value else { return Ok(None) };
    let seconds = value
        .as_f64()
        .ok_or_else(|| AuthError::invalid_token(invalid))?;
    if !seconds.is_finite() || !(0.0..=MAX_NUMERIC_DATE).contains(&seconds) {
        return Err(AuthError::invalid_token(invalid));
    }
    Ok(Some(seconds))
}

fn optional_text(value: Option<Value>, invalid: &'static str) -> Result<Option<String>, AuthError> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text)),
        Some(_) => Err(AuthError::invalid_token(invalid)),
    }
}

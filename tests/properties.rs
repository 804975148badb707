//! Property tests: the credential parsers and the whole authenticate path
//! on arbitrary input, and the fast HMAC path against `jsonwebtoken`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::LazyLock;
use std::task::{Context, Poll, Waker};
use std::time::{SystemTime, UNIX_EPOCH};

use auth_core::{Auth, AuthConfig, AuthError, UserId, UserModel, UserStoreError, async_trait};
use auth_jwt::{Jwt, MAX_TOKEN_LENGTH, TokenType, token_from_header, token_from_query};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, Uri, header};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use proptest::prelude::*;
use serde_json::{Value, json};

const KEY: &str = "property tests key, 32 bytes or more";

#[derive(Clone, Debug, PartialEq)]
struct User {
    id: i64,
}

#[async_trait]
impl UserModel for User {
    type Store = HashMap<i64, User>;

    fn id(&self) -> UserId {
        UserId::Int(self.id)
    }

    async fn find_by_id(store: &Self::Store, id: &UserId) -> Result<Option<Self>, UserStoreError> {
        let UserId::Int(id) = id else { return Ok(None) };
        Ok(store.get(id).cloned())
    }
}

struct App {
    auth: Auth,
    jwt: Jwt,
}

static APP: LazyLock<App> = LazyLock::new(|| {
    let config = AuthConfig::new()
        .authentication("auth_jwt::JwtAuthentication")
        .ws_authentication("auth_jwt::QueryParamJwtAuthentication")
        .secret_key(KEY);
    let auth = Auth::builder::<User>()
        .config(config)
        .users(HashMap::from([(1, User { id: 1 })]))
        .build()
        .unwrap();
    let jwt = Jwt::from_auth(&auth).unwrap();
    App { auth, jwt }
});

/// Polls a future that never waits on I/O: the in-memory stores never do.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte))
}

/// Asserts that a rejection is a client error with a challenge, never a 5xx.
#[track_caller]
fn assert_client_error(error: &AuthError) {
    let status = error.status().as_u16();
    assert!(status == 400 || status == 401, "status {status}: {error}");
    assert!(error.www_authenticate().is_some());
}

/// `jsonwebtoken`'s verdict under the same rules: HS256 only, `exp` required
/// and in the future, no leeway.
fn reference_accepts(token: &str) -> bool {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    let decoded = jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(KEY.as_bytes()).unwrap(),
        &validation,
    );
    decoded.is_ok_and(|data| {
        let claims = data.claims;
        claims.is_object()
            && matches!(claims["token_type"].as_str(), Some("access" | "refresh"))
            && (claims["user_id"].is_i64()
                || claims["user_id"].as_str().is_some_and(|id| !id.is_empty()))
    })
}

/// A mutation of a valid token.
#[derive(Clone, Debug)]
enum Tamper {
    Flip { index: usize, bit: u8 },
    Remove { index: usize },
    Insert { index: usize, byte: u8 },
    Truncate { length: usize },
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        (any::<usize>(), 0_u8..7).prop_map(|(index, bit)| Tamper::Flip { index, bit }),
        any::<usize>().prop_map(|index| Tamper::Remove { index }),
        (any::<usize>(), prop::sample::select(b"A_-.=+/0z".to_vec()))
            .prop_map(|(index, byte)| Tamper::Insert { index, byte }),
        any::<usize>().prop_map(|length| Tamper::Truncate { length }),
    ]
}

fn apply(token: &str, tamper: &Tamper) -> String {
    let mut bytes = token.as_bytes().to_vec();
    match *tamper {
        Tamper::Flip { index, bit } => {
            let index = index % bytes.len();
            bytes[index] ^= 1 << bit;
        }
        Tamper::Remove { index } => {
            bytes.remove(index % bytes.len());
        }
        Tamper::Insert { index, byte } => bytes.insert(index % (bytes.len() + 1), byte),
        Tamper::Truncate { length } => bytes.truncate(length % bytes.len()),
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Arbitrary JSON for one claim: every type, including the expected one.
fn claim_value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        any::<bool>().prop_map(|flag| Some(json!(flag))),
        any::<i64>().prop_map(|number| Some(json!(number))),
        (0_u64..4_000_000_000).prop_map(|number| Some(json!(number))),
        (0.0_f64..4.0e9).prop_map(|number| Some(json!(number))),
        "[a-z]{0,8}".prop_map(|text| Some(json!(text))),
        Just(Some(json!("access"))),
        Just(Some(json!("refresh"))),
        Just(Some(json!([1, 2]))),
        Just(Some(json!({ "nested": 1 }))),
    ]
}

/// Asserts that a result is the one user or a client error with a challenge.
fn assert_user_or_rejection(result: Result<User, AuthError>) -> Result<(), TestCaseError> {
    match result {
        Ok(user) => prop_assert_eq!(user, User { id: 1 }),
        Err(error) => {
            let status = error.status().as_u16();
            prop_assert!(
                status == 400 || status == 401,
                "status {}: {}",
                status,
                error
            );
            prop_assert!(error.www_authenticate().is_some());
        }
    }
    Ok(())
}

/// Encodes bytes for a query value: a byte that `keep` marks stays as it
/// is when it is unreserved or one of `+ = & %`, so that separators and
/// broken escapes occur too. Every other byte becomes `%XX`.
fn query_value(bytes: &[u8], keep: &[bool]) -> String {
    let mut value = String::new();
    for (index, &byte) in bytes.iter().enumerate() {
        let kept = keep.get(index).copied().unwrap_or(false)
            && (byte.is_ascii_alphanumeric() || b"-._~+=&%".contains(&byte));
        if kept {
            value.push(char::from(byte));
        } else {
            value.push_str(&format!("%{byte:02X}"));
        }
    }
    value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn header_parser_never_panics(value in prop::collection::vec(any::<u8>(), 0..600)) {
        let Ok(value) = HeaderValue::from_bytes(&value) else { return Ok(()) };
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value);

        match token_from_header(&headers) {
            Ok(token) => {
                prop_assert!(is_b64token(token), "{token:?}");
                prop_assert!(token.len() <= MAX_TOKEN_LENGTH);
            }
            Err(error) => assert_client_error(&error),
        }
    }

    #[test]
    fn header_parser_accepts_bearer_shapes(
        scheme in "[bB][eE][aA][rR][eE][rR]",
        spaces in " {1,4}",
        token in "[A-Za-z0-9_.~+/-]{1,64}={0,2}",
    ) {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("{scheme}{spaces}{token}")).unwrap());

        prop_assert_eq!(token_from_header(&headers).unwrap(), token.as_str());
    }

    #[test]
    fn query_parser_never_panics(query in "[ -~]{0,300}") {
        let Ok(uri) = format!("/ws?{query}").parse::<Uri>() else { return Ok(()) };

        match token_from_query(&uri) {
            Ok(token) => prop_assert!(is_b64token(&token), "{token:?}"),
            Err(error) => assert_client_error(&error),
        }
    }

    #[test]
    fn query_parser_decodes_like_a_form(token in "[A-Za-z0-9_.-]{1,64}", plus in any::<bool>()) {
        let separator = if plus { "+" } else { "%20" };
        let uri: Uri = format!("/ws?a=1&authorization=Bearer{separator}{token}").parse().unwrap();

        prop_assert_eq!(token_from_query(&uri).unwrap(), token.as_str());
    }

    #[test]
    fn authenticate_never_panics_on_bytes(
        value in prop::collection::vec(any::<u8>(), 0..400),
        query in "[ -~]{0,200}",
    ) {
        let mut request = Request::get("/").body(()).unwrap();
        if let Ok(uri) = format!("/ws?{query}").parse::<Uri>() {
            *request.uri_mut() = uri;
        }
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            request.headers_mut().insert(header::AUTHORIZATION, value);
        }
        let parts = request.into_parts().0;

        for result in [
            ready(APP.auth.authenticate::<User>(&parts)),
            ready(APP.auth.authenticate_ws::<User>(&parts)),
        ] {
            if let Err(error) = result {
                assert_client_error(&error);
            }
        }
    }

    #[test]
    fn header_verdict_matches_exact_steps(
        prefix in header_prefix(),
        suffix in header_suffix(),
        tamper in prop::option::of(tamper()),
        refresh in any::<bool>(),
        query in prop_oneof![
            2 => Just(""),
            1 => prop::sample::select(vec!["?page=2", "?authorization=x", "?a=1&authorization"]),
        ],
        second_header in prop::bool::weighted(0.05),
    ) {
        let tokens = APP.jwt.login(&User { id: 1 }).unwrap();
        let token = if refresh { tokens.refresh_token } else { tokens.access_token };
        let token = match &tamper {
            Some(tamper) => apply(&token, tamper),
            None => token,
        };
        let mut request = Request::get(format!("/me{query}")).body(()).unwrap();
        let Ok(value) = HeaderValue::from_str(&format!("{prefix}{token}{suffix}")) else {
            return Ok(());
        };
        request.headers_mut().append(header::AUTHORIZATION, value.clone());
        if second_header {
            request.headers_mut().append(header::AUTHORIZATION, value);
        }
        let parts = request.into_parts().0;

        let verdict = ready(APP.auth.authenticate::<User>(&parts))
            .map(|user| user.id)
            .map_err(|error| error.reason().to_owned());
        prop_assert_eq!(verdict, reference_header_verdict(&parts), "{:?} {:?} {:?}", prefix, suffix, tamper);
    }

    #[test]
    fn query_bytes_give_user_or_rejection(
        prefix in prop::sample::select(vec!["", "Bearer ", "bearer+", "Bearer%20", "x"]),
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        keep in prop::collection::vec(any::<bool>(), 0..200),
        with_token in any::<bool>(),
    ) {
        let mut value = prefix.to_owned();
        if with_token {
            value.push_str(&APP.jwt.login(&User { id: 1 }).unwrap().access_token);
        }
        value.push_str(&query_value(&bytes, &keep));
        let Ok(request) = Request::get(format!("/ws?authorization={value}")).body(()) else {
            return Ok(());
        };
        let parts = request.into_parts().0;

        assert_user_or_rejection(ready(APP.auth.authenticate_ws::<User>(&parts)))?;
    }

    #[test]
    fn header_insertions_give_user_or_rejection(
        insertions in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let token = APP.jwt.login(&User { id: 1 }).unwrap().access_token;
        let mut value = format!("Bearer {token}").into_bytes();
        for (index, byte) in insertions {
            value.insert(index % (value.len() + 1), byte);
        }
        let Ok(value) = HeaderValue::from_bytes(&value) else { return Ok(()) };
        let mut request = Request::get("/me").body(()).unwrap();
        request.headers_mut().insert(header::AUTHORIZATION, value);
        let parts = request.into_parts().0;

        let result = ready(APP.auth.authenticate::<User>(&parts));
        if result.is_ok() {
            // Only spaces around the token, or a change of the scheme's
            // case, leave the token whole.
            prop_assert_eq!(token_from_header(&parts.headers).unwrap(), token.as_str());
        }
        assert_user_or_rejection(result)?;
    }

    #[test]
    fn tampered_token_verdict_matches_jsonwebtoken(tamper in tamper()) {
        let token = APP.jwt.login(&User { id: 1 }).unwrap().access_token;
        let tampered = apply(&token, &tamper);

        prop_assert_eq!(APP.jwt.verify(&tampered).is_ok(), reference_accepts(&tampered), "{:?}", tamper);
    }

    #[test]
    fn signed_claims_verdict_matches_jsonwebtoken(
        token_type in claim_value(),
        user_id in claim_value(),
        exp in claim_value(),
        pyjwt_header in any::<bool>(),
    ) {
        let mut claims = serde_json::Map::new();
        for (name, value) in [("token_type", token_type), ("user_id", user_id), ("exp", exp)] {
            if let Some(value) = value {
                claims.insert(name.to_owned(), value);
            }
        }
        // Valid `exp` values near now are the interesting ones.
        if claims.get("exp").and_then(Value::as_u64).is_some_and(|exp| exp > 3_000_000_000) {
            claims.insert("exp".to_owned(), json!(now() + 600));
        }
        let token = if pyjwt_header {
            sign_like_pyjwt(&Value::Object(claims))
        } else {
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(KEY.as_bytes()).unwrap()).unwrap()
        };

        prop_assert_eq!(APP.jwt.verify(&token).is_ok(), reference_accepts(&token), "{}", token);
    }
}

/// The header authenticator's verdict composed from its documented steps:
/// the exact header parser, the check for a second credential in the query,
/// then `Jwt::verify`, the token type and the user lookup. The revocation
/// store stays empty in these tests.
fn reference_header_verdict(parts: &Parts) -> Result<i64, String> {
    let token = token_from_header(&parts.headers).map_err(|error| error.reason().to_owned())?;
    let query = parts.uri.query().unwrap_or_default();
    if query
        .split('&')
        .any(|pair| pair.split('=').next() == Some("authorization"))
    {
        return Err("Token was sent in both the Authorization header and the authorization query parameter; send one".to_owned());
    }
    let claims = APP
        .jwt
        .verify(token)
        .map_err(|error| error.reason().to_owned())?;
    if claims.token_type != TokenType::Access {
        return Err("Token is not an access token".to_owned());
    }
    match claims.user_id {
        UserId::Int(1) => Ok(1),
        _ => Err("User not found".to_owned()),
    }
}

/// Text around a token in a header value: valid forms and near misses.
fn header_prefix() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        2 => Just("Bearer "),
        1 => prop::sample::select(vec![
            "bearer ", "BEARER   ", "Bearer", "Bearer\t", " Bearer ", "\tBearer ", "Basic ",
            "Bearer x ", "", "Bearer =",
        ]),
    ]
}

fn header_suffix() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        2 => Just(""),
        1 => prop::sample::select(vec![" ", "\t", "  \t", " x", "=", "==", "\"", ".", "~"]),
    ]
}

/// Signs with the header PyJWT writes, `alg` first, as Panther's tokens have.
fn sign_like_pyjwt(claims: &Value) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, KeyInit, Mac};

    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let tag = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes())
        .unwrap()
        .chain_update(signing_input.as_bytes())
        .finalize()
        .into_bytes();
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag))
}

//! The server under attack, the requests the cases send, and the checks
//! they share.

use std::net::SocketAddr;
use std::time::Duration;

use auth_core::{AuthConfig, JwtConfig};
use http::HeaderValue;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::forge;
pub use crate::support::{PASSWORD, SECRET_KEY, TestServer, Tokens, config};

/// How long a raw request may take before the test fails.
const RAW_TIMEOUT: Duration = Duration::from_secs(10);

/// A server with one user, `alice` (id 1), logged in.
pub struct Target {
    pub server: TestServer,
    pub tokens: Tokens,
}

impl Target {
    /// Starts a server with the test key and signs `alice` up.
    pub async fn start() -> Self {
        Self::start_with(config()).await
    }

    pub async fn start_with(config: AuthConfig) -> Self {
        let server = TestServer::start_with(config).await;
        let tokens = server.sign_up("alice").await;
        Self { server, tokens }
    }

    /// Sends `GET /me` with one `Authorization` header per value, as bytes.
    pub async fn me_with_headers(&self, values: &[&[u8]]) -> Reply {
        let mut request = self.server.client.get(self.server.url("/me"));
        for value in values {
            request = request.header("authorization", HeaderValue::from_bytes(value).unwrap());
        }
        Reply::from_response(request.send().await.unwrap()).await
    }

    /// Sends `GET /me` with `Authorization: Bearer <token>`.
    pub async fn me_with_token(&self, token: &str) -> Reply {
        self.me_with_headers(&[format!("Bearer {token}").as_bytes()])
            .await
    }

    /// Sends `method path` with `Authorization: Bearer <token>`.
    pub async fn send_with_token(&self, method: Method, path: &str, token: &str) -> Reply {
        Reply::from_response(self.server.send_with_token(method, path, token).await).await
    }

    /// Sends `GET /ws?<query>` without an upgrade, byte for byte as given.
    pub async fn ws_with_query(&self, query: &str) -> Reply {
        let request = format!("GET /ws?{query} HTTP/1.1\r\n");
        raw_request(self.server.addr, request.as_bytes(), &[]).await
    }

    pub async fn refresh(&self, token: &str) -> Reply {
        Reply::from_response(self.server.refresh(token).await).await
    }
}

/// Configuration of a server that signs with RS256 and the fixture key pair.
pub fn rs256_config() -> AuthConfig {
    AuthConfig::new().jwt(
        JwtConfig::default()
            .algorithm("RS256")
            .key(forge::RSA_PRIVATE)
            .public_key(forge::RSA_PUBLIC),
    )
}

/// Configuration of a server that signs with ES256 and the fixture key pair.
pub fn es256_config() -> AuthConfig {
    AuthConfig::new().jwt(
        JwtConfig::default()
            .algorithm("ES256")
            .key(forge::EC_PRIVATE)
            .public_key(forge::EC_PUBLIC),
    )
}

/// A response reduced to what the suite checks.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub challenge: Option<String>,
    pub body: String,
}

impl Reply {
    pub async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|value| value.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        Self {
            status,
            challenge,
            body,
        }
    }

    /// Checks status, challenge (`None` for none) and `{"detail": <detail>}`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, challenge: Option<&str>, detail: &str) {
        assert_eq!(self.status, status, "status of {self:?}");
        assert_eq!(
            self.challenge.as_deref(),
            challenge,
            "challenge of {self:?}"
        );
        let body: Value = serde_json::from_str(&self.body).unwrap();
        assert_eq!(body, json!({ "detail": detail }), "body of {self:?}");
    }

    /// Checks a 401 with `error="invalid_token"` and `detail`.
    #[track_caller]
    pub fn assert_invalid_token(&self, detail: &str) {
        let challenge = challenge("invalid_token", detail);
        self.assert_error(401, Some(&challenge), detail);
    }

    /// Checks a 400 with `error="invalid_request"` and `detail`.
    #[track_caller]
    pub fn assert_invalid_request(&self, detail: &str) {
        let challenge = challenge("invalid_request", detail);
        self.assert_error(400, Some(&challenge), detail);
    }

    /// Checks a 401 with the bare `Bearer` challenge, for missing credentials.
    #[track_caller]
    pub fn assert_missing(&self, detail: &str) {
        self.assert_error(401, Some("Bearer"), detail);
    }

    /// Checks a 200 whose body is alice's profile or `{"user": ...}` of it.
    #[track_caller]
    pub fn assert_alice(&self) {
        assert_eq!(self.status, 200, "status of {self:?}");
        assert_eq!(self.challenge, None, "challenge of {self:?}");
        let body: Value = serde_json::from_str(&self.body).unwrap();
        let profile = body.get("user").unwrap_or(&body);
        assert_eq!(profile["username"], "alice", "body of {self:?}");
    }
}

/// Returns the RFC 6750 challenge with an error code and description.
pub fn challenge(code: &str, detail: &str) -> String {
    format!(r#"Bearer error="{code}", error_description="{detail}""#)
}

/// Sends `head` (a request line, possibly with header lines, each ending
/// in CRLF) with `Host` and `Connection: close` added, then `body`, over a
/// new connection, and reads the response to its end.
pub async fn raw_request(addr: SocketAddr, head: &[u8], body: &[u8]) -> Reply {
    let mut request = head.to_vec();
    request.extend_from_slice(format!("Host: {addr}\r\nConnection: close\r\n").as_bytes());
    if !body.is_empty() {
        request.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);

    let response = tokio::time::timeout(RAW_TIMEOUT, exchange(addr, &request))
        .await
        .expect("the server did not answer in time");
    parse_response(&response).unwrap_or_else(|| {
        panic!(
            "not an HTTP response: {:?}",
            String::from_utf8_lossy(&response)
        )
    })
}

/// Writes `request` and reads until the server closes the connection.
/// A reset after the response counts as its end: hyper may close a
/// connection it rejected without reading the rest of the request.
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may respond and close before reading all of a large request.
    let _ = stream.write_all(request).await;
    let mut response = Vec::new();
    let mut chunk = [0_u8; 8192];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(read) => response.extend_from_slice(&chunk[..read]),
        }
    }
    response
}

/// Parses a complete HTTP/1.1 response with a `Content-Length` body, or
/// one delimited by the end of the connection.
pub fn parse_response(bytes: &[u8]) -> Option<Reply> {
    let end = bytes.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;

    let mut challenge = None;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if name.eq_ignore_ascii_case("www-authenticate") {
            challenge = Some(value.trim().to_owned());
        }
    }
    let body = String::from_utf8_lossy(&bytes[end + 4..]).into_owned();
    Some(Reply {
        status,
        challenge,
        body,
    })
}

//! Starting a server for one test, and the requests and checks tests share.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::Duration;

use auth_core::AuthConfig;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use sqlx::sqlite::SqliteConnectOptions;
use tempfile::TempDir;

use crate::app;

/// Signing key of the test servers, so that tokens survive a restart.
pub const SECRET_KEY: &str = "end-to-end test key, at least 32 bytes long";

/// A password that passes the server's rules.
pub const PASSWORD: &str = "correct horse battery";

/// Returns the configuration of a test server: the server's defaults and a fixed key.
pub fn config() -> AuthConfig {
    AuthConfig::new().secret_key(SECRET_KEY)
}

/// A server instance with its own database in a temporary directory.
pub struct TestServer {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    server: app::Server,
    database: PathBuf,
    // Dropped last, so the database outlives the server.
    dir: Option<TempDir>,
}

impl TestServer {
    /// Starts a server with [`config`] and a new database.
    pub async fn start() -> Self {
        Self::start_with(config()).await
    }

    /// Starts a server with `config` and a new database.
    pub async fn start_with(config: AuthConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("users.db");
        let mut server = Self::start_on(&database, config).await;
        server.dir = Some(dir);
        server
    }

    /// Starts a server with [`config`], a new database and `read_timeout`
    /// for request heads and bodies.
    pub async fn start_with_read_timeout(read_timeout: Duration) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("users.db");
        let mut options = app::Options::new(loopback(), database_url(&database), config());
        options.read_timeout = read_timeout;
        let mut server = Self::launch(options, &database).await;
        server.dir = Some(dir);
        server
    }

    /// Starts a server with `config` on the database file at `database`.
    pub async fn start_on(database: &Path, config: AuthConfig) -> Self {
        let options = app::Options::new(loopback(), database_url(database), config);
        Self::launch(options, database).await
    }

    async fn launch(options: app::Options, database: &Path) -> Self {
        let server = app::start(options).await.unwrap();
        Self {
            addr: server.addr(),
            client: reqwest::Client::new(),
            server,
            database: database.to_owned(),
            dir: None,
        }
    }

    /// Stops the server, waiting for open requests to finish.
    pub async fn stop(self) -> std::io::Result<()> {
        self.server.stop().await
    }

    /// Starts a second instance with `config` on this server's database, as
    /// a second process behind a load balancer would run. This server keeps
    /// the database's directory, so it must outlive the second instance.
    pub async fn start_beside(&self, config: AuthConfig) -> Self {
        Self::start_on(&self.database, config).await
    }

    /// Stops the server and starts a new one with `config` on the same database.
    pub async fn restart(self, config: AuthConfig) -> Self {
        let Self {
            server,
            database,
            dir,
            ..
        } = self;
        server.stop().await.unwrap();

        let mut restarted = Self::start_on(&database, config).await;
        restarted.dir = dir;
        restarted
    }

    /// Opens a second connection pool on this server's database, as another
    /// process would open it.
    pub async fn open_database(&self) -> sqlx::SqlitePool {
        let options = SqliteConnectOptions::from_str(&database_url(&self.database))
            .unwrap()
            .foreign_keys(true);
        sqlx::SqlitePool::connect_with(options).await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Returns the WebSocket URL of `/ws` with the access token in the query.
    pub fn ws_url(&self, token: &str) -> String {
        format!("ws://{}/ws?authorization=Bearer%20{token}", self.addr)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Sends `method path` with `Authorization: Bearer <token>`.
    pub async fn send_with_token(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.send_with_token(reqwest::Method::GET, path, token)
            .await
    }

    pub async fn register(&self, username: &str, password: &str) -> Response {
        let body = json!({ "username": username, "password": password });
        self.post_json("/register", &body).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        let body = json!({ "username": username, "password": password });
        self.post_json("/login", &body).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post_json("/refresh", &json!({ "refresh_token": refresh_token }))
            .await
    }

    /// Registers `username` with [`PASSWORD`], logs in and returns the pair.
    pub async fn sign_up(&self, username: &str) -> Tokens {
        let registered = self.register(username, PASSWORD).await;
        assert_eq!(registered.status(), StatusCode::CREATED);
        self.log_in(username).await
    }

    /// Logs `username` in with [`PASSWORD`] and returns the pair.
    pub async fn log_in(&self, username: &str) -> Tokens {
        let response = self.login(username, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        Tokens::from_body(&response.json().await.unwrap())
    }

    /// Creates an API key with the access token and returns it.
    pub async fn create_api_key(&self, access_token: &str) -> String {
        let response = self
            .send_with_token(reqwest::Method::POST, "/api-keys", access_token)
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["api_key"].as_str().unwrap().to_owned()
    }
}

/// A token pair, as `/login` and `/refresh` return it.
#[derive(Debug)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl Tokens {
    pub fn from_body(body: &Value) -> Self {
        Self {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }
}

pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

pub fn database_url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

/// Checks an error response: its status, its `WWW-Authenticate` header
/// (`None` for none) and its body, `{"detail": <detail>}`.
pub async fn assert_error(
    response: Response,
    status: StatusCode,
    challenge: Option<&str>,
    detail: &str,
) {
    let url = response.url().clone();
    assert_eq!(response.status(), status, "status of {url}");
    let header = response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned());
    assert_eq!(header.as_deref(), challenge, "WWW-Authenticate of {url}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "detail": detail }), "body of {url}");
}

/// Checks a 401 response with the `invalid_token` challenge for `detail`.
pub async fn assert_invalid_token(response: Response, detail: &str) {
    let challenge = invalid_token_challenge(detail);
    assert_error(response, StatusCode::UNAUTHORIZED, Some(&challenge), detail).await;
}

/// Returns the RFC 6750 challenge for a rejected credential.
pub fn invalid_token_challenge(detail: &str) -> String {
    format!(r#"Bearer error="invalid_token", error_description="{detail}""#)
}

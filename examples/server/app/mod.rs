//! The example server: users in SQLite, JWT login, API keys and a WebSocket
//! echo, all behind `auth-core`.
//!
//! [`start`] runs one instance on a socket it binds, with the settings of
//! [`Options`] and nothing read from the process environment, so tests can
//! run several instances side by side.

pub mod api_key;
mod db;
mod error;
mod password;
mod routes;
mod serve;
mod user;

use std::net::SocketAddr;
use std::time::Duration;

use auth_core::{Auth, AuthConfig, ConfigError};
use auth_jwt::{Jwt, Revocation};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sqlx::sqlite::SqlitePool;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use user::User;

use password::Passwords;

/// Default listening address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";

/// Database used when `DATABASE_URL` is unset: a file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:auth-server.db";

/// Authenticator of `#[protected]` routes when `AUTHENTICATION` is unset.
pub const DEFAULT_AUTHENTICATION: &str = "auth_jwt::JwtAuthentication";

/// Authenticator of `/ws` when `WS_AUTHENTICATION` is unset.
pub const DEFAULT_WS_AUTHENTICATION: &str = "auth_jwt::QueryParamJwtAuthentication";

/// Largest accepted request body and WebSocket message. The JSON bodies
/// here are under 2 KiB.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Default time a client has to send a request head, and then its body.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of one server instance.
#[derive(Clone, Debug)]
pub struct Options {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// SQLite URL, such as `sqlite:auth-server.db`; the file is created when missing.
    pub database_url: String,
    /// Authentication settings. [`start`] fills in `AUTHENTICATION`,
    /// `WS_AUTHENTICATION` and a random `SECRET_KEY` when they are unset.
    pub config: AuthConfig,
    /// Store of revoked tokens. `None` selects it from `config`: Redis when
    /// `REDIS_URL` is set, so that several instances share revocations, and
    /// memory otherwise, which suits one instance.
    pub revocation: Option<Revocation>,
    /// Time a client has to send a request head, and then separately its
    /// body. A slower client gets its connection closed, or 408 for a body.
    /// At a stop, a connection has as long to finish its request, and a
    /// WebSocket client to take the close frame.
    pub read_timeout: Duration,
}

impl Options {
    /// Returns options whose revocation store `config` selects.
    pub fn new(addr: SocketAddr, database_url: impl Into<String>, config: AuthConfig) -> Self {
        Self {
            addr,
            database_url: database_url.into(),
            config,
            revocation: None,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }
}

/// Failure to start the server.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid authentication settings: {0}")]
    Config(#[from] ConfigError),

    #[error("could not open the database {url}: {source}; check DATABASE_URL")]
    Database { url: String, source: sqlx::Error },

    #[error("could not migrate the database {url}: {source}")]
    Migration { url: String, source: sqlx::Error },

    #[error(
        "the database {url} has schema version {version}, but this server knows versions \
         0 to {known}; point DATABASE_URL at a database of this server"
    )]
    UnknownSchema {
        url: String,
        version: i64,
        known: usize,
    },

    #[error("could not listen on {addr}: {source}; choose another address with --addr")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },

    #[error("could not prepare password hashing: {0}")]
    Passwords(#[from] error::ApiError),

    #[error("could not generate a random SECRET_KEY: {0}")]
    Random(getrandom::Error),
}

/// A running server instance.
pub struct Server {
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Returns the address the server is bound to, with the port it picked.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `signal` completes, then stops as [`stop`](Self::stop) does.
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) -> std::io::Result<()> {
        tokio::select! {
            () = signal => self.stop().await,
            result = &mut self.task => flatten(result),
        }
    }

    /// Stops accepting connections and waits for open requests to finish.
    pub async fn stop(self) -> std::io::Result<()> {
        // The task may have ended already, and then its result shows why.
        let _ = self.shutdown.send(());
        flatten(self.task.await)
    }
}

fn flatten(result: Result<std::io::Result<()>, tokio::task::JoinError>) -> std::io::Result<()> {
    result.map_err(std::io::Error::other)?
}

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pool: SqlitePool,
    jwt: Jwt,
    passwords: Passwords,
    read_timeout: Duration,
    /// Flag that becomes true when the server stops, so open WebSockets close.
    stopping: watch::Receiver<bool>,
}

/// Opens the database, builds the authenticators, binds the address and
/// serves in a spawned task until the returned [`Server`] is stopped.
pub async fn start(options: Options) -> Result<Server, StartError> {
    let config = with_server_defaults(options.config)?;
    let pool = db::connect(&options.database_url).await?;

    let revocation = match options.revocation {
        Some(revocation) => revocation,
        None => Revocation::from_config(&config).await?,
    };

    let auth = Auth::builder::<User>()
        .config(config)
        .users(pool.clone())
        .resource(pool.clone())
        .resource(revocation)
        .build()?;
    let jwt = Jwt::from_auth(&auth)?;
    tracing::info!(
        authentication = auth.authentication_name(),
        ws_authentication = auth.ws_authentication_name(),
        "authentication ready"
    );

    let (stop_sender, stopping) = watch::channel(false);
    let state = AppState {
        pool,
        jwt,
        passwords: Passwords::new().await?,
        read_timeout: options.read_timeout,
        stopping,
    };
    let router = router(state, &auth);

    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: options.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: options.addr,
        source,
    })?;

    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async {
            // A dropped sender stops the server too.
            let _ = stopped.await;
        };
        serve::serve(listener, router, options.read_timeout, stop_sender, stop).await
    });
    Ok(Server {
        addr,
        shutdown,
        task,
    })
}

fn router(state: AppState, auth: &Auth) -> Router {
    Router::new()
        .route("/register", post(routes::register))
        .route("/login", post(routes::login))
        .route("/refresh", post(routes::refresh))
        .route("/logout", post(routes::logout))
        .route("/me", get(routes::me).delete(routes::delete_me))
        .route("/whoami", get(routes::whoami))
        .route("/api-keys", post(routes::create_api_key))
        .route("/api-key/me", get(routes::api_key_me))
        .route("/ws", get(routes::ws))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(error::log_rejections))
        .layer(auth.layer())
        .with_state(state)
}

/// Fills in what a fresh checkout lacks, so that the first run works: the
/// JWT authenticators, and a random key when neither `SECRET_KEY` nor
/// `JWT_KEY` is set.
fn with_server_defaults(mut config: AuthConfig) -> Result<AuthConfig, StartError> {
    if config.authentication_name().is_none() {
        config = config.authentication(DEFAULT_AUTHENTICATION);
    }
    if config.ws_authentication_name().is_none() {
        config = config.ws_authentication(DEFAULT_WS_AUTHENTICATION);
    }

    // Only HMAC algorithms take a random secret; the others need a key
    // pair, and a missing one stays a startup error.
    let hmac = config.jwt_config().algorithm_name().starts_with("HS");
    if config.jwt_key().is_none() && hmac {
        tracing::warn!(
            "SECRET_KEY is not set, so tokens are signed with a random key and stop working \
             when the server restarts; set SECRET_KEY in the environment or .env to a random \
             value of at least 32 bytes, such as the output of `openssl rand -base64 48`"
        );
        config = config.secret_key(random_key()?);
    }
    Ok(config)
}

/// Returns 48 random bytes in base64: 64 characters, enough for HS512.
fn random_key() -> Result<String, StartError> {
    let mut bytes = [0_u8; 48];
    getrandom::fill(&mut bytes).map_err(StartError::Random)?;
    Ok(STANDARD.encode(bytes))
}

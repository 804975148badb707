//! The example server: `cargo run --example server [-- --addr HOST:PORT]`.
//!
//! Settings come from the environment and from `.env` in the working
//! directory; see `--help`.

mod app;

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use auth_core::AuthConfig;
use tracing_subscriber::EnvFilter;

const HELP: &str = "\
Example server of the auth crates: users in SQLite, JWT login, API keys and a WebSocket echo.

Usage: cargo run --example server [-- --addr HOST:PORT]

Options:
  --addr HOST:PORT  address to listen on, an IP address and a port [default: 127.0.0.1:8000];
                    port 0 picks a free port, and the log shows the one bound
  -h, --help        print this help

Environment (also read from .env in the working directory):
  DATABASE_URL       SQLite database, created when missing [default: sqlite:auth-server.db]
  SECRET_KEY         key that signs tokens, at least 32 bytes; a random one when unset,
                     and then tokens stop working when the server restarts
  AUTHENTICATION     authenticator of protected routes [default: auth_jwt::JwtAuthentication]
  WS_AUTHENTICATION  authenticator of /ws [default: auth_jwt::QueryParamJwtAuthentication]
  JWT_KEY            signing key when it differs from SECRET_KEY: an HMAC secret, or the
                     PEM private key of JWT_ALGORITHM RS*, PS*, ES* or EdDSA
  JWT_PUBLIC_KEY     PEM public key that verifies tokens of those algorithms
  JWT_ALGORITHM      the one accepted signing algorithm [default: HS256]
  JWT_LIFE_TIME      life time of access tokens, such as 15m or 1d [default: 1d]
  JWT_REFRESH_LIFE_TIME
                     life time of refresh tokens [default: twice JWT_LIFE_TIME]
  JWT_LEEWAY         clock skew allowed on exp and nbf, such as 30s [default: 0s]
  REDIS_URL          Redis that keeps revoked tokens, shared by every instance, such as
                     redis://127.0.0.1:6379/0; the server does not start when it cannot
                     connect [default: none, revocations stay in this process's memory]
  REDIS_KEY_PREFIX   prefix of the revocation keys in Redis [default: auth:revoked:]
  RUST_LOG           log filter [default: info]
";

/// Action selected by the command-line arguments.
enum Command {
    Serve { addr: Option<SocketAddr> },
    Help,
}

#[tokio::main]
async fn main() -> ExitCode {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let Command::Serve { addr } = command else {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    };

    // `.env` is read before logging starts, so that it can set RUST_LOG.
    let env_file = auth_core::load_env();
    // An unset or empty RUST_LOG means info, and an invalid one gets a warning.
    let (filter, filter_error) = match std::env::var(EnvFilter::DEFAULT_ENV) {
        Ok(directives) if !directives.trim().is_empty() => match EnvFilter::try_new(&directives) {
            Ok(filter) => (filter, None),
            Err(error) => (EnvFilter::new("info"), Some(error.to_string())),
        },
        Ok(_) => (EnvFilter::new("info"), None),
        Err(std::env::VarError::NotPresent) => (EnvFilter::new("info"), None),
        Err(error) => (EnvFilter::new("info"), Some(error.to_string())),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if let Some(error) = filter_error {
        tracing::warn!(%error, "RUST_LOG is invalid, so logging uses the level info; fix RUST_LOG, such as RUST_LOG=debug");
    }

    let result = match env_file {
        Ok(_) => serve(addr).await,
        Err(error) => Err(error.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(addr: Option<SocketAddr>) -> Result<(), String> {
    let addr = match addr {
        Some(addr) => addr,
        None => parse_addr(app::DEFAULT_ADDR)?,
    };
    let database_url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| app::DEFAULT_DATABASE_URL.to_owned());
    let config = AuthConfig::from_env().map_err(|error| error.to_string())?;

    let server = app::start(app::Options::new(addr, database_url, config))
        .await
        .map_err(|error| error.to_string())?;
    tracing::info!("listening on http://{}", server.addr());

    // A second signal during the graceful stop ends the process at once.
    let stopped = tokio::select! {
        stopped = server.run_until(async {
            let signal = stop_signal().await;
            tracing::info!("{signal} received, stopping");
        }) => stopped,
        () = async {
            stop_signal().await;
            stop_signal().await;
        } => {
            // An error, so that the exit status differs from a clean stop's.
            return Err(
                "second stop signal received, exiting without waiting for open requests".to_owned(),
            );
        }
    };
    stopped.map_err(|error| format!("the server failed: {error}"))?;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for the first Ctrl-C (SIGINT) or, on Unix, SIGTERM, which
/// container runtimes and service managers send to stop a process, and
/// returns its name.
async fn stop_signal() -> &'static str {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "failed to listen for Ctrl-C; stop the server with SIGTERM");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "failed to listen for SIGTERM; stop the server with Ctrl-C");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => "Ctrl-C",
        () = terminate => "SIGTERM",
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut addr = None;
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--addr" => args
                .next()
                .ok_or("--addr needs a value, such as --addr 127.0.0.1:8000")?,
            other => match other.strip_prefix("--addr=") {
                Some(value) => value.to_owned(),
                None => return Err(format!("unknown argument {other:?}")),
            },
        };
        addr = Some(parse_addr(&value)?);
    }
    Ok(Command::Serve { addr })
}

fn parse_addr(value: &str) -> Result<SocketAddr, String> {
    value.parse().map_err(|_| {
        format!(
            "invalid --addr {value:?}: expected an IP address and a port, \
             such as 127.0.0.1:8000 or [::1]:0"
        )
    })
}

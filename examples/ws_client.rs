//! A WebSocket client for the example server's `/ws` route:
//! `cargo run --example ws_client -- ACCESS_TOKEN [MESSAGE]...`.
//!
//! It prints what the server sends first, then sends each message and
//! prints its echo, then closes the connection.

use std::process::ExitCode;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::{Error, Message};

const USAGE: &str = "\
Usage: cargo run --example ws_client -- [--url URL] ACCESS_TOKEN [MESSAGE]...

Opens URL?authorization=Bearer%20ACCESS_TOKEN, prints the server's first
message, then sends each MESSAGE and prints the reply.

Options:
  --url URL   WebSocket URL of the route [default: ws://127.0.0.1:8000/ws]
  -h, --help  print this help
";

const DEFAULT_URL: &str = "ws://127.0.0.1:8000/ws";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let (url, rest) = match args.as_slice() {
        [flag, url, rest @ ..] if flag == "--url" => (url.as_str(), rest),
        rest => (DEFAULT_URL, rest),
    };
    let Some((token, messages)) = rest.split_first() else {
        eprintln!("error: the access token is missing\n\n{USAGE}");
        return ExitCode::from(2);
    };

    match run(url, token, messages).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str, token: &str, messages: &[String]) -> Result<(), String> {
    // Tokens are base64url and dots, which need no percent-encoding.
    // A URL that has a query already gets the token as one more parameter.
    let separator = if url.contains('?') { '&' } else { '?' };
    let request = format!("{url}{separator}authorization=Bearer%20{token}");
    let (mut socket, _response) = connect_async(request)
        .await
        .map_err(|error| describe(url, error))?;

    let first = next_text(&mut socket).await?;
    println!("< {first}");
    for message in messages {
        println!("> {message}");
        socket
            .send(Message::text(message.as_str()))
            .await
            .map_err(|error| format!("sending failed: {error}"))?;
        println!("< {}", next_text(&mut socket).await?);
    }

    socket
        .close(None)
        .await
        .map_err(|error| format!("closing failed: {error}"))
}

async fn next_text<S>(socket: &mut S) -> Result<String, String>
where
    S: futures_util::Stream<Item = Result<Message, Error>> + Unpin,
{
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.to_string()),
            Some(Ok(Message::Close(_))) | None => {
                return Err("the server closed the connection".to_owned());
            }
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Err(format!("receiving failed: {error}")),
        }
    }
}

/// Describes a failed handshake with the server's status and body, and
/// never the request URL, which contains the token.
fn describe(url: &str, error: Error) -> String {
    match error {
        Error::Http(response) => {
            let body = response.body().as_deref().unwrap_or_default();
            format!(
                "the server rejected the connection: {} {}",
                response.status(),
                String::from_utf8_lossy(body)
            )
        }
        other => format!("could not connect to {url}: {other}"),
    }
}

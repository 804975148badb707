//! The accept loop: HTTP/1.1 connections with a time limit on reading each
//! request head, and a graceful stop.

use std::io;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Pause after an accept error that is not about one connection, such as
/// running out of file descriptors, so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `stop` completes, then stops
/// accepting, sets `stopping` to true and waits until every receiver of
/// `stopping` is dropped: connections after their current request, and
/// WebSockets after their close frame. Both get at most `read_timeout` for
/// that, and are then dropped.
///
/// A connection that takes longer than `read_timeout` to send a request
/// head, or to send the next one while kept alive, is closed, so slow
/// clients cannot hold connections open for ever. Upgraded WebSocket
/// connections leave this limit behind.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    read_timeout: Duration,
    stopping: watch::Sender<bool>,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    let mut stop = std::pin::pin!(stop);

    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    tracing::error!(%error, "failed to accept a connection, retrying in 1 s");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop_requested = stopping.subscribe();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop_requested.changed() => {
                    connection.as_mut().graceful_shutdown();
                    // A client that reads no responses would otherwise hold
                    // the stop for ever, with the server waiting to send.
                    let Ok(result) = tokio::time::timeout(read_timeout, connection).await else {
                        tracing::info!(
                            %peer,
                            "connection dropped because its responses were not sent within {} of the stop",
                            humantime::format_duration(read_timeout)
                        );
                        return;
                    };
                    result
                }
            };
            // Timeouts and clients that go away end here; neither is the
            // server's fault, so they are not worth more than a debug line.
            if let Err(error) = result {
                tracing::debug!(%error, %peer, "connection closed with an error");
            }
        });
    }

    drop(listener);
    // The router's state contains a receiver too.
    drop(router);
    stopping.send_replace(true);
    stopping.closed().await;
    Ok(())
}

/// Returns whether `error` concerns only the connection being accepted.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

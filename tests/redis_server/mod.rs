//! A private `redis-server` for one test: its own loopback port and
//! directory, killed when the handle is dropped, so tests never share state.

// Each test file that includes this module uses a different part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Maximum time for a starting server to reply to `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server` process on 127.0.0.1.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    persistent: bool,
    password: Option<String>,
    directory: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server without persistence.
    pub fn start() -> Self {
        Self::start_with(false, None)
    }

    /// Starts a server that writes every command to its append-only file
    /// before replying, so that its keys survive [`kill`](Self::kill).
    pub fn start_persistent() -> Self {
        Self::start_with(true, None)
    }

    /// Starts a server without persistence that requires `password`.
    pub fn start_with_password(password: &str) -> Self {
        Self::start_with(false, Some(password.to_owned()))
    }

    fn start_with(persistent: bool, password: Option<String>) -> Self {
        let directory = tempfile::tempdir().expect("create a directory for redis-server");
        let mut server = Self {
            child: None,
            port: 0,
            persistent,
            password,
            directory,
        };

        // Another process may take the free port before redis-server binds
        // it; a few fresh ports make that race harmless.
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!("redis-server did not start; its log:\n{}", server.log());
    }

    /// Returns the URL of database 0.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Returns the port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server with SIGKILL, as a crash would, and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server with SIGSTOP: connections stay open and unanswered,
    /// as with a server that hangs or a network that drops packets.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Resumes a frozen server with SIGCONT.
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    // The shell's built-in `kill`, because a minimal Debian has no kill binary.
    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("redis-server is running");
        let status = Command::new("sh")
            .args(["-c", &format!("kill {signal} {}", child.id())])
            .status()
            .expect("run sh");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Starts the server again on the same port and directory.
    pub fn restart(&mut self) {
        self.kill();
        assert!(
            self.spawn(),
            "redis-server did not restart on port {}; its log:\n{}",
            self.port,
            self.log()
        );
    }

    /// Opens a client connection, for checks such as `PTTL`.
    pub async fn client(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Spawns redis-server on `self.port` and waits until it replies to `PING`.
    /// Returns `false` when it exited first, such as when the port was taken.
    fn spawn(&mut self) -> bool {
        let directory = self.directory.path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(directory.join("redis.log"))
            .expect("open the redis-server log");
        let appendonly = if self.persistent { "yes" } else { "no" };

        let mut command = Command::new("redis-server");
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        let spawned = command
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--dir", &directory.display().to_string()])
            .args(["--save", ""])
            .args(["--appendonly", appendonly])
            .args(["--appendfsync", "always"])
            .args(["--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("share the redis-server log"))
            .stderr(log)
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
                "redis-server is not installed, and the Redis tests need it: \
                 install it (Debian: apt-get install redis-server); .ci/run does"
            ),
            Err(error) => panic!("could not run redis-server: {error}"),
        };

        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if child.try_wait().ok().flatten().is_some() {
                return false;
            }
            if replies_to_ping(self.port) {
                self.child = Some(child);
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.directory.path().join("redis.log")).unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Returns a loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("find a free loopback port")
}

fn replies_to_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    // A server that requires a password replies with -NOAUTH, which also
    // shows it is ready.
    let mut reply = [0_u8; 7];
    stream.read_exact(&mut reply).is_ok() && (&reply == b"+PONG\r\n" || &reply == b"-NOAUTH")
}

//! Load: 100,000 requests against one example server on 127.0.0.1, most
//! of them random or malformed, with valid ones mixed in.
//!
//! The server runs on its own runtime whose threads are named
//! `load-server`, so a panic hook can tell a panic in the server from one
//! in the client. The request mix comes from a fixed seed, so a failure
//! can be replayed with the same requests, though not in the same order,
//! since the workers run concurrently.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use http::HeaderValue;
use jsonwebtoken::Algorithm;
use reqwest::{Client, Method};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::forge::{
    EC_PRIVATE, RSA_PRIVATE, access_claims, encode, server_signed, sign_pem, sign_raw,
};
use crate::harness::{SECRET_KEY, Target, parse_response};

/// Requests sent in one run.
const REQUESTS: usize = 100_000;

/// Requests in flight at once, each on its own worker task.
const WORKERS: usize = 48;

/// Seed of the request mix.
const SEED: u64 = 0x5EED_0FA7_7AC4;

/// The run fails if it takes longer than this; on a 2-core machine it
/// takes about a minute in a debug build.
const DEADLINE: Duration = Duration::from_secs(300);

/// Maximum wait for one response.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Thread name of the server's runtime, which the panic hook looks for.
const SERVER_THREAD: &str = "load-server";

/// Panics on the server's threads since the hook was installed.
static SERVER_PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics on the server's threads, then runs the default hook.
fn count_server_panics() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let on_server = std::thread::current()
                .name()
                .is_some_and(|name| name.starts_with(SERVER_THREAD));
            if on_server {
                SERVER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

/// SplitMix64: a small, fast generator whose sequence a seed fixes.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// Returns a number below `bound`, which must not be 0.
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, length: usize) -> Vec<u8> {
        (0..length).map(|_| self.next() as u8).collect()
    }
}

/// The server's address and valid credentials, as the load test uses them.
struct Credentials {
    addr: SocketAddr,
    access: String,
    refresh: String,
    api_key: String,
    /// Tokens that must be rejected: other algorithms, other keys, bad claims.
    forged: Vec<String>,
}

/// One request of the mix.
enum Request {
    /// A valid request, which must get 200.
    Valid(Valid),
    /// A request over the HTTP client, with any method, path, headers and body.
    Client {
        method: Method,
        path: String,
        headers: Vec<(&'static str, HeaderValue)>,
        body: Option<(&'static str, Vec<u8>)>,
        /// The request carries a forged or altered token, so it must not get 200.
        forged: bool,
    },
    /// Bytes written to a new connection as they are, for malformed HTTP.
    Raw(Vec<u8>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Valid {
    Me,
    WhoamiAnonymous,
    WhoamiWithToken,
    ApiKey,
}

/// Tally of the run.
#[derive(Default)]
struct Tally {
    statuses: BTreeMap<u16, usize>,
    valid: usize,
    raw: usize,
    raw_without_response: usize,
    /// Descriptions of the requests that broke a rule, at most a few of each.
    failures: Vec<String>,
}

impl Tally {
    fn fail(&mut self, failure: String) {
        if self.failures.len() < 20 {
            self.failures.push(failure);
        }
    }
}

fn valid_request(random: &mut Random) -> Valid {
    *random.pick(&[
        Valid::Me,
        Valid::Me,
        Valid::WhoamiAnonymous,
        Valid::WhoamiWithToken,
        Valid::ApiKey,
    ])
}

/// Returns a copy of `token` with one byte flipped, removed, inserted or
/// the end cut off: never the same token.
fn altered(random: &mut Random, token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    match random.below(4) {
        0 => {
            let index = random.below(bytes.len());
            bytes[index] ^= 1 << random.below(7);
        }
        1 => {
            bytes.remove(random.below(bytes.len()));
        }
        2 => {
            let byte = *random.pick(b"A_-.=+/0z~");
            bytes.insert(random.below(bytes.len() + 1), byte);
        }
        _ => bytes.truncate(random.below(bytes.len())),
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Returns `Bearer` in a random case, followed by one to three spaces.
fn scheme(random: &mut Random) -> String {
    let mut scheme: String = "bearer"
        .chars()
        .map(|character| {
            if random.chance(50) {
                character.to_ascii_uppercase()
            } else {
                character
            }
        })
        .collect();
    scheme.push_str(&" ".repeat(1 + random.below(3)));
    scheme
}

/// Returns header bytes that `HeaderValue` accepts: anything but control
/// characters other than tab.
fn header_bytes(random: &mut Random, length: usize) -> HeaderValue {
    let bytes: Vec<u8> = random
        .bytes(length)
        .into_iter()
        .map(|byte| {
            if (byte < 0x20 && byte != b'\t') || byte == 0x7f {
                b'x'
            } else {
                byte
            }
        })
        .collect();
    HeaderValue::from_bytes(&bytes).unwrap()
}

/// Returns text for a URL path or query: letters, separators, escapes
/// well-formed and broken, and non-ASCII escapes.
fn url_text(random: &mut Random, length: usize) -> String {
    const PIECES: &[&str] = &[
        "a",
        "Z",
        "9",
        "-",
        ".",
        "_",
        "~",
        "+",
        "=",
        "&",
        "/",
        "%",
        "%2",
        "%zz",
        "%20",
        "%00",
        "%FF",
        "%C3%A9",
        "..",
        "%2F",
        ";",
        ",",
        "authorization",
        "Bearer",
        "!",
        "*",
        "'",
    ];
    (0..length).map(|_| *random.pick(PIECES)).collect()
}

/// Returns a header whose value is `value`, with the control characters
/// that `HeaderValue` rejects replaced by `"`, which no token contains.
fn header(name: &'static str, value: &str) -> (&'static str, HeaderValue) {
    let bytes: Vec<u8> = value
        .bytes()
        .map(|byte| {
            if (byte < 0x20 && byte != b'\t') || byte == 0x7f {
                b'"'
            } else {
                byte
            }
        })
        .collect();
    (name, HeaderValue::from_bytes(&bytes).unwrap())
}

/// Builds one random request: about a fifth valid, the rest malformed in
/// one of many ways.
fn next_request(random: &mut Random, credentials: &Credentials) -> Request {
    let access = &credentials.access;
    let roll = random.below(100);
    if roll < 20 {
        return Request::Valid(valid_request(random));
    }
    if roll < 26 {
        return Request::Raw(raw_request(random, credentials));
    }

    let mut method = Method::GET;
    let mut path = "/me".to_owned();
    let mut headers = Vec::new();
    let mut body = None;
    let mut forged = false;
    match random.below(14) {
        // An altered access token in the header.
        0 | 1 => {
            let value = format!("{}{}", scheme(random), altered(random, access));
            headers.push(header("authorization", &value));
            forged = true;
        }
        // A forged token: another algorithm, key or claims.
        2 => {
            let token = random.pick(&credentials.forged);
            headers.push(header("authorization", &format!("Bearer {token}")));
            path = random
                .pick(&["/me", "/whoami", "/api-keys", "/logout"])
                .to_string();
            method = if path == "/me" || path == "/whoami" {
                Method::GET
            } else {
                Method::POST
            };
            forged = true;
        }
        // Random bytes in the header, of any length up to 64 KiB.
        3 | 4 => {
            let length = match random.below(10) {
                0 => 4_000 + random.below(60_000),
                _ => random.below(300),
            };
            headers.push(("authorization", header_bytes(random, length)));
            forged = true;
        }
        // Several Authorization headers, one of them valid.
        5 => {
            for _ in 0..2 + random.below(3) {
                headers.push(header("authorization", &format!("Bearer {access}")));
            }
            forged = true;
        }
        // The query parameter, altered or random, on /ws or a header route.
        // Not on /whoami, which takes no credential from the query and so
        // returns 200 for an anonymous user.
        6 | 7 => {
            path = random.pick(&["/ws", "/me"]).to_string();
            let value = if random.chance(50) {
                format!("Bearer%20{}", altered(random, access))
            } else {
                let length = random.below(60);
                url_text(random, length)
            };
            path.push_str(&format!("?authorization={value}"));
            if random.chance(20) {
                path.push_str(&format!("&authorization={value}"));
            }
            forged = true;
        }
        // API keys: random, or the valid one altered.
        8 => {
            path = "/api-key/me".to_owned();
            let value = if random.chance(50) {
                altered(random, &credentials.api_key)
            } else {
                let length = random.below(80);
                String::from_utf8_lossy(&random.bytes(length)).into_owned()
            };
            headers.push(header("x-api-key", &value));
            forged = true;
        }
        // Bodies for the JSON routes: garbage, wrong shapes, wrong types,
        // too large, and refresh tokens that are not valid ones.
        9 | 10 => {
            method = Method::POST;
            path = random
                .pick(&["/login", "/register", "/refresh"])
                .to_string();
            body = Some(json_body(random, credentials));
        }
        // Any method on any path.
        11 | 12 => {
            method = random
                .pick(&[
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                    Method::OPTIONS,
                    Method::HEAD,
                    Method::from_bytes(b"FOO").unwrap(),
                    Method::TRACE,
                ])
                .clone();
            // Half on a route's own path, where the method is the mistake,
            // half on a random path. HEAD of a GET route is served as GET.
            path = if random.chance(50) {
                random
                    .pick(&[
                        "/me",
                        "/login",
                        "/register",
                        "/refresh",
                        "/logout",
                        "/api-keys",
                        "/ws",
                    ])
                    .to_string()
            } else {
                let length = random.below(40);
                format!("/{}", url_text(random, length))
            };
            if method == Method::DELETE && random.chance(50) {
                forged = true;
                path = "/me".to_owned();
                headers.push(header(
                    "authorization",
                    &format!("Bearer {}", altered(random, access)),
                ));
            }
        }
        // A refresh token where an access token belongs.
        _ => {
            headers.push(header(
                "authorization",
                &format!("Bearer {}", credentials.refresh),
            ));
            forged = true;
        }
    }
    Request::Client {
        method,
        path,
        headers,
        body,
        forged,
    }
}

fn json_body(random: &mut Random, credentials: &Credentials) -> (&'static str, Vec<u8>) {
    let content_type = *random.pick(&[
        "application/json",
        "application/json",
        "text/plain",
        "application/json; charset=utf-8",
    ]);
    let body = match random.below(9) {
        0 => {
            let length = random.below(200);
            random.bytes(length)
        }
        1 => b"{".to_vec(),
        2 => br#"{"username": 1, "password": []}"#.to_vec(),
        3 => br#"["alice", "password"]"#.to_vec(),
        4 => format!(
            r#"{{"refresh_token": "{}"}}"#,
            altered(random, &credentials.refresh)
        )
        .into_bytes(),
        5 => format!(r#"{{"refresh_token": "{}"}}"#, credentials.access).into_bytes(),
        6 => vec![b' '; 17 * 1024],
        7 => br#"{"username": "", "password": "x"}"#.to_vec(),
        // A well-formed login runs argon2, which costs tens of
        // milliseconds, so it is rare.
        _ if random.chance(5) => br#"{"username": "alice", "password": "wrong password"}"#.to_vec(),
        _ => br#"{"username": "a b", "password": "short"}"#.to_vec(),
    };
    (content_type, body)
}

/// Builds malformed HTTP/1.1: broken request lines, header lines and
/// framing, which hyper must reject without the server failing.
fn raw_request(random: &mut Random, credentials: &Credentials) -> Vec<u8> {
    let host = credentials.addr;
    let access = &credentials.access;
    match random.below(10) {
        0 => {
            let length = 1 + random.below(300);
            random.bytes(length)
        }
        1 => format!("GET /me\r\nHost: {host}\r\n\r\n").into_bytes(),
        2 => format!("GET /me HTTP/1.1\r\nHost: {host}\r\nAuthorization Bearer {access}\r\n\r\n")
            .into_bytes(),
        3 => format!("GET /me HTTP/1.1\r\nHost: {host}\r\nAuth\u{e9}: x\r\nConnection: close\r\n\r\n")
            .into_bytes(),
        4 => format!(
            "POST /login HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\
             Content-Type: application/json\r\nConnection: close\r\n\r\n{{}}"
        )
        .into_bytes(),
        5 => format!(
            "POST /refresh HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\
             Content-Type: application/json\r\nConnection: close\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"
        )
        .into_bytes(),
        6 => format!("GET /{} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", "a".repeat(70_000))
            .into_bytes(),
        7 => format!("G\u{e9}T /me HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes(),
        8 => format!("GET /me HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {access}").into_bytes(),
        _ => format!(
            "GET /me HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            altered(random, access)
        )
        .into_bytes(),
    }
}

/// Sends one request and records its outcome.
async fn send(client: &Client, credentials: &Credentials, request: Request, tally: &Mutex<Tally>) {
    let base = format!("http://{}", credentials.addr);
    match request {
        Request::Valid(kind) => {
            let builder = match kind {
                Valid::Me => client
                    .get(format!("{base}/me"))
                    .bearer_auth(&credentials.access),
                Valid::WhoamiAnonymous => client.get(format!("{base}/whoami")),
                Valid::WhoamiWithToken => client
                    .get(format!("{base}/whoami"))
                    .bearer_auth(&credentials.access),
                Valid::ApiKey => client
                    .get(format!("{base}/api-key/me"))
                    .header("x-api-key", &credentials.api_key),
            };
            let result = builder.send().await;
            let mut tally = tally.lock().unwrap();
            tally.valid += 1;
            match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    *tally.statuses.entry(status).or_default() += 1;
                    if status != 200 {
                        tally.fail(format!("valid {kind:?} got {status}"));
                    }
                }
                Err(error) => tally.fail(format!("valid {kind:?} failed: {error}")),
            }
        }
        Request::Client {
            method,
            path,
            headers,
            body,
            forged,
        } => {
            let mut builder = client.request(method.clone(), format!("{base}{path}"));
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            if let Some((content_type, body)) = body {
                builder = builder.header("content-type", content_type).body(body);
            }
            let result = builder.send().await;
            let mut tally = tally.lock().unwrap();
            match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    *tally.statuses.entry(status).or_default() += 1;
                    if status >= 500 {
                        tally.fail(format!("{method} {path} got {status}"));
                    }
                    if forged && (200..300).contains(&status) {
                        tally.fail(format!(
                            "{method} {path} with a bad credential got {status}"
                        ));
                    }
                }
                Err(error) => tally.fail(format!("{method} {path} failed: {error}")),
            }
        }
        Request::Raw(bytes) => {
            let response = raw_exchange(credentials.addr, &bytes).await;
            let mut tally = tally.lock().unwrap();
            tally.raw += 1;
            match response.as_deref().and_then(parse_response) {
                Some(reply) => {
                    *tally.statuses.entry(reply.status).or_default() += 1;
                    if reply.status >= 500 {
                        let request = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]);
                        tally.fail(format!("raw {request:?} got {}", reply.status));
                    }
                }
                None => tally.raw_without_response += 1,
            }
        }
    }
}

/// Writes `bytes` on a new connection, closes the sending side so that an
/// incomplete request ends, and reads the server's response.
async fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> Option<Vec<u8>> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let _ = stream.write_all(bytes).await;
        let _ = stream.shutdown().await;
        let mut response = Vec::new();
        let mut chunk = [0_u8; 4096];
        while let Ok(read @ 1..) = stream.read(&mut chunk).await {
            response.extend_from_slice(&chunk[..read]);
        }
        Some(response)
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .ok()
        .flatten()
}

/// Signs up alice on the server and prepares the credentials and forged tokens.
async fn prepare(target: &Target) -> Credentials {
    let api_key = target.server.create_api_key(&target.tokens.access).await;
    let claims = access_claims(1);
    let claims_text = claims.to_string();
    let hs256 = r#"{"typ":"JWT","alg":"HS256"}"#;
    let forged = vec![
        format!(
            "{}.{}.",
            encode(r#"{"alg":"none","typ":"JWT"}"#),
            encode(&claims_text)
        ),
        sign_raw(
            Algorithm::HS512,
            SECRET_KEY.as_bytes(),
            r#"{"typ":"JWT","alg":"HS512"}"#,
            &claims_text,
        ),
        sign_raw(
            Algorithm::HS256,
            b"not the key, but 32 bytes or more",
            hs256,
            &claims_text,
        ),
        sign_pem(Algorithm::RS256, RSA_PRIVATE, &claims),
        sign_pem(Algorithm::ES256, EC_PRIVATE, &claims),
        server_signed(r#"{"token_type":"access","user_id":1,"exp":1}"#),
        server_signed(r#"{"token_type":"access","user_id":1,"user_id":1,"exp":9999999999}"#),
        server_signed(r#"{"token_type":"access","user_id":2,"exp":9999999999}"#),
        server_signed("[1,2,3]"),
    ];
    Credentials {
        addr: target.server.addr,
        access: target.tokens.access.clone(),
        refresh: target.tokens.refresh.clone(),
        api_key,
        forged,
    }
}

#[test]
fn load_mixed_requests() {
    count_server_panics();
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREAD)
        .enable_all()
        .build()
        .unwrap();
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let target = server_runtime.block_on(Target::start());
    let credentials = Arc::new(server_runtime.block_on(prepare(&target)));

    let started = Instant::now();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let sent = Arc::new(AtomicUsize::new(0));
    client_runtime.block_on(async {
        let client = Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(WORKERS)
            .build()
            .unwrap();
        let mut workers = Vec::new();
        for worker in 0..WORKERS {
            let client = client.clone();
            let credentials = Arc::clone(&credentials);
            let tally = Arc::clone(&tally);
            let sent = Arc::clone(&sent);
            workers.push(tokio::spawn(async move {
                let mut random = Random(SEED ^ (worker as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
                while sent.fetch_add(1, Ordering::SeqCst) < REQUESTS {
                    if started.elapsed() > DEADLINE {
                        break;
                    }
                    let request = next_request(&mut random, &credentials);
                    send(&client, &credentials, request, &tally).await;
                }
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }
    });
    let elapsed = started.elapsed();

    let after = client_runtime.block_on(async {
        Client::new()
            .get(format!("http://{}/me", credentials.addr))
            .bearer_auth(&credentials.access)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    let stopped = server_runtime.block_on(target.server.stop());

    let tally = tally.lock().unwrap();
    let answered: usize = tally.statuses.values().sum();
    let total = answered + tally.raw_without_response;
    println!(
        "load: {total} requests in {:.1} s ({} valid, {} raw; {} raw without response); statuses {:?}",
        elapsed.as_secs_f64(),
        tally.valid,
        tally.raw,
        tally.raw_without_response,
        tally.statuses
    );
    assert!(tally.failures.is_empty(), "{:#?}", tally.failures);
    assert!(
        tally.valid >= REQUESTS / 10,
        "only {} valid requests",
        tally.valid
    );
    assert!(total >= REQUESTS, "only {total} requests in {elapsed:?}");
    assert_eq!(
        SERVER_PANICS.load(Ordering::SeqCst),
        0,
        "the server panicked"
    );
    assert!(
        !tally.statuses.keys().any(|&status| status >= 500),
        "{:?}",
        tally.statuses
    );
    assert_eq!(after, 200, "the server does not answer after the load");
    assert!(stopped.is_ok(), "{stopped:?}");
}

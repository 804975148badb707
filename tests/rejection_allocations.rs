//! A request with a missing or malformed `Authorization` header is rejected
//! without touching the heap: from the call into `Auth` up to, not
//! including, building the response.
//!
//! The counting allocator is global, so these tests live in their own test
//! binary. It counts per thread, so tests running in parallel do not see
//! each other's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use auth_core::{Auth, AuthConfig, AuthError, UserId, UserModel, UserStoreError, async_trait};
use auth_jwt::Jwt;
use http::{HeaderValue, Request, header, request::Parts};

/// The system allocator, counting the allocations of each thread.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator. The
// count is a thread-local `Cell` with a const initializer, which neither
// allocates nor registers a destructor.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(pointer, layout, new_size) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const KEY: &str = "allocation tests key, 32 bytes or more";

#[derive(Clone, Debug)]
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

fn app() -> (Auth, Jwt) {
    let config = AuthConfig::new()
        .authentication("auth_jwt::JwtAuthentication")
        .secret_key(KEY);
    let auth = Auth::builder::<User>()
        .config(config)
        .users(HashMap::from([(1, User { id: 1 })]))
        .build()
        .unwrap();
    let jwt = Jwt::from_auth(&auth).unwrap();
    (auth, jwt)
}

fn request(authorization: &[&[u8]]) -> Parts {
    let mut request = Request::get("/me").body(()).unwrap();
    for value in authorization {
        request.headers_mut().append(
            header::AUTHORIZATION,
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    request.into_parts().0
}

/// Polls a future that never waits to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

/// Authenticates `parts` and returns the rejection with the number of
/// allocations it took. One call runs first, unmeasured, because `tracing`
/// registers each log call site on its first use.
fn rejection_allocations(auth: &Auth, parts: &Parts) -> (AuthError, usize) {
    let _ = ready(auth.authenticate::<User>(parts));

    let before = ALLOCATIONS.with(Cell::get);
    let result = ready(auth.authenticate::<User>(parts));
    let allocations = ALLOCATIONS.with(Cell::get) - before;

    (result.unwrap_err(), allocations)
}

#[track_caller]
fn assert_rejected_without_allocation(authorization: &[&[u8]], reason: &str) {
    let (auth, _) = app();
    let parts = request(authorization);

    let (error, allocations) = rejection_allocations(&auth, &parts);

    assert_eq!(error.reason(), reason);
    assert_eq!(allocations, 0, "allocations while rejecting: {reason}");
}

#[test]
fn missing_header_allocates_nothing() {
    assert_rejected_without_allocation(&[], "Authorization header is missing");
}

#[test]
fn wrong_scheme_allocates_nothing() {
    assert_rejected_without_allocation(
        &[b"Basic dXNlcjpwYXNz"],
        "Authorization scheme must be Bearer",
    );
}

#[test]
fn bad_characters_allocate_nothing() {
    assert_rejected_without_allocation(
        &[b"Bearer a.b.c\"x"],
        "Token contains characters that are not allowed",
    );
}

#[test]
fn bad_characters_after_known_header_allocate_nothing() {
    let (_, jwt) = app();
    let token = jwt.login(&User { id: 1 }).unwrap().access_token;
    let (header_segment, _) = token.split_once('.').unwrap();
    let value = format!("Bearer {header_segment}.pay\"load.signature");

    assert_rejected_without_allocation(
        &[value.as_bytes()],
        "Token contains characters that are not allowed",
    );
}

#[test]
fn oversized_header_allocates_nothing() {
    let value = format!("Bearer {}", "a".repeat(20_000));

    assert_rejected_without_allocation(&[value.as_bytes()], "Authorization header is too large");
}

#[test]
fn two_headers_allocate_nothing() {
    assert_rejected_without_allocation(
        &[b"Bearer a.b.c", b"Bearer a.b.c"],
        "Multiple Authorization headers were sent; send exactly one",
    );
}

#[test]
fn wrong_signature_allocates_nothing() {
    let (_, jwt) = app();
    let token = jwt.login(&User { id: 1 }).unwrap().access_token;
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let value = format!("Bearer {signed}.{flipped}{}", &signature[1..]);

    assert_rejected_without_allocation(&[value.as_bytes()], "Token signature is invalid");
}

#[test]
fn counter_sees_allocations() {
    let before = ALLOCATIONS.with(Cell::get);
    let boxed = std::hint::black_box(Box::new(7));
    let allocations = ALLOCATIONS.with(Cell::get) - before;

    assert_eq!(*boxed, 7);
    assert_eq!(allocations, 1);
}

//! Password hashing with argon2id, off the async runtime's worker threads.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{Error as HashError, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use super::error::ApiError;

/// Hashes and verifies passwords.
///
/// Argon2id with the crate's default parameters (19 MiB of memory, two
/// passes, one lane), which OWASP's password storage guidance recommends.
/// At most one hash per CPU runs at once, so a burst of logins queues instead
/// of taking a multiple of 19 MiB of memory per request.
#[derive(Clone)]
pub struct Passwords {
    /// Hash of a random password that no user has, verified when a login
    /// names an unknown user, so that the response takes as long as for a
    /// wrong password and does not reveal which usernames exist.
    dummy_hash: Arc<str>,
    permits: Arc<Semaphore>,
}

impl Passwords {
    /// Prepares the hasher and its dummy hash.
    pub async fn new() -> Result<Self, ApiError> {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let mut passwords = Self {
            dummy_hash: Arc::from(""),
            permits: Arc::new(Semaphore::new(cpus)),
        };

        let mut random = [0_u8; 32];
        getrandom::fill(&mut random).map_err(|error| {
            ApiError::internal(format!("random number generator failed: {error}"))
        })?;
        let dummy_password = random.iter().map(|byte| format!("{byte:02x}")).collect();
        passwords.dummy_hash = Arc::from(passwords.hash(dummy_password).await?);
        Ok(passwords)
    }

    /// Returns the PHC string of a new salted hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|error| ApiError::internal(format!("password hashing failed: {error}")))
        })
        .await
    }

    /// Returns whether `password` matches `hash`. With no hash, it verifies
    /// against the dummy hash, taking the same time, and returns `false`.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let dummy_hash = Arc::clone(&self.dummy_hash);
        self.run(move || {
            let known_user = hash.is_some();
            let hash = hash.as_deref().unwrap_or(&dummy_hash);
            let parsed = PasswordHash::new(hash).map_err(|error| {
                ApiError::internal(format!("stored password hash is invalid: {error}"))
            })?;

            // argon2 compares the computed and stored hashes in constant time.
            match Argon2::default().verify_password(password.as_bytes(), &parsed) {
                Ok(()) => Ok(known_user),
                Err(HashError::PasswordInvalid) => Ok(false),
                Err(error) => Err(ApiError::internal(format!(
                    "password verification failed: {error}"
                ))),
            }
        })
        .await
    }

    /// Runs a hash computation on the blocking thread pool, because it takes
    /// tens of milliseconds of CPU that would stall other requests.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::internal("password hashing semaphore was closed"))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|error| ApiError::internal(format!("password hashing task failed: {error}")))?
    }
}

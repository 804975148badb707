//! [`FailureLog`]: rate limiting for the error lines of a failing dependency.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Decides which failures of one dependency get a log line: the first, then
/// at most one per interval, each with the number of failures left unlogged
/// since the previous line. During an outage every request fails, and one
/// line per request would flood the log.
///
/// Lock-free, so the success path of every request costs one atomic load.
#[derive(Debug)]
pub(crate) struct FailureLog {
    interval: Duration,
    origin: Instant,
    /// Milliseconds from `origin` to the last logged failure, plus one, so
    /// that 0 means that none was logged yet.
    last_logged: AtomicU64,
    unlogged: AtomicU64,
    /// Whether a failure was logged since the last success, so that the
    /// recovery gets one line.
    failing: AtomicBool,
}

impl FailureLog {
    /// Returns a log that lets one failure through per `interval`.
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            origin: Instant::now(),
            last_logged: AtomicU64::new(0),
            unlogged: AtomicU64::new(0),
            failing: AtomicBool::new(false),
        }
    }

    /// Records a failure. Returns `Some(unlogged)` when the caller should log
    /// it, with the number of failures not logged since the previous line.
    pub(crate) fn failure(&self) -> Option<u64> {
        let now = self.elapsed_millis().saturating_add(1);
        let interval = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX);
        let last = self.last_logged.load(Ordering::Relaxed);

        let due = last == 0 || now.saturating_sub(last) >= interval;
        // Of several requests failing at once, only the one that moves the
        // timestamp logs.
        if !due
            || self
                .last_logged
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            self.unlogged.fetch_add(1, Ordering::Relaxed);
            return None;
        }

        self.failing.store(true, Ordering::Relaxed);
        Some(self.unlogged.swap(0, Ordering::Relaxed))
    }

    /// Records a success. Returns `Some(unlogged)` for the first success after
    /// a logged failure, when the caller should log the recovery.
    pub(crate) fn success(&self) -> Option<u64> {
        if !self.failing.load(Ordering::Relaxed) || !self.failing.swap(false, Ordering::Relaxed) {
            return None;
        }
        Some(self.unlogged.swap(0, Ordering::Relaxed))
    }

    fn elapsed_millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failure_is_logged_then_suppressed() {
        let log = FailureLog::new(Duration::from_secs(3600));

        assert_eq!(log.failure(), Some(0));
        assert_eq!(log.failure(), None);
        assert_eq!(log.failure(), None);
    }

    #[test]
    fn next_interval_reports_suppressed_count() {
        let log = FailureLog::new(Duration::from_millis(30));
        assert_eq!(log.failure(), Some(0));
        for _ in 0..5 {
            assert_eq!(log.failure(), None);
        }

        std::thread::sleep(Duration::from_millis(40));

        assert_eq!(log.failure(), Some(5));
        assert_eq!(log.failure(), None);
    }

    #[test]
    fn recovery_is_reported_once() {
        let log = FailureLog::new(Duration::from_secs(3600));
        assert_eq!(log.success(), None);
        log.failure();
        log.failure();
        log.failure();

        assert_eq!(log.success(), Some(2));
        assert_eq!(log.success(), None);
    }

    #[test]
    fn concurrent_failures_log_one_line() {
        let log = FailureLog::new(Duration::from_secs(3600));

        let logged: usize = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| (0..1000).filter(|_| log.failure().is_some()).count()))
                .collect();
            threads
                .into_iter()
                .map(|thread| thread.join().unwrap())
                .sum()
        });

        assert_eq!(logged, 1);
        assert_eq!(log.success(), Some(7999));
    }
}

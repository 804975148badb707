//! Log capture for the tests that check what the server logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Log output collected in memory.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Sends every event of this thread here, at every level, until the
    /// returned guard and dispatcher are dropped.
    ///
    /// tracing-core 0.1 caches for each call site whether any subscriber
    /// wants its events. While only one dispatcher exists, it asks the
    /// default of whichever thread reaches the call site first, so a call
    /// site that another test's thread reached first would be cached as
    /// unwanted. A second, silent dispatcher makes it ask every dispatcher.
    pub fn install(&self) -> (tracing::subscriber::DefaultGuard, tracing::Dispatch) {
        let silent = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        tracing::callsite::rebuild_interest_cache();
        (guard, silent)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

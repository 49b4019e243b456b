//! Panic boundaries: a bug, or an input nobody foresaw, costs one file or one rule — never
//! the run. Readers and rules run through [`catch`], and the caller turns the message into
//! a reject, a failed-rule entry or a manifest error.

/// Run `f`; a panic becomes `Err` with its message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

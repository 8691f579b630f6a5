use std::sync::atomic::{AtomicU32, Ordering};

/// A name no other test uses, in this process or an earlier run against the same
/// emulator: the process id, the clock's nanoseconds and a counter follow `prefix`.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_differ_within_a_process() {
        let a = super::unique("t");
        assert!(a.starts_with(&format!("t-{}-", std::process::id())), "{a}");
        assert_ne!(a, super::unique("t"));
    }
}

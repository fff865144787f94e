//! The process's limit on open descriptors.
//!
//! Every open file or socket of a guest is a host descriptor. Runs are capped per instance
//! ([`crate::guest::MAX_RESOURCES_PER_INSTANCE`]), so what the process needs is bounded by its capacity, but the
//! usual soft limit (1,024) is far below that. Like the Go runtime since 1.19, runtimed and `krt` raise the soft
//! limit to the hard limit at start.

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns the new soft limit (`None`: unlimited).
///
/// # Errors
///
/// The kernel refused the change.
pub fn raise_open_files_limit() -> std::io::Result<Option<u64>> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        setrlimit(Resource::Nofile, limit)?;
    }
    Ok(limit.current)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After the call the soft limit is the hard limit.
    #[test]
    fn the_soft_limit_becomes_the_hard_limit() {
        let raised = raise_open_files_limit().unwrap();
        let now = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        assert_eq!(now.current, raised);
        assert_eq!(now.current, now.maximum);
    }
}

//! State a builtin keeps per subshell depth, as a forked bash subshell would: a subshell starts with its parent's
//! value and its changes do not reach the parent. brush runs a subshell in a clone of the shell one level deeper
//! (`Shell::depth`), so values are kept per depth, and a shell drops the values of deeper levels when it reads or
//! sets its own. Limit: two sibling subshells in a row (`(umask 077); (umask)`) with nothing read or set in the
//! parent between them share the deeper level's value.

use std::sync::{Mutex, PoisonError};

/// One value per subshell depth (index 0: the shell itself).
pub(crate) struct PerDepth<T: Clone>(Mutex<Vec<T>>);

impl<T: Clone> PerDepth<T> {
    pub(crate) const fn new() -> Self {
        Self(Mutex::new(Vec::new()))
    }

    /// Runs `f` on the value of `depth`, which starts as its parent's (the shell's own as `initial()`).
    pub(crate) fn with<R>(
        &self,
        depth: usize,
        initial: impl FnOnce() -> T,
        f: impl FnOnce(&mut T) -> R,
    ) -> R {
        let mut values = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        values.truncate(depth + 1);
        if values.is_empty() {
            values.push(initial());
        }
        while values.len() <= depth {
            let inherited = values[values.len() - 1].clone();
            values.push(inherited);
        }
        f(&mut values[depth])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subshell_inherits_and_does_not_leak() {
        let state = PerDepth::new();
        state.with(0, || 1, |v| *v = 2);
        assert_eq!(state.with(1, || 1, |v| *v), 2);
        state.with(1, || 1, |v| *v = 3);
        assert_eq!(state.with(0, || 1, |v| *v), 2);
        // The parent read its own value: the next subshell starts from it again.
        assert_eq!(state.with(1, || 1, |v| *v), 2);
    }
}

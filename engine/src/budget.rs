//! Memory budgets: one limit for all linear memories of a Run, across the Stores of its top-level component and
//! spawned children, enforced through wasmtime's `ResourceLimiter`.
//!
//! A refused `memory.grow` returns -1 to the guest, so the guest decides what happens (Rust aborts: a trap;
//! CPython raises `MemoryError`). The Store that was refused records it, so its end is reported as `OutOfMemory`
//! whatever the guest did with the failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::ResourceLimiter;

/// Most elements any table of a Run may grow to.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// One Run's memory budget: the sum of the linear memories of all its Stores (the top-level component and its
/// children), against one limit.
#[derive(Debug)]
pub(crate) struct SharedBudget {
    limit: usize,
    used: AtomicUsize,
    peak: AtomicUsize,
}

impl SharedBudget {
    pub(crate) fn new(limit: u64) -> Self {
        Self {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            used: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Reserves `extra` bytes if that stays within the limit.
    fn try_grow(&self, extra: usize) -> bool {
        let reserved = self
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(extra).filter(|&total| total <= self.limit)
            });
        match reserved {
            Ok(before) => {
                self.peak.fetch_max(before + extra, Ordering::SeqCst);
                true
            }
            Err(_) => false,
        }
    }

    fn release(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::SeqCst);
    }

    /// Largest total reached.
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// One Store's share of its Run's [`SharedBudget`]; returns its memory to the Run when the Store is dropped.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    shared: Arc<SharedBudget>,
    own: usize,
    /// Growth approved by `memory_growing` but not yet confirmed, undone by `memory_grow_failed`.
    pending: usize,
    /// Set when a growth was refused for exceeding the budget.
    denied: bool,
}

impl MemoryBudget {
    pub(crate) fn new(shared: Arc<SharedBudget>) -> Self {
        Self {
            shared,
            own: 0,
            pending: 0,
            denied: false,
        }
    }
}

impl MemoryBudget {
    /// Whether a growth of this Store was refused for exceeding the budget.
    pub(crate) fn denied(&self) -> bool {
        self.denied
    }
}

impl Drop for MemoryBudget {
    fn drop(&mut self) {
        self.shared.release(self.own);
    }
}

impl ResourceLimiter for MemoryBudget {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let extra = desired.saturating_sub(current);
        if !self.shared.try_grow(extra) {
            self.denied = true;
            return Ok(false);
        }
        self.own += extra;
        self.pending = extra;
        Ok(true)
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.shared.release(self.pending);
        self.own -= self.pending;
        self.pending = 0;
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The budget is shared by all memories of all Stores of a Run, refuses growth past it, records the refusal
    /// in the Store that asked, tracks the peak and gets memory back when a Store is dropped.
    #[test]
    fn memory_budget_is_shared_by_stores_and_records_denial() {
        let shared = Arc::new(SharedBudget::new(10 << 20));
        let mut parent = MemoryBudget::new(Arc::clone(&shared));
        let mut child = MemoryBudget::new(Arc::clone(&shared));
        assert!(parent.memory_growing(0, 4 << 20, None).unwrap());
        assert!(child.memory_growing(0, 4 << 20, None).unwrap());
        assert!(!parent.memory_growing(4 << 20, 8 << 20, None).unwrap());
        assert!(parent.denied && !child.denied);
        assert!(parent.memory_growing(4 << 20, 6 << 20, None).unwrap());
        assert_eq!(shared.peak(), 10 << 20);
        parent
            .memory_grow_failed(wasmtime::format_err!("os refused"))
            .unwrap();
        assert_eq!(shared.used.load(Ordering::SeqCst), 8 << 20);
        drop(child);
        assert_eq!(shared.used.load(Ordering::SeqCst), 4 << 20);
        drop(parent);
        assert_eq!(shared.used.load(Ordering::SeqCst), 0);
        assert_eq!(shared.peak(), 10 << 20);
    }
}

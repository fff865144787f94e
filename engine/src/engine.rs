//! The one wasmtime [`Engine`] per process, configured once.
//!
//! Everything else in the host sees wasmtime through this module: the compilation settings, the pooling allocator
//! sizing and the epoch ticker are decided here. The linker (WASI preview 2 plus `kruntimes:runtime`) is
//! [`crate::guest`]'s: it depends on this module, never the reverse.
//!
//! # Cargo features
//!
//! wasmtime is built with `runtime`, `std`, `cranelift`, `parallel-compilation`, `component-model`, `async`,
//! `pooling-allocator` and `demangle` only (root `Cargo.toml`). Left out: `wat`, `gc*`, `threads`,
//! `stack-switching`, `component-model-async` (WASI 0.3), `cache` (we have our own, keyed by digest), `profiling`,
//! `coredump`, `debug*`, `addr2line` (guests ship without DWARF), `wit-parser`, and `backtrace`: with it, every
//! `wasmtime::Error` captures a host backtrace when `RUST_BACKTRACE` is set, which the prototype measured at
//! ~60 ms per trap.
//!
//! # Epoch tick
//!
//! A dedicated thread (`kruntimes-epoch`) calls [`wasmtime::Engine::increment_epoch`] every
//! [`EngineConfig::epoch_tick`] (default [`DEFAULT_EPOCH_TICK`], 1 ms) while at least one Store is running.
//! Each Store's epoch callback yields to tokio on every tick and interrupts the guest once its wall-clock deadline
//! has passed, so a guest spinning in wasm stops at most one tick (plus the trap unwind) after its deadline.
//! Measured here (`engine/benches/engine.rs`, `limits` tests): 0.4–1.1 ms overshoot with a 1 ms tick; the prototype
//! saw 0.7–6 ms with a 5 ms tick and 4–9 ms with 10 ms. Ticking costs about 2% of one core (1,000 wake-ups/s on
//! this VM), so the thread parks while no Run is active. A thread rather than a tokio task keeps ticking when
//! every tokio worker is busy running wasm, which is exactly when it is needed.
//!
//! # Pooling allocator
//!
//! Instances, memories, tables and fiber stacks come from pools reserved up front and sized from
//! [`EngineConfig`]: `max_concurrent_runs × instances_per_run` component instances, each allowed many core
//! instances, memories and tables because componentize-py components contain dozens of core modules. The prototype
//! measured the same instantiate latency as on-demand allocation but half the RSS per small Run and a lower p95.
//! The pools reserve *address space* (mostly `PROT_NONE`), not memory.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Enabled, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

use crate::error::{Error, Result};

/// The embedded wasmtime's version, as pinned in the workspace `Cargo.toml` (checked against `Cargo.lock` by a
/// test). Reported by the `Health` RPC.
pub const WASMTIME_VERSION: &str = "48.0.8";

/// Default epoch tick; see the module docs for the measurement behind it.
pub const DEFAULT_EPOCH_TICK: Duration = Duration::from_millis(1);

/// Wasm stack limit per instance. Deep recursion beyond it traps with `StackOverflow` instead of crashing the host.
/// 2 MiB: the bash runtime uses 2.4 to 4.5 KiB of it per nested shell function call, so its function depth limit
/// (400) is reached first (with 1 MiB, recursion trapped at depth 142). Not more: a Rust guest's own 1 MiB stack in
/// its linear memory must still run out after this one, so that its runaway recursion is reported as
/// `StackOverflow` and not as an out-of-bounds access (it was, with 4 MiB here).
pub const MAX_WASM_STACK: usize = 2 << 20;

/// Host stack for each fiber running wasm. Must exceed [`MAX_WASM_STACK`] plus the host calls made from wasm.
/// Reserved per pooled instance; only the pages a Run touches become resident.
pub const ASYNC_STACK_SIZE: usize = 3 << 20;

/// How many wasm frames a trap keeps for its backtrace. Bounds the cost of reporting a stack overflow.
pub const MAX_BACKTRACE_FRAMES: usize = 32;

/// How the process-wide engine is sized. Changing any of it changes the pools, not the per-Run policy (that is
/// [`crate::capabilities`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// Runs that may execute at the same time. The run manager refuses more with `AtCapacity`.
    pub max_concurrent_runs: u32,
    /// Component instances one Run may hold at once: itself plus concurrently live spawned children.
    pub instances_per_run: u32,
    /// Core module instances one component instance may contain (componentize-py needs about 20).
    pub core_instances_per_component: u32,
    /// Linear memories one component instance may contain.
    pub memories_per_component: u32,
    /// Tables one component instance may contain.
    pub tables_per_component: u32,
    /// Elements per table (CPython's indirect function table is large).
    pub table_elements: usize,
    /// Largest size one linear memory may ever reach, whatever the Run's own limit. Also the host ceiling for
    /// per-Run memory, see [`crate::HostConfig::max_memory_bytes`].
    pub max_memory_bytes: u64,
    /// Use the pooling allocator (default). `false` allocates on demand, for comparison benchmarks.
    pub pooling: bool,
    /// Bytes of each pooled linear memory kept resident between instances (pooling only). A slot's pages that
    /// a Run wrote are then restored from the memory image by copy (found with Linux's `PAGEMAP_SCAN`, 6.7+)
    /// instead of being unmapped, so the next Run in that slot takes no page faults on them. Large snapshots
    /// (CPython) dirty megabytes per Run. wasmtime 48 stops its scan after 32 dirty regions and unmaps the
    /// rest, so a CPython Run keeps only its first few megabytes resident. 0 unmaps everything.
    pub keep_resident_bytes: usize,
    /// Interval of the epoch ticker.
    pub epoch_tick: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_concurrent_runs: 64,
            instances_per_run: 2,
            core_instances_per_component: 50,
            memories_per_component: 10,
            tables_per_component: 20,
            table_elements: 20_000,
            max_memory_bytes: 4 << 30,
            pooling: true,
            keep_resident_bytes: DEFAULT_KEEP_RESIDENT,
            epoch_tick: DEFAULT_EPOCH_TICK,
        }
    }
}

/// Default of [`EngineConfig::keep_resident_bytes`]: covers the pages a CPython Run dirties.
pub const DEFAULT_KEEP_RESIDENT: usize = 64 << 20;

/// Whether the kernel has the `PAGEMAP_SCAN` ioctl (Linux 6.7 and later).
fn pagemap_scan_supported() -> bool {
    let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else {
        return false;
    };
    let mut parts = release.trim().split(['.', '-']);
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (6, 7)
}

impl EngineConfig {
    /// Component instances the pool holds: `max_concurrent_runs × instances_per_run`.
    pub fn total_instances(&self) -> u32 {
        self.max_concurrent_runs
            .saturating_mul(self.instances_per_run)
    }

    /// Instances spawned programs may hold at once, all Runs together: the pool minus one instance kept for each
    /// Run that may execute, so that children can never take the instance a Run needs to start. Unlimited without
    /// pooling (instances are allocated on demand).
    pub fn child_instances(&self) -> usize {
        if !self.pooling {
            return tokio::sync::Semaphore::MAX_PERMITS;
        }
        self.total_instances()
            .saturating_sub(self.max_concurrent_runs) as usize
    }

    fn wasmtime_config(&self) -> Config {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .cranelift_opt_level(OptLevel::Speed)
            .parallel_compilation(true)
            .max_wasm_stack(MAX_WASM_STACK)
            .async_stack_size(ASYNC_STACK_SIZE)
            .wasm_backtrace_max_frames(NonZeroUsize::new(MAX_BACKTRACE_FRAMES));
        if self.pooling {
            let total = self.total_instances();
            // A component's core instances are not all alive in every instance, but size for the worst case we
            // accept: the pool refuses instantiation (InstantiateFailed) rather than over-committing.
            let mut pool = PoolingAllocationConfig::new();
            pool.total_component_instances(total)
                .total_stacks(total)
                .total_core_instances(total.saturating_mul(self.core_instances_per_component))
                .total_memories(total.saturating_mul(self.memories_per_component))
                .total_tables(total.saturating_mul(self.tables_per_component))
                .max_core_instances_per_component(self.core_instances_per_component)
                .max_memories_per_component(self.memories_per_component)
                .max_tables_per_component(self.tables_per_component)
                .max_tables_per_module(self.tables_per_component)
                .table_elements(self.table_elements)
                .max_memory_size(usize::try_from(self.max_memory_bytes).unwrap_or(usize::MAX));
            if self.keep_resident_bytes > 0 && pagemap_scan_supported() {
                // Without PAGEMAP_SCAN, wasmtime would copy the whole kept range back on every reset.
                pool.pagemap_scan(Enabled::Yes)
                    .linear_memory_keep_resident(self.keep_resident_bytes)
                    .table_keep_resident(self.keep_resident_bytes.min(1 << 20));
            }
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        config
    }
}

/// The process-wide engine: a wasmtime engine and its epoch ticker. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    wasmtime: wasmtime::Engine,
    config: EngineConfig,
    ticker: EpochTicker,
    /// Permits for children's instances ([`EngineConfig::child_instances`]).
    child_slots: Arc<tokio::sync::Semaphore>,
}

impl Engine {
    /// Builds the engine and starts its epoch ticker.
    ///
    /// # Errors
    ///
    /// [`Error::ConfigureEngine`] if wasmtime rejects the configuration (for example when the pools cannot be
    /// reserved).
    pub fn new(config: EngineConfig) -> Result<Self> {
        let wasmtime = wasmtime::Engine::new(&config.wasmtime_config())
            .map_err(|source| Error::ConfigureEngine { source })?;
        let ticker = EpochTicker::start(wasmtime.clone(), config.epoch_tick)?;
        let child_slots = Arc::new(tokio::sync::Semaphore::new(config.child_instances()));
        Ok(Self {
            inner: Arc::new(Inner {
                wasmtime,
                config,
                ticker,
                child_slots,
            }),
        })
    }

    /// The configuration this engine was built with.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    pub(crate) fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner.wasmtime
    }

    /// The permits a spawned program's instance must hold ([`EngineConfig::child_instances`]).
    pub(crate) fn child_slots(&self) -> &Arc<tokio::sync::Semaphore> {
        &self.inner.child_slots
    }

    /// Marks a Store as running until the guard is dropped: the epoch ticker runs while any guard exists.
    pub(crate) fn activity(&self) -> Activity {
        self.inner.ticker.activity()
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Increments the epoch from a dedicated thread while any [`Activity`] guard is alive; stopped and joined when the
/// engine is dropped.
struct EpochTicker {
    shared: Arc<TickerShared>,
    thread: Option<JoinHandle<()>>,
}

struct TickerShared {
    stop: AtomicBool,
    active: AtomicUsize,
    /// Epoch increments so far (wasmtime does not expose the current epoch).
    ticks: AtomicU64,
}

/// Keeps the epoch ticker running; see [`Engine::activity`].
pub(crate) struct Activity {
    shared: Arc<TickerShared>,
}

impl Drop for Activity {
    fn drop(&mut self) {
        self.shared.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How long the idle ticker sleeps before re-checking (a safety net: starting a Run unparks it at once).
const IDLE_PARK: Duration = Duration::from_millis(100);

impl EpochTicker {
    fn start(engine: wasmtime::Engine, tick: Duration) -> Result<Self> {
        let shared = Arc::new(TickerShared {
            stop: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            ticks: AtomicU64::new(0),
        });
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("kruntimes-epoch".to_owned())
            .spawn(move || {
                while !state.stop.load(Ordering::SeqCst) {
                    if state.active.load(Ordering::SeqCst) == 0 {
                        std::thread::park_timeout(IDLE_PARK);
                        continue;
                    }
                    std::thread::sleep(tick);
                    engine.increment_epoch();
                    state.ticks.fetch_add(1, Ordering::Relaxed);
                }
            })
            .map_err(|err| Error::ConfigureEngine {
                source: wasmtime::Error::from(err)
                    .context("failed to start the epoch ticker thread"),
            })?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    fn activity(&self) -> Activity {
        if self.shared.active.fetch_add(1, Ordering::SeqCst) == 0
            && let Some(thread) = &self.thread
        {
            thread.thread().unpark();
        }
        Activity {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // The thread wakes within one tick; a panic there has nothing left to clean up.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`WASMTIME_VERSION`] is the version `Cargo.lock` resolves.
    #[test]
    fn wasmtime_version_matches_the_lock_file() {
        let lock =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
        let entry = format!("name = \"wasmtime\"\nversion = \"{WASMTIME_VERSION}\"");
        assert!(lock.contains(&entry), "Cargo.lock has no {entry:?}");
    }

    /// The pools are sized from the number of concurrent Runs times the instances each may hold.
    #[test]
    fn total_instances_multiplies_runs_by_instances_per_run() {
        let config = EngineConfig {
            max_concurrent_runs: 50,
            instances_per_run: 3,
            ..EngineConfig::default()
        };
        assert_eq!(config.total_instances(), 150);
    }

    /// The epoch advances only while an activity guard is alive, and the ticker stops with the engine.
    #[test]
    fn epoch_ticks_only_while_active() {
        let engine = Engine::new(EngineConfig {
            pooling: false,
            ..EngineConfig::default()
        })
        .unwrap();
        let epoch = |e: &Engine| e.inner.ticker.shared.ticks.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(20));
        let idle = epoch(&engine);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(epoch(&engine), idle, "the ticker must park while idle");
        let activity = engine.activity();
        std::thread::sleep(Duration::from_millis(30));
        let ticks = epoch(&engine) - idle;
        assert!(ticks >= 5, "only {ticks} ticks in 30 ms");
        drop(activity);
        drop(engine);
    }
}

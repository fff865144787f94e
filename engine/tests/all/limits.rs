//! Limits: deadline (wasm and host calls), cancellation, memory, output caps, traps and exit codes.

use std::time::Duration;

use kruntimes_engine::{Reason, RunPhase, RuntimeLimits, RuntimePolicy, TrapKind};

use crate::guests;
use crate::harness::Host;

/// Deadline used by the timeout tests: long enough to instantiate, short enough to keep the suite fast.
const DEADLINE: Duration = Duration::from_millis(300);
/// Upper bound on the overshoot we assert. The design target is 50 ms; the assertion is generous so a loaded
/// 2-core CI machine does not flake, and the measured value is printed.
const OVERSHOOT_BOUND: Duration = Duration::from_millis(500);

fn memory_policy(bytes: u64) -> RuntimePolicy {
    RuntimePolicy {
        limits: RuntimeLimits {
            memory_bytes: Some(bytes),
            ..RuntimeLimits::default()
        },
        ..RuntimePolicy::default()
    }
}

/// A guest spinning in wasm is interrupted by the epoch deadline and ends `Timeout` just after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spinning_guest_times_out_at_the_deadline() {
    let host = Host::new().await;
    let run = host
        .run(guests::SPIN_FOREVER)
        .timeout(DEADLINE)
        .finish()
        .await;
    assert_eq!(run.result(), "Timeout/Timeout");
    assert_eq!(run.outcome.message, "timeout of 300ms exceeded");
    assert_eq!(run.stdout, "spinning\n");
    let overshoot = run.outcome.usage.wall.saturating_sub(DEADLINE);
    eprintln!(
        "spin_forever: deadline {DEADLINE:?}, wall {:?}, overshoot {overshoot:?}, caller saw {:?}",
        run.outcome.usage.wall, run.elapsed
    );
    assert!(run.outcome.usage.wall >= DEADLINE);
    assert!(overshoot < OVERSHOOT_BOUND, "overshoot {overshoot:?}");
    assert!(
        run.elapsed < DEADLINE + OVERSHOOT_BOUND,
        "caller waited {:?}",
        run.elapsed
    );
}

/// A guest blocked in a host call (sleeping) runs no wasm, so epochs cannot stop it; the host-side timeout at the
/// same instant does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleeping_guest_times_out_at_the_deadline() {
    let host = Host::new().await;
    let run = host
        .run(guests::SLEEP_FOREVER)
        .timeout(DEADLINE)
        .finish()
        .await;
    assert_eq!(run.result(), "Timeout/Timeout");
    assert_eq!(run.stdout, "sleeping\n");
    let overshoot = run.outcome.usage.wall.saturating_sub(DEADLINE);
    eprintln!(
        "sleep_forever: wall {:?}, overshoot {overshoot:?}",
        run.outcome.usage.wall
    );
    assert!(overshoot < OVERSHOOT_BOUND, "overshoot {overshoot:?}");
}

/// Cancelling ends a Run at once, whether it spins in wasm or sleeps in a host call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_spinning_and_sleeping_guests_at_once() {
    let host = Host::new().await;
    for guest in [guests::SPIN_FOREVER, guests::SLEEP_FOREVER] {
        let started = host
            .run(guest)
            .timeout(Duration::from_secs(60))
            .start()
            .await
            .unwrap();
        let id = started.handle.id().clone();
        // Wait until the guest is running (it prints first).
        let mut logs = host.manager.logs(&id).unwrap();
        let first = tokio::time::timeout(Duration::from_secs(10), logs.stdout.next_chunk())
            .await
            .unwrap();
        assert!(first.is_some());
        let cancelled_at = std::time::Instant::now();
        host.manager.cancel(&id).unwrap();
        let run = started.finish().await;
        let latency = cancelled_at.elapsed();
        eprintln!("{}: cancel took {latency:?}", guest.0);
        assert_eq!(run.result(), "Cancelled/Cancelled");
        assert_eq!(run.outcome.message, "cancelled");
        assert!(
            latency < Duration::from_millis(200),
            "cancel took {latency:?}"
        );
        // Cancelling a finished Run is a no-op.
        host.manager.cancel(&id).unwrap();
    }
}

/// A guest allocating past its memory budget fails with a memory reason, whether it aborts on the failed
/// allocation (Rust's default: a trap) or handles it and exits non-zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_hog_fails_with_out_of_memory() {
    let host = Host::new().await;
    // `try` exits 3, which WASI 0.2's `exit(result)` (what Rust's std calls) reports as a plain failure: 1.
    for (args, exit_code) in [(&[][..], None), (&["try"][..], Some(1))] {
        let run = host
            .run(guests::ALLOC_OVER_LIMIT)
            .policy("alloc-64mib", memory_policy(64 << 20))
            .args(args)
            .finish()
            .await;
        assert_eq!(
            run.result(),
            "Failed/OutOfMemory",
            "{args:?}: {}",
            run.outcome.message
        );
        assert!(
            run.outcome
                .message
                .starts_with("memory limit of 64 MiB exceeded"),
            "{}",
            run.outcome.message
        );
        assert_eq!(run.outcome.exit_code, exit_code);
        let peak = run.outcome.usage.peak_memory_bytes;
        assert!(peak <= 64 << 20 && peak > 32 << 20, "peak {peak}");
        assert!(run.stdout.contains("allocated 32 MiB"), "{}", run.stdout);
        if exit_code.is_some() {
            assert!(
                run.stdout.contains("allocation failed after"),
                "{}",
                run.stdout
            );
        }
    }
}

fn pattern(len: usize) -> Vec<u8> {
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n"
        .iter()
        .copied()
        .cycle()
        .take(len)
        .collect()
}

/// 4 MiB of output keeps exactly the first 1 MiB plus a marker, in small chunks or one huge write, on stdout or
/// stderr; the guest never sees an error (it exits 0).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_output_keeps_exactly_one_mib_and_a_marker() {
    let host = Host::new().await;
    let total = 4 << 20;
    let dropped = total - (1 << 20);
    let mut expected = pattern(1 << 20);
    expected.extend_from_slice(
        format!("\n[kruntimes: output truncated after 1048576 bytes; {dropped} bytes dropped]\n")
            .as_bytes(),
    );
    for mode in ["chunks", "huge"] {
        let run = host
            .run(guests::WRITE_OUTPUT)
            .args(&[&total.to_string(), mode])
            .finish()
            .await;
        assert_eq!(
            run.result(),
            "Succeeded/Completed",
            "{mode}: {}",
            run.stderr
        );
        assert_eq!(run.stdout_bytes.len(), expected.len());
        assert!(run.stdout_bytes == expected, "{mode}: kept bytes differ");
    }
    let run = host
        .run(guests::WRITE_OUTPUT)
        .args(&[&total.to_string(), "huge", "stderr"])
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed");
    assert!(run.stdout.is_empty());
    assert_eq!(run.stderr.as_bytes(), &expected[..]);
}

/// Output under the limit is kept verbatim, with no marker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_output_is_kept_verbatim() {
    let host = Host::new().await;
    let run = host
        .run(guests::WRITE_OUTPUT)
        .args(&["1000", "chunks"])
        .finish()
        .await;
    assert_eq!(run.stdout_bytes, pattern(1000));
}

/// Traps are reported by kind, with the panic message from stderr in the message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traps_are_reported_by_kind() {
    let host = Host::new().await;
    let run = host
        .run(guests::TRAP)
        .args(&["stack-overflow"])
        .finish()
        .await;
    assert_eq!(run.outcome.phase, RunPhase::Failed);
    assert_eq!(run.outcome.reason, Reason::Trap(TrapKind::StackOverflow));
    assert_eq!(run.outcome.message, "wasm trap: call stack exhausted");

    let run = host.run(guests::TRAP).args(&["unreachable"]).finish().await;
    assert_eq!(run.result(), "Failed/Unreachable");
    assert_eq!(run.outcome.exit_code, None);

    let run = host.run(guests::PANIC).finish().await;
    assert_eq!(run.result(), "Failed/Unreachable");
    assert!(
        run.outcome
            .message
            .starts_with("wasm trap: wasm `unreachable` instruction executed; stderr: "),
        "{}",
        run.outcome.message
    );
    assert!(
        run.outcome.message.contains("test-guests panic: boom"),
        "{}",
        run.outcome.message
    );
    assert!(
        !run.outcome.message.contains("about to panic"),
        "stdout must never be in the message"
    );
}

/// Exit codes: 0 succeeds, anything else fails with `ExitCode`, the code, and the end of stderr.
///
/// Rust's std (wasi-libc) exits through WASI 0.2's `exit(result)`, which only carries success or failure, so
/// every non-zero code arrives as 1. Guests calling `wasi:cli/exit.exit-with-code` (linked) report the exact code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_map_to_phase_and_reason() {
    let host = Host::new().await;
    let run = host.run(guests::EXIT_CODE).args(&["0"]).finish().await;
    assert_eq!(run.result(), "Succeeded/Completed");
    assert_eq!(run.outcome.exit_code, Some(0));

    for code in [1, 3, 42] {
        let run = host
            .run(guests::EXIT_CODE)
            .args(&[&code.to_string()])
            .finish()
            .await;
        assert_eq!(run.result(), "Failed/ExitCode");
        assert_eq!(run.outcome.exit_code, Some(1));
        assert_eq!(
            run.outcome.message,
            format!("exited with code 1; stderr: exit_code: exiting with {code}")
        );
    }
}

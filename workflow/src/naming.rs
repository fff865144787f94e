//! Deterministic names and labels of child Runs.
//!
//! A step's Run is named from the Workflow and the step alone, never from a counter or a clock, so a
//! controller that restarts (or reconciles twice before its cache shows its own create) asks for the
//! same name again and the API server's `AlreadyExists` stops a duplicate.
//!
//! The name is `<workflow>-<step>-<hash>`: the readable part is cut to fit, and `<hash>` is the first
//! [`HASH_HEX_CHARS`] hex digits of the SHA-256 of
//! `"kruntimes.io/workflow-child/v1" NUL <workflow uid> NUL <workflow name> NUL <step id>`
//! (an empty uid when the Workflow has none, as in `krt local`). SHA-256 is specified (FIPS 180-4) and
//! stable across Rust releases, unlike std's `DefaultHasher`. The uid makes the names of a Workflow
//! deleted and re-created under the same name differ from its predecessor's, whose children may still be
//! being garbage-collected. The result is a DNS-1123 label of at most [`NAME_MAX`] characters, so it is
//! a valid Run name and a valid label value.

use std::collections::BTreeMap;

use kruntimes_api::consts::labels;
use sha2::{Digest, Sha256};

/// Longest child Run name: a DNS label, so it also fits in a label value.
pub const NAME_MAX: usize = 63;
/// Hex digits of the hash suffix: 40 bits, so two of a Workflow's at most 128 steps collide with a
/// probability below 10⁻⁸, and only if their readable parts are cut to the same text.
pub const HASH_HEX_CHARS: usize = 10;
/// Domain separator of the hash input; bump the version to change the naming scheme.
const HASH_DOMAIN: &[u8] = b"kruntimes.io/workflow-child/v1";

/// The name of the Run of step `step_id` of the Workflow `workflow_name` (with `workflow_uid`, if any).
pub fn child_run_name(workflow_name: &str, workflow_uid: Option<&str>, step_id: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [
        HASH_DOMAIN,
        workflow_uid.unwrap_or_default().as_bytes(),
        workflow_name.as_bytes(),
        step_id.as_bytes(),
    ] {
        hasher.update(part);
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let hash: String = digest
        .iter()
        .take(HASH_HEX_CHARS / 2)
        .map(|b| format!("{b:02x}"))
        .collect();

    // Validated names are already DNS labels; mapping anything else to '-' keeps the function total.
    let readable: String = format!("{workflow_name}-{step_id}")
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .take(NAME_MAX - 1 - HASH_HEX_CHARS)
        .collect();
    let readable = readable.trim_matches('-');
    if readable.is_empty() {
        format!("wf-{hash}")
    } else {
        format!("{readable}-{hash}")
    }
}

/// The labels of a step's Run: the Workflow's name and the step id, so the caller can list a
/// Workflow's children with a label selector.
pub fn child_labels(workflow_name: &str, step_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (labels::WORKFLOW.to_owned(), workflow_name.to_owned()),
        (labels::WORKFLOW_STEP.to_owned(), step_id.to_owned()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kruntimes_api::validation::is_dns_label;

    /// The same inputs always give the same name; uid, workflow and step each change it.
    #[test]
    fn names_are_stable_and_depend_on_uid_workflow_and_step() {
        let a = child_run_name("build", Some("u-1"), "test");
        assert_eq!(a, child_run_name("build", Some("u-1"), "test"));
        assert!(a.starts_with("build-test-"), "{a}");
        for other in [
            child_run_name("build", Some("u-2"), "test"),
            child_run_name("build", None, "test"),
            child_run_name("build2", Some("u-1"), "test"),
            child_run_name("build", Some("u-1"), "test2"),
            // The separator keeps ("a-b", "c") and ("a", "b-c") apart although both read "a-b-c".
            child_run_name("build-test", Some("u-1"), ""),
        ] {
            assert_ne!(a, other);
        }
    }

    /// The scheme is pinned (checked with `python3 -c "import hashlib; print(hashlib.sha256(b'kruntimes.io/workflow-child/v1\0\0wf\0a\0').hexdigest()[:10])"`):
    /// changing it would make a restarted controller re-create every child.
    #[test]
    fn the_hash_is_pinned() {
        assert_eq!(child_run_name("wf", None, "a"), "wf-a-878bfb79f7");
    }

    /// Longest names still give valid, distinct DNS labels of at most 63 characters.
    #[test]
    fn long_names_are_cut_to_a_dns_label() {
        let wf = "w".repeat(63);
        let step = |s: char| format!("{}{s}", "s".repeat(62));
        let (x, y) = (
            child_run_name(&wf, Some("uid"), &step('x')),
            child_run_name(&wf, Some("uid"), &step('y')),
        );
        assert_ne!(x, y);
        for n in [&x, &y] {
            assert!(n.len() <= NAME_MAX && is_dns_label(n), "{n}");
        }
        // A cut that lands on '-' does not leave "--" or a trailing '-'.
        let n = child_run_name(&format!("{}-x", "a".repeat(51)), None, "s");
        assert!(is_dns_label(&n), "{n}");
        assert!(is_dns_label(&child_run_name("", None, "")));
    }
}

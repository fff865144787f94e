//! Small pieces of a Workflow's status: conditions and bounded messages.

use kruntimes_api::limits::STATUS_MESSAGE_MAX_BYTES;
use kruntimes_api::v1alpha1::{Condition, Time};

/// Longest step message: the CRD's limit on `status.steps[].message`.
pub const STEP_MESSAGE_MAX_BYTES: usize = 1024;
/// Longest Workflow message: the CRD's limit on `status.message`.
pub const WORKFLOW_MESSAGE_MAX_BYTES: usize = STATUS_MESSAGE_MAX_BYTES;

/// `message` cut to at most `max` bytes on a character boundary, ending in `...` when cut.
pub use kruntimes_api::lifecycle::bounded_to as bounded;

/// Sets the condition `type_` in `conditions`, keeping its `lastTransitionTime` when its status does
/// not change (the Kubernetes convention), and keeping the list within the schema's limit.
pub fn set_condition(
    conditions: &mut Vec<Condition>,
    type_: &str,
    status: bool,
    reason: &str,
    message: &str,
    now: Time,
) {
    kruntimes_api::lifecycle::set_condition(conditions, type_, status, reason, message, now.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Long messages are cut on a character boundary and marked; short ones are unchanged.
    #[test]
    fn messages_are_cut_on_a_char_boundary() {
        assert_eq!(bounded("short", 10), "short");
        let cut = bounded(&"é".repeat(100), 11);
        assert!(cut.len() <= 11 && cut.ends_with("..."), "{cut}");
    }

    /// A condition's transition time moves only when its status flips.
    #[test]
    fn transition_time_moves_only_when_the_status_flips() {
        let t = |s: i64| Time(jiff::Timestamp::from_second(s).unwrap());
        let mut cs = Vec::new();
        set_condition(&mut cs, "Ready", true, "A", "", t(1));
        set_condition(&mut cs, "Ready", true, "B", "m", t(2));
        assert_eq!(
            (cs[0].last_transition_time.clone(), cs[0].reason.as_str()),
            (t(1), "B")
        );
        set_condition(&mut cs, "Ready", false, "C", "", t(3));
        assert_eq!(cs[0].last_transition_time, t(3));
        assert_eq!(cs.len(), 1);
    }
}

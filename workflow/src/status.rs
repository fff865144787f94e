//! Small pieces of a Workflow's status: conditions and bounded messages.

use kruntimes_api::limits::{CONDITIONS_MAX_ITEMS, STATUS_MESSAGE_MAX_BYTES};
use kruntimes_api::v1alpha1::{Condition, Time};

/// Longest step message: the CRD's limit on `status.steps[].message`.
pub const STEP_MESSAGE_MAX_BYTES: usize = 1024;
/// Longest Workflow message: the CRD's limit on `status.message`.
pub const WORKFLOW_MESSAGE_MAX_BYTES: usize = STATUS_MESSAGE_MAX_BYTES;

/// Marks a cut message.
const ELLIPSIS: &str = "...";

/// `message` cut to at most `max` bytes on a character boundary, ending in `...` when cut, so a status
/// never exceeds the schema's limit whatever a Run or a validation error said.
pub fn bounded(message: &str, max: usize) -> String {
    if message.len() <= max {
        return message.to_owned();
    }
    let mut end = max.saturating_sub(ELLIPSIS.len());
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ELLIPSIS}", &message[..end])
}

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
    let status = if status { "True" } else { "False" }.to_owned();
    let message = bounded(message, STATUS_MESSAGE_MAX_BYTES);
    if let Some(c) = conditions.iter_mut().find(|c| c.type_ == type_) {
        if c.status != status {
            c.last_transition_time = now;
        }
        c.status = status;
        c.reason = reason.to_owned();
        c.message = message;
        return;
    }
    if conditions.len() < CONDITIONS_MAX_ITEMS {
        conditions.push(Condition {
            type_: type_.to_owned(),
            status,
            reason: reason.to_owned(),
            message,
            last_transition_time: now,
            observed_generation: None,
        });
    }
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

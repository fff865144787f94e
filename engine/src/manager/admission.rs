//! Whether a new execution may start, decided from plain facts about the Run's retained attempts: duplicates,
//! stale attempts, draining, superseding and capacity (the manager's rules, see [`super`]). No locks, no I/O:
//! the manager gathers the facts under its table lock and acts on the answer.

use crate::error::{Error, Result};
use crate::spec::RunId;

/// A retained attempt of the Run being admitted, as [`admit`] sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Attempt<'a> {
    /// The attempt number.
    pub(crate) number: u32,
    /// Its spec's digest.
    pub(crate) digest: Option<&'a str>,
    /// It has no outcome yet.
    pub(crate) active: bool,
    /// A higher attempt superseded it already.
    pub(crate) superseded: bool,
}

/// The answer to a request to execute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// The same attempt with the same spec is retained: return it, start nothing.
    Existing,
    /// A new execution, which supersedes these active lower attempts (their numbers).
    New {
        /// Lower attempts to cancel before the new one's guest starts.
        supersede: Vec<u32>,
    },
}

/// Decides what executing `id` (whose spec has `digest`) means, given the Run's retained `attempts` in any order.
/// The checks run in the manager's documented order: duplicate, stale attempt, draining.
///
/// # Errors
///
/// [`Error::SpecConflict`] for a retained attempt with another spec, [`Error::StaleAttempt`] below a retained
/// attempt, [`Error::Draining`] for a new execution while the host drains.
pub(crate) fn admit(
    id: &RunId,
    digest: Option<&str>,
    attempts: &[Attempt<'_>],
    draining: bool,
) -> Result<Admission> {
    if let Some(same) = attempts.iter().find(|a| a.number == id.attempt()) {
        return if same.digest == digest {
            Ok(Admission::Existing)
        } else {
            Err(Error::SpecConflict { id: id.clone() })
        };
    }
    if let Some(current) = attempts.iter().map(|a| a.number).max()
        && current > id.attempt()
    {
        return Err(Error::StaleAttempt {
            uid: id.uid().to_owned(),
            attempt: id.attempt(),
            current,
        });
    }
    if draining {
        return Err(Error::Draining);
    }
    let mut supersede: Vec<u32> = attempts
        .iter()
        .filter(|a| a.active && !a.superseded)
        .map(|a| a.number)
        .collect();
    supersede.sort_unstable();
    Ok(Admission::New { supersede })
}

/// Whether one more execution fits: `running` are active, `superseded_running` of them superseded already, and
/// the new one supersedes `superseding` more. Superseded attempts are stopping and do not count.
pub(crate) fn has_capacity(
    running: usize,
    superseded_running: usize,
    superseding: usize,
    max_running: usize,
) -> bool {
    running.saturating_sub(superseded_running + superseding) < max_running
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(attempt: u32) -> RunId {
        RunId::new("uid", attempt).unwrap()
    }

    fn attempt(number: u32, digest: &str, active: bool) -> Attempt<'_> {
        Attempt {
            number,
            digest: Some(digest),
            active,
            superseded: false,
        }
    }

    /// The first attempt of a Run starts and supersedes nothing.
    #[test]
    fn a_new_run_starts() {
        assert_eq!(
            admit(&id(1), Some("d"), &[], false).unwrap(),
            Admission::New { supersede: vec![] }
        );
    }

    /// The same attempt again is the retained execution when its spec is equal, a conflict otherwise,
    /// whatever its state and even while draining.
    #[test]
    fn a_retained_attempt_is_returned_or_conflicts() {
        for active in [true, false] {
            let retained = [attempt(2, "d", active)];
            assert_eq!(
                admit(&id(2), Some("d"), &retained, true).unwrap(),
                Admission::Existing
            );
            assert!(matches!(
                admit(&id(2), Some("other"), &retained, false),
                Err(Error::SpecConflict { .. })
            ));
        }
    }

    /// An attempt below a retained one is stale, even when the retained one has ended.
    #[test]
    fn a_lower_attempt_is_stale() {
        let retained = [attempt(1, "d", false), attempt(3, "d", false)];
        match admit(&id(2), Some("d"), &retained, false) {
            Err(Error::StaleAttempt {
                attempt, current, ..
            }) => assert_eq!((attempt, current), (2, 3)),
            other => panic!("expected StaleAttempt, got {other:?}"),
        }
    }

    /// A higher attempt supersedes the active lower ones not superseded yet; ended ones stay as they are.
    #[test]
    fn a_higher_attempt_supersedes_active_lower_ones() {
        let mut already = attempt(2, "d", true);
        already.superseded = true;
        let retained = [
            attempt(3, "d", true),
            attempt(1, "d", false),
            already,
            attempt(4, "d", true),
        ];
        assert_eq!(
            admit(&id(5), Some("d"), &retained, false).unwrap(),
            Admission::New {
                supersede: vec![3, 4]
            }
        );
    }

    /// While draining, nothing new starts.
    #[test]
    fn draining_refuses_new_executions() {
        assert!(matches!(
            admit(&id(1), None, &[], true),
            Err(Error::Draining)
        ));
        assert!(matches!(
            admit(&id(2), None, &[attempt(1, "d", true)], true),
            Err(Error::Draining)
        ));
    }

    /// Capacity counts active executions minus those stopping because they were superseded.
    #[test]
    fn superseded_executions_do_not_count_against_capacity() {
        assert!(has_capacity(0, 0, 0, 1));
        assert!(!has_capacity(1, 0, 0, 1));
        assert!(
            has_capacity(1, 0, 1, 1),
            "the one it supersedes is stopping"
        );
        assert!(has_capacity(2, 1, 0, 2));
        assert!(!has_capacity(3, 1, 0, 2));
    }
}

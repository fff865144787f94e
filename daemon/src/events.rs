//! Kubernetes Events with bounded memory.
//!
//! kube-runtime's `Recorder` remembers every Event it published for six minutes, to turn a repeat into a series.
//! A runtimed that fails many Runs (each failed attempt is one Warning Event about a different Run) kept tens of
//! thousands of them: its memory grew with the failure rate (the agent soak in `docs/benchmarks.md`). This
//! recorder keeps the same series behaviour for a bounded number of recent Events: at most [`CAPACITY`] are
//! remembered, each for at most [`TTL`], the least recently seen forgotten first. A repeat of a forgotten Event is
//! published as a new Event, which is what Kubernetes' own recorders do once their cache has moved on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::{Event as K8sEvent, EventSeries};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};

pub use kube::runtime::events::{Event, EventType, Reporter};

/// The most Events remembered for series; about 2 KiB each.
pub const CAPACITY: usize = 512;
/// How long an Event is remembered after it was last seen (kube-runtime's and client-go's value).
pub const TTL: SignedDuration = SignedDuration::from_mins(6);

/// Publishes Events through the `events.k8s.io/v1` API; a repeat of a recent Event becomes a series.
#[derive(Clone)]
pub struct Recorder {
    client: Client,
    reporter: Reporter,
    recent: Arc<Mutex<Recent>>,
}

impl Recorder {
    /// A recorder publishing as `reporter`.
    #[must_use]
    pub fn new(client: Client, reporter: Reporter) -> Self {
        Self {
            client,
            reporter,
            recent: Arc::new(Mutex::new(Recent::new(CAPACITY, TTL))),
        }
    }

    /// Publishes `event` about `regarding`, in its namespace (`default` for cluster-scoped objects).
    ///
    /// # Errors
    ///
    /// When the API server refuses the Event.
    pub async fn publish(
        &self,
        event: &Event,
        regarding: &ObjectReference,
    ) -> Result<(), kube::Error> {
        let key = Key::new(event, regarding);
        let now = Timestamp::now();
        let object = self.lock().next(&key, now, || {
            new_event(&self.reporter, event, regarding, now)
        });
        let events: Api<K8sEvent> = Api::namespaced(
            self.client.clone(),
            regarding.namespace.as_deref().unwrap_or("default"),
        );
        let name = object.metadata.name.clone().unwrap_or_default();
        if object.series.is_some() {
            events
                .patch(&name, &PatchParams::default(), &Patch::Merge(&object))
                .await?;
        } else {
            events.create(&PostParams::default(), &object).await?;
        }
        self.lock().remember(key, object, now);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.recent.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What makes two Events the same: a repeat has the same type, action, reason, note and objects.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    warning: bool,
    action: String,
    reason: String,
    note: Option<String>,
    regarding: [Option<String>; 5],
    related: Option<[Option<String>; 5]>,
}

impl Key {
    fn new(event: &Event, regarding: &ObjectReference) -> Self {
        fn id(r: &ObjectReference) -> [Option<String>; 5] {
            [
                r.api_version.clone(),
                r.kind.clone(),
                r.namespace.clone(),
                r.name.clone(),
                r.uid.clone(),
            ]
        }
        Self {
            warning: matches!(event.type_, EventType::Warning),
            action: event.action.clone(),
            reason: event.reason.clone(),
            note: event.note.clone(),
            regarding: id(regarding),
            related: event.secondary.as_ref().map(id),
        }
    }
}

fn new_event(
    reporter: &Reporter,
    event: &Event,
    regarding: &ObjectReference,
    now: Timestamp,
) -> K8sEvent {
    K8sEvent {
        metadata: ObjectMeta {
            namespace: regarding.namespace.clone(),
            name: Some(format!(
                "{}.{:x}",
                regarding.name.as_deref().unwrap_or(&reporter.controller),
                now.as_nanosecond()
            )),
            ..Default::default()
        },
        action: Some(event.action.clone()),
        reason: Some(event.reason.clone()),
        note: event.note.clone(),
        type_: Some(
            match event.type_ {
                EventType::Normal => "Normal",
                EventType::Warning => "Warning",
            }
            .to_owned(),
        ),
        event_time: Some(MicroTime(now)),
        regarding: Some(regarding.clone()),
        related: event.secondary.clone(),
        reporting_controller: Some(reporter.controller.clone()),
        reporting_instance: Some(
            reporter
                .instance
                .clone()
                .unwrap_or_else(|| reporter.controller.clone()),
        ),
        ..Default::default()
    }
}

/// The recently published Events, bounded in number and age.
struct Recent {
    events: HashMap<Key, (K8sEvent, Timestamp)>,
    capacity: usize,
    ttl: SignedDuration,
}

impl Recent {
    fn new(capacity: usize, ttl: SignedDuration) -> Self {
        Self {
            events: HashMap::new(),
            capacity,
            ttl,
        }
    }

    /// The object to send for an Event seen at `now`: the next count of its series if it was seen recently,
    /// else `fresh()`.
    fn next(&mut self, key: &Key, now: Timestamp, fresh: impl FnOnce() -> K8sEvent) -> K8sEvent {
        let ttl = self.ttl;
        self.events.retain(|_, (_, seen)| *seen + ttl > now);
        match self.events.get(key) {
            Some((sent, _)) => {
                let mut event = sent.clone();
                let count = sent.series.as_ref().map_or(2, |s| s.count + 1);
                event.series = Some(EventSeries {
                    count,
                    last_observed_time: MicroTime(now),
                });
                event
            }
            None => fresh(),
        }
    }

    /// Remembers what was sent, forgetting the least recently seen Event when full.
    fn remember(&mut self, key: Key, event: K8sEvent, now: Timestamp) {
        if !self.events.contains_key(&key) && self.events.len() >= self.capacity {
            let oldest = self
                .events
                .iter()
                .min_by_key(|(_, (_, seen))| *seen)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.events.remove(&oldest);
            }
        }
        self.events.insert(key, (event, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str) -> ObjectReference {
        ObjectReference {
            api_version: Some("kruntimes.io/v1alpha1".into()),
            kind: Some("Run".into()),
            namespace: Some("default".into()),
            name: Some(name.into()),
            uid: Some(format!("uid-{name}")),
            ..Default::default()
        }
    }

    fn failed(note: &str) -> Event {
        Event {
            type_: EventType::Warning,
            reason: "Failed".into(),
            note: Some(note.into()),
            action: "Fail".into(),
            secondary: None,
        }
    }

    fn reporter() -> Reporter {
        Reporter {
            controller: "kruntimes-runtimed".into(),
            instance: Some("bash-0".into()),
        }
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    /// Sends an Event through `recent` as `publish` does; returns the series count (1 for a new Event).
    fn send(
        recent: &mut Recent,
        event: &Event,
        regarding: &ObjectReference,
        now: Timestamp,
    ) -> i32 {
        let key = Key::new(event, regarding);
        let object = recent.next(&key, now, || new_event(&reporter(), event, regarding, now));
        let count = object.series.as_ref().map_or(1, |s| s.count);
        recent.remember(key, object, now);
        count
    }

    #[test]
    fn a_repeat_becomes_a_series_of_the_first_event() {
        let mut recent = Recent::new(8, TTL);
        let (event, r) = (failed("exit 3"), run("a"));
        assert_eq!(send(&mut recent, &event, &r, at(0)), 1);
        assert_eq!(send(&mut recent, &event, &r, at(1)), 2);
        assert_eq!(send(&mut recent, &event, &r, at(2)), 3);
        let (sent, _) = recent.events.values().next().unwrap();
        assert_eq!(
            sent.metadata.name.as_deref(),
            Some(&*format!("a.{:x}", at(0).as_nanosecond()))
        );
        assert_eq!(
            sent.series.as_ref().unwrap().last_observed_time,
            MicroTime(at(2))
        );
        assert_eq!(sent.reporting_instance.as_deref(), Some("bash-0"));
        assert_eq!(sent.type_.as_deref(), Some("Warning"));
    }

    #[test]
    fn another_note_or_object_is_another_event() {
        let mut recent = Recent::new(8, TTL);
        assert_eq!(send(&mut recent, &failed("exit 3"), &run("a"), at(0)), 1);
        assert_eq!(send(&mut recent, &failed("exit 4"), &run("a"), at(0)), 1);
        assert_eq!(send(&mut recent, &failed("exit 3"), &run("b"), at(0)), 1);
        assert_eq!(recent.events.len(), 3);
    }

    #[test]
    fn an_event_is_forgotten_after_the_ttl_since_it_was_last_seen() {
        let mut recent = Recent::new(8, SignedDuration::from_secs(60));
        let (event, r) = (failed("exit 3"), run("a"));
        assert_eq!(send(&mut recent, &event, &r, at(0)), 1);
        assert_eq!(send(&mut recent, &event, &r, at(50)), 2);
        assert_eq!(send(&mut recent, &event, &r, at(100)), 3, "seen 50 s ago");
        assert_eq!(
            send(&mut recent, &event, &r, at(161)),
            1,
            "not seen for 61 s"
        );
        send(&mut recent, &failed("other"), &run("b"), at(300));
        assert_eq!(recent.events.len(), 1, "the expired one is gone");
    }

    /// A recent list of capacity 3 holding `event` about a, b and c, a seen again last.
    fn full_with_a_seen_last(event: &Event) -> Recent {
        let mut recent = Recent::new(3, TTL);
        for (second, name) in [(0, "a"), (1, "b"), (2, "c"), (10, "a")] {
            send(&mut recent, event, &run(name), at(second));
        }
        recent
    }

    #[test]
    fn memory_is_bounded_by_forgetting_the_least_recently_seen() {
        let event = failed("exit 3");
        let mut recent = full_with_a_seen_last(&event);
        for i in 0..10_000 {
            send(&mut recent, &event, &run(&format!("x{i}")), at(20 + i));
            assert!(recent.events.len() <= 3);
        }
        assert_eq!(
            send(&mut recent, &event, &run("a"), at(20_000)),
            1,
            "a was forgotten in the end"
        );

        let mut recent = full_with_a_seen_last(&event);
        send(&mut recent, &event, &run("d"), at(11)); // forgets b, the least recently seen
        assert_eq!(send(&mut recent, &event, &run("a"), at(12)), 3);
        assert_eq!(send(&mut recent, &event, &run("c"), at(13)), 2);
        assert_eq!(send(&mut recent, &event, &run("b"), at(14)), 1);
    }
}

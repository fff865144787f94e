//! The scheduler's in-memory view of the cluster, fed by watch events.
//!
//! - Runtime pods, grouped by (namespace, runtime), with the fitness inputs of the filter and their
//!   capacity.
//! - Active Runs (`Scheduled`/`Running`), each holding its requests on its assigned pod.
//! - Assumed reservations: a Run the scheduler decided to bind holds its requests on the chosen pod until
//!   the binding is observed (the Run is seen bound or leaves `Pending`), or the bind fails.
//!
//! Every update is O(1) or O(log n) and keeps each pod's load (used + assumed) current, so a placement
//! never rescans Runs. Pods live in a slab indexed by slot; a slot also exists for a pod UID that Runs
//! refer to before (or after) the pod itself is seen, so load is never lost to event order.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Pod as KubePod;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::consts::{conditions, labels};
use kruntimes_api::v1alpha1::{Run, RunPhase};

use crate::resources::{self, Resources};

/// A resource name interned by the index.
pub(crate) type ResId = u16;
/// Id of a resource name no pod advertises: never found in a capacity.
pub(crate) const UNKNOWN_RESOURCE: ResId = ResId::MAX;

/// The pods a Run may land on: those of its Runtime in its namespace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    /// Namespace of the pods and the Runs.
    pub namespace: String,
    /// The Runtime (pod label `kruntimes.io/runtime`, Run `spec.runtime`).
    pub runtime: String,
}

impl GroupKey {
    /// The group of `runtime` in `namespace`.
    pub fn new(namespace: impl Into<String>, runtime: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            runtime: runtime.into(),
        }
    }
}

/// What the placement filter needs to know about a pod, extracted from a Pod object.
#[derive(Clone, Debug, PartialEq)]
pub struct PodInfo {
    /// Namespace and Runtime of the pod.
    pub group: GroupKey,
    /// Pod name.
    pub name: String,
    /// Pod UID.
    pub uid: String,
    /// Advertised capacity (`kruntimes.io/capacity.*`).
    pub capacity: Resources,
    /// `status.phase == Running`.
    pub running: bool,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// Condition `Ready=True`.
    pub ready: bool,
    /// Condition `kruntimes.io/RuntimedReady=True`.
    pub runtimed_ready: bool,
    /// `lastProbeTime` of `kruntimes.io/RuntimedReady`.
    pub heartbeat: Option<Timestamp>,
}

impl PodInfo {
    /// The fitness inputs of `pod`; `None` when it lacks a UID, namespace or Runtime label.
    pub fn from_pod(pod: &KubePod) -> Option<Self> {
        let meta = &pod.metadata;
        let runtime = meta.labels.as_ref()?.get(labels::RUNTIME)?;
        let status = pod.status.as_ref();
        let condition = |t: &str| {
            status
                .and_then(|s| s.conditions.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.type_ == t))
        };
        let runtimed = condition(conditions::RUNTIMED_READY);
        Some(Self {
            group: GroupKey::new(meta.namespace.clone()?, runtime.clone()),
            name: meta.name.clone()?,
            uid: meta.uid.clone()?,
            capacity: resources::capacity(meta.annotations.as_ref()),
            running: status.and_then(|s| s.phase.as_deref()) == Some("Running"),
            deleting: meta.deletion_timestamp.is_some(),
            ready: condition(conditions::READY).is_some_and(|c| c.status == "True"),
            runtimed_ready: runtimed.is_some_and(|c| c.status == "True"),
            heartbeat: runtimed
                .and_then(|c| c.last_probe_time.as_ref())
                .map(|t| t.0),
        })
    }

    /// Whether everything but the heartbeat's age and the load lets the pod take Runs.
    fn statically_fit(&self) -> bool {
        self.running && !self.deleting && self.ready && self.runtimed_ready
    }
}

/// Whole quantities per interned resource, sorted by id; tiny (one entry per advertised resource).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Load(pub(crate) Vec<(ResId, u64)>);

impl Load {
    pub(crate) fn get(&self, id: ResId) -> u64 {
        self.0.iter().find(|(r, _)| *r == id).map_or(0, |(_, v)| *v)
    }

    fn add(&mut self, other: &Load) {
        for &(id, v) in &other.0 {
            match self.0.iter_mut().find(|(r, _)| *r == id) {
                Some((_, cur)) => *cur = cur.saturating_add(v),
                None => {
                    self.0.push((id, v));
                    self.0.sort_unstable_by_key(|(r, _)| *r);
                }
            }
        }
    }

    fn sub(&mut self, other: &Load) {
        for &(id, v) in &other.0 {
            if let Some((_, cur)) = self.0.iter_mut().find(|(r, _)| *r == id) {
                *cur = cur.saturating_sub(v);
            }
        }
        self.0.retain(|(_, v)| *v > 0);
    }
}

/// A pod as the placement function sees it (one slot of the index).
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Copy of `info.statically_fit()` (false without info), kept here for the hot loop.
    pub(crate) fit: bool,
    /// Copy of `info.heartbeat`.
    pub(crate) heartbeat: Option<Timestamp>,
    /// Boxed: only the slow paths read it, and a compact slot keeps the placement loop in cache.
    pub(crate) info: Option<Box<PodInfo>>,
    /// Advertised capacity, interned.
    pub(crate) capacity: Load,
    /// used (active Runs) + assumed (reservations).
    pub(crate) load: Load,
    /// Holdings (active Runs and reservations) on this slot.
    holders: u32,
    /// Position in its group's member list, when it is a known pod.
    group_pos: usize,
    /// This slot's index in the slab.
    pub(crate) slot: usize,
    uid: String,
}

impl Candidate {
    /// Pod name ("" for a slot only Runs refer to).
    pub fn name(&self) -> &str {
        self.info.as_ref().map_or("", |i| i.name.as_str())
    }

    /// Pod UID.
    pub fn uid(&self) -> &str {
        &self.uid
    }
}

/// Requests held on one pod slot.
#[derive(Clone, Debug)]
struct Holding {
    slot: usize,
    load: Load,
}

/// A Run's requests, resolved against the index's resource names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Where the Run may land.
    pub group: GroupKey,
    /// (resource, amount), in name order; `UNKNOWN_RESOURCE` for names no pod advertises.
    pub(crate) items: Vec<(ResId, u64)>,
    /// The names of `items`, for messages.
    pub(crate) names: Vec<String>,
}

/// The pod chosen for a Run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Pod name (`status.assignedPod`).
    pub pod_name: String,
    /// Pod UID (`status.assignedPodUid`).
    pub pod_uid: String,
    pub(crate) slot: usize,
}

/// What a Run event changed, for the work queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunUpdate {
    /// The Run waits for placement (Pending, not deleting).
    pub pending: bool,
    /// Capacity was released on a pod of this group: its unschedulable Runs should try again.
    pub freed: Option<GroupKey>,
}

/// The in-memory snapshot. See the module docs.
#[derive(Debug, Default)]
pub struct Index {
    names: HashMap<String, ResId>,
    slots: Vec<Candidate>,
    free: Vec<usize>,
    by_uid: HashMap<String, usize>,
    groups: HashMap<GroupKey, Vec<usize>>,
    active: HashMap<String, Holding>,
    assumed: HashMap<String, Holding>,
}

// === impl Index: resources ===

impl Index {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    fn intern(&mut self, name: &str) -> ResId {
        if let Some(id) = self.names.get(name) {
            return *id;
        }
        // Names come from pod annotations and placed Runs; more than 65k distinct names is not a real
        // cluster, and the sentinel then simply makes the resource unplaceable.
        let id = ResId::try_from(self.names.len()).unwrap_or(UNKNOWN_RESOURCE);
        if id != UNKNOWN_RESOURCE {
            self.names.insert(name.to_owned(), id);
        }
        id
    }

    fn interned(&mut self, r: &Resources) -> Load {
        let mut load = Load(r.iter().map(|(n, v)| (self.intern(n), *v)).collect());
        load.0.sort_unstable_by_key(|(id, _)| *id);
        load
    }

    /// Resolves a Run's requests; names no pod ever advertised are not interned (they cannot fit).
    pub fn request(&self, group: GroupKey, requests: &Resources) -> Request {
        let (items, names) = requests
            .iter()
            .map(|(n, v)| {
                let id = self.names.get(n).copied().unwrap_or(UNKNOWN_RESOURCE);
                ((id, *v), n.clone())
            })
            .unzip();
        Request {
            group,
            items,
            names,
        }
    }

    // === impl Index: slots ===

    fn slot_for(&mut self, uid: &str) -> usize {
        if let Some(s) = self.by_uid.get(uid) {
            return *s;
        }
        let slot = Candidate {
            fit: false,
            heartbeat: None,
            info: None,
            capacity: Load::default(),
            load: Load::default(),
            holders: 0,
            group_pos: 0,
            slot: 0,
            uid: uid.to_owned(),
        };
        let idx = match self.free.pop() {
            Some(i) => {
                self.slots[i] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        self.slots[idx].slot = idx;
        self.by_uid.insert(uid.to_owned(), idx);
        idx
    }

    /// Frees a slot that holds neither a pod nor load.
    fn maybe_free(&mut self, idx: usize) {
        let s = &self.slots[idx];
        if s.info.is_none() && s.holders == 0 {
            let uid = std::mem::take(&mut self.slots[idx].uid);
            self.by_uid.remove(&uid);
            self.slots[idx].load = Load::default();
            self.free.push(idx);
        }
    }

    fn leave_group(&mut self, idx: usize) {
        let Some(info) = &self.slots[idx].info else {
            return;
        };
        let pos = self.slots[idx].group_pos;
        let key = info.group.clone();
        if let Some(members) = self.groups.get_mut(&key) {
            members.remove(pos);
            for (p, &m) in members.iter().enumerate().skip(pos) {
                self.slots[m].group_pos = p;
            }
            if members.is_empty() {
                self.groups.remove(&key);
            }
        }
    }

    /// Adds slot `idx` (with its info set) to its group, keeping members in pod-name order so that
    /// placement ties go to the first pod by name without comparing names.
    fn join_group(&mut self, idx: usize) {
        let Some(info) = &self.slots[idx].info else {
            return;
        };
        let key = info.group.clone();
        let members = self.groups.entry(key).or_default();
        let slots = &self.slots;
        let name = slots[idx].name();
        let pos = members.partition_point(|&m| slots[m].name() < name);
        members.insert(pos, idx);
        for (p, &m) in members.iter().enumerate().skip(pos) {
            self.slots[m].group_pos = p;
        }
    }

    fn hold(&mut self, holding: &Holding) {
        let s = &mut self.slots[holding.slot];
        s.load.add(&holding.load);
        s.holders += 1;
    }

    fn release(&mut self, holding: &Holding) -> Option<GroupKey> {
        let s = &mut self.slots[holding.slot];
        s.load.sub(&holding.load);
        s.holders = s.holders.saturating_sub(1);
        let group = s.info.as_ref().map(|i| i.group.clone());
        self.maybe_free(holding.slot);
        group
    }

    // === impl Index: pods ===

    /// Records a pod; returns its group when its fitness or capacity changed in a way that may let
    /// waiting Runs fit (a new pod, a fitness flag, capacity, or a heartbeat that turned fresh at `now`).
    pub fn apply_pod(&mut self, info: PodInfo, now: Timestamp) -> Option<GroupKey> {
        let idx = self.slot_for(&info.uid);
        let capacity = self.interned(&info.capacity);
        let old = self.slots[idx].info.take();
        let changed = match &old {
            None => true,
            Some(o) => {
                o.group != info.group
                    || o.statically_fit() != info.statically_fit()
                    || o.capacity != info.capacity
                    || (!fresh(o.heartbeat, now) && fresh(info.heartbeat, now))
            }
        };
        if let Some(o) = old {
            // Put it back so `leave_group` sees where it was.
            let regroup = o.group != info.group;
            self.slots[idx].info = Some(o);
            if regroup {
                self.leave_group(idx);
                self.slots[idx].info = None;
            }
        }
        let group = info.group.clone();
        let joined = self.slots[idx].info.is_none();
        self.slots[idx].fit = info.statically_fit();
        self.slots[idx].heartbeat = info.heartbeat;
        self.slots[idx].info = Some(Box::new(info));
        self.slots[idx].capacity = capacity;
        if joined {
            self.join_group(idx);
        }
        changed.then_some(group)
    }

    /// Forgets a pod (its slot stays while Runs still hold load on it). Returns its group.
    pub fn delete_pod(&mut self, uid: &str) -> Option<GroupKey> {
        let idx = *self.by_uid.get(uid)?;
        let group = self.slots[idx].info.as_ref().map(|i| i.group.clone());
        self.leave_group(idx);
        self.slots[idx].info = None;
        self.slots[idx].fit = false;
        self.slots[idx].capacity = Load::default();
        self.maybe_free(idx);
        group
    }

    /// UIDs of the known pods (for relists).
    pub fn pod_uids(&self) -> Vec<String> {
        self.slots
            .iter()
            .filter(|s| s.info.is_some())
            .map(|s| s.uid.clone())
            .collect()
    }

    /// The pods of `group`, in pod-name order.
    pub fn candidates(&self, group: &GroupKey) -> impl Iterator<Item = &Candidate> + '_ {
        self.groups
            .get(group)
            .into_iter()
            .flatten()
            .map(|&i| &self.slots[i])
    }

    /// Groups that have at least one pod.
    pub fn groups(&self) -> impl Iterator<Item = &GroupKey> + '_ {
        self.groups.keys()
    }

    // === impl Index: runs ===

    /// Records a Run: its holding while `Scheduled`/`Running` on `assignedPodUid`, and drops its
    /// reservation once the binding is observed or it left `Pending`.
    pub fn apply_run(&mut self, run: &Run) -> RunUpdate {
        let Some(uid) = run.metadata.uid.as_deref() else {
            return RunUpdate::default();
        };
        let phase = run.phase();
        let status = run.status.as_ref();
        let assigned = status.and_then(|s| s.assigned_pod_uid.as_deref());
        let mut update = RunUpdate {
            pending: phase == RunPhase::Pending && run.metadata.deletion_timestamp.is_none(),
            freed: None,
        };
        if phase != RunPhase::Pending || assigned.is_some() {
            self.unreserve(uid);
        }
        let wanted = match (phase.is_active(), assigned) {
            (true, Some(pod_uid)) => {
                // Placed Runs were valid; a request the scheduler cannot read still holds one run.
                let requests = resources::requests(run).unwrap_or_else(|_| {
                    Resources::from([(kruntimes_api::consts::RUNS_RESOURCE.to_owned(), 1)])
                });
                Some((pod_uid, requests))
            }
            _ => None,
        };
        let old = self.active.remove(uid);
        if let (Some(o), Some((pod_uid, _))) = (&old, &wanted)
            && self.slots[o.slot].uid == *pod_uid
        {
            // Same pod: requests are immutable, nothing changes.
            self.active.insert(uid.to_owned(), o.clone());
            return update;
        }
        if let Some(o) = old {
            update.freed = self.release(&o);
        }
        if let Some((pod_uid, requests)) = wanted {
            let load = self.interned(&requests);
            let slot = self.slot_for(pod_uid);
            let h = Holding { slot, load };
            self.hold(&h);
            self.active.insert(uid.to_owned(), h);
        }
        update
    }

    /// Forgets a deleted Run; returns the group whose capacity it released.
    pub fn delete_run(&mut self, uid: &str) -> Option<GroupKey> {
        self.unreserve(uid);
        let old = self.active.remove(uid)?;
        self.release(&old)
    }

    /// UIDs of the Runs holding capacity (for relists).
    pub fn active_run_uids(&self) -> Vec<String> {
        self.active.keys().cloned().collect()
    }

    // === impl Index: reservations ===

    /// Holds `request` on the placed pod for Run `run_uid` until [`Index::unreserve`] or the binding is
    /// observed. Replaces an earlier reservation of the same Run.
    pub fn reserve(&mut self, run_uid: &str, placement: &Placement, request: &Request) {
        self.unreserve(run_uid);
        let h = Holding {
            slot: placement.slot,
            load: Load(request.items.clone()),
        };
        self.hold(&h);
        self.assumed.insert(run_uid.to_owned(), h);
    }

    /// Drops the reservation of Run `run_uid` (bind failed); returns the group it was on.
    pub fn unreserve(&mut self, run_uid: &str) -> Option<GroupKey> {
        let h = self.assumed.remove(run_uid)?;
        self.release(&h)
    }

    /// Whether Run `run_uid` has a reservation (its bind is in flight or not yet observed).
    pub fn is_reserved(&self, run_uid: &str) -> bool {
        self.assumed.contains_key(run_uid)
    }

    /// Number of reservations.
    pub fn reservations(&self) -> usize {
        self.assumed.len()
    }

    /// Drops every reservation (a new leader starts from observed assignments only).
    pub fn clear_reservations(&mut self) {
        let all: Vec<String> = self.assumed.keys().cloned().collect();
        for uid in all {
            self.unreserve(&uid);
        }
    }

    /// Names of pods whose load exceeds their capacity for some resource.
    pub fn overcommitted(&self) -> Vec<String> {
        self.slots
            .iter()
            .filter(|s| s.info.is_some())
            .filter(|s| s.load.0.iter().any(|&(id, used)| used > s.capacity.get(id)))
            .map(|s| s.name().to_owned())
            .collect()
    }

    /// Load (used + assumed) of resource `name` on pod `uid`.
    pub fn load(&self, pod_uid: &str, name: &str) -> u64 {
        match (self.by_uid.get(pod_uid), self.names.get(name)) {
            (Some(&i), Some(&id)) => self.slots[i].load.get(id),
            _ => 0,
        }
    }
}

/// Whether a heartbeat at `at` is at most [`HEARTBEAT_FRESH_SECONDS`](kruntimes_api::consts::HEARTBEAT_FRESH_SECONDS)
/// old at `now`.
pub(crate) fn fresh(at: Option<Timestamp>, now: Timestamp) -> bool {
    at.is_some_and(|t| t >= stale_before(now))
}

/// The oldest heartbeat still fresh at `now`.
pub(crate) fn stale_before(now: Timestamp) -> Timestamp {
    now.checked_sub(k8s_openapi::jiff::SignedDuration::from_secs(
        kruntimes_api::consts::HEARTBEAT_FRESH_SECONDS,
    ))
    .unwrap_or(Timestamp::MIN)
}

#[cfg(test)]
pub(crate) mod tests;

//! The placement function: filter the pods of a Run's Runtime, score the rest, pick one.
//!
//! Pure and allocation-free on the success path: it reads the index's slots and the request and returns
//! the least-loaded fit pod, or why none fits.

use std::cmp::Ordering;
use std::fmt::Write as _;

use k8s_openapi::jiff::Timestamp;

use crate::index::{Candidate, Placement, Request, stale_before};

/// Longest unschedulable message, in bytes (it goes into a condition message and a log line).
pub const UNSCHEDULABLE_MESSAGE_MAX_BYTES: usize = 512;

/// Most resources counted separately in a message; a Run requests at most 16 (schema) plus `runs`.
const MAX_COUNTED_RESOURCES: usize = 32;

/// No pod can take the Run now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Unschedulable {
    /// Short human summary counting the rejections per reason, e.g.
    /// `0/5 pods fit: 3 full (runs), 2 heartbeat stale`.
    pub message: String,
}

/// Why the filter rejected a pod; the first failing check wins, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rejection {
    Deleting,
    NotRunning,
    NotReady,
    RuntimedNotReady,
    HeartbeatStale,
    /// The pod does not advertise requested resource #i.
    NotOffered(usize),
    /// Requested resource #i would exceed capacity.
    Full(usize),
}

const FIXED_REASONS: [(Rejection, &str); 5] = [
    (Rejection::Deleting, "deleting"),
    (Rejection::NotRunning, "not running"),
    (Rejection::NotReady, "not ready"),
    (Rejection::RuntimedNotReady, "runtimed not ready"),
    (Rejection::HeartbeatStale, "heartbeat stale"),
];

/// A projected utilisation `num/den` (exact).
#[derive(Clone, Copy, Debug)]
struct Ratio {
    num: u128,
    den: u128,
}

impl Ratio {
    fn cmp(self, other: Ratio) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

/// The sum of utilisations: exact while it fits in `u128`, else approximate.
#[derive(Clone, Copy, Debug)]
enum Sum {
    Exact(Ratio),
    Approx(f64),
}

impl Sum {
    fn add(self, r: Ratio) -> Sum {
        match self {
            Sum::Exact(s) => {
                let exact = s
                    .num
                    .checked_mul(r.den)
                    .zip(r.num.checked_mul(s.den))
                    .and_then(|(a, b)| a.checked_add(b))
                    .zip(s.den.checked_mul(r.den));
                match exact {
                    Some((num, den)) => {
                        let g = gcd(num, den);
                        Sum::Exact(Ratio {
                            num: num / g,
                            den: den / g,
                        })
                    }
                    None => Sum::Approx(s.num as f64 / s.den as f64 + r.num as f64 / r.den as f64),
                }
            }
            Sum::Approx(f) => Sum::Approx(f + r.num as f64 / r.den as f64),
        }
    }

    fn cmp(self, other: Sum) -> Ordering {
        match (self, other) {
            (Sum::Exact(a), Sum::Exact(b)) => a
                .num
                .checked_mul(b.den)
                .zip(b.num.checked_mul(a.den))
                .map_or_else(
                    || self.approx().total_cmp(&other.approx()),
                    |(x, y)| x.cmp(&y),
                ),
            _ => self.approx().total_cmp(&other.approx()),
        }
    }

    fn approx(self) -> f64 {
        match self {
            Sum::Exact(r) => r.num as f64 / r.den as f64,
            Sum::Approx(f) => f,
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// Picks the pod for `request` among `candidates` (the pods of its Runtime in its namespace) at `now`.
///
/// Filter: pod `Running`, not deleting, `Ready=True`, `kruntimes.io/RuntimedReady=True` with a
/// `lastProbeTime` at most 15 s old, and for every requested resource `used + assumed + request ≤
/// capacity` (a resource the pod does not advertise cannot be placed there). Score: least projected max
/// utilisation over the pod's advertised resources (exact rationals), then least projected sum, then the
/// first candidate: [`Index::candidates`](crate::Index::candidates) yields pods in name order, so equal
/// pods are chosen by name, stably, without comparing names in the loop.
pub fn place<'a>(
    request: &Request,
    candidates: impl IntoIterator<Item = &'a Candidate>,
    now: Timestamp,
) -> Result<Placement, Unschedulable> {
    let fresh_after = stale_before(now);
    let mut fixed = [0u32; FIXED_REASONS.len()];
    let mut not_offered = [0u32; MAX_COUNTED_RESOURCES];
    let mut full = [0u32; MAX_COUNTED_RESOURCES];
    let mut total = 0usize;
    let mut best: Option<(&Candidate, Ratio)> = None;
    for c in candidates {
        total += 1;
        match check(request, c, fresh_after) {
            Err(r) => match r {
                Rejection::NotOffered(i) => not_offered[i.min(MAX_COUNTED_RESOURCES - 1)] += 1,
                Rejection::Full(i) => full[i.min(MAX_COUNTED_RESOURCES - 1)] += 1,
                fixed_reason => {
                    if let Some(i) = FIXED_REASONS.iter().position(|(f, _)| *f == fixed_reason) {
                        fixed[i] += 1;
                    }
                }
            },
            Ok(()) => {
                let s = max_utilisation(request, c);
                let better = match &best {
                    None => true,
                    Some((b, bs)) => {
                        s.cmp(*bs).then_with(|| {
                            // The sum only differs from the max with several resources.
                            if c.capacity.0.len() > 1 || b.capacity.0.len() > 1 {
                                sum_utilisation(request, c).cmp(sum_utilisation(request, b))
                            } else {
                                Ordering::Equal
                            }
                        }) == Ordering::Less
                    }
                };
                if better {
                    best = Some((c, s));
                }
            }
        }
    }
    if let Some((c, _)) = best {
        return Ok(Placement {
            pod_name: c.name().to_owned(),
            pod_uid: c.uid().to_owned(),
            slot: c.slot,
        });
    }
    Err(unschedulable(request, total, &fixed, &not_offered, &full))
}

fn check(request: &Request, c: &Candidate, fresh_after: Timestamp) -> Result<(), Rejection> {
    if !c.fit {
        return Err(static_rejection(c));
    }
    if c.heartbeat.is_none_or(|t| t < fresh_after) {
        return Err(Rejection::HeartbeatStale);
    }
    for (i, &(id, amount)) in request.items.iter().enumerate() {
        let Some(&(_, cap)) = c.capacity.0.iter().find(|(r, _)| *r == id) else {
            if amount == 0 {
                continue;
            }
            return Err(Rejection::NotOffered(i));
        };
        if c.load.get(id).saturating_add(amount) > cap {
            return Err(Rejection::Full(i));
        }
    }
    Ok(())
}

/// Why a pod that is not statically fit was rejected (slow path).
fn static_rejection(c: &Candidate) -> Rejection {
    let Some(info) = &c.info else {
        return Rejection::NotRunning;
    };
    if info.deleting {
        return Rejection::Deleting;
    }
    if !info.running {
        return Rejection::NotRunning;
    }
    if !info.ready {
        return Rejection::NotReady;
    }
    Rejection::RuntimedNotReady
}

/// Projected utilisation of each resource the pod advertises.
fn utilisations<'a>(request: &'a Request, c: &'a Candidate) -> impl Iterator<Item = Ratio> + 'a {
    c.capacity.0.iter().map(move |&(id, cap)| {
        let req = request
            .items
            .iter()
            .find(|(r, _)| *r == id)
            .map_or(0, |(_, v)| *v);
        let projected = u128::from(c.load.get(id)) + u128::from(req);
        // A zero capacity passed the filter only with nothing projected on it: utilisation 0.
        if cap == 0 {
            Ratio { num: 0, den: 1 }
        } else {
            Ratio {
                num: projected,
                den: u128::from(cap),
            }
        }
    })
}

fn max_utilisation(request: &Request, c: &Candidate) -> Ratio {
    utilisations(request, c).fold(Ratio { num: 0, den: 1 }, |m, r| {
        if r.cmp(m) == Ordering::Greater { r } else { m }
    })
}

fn sum_utilisation(request: &Request, c: &Candidate) -> Sum {
    utilisations(request, c).fold(Sum::Exact(Ratio { num: 0, den: 1 }), Sum::add)
}

fn unschedulable(
    request: &Request,
    total: usize,
    fixed: &[u32],
    not_offered: &[u32],
    full: &[u32],
) -> Unschedulable {
    if total == 0 {
        return Unschedulable {
            message: format!(
                "no pods for Runtime {:?} in namespace {:?}",
                request.group.runtime, request.group.namespace
            ),
        };
    }
    let mut parts: Vec<String> = Vec::new();
    for (i, name) in request.names.iter().enumerate().take(MAX_COUNTED_RESOURCES) {
        if full[i] > 0 {
            parts.push(format!("{} full ({name})", full[i]));
        }
    }
    for (i, name) in request.names.iter().enumerate().take(MAX_COUNTED_RESOURCES) {
        if not_offered[i] > 0 {
            parts.push(format!("{} without {name}", not_offered[i]));
        }
    }
    for (i, (_, label)) in FIXED_REASONS.iter().enumerate() {
        if fixed[i] > 0 {
            parts.push(format!("{} {label}", fixed[i]));
        }
    }
    let mut message = format!("0/{total} pods fit: ");
    for (i, p) in parts.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        if message.len() + sep.len() + p.len() > UNSCHEDULABLE_MESSAGE_MAX_BYTES - 4 {
            message.push_str(", …");
            break;
        }
        let _ = write!(message, "{sep}{p}");
    }
    Unschedulable { message }
}

#[cfg(test)]
mod tests;

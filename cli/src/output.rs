//! How cluster objects are printed: kubectl-style tables (`-o table|wide`), whole objects (`-o json|yaml`),
//! names (`-o name`), and `krt describe`. Pure functions of the objects and the current time, so their output
//! is checked by golden files.

use std::fmt::Write as _;

use jiff::Timestamp;
use k8s_openapi::api::events::v1::Event;
use kruntimes_api::v1alpha1::{Condition, Grants, Run, Runtime, Time, Workflow};
use kube::ResourceExt;
use serde::Serialize;

/// `-o` of the cluster commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ListFormat {
    /// Columns, one object per line.
    #[default]
    Table,
    /// More columns.
    Wide,
    /// The objects as JSON (a `List` when several).
    Json,
    /// The objects as YAML (a `List` when several).
    Yaml,
    /// `<kind>.<group>/<name>`, one per line.
    Name,
}

/// An object `krt get` prints.
pub(crate) trait Listed: Serialize + ResourceExt {
    /// `run.kruntimes.io` and the like.
    const QUALIFIED: &'static str;
    /// Column headers after NAME.
    fn headers(wide: bool) -> Vec<&'static str>;
    /// Cells after the name.
    fn cells(&self, wide: bool, now: Timestamp) -> Vec<String>;
}

impl Listed for Run {
    const QUALIFIED: &'static str = "run.kruntimes.io";

    fn headers(wide: bool) -> Vec<&'static str> {
        let mut h = vec!["RUNTIME", "PHASE", "REASON", "ATTEMPT", "AGE"];
        if wide {
            h.extend(["POD", "EXIT", "DURATION", "MESSAGE"]);
        }
        h
    }

    fn cells(&self, wide: bool, now: Timestamp) -> Vec<String> {
        let s = self.status.clone().unwrap_or_default();
        let mut c = vec![
            self.spec.template.runtime.clone(),
            s.phase.to_string(),
            s.reason.clone().unwrap_or_default(),
            s.attempt.map(|a| a.to_string()).unwrap_or_default(),
            age(self.creation_timestamp().map(|t| t.0), now),
        ];
        if wide {
            c.extend([
                s.assigned_pod.clone().unwrap_or_default(),
                s.exit_code.map(|e| e.to_string()).unwrap_or_default(),
                duration(s.start_time.as_ref(), s.completion_time.as_ref(), now),
                one_line(s.message.as_deref().unwrap_or_default(), 60),
            ]);
        }
        c
    }
}

impl Listed for Runtime {
    const QUALIFIED: &'static str = "runtime.kruntimes.io";

    fn headers(wide: bool) -> Vec<&'static str> {
        let mut h = vec!["COMPONENT", "READY", "AGE"];
        if wide {
            h.extend(["CAPACITY", "STATUS"]);
        }
        h
    }

    fn cells(&self, wide: bool, now: Timestamp) -> Vec<String> {
        let s = self.status.clone().unwrap_or_default();
        let c = &self.spec.component;
        let component = if let Some(b) = c.builtin {
            format!("builtin:{}", b.as_str())
        } else if let Some(image) = &c.image {
            format!("image:{}", image.reference)
        } else {
            c.url.clone().unwrap_or_default()
        };
        let mut cells = vec![
            component,
            format!(
                "{}/{}",
                s.ready_replicas.unwrap_or(0),
                self.spec.replicas.unwrap_or(1)
            ),
            age(self.creation_timestamp().map(|t| t.0), now),
        ];
        if wide {
            let capacity = self
                .spec
                .capacity
                .as_ref()
                .map(|c| {
                    c.resources
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.0))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let ready = s.conditions.iter().find(|c| c.type_ == "Ready");
            cells.extend([
                capacity,
                ready.map(|c| c.reason.clone()).unwrap_or_default(),
            ]);
        }
        cells
    }
}

impl Listed for Workflow {
    const QUALIFIED: &'static str = "workflow.kruntimes.io";

    fn headers(wide: bool) -> Vec<&'static str> {
        let mut h = vec!["PHASE", "STEPS", "AGE"];
        if wide {
            h.extend(["DURATION", "MESSAGE"]);
        }
        h
    }

    fn cells(&self, wide: bool, now: Timestamp) -> Vec<String> {
        let s = self.status.clone().unwrap_or_default();
        let ended = s.steps.iter().filter(|st| st.phase.is_terminal()).count();
        let mut c = vec![
            phase_name(&s.phase),
            format!("{ended}/{}", self.spec.steps.len()),
            age(self.creation_timestamp().map(|t| t.0), now),
        ];
        if wide {
            c.extend([
                duration(s.start_time.as_ref(), s.completion_time.as_ref(), now),
                one_line(s.message.as_deref().unwrap_or_default(), 60),
            ]);
        }
        c
    }
}

/// `objects` printed in `format`; `single` prints one object rather than a `List` for json and yaml;
/// `namespaces` adds a NAMESPACE column (`-A`).
pub(crate) fn render<K: Listed>(
    objects: &[K],
    format: ListFormat,
    single: bool,
    namespaces: bool,
    now: Timestamp,
) -> anyhow::Result<String> {
    let values = || -> anyhow::Result<serde_json::Value> {
        let mut items = Vec::with_capacity(objects.len());
        for o in objects {
            let mut v = serde_json::to_value(o)?;
            // As kubectl: managedFields are noise unless asked for.
            if let Some(meta) = v.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                meta.remove("managedFields");
            }
            items.push(v);
        }
        Ok(if single && items.len() == 1 {
            items.remove(0)
        } else {
            serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items})
        })
    };
    Ok(match format {
        ListFormat::Json => format!("{}\n", serde_json::to_string_pretty(&values()?)?),
        ListFormat::Yaml => serde_yaml::to_string(&values()?)?,
        ListFormat::Name => objects
            .iter()
            .map(|o| format!("{}/{}\n", K::QUALIFIED, o.name_any()))
            .collect(),
        ListFormat::Table | ListFormat::Wide => {
            let wide = format == ListFormat::Wide;
            let mut header = Vec::new();
            if namespaces {
                header.push("NAMESPACE".to_owned());
            }
            header.push("NAME".to_owned());
            header.extend(K::headers(wide).into_iter().map(str::to_owned));
            let rows = objects.iter().map(|o| {
                let mut row = Vec::new();
                if namespaces {
                    row.push(o.namespace().unwrap_or_default());
                }
                row.push(o.name_any());
                row.extend(o.cells(wide, now));
                row
            });
            table(std::iter::once(header).chain(rows).collect())
        }
    })
}

/// Left-aligned columns separated by three spaces, the last one unpadded (kubectl's layout).
pub(crate) fn table(rows: Vec<Vec<String>>) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                let _ = write!(line, "{cell}{}   ", " ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// kubectl's `HumanDuration` of the time since `since` (`<unknown>` without one).
pub(crate) fn age(since: Option<Timestamp>, now: Timestamp) -> String {
    match since {
        Some(t) => human(now.as_second() - t.as_second()),
        None => "<unknown>".to_owned(),
    }
}

/// A span in seconds the way kubectl prints ages: `45s`, `3m20s`, `59m`, `5h3m`, `2d`, `3d5h`, `1y30d`.
pub(crate) fn human(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    let s = seconds.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let m = s / 60;
    if m < 10 {
        return if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        };
    }
    if m < 180 {
        return format!("{m}m");
    }
    let h = m / 60;
    if h < 8 {
        return if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        };
    }
    if h < 48 {
        return format!("{h}h");
    }
    let d = h / 24;
    if h < 24 * 8 {
        return if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        };
    }
    if d < 365 * 2 {
        return format!("{d}d");
    }
    let y = d / 365;
    if d < 365 * 8 && d % 365 != 0 {
        return format!("{y}y{}d", d % 365);
    }
    format!("{y}y")
}

/// From start to completion (or to now while running); empty before the start.
fn duration(start: Option<&Time>, end: Option<&Time>, now: Timestamp) -> String {
    match start {
        Some(start) => {
            let end = end.map_or(now, |t| t.0);
            human(end.as_second() - start.0.as_second())
        }
        None => String::new(),
    }
}

/// The first line of `text`, cut to `max` characters with `...`.
/// `text` with every control character except newline and tab shown as an escape (`\u{1b}`, `\r`): text a guest
/// wrote (stderr quoted in a message, output values, artifact names) can then neither move the cursor, recolour the
/// terminal nor overwrite a line krt printed.
pub(crate) fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn one_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= max && !text.contains('\n') {
        return line.to_owned();
    }
    let cut: String = line.chars().take(max.saturating_sub(3)).collect();
    format!("{cut}...")
}

/// The serialised name of a phase enum (`Succeeded`).
pub(crate) fn phase_name(phase: &impl Serialize) -> String {
    serde_json::to_value(phase)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `krt describe run`: the Run's spec, status, conditions and Events as aligned sections.
pub(crate) fn describe_run(run: &Run, events: &[Event], now: Timestamp) -> String {
    let mut fields: Vec<(&str, String)> = vec![
        ("Name", run.name_any()),
        ("Namespace", run.namespace().unwrap_or_default()),
        ("Runtime", run.spec.template.runtime.clone()),
    ];
    let t = &run.spec.template;
    if !t.args.is_empty() {
        fields.push(("Args", format!("{:?}", t.args)));
    }
    if let Some(e) = &t.entrypoint {
        fields.push(("Entrypoint", e.clone()));
    }
    if let Some(source) = &t.source {
        let what = match (&source.inline, &source.repo_url) {
            (Some(inline), _) => format!("inline, {} bytes", inline.len()),
            (None, Some(url)) => format!(
                "git {url} at {}",
                source.revision.as_deref().unwrap_or("HEAD")
            ),
            (None, None) => String::new(),
        };
        fields.push(("Source", what));
    }
    for env in &t.env {
        let value = match (&env.value, &env.value_from) {
            (Some(v), _) => v.clone(),
            (None, Some(_)) => "<from a Secret or ConfigMap>".to_owned(),
            (None, None) => String::new(),
        };
        fields.push(("Env", format!("{}={value}", env.name)));
    }
    if let Some(timeout) = t.timeout_seconds {
        fields.push(("Timeout", format!("{timeout}s")));
    }
    if let Some(retry) = &t.retry_policy {
        fields.push((
            "Retry Policy",
            format!(
                "maxAttempts {}, backoff {}s",
                retry.max_attempts.unwrap_or(1),
                retry.backoff_seconds.unwrap_or(0)
            ),
        ));
    }
    if run.spec.cancel_requested == Some(true) {
        fields.push(("Cancel Requested", "true".to_owned()));
    }
    fields.push(("Age", age(run.creation_timestamp().map(|t| t.0), now)));
    let s = run.status.clone().unwrap_or_default();
    fields.push(("Phase", s.phase.to_string()));
    let optional = [
        ("Reason", s.reason.clone()),
        ("Message", s.message.clone()),
        ("Attempt", s.attempt.map(|a| a.to_string())),
        ("Pod", s.assigned_pod.clone()),
        ("Exit Code", s.exit_code.map(|e| e.to_string())),
        ("Started", s.start_time.as_ref().map(|t| t.0.to_string())),
        (
            "Completed",
            s.completion_time.as_ref().map(|t| t.0.to_string()),
        ),
        (
            "Next Attempt",
            s.next_attempt_time.as_ref().map(|t| t.0.to_string()),
        ),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            fields.push((k, v));
        }
    }
    if s.start_time.is_some() {
        fields.push((
            "Duration",
            duration(s.start_time.as_ref(), s.completion_time.as_ref(), now),
        ));
    }
    let mut out = aligned(&fields);
    if !s.outputs.is_empty() {
        out.push_str("Outputs:\n");
        for (k, v) in &s.outputs {
            let _ = writeln!(out, "  {k}={}", one_line(v, 120));
        }
    }
    if !s.artifact_refs.is_empty() {
        out.push_str("Artifacts:\n");
        let rows = std::iter::once(
            ["NAME", "SIZE", "SHA256", "URI"]
                .map(str::to_owned)
                .to_vec(),
        )
        .chain(s.artifact_refs.iter().map(|a| {
            vec![
                a.name.clone(),
                a.size_bytes.to_string(),
                a.sha256.clone(),
                a.uri.clone(),
            ]
        }))
        .collect();
        out.push_str(&indent(&table(rows)));
    }
    if let Some(g) = &s.grants {
        out.push_str("Grants:\n");
        out.push_str(&indent(&aligned(&[
            ("Preopens", preopens(g)),
            ("Env", g.env.join(", ")),
            ("Network", network(g)),
            (
                "Memory",
                format!("{} MiB", g.memory_bytes.unwrap_or(0) >> 20),
            ),
            ("Timeout", format!("{}s", g.timeout_seconds.unwrap_or(0))),
            (
                "Output",
                format!("{} KiB per stream", g.output_bytes.unwrap_or(0) >> 10),
            ),
        ])));
    }
    if let Some(u) = &s.usage {
        out.push_str("Usage:\n");
        out.push_str(&indent(&aligned(&[
            ("Wall", format!("{} ms", u.wall_millis.unwrap_or(0))),
            (
                "Peak Memory",
                format!("{} KiB", u.peak_memory_bytes.unwrap_or(0) / 1024),
            ),
        ])));
    }
    out.push_str(&conditions(&s.conditions, now));
    out.push_str(&events_section(events, now));
    // Guest-written text (stderr in messages, outputs, names) must not drive the terminal.
    terminal_safe(&out).into_owned()
}

/// `krt describe workflow`: the Workflow, one line per step, conditions and Events.
pub(crate) fn describe_workflow(wf: &Workflow, events: &[Event], now: Timestamp) -> String {
    let s = wf.status.clone().unwrap_or_default();
    let mut fields = vec![
        ("Name", wf.name_any()),
        ("Namespace", wf.namespace().unwrap_or_default()),
        ("Age", age(wf.creation_timestamp().map(|t| t.0), now)),
        ("Phase", phase_name(&s.phase)),
    ];
    if let Some(m) = &s.message {
        fields.push(("Message", m.clone()));
    }
    if s.start_time.is_some() {
        fields.push((
            "Duration",
            duration(s.start_time.as_ref(), s.completion_time.as_ref(), now),
        ));
    }
    let mut out = aligned(&fields);
    out.push_str("Steps:\n");
    let rows = std::iter::once(
        ["ID", "PHASE", "RUN", "REASON", "MESSAGE"]
            .map(str::to_owned)
            .to_vec(),
    )
    .chain(wf.spec.steps.iter().map(|step| {
        let st = s.steps.iter().find(|st| st.id == step.id);
        vec![
            step.id.clone(),
            st.map(|st| phase_name(&st.phase))
                .unwrap_or_else(|| "Pending".to_owned()),
            st.and_then(|st| st.run_name.clone()).unwrap_or_default(),
            st.and_then(|st| st.reason.clone()).unwrap_or_default(),
            st.and_then(|st| st.message.as_deref().map(|m| one_line(m, 60)))
                .unwrap_or_default(),
        ]
    }))
    .collect();
    out.push_str(&indent(&table(rows)));
    if !s.outputs.is_empty() {
        out.push_str("Outputs:\n");
        for (k, v) in &s.outputs {
            let _ = writeln!(out, "  {k}={}", one_line(v, 120));
        }
    }
    out.push_str(&conditions(&s.conditions, now));
    out.push_str(&events_section(events, now));
    // Guest-written text (stderr in messages, outputs, names) must not drive the terminal.
    terminal_safe(&out).into_owned()
}

/// `krt describe runtime`.
pub(crate) fn describe_runtime(rt: &Runtime, events: &[Event], now: Timestamp) -> String {
    let cells = rt.cells(true, now);
    let s = rt.status.clone().unwrap_or_default();
    let fields = vec![
        ("Name", rt.name_any()),
        ("Namespace", rt.namespace().unwrap_or_default()),
        ("Component", cells[0].clone()),
        ("Ready", cells[1].clone()),
        ("Age", cells[2].clone()),
        ("Capacity", cells[3].clone()),
        ("Deployment", format!("runtime-{}", rt.name_any())),
    ];
    let mut out = aligned(&fields);
    out.push_str(&grants_section(rt));
    if let Some(c) = &s.component {
        out.push_str(&component_section(c));
    }
    out.push_str(&conditions(&s.conditions, now));
    out.push_str(&events_section(events, now));
    // Guest-written text (stderr in messages, outputs, names) must not drive the terminal.
    terminal_safe(&out).into_owned()
}

/// What the Runtime grants its Runs beyond their workspace.
fn grants_section(rt: &Runtime) -> String {
    let caps = rt.spec.capabilities.clone().unwrap_or_default();
    let network = if caps.network.is_empty() {
        "<none>".to_owned()
    } else {
        caps.network.join(", ")
    };
    let mounts = if caps.mounts.is_empty() {
        "<none>".to_owned()
    } else {
        caps.mounts
            .iter()
            .map(|m| format!("{} (ro, from {})", m.guest_path, m.path))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "Grants:\n{}",
        indent(&aligned(&[("Network", network), ("Mounts", mounts)]))
    )
}

/// What runtimed reported of the component it loaded (`status.component`).
fn component_section(c: &kruntimes_api::v1alpha1::ComponentStatus) -> String {
    let mut fields = vec![
        ("Source", c.source.clone().unwrap_or_default()),
        ("SHA256", c.sha256.clone().unwrap_or_default()),
    ];
    let imports = if c.imports.is_empty() {
        "<none>".to_owned()
    } else {
        c.imports.join("\n")
    };
    fields.push(("Imports", imports));
    for (label, list) in [("Problems", &c.problems), ("Notes", &c.notes)] {
        if !list.is_empty() {
            fields.push((label, list.join("\n")));
        }
    }
    format!("Loaded component:\n{}", indent(&aligned(&fields)))
}

fn aligned(fields: &[(&str, String)]) -> String {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for (k, v) in fields {
        // A multi-line value continues under its first line.
        let mut lines = v.lines();
        let label = format!("{k}:");
        let _ = writeln!(out, "{label:<width$}{}", lines.next().unwrap_or_default());
        for line in lines {
            let _ = writeln!(out, "{:width$}{line}", "");
        }
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn conditions(conditions: &[Condition], now: Timestamp) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let rows = std::iter::once(
        ["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"]
            .map(str::to_owned)
            .to_vec(),
    )
    .chain(conditions.iter().map(|c| {
        vec![
            c.type_.clone(),
            c.status.clone(),
            c.reason.clone(),
            age(Some(c.last_transition_time.0), now),
            one_line(&c.message, 80),
        ]
    }))
    .collect();
    format!("Conditions:\n{}", indent(&table(rows)))
}

fn events_section(events: &[Event], now: Timestamp) -> String {
    if events.is_empty() {
        return "Events:  <none>\n".to_owned();
    }
    let rows = std::iter::once(
        ["TYPE", "REASON", "AGE", "FROM", "MESSAGE"]
            .map(str::to_owned)
            .to_vec(),
    )
    .chain(events.iter().map(|e| {
        let at = e
            .deprecated_last_timestamp
            .as_ref()
            .map(|t| t.0)
            .or(e.event_time.as_ref().map(|t| t.0));
        vec![
            e.type_.clone().unwrap_or_default(),
            e.reason.clone().unwrap_or_default(),
            age(at, now),
            e.reporting_controller.clone().unwrap_or_default(),
            one_line(e.note.as_deref().unwrap_or_default(), 80),
        ]
    }))
    .collect();
    format!("Events:\n{}", indent(&table(rows)))
}

#[cfg(test)]
mod tests;

/// A Run's preopens as `guest path (ro|rw)`, comma-separated.
///
/// The `.` preopen is the workspace again, under the name relative paths resolve through (WASI has no current
/// directory of its own): it is shown with the workspace, not as a second directory.
pub(crate) fn preopens(g: &Grants) -> String {
    let has_dot = g.preopens.iter().any(|p| p.guest_path == ".");
    let preopens: Vec<String> = g
        .preopens
        .iter()
        .filter(|p| p.guest_path != ".")
        .map(|p| {
            let access = if p.read_only { "ro" } else { "rw" };
            if has_dot && p.guest_path == "/workspace" {
                format!("/workspace ({access}, the working directory)")
            } else {
                format!("{} ({access})", p.guest_path)
            }
        })
        .collect();
    preopens.join(", ")
}

/// A Run's network grant: the destinations, or `none`.
pub(crate) fn network(g: &Grants) -> String {
    if g.network.is_empty() {
        "none".to_owned()
    } else {
        g.network.join(", ")
    }
}

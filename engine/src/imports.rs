//! What a component asks of the host, read from its binary without compiling it ([`inspect`]), and whether
//! runtimed can run it under a Runtime's grants ([`check`]). runtimed checks every component it registers, and
//! `krt runtime check FILE.wasm` runs the same check offline, so a component that cannot work is refused with
//! the list of what is wrong before any Run is placed.
//!
//! The host provides WASI 0.2 (`wasi:cli`, `wasi:io`, `wasi:clocks`, `wasi:filesystem`, `wasi:random`,
//! `wasi:sockets`) and `kruntimes:runtime` (`spawn`, `outputs`, `log`). An import of anything else cannot be
//! satisfied: the component is refused. Imports the Runtime's grants make useless are reported as notes, not
//! refused: many toolchains import `wasi:sockets` whether or not the program opens a socket (CPython does), and
//! `spawn` is harmless without programs (every spawn is denied).

use wasmparser::{Encoding, Parser, Payload};

use kruntimes_api::v1alpha1::ComponentStatus;

use crate::capabilities::RuntimeCapabilities;

/// The interface a `wasi:cli/command` exports.
const RUN_EXPORT: &str = "wasi:cli/run";

/// A component's interface, as its binary declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentInterface {
    /// Top-level imports (`wasi:cli/environment@0.2.6`, ...), in binary order.
    pub imports: Vec<String>,
    /// Top-level exports (`wasi:cli/run@0.2.6`, ...), in binary order.
    pub exports: Vec<String>,
}

/// What [`check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Why the component cannot run here; empty when it can.
    pub problems: Vec<String>,
    /// What will not work under these grants, though the component can run.
    pub notes: Vec<String>,
}

/// Reads the top-level imports and exports of a component binary.
///
/// # Errors
///
/// A message when `bytes` is not a well-formed component (a core module is refused by name).
pub fn inspect(bytes: &[u8]) -> Result<ComponentInterface, String> {
    let mut interface = ComponentInterface {
        imports: Vec::new(),
        exports: Vec::new(),
    };
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| format!("not a valid WebAssembly binary: {e}"))?;
        match payload {
            Payload::Version { encoding, .. } if depth == 0 && encoding != Encoding::Component => {
                return Err("a core WebAssembly module, not a component: build for wasm32-wasip2 (or wrap it \
                            with `wasm-tools component new`)"
                    .to_owned());
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| format!("bad import section: {e}"))?;
                    interface.imports.push(import.name.name.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    let export = export.map_err(|e| format!("bad export section: {e}"))?;
                    interface.exports.push(export.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(interface)
}

/// `package/interface` of an interface name, without namespace version (`wasi:cli/run@0.2.6` → `wasi:cli/run`).
fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(n, _)| n)
}

/// Whether runtimed provides `import`.
fn provided(import: &str) -> bool {
    let name = unversioned(import);
    let Some((package, _interface)) = name.split_once('/') else {
        return false;
    };
    matches!(
        package,
        "wasi:cli" | "wasi:io" | "wasi:clocks" | "wasi:filesystem" | "wasi:random" | "wasi:sockets"
    ) || matches!(
        name,
        "kruntimes:runtime/spawn" | "kruntimes:runtime/outputs" | "kruntimes:runtime/log"
    )
}

/// Whether runtimed can run a component with `interface` under `grants`. See the module docs.
pub fn check(interface: &ComponentInterface, grants: &RuntimeCapabilities) -> Verdict {
    let mut verdict = Verdict::default();
    if !interface
        .exports
        .iter()
        .any(|e| unversioned(e) == RUN_EXPORT)
    {
        verdict.problems.push(format!(
            "exports no {RUN_EXPORT}: it is not a wasi:cli/command (build a binary, not a library, for \
             wasm32-wasip2)"
        ));
    }
    let unsupported: Vec<&str> = interface
        .imports
        .iter()
        .map(String::as_str)
        .filter(|i| !provided(i))
        .collect();
    if !unsupported.is_empty() {
        verdict.problems.push(format!(
            "imports what runtimed does not provide: {} (runtimed provides WASI 0.2 cli, io, clocks, filesystem, \
             random, sockets and kruntimes:runtime spawn, outputs, log)",
            unsupported.join(", ")
        ));
    }
    let sockets: Vec<&str> = interface
        .imports
        .iter()
        .map(String::as_str)
        .filter(|i| unversioned(i).starts_with("wasi:sockets/"))
        .collect();
    if !sockets.is_empty() && grants.network.is_empty() {
        verdict.notes.push(format!(
            "imports {}, but the Runtime grants no network (spec.capabilities.network): every connection \
             will be refused",
            sockets.join(", ")
        ));
    }
    if interface
        .imports
        .iter()
        .any(|i| unversioned(i) == "kruntimes:runtime/spawn")
        && grants.programs.is_empty()
    {
        verdict.notes.push(
            "imports kruntimes:runtime/spawn, but the Runtime maps no programs: every spawn will be denied"
                .to_owned(),
        );
    }
    verdict
}

/// [`inspect`] then [`check`] under `grants`: a binary that is not a well-formed component has no imports or
/// exports and one problem saying why.
pub fn examine(bytes: &[u8], grants: &RuntimeCapabilities) -> (ComponentInterface, Verdict) {
    match inspect(bytes) {
        Ok(interface) => {
            let verdict = check(&interface, grants);
            (interface, verdict)
        }
        Err(problem) => (
            ComponentInterface {
                imports: Vec::new(),
                exports: Vec::new(),
            },
            Verdict {
                problems: vec![problem],
                notes: Vec::new(),
            },
        ),
    }
}

/// Most entries and bytes per entry of each list of [`describe`]'s report (the limits of `Runtime.status.component`).
const REPORT_MAX_IMPORTS: usize = 256;
const REPORT_MAX_MESSAGES: usize = 16;
const REPORT_MAX_ENTRY_BYTES: usize = 256;
const REPORT_MAX_MESSAGE_BYTES: usize = 1024;

/// What runtimed reports of a component in `Runtime.status.component`: `source`, the sha256 of `bytes`, its
/// imports, and the problems and notes of [`check`] under `grants`. Lists longer than the API allows end with an
/// entry saying how many were left out; over-long entries end with `…`.
pub fn describe(source: &str, bytes: &[u8], grants: &RuntimeCapabilities) -> ComponentStatus {
    use sha2::{Digest, Sha256};
    let (interface, verdict) = examine(bytes, grants);
    ComponentStatus {
        source: Some(source.to_owned()),
        sha256: Some(hex::encode(Sha256::digest(bytes))),
        imports: bounded_list(
            interface.imports,
            REPORT_MAX_IMPORTS,
            REPORT_MAX_ENTRY_BYTES,
        ),
        problems: bounded_list(
            verdict.problems,
            REPORT_MAX_MESSAGES,
            REPORT_MAX_MESSAGE_BYTES,
        ),
        notes: bounded_list(verdict.notes, REPORT_MAX_MESSAGES, REPORT_MAX_MESSAGE_BYTES),
    }
}

/// At most `max` entries of at most `max_bytes` each; what is cut is marked.
fn bounded_list(mut list: Vec<String>, max: usize, max_bytes: usize) -> Vec<String> {
    if list.len() > max {
        let left_out = list.len() - (max - 1);
        list.truncate(max - 1);
        list.push(format!("… and {left_out} more"));
    }
    for entry in &mut list {
        if entry.len() > max_bytes {
            *entry = kruntimes_api::lifecycle::bounded_to(entry, max_bytes);
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report of a real component: digest of the bytes, its imports, no problems; garbage is reported as a
    /// problem with the digest still set; long lists and entries are cut with a marker, within the API limits.
    #[test]
    fn describe_reports_digest_imports_and_problems_within_the_api_limits() {
        let wasm = wat_component();
        let report = describe("builtin:x", &wasm, &RuntimeCapabilities::default());
        assert_eq!(report.source.as_deref(), Some("builtin:x"));
        assert_eq!(report.sha256.as_deref().map(str::len), Some(64));
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.contains("exports no wasi:cli/run")),
            "{report:?}"
        );

        let garbage = describe("u", b"not wasm", &RuntimeCapabilities::default());
        assert!(garbage.imports.is_empty());
        assert!(
            garbage.problems[0].contains("not a valid WebAssembly binary"),
            "{garbage:?}"
        );
        assert_eq!(
            garbage.sha256.as_deref(),
            Some("dc0cbbe931352caad7a936203e1d540bb96efc8aaafbf760fb94774364aeac06")
        );

        let long: Vec<String> = (0..300).map(|i| format!("wasi:x/i{i}")).collect();
        let cut = bounded_list(long, 256, 256);
        assert_eq!(cut.len(), 256);
        assert_eq!(cut[255], "… and 45 more");
        let cut = bounded_list(vec!["é".repeat(600)], 16, 1024);
        assert!(
            cut[0].len() <= 1024 && cut[0].ends_with("..."),
            "{}",
            cut[0].len()
        );
    }

    /// The smallest component: no imports, no exports.
    fn wat_component() -> Vec<u8> {
        // `(component)` in the binary format: magic, version 0x0d, layer 1.
        vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]
    }

    fn iface(imports: &[&str], exports: &[&str]) -> ComponentInterface {
        ComponentInterface {
            imports: imports.iter().map(|s| (*s).to_owned()).collect(),
            exports: exports.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A command importing only WASI and our interfaces passes; sockets without network and spawn without
    /// programs are notes, not refusals.
    #[test]
    fn a_wasi_command_passes_with_notes_for_ungranted_capabilities() {
        let i = iface(
            &[
                "wasi:cli/environment@0.2.6",
                "wasi:sockets/tcp@0.2.6",
                "kruntimes:runtime/spawn@0.1.0",
            ],
            &["wasi:cli/run@0.2.6"],
        );
        let verdict = check(&i, &RuntimeCapabilities::default());
        assert!(verdict.problems.is_empty(), "{verdict:?}");
        assert_eq!(verdict.notes.len(), 2, "{verdict:?}");
        assert!(verdict.notes[0].contains("wasi:sockets/tcp@0.2.6"));
        let granted = RuntimeCapabilities {
            network: vec!["example.com:443".to_owned()],
            programs: [("ls".to_owned(), "ls".to_owned())].into(),
            ..RuntimeCapabilities::default()
        };
        assert_eq!(check(&i, &granted), Verdict::default());
    }

    /// Unknown interfaces and a missing `wasi:cli/run` are refused, each named.
    #[test]
    fn unsupported_imports_and_libraries_are_refused_by_name() {
        let i = iface(
            &[
                "wasi:http/outgoing-handler@0.2.6",
                "acme:secrets/vault",
                "wasi:io/streams@0.2.6",
            ],
            &["acme:lib/api"],
        );
        let verdict = check(&i, &RuntimeCapabilities::default());
        assert_eq!(verdict.problems.len(), 2, "{verdict:?}");
        assert!(verdict.problems[0].starts_with("exports no wasi:cli/run"));
        assert!(
            verdict.problems[1].contains("wasi:http/outgoing-handler@0.2.6, acme:secrets/vault")
                && !verdict.problems[1].contains("wasi:io/streams"),
            "{verdict:?}"
        );
    }

    /// A core module and garbage are told apart from a component.
    #[test]
    fn non_components_are_refused_with_what_they_are() {
        let core = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
        assert!(
            inspect(&core)
                .unwrap_err()
                .contains("core WebAssembly module")
        );
        assert!(
            inspect(b"not wasm")
                .unwrap_err()
                .contains("not a valid WebAssembly binary")
        );
    }
}

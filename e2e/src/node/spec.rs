//! PURE: how a container of a pod becomes a process on this machine: which program, which arguments and
//! environment, with the container's paths and ports mapped to the host's.
//!
//! A pod on a real node sees its volumes at their `mountPath`s, its image's files at their own paths, and listens
//! on its own IP. On the stand-in every pod shares the host's file system and loopback, so each path a container
//! names is rewritten to the host directory that backs it, and each listen address to a loopback port of its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Container, EnvVar, Pod};

/// How a container path maps to this machine: longest prefix first.
#[derive(Debug, Clone, Default)]
pub struct PathMap {
    entries: Vec<(String, PathBuf)>,
}

impl PathMap {
    /// Maps `container` (an absolute path in the container) to `host`.
    pub fn insert(&mut self, container: &str, host: PathBuf) {
        let container = container.trim_end_matches('/').to_owned();
        self.entries.retain(|(c, _)| *c != container);
        self.entries.push((container, host));
        self.entries
            .sort_by_key(|(c, _)| std::cmp::Reverse(c.len()));
    }

    /// The host path of `value` if it is a container path under a mapped prefix.
    pub fn rewrite(&self, value: &str) -> Option<String> {
        self.entries.iter().find_map(|(prefix, host)| {
            let rest = value.strip_prefix(prefix.as_str())?;
            if rest.is_empty() {
                Some(host.display().to_string())
            } else {
                rest.strip_prefix('/')
                    .map(|rest| host.join(rest).display().to_string())
            }
        })
    }
}

/// The container port a listen address names, for `0.0.0.0:N`, `[::]:N` and `:N`.
pub fn listen_port(value: &str) -> Option<u16> {
    let port = value
        .strip_prefix("0.0.0.0:")
        .or_else(|| value.strip_prefix("[::]:"))
        .or_else(|| value.strip_prefix(':'))?;
    port.parse().ok()
}

/// Rewrites one argument or environment value: a container path to its host path, a wildcard listen address to
/// `127.0.0.1:<host port>` (allocating one per container port through `port`). `--flag=value` is rewritten on its
/// value.
pub fn rewrite_value(value: &str, paths: &PathMap, port: &mut dyn FnMut(u16) -> u16) -> String {
    if let Some((flag, v)) = value.split_once('=')
        && flag.starts_with("--")
    {
        return format!("{flag}={}", rewrite_value(v, paths, port));
    }
    if let Some(container_port) = listen_port(value) {
        return format!("127.0.0.1:{}", port(container_port));
    }
    // `NAME=/path` pairs (e.g. `--component runtime=/opt/...`) carry a path after the first `=`.
    if let Some(host) = paths.rewrite(value) {
        return host;
    }
    if let Some((name, v)) = value.split_once('=')
        && let Some(host) = paths.rewrite(v)
    {
        return format!("{name}={host}");
    }
    value.to_owned()
}

/// Expands `$(VAR)` references the way the kubelet does: a defined variable is replaced, `$$` is a literal `$`,
/// anything else is kept as written.
pub fn expand(value: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
            && let Some(v) = env.get(&inner[..end])
        {
            out.push_str(v);
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The value of a downward-API `fieldRef` of `pod`, as the kubelet resolves it.
pub fn field_value(pod: &Pod, path: &str, pod_ip: &str) -> Option<String> {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let lookup = |map: &Option<BTreeMap<String, String>>, key: &str| {
        map.as_ref().and_then(|m| m.get(key)).cloned()
    };
    let bracket = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("['"))
            .and_then(|r| r.strip_suffix("']"))
            .map(str::to_owned)
    };
    match path {
        "metadata.name" => meta.name.clone(),
        "metadata.namespace" => meta.namespace.clone(),
        "metadata.uid" => meta.uid.clone(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()),
        "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()),
        "status.podIP" | "status.hostIP" => Some(pod_ip.to_owned()),
        "status.podIPs" | "status.hostIPs" => Some(pod_ip.to_owned()),
        _ => {
            if let Some(key) = bracket("metadata.labels") {
                lookup(&meta.labels, &key)
            } else if let Some(key) = bracket("metadata.annotations") {
                lookup(&meta.annotations, &key)
            } else {
                None
            }
        }
    }
}

/// What a container needs resolved from the API (Secrets and ConfigMaps it reads through `env`).
pub trait Lookup {
    /// `key` of Secret `name`, if present.
    fn secret(&mut self, name: &str, key: &str) -> Option<String>;
    /// `key` of ConfigMap `name`, if present.
    fn config_map(&mut self, name: &str, key: &str) -> Option<String>;
}

/// The container's environment: its `env` in order (each may refer to the earlier ones with `$(VAR)`), values
/// from the downward API, Secrets and ConfigMaps; an unresolvable required reference is an error naming it.
pub fn environment(
    pod: &Pod,
    container: &Container,
    pod_ip: &str,
    lookup: &mut dyn Lookup,
) -> Result<BTreeMap<String, String>, String> {
    let mut env = BTreeMap::new();
    for EnvVar {
        name,
        value,
        value_from,
    } in container.env.iter().flatten()
    {
        let resolved = if let Some(value) = value {
            Some(expand(value, &env))
        } else if let Some(from) = value_from {
            if let Some(field) = &from.field_ref {
                Some(field_value(pod, &field.field_path, pod_ip).ok_or_else(|| {
                    format!("env {name}: unsupported fieldRef {}", field.field_path)
                })?)
            } else if let Some(r) = &from.secret_key_ref {
                let v = lookup.secret(&r.name, &r.key);
                if v.is_none() && !r.optional.unwrap_or(false) {
                    return Err(format!(
                        "env {name}: Secret {} has no key {}",
                        r.name, r.key
                    ));
                }
                v
            } else if let Some(r) = &from.config_map_key_ref {
                let v = lookup.config_map(&r.name, &r.key);
                if v.is_none() && !r.optional.unwrap_or(false) {
                    return Err(format!(
                        "env {name}: ConfigMap {} has no key {}",
                        r.name, r.key
                    ));
                }
                v
            } else {
                return Err(format!(
                    "env {name}: this node stand-in resolves fieldRef, secretKeyRef and configMapKeyRef only"
                ));
            }
        } else {
            Some(String::new())
        };
        if let Some(v) = resolved {
            env.insert(name.clone(), v);
        }
    }
    Ok(env)
}

/// The process of one container: program, arguments and environment, all mapped to this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSpec {
    /// The program to run.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment (nothing else of the stand-in's environment is passed on).
    pub env: BTreeMap<String, String>,
    /// Container port → host port, for probes.
    pub ports: BTreeMap<u16, u16>,
}

/// The process for `container`, whose image's entrypoint is `program`. `command` is ignored: images of kruntimes
/// have one entrypoint, the program; `args` are the container's.
pub fn process(
    program: &Path,
    container: &Container,
    env: BTreeMap<String, String>,
    paths: &PathMap,
    port: &mut dyn FnMut(u16) -> u16,
) -> ProcessSpec {
    let mut ports = BTreeMap::new();
    let mut map_port = |p: u16| {
        let host = port(p);
        ports.insert(p, host);
        host
    };
    for p in container.ports.iter().flatten() {
        if let Ok(p) = u16::try_from(p.container_port) {
            map_port(p);
        }
    }
    let env: BTreeMap<String, String> = env
        .into_iter()
        .map(|(k, v)| {
            let v = rewrite_value(&v, paths, &mut map_port);
            (k, v)
        })
        .collect();
    let args = container
        .args
        .iter()
        .flatten()
        .map(|a| rewrite_value(&expand(a, &env), paths, &mut map_port))
        .collect();
    ProcessSpec {
        program: program.to_path_buf(),
        args,
        env,
        ports,
    }
}

/// The name an image is known by here: the last path segment of its repository, without tag or digest
/// (`ghcr.io/kruntimes/runtimed:0.1.0@sha256:...` → `runtimed`).
pub fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;

    fn paths() -> PathMap {
        let mut p = PathMap::default();
        p.insert("/var/lib/runtimed/workspaces", "/n/pod/workspaces".into());
        p.insert("/var/lib/runtimed", "/n/pod/lib".into());
        p.insert("/opt/kruntimes/builtins/", "/repo/builtins".into());
        p
    }

    #[test]
    fn paths_map_by_longest_prefix_and_whole_segments() {
        let p = paths();
        assert_eq!(
            p.rewrite("/var/lib/runtimed/workspaces/x").unwrap(),
            "/n/pod/workspaces/x"
        );
        assert_eq!(
            p.rewrite("/var/lib/runtimed/cache").unwrap(),
            "/n/pod/lib/cache"
        );
        assert_eq!(
            p.rewrite("/opt/kruntimes/builtins").unwrap(),
            "/repo/builtins"
        );
        assert_eq!(p.rewrite("/var/lib/runtimedx"), None);
        assert_eq!(p.rewrite("relative"), None);
    }

    #[test]
    fn values_map_paths_ports_and_flag_forms() {
        let p = paths();
        let mut next = 40000;
        let mut seen = BTreeMap::new();
        let mut port = |c: u16| {
            *seen.entry(c).or_insert_with(|| {
                next += 1;
                next
            })
        };
        assert_eq!(
            rewrite_value("0.0.0.0:9090", &p, &mut port),
            "127.0.0.1:40001"
        );
        assert_eq!(
            rewrite_value("--metrics=:8082", &p, &mut port),
            "--metrics=127.0.0.1:40002"
        );
        assert_eq!(rewrite_value("[::]:9090", &p, &mut port), "127.0.0.1:40001");
        assert_eq!(
            rewrite_value("--builtins=/opt/kruntimes/builtins", &p, &mut port),
            "--builtins=/repo/builtins"
        );
        assert_eq!(
            rewrite_value("greet=/var/lib/runtimed/c.wasm", &p, &mut port),
            "greet=/n/pod/lib/c.wasm"
        );
        assert_eq!(rewrite_value("127.0.0.1:80", &p, &mut port), "127.0.0.1:80");
        assert_eq!(rewrite_value("8", &p, &mut port), "8");
    }

    #[test]
    fn expansion_follows_the_kubelet() {
        let env = BTreeMap::from([("A".to_owned(), "x".to_owned())]);
        assert_eq!(expand("$(A)-$(B)-$$(A)-$", &env), "x-$(B)-$(A)-$");
    }

    #[test]
    fn image_names() {
        assert_eq!(
            image_name("ghcr.io/kruntimes/runtimed:0.1.0@sha256:ab"),
            "runtimed"
        );
        assert_eq!(image_name("localhost:5000/controller"), "controller");
        assert_eq!(image_name("kruntimes-runtimed:test"), "kruntimes-runtimed");
    }
}

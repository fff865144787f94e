//! Unit tests of the capability policy: spec → grants, and grants → WASI context, without running a guest.

use std::net::SocketAddr;

use wasmtime_wasi::sockets::SocketAddrUse;

use super::network::check_socket_addr;
use super::*;
use crate::spec::RunId;

fn spec() -> RunSpec {
    RunSpec::new(RunId::new("uid", 1).unwrap(), "python")
}

fn grant_default(spec: &RunSpec) -> std::result::Result<Grants, PolicyError> {
    grant(
        spec,
        &RuntimePolicy::default(),
        &HostConfig::default(),
        Path::new("/var/lib/kruntimes/workspaces/uid-1"),
    )
}

fn policy_with(limits: RuntimeLimits) -> RuntimePolicy {
    RuntimePolicy {
        limits,
        capabilities: RuntimeCapabilities::default(),
    }
}

fn env_value<'a>(grants: &'a Grants, name: &str) -> Option<&'a str> {
    grants
        .env
        .iter()
        .find(|v| v.name == name)
        .map(|v| v.value.as_str())
}

/// With nothing declared, a Run gets only its workspace, host-set variables, no network and the host defaults.
#[test]
fn minimal_spec_gets_deny_by_default_grants() {
    let grants = grant_default(&spec()).unwrap();
    let guest_paths: Vec<_> = grants
        .preopens
        .iter()
        .map(|p| p.guest_path.as_str())
        .collect();
    assert_eq!(guest_paths, ["/workspace", "."]);
    assert!(grants.preopens.iter().all(|p| p.access == Access::ReadWrite
        && p.host_path == Path::new("/var/lib/kruntimes/workspaces/uid-1")));
    assert_eq!(grants.args, ["python"]);
    let names: Vec<_> = grants.env.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, RESERVED_ENV);
    assert_eq!(env_value(&grants, "HOME"), Some("/workspace"));
    assert_eq!(env_value(&grants, "PWD"), Some("/workspace"));
    assert_eq!(
        env_value(&grants, "KRUNTIME_OUTPUTS"),
        Some("/workspace/.kruntimes/outputs")
    );
    assert_eq!(
        env_value(&grants, "KRUNTIME_ARTIFACTS_DIR"),
        Some("/workspace/.kruntimes/artifacts")
    );
    assert!(grants.network.is_empty());
    assert_eq!(grants.memory_bytes, 256 << 20);
    assert_eq!(grants.timeout(), Duration::from_secs(600));
    assert_eq!(
        (grants.stdout_bytes, grants.stderr_bytes),
        (1 << 20, 1 << 20)
    );
}

/// argv is the runtime name, the entrypoint, then the Run's args; env keeps order and the last duplicate wins.
#[test]
fn args_and_env_are_passed_through() {
    let mut spec = spec();
    spec.entrypoint = Some("main.py".into());
    spec.args = vec!["--x".into(), "two words".into()];
    spec.env = vec![
        ("B".into(), "1".into()),
        ("A".into(), "x=y".into()),
        ("B".into(), "2".into()),
    ];
    let grants = grant_default(&spec).unwrap();
    assert_eq!(grants.args, ["python", "main.py", "--x", "two words"]);
    let pairs: Vec<_> = grants.env[..2]
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(pairs, [("B", "2"), ("A", "x=y")]);
}

/// Timeouts: the default is bounded by the Runtime, a request over the Runtime's limit is refused with a message
/// naming the field and the limit.
#[test]
fn timeout_is_bounded_by_runtime_and_host() {
    let policy = policy_with(RuntimeLimits {
        max_timeout: Some(Duration::from_secs(3600)),
        ..RuntimeLimits::default()
    });
    let host = HostConfig::default();
    let ws = Path::new("/w");
    let mut spec = spec();
    spec.timeout = Some(Duration::from_secs(7200));
    let err = grant(&spec, &policy, &host, ws).unwrap_err();
    assert_eq!(
        err.to_string(),
        "timeoutSeconds 7200 exceeds the Runtime's limit of 3600"
    );
    assert_eq!(err.reason(), "LimitExceeded");

    spec.timeout = Some(Duration::from_secs(3600));
    assert_eq!(
        grant(&spec, &policy, &host, ws).unwrap().timeout_ms,
        3_600_000
    );

    spec.timeout = None;
    let short = policy_with(RuntimeLimits {
        max_timeout: Some(Duration::from_secs(30)),
        ..RuntimeLimits::default()
    });
    assert_eq!(
        grant(&spec, &short, &host, ws).unwrap().timeout(),
        Duration::from_secs(30)
    );

    spec.timeout = Some(Duration::ZERO);
    assert_eq!(
        grant(&spec, &policy, &host, ws).unwrap_err(),
        PolicyError::TimeoutZero
    );

    spec.timeout = Some(Duration::from_secs(100_000));
    let err = grant_default(&spec).unwrap_err();
    assert_eq!(
        err.to_string(),
        "timeoutSeconds 100000 exceeds the host's limit of 86400"
    );

    let greedy = policy_with(RuntimeLimits {
        max_timeout: Some(Duration::from_secs(100_000)),
        ..RuntimeLimits::default()
    });
    let err = grant(&spec, &greedy, &host, ws).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Runtime maxTimeoutSeconds of 100000 exceeds the host's limit of 86400"
    );
}

/// Memory and output limits come from the Runtime, default from the host and never exceed the host ceiling.
#[test]
fn memory_and_output_limits_respect_host_ceiling() {
    let ws = Path::new("/w");
    let host = HostConfig::default();
    let policy = policy_with(RuntimeLimits {
        memory_bytes: Some(64 << 20),
        output_bytes: Some(4096),
        ..RuntimeLimits::default()
    });
    let grants = grant(&spec(), &policy, &host, ws).unwrap();
    assert_eq!(grants.memory_bytes, 64 << 20);
    assert_eq!((grants.stdout_bytes, grants.stderr_bytes), (4096, 4096));

    let policy = policy_with(RuntimeLimits {
        memory_bytes: Some(8 << 30),
        ..RuntimeLimits::default()
    });
    let err = grant(&spec(), &policy, &host, ws).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Runtime memory limit of 8 GiB exceeds the host's limit of 4 GiB"
    );
    assert_eq!(err.reason(), "InvalidRuntime");

    let policy = policy_with(RuntimeLimits {
        output_bytes: Some(0),
        ..RuntimeLimits::default()
    });
    assert_eq!(
        grant(&spec(), &policy, &host, ws).unwrap_err().to_string(),
        "Runtime output limit must be greater than 0"
    );
}

/// A Run may request lower (or, when its Runtime declares none, higher) memory and output limits, never above the
/// Runtime's limit or the host's ceiling.
#[test]
fn requested_limits_are_bounded_by_runtime_then_host() {
    let ws = Path::new("/w");
    let host = HostConfig::default();
    let mut s = spec();
    s.memory_bytes = Some(32 << 20);
    s.stdout_bytes = Some(100);
    s.stderr_bytes = Some(200);
    let grants = grant(&s, &RuntimePolicy::default(), &host, ws).unwrap();
    assert_eq!(grants.memory_bytes, 32 << 20);
    assert_eq!((grants.stdout_bytes, grants.stderr_bytes), (100, 200));

    // No Runtime limit: up to the host's ceiling.
    s.memory_bytes = Some(1 << 30);
    assert_eq!(
        grant(&s, &RuntimePolicy::default(), &host, ws)
            .unwrap()
            .memory_bytes,
        1 << 30
    );
    s.memory_bytes = Some(8 << 30);
    let err = grant(&s, &RuntimePolicy::default(), &host, ws).unwrap_err();
    assert_eq!(
        err.to_string(),
        "requested memory limit of 8 GiB exceeds the host's limit of 4 GiB"
    );
    assert_eq!(err.reason(), "LimitExceeded");

    // A Runtime limit is the ceiling.
    let policy = policy_with(RuntimeLimits {
        memory_bytes: Some(64 << 20),
        output_bytes: Some(4096),
        ..RuntimeLimits::default()
    });
    s.memory_bytes = Some(128 << 20);
    assert_eq!(
        grant(&s, &policy, &host, ws).unwrap_err().to_string(),
        "requested memory limit of 128 MiB exceeds the Runtime's limit of 64 MiB"
    );
    s.memory_bytes = None;
    s.stderr_bytes = Some(8192);
    assert_eq!(
        grant(&s, &policy, &host, ws).unwrap_err().to_string(),
        "requested stderr limit of 8 KiB exceeds the Runtime's limit of 4 KiB"
    );
    s.stderr_bytes = Some(0);
    let err = grant(&s, &policy, &host, ws).unwrap_err();
    assert_eq!(
        err.to_string(),
        "requested stderr limit must be greater than 0"
    );
    assert_eq!(err.reason(), "InvalidSpec");
}

/// Reserved, empty, `=`-containing and NUL-containing variables are refused; so are NUL args and oversize input.
#[test]
fn invalid_env_and_args_are_refused() {
    let mut s = spec();
    s.env = vec![("KRUNTIME_OUTPUTS".into(), "/etc/passwd".into())];
    assert_eq!(
        grant_default(&s).unwrap_err().to_string(),
        "env KRUNTIME_OUTPUTS is reserved for the host"
    );
    for (name, value) in [("", "x"), ("A=B", "x"), ("A", "x\0y")] {
        s.env = vec![(name.into(), value.into())];
        assert_eq!(
            grant_default(&s).unwrap_err().reason(),
            "InvalidSpec",
            "{name:?}"
        );
    }
    s.env.clear();
    s.args = vec!["ok".into(), "bad\0".into()];
    assert_eq!(
        grant_default(&s).unwrap_err().to_string(),
        "args[1] contains NUL"
    );
    s.args = vec!["x".repeat(MAX_ARGS_ENV_BYTES + 1)];
    assert_eq!(grant_default(&s).unwrap_err().reason(), "LimitExceeded");
    s.args = vec![String::new(); MAX_ARGS + 1];
    assert_eq!(grant_default(&s).unwrap_err().reason(), "LimitExceeded");
}

/// Entrypoints must be plain relative paths, and inline source needs one.
#[test]
fn entrypoint_and_source_are_validated() {
    let mut s = spec();
    s.entrypoint = Some("../../etc/passwd".into());
    assert_eq!(
        grant_default(&s).unwrap_err().to_string(),
        "entrypoint \"../../etc/passwd\" must not contain `..`"
    );
    s.entrypoint = None;
    s.source = Some("print(1)".into());
    assert_eq!(
        grant_default(&s).unwrap_err(),
        PolicyError::SourceWithoutEntrypoint
    );
    s.entrypoint = Some("main.py".into());
    assert!(grant_default(&s).is_ok());
    s.source = Some("x".repeat(MAX_SOURCE_BYTES + 1));
    assert_eq!(grant_default(&s).unwrap_err().reason(), "LimitExceeded");
}

/// Mounts are read-only, absolute, outside /workspace and unique.
#[test]
fn mounts_are_read_only_and_validated() {
    let mount = |host: &str, guest: &str| Mount {
        host_path: host.into(),
        guest_path: guest.into(),
    };
    let policy = |mounts| RuntimePolicy {
        limits: RuntimeLimits::default(),
        capabilities: RuntimeCapabilities {
            network: Vec::new(),
            mounts,
            ..RuntimeCapabilities::default()
        },
    };
    let host = HostConfig::default();
    let ws = Path::new("/w");
    let grants = grant(
        &spec(),
        &policy(vec![mount("/opt/stdlib", "/python/lib")]),
        &host,
        ws,
    )
    .unwrap();
    assert_eq!(
        grants.preopens[2],
        Preopen {
            host_path: "/opt/stdlib".into(),
            guest_path: "/python/lib".into(),
            access: Access::ReadOnly,
        }
    );
    for (bad, problem) in [
        (mount("relative", "/x"), "host path must be absolute"),
        (mount("/h", "x"), "guest path must be absolute"),
        (mount("/h", "/"), "guest path must not be `/`"),
        (
            mount("/h", "/a/../b"),
            "guest path must not contain `.` or `..`",
        ),
        (
            mount("/h", "/workspace/lib"),
            "guest path must be outside /workspace",
        ),
        (
            mount("/h", "/workspace"),
            "guest path must be outside /workspace",
        ),
    ] {
        let err = grant(&spec(), &policy(vec![bad]), &host, ws).unwrap_err();
        assert!(err.to_string().ends_with(problem), "{err}");
    }
    let err = grant(
        &spec(),
        &policy(vec![mount("/a", "/lib"), mount("/b", "/lib/")]),
        &host,
        ws,
    )
    .unwrap_err();
    assert!(err.to_string().contains("mounted twice"), "{err}");
}

/// Network rules parse IPs, CIDRs, names and wildcards; bad ones name the entry.
#[test]
fn network_rules_parse_and_match() {
    let rule = |s: &str| s.parse::<NetworkRule>().unwrap();
    let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
    assert!(rule("127.0.0.1:8080").matches_addr(&addr("127.0.0.1:8080")));
    assert!(!rule("127.0.0.1:8080").matches_addr(&addr("127.0.0.1:8081")));
    assert!(rule("10.0.0.0/8:*").matches_addr(&addr("10.200.3.4:1")));
    assert!(!rule("10.0.0.0/8:*").matches_addr(&addr("11.0.0.1:1")));
    assert!(rule("0.0.0.0/0:443").matches_addr(&addr("8.8.8.8:443")));
    assert!(rule("[fd00::]/8:443").matches_addr(&addr("[fd12::1]:443")));
    assert!(rule("[::1]:22").matches_addr(&addr("[::1]:22")));
    assert!(rule("127.0.0.1:80").matches_addr(&addr("[::ffff:127.0.0.1]:80")));
    assert!(rule("*:*").matches_addr(&addr("1.2.3.4:5")));
    assert!(rule("PyPI.org:443").needs_name_lookup());
    assert!(!rule("pypi.org:443").matches_addr(&addr("1.2.3.4:443")));
    assert_eq!(rule("pypi.org:443").to_string(), "pypi.org:443");

    for bad in [
        "noport",
        "host:0",
        "host:99999",
        "[not-v6]:1",
        "10.0.0.0/33:1",
        "name/8:1",
        "bad_name:1",
        ":80",
        "a..b:1",
    ] {
        let err = bad.parse::<NetworkRule>().unwrap_err();
        assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
    }
}

/// Only the implicit bind and connects to allowed addresses pass; listening, UDP and explicit binds never do.
#[tokio::test]
async fn socket_check_allows_only_outbound_tcp_to_allowed_addresses() {
    let rules = [rule("127.0.0.1:8080")];
    let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
    assert!(check_socket_addr(&rules, addr("0.0.0.0:0"), SocketAddrUse::TcpBind).await);
    assert!(!check_socket_addr(&rules, addr("127.0.0.1:9"), SocketAddrUse::TcpBind).await);
    assert!(check_socket_addr(&rules, addr("127.0.0.1:8080"), SocketAddrUse::TcpConnect).await);
    assert!(!check_socket_addr(&rules, addr("127.0.0.1:8081"), SocketAddrUse::TcpConnect).await);
    assert!(!check_socket_addr(&rules, addr("0.0.0.0:8080"), SocketAddrUse::TcpListen).await);
    assert!(!check_socket_addr(&rules, addr("127.0.0.1:8080"), SocketAddrUse::UdpSend).await);
    // A name rule resolves on the host at check time.
    let named = [rule("localhost:8080")];
    assert!(check_socket_addr(&named, addr("127.0.0.1:8080"), SocketAddrUse::TcpConnect).await);
    assert!(!check_socket_addr(&named, addr("10.9.9.9:8080"), SocketAddrUse::TcpConnect).await);
}

fn rule(s: &str) -> NetworkRule {
    s.parse().unwrap()
}

/// Grants serialise in the camelCase shape reported as `status.grants`, and round-trip.
#[test]
fn grants_serialize_as_status_grants() {
    let policy = RuntimePolicy {
        limits: RuntimeLimits::default(),
        capabilities: RuntimeCapabilities {
            network: vec!["pypi.org:443".into()],
            mounts: Vec::new(),
            ..RuntimeCapabilities::default()
        },
    };
    let grants = grant(
        &spec(),
        &policy,
        &HostConfig::default(),
        Path::new("/w/uid-1"),
    )
    .unwrap();
    let json = serde_json::to_value(&grants).unwrap();
    assert_eq!(json["network"], serde_json::json!(["pypi.org:443"]));
    assert_eq!(json["timeoutMs"], 600_000);
    assert_eq!(json["memoryBytes"], 256 << 20);
    assert_eq!(
        json["preopens"][0],
        serde_json::json!({"hostPath": "/w/uid-1", "guestPath": "/workspace", "access": "ReadWrite"})
    );
    assert_eq!(
        json["env"][0],
        serde_json::json!({"name": "HOME", "value": "/workspace"})
    );
    let back: Grants = serde_json::from_value(json).unwrap();
    assert_eq!(back, grants);
}

/// A host that disallows networking refuses a Runtime allow-list.
#[test]
fn network_can_be_disabled_by_the_host() {
    let policy = RuntimePolicy {
        limits: RuntimeLimits::default(),
        capabilities: RuntimeCapabilities {
            network: vec!["10.0.0.1:80".into()],
            mounts: Vec::new(),
            ..RuntimeCapabilities::default()
        },
    };
    let host = HostConfig {
        allow_network: false,
        ..HostConfig::default()
    };
    assert_eq!(
        grant(&spec(), &policy, &host, Path::new("/w")).unwrap_err(),
        PolicyError::NetworkDisabled
    );
}

/// Byte counts are shown in the largest exact binary unit.
#[test]
fn bytes_format_in_exact_units() {
    assert_eq!(format_bytes(64 << 20), "64 MiB");
    assert_eq!(format_bytes(4 << 30), "4 GiB");
    assert_eq!(format_bytes(1536 << 10), "1536 KiB");
    assert_eq!(format_bytes(100), "100 bytes");
}

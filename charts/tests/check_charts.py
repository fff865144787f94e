"""Chart checks: the real Helm v4 SDK (helm-python-sdk) and the official Kubernetes OpenAPI schemas
(kubernetes-validate), offline.

Run by `cargo xtask test` (step "charts"), or alone:

    .venv/bin/python charts/tests/check_charts.py [-v]

Environment:
    KRUNTIMES_BIN_DIR  directory holding kruntimes-controller, kruntimes-scheduler and krt. When set, the flags the
                       chart renders are parsed by the real binaries and the rendered Runtimes by `krt validate`.
"""

from __future__ import annotations

import copy
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import unittest

import helm_python as helm
import kubernetes_validate
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "charts" / "kruntimes"
RUNTIMES = ROOT / "charts" / "kruntimes-runtimes"
IMAGES = ROOT / "images"
# The oldest Kubernetes we support and the newest the schema package bundles (as the manifests step).
KUBERNETES_VERSIONS = ["1.32.0", "1.37.0"]
# Kinds with no upstream schema: checked by their own tests instead (ours by `krt validate`).
NON_UPSTREAM_KINDS = {"ServiceMonitor", "Runtime"}
BIN_DIR = os.environ.get("KRUNTIMES_BIN_DIR")

# Values the platform chart must render and pass with: each a realistic installation.
PLATFORM_MATRIX: dict[str, dict] = {
    "defaults": {},
    "namespace scope, release namespace": {"scope": "namespace"},
    "namespace scope, other namespace": {"scope": "namespace", "watchNamespace": "team-a"},
    "high availability": {
        "controller": {"replicas": 2},
        "scheduler": {"replicas": 3, "concurrency": 64, "logJson": True},
    },
    "single replicas without leader election": {
        "controller": {"leaderElection": False},
        "scheduler": {"leaderElection": False},
    },
    "monitoring": {
        "metrics": {"serviceMonitor": {"enabled": True, "interval": "15s", "labels": {"release": "prom"}}},
    },
    "no metrics services, no RBAC": {"metrics": {"service": {"enabled": False}}, "rbac": {"create": False}},
    "own service accounts": {
        "controller": {"serviceAccount": {"create": False, "name": "ops-controller"}},
        "scheduler": {"serviceAccount": {"create": False, "name": "ops-scheduler"}},
    },
    "pinned images": {
        "controller": {"image": {"tag": "0.1.0", "digest": "sha256:" + "a" * 64}},
        "scheduler": {"image": {"digest": "sha256:" + "b" * 64}},
        "runtimed": {"image": {"repository": "registry.example.com/kruntimes/runtimed", "tag": "0.1.0-rc1"}},
    },
    "placement": {
        "imagePullSecrets": [{"name": "regcred"}],
        "controller": {
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [{"key": "control-plane", "operator": "Exists", "effect": "NoSchedule"}],
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["system"]}]}
                        ]
                    }
                }
            },
            "priorityClassName": "system-cluster-critical",
            "podAnnotations": {"example.com/team": "platform"},
            "extraEnv": [{"name": "RUST_BACKTRACE", "value": "1"}],
        },
        "scheduler": {
            "topologySpreadConstraints": [
                {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}
            ],
            "resources": {"requests": {"cpu": "200m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
        },
    },
    "fullname override": {"fullnameOverride": "krt-platform"},
}

# Values the platform chart must refuse, with the field its error must name.
PLATFORM_REFUSED: dict[str, tuple[dict, str]] = {
    "latest tag": ({"controller": {"image": {"tag": "latest"}}}, "/controller/image/tag"),
    "unknown scope": ({"scope": "everywhere"}, "/scope"),
    "replicas without leader election": (
        {"scheduler": {"replicas": 2, "leaderElection": False}},
        "/scheduler/leaderElection",
    ),
    "stale threshold under three heartbeats": ({"controller": {"staleThresholdSeconds": 5}}, "/controller/staleThresholdSeconds"),
    "watchNamespace in cluster scope": ({"watchNamespace": "team-a"}, "/watchNamespace"),
    "misspelt value": ({"controler": {"replicas": 2}}, "controler"),
    "bad digest": ({"runtimed": {"image": {"digest": "sha256:abc"}}}, "/runtimed/image/digest"),
}


def render(chart: pathlib.Path, values: dict, name: str = "kr", namespace: str = "kruntimes-system") -> list[dict]:
    """`helm template`: every rendered object, in file order."""
    with helm.Chart.load(str(chart)) as loaded:
        files = loaded.render(copy.deepcopy(values), name=name, namespace=namespace, is_install=True)
    objects = []
    for path, text in sorted(files.items()):
        if path.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def pod_specs(objects: list[dict]) -> list[tuple[str, dict]]:
    return [
        (f"{o['kind']}/{o['metadata']['name']}", o["spec"]["template"]["spec"])
        for o in objects
        if o["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}
    ]


def restricted_violations(spec: dict) -> list[str]:
    """What of a pod spec breaks Pod Security Standards "restricted" (plus our read-only root file system)."""
    problems = []
    pod_sc = spec.get("securityContext") or {}
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(flag):
            problems.append(f"{flag} is set")
    for volume in spec.get("volumes") or []:
        if "hostPath" in volume:
            problems.append(f"volume {volume['name']} is a hostPath")
    for c in (spec.get("initContainers") or []) + spec["containers"]:
        sc = c.get("securityContext") or {}
        where = f"container {c['name']}"
        if sc.get("privileged"):
            problems.append(f"{where}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problems.append(f"{where}: capabilities.drop lacks ALL")
        added = set((sc.get("capabilities") or {}).get("add") or []) - {"NET_BIND_SERVICE"}
        if added:
            problems.append(f"{where}: adds capabilities {sorted(added)}")
        if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
            problems.append(f"{where}: runAsNonRoot is not true")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            problems.append(f"{where}: runs as uid 0")
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        if seccomp not in {"RuntimeDefault", "Localhost"}:
            problems.append(f"{where}: seccompProfile is {seccomp!r}")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem is not true")
        for port in c.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"{where}: hostPort {port['hostPort']}")
    return problems


def images(objects: list[dict]) -> list[str]:
    found = []
    for _, spec in pod_specs(objects):
        found += [c["image"] for c in (spec.get("initContainers") or []) + spec["containers"]]
    for o in objects:
        if o["kind"] == "Deployment":
            for c in o["spec"]["template"]["spec"]["containers"]:
                found += [a.split("=", 1)[1] for a in c.get("args", []) if a.startswith("--default-daemon-image=")]
    return found


def unpinned(image: str) -> bool:
    """Untagged, or tagged `latest`, with no digest."""
    if "@sha256:" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.endswith(":latest")


def identity(o: dict) -> tuple[str, str, str]:
    return (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])


class PlatformChart(unittest.TestCase):
    def test_lint_is_clean(self) -> None:
        for chart in (PLATFORM, RUNTIMES):
            for version in KUBERNETES_VERSIONS:
                report = helm.lint(str(chart), {}, strict=True, kube_version=f"v{version}", namespace="kruntimes-system")
                findings = [m for m in report["messages"] if m["severity"] >= 2] + report.get("errors", [])
                self.assertEqual(findings, [], f"helm lint --strict {chart.name} (Kubernetes {version})")

    def test_every_values_set_renders_valid_restricted_pinned_objects(self) -> None:
        for case, values in PLATFORM_MATRIX.items():
            with self.subTest(case=case):
                objects = render(PLATFORM, values)
                self.assertTrue(objects)
                for o in objects:
                    if o["kind"] in NON_UPSTREAM_KINDS:
                        continue
                    for version in KUBERNETES_VERSIONS:
                        try:
                            kubernetes_validate.validate(o, version, strict=True)
                        except kubernetes_validate.ValidationError as e:
                            self.fail(f"{identity(o)} invalid for Kubernetes {version}: {e.message} at {list(e.path)}")
                specs = pod_specs(objects)
                self.assertEqual(len(specs), 2, "a controller and a scheduler Deployment")
                for name, spec in specs:
                    self.assertEqual(restricted_violations(spec), [], f"{name} is not PSS restricted")
                for image in images(objects):
                    self.assertFalse(unpinned(image), f"{image} is not pinned to a version or digest")
                fullname = values.get("fullnameOverride", "kr-kruntimes")
                for o in objects:
                    if o["metadata"].get("namespace"):
                        self.assertTrue(o["metadata"]["name"].startswith(fullname), f"{identity(o)} not named after the release")

    def test_images_follow_app_version_and_keep_explicit_tags_and_digests(self) -> None:
        by_component = {
            o["metadata"]["labels"]["app.kubernetes.io/component"]: o["spec"]["template"]["spec"]["containers"][0]
            for o in render(PLATFORM, PLATFORM_MATRIX["pinned images"])
            if o["kind"] == "Deployment"
        }
        self.assertEqual(by_component["controller"]["image"], "ghcr.io/kruntimes/controller:0.1.0@sha256:" + "a" * 64)
        self.assertEqual(by_component["scheduler"]["image"], "ghcr.io/kruntimes/scheduler@sha256:" + "b" * 64)
        self.assertIn("--default-daemon-image=registry.example.com/kruntimes/runtimed:0.1.0-rc1", by_component["controller"]["args"])
        defaults = [o for o in render(PLATFORM, {}) if o["kind"] == "Deployment"]
        with helm.Chart.load(str(PLATFORM)) as chart:
            app_version = yaml.safe_load((PLATFORM / "Chart.yaml").read_text())["appVersion"]
            self.assertTrue(chart.crds, "the chart ships the CRDs")
        for o in defaults:
            self.assertTrue(o["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":" + app_version))

    def test_app_version_is_the_workspace_version(self) -> None:
        cargo = (ROOT / "Cargo.toml").read_text()
        version = re.search(r'^\[workspace\.package\][^\[]*?^version = "([^"]+)"', cargo, re.M | re.S).group(1)
        for chart in (PLATFORM, RUNTIMES):
            meta = yaml.safe_load((chart / "Chart.yaml").read_text())
            self.assertEqual(meta["appVersion"], version, f"{chart.name} appVersion")

    def test_crds_are_the_generated_ones(self) -> None:
        with helm.Chart.load(str(PLATFORM)) as chart:
            shipped = sorted(chart.crds) if isinstance(chart.crds, dict) else chart.crds
        on_disk = sorted(p.name for p in (PLATFORM / "crds").glob("*.yaml"))
        self.assertEqual(len(shipped), len(on_disk), f"helm loads {shipped}, crds/ holds {on_disk}")
        self.assertEqual(on_disk, ["runs.kruntimes.io.yaml", "runtimes.kruntimes.io.yaml", "workflows.kruntimes.io.yaml"])

    def test_refused_values_name_the_field(self) -> None:
        for case, (values, field) in PLATFORM_REFUSED.items():
            with self.subTest(case=case):
                with self.assertRaises(helm.HelmValuesError) as refused:
                    render(PLATFORM, values)
                self.assertIn(field, str(refused.exception))

    def test_two_releases_in_one_namespace_do_not_collide(self) -> None:
        values = {"scope": "namespace", "watchNamespace": "team-a"}
        first = {identity(o) for o in render(PLATFORM, values, name="one")}
        second = {identity(o) for o in render(PLATFORM, {"scope": "namespace", "watchNamespace": "team-b"}, name="two")}
        self.assertEqual(first & second, set())
        leases = [
            a
            for name in ("one", "two")
            for o in render(PLATFORM, values, name=name)
            if o["kind"] == "Deployment"
            for a in o["spec"]["template"]["spec"]["containers"][0]["args"]
            if a.startswith("--lease-name=")
        ]
        self.assertEqual(len(leases), len(set(leases)), f"leader-election Leases are shared: {leases}")

    def test_same_release_name_in_two_namespaces_does_not_collide(self) -> None:
        first = {identity(o) for o in render(PLATFORM, {}, name="kr", namespace="ns-a")}
        second = {identity(o) for o in render(PLATFORM, {}, name="kr", namespace="ns-b")}
        self.assertEqual(first & second, set(), "cluster-scoped names must carry the namespace")

    def test_cluster_scope_grants_cluster_roles_and_a_lease_role_only(self) -> None:
        objects = render(PLATFORM, {})
        kinds = sorted(o["kind"] for o in objects if o["kind"].endswith(("Role", "RoleBinding")))
        self.assertEqual(kinds, ["ClusterRole"] * 2 + ["ClusterRoleBinding"] * 2 + ["Role"] * 2 + ["RoleBinding"] * 2)
        for o in objects:
            if o["kind"] == "Role":
                self.assertEqual(o["metadata"]["namespace"], "kruntimes-system")
                self.assertEqual({g for r in o["rules"] for g in r["apiGroups"]}, {"coordination.k8s.io"})
            if o["kind"] == "Deployment":
                args = o["spec"]["template"]["spec"]["containers"][0]["args"]
                self.assertFalse([a for a in args if a.startswith("--namespace")], "cluster scope watches everything")

    def test_namespace_scope_grants_only_the_watched_namespace(self) -> None:
        objects = render(PLATFORM, PLATFORM_MATRIX["namespace scope, other namespace"])
        self.assertFalse([o for o in objects if o["kind"].startswith("Cluster")], "no cluster-wide grant")
        roles = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects if o["kind"] == "Role"}
        self.assertEqual(
            roles,
            {
                ("team-a", "kr-kruntimes-controller"),
                ("team-a", "kr-kruntimes-scheduler"),
                ("kruntimes-system", "kr-kruntimes-controller-leader-election"),
                ("kruntimes-system", "kr-kruntimes-scheduler-leader-election"),
            },
        )
        for o in objects:
            if o["kind"] == "RoleBinding":
                self.assertEqual(o["subjects"][0]["namespace"], "kruntimes-system", "the subjects live with the release")
            if o["kind"] == "Deployment":
                self.assertIn("--namespace=team-a", o["spec"]["template"]["spec"]["containers"][0]["args"])

    def test_rendered_flags_parse_with_the_real_binaries(self) -> None:
        if not BIN_DIR:
            self.skipTest("KRUNTIMES_BIN_DIR not set (cargo xtask test sets it)")
        for case, values in PLATFORM_MATRIX.items():
            for o in render(PLATFORM, values):
                if o["kind"] != "Deployment":
                    continue
                container = o["spec"]["template"]["spec"]["containers"][0]
                binary = pathlib.Path(BIN_DIR) / f"kruntimes-{container['name']}"
                # clap parses and validates every flag before it acts on --help, the last one.
                done = subprocess.run([binary, *container["args"], "--help"], capture_output=True, text=True)
                self.assertEqual(done.returncode, 0, f"{case}: {binary.name} refuses {container['args']}: {done.stderr}")

    def test_install_dry_run(self) -> None:
        kubeconfig = (
            "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
            "contexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {token: x}}]\n"
        )
        with helm.Config(kubeconfig_content=kubeconfig, storage_driver="memory", namespace="kruntimes-system") as cfg:
            release = cfg.install(str(PLATFORM), "kr", {}, dry_run="client")
        self.assertIn("kind: Deployment", release["manifest"])
        self.assertIn("kr-kruntimes-controller", release["notes"])


class RuntimesChart(unittest.TestCase):
    def test_defaults_are_the_builtin_bash_and_python_runtimes(self) -> None:
        objects = render(RUNTIMES, {}, name="runtimes", namespace="team-a")
        self.assertEqual(
            {(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects},
            {("Runtime", "team-a", "bash"), ("Runtime", "team-a", "python")},
        )
        by_name = {o["metadata"]["name"]: o["spec"] for o in objects}
        self.assertEqual(by_name["bash"]["component"], {"builtin": "bash"})
        self.assertEqual(by_name["python"]["capacity"], {"resources": {"runs": 4}})
        self.assertNotIn("enabled", by_name["bash"])

    def test_values_configure_replicas_capacity_limits_and_custom_components(self) -> None:
        values = {
            "runtimes": {
                "python": {"enabled": False},
                "bash": {"replicas": 5, "capacity": {"resources": {"runs": 16}}, "limits": {"memory": "64Mi"}},
                "greet": {
                    "enabled": True,
                    "component": {"url": "https://example.com/greet.wasm", "sha256": "c" * 64},
                    "replicas": 1,
                },
            }
        }
        objects = render(RUNTIMES, values, name="runtimes", namespace="team-a")
        by_name = {o["metadata"]["name"]: o["spec"] for o in objects}
        self.assertEqual(sorted(by_name), ["bash", "greet"])
        self.assertEqual(by_name["bash"]["replicas"], 5)
        self.assertEqual(by_name["bash"]["capacity"]["resources"]["runs"], 16)
        self.assertEqual(by_name["bash"]["limits"], {"memory": "64Mi", "maxTimeoutSeconds": 600})
        self.assertEqual(by_name["greet"]["component"]["sha256"], "c" * 64)
        self.validate_with_krt(objects)

    def test_refused_values_name_the_field(self) -> None:
        refused = {
            "builtin and component": ({"runtimes": {"bash": {"component": {"url": "https://x/y.wasm"}}}}, "/runtimes/bash"),
            "unknown builtin": ({"runtimes": {"bash": {"builtin": "zsh"}}}, "/runtimes/bash/builtin"),
            "negative replicas": ({"runtimes": {"bash": {"replicas": -1}}}, "/runtimes/bash/replicas"),
            "bad name": ({"runtimes": {"Bash_Pool": {"enabled": True, "builtin": "bash"}}}, "Bash_Pool"),
        }
        for case, (values, field) in refused.items():
            with self.subTest(case=case):
                with self.assertRaises(helm.HelmValuesError) as error:
                    render(RUNTIMES, values, name="runtimes", namespace="team-a")
                self.assertIn(field, str(error.exception))

    def test_platform_and_runtimes_in_different_namespaces(self) -> None:
        platform = render(PLATFORM, {"scope": "namespace", "watchNamespace": "team-a"}, namespace="kruntimes-system")
        runtimes = render(RUNTIMES, {}, name="runtimes", namespace="team-a")
        watched = {o["metadata"]["namespace"] for o in platform if o["kind"] == "Role" and "leader" not in o["metadata"]["name"]}
        self.assertEqual(watched, {o["metadata"]["namespace"] for o in runtimes})
        self.assertEqual({o["metadata"]["namespace"] for o in platform if o["kind"] == "Deployment"}, {"kruntimes-system"})
        self.validate_with_krt(runtimes)

    def validate_with_krt(self, objects: list[dict]) -> None:
        if not BIN_DIR:
            return
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            yaml.safe_dump_all(objects, f)
            f.flush()
            done = subprocess.run([pathlib.Path(BIN_DIR) / "krt", "validate", "-f", f.name], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, f"krt validate refuses the rendered Runtimes: {done.stdout}{done.stderr}")


class ContainerImages(unittest.TestCase):
    """The build files of the images: base images pinned by digest, a non-root final stage."""

    def test_build_files_pin_bases_and_run_as_non_root(self) -> None:
        files = sorted(IMAGES.glob("*.Dockerfile"))
        self.assertEqual([f.name for f in files], ["controller.Dockerfile", "runtimed.Dockerfile", "scheduler.Dockerfile"])
        for path in files:
            lines = [l.strip() for l in path.read_text().splitlines()]
            stages = [l.split()[1] for l in lines if l.upper().startswith("FROM ")]
            self.assertGreaterEqual(len(stages), 2, f"{path.name} is not multi-stage")
            for base in stages:
                if base.startswith("--platform"):
                    self.fail(f"{path.name}: put --platform after the image, as FROM image AS name")
                # A stage may start from an earlier stage by name.
                if "/" in base or ":" in base or "@" in base:
                    self.assertRegex(base, r"@sha256:[0-9a-f]{64}$", f"{path.name}: base {base} is not pinned by digest")
            final = lines[max(i for i, l in enumerate(lines) if l.upper().startswith("FROM ")) :]
            users = [l.split()[1] for l in final if l.upper().startswith("USER ")]
            self.assertTrue(users, f"{path.name}: the final stage sets no USER")
            self.assertNotIn(users[-1].split(":")[0], {"0", "root"}, f"{path.name} runs as root")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[1:]])

"""Installs kruntimes on the loopback control plane with the real Helm v4 SDK (helm-python-sdk), not a dry run.

    python install.py ADMIN_KUBECONFIG

Release `kruntimes` of charts/kruntimes in kruntimes-system (CRDs, controller, scheduler, RBAC), then release
`runtimes` of charts/kruntimes-runtimes in `default` with the bash Runtime only (one pod), so that
`kubectl apply -f examples/hello-bash.yaml` runs. Waits until every Deployment is available.
"""

from __future__ import annotations

import pathlib
import sys

import helm_python as helm

ROOT = pathlib.Path(__file__).resolve().parents[2]
SYSTEM_NAMESPACE = "kruntimes-system"


def main() -> None:
    kubeconfig = pathlib.Path(sys.argv[1]).read_text()
    with helm.Config(kubeconfig_content=kubeconfig, storage_driver="secret", namespace=SYSTEM_NAMESPACE) as cfg:
        release = cfg.install(
            str(ROOT / "charts" / "kruntimes"),
            "kruntimes",
            {},
            create_namespace=True,
            wait="watcher",
            timeout=300,
        )
        print(f"installed release {release['name']} in {SYSTEM_NAMESPACE}: {release['status']}")
    with helm.Config(kubeconfig_content=kubeconfig, storage_driver="secret", namespace="default") as cfg:
        release = cfg.install(
            str(ROOT / "charts" / "kruntimes-runtimes"),
            "runtimes",
            {"runtimes": {"python": {"enabled": False}, "bash": {"replicas": 1}}},
            wait="watcher",
            timeout=300,
        )
        print(f"installed release {release['name']} in default: {release['status']}")


if __name__ == "__main__":
    main()

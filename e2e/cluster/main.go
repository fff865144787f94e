// Command kcluster is one binary holding the real Kubernetes control plane that kruntimes' tests run
// against: etcd, kube-apiserver, kube-controller-manager and kube-scheduler, each the upstream code
// from the Go module proxy at the versions pinned in go.mod.
//
// It is a multi-call binary, so the Go build cache links one program instead of four:
//
//	kcluster etcd [etcd flags]
//	kcluster kube-apiserver [kube-apiserver flags]
//	kcluster kube-controller-manager [flags]
//	kcluster kube-scheduler [flags]
//	kcluster pki --dir DIR --server URL   (certificates, keys and kubeconfigs for the above)
//	kcluster wait --kubeconfig FILE [--timeout 60s]   (until the API server is ready)
//	kcluster compact --endpoint URL   (etcd's history up to now, as the API server's compaction does)
//	kcluster version
//
// `cargo xtask cluster up` builds it and starts the pieces on loopback.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	_ "time/tzdata"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/component-base/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

const usage = "usage: kcluster etcd|kube-apiserver|kube-controller-manager|kube-scheduler|pki|wait|compact|version [flags]"

func main() {
	// Called as a symlink named after a component, or as `kcluster <component> ...` (or `kcluster-v1.34 ...`, the
	// build of compat/v1.34.mod).
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if name == "kcluster" || strings.HasPrefix(name, "kcluster-") {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		name, args = args[0], args[1:]
	}
	// The components parse os.Args themselves (cobra, etcd's flag set): make it look like a direct call.
	os.Args = append([]string{name}, args...)

	switch name {
	case "etcd":
		etcdmain.Main(os.Args)
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "pki":
		if err := pki(args); err != nil {
			fmt.Fprintf(os.Stderr, "kcluster pki: %v\n", err)
			os.Exit(1)
		}
	case "wait":
		if err := waitReady(args); err != nil {
			fmt.Fprintf(os.Stderr, "kcluster wait: %v\n", err)
			os.Exit(1)
		}
	case "compact":
		if err := compact(args); err != nil {
			fmt.Fprintf(os.Stderr, "kcluster compact: %v\n", err)
			os.Exit(1)
		}
	case "version":
		fmt.Println(version.Get().GitVersion)
	default:
		fmt.Fprintf(os.Stderr, "kcluster: unknown component %q\n%s\n", name, usage)
		os.Exit(2)
	}
}

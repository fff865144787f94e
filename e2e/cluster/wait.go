package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// waitReady polls the API server's /readyz until it answers ok or the timeout passes.
//
//	kcluster wait --kubeconfig FILE [--timeout 60s]
func waitReady(args []string) error {
	flags := flag.NewFlagSet("wait", flag.ContinueOnError)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig of the API server")
	timeout := flags.Duration("timeout", time.Minute, "how long to wait")
	if err := flags.Parse(args); err != nil {
		return err
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var last error
	for {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			return nil
		}
		if err != nil {
			last = err
		} else {
			last = fmt.Errorf("/readyz: %s", body)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("API server not ready after %s: %v", *timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

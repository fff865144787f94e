package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// compact discards etcd's history up to its current revision, as the API server's periodic compaction does
// (every 5 minutes by default), and prints that revision. Watches resumed from an older resourceVersion then
// get 410 Gone and must list again: the fault tests use it to force those re-lists on demand.
func compact(args []string) error {
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "etcd client URL (http://127.0.0.1:PORT)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *endpoint == "" {
		return fmt.Errorf("--endpoint is required")
	}
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Any read carries the store's current revision in its header.
	resp, err := client.Get(ctx, "/kcluster/compact", clientv3.WithCountOnly())
	if err != nil {
		return fmt.Errorf("reading the current revision: %w", err)
	}
	revision := resp.Header.Revision
	if _, err := client.Compact(ctx, revision, clientv3.WithCompactPhysical()); err != nil {
		return fmt.Errorf("compacting to revision %d: %w", revision, err)
	}
	fmt.Println(revision)
	return nil
}

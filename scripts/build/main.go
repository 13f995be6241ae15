// Command build builds the deployable code packages of the Function Compute functions.
//
//	go run ./scripts/build               # every functions/<name> that has a main.go
//	go run ./scripts/build sts           # only the named ones
//
// For each function it runs
//
//	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOWORK=off go build -trimpath -buildvcs=false -ldflags="-s -w" \
//	    -o functions/<name>/dist/main ./functions/<name>
//
// (GOWORK=off: from the product's go.mod alone, whatever the go.work that joins this tooling module
// selects), writes functions/<name>/function.zip (main at the root, mode 0755) and prints a size table.
// It can be run from any directory of the repository; s.yaml runs it as the pre-deploy action of each
// function.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

func run() error {
	for _, a := range os.Args[1:] {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprintln(os.Stderr, "usage: go run ./scripts/build [function ...]")
			return nil
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := fcbuild.FindRoot(wd)
	if err != nil {
		return err
	}
	b := fcbuild.Builder{Root: root, Output: os.Stderr}
	results, err := b.BuildAll(ctx, os.Args[1:]...)
	if len(results) > 0 {
		fcbuild.WriteTable(os.Stdout, results, root)
	}
	return err
}

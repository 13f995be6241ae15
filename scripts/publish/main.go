// Command publish assembles the Serverless Devs registry package of this application (what the FC
// console's one-click deploy installs) in the layout the registry requires:
//
//	<out>/publish.yaml   metadata and the deployment form's parameters
//	<out>/readme.md      README.md
//	<out>/version.md     the Version of publish.yaml
//	<out>/src/           the project itself, with src/s.yaml the template the form fills in
//
// src/ holds the files git tracks (no build output, node_modules or local data), so the console can
// build each function with `go run ./scripts/build <name>` from src/. Then, from <out>:
// `s registry login` and `s registry publish`.
//
//	go run ./scripts/publish -o /tmp/fc-oss-upload-registry
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

func main() {
	out := flag.String("o", "", "output directory (must not exist or be empty)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/publish -o <dir>")
		os.Exit(2)
	}
	wd, err := os.Getwd()
	if err == nil {
		var root string
		if root, err = fcbuild.FindRoot(wd); err == nil {
			var n int
			if n, err = Assemble(root, *out); err == nil {
				fmt.Printf("registry package in %s (%d files under src/); publish with: cd %s && s registry publish\n", *out, n, *out)
				return
			}
		}
	}
	fmt.Fprintln(os.Stderr, "publish:", err)
	os.Exit(1)
}
